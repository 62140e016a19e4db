"""PARSE rules: GitHub alerts and MkDocs admonitions, their translated default titles."""

from __future__ import annotations

import pytest
from test_markdown import render

from blogkit.admonitions import TYPES, localize_titles
from blogkit.i18n import load_ui


@pytest.mark.parametrize(("lang", "titles"), [
    ("zh", ["注意", "提示", "重要", "警告", "小心"]),
    ("en", ["Note", "Tip", "Important", "Warning", "Caution"]),
])
def test_default_titles_are_the_page_languages(lang: str, titles: list[str]) -> None:
    source = "\n\n".join(f"> [!{kind.upper()}]\n> text" for kind in TYPES)
    html = localize_titles(render(source).html, load_ui(lang, {}))
    for kind, title in zip(TYPES, titles, strict=True):
        assert (f'<div class="admonition {kind}">\n<p class="admonition-title">{title}</p>'
                in html)
    assert "data-default-title" not in html


def test_localized_titles_follow_the_sites_ui_overrides_and_are_escaped() -> None:
    body = render("!!! tip\n    body\n\n??? warning\n    folded\n").html
    html = localize_titles(body, load_ui("zh", {"admonition_tip": "<小窍门>"}))
    assert '<p class="admonition-title">&lt;小窍门&gt;</p>' in html
    assert '<summary class="admonition-title">警告</summary>' in html


def test_written_titles_are_never_translated() -> None:
    body = render('!!! note "Note"\n    body\n\n!!! danger\n    body\n').html
    assert "data-default-title" not in body
    assert localize_titles(body, load_ui("zh", {})) == body


def test_bodies_without_admonitions_are_left_alone() -> None:
    body = render("plain *text*").html
    assert localize_titles(body, load_ui("zh", {})) is body


def test_markers_in_code_are_code() -> None:
    html = render("```md\n> [!NOTE]\n> x\n\n!!! note\n    y\n```\n\n    !!! tip\n        z\n").html
    assert "admonition" not in html


def test_formula_lines_inside_an_alert_point_at_the_source() -> None:
    body = render("intro\n\n> [!NOTE]\n> first $a$\n> then $b$\n")
    # body_line is 5: the alert's marker is file line 7.
    assert [(use.tex, use.line) for use in body.formulas] == [("a", 8), ("b", 9)]


def test_automatic_excerpts_leave_admonitions_out() -> None:
    body = render("> [!TIP]\n> 先看这里。\n\n正文第一段。\n\n!!! note\n    旁注。\n\n第二段。")
    assert body.excerpt_html.split() == ["<p>正文第一段。</p>", "<p>第二段。</p>"]
    assert body.excerpt_cut


def test_an_authors_excerpt_keeps_them() -> None:
    body = render("!!! warning\n    先读这里。\n\n<!-- more -->\n\n正文。")
    assert body.excerpt_html.startswith('<div class="admonition warning">')
    assert "先读这里" in body.excerpt_html and "正文" not in body.excerpt_html
