"""Tests for KaTeX in blogkit: its install (blogkit.katex_install), the Node worker and its
engine (blogkit.katex_node), the formula cache and the renderer (blogkit.tex).

These run the real Node and the real pinned KaTeX (installed into the user cache by
`katex_install_dir()` on first use); nothing is mocked.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from blogkit.katex_install import (
    NODE_MISSING,
    TexSetupError,
    katex_assets,
    katex_install_dir,
    katex_version,
)
from blogkit.katex_node import CRASHED, Formula, KatexEngine, Rendered
from blogkit.tex import FormulaCache, TexRenderer, mathml_only

MACROS = {
    "\\R": "\\mathbb{R}",
    "\\KL": "D_{\\mathrm{KL}}\\left(#1 \\,\\|\\, #2\\right)",
}
WORKER_JS = Path(__file__).resolve().parents[1] / "blogkit" / "katex" / "worker.js"

SAMPLE = [
    Formula("x_i^2 + y_{ij}", False),
    Formula("x_* + y^* + a_{i*j} + f^{*}_{k}", False),
    Formula("a*b = b*a", False),
    Formula("\\begin{aligned} a &= b + c \\\\ d &= e_1 * f_2 \\end{aligned}", True),
    Formula("f(x) = \\begin{cases} 1 & x > 0 \\\\ 0 & \\text{otherwise} \\end{cases}", True),
    Formula("E = mc^2 \\tag{1}", True),
    Formula("\\mathbb{E}_{z\\sim q_\\phi(z\\mid x)}\\left[\\log p_\\theta(x\\mid z)\\right]", True),
    Formula("\\R^n \\times \\R", False),
    Formula("\\KL{q}{p} \\ge 0", False),
    Formula("\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}", True),
    Formula("\\int_0^\\infty e^{-x^2}\\,dx = \\frac{\\sqrt{\\pi}}{2}", True),
    Formula("\\mathrm{softmax}(z)_i = \\frac{e^{z_i}}{\\sum_j e^{z_j}}", False),
    Formula("\\text{损失函数 loss} = \\hat{\\theta}_{\\text{MLE}}", False),
    Formula("\\operatorname*{arg\\,max}_\\theta \\; \\begin{pmatrix} a & b \\\\ c & d "
            "\\end{pmatrix}", True),
    Formula("\\sqrt[3]{x} + \\overbrace{a+b}^{n} + α_β", False),
]

DIRECT_JS = r"""
const katex = require(require('path').join(process.argv[1], 'katex'));
const job = JSON.parse(require('fs').readFileSync(0, 'utf8'));
const out = job.formulas.map(([tex, display, output]) => katex.renderToString(tex, {
  displayMode: display, output, macros: Object.assign({}, job.macros), throwOnError: true,
  strict: () => 'ignore', trust: false,
}));
process.stdout.write(JSON.stringify(out));
"""


@pytest.fixture(scope="session")
def node_modules() -> Path:
    return katex_install_dir()


@pytest.fixture(scope="module")
def engine(node_modules: Path) -> Iterator[KatexEngine]:
    with KatexEngine(node_modules, MACROS) as eng:
        yield eng


def direct_katex(node_modules: Path, formulas: list[Formula], output: str) -> list[str]:
    """Render with KaTeX in a separate `node -e` process, bypassing blogkit entirely."""
    job = {"macros": MACROS, "formulas": [[f.tex, f.display, output] for f in formulas]}
    done = subprocess.run(["node", "-e", DIRECT_JS, str(node_modules)], input=json.dumps(job),
                          capture_output=True, text=True, check=True, timeout=60)
    result: list[str] = json.loads(done.stdout)
    return result


def assert_usable(engine: KatexEngine) -> None:
    [r] = engine.render([Formula("\\frac{a}{b}", False)])
    assert r.error is None and "mfrac" in r.html


def test_install_dir_version_and_assets(node_modules: Path) -> None:
    package = json.loads((WORKER_JS.parent / "package.json").read_text())
    assert katex_version(node_modules) == package["dependencies"]["katex"]
    css, fonts = katex_assets(node_modules)
    assert css.name == "katex.min.css" and css.is_file()
    assert any(fonts.glob("KaTeX_Main-Regular.woff2"))
    assert katex_install_dir() == node_modules  # second call: no reinstall


def test_frac_inline_and_display(engine: KatexEngine, node_modules: Path) -> None:
    inline, display = engine.render([Formula("\\frac{a}{b}", False), Formula("\\frac{a}{b}", True)])
    assert engine.version == katex_version(node_modules)
    for r in (inline, display):
        assert r.error is None and r.position is None and r.warnings == ()
        assert r.html.startswith('<span class="katex') and "mfrac" in r.html
    assert "katex-display" not in inline.html
    assert 'class="katex-display"' in display.html and 'display="block"' in display.html


@pytest.mark.parametrize("output", ["htmlAndMathml", "mathml"])
def test_byte_identical_to_direct_katex(
    engine: KatexEngine, node_modules: Path, output: str
) -> None:
    ours = engine.render(SAMPLE, output)
    assert [r.error for r in ours] == [None] * len(SAMPLE)
    assert [r.html for r in ours] == direct_katex(node_modules, SAMPLE, output)


def test_errors_with_position(engine: KatexEngine) -> None:
    unclosed, undefined, later, wide = engine.render([
        Formula("\\frac{a}{", False),
        Formula("\\undefinedcommand", False),
        Formula("x + \\undefinedcommand", True),
        Formula("𝔸 + \\foo", False),  # 𝔸 is 2 UTF-16 units but 1 Python character
    ])
    assert unclosed.html == "" and unclosed.error is not None
    assert "Unexpected end of input" in unclosed.error and unclosed.position == 9
    assert undefined.error == "Undefined control sequence: \\undefinedcommand"
    assert undefined.position == 0 and undefined.html == ""
    assert later.position == 4
    assert wide.error == "Undefined control sequence: \\foo" and wide.position == 4


def test_warnings_collected(engine: KatexEngine) -> None:
    [r] = engine.render([Formula("中文", False)])
    assert r.error is None and r.html
    assert r.warnings and "unicodeTextInMathMode" in r.warnings[0]


def test_hostile_inputs(engine: KatexEngine) -> None:
    nested = "{" * 30000 + "x" + "}" * 30000
    hostile = [
        Formula(nested, True),
        Formula("\\sqrt{" * 3000 + "x" + "}" * 3000, False),
        Formula("\\def\\a{\\a}\\a", False),
        Formula("a\x00b", False),
        Formula("\x00", True),
        Formula("x\ud800y", False),
        Formula("\udc00", True),
        Formula("\\text{\ud83d}", False),
        Formula("\\frac{a}{b}" * 9100, False),  # 100 KB in, ~9 MB of HTML out
        Formula("\\begin{aligned}" * 500, True),
        Formula("\\href{javascript:alert(1)}{x} \\url{x} \\htmlClass{a}{b}", False),
        Formula("\\left(" * 2000, False),
        Formula("", False),
        Formula("\\", True),
    ]
    results = engine.render(hostile)
    assert len(results) == len(hostile)
    by_tex = dict(zip([f.tex for f in hostile], results, strict=True))
    for tex, r in by_tex.items():
        assert isinstance(r, Rendered)
        # Only the empty formula renders to nothing at all (and so to "", no empty box).
        assert (r.error is None) != (r.html == "") or (tex == "" and r.error is None), tex
        (r.html + (r.error or "")).encode("utf-8")  # no lone surrogates leak out
    assert by_tex[""].html == ""
    assert by_tex["\\def\\a{\\a}\\a"].error is not None
    assert "Too many expansions" in by_tex["\\def\\a{\\a}\\a"].error
    assert by_tex["a\x00b"].error is not None and by_tex["a\x00b"].position == 1
    assert by_tex["\\frac{a}{b}" * 9100].error is None
    untrusted = by_tex["\\href{javascript:alert(1)}{x} \\url{x} \\htmlClass{a}{b}"].html
    assert "<a " not in untrusted and 'href="' not in untrusted  # trust: false
    assert_usable(engine)


def test_slow_100kb_formula_times_out_and_engine_recovers(node_modules: Path) -> None:
    # KaTeX is roughly quadratic in the number of atoms: this takes it ~15 s.
    with KatexEngine(node_modules, MACROS, timeout=2.0) as eng:
        slow, after = eng.render([Formula("x+" * 50000 + "x", False), Formula("y", False)])
        assert slow.error == "KaTeX timed out after 2 s"
        assert after.error is None and after.html
        assert_usable(eng)


def test_worker_survives_garbage_lines(node_modules: Path) -> None:
    lines = [
        '{"config": {"macros": {"\\\\R": "\\\\mathbb{R}", "\\\\bad": 5}}}',
        "not json at all",
        "[1, 2]",
        '{"id": 1}',
        '{"id": 2, "tex": 5}',
        '{"id": 3, "tex": "\\\\frac12", "output": "bogus", "display": "yes"}',
        '{"id": 4, "tex": "\\ud800\\udfff\\udc00"}',
        '{"id": 5, "tex": "\\\\R", "output": "mathml"}',
        '{"version": true}',
    ]
    env = dict(os.environ, BLOGKIT_KATEX_NODE_MODULES=str(node_modules))
    done = subprocess.run(["node", str(WORKER_JS)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, timeout=30, check=True)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(replies) == len(lines) - 1  # the config line gets no reply
    assert replies[0]["id"] is None and replies[1]["id"] is None
    assert replies[2]["id"] == 1 and replies[2]["error"] and replies[3]["id"] == 2
    assert replies[4]["id"] == 3 and "katex-html" in replies[4]["html"]
    assert replies[5]["id"] == 4 and "html" in replies[5]
    assert replies[6]["id"] == 5 and "double-struck" in replies[6]["html"]
    assert replies[7] == {"version": katex_version(node_modules)}


def test_macros_apply_and_are_fresh_per_formula(engine: KatexEngine) -> None:
    r, defined, used = engine.render([
        Formula("\\R", False),
        Formula("\\gdef\\leak{1} \\leak", False),
        Formula("\\leak", False),
    ])
    assert r.error is None and ("mathbb" in r.html or "ℝ" in r.html)
    assert defined.error is None
    assert used.error == "Undefined control sequence: \\leak"


DEFINITIONS = ("\\newcommand{\\E}{\\mathbb{E}} \\DeclareMathOperator*{\\argmax}{arg\\,max}"
               " \\DeclareMathOperator{\\rank}{rank}")


def test_a_context_s_definitions_apply_to_its_formula_only(engine: KatexEngine) -> None:
    scoped = (DEFINITIONS,)
    first, bare, again, redefined = engine.render([
        Formula("\\E[x] + \\rank A", False, scoped),
        Formula("\\E[x]", False),  # the same TeX without the post's definitions
        Formula("\\E[x] + \\rank A", False, scoped),
        Formula("\\E", False, (*scoped, "\\renewcommand{\\E}{\\mathrm{E}}")),
    ])
    assert first.error is None and 'mathvariant="double-struck">E</mi>' in first.html
    assert '<mi mathvariant="normal">rank</mi>' in first.html  # \operatorname{rank}
    assert bare.error == "Undefined control sequence: \\E"  # nothing leaked from the last
    assert again == first
    assert redefined.error is None and 'mathvariant="normal">E</mi>' in redefined.html
    # \DeclareMathOperator* takes limits below in display, like \operatorname*.
    [star] = engine.render([Formula("\\argmax_\\theta L", True, scoped)])
    assert star.error is None and "<munder>" in star.html and "arg" in star.html
    assert_usable(engine)


def test_a_formula_that_only_defines_renders_to_nothing(engine: KatexEngine) -> None:
    formulas = [Formula(DEFINITIONS, True), Formula(DEFINITIONS, False),
                Formula("\\gdef\\x{1}", False, ("\\def\\y{2}",))]
    pages = engine.render(formulas)
    feeds = engine.render(formulas, output="mathml")
    assert pages == feeds == [Rendered("", None, None)] * 3  # no empty box, no error
    assert [mathml_only(r) for r in pages] == feeds
    [shown] = engine.render([Formula("\\newcommand{\\F}{F} \\F", True)])
    assert shown.error is None and "katex-display" in shown.html  # defines and shows


def test_a_context_with_an_error_keeps_what_it_defined(engine: KatexEngine) -> None:
    broken = ("\\newcommand{\\E}{\\mathbb{E}} \\frac{",)
    used, defined_after = engine.render([Formula("\\E", False, broken),
                                         Formula("\\F", False, (*broken, "\\def\\F{F}"))])
    assert used.error is None and "double-struck" in used.html
    assert defined_after.error is None


def test_each_kind_of_warning_once_per_formula(engine: KatexEngine) -> None:
    [r] = engine.render([Formula("损失函数的值损失 + é", False)])
    assert r.error is None
    assert r.warnings == (
        'Unicode text character "损", "失", "函", "数", "的", "值" used in math mode '
        "[unicodeTextInMathMode]",
        'Accented Unicode text character "é" used in math mode [unicodeTextInMathMode]')
    [many] = engine.render([Formula("".join(chr(0x4E00 + i) for i in range(12)), False)])
    assert len(many.warnings) == 1 and "(12 in all) used in math mode" in many.warnings[0]


def test_worker_rejects_a_context_that_is_not_a_list_of_strings(node_modules: Path) -> None:
    lines = ['{"id": 1, "tex": "x", "context": "\\\\def\\\\x{1}"}',
             '{"id": 2, "tex": "x", "context": [1]}',
             '{"id": 3, "tex": "\\\\x", "context": ["\\\\def\\\\x{1}"]}']
    env = dict(os.environ, BLOGKIT_KATEX_NODE_MODULES=str(node_modules))
    done = subprocess.run(["node", str(WORKER_JS)], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, env=env, timeout=30, check=True)
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in replies] == [1, 2, 3]
    assert "context" in replies[0]["error"] and "context" in replies[1]["error"]
    assert "error" not in replies[2] and "<mn>1</mn>" in replies[2]["html"]


def test_cache_keys_hold_the_context_only_when_there_is_one(node_modules: Path,
                                                            tmp_path: Path) -> None:
    plain, scoped = Formula("\\E", False), Formula("\\E", False, ("\\def\\E{E}",))
    key = FormulaCache.key("0.16.0", "mathml", {}, plain)
    assert key == FormulaCache.key("0.16.0", "mathml", {}, Formula("\\E", False, ()))
    assert key != FormulaCache.key("0.16.0", "mathml", {}, scoped)
    assert FormulaCache.key("0.16.0", "mathml", {}, scoped) != FormulaCache.key(
        "0.16.0", "mathml", {}, Formula("\\E", False, ("\\def\\E{F}",)))
    with TexRenderer(tmp_path / "c.sqlite", {}, node_modules) as renderer:
        undefined, defined = renderer.render([plain, scoped])
    with TexRenderer(tmp_path / "c.sqlite", {}, node_modules) as again:
        assert again.render([scoped, plain]) == [defined, undefined]
        assert again.hits == 2 and again.misses == 0 and again.engine is None
    assert undefined.error and defined.error is None


def test_mathml_output(engine: KatexEngine) -> None:
    [r] = engine.render([Formula("\\frac{a}{b}", True)], output="mathml")
    assert "<math" in r.html and "katex-html" not in r.html


def test_mathml_taken_from_the_page_output_is_katex_s_own_mathml(engine: KatexEngine) -> None:
    formulas = [Formula(tex, display) for tex in (
        "\\frac{a}{b}", "p_\\theta(x)=\\prod_i p(x_i\\mid x_{<i})", "x^2 \\tag{1}",
        "\\begin{aligned} a &= b \\\\ c &= d \\end{aligned}", "\\text{中文} + \\R",
        "\\begin{cases} 1 & x>0 \\\\ 0 & x \\le 0 \\end{cases}", "\\undefinedmacro",
        "a < b \\& c") for display in (False, True)]
    pages = engine.render(formulas)
    feeds = engine.render(formulas, output="mathml")
    assert any(r.error for r in feeds) and any(not r.error for r in feeds)
    assert [mathml_only(r) for r in pages] == feeds


def test_timeout_hang_restarts_and_continues(
    node_modules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOGKIT_TEST_HANG", "1")
    with KatexEngine(node_modules, MACROS, timeout=1.0) as eng:
        first = eng.process
        assert first is not None
        start = time.monotonic()
        a, hang, b, c = eng.render([Formula("a", False), Formula("\\blogkitTestHang", False),
                                    Formula("b", False), Formula("\\frac{c}{d}", True)])
        assert time.monotonic() - start < 10
        assert hang.error == "KaTeX timed out after 1 s" and hang.html == ""
        assert a.error is None and b.error is None and c.error is None and "mfrac" in c.html
        assert first.poll() is not None  # the hung worker was killed
        assert eng.process is not None and eng.process.pid != first.pid
        assert_usable(eng)


def test_worker_death_is_retried_once(
    node_modules: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOGKIT_TEST_HANG", "1")
    with KatexEngine(node_modules, MACROS) as eng:
        a, crash, b = eng.render([Formula("a", False), Formula("\\blogkitTestCrash", False),
                                  Formula("b", False)])
        assert crash.error == CRASHED
        assert a.error is None and b.error is None
        proc = eng.process
        assert proc is not None
        proc.kill()  # killed from outside between batches: the next batch restarts it
        proc.wait()
        assert_usable(eng)


def test_tiny_timeout_never_crashes(node_modules: Path) -> None:
    formulas = [Formula(f"x_{{{i}}}^{{2}}", False) for i in range(8)]
    with KatexEngine(node_modules, MACROS, timeout=0.001) as eng:
        results = eng.render(formulas)
    assert len(results) == len(formulas)
    for r in results:
        assert r.error is None or r.error == "KaTeX timed out after 0.001 s"


def test_close_kills_process(node_modules: Path) -> None:
    eng = KatexEngine(node_modules, {})
    proc = eng.process
    assert proc is not None and proc.poll() is None
    eng.close()
    assert proc.poll() is not None
    eng.close()  # idempotent


def test_node_missing(node_modules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache" / "formulas.sqlite"
    with TexRenderer(cache, MACROS, node_modules) as warm:
        warm.render([Formula("a^2", False)])
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(TexSetupError) as info:
        KatexEngine(node_modules, MACROS)
    assert str(info.value) == NODE_MISSING
    with TexRenderer(cache, MACROS, node_modules) as renderer:
        [hit] = renderer.render([Formula("a^2", False)])  # cached: Node is not needed
        assert hit.error is None and renderer.engine is None
        with pytest.raises(TexSetupError, match="Node.js"):
            renderer.render([Formula("b^2", False)])


def test_cache_round_trip_without_node(node_modules: Path, tmp_path: Path) -> None:
    cache = tmp_path / "deep" / "dir" / "formulas.sqlite"
    batch = [*SAMPLE, Formula("\\frac{a}{", False), Formula("\\undefinedcommand", True),
             SAMPLE[0], Formula("x\ud800", False), SAMPLE[3]]
    unique = len(dict.fromkeys(batch))
    with TexRenderer(cache, MACROS, node_modules) as first:
        cold = first.render(batch)
        assert (first.misses, first.hits) == (unique, 0)
        assert first.engine is not None
        proc = first.engine.process
    assert proc is not None and proc.poll() is not None
    assert cold[0] == cold[len(SAMPLE) + 2]
    with TexRenderer(cache, MACROS, node_modules) as second:
        warm = second.render(batch)
        assert (second.misses, second.hits) == (0, unique)
        assert second.engine is None
        assert second.version == katex_version(node_modules)
    assert warm == cold
    error = warm[len(SAMPLE)]
    assert error.error is not None and error.position == 9 and error.html == ""
    assert warm[len(SAMPLE) + 1].error == "Undefined control sequence: \\undefinedcommand"
    with TexRenderer(cache, MACROS, node_modules) as third:  # other output: other keys
        third.render(batch[:3], output="mathml")
        assert third.misses == 3
    with TexRenderer(cache, {}, node_modules) as fourth:  # other macros: other keys
        fourth.render(batch[:2])
        assert fourth.misses == 2


def test_cache_keys_and_storage(tmp_path: Path) -> None:
    f = Formula("x", False)
    key = FormulaCache.key("0.16.0", "htmlAndMathml", {"\\a": "1", "\\b": "2"}, f)
    assert key == FormulaCache.key("0.16.0", "htmlAndMathml", {"\\b": "2", "\\a": "1"}, f)
    assert len({key,
                FormulaCache.key("0.16.1", "htmlAndMathml", {"\\a": "1", "\\b": "2"}, f),
                FormulaCache.key("0.16.0", "mathml", {"\\a": "1", "\\b": "2"}, f),
                FormulaCache.key("0.16.0", "htmlAndMathml", {"\\a": "1"}, f),
                FormulaCache.key("0.16.0", "htmlAndMathml", {"\\a": "1", "\\b": "2"},
                                 Formula("x", True))}) == 5
    # A batch's keys are each formula's own key, and formulas that differ only in
    # characters JSON or repr would escape still differ.
    macros = {"\\R": "\\mathbb{R}", "\\é": 'x"y'}
    tricky = [Formula('中文 "q" \\\\ \t é 😀', False), Formula('中文 "q" \\ \t é 😀', False),
              Formula("", True)]
    keys = FormulaCache.keys("0.16.0", "mathml", macros, tricky)
    assert keys == [FormulaCache.key("0.16.0", "mathml", macros, t) for t in tricky]
    assert len(set(keys)) == 3
    path = tmp_path / "c.sqlite"
    items = {"k1": Rendered("<b>", None, None, ("w1", "w2")), "k2": Rendered("", "bad", 3)}
    cache = FormulaCache(path)
    cache.put_many(items)
    other = FormulaCache(path)  # a second connection, as another process would have
    assert other.get_many(["k1", "k2", "k3", "k1"]) == items
    many = {f"n{i}": Rendered(str(i), None, None) for i in range(1200)}
    other.put_many(many)
    assert cache.get_many(list(many)) == many
    cache.close()
    other.close()
    path.write_bytes(b"this is not a database" * 100)  # a corrupt cache starts over
    fresh = FormulaCache(path)
    assert fresh.get_many(["k1"]) == {}
    fresh.close()


def test_a_formula_cache_damaged_past_its_schema_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    many = {f"n{i}": Rendered("<span>" * 20 + str(i), None, None) for i in range(300)}
    cache = FormulaCache(path)
    cache.put_many(many)
    cache.close()  # the last connection moves the log into the file
    data = path.read_bytes()
    assert len(data) > 3 * 4096
    path.write_bytes(data[:4096] + bytes(range(256)) * ((len(data) - 4096) // 256))
    damaged = FormulaCache(path)  # opens (the schema is intact); reading finds the damage
    assert damaged.get_many(list(many)) == {}
    damaged.put_many({"n1": Rendered("again", None, None)})
    assert damaged.get_many(["n1", "n2"]) == {"n1": Rendered("again", None, None)}
    damaged.close()


def test_timeouts_are_not_cached(
    node_modules: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BLOGKIT_TEST_HANG", "1")
    hang = Formula("\\blogkitTestHang", False)
    with TexRenderer(tmp_path / "c.sqlite", {}, node_modules, timeout=0.5) as renderer:
        [r, ok] = renderer.render([hang, Formula("y", False)])
        assert r.error == "KaTeX timed out after 0.5 s" and ok.error is None
        renderer.render([hang, Formula("y", False)])
        assert (renderer.misses, renderer.hits) == (3, 1)
