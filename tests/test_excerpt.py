"""PARSE helper: excerpts cut by visible length, always well-formed."""

from __future__ import annotations

import html5lib
from hypothesis import given
from hypothesis import strategies as st

from blogkit.excerpt import ELLIPSIS, make_excerpt


def well_formed(fragment: str) -> None:
    html5lib.HTMLParser(strict=True).parseFragment(fragment)


def test_short_body_is_kept_whole() -> None:
    text, cut = make_excerpt("<p>短文本 short text</p>", 10)
    assert (text, cut) == ("<p>短文本 short text</p>", False)


def test_cjk_characters_and_latin_words_are_one_unit_each() -> None:
    text, cut = make_excerpt("<p>一二三四五 six seven eight</p>", 7)
    assert text == f"<p>一二三四五 six seven{ELLIPSIS}</p>"
    assert cut


def test_cut_never_splits_a_formula_or_code() -> None:
    body = '<p>甲乙<bk-math data-i="0"></bk-math>丙丁 <code>a b c d</code> 戊</p>'
    text, _ = make_excerpt(body, 3)
    assert text == f'<p>甲乙<bk-math data-i="0"></bk-math>{ELLIPSIS}</p>'
    text, _ = make_excerpt(body, 6)
    assert "<code>a b c d</code>" in text


def test_cut_keeps_emoji_sequences_whole() -> None:
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    text, _ = make_excerpt(f"<p>好{family}\ufe0f 再见 more</p>", 1)
    assert text.startswith("<p>好")
    assert "\u200d" not in text or family in text


def test_open_tags_are_closed() -> None:
    text, cut = make_excerpt("<p><strong>一二三<em>四五六</em></strong>七八</p><p>九</p>", 4)
    assert text == f"<p><strong>一二三<em>四</em></strong>{ELLIPSIS}</p>"
    well_formed(text)
    assert cut


def test_headings_images_tables_code_blocks_and_footnote_refs_are_left_out() -> None:
    body = ('<h2 id="x">标题</h2><p>正文<sup class="footnote-ref"><a href="#fn1">[1]</a></sup>'
            '</p><pre><code>code</code></pre><table><tr><td>t</td></tr></table>'
            '<p><img src="a.png" alt="a"></p><p>后文</p>')
    text, cut = make_excerpt(body, 100)
    assert text == "<p>正文</p><p>后文</p>" + ""  # nothing of the skipped blocks
    assert cut  # the post has more than the excerpt shows


def test_more_marker_ends_the_excerpt_and_drops_ids() -> None:
    body = ('<h2 id="intro">引言 <a class="heading-anchor" href="#intro">#</a></h2>\n'
            "<p>第一段</p>\n<!--more-->\n<p>第二段</p>")
    text, cut = make_excerpt(body, 1)
    assert text == "<h2>引言</h2>\n<p>第一段</p>"
    assert cut


def test_entities_survive_and_are_not_counted_as_words() -> None:
    text, _ = make_excerpt("<p>a &lt; b &amp; c d e</p>", 3)
    assert text == f"<p>a &lt; b &amp; c{ELLIPSIS}</p>"


@given(st.text(alphabet=st.sampled_from(list("ab 中文<>&/=\"'pemstrong!-")), max_size=80),
       st.integers(min_value=0, max_value=20))
def test_any_input_gives_well_formed_html(fragment: str, limit: int) -> None:
    text, _ = make_excerpt(fragment, limit)
    make_excerpt(text, limit)  # idempotent enough to parse again
    well_formed(text)


_BLOCKS = st.lists(st.sampled_from([
    "<p>one two three</p>", "<p>中文句子，还有 $x$。</p>", "<h2 id=\"a\">Head</h2>",
    "<ul>\n<li>a\nb</li>\n<li><p>c</p></li>\n</ul>", "<pre><code>x\n<y>\n</code></pre>",
    "<p>soft\nbreak &amp; <em>em\n</em> end</p>", "<blockquote>\n<p>q " + "word " * 60 + "</p>\n"
    "</blockquote>", "<p><bk-math data-i=\"0\"></bk-math> and <code>a &lt; b</code></p>",
    "text at the top", "<table><tr><td>1</td></tr></table>", "<hr>", "<p>" + "字" * 300 + "</p>",
]), max_size=30)


@given(_BLOCKS, st.integers(min_value=0, max_value=400))
def test_blocks_parsed_lazily_are_the_blocks_of_the_whole_parse(
        blocks: list[str], limit: int) -> None:
    from blogkit.excerpt import _parse, _top_level
    body = "\n".join(blocks) + "\n"
    assert [_snapshot(n) for n in _top_level(body)] == [
        _snapshot(n) for n in _parse(body).children]
    make_excerpt(body, limit)


def _snapshot(node: object) -> object:
    if isinstance(node, str):
        return node
    return (node.tag, node.start, [_snapshot(c) for c in node.children])  # type: ignore[attr-defined]


def test_more_marker_may_be_written_with_spaces() -> None:
    # Hexo's docs write `<!-- more -->`; any spacing, any case, is the same marker.
    for marker in ("<!--more-->", "<!-- more -->", "<!--  more  -->", "<!--\tMORE -->"):
        text, cut = make_excerpt(f"<p>一</p>\n{marker}\n<p>二</p>", 100)
        assert (text, cut) == ("<p>一</p>", True), marker


def test_other_comments_do_not_end_the_excerpt() -> None:
    text, cut = make_excerpt("<p>一</p>\n<!-- more to come -->\n<p>二</p>", 100)
    assert text.split() == ["<p>一</p>", "<p>二</p>"]  # the whole body: no marker in it
    assert not cut
