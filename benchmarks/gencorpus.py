#!/usr/bin/env python3
"""Write a deterministic bilingual (zh + en), math-heavy blog corpus for build benchmarks.

    python benchmarks/gencorpus.py --posts 1000 --seed 1 --out "${TMPDIR:-/tmp}/corpus"

Layout (the page-bundle layout that blogkit and Hugo both read as is):

    OUT/content/posts/<slug>/index.zh.md    every post
    OUT/content/posts/<slug>/index.en.md    translated posts (--translated-ratio, default all)
    OUT/content/posts/<slug>/figure.svg     the figure the post shows

Each Markdown file has YAML front matter (title, date, categories, tags, sometimes summary)
and a 4-10 KB body in its own language: `##`/`###` headings, inline math in `$..$` and
`\\(..\\)`, display math in `$$..$$` and `\\[..\\]` (with `aligned`, `cases`, `\\tag`,
and `_`/`*` that must not turn into emphasis), fenced python/yaml/bash code, a pipe table,
a list, a footnote, a link to an earlier post's source file and the figure.

Standard library only. Post i is drawn from random generators seeded with (seed, i) alone,
so the same arguments always give byte-identical files and a smaller corpus is a prefix of
a larger one (with the same --translated-ratio).
"""

from __future__ import annotations

import argparse
import datetime
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

CATEGORIES = ("Generative Model", "Computer Vision", "Self-Supervised", "Deep Learning",
              "3D Model")


@dataclass(frozen=True)
class Subject:
    """What a post is about: slug stem, names in both languages, categories that fit."""

    stem: str
    en: str
    zh: str
    categories: tuple[str, ...]


SUBJECTS = (
    Subject("flow-matching", "Flow Matching", "流匹配", ("Generative Model",)),
    Subject("latent-diffusion", "Latent Diffusion", "潜空间扩散",
            ("Generative Model", "Computer Vision")),
    Subject("vq", "Vector-Quantised Autoencoders", "向量量化自编码器", ("Generative Model",)),
    Subject("consistency", "Consistency Models", "一致性模型", ("Generative Model",)),
    Subject("ar-image", "Autoregressive Image Models", "自回归图像模型",
            ("Generative Model", "Deep Learning")),
    Subject("self-distill", "Self-Distillation without Labels", "无标签自蒸馏",
            ("Self-Supervised", "Computer Vision")),
    Subject("jepa", "Joint-Embedding Predictive Architectures", "联合嵌入预测架构",
            ("Self-Supervised",)),
    Subject("momentum-contrast", "Momentum Contrast", "动量对比", ("Self-Supervised",)),
    Subject("swin", "Shifted-Window Transformers", "移位窗口 Transformer",
            ("Computer Vision", "Deep Learning")),
    Subject("unet", "U-Net Backbones", "U-Net 骨干网络", ("Computer Vision", "Deep Learning")),
    Subject("normalization", "Normalisation Layers", "归一化层", ("Deep Learning",)),
    Subject("moe", "Mixture of Experts", "混合专家模型", ("Deep Learning",)),
    Subject("neural-ode", "Neural ODEs", "神经常微分方程", ("Deep Learning",)),
    Subject("lora", "Low-Rank Adaptation", "低秩适配", ("Deep Learning",)),
    Subject("splatting", "3D Gaussian Splatting", "三维高斯泼溅", ("3D Model", "Computer Vision")),
    Subject("mesh", "Mesh Reconstruction", "网格重建", ("3D Model",)),
    Subject("occupancy", "Occupancy Networks", "占据网络", ("3D Model",)),
    Subject("depth", "Monocular Depth", "单目深度估计", ("Computer Vision", "3D Model")),
    Subject("optical-flow", "Optical Flow", "光流估计", ("Computer Vision",)),
    Subject("segmentation", "Promptable Segmentation", "可提示分割",
            ("Computer Vision", "Self-Supervised")),
)

# (slug word, English title part, Chinese title part)
ANGLES = (
    ("derivation", "A Derivation", "推导"),
    ("notes", "Reading Notes", "阅读笔记"),
    ("pitfalls", "Common Pitfalls", "常见陷阱"),
    ("scratch", "Building It from Scratch", "从头实现"),
    ("ablations", "What the Ablations Say", "消融实验解读"),
    ("objective", "The Training Objective", "训练目标"),
    ("sampler", "Samplers and Step Counts", "采样器与步数"),
    ("memory", "Memory and Compute", "显存与算力"),
    ("geometry", "A Geometric View", "几何视角"),
    ("revisited", "Revisited", "再探"),
    ("faq", "Questions from Readers", "读者问答"),
)

# (English tag, Chinese tag); a zh file writes the Chinese spelling.
TAGS = (
    ("ODE", "常微分方程"), ("Sampling", "采样"), ("Codebook", "码本"), ("Distillation", "蒸馏"),
    ("Transformer", "Transformer"), ("Attention", "注意力"), ("EMA", "EMA"),
    ("Rendering", "渲染"), ("Geometry", "几何"), ("Fine-tuning", "微调"),
    ("Efficiency", "效率"), ("Normalization", "归一化"), ("Depth", "深度"),
    ("Segmentation", "分割"), ("Optimization", "优化"), ("Pretraining", "预训练"),
    ("PyTorch", "PyTorch"), ("Math", "数学"), ("Paper Notes", "论文笔记"), ("Tricks", "技巧"),
    ("Routing", "路由"), ("Latent Space", "潜空间"), ("Contrastive", "对比学习"),
    ("Point Cloud", "点云"), ("Scaling", "扩展规律"), ("Benchmarks", "基准测试"),
)

# --- formulas ------------------------------------------------------------------------
# A formula is a template filled with a few symbols drawn per post, so that a corpus of
# 1000 posts repeats formulas the way a real blog does (tens of thousands of uses, a few
# thousand distinct), which is what formula caches are judged on.

LETTERS = ("x", "y", "z", "h", "u", "v", "c", "q")
GREEK = ("\\theta", "\\psi", "\\omega", "\\xi", "\\rho", "\\kappa", "\\varphi")
SUBSCRIPTS = ("i", "j", "k", "t", "l", "n", "t+1", "k-1", "0")
DIMS = ("64", "256", "768", "d", "C \\times H \\times W", "N \\times d")

INLINE_FORMS = (
    "{a}_{{{s}}}^{{*}}",
    "{p}^{{*}} = \\arg\\max_{{{p}}} J({p})",
    "\\hat{{{a}}}_{{{s}}} = {a}_{{{s}}} * m_{{{s}}}",
    "\\operatorname{{sg}}[{a}_{{{s}}}]",
    "{a} \\in \\mathbb{{R}}^{{{d}}}",
    "\\sigma_{{{s}}}^2",
    "\\langle {a}, {b} \\rangle",
    "\\frac{{\\partial \\ell}}{{\\partial {p}}}",
    "{b}_{{{s}}} = f_{p}({a}_{{{s}}})",
    "\\lVert {a} - {b} \\rVert_2",
    "p({a} \\mid {b})",
    "{a}_t = (1 - t)\\,{a}_0 + t\\,{a}_1",
    "\\tilde{{{a}}} \\sim \\mathcal{{N}}(\\mu_{p}, \\Sigma_{p})",
    "\\mathrm{{KL}}(q \\,\\Vert\\, p)",
    "O(N^2 d)",
    "\\beta_{{{s}}} \\in (0, 1)",
    "{a}^{{(l+1)}} = {a}^{{(l)}} + F({a}^{{(l)}})",
    "W_K^\\top {a}_{{{s}}}",
    "r \\ll d",
    "\\Delta W = BA",
    "{p}_{{\\text{{ema}}}} \\leftarrow m\\,{p}_{{\\text{{ema}}}} + (1-m)\\,{p}",
    "\\mathcal{{L}}_{{\\text{{rec}}}} + \\lambda\\,\\mathcal{{L}}_{{\\text{{reg}}}}",
    "k^* = \\arg\\min_j \\|{a} - e_j\\|",
    "{a}_{{{s}}} * {b}_{{{s}}}",
    "t \\sim \\mathcal{{U}}[0, 1]",
    "\\tau = 0.{t}",
    "T_{{{s}}} = \\prod_{{j<{s}}} (1 - \\alpha_j)",
)

# Display forms: (name, template). Templates use the same fields as INLINE_FORMS.
DISPLAY_FORMS = (
    ("fm-loss",
     "\\mathcal{{L}}_{{\\mathrm{{FM}}}}({p}) = \\mathbb{{E}}_{{t,\\,{a}_0,\\,{a}_1}}"
     "\\left[\\big\\| v_{p}({a}_t, t) - ({a}_1 - {a}_0) \\big\\|_2^2\\right]"),
    ("euler",
     "\\begin{{aligned}}\n"
     "{a}_{{t+\\Delta t}} &= {a}_t + \\Delta t\\, v_{p}({a}_t, t), \\\\\n"
     "\\Delta t &= 1/N, \\qquad N = {n}\n"
     "\\end{{aligned}}"),
    ("schedule",
     "\\eta(t) = \\begin{{cases}}\n"
     "\\eta_{{\\max}}\\, t / t_w & t < t_w, \\\\\n"
     "\\tfrac{{1}}{{2}}\\,\\eta_{{\\max}}"
     "\\left(1 + \\cos\\frac{{\\pi (t - t_w)}}{{T - t_w}}\\right) & \\text{{otherwise}}\n"
     "\\end{{cases}}"),
    ("vq",
     "{a}_q = e_{{k^*}}, \\quad k^* = \\arg\\min_{{j}} \\lVert {a}_e - e_j \\rVert_2, \\quad "
     "\\mathcal{{L}} = \\lVert \\operatorname{{sg}}[{a}_e] - e_{{k^*}} \\rVert^2 "
     "+ \\beta \\lVert {a}_e - \\operatorname{{sg}}[e_{{k^*}}] \\rVert^2"),
    ("lora", "{b} = W_0 {a} + \\frac{{\\alpha}}{{r}} B A {a}, \\qquad "
             "B \\in \\mathbb{{R}}^{{d \\times r}},\\; A \\in \\mathbb{{R}}^{{r \\times k}}"),
    ("moe", "{b} = \\sum_{{e=1}}^{{E}} g_e({a})\\, F_e({a}), \\qquad "
            "g({a}) = \\operatorname{{TopK}}\\big(\\operatorname{{softmax}}(W_g {a}), {n}\\big)"),
    ("splat", "C = \\sum_{{i \\in \\mathcal{{N}}}} c_i\\, \\alpha_i "
              "\\prod_{{j=1}}^{{i-1}} (1 - \\alpha_j)"),
    ("norm",
     "\\begin{{aligned}}\n"
     "\\mu_{{\\mathcal{{B}}}} &= \\frac{{1}}{{m}} \\sum_{{i=1}}^{{m}} {a}_i, \\qquad "
     "\\sigma_{{\\mathcal{{B}}}}^2 = \\frac{{1}}{{m}} \\sum_{{i=1}}^{{m}} "
     "({a}_i - \\mu_{{\\mathcal{{B}}}})^2, \\\\\n"
     "{b}_i &= \\gamma\\, \\frac{{{a}_i - \\mu_{{\\mathcal{{B}}}}}}"
     "{{\\sqrt{{\\sigma_{{\\mathcal{{B}}}}^2 + \\epsilon}}}} + \\beta\n"
     "\\end{{aligned}}"),
    ("ode", "\\frac{{d{a}(t)}}{{dt}} = f_{p}({a}(t), t), \\qquad "
            "{a}(T) = {a}(0) + \\int_0^T f_{p}({a}(t), t)\\, dt"),
    ("sdf",
     "s(\\mathbf{{{a}}}) = \\begin{{cases}} -d(\\mathbf{{{a}}}, \\partial\\Omega) & "
     "\\mathbf{{{a}}} \\in \\Omega, \\\\ \\phantom{{-}}d(\\mathbf{{{a}}}, \\partial\\Omega) & "
     "\\text{{otherwise}} \\end{{cases}}"),
    ("self-distill",
     "\\mathcal{{L}} = -\\sum_{{{a} \\in \\{{{a}_1^g, {a}_2^g\\}}}} "
     "\\sum_{{{a}' \\neq {a}}} P_t({a})^\\top \\log P_s({a}'), \\qquad "
     "P(\\cdot) = \\operatorname{{softmax}}(g_{p}(\\cdot) / \\tau)"),
    ("rotation",
     "R_z(\\varphi) = \\begin{{pmatrix}} \\cos\\varphi & -\\sin\\varphi & 0 \\\\ "
     "\\sin\\varphi & \\cos\\varphi & 0 \\\\ 0 & 0 & 1 \\end{{pmatrix}}, \\qquad "
     "\\mathbf{{{b}}} = R_z(\\varphi)\\,\\mathbf{{{a}}} + \\mathbf{{t}}"),
    ("consistency",
     "f_{p}({a}_t, t) = c_{{\\text{{skip}}}}(t)\\, {a}_t + c_{{\\text{{out}}}}(t)\\, "
     "F_{p}({a}_t, t), \\qquad c_{{\\text{{skip}}}}(\\epsilon) = 1"),
    ("brightness",
     "I(x + u, y + v, t + 1) \\approx I(x, y, t) \\;\\Longrightarrow\\; "
     "I_x u + I_y v + I_t = 0"),
    ("attention-cost",
     "\\begin{{aligned}}\n"
     "\\operatorname{{Attn}}(Q, K, V) &= \\operatorname{{softmax}}\\!\\left("
     "\\frac{{Q K^\\top}}{{\\sqrt{{d}}}} + B\\right) V, \\\\\n"
     "\\text{{cost}} &= O\\big(M^2 \\cdot (H W / M^2) \\cdot d\\big), \\quad M = {n}\n"
     "\\end{{aligned}}"),
    ("ema-update", "{p}_t \\leftarrow m\\,{p}_t + (1 - m)\\,{p}_s, \\qquad "
                   "m = 1 - (1 - m_0)\\,\\frac{{\\cos(\\pi k / K) + 1}}{{2}}"),
)


def symbols(rng: random.Random) -> dict[str, str]:
    """Draw the symbols that fill one formula template."""
    a, b = rng.sample(LETTERS, 2)
    return {"a": a, "b": b, "p": rng.choice(GREEK), "s": rng.choice(SUBSCRIPTS),
            "d": rng.choice(DIMS), "n": rng.choice(("4", "8", "16", "50")),
            "t": rng.choice(("07", "1", "2", "5"))}


def inline_pool(rng: random.Random) -> list[str]:
    """The inline formulas one post keeps coming back to (both languages share them)."""
    return [rng.choice(INLINE_FORMS).format(**symbols(rng)) for _ in range(rng.randint(6, 12))]


def wrap_inline(tex: str, rng: random.Random) -> str:
    """Wrap TeX in `$..$` or `\\(..\\)`, half and half."""
    return f"${tex}$" if rng.random() < 0.5 else f"\\({tex}\\)"


def wrap_display(tex: str, tag: int | None, rng: random.Random) -> str:
    """A display block in `$$` or `\\[`, over several lines or on one line, maybe tagged."""
    if tag is not None:
        tex += f" \\tag{{{tag}}}"
    opener, closer = ("$$", "$$") if rng.random() < 0.5 else ("\\[", "\\]")
    if "\n" not in tex and rng.random() < 0.3:
        return f"{opener} {tex} {closer}"
    return f"{opener}\n{tex}\n{closer}"


# --- prose ---------------------------------------------------------------------------

ZH_OPENERS = ("先说结论", "回到前面的例子", "从实现的角度看", "细想一下", "更具体地说",
              "需要强调的是", "换个角度", "按照惯例", "在实际训练中", "不难发现", "顺带一提")
ZH_ACTORS = ("模型", "主干网络", "教师分支", "学生分支", "码本", "门控网络", "速度场", "去噪器",
             "渲染器", "投影头", "适配矩阵", "归一化层", "优化器", "采样轨迹", "解码器")
ZH_ACTIONS = ("把输入映射到低维潜空间", "逐步去除高斯噪声", "对齐两个视图的特征",
              "估计每个像素的深度", "压缩注意力的计算量", "预测下一个离散标记",
              "沿着常微分方程积分", "对高斯椭球做可微光栅化", "只更新一小部分参数",
              "在专家之间分配标记", "让梯度绕过量化操作", "拟合连续的速度场",
              "从稀疏视角恢复表面", "在窗口之间交换信息")
ZH_RESULTS = ("收敛明显更快", "显存占用几乎不变", "生成质量略有下降", "训练更加稳定",
              "推理速度大约提升一倍", "对学习率不再敏感", "容易出现模式坍塌", "边缘处的误差偏大",
              "在小数据集上也能工作", "需要更长的预热阶段")
ZH_CONDITIONS = ("当批量较小时", "分辨率提高以后", "只要步数足够多", "如果去掉这一项",
                 "在预训练阶段", "微调时", "当噪声水平接近零时", "在多卡训练下",
                 "换成半精度以后", "数据增强较弱时")
ZH_NOUNS = ("输入图像", "时间步", "噪声尺度", "码本向量", "门控权重", "低秩增量", "目标分布",
            "相机位姿", "不透明度", "速度场", "梯度范数", "温度系数", "特征图", "残差分支")
TERMS = ("LayerNorm", "AdamW", "classifier-free guidance", "stop-gradient", "top-k routing",
         "Euler solver", "KV cache", "bf16", "FlashAttention", "marching cubes", "RoPE",
         "gradient checkpointing", "EMA teacher", "patch embedding", "straight-through estimator")
CODE_SPANS = ("`torch.einsum(\"bhqd,bhkd->bhqk\", q, k)`", "`x.detach()`",
              "`F.scaled_dot_product_attention`", "`torch.no_grad()`", "`model.eval()`",
              "`$LR`", "`*args, **kwargs`", "`a_i * b_i`")

EN_OPENERS = ("To put the conclusion first", "Back to the earlier example",
              "From the implementation side", "On reflection", "More concretely",
              "Above all", "Seen differently", "By convention",
              "In real training runs", "Unsurprisingly", "As an aside")
EN_ACTORS = ("the model", "the backbone", "the teacher branch", "the student branch",
             "the codebook", "the gating network", "the velocity field", "the denoiser",
             "the renderer", "the projection head", "the adapter", "the normalisation layer",
             "the optimiser", "the sampling trajectory", "the decoder")
EN_ACTIONS = ("maps the input to a low-dimensional latent space",
              "removes Gaussian noise step by step",
              "aligns the features of two views", "estimates a depth for every pixel",
              "cuts the cost of attention", "predicts the next discrete token",
              "integrates an ordinary differential equation", "rasterises Gaussian ellipsoids "
              "differentiably", "updates only a small share of the weights",
              "spreads tokens over the experts", "lets gradients skip the quantiser",
              "fits a continuous velocity field", "recovers a surface from sparse views",
              "passes information between windows")
EN_RESULTS = ("converges clearly faster", "uses almost the same memory",
              "loses a little sample quality", "trains more stably", "runs about twice as fast",
              "no longer cares much about the learning rate", "tends to collapse to a few modes",
              "makes larger errors near edges", "works on small datasets as well",
              "needs a longer warm-up")
EN_CONDITIONS = ("with small batches", "once the resolution goes up", "given enough steps",
                 "without this term", "during pre-training", "when fine-tuning",
                 "as the noise level approaches zero", "on several GPUs", "in half precision",
                 "under weak augmentation")
EN_NOUNS = ("the input image", "the time step", "the noise scale", "a codebook vector",
            "the gate weight", "the low-rank update", "the target distribution", "the camera pose",
            "the opacity", "the velocity field", "the gradient norm", "the temperature",
            "the feature map", "the residual branch")

ZH_SENTENCES = (
    "{opener}，{actor}的作用是{action}。",
    "{cond}，{actor}{result}，这一点在附录的曲线里看得很清楚。",
    "很多实现会直接{action}，但{cond}往往{result}。",
    "{actor}借助 {term} 来{action}，{cond}{result}。",
    "可以把这一步理解为{action}；{opener}，{actor}本身并不复杂。",
    "实验表明，{cond}，{actor}{result}。",
    "记 {math} 为{noun}，于是{actor}{result}。",
    "这里 {math} 表示{noun}，而 {math2} 对应{noun2}。",
    "{opener}，调用 {code} 时要注意{noun}的形状。",
    "与其说{actor}在{action}，不如说它在权衡{noun}和{noun2}。",
    "{cond}，不妨先检查{noun}，再决定是否{action}。",
    "这篇笔记里的{actor}沿用原论文的设置，{cond}{result}。",
)
EN_SENTENCES = (
    "{opener}, {actor} {action}.",
    "{cond_cap}, {actor} {result}, which the curves in the appendix make plain.",
    "Many implementations simply {action_bare}, but {cond} {actor} {result}.",
    "Using {term}, {actor} {action}, and {cond} it {result}.",
    "Think of this step as one that {action}; {opener_low}, {actor} is not complicated.",
    "The experiments show that {cond} {actor} {result}.",
    "Write {math} for {noun}; then {actor} {result}.",
    "Here {math} stands for {noun}, while {math2} is {noun2}.",
    "{opener}, mind the shape of {noun} when calling {code}.",
    "Rather than saying {actor} {action}, say it trades {noun} against {noun2}.",
    "{cond_cap}, check {noun} first and only then {action_bare}.",
    "In these notes {actor} keeps the paper's settings, and {cond} it {result}.",
)


class Prose:
    """Sentences and paragraphs in one language, drawing formulas from the post's pool."""

    def __init__(self, lang: str, rng: random.Random, pool: Sequence[str]) -> None:
        self.lang = lang
        self.rng = rng
        self.pool = pool

    def math(self, table_cell: bool = False) -> str:
        """An inline formula from the pool; in a table cell, one without `|` (a cell break)."""
        choices = [tex for tex in self.pool if "|" not in tex] if table_cell else self.pool
        return wrap_inline(self.rng.choice(choices or ["x"]), self.rng)

    def sentence(self, math_weight: float = 1.0) -> str:
        """One sentence; templates with math are picked more often when math_weight > 1."""
        rng = self.rng
        templates = ZH_SENTENCES if self.lang == "zh" else EN_SENTENCES
        weights = [math_weight if "{math}" in t else 1.0 for t in templates]
        template = rng.choices(templates, weights=weights)[0]
        if self.lang == "zh":
            fields = {"opener": rng.choice(ZH_OPENERS), "actor": rng.choice(ZH_ACTORS),
                      "action": rng.choice(ZH_ACTIONS), "result": rng.choice(ZH_RESULTS),
                      "cond": rng.choice(ZH_CONDITIONS), "noun": rng.choice(ZH_NOUNS),
                      "noun2": rng.choice(ZH_NOUNS)}
        else:
            opener, action = rng.choice(EN_OPENERS), rng.choice(EN_ACTIONS)
            cond = rng.choice(EN_CONDITIONS)
            fields = {"opener": opener, "opener_low": opener[0].lower() + opener[1:],
                      "actor": rng.choice(EN_ACTORS), "action": action,
                      "action_bare": _bare_verb(action), "result": rng.choice(EN_RESULTS),
                      "cond": cond, "cond_cap": cond[0].upper() + cond[1:],
                      "noun": rng.choice(EN_NOUNS), "noun2": rng.choice(EN_NOUNS)}
        fields.update(term=rng.choice(TERMS), code=rng.choice(CODE_SPANS),
                      math=self.math(), math2=self.math())
        text = template.format(**fields)
        return text[0].upper() + text[1:]

    def paragraph(self) -> str:
        """Three to six sentences; Chinese runs them together, English puts spaces between."""
        count = self.rng.randint(3, 6)
        glue = "" if self.lang == "zh" else " "
        return glue.join(self.sentence() for _ in range(count))


def _bare_verb(action: str) -> str:
    """'maps the input ...' -> 'map the input ...' (third person -> bare infinitive)."""
    verb, _, rest = action.partition(" ")
    if verb.endswith("ies"):
        bare = verb[:-3] + "y"
    elif verb.endswith(("shes", "ches", "xes", "sses")):
        bare = verb[:-2]
    else:
        bare = verb[:-1]
    return f"{bare} {rest}"


# --- other blocks --------------------------------------------------------------------


def python_block(rng: random.Random) -> str:
    """A PyTorch snippet; `*`, `_` and `$` in it must stay code, never math or emphasis."""
    name = rng.choice(("velocity_loss", "quantise", "lora_forward", "ema_step", "route_tokens"))
    rank = rng.choice((4, 8, 16, 32))
    lr = rng.choice(("1e-4", "2e-4", "5e-5", "3e-4"))
    return "\n".join((
        "```python",
        "import torch",
        "from torch import nn",
        "",
        "",
        f"def {name}(net: nn.Module, x_0: torch.Tensor, x_1: torch.Tensor, *, rank={rank}):",
        f'    """Toy {name}: x_0 is noise, x_1 data, both shaped (B, C, H, W)."""',
        "    t = torch.rand(x_0.shape[0], 1, 1, 1, device=x_0.device)",
        "    x_t = (1 - t) * x_0 + t * x_1  # *not* emphasis, and $t$ is not math here",
        "    target = x_1 - x_0",
        "    pred = net(x_t, t.flatten())",
        "    return ((pred - target) ** 2).mean() / rank",
        "",
        "",
        f"opt = torch.optim.AdamW(net.parameters(), lr={lr}, betas=(0.9, 0.99))",
        "for batch in loader:",
        f"    loss = {name}(net, torch.randn_like(batch), batch)",
        "    opt.zero_grad(set_to_none=True)",
        "    loss.backward()",
        "    torch.nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)",
        "    opt.step()",
        "```",
    ))


def yaml_block(rng: random.Random) -> str:
    """A training config."""
    return "\n".join((
        "```yaml",
        "experiment:",
        f"  name: {rng.choice(('fm_cifar', 'vq_imagenet', 'splat_garden', 'moe_small'))}",
        f"  seed: {rng.randint(0, 9999)}",
        "data:",
        f"  resolution: {rng.choice((32, 64, 256, 512))}",
        f"  batch_size: {rng.choice((16, 64, 128, 512))}",
        "  augment: [flip, crop]",
        "train:",
        f"  steps: {rng.choice((50_000, 200_000, 400_000))}",
        f"  lr: {rng.choice(('1.0e-4', '3.0e-4', '6.0e-5'))}",
        f"  warmup_steps: {rng.choice((500, 2000, 5000))}",
        f"  precision: {rng.choice(('bf16', 'fp32', 'fp16'))}",
        "```",
    ))


def bash_block(rng: random.Random) -> str:
    """A shell session with `$VARS` and globs, which are not math."""
    gpus = rng.choice((1, 2, 4, 8))
    return "\n".join((
        "```bash",
        f"export CKPT_DIR=\"$HOME/ckpt/run_{rng.randint(100, 999)}\"",
        f"torchrun --nproc_per_node={gpus} train.py --config configs/*.yaml \\",
        "    --out \"$CKPT_DIR\" --log_every 100",
        "ls \"$CKPT_DIR\"/step_*.pt | sort -V | tail -n 3",
        "```",
    ))


CODE_BLOCKS: tuple[Callable[[random.Random], str], ...] = (python_block, python_block,
                                                           yaml_block, bash_block)


def table(prose: Prose) -> str:
    """A pipe table of made-up results, with an alignment row and some math in cells."""
    rng = prose.rng
    head = (("方法", "步数", "FID", "说明") if prose.lang == "zh"
            else ("Method", "Steps", "FID", "Remark"))
    methods = ("Baseline", "Euler", "Heun", "DPM-Solver", "Ours", "Ours + EMA", "Distilled")
    rows = ["| " + " | ".join(head) + " |", "| :--- | ---: | ---: | :---: |"]
    for method in rng.sample(methods, rng.randint(3, 6)):
        if rng.random() < 0.5:
            remark = prose.math(table_cell=True)
        else:
            remark = rng.choice(ZH_RESULTS if prose.lang == "zh" else EN_RESULTS)
        rows.append(f"| {method} | {rng.choice((1, 2, 4, 10, 50, 250))} | "
                    f"{rng.uniform(1.5, 40):.2f} | {remark} |")
    return "\n".join(rows)


def bullet_list(prose: Prose) -> str:
    """Bulleted or numbered, three to five items, math-rich; sometimes one nested item."""
    rng = prose.rng
    numbered = rng.random() < 0.5
    items = []
    for number in range(1, rng.randint(3, 5) + 1):
        mark = f"{number}." if numbered else "-"
        items.append(f"{mark} {prose.sentence(math_weight=4.0)}")
        if number == 2 and rng.random() < 0.3:
            indent = " " * (len(mark) + 1)
            items.append(f"{indent}- {prose.sentence()}")
    return "\n".join(items)


def figure_svg(i: int) -> str:
    """A small bar chart; bar heights vary with i so each post's figure differs."""
    bars = "".join(
        f'<rect x="{20 + 40 * k}" y="{100 - (i * (k + 3)) % 70 - 10}" width="28" '
        f'height="{(i * (k + 3)) % 70 + 10}" fill="#{(0x3a6ea5 + 0x101010 * k) & 0xffffff:06x}"/>'
        for k in range(6)
    )
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="280" height="120" '
            'viewBox="0 0 280 120"><rect width="280" height="120" fill="#f7f7f2"/>'
            f'{bars}<text x="200" y="114" font-size="11" fill="#333">#{i}</text></svg>\n')


# --- posts ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """What both language versions of post i share."""

    index: int
    slug: str
    subject: Subject
    angle: tuple[str, str, str]
    date: datetime.date
    categories: tuple[str, ...]
    tags: tuple[tuple[str, str], ...]


def post_rng(seed: int, index: int, purpose: str) -> random.Random:
    """A generator that depends on (seed, post, purpose) only: posts never share a stream."""
    return random.Random(f"blogkit-bench/{seed}/{index}/{purpose}")


def meta_for(seed: int, index: int) -> Meta:
    """Slug, subject, date, categories and tags of post `index`."""
    rng = post_rng(seed, index, "meta")
    subject = rng.choice(SUBJECTS)
    angle = rng.choice(ANGLES)
    # Seven years of posts, so archives and listings have many year and month groups.
    date = datetime.date(2018, 3, 1) + datetime.timedelta(days=rng.randrange(7 * 365))
    categories = [subject.categories[0]]
    if rng.random() < 0.35:
        categories.append(rng.choice([c for c in CATEGORIES if c != categories[0]]))
    tags = tuple(rng.sample(TAGS, rng.randint(2, 4)))
    return Meta(index, f"{subject.stem}-{angle[0]}-{index:05d}", subject, angle, date,
                tuple(categories), tags)


def is_translated(seed: int, index: int, ratio: float) -> bool:
    """Whether post `index` also has an English version."""
    return post_rng(seed, index, "translated").random() < ratio


@dataclass(frozen=True)
class Plan:
    """The skeleton both languages fill: sections and which block goes where."""

    sections: tuple[tuple[bool, tuple[tuple[str, str], ...]], ...]  # (is ###, blocks)
    pool: tuple[str, ...]
    target: int  # body size in bytes to reach with prose
    link: str  # slug of the earlier post the body links to
    link_has_en: bool


def plan_for(seed: int, meta: Meta, ratio: float) -> Plan:
    """Decide the body's shape once, so zh and en are translations of each other."""
    rng = post_rng(seed, meta.index, "plan")
    pool = tuple(inline_pool(rng))
    blocks: list[tuple[str, str]] = []
    tag = 0
    for _name, form in rng.sample(DISPLAY_FORMS, rng.randint(2, 5)):
        tagged = rng.random() < 0.4
        tag += tagged
        tex = wrap_display(form.format(**symbols(rng)), tag if tagged else None, rng)
        blocks.append(("math", tex))
    for _ in range(rng.randint(1, 3)):
        blocks.append(("code", rng.choice(CODE_BLOCKS)(rng)))
    blocks += [("table", ""), ("list", ""), ("figure", ""), ("link", ""), ("footnote", "")]
    count = rng.randint(3, 6)
    placed: list[list[tuple[str, str]]] = [[] for _ in range(count)]
    for block in blocks:
        placed[rng.randrange(count)].append(block)
    sections = tuple((k > 0 and rng.random() < 0.3, tuple(b)) for k, b in enumerate(placed))
    # The first post links to itself: there is no earlier one, and a prefix must not
    # depend on how many posts follow.
    other = rng.randrange(meta.index) if meta.index else 0
    return Plan(sections, pool, rng.randint(4000, 9200), meta_for(seed, other).slug,
                is_translated(seed, other, ratio))


ZH_HEADINGS = ("动机", "问题的形式化", "目标函数从哪里来", "一个最小的例子", "实现要点",
               "数值上的细节", "实验怎么设", "结果与讨论", "和已有方法的关系", "局限与开放问题",
               "复杂度", "调参经验", "小结")
EN_HEADINGS = ("Motivation", "Stating the Problem", "Where the Objective Comes From",
               "A Minimal Example", "Implementation Notes", "Numerical Details",
               "Setting Up the Experiments", "Results and Discussion", "Relation to Earlier Work",
               "Limitations and Open Questions", "Complexity", "Tuning Advice", "Wrap-up")


def front_matter(meta: Meta, lang: str, prose: Prose) -> str:
    """YAML front matter; strings are JSON-quoted, which is valid YAML for any text."""
    if lang == "zh":
        title = f"{meta.subject.zh}：{meta.angle[2]}"
        tags = [zh for _, zh in meta.tags]
    else:
        title = f"{meta.subject.en}: {meta.angle[1]}"
        tags = [en for en, _ in meta.tags]
    lines = ["---", f"title: {_quote(title)}", f"date: {meta.date.isoformat()}",
             f"categories: [{', '.join(_quote(c) for c in meta.categories)}]",
             f"tags: [{', '.join(_quote(t) for t in tags)}]"]
    if prose.rng.random() < 0.35:
        lines.append(f"summary: {_quote(prose.sentence(math_weight=3.0))}")
    return "\n".join(lines + ["---", "", ""])


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def render_block(kind: str, payload: str, prose: Prose, meta: Meta, plan: Plan) -> str:
    """The Markdown for one planned item, with a lead-in sentence where natural."""
    zh = prose.lang == "zh"
    if kind == "math":
        lead = "写成公式就是：" if zh else "In symbols:"
        return f"{lead}\n\n{payload}"
    if kind == "code":
        lead = "对应的代码如下：" if zh else "The corresponding code:"
        return f"{lead}\n\n{payload}"
    if kind == "table":
        return table(prose)
    if kind == "list":
        return bullet_list(prose)
    if kind == "figure":
        alt = f"{meta.subject.zh}示意图" if zh else f"Sketch of {meta.subject.en}"
        return f"![{alt}](figure.svg)"
    if kind == "link":
        lang = prose.lang if plan.link_has_en else "zh"
        target = f"../{plan.link}/index.{lang}.md"
        if zh:
            return f"相关的背景可以参考[之前的一篇笔记]({target})，{prose.sentence()}"
        return f"For background, see [an earlier note]({target}). {prose.sentence()}"
    if kind == "footnote":
        return prose.paragraph() + "[^1]"
    raise ValueError(kind)


def body(meta: Meta, plan: Plan, prose: Prose) -> str:
    """Fill the plan with prose in one language until the planned size is reached."""
    rng = prose.rng
    headings = ZH_HEADINGS if prose.lang == "zh" else EN_HEADINGS
    sections: list[list[str]] = []
    for number, (sub, blocks) in enumerate(plan.sections):
        title = rng.choice(headings)
        if number == 1:
            title += " " + prose.math(table_cell=True)  # a heading with a formula in it
        section = [("### " if sub else "## ") + title, prose.paragraph()]
        # A lead-in and its block are one unit, so added prose never comes between them.
        section += [render_block(kind, payload, prose, meta, plan) for kind, payload in blocks]
        sections.append(section)
    note = (f"[^1]: 脚注中的公式 {prose.math()} 也要正确渲染。" if prose.lang == "zh"
            else f"[^1]: Formulas such as {prose.math()} belong in footnotes too.")
    intro = prose.paragraph()
    size = sum(len(b.encode()) + 2 for s in sections for b in s) + len(intro.encode())
    turn = 0
    while size < plan.target:
        section = sections[turn % len(sections)]
        extra = prose.paragraph()
        section.insert(rng.randint(2, len(section)), extra)  # never before the heading's lead
        size += len(extra.encode()) + 2
        turn += 1
    parts = [intro] + ["\n\n".join(s) for s in sections] + [note]
    return "\n\n".join(parts) + "\n"


def write_post(root: Path, seed: int, index: int, ratio: float) -> tuple[int, int]:
    """Write post `index`'s files; return (Markdown files, Markdown bytes)."""
    meta = meta_for(seed, index)
    plan = plan_for(seed, meta, ratio)
    folder = root / meta.slug
    folder.mkdir(parents=True)
    langs = ("zh", "en") if is_translated(seed, index, ratio) else ("zh",)
    written = 0
    for lang in langs:
        prose = Prose(lang, post_rng(seed, index, lang), plan.pool)
        text = front_matter(meta, lang, prose) + body(meta, plan, prose)
        data = text.encode()
        (folder / f"index.{lang}.md").write_bytes(data)
        written += len(data)
    (folder / "figure.svg").write_bytes(figure_svg(index).encode())
    return len(langs), written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=200, help="number of posts (default 200)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True,
                        help="folder to write into; content/posts/ is made inside it")
    parser.add_argument("--translated-ratio", type=float, default=1.0,
                        help="share of posts that have an English version (default 1.0)")
    args = parser.parse_args(argv)
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    if not 0.0 <= args.translated_ratio <= 1.0:
        parser.error("--translated-ratio must be within [0, 1]")
    root = args.out / "content" / "posts"
    if root.is_dir() and any(root.iterdir()):
        parser.error(f"{root} is not empty; pick a new --out")  # never mix two corpora
    root.mkdir(parents=True, exist_ok=True)
    files = size = 0
    for index in range(args.posts):
        count, written = write_post(root, args.seed, index, args.translated_ratio)
        files += count
        size += written
    print(f"{files} markdown files, {size / 1e6:.1f} MB, {args.posts} posts in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
