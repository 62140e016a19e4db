"""RENDER helper: which names a template can read (page digests depend on it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_file as write

from blogkit.templates import create_environment, names_read


def reads(tmp_path: Path, templates: dict[str, str], name: str = "page.html"
          ) -> frozenset[str] | None:
    for file, text in templates.items():
        write(tmp_path, f"templates/{file}", text)
    return names_read(create_environment(tmp_path / "templates"), name)


def test_names_are_gathered_through_extends_imports_and_includes(tmp_path: Path) -> None:
    found = reads(tmp_path, {
        "page.html": '{% extends "layout.html" %}{% from "m.html" import card %}'
                     "{% block b %}{{ card(post) }}{% include 'part.html' %}{% endblock %}",
        "layout.html": "{% block b %}{% endblock %}{{ page.title }}",
        "m.html": "{% macro card(p) %}{{ p.excerpt_html }}{{ p['url'] }}{% endmacro %}",
        "part.html": "{{ posts | map(attribute='date_iso') | join }}{{ posts[0].lang }}"
                     "{{ posts | sort(attribute='tags.label') | first }}",
    })
    assert found is not None
    assert {"title", "excerpt_html", "url", "date_iso", "lang", "tags", "label"} <= found
    assert "html" not in found and "reading_minutes" not in found


def test_the_built_in_listings_do_not_read_whole_bodies(tmp_path: Path) -> None:
    env = create_environment(tmp_path / "templates")
    for name in ("index.html", "archive.html"):
        found = names_read(env, name)
        assert found is not None and not found & {"html", "toc", "reading_minutes"}, name
    post = names_read(env, "post.html")
    assert post is not None and {"html", "toc"} <= post


@pytest.mark.parametrize("text", [
    "{{ post[field] }}",
    "{{ post | attr(field) }}",
    "{{ posts | map(attribute=field) | list }}",
    "{% include which %}",
    '{% extends "missing.html" %}',
    "{{ post.title ",
])
def test_what_cannot_be_known_reads_anything(tmp_path: Path, text: str) -> None:
    assert reads(tmp_path, {"page.html": text}) is None
