"""LOAD: blogkit.yaml -> SiteConfig."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogkit.config import load_config
from blogkit.errors import BuildError, UsageError

GOOD = """\
base_url: https://user.github.io/blog
languages:
  - {code: zh, name: 中文, title: 博客, description: 描述}
  - {code: en, name: English, title: Blog, description: About}
  - {code: ja, name: 日本語, title: ブログ, description: 説明}
categories:
  3D Model: {zh: 三维模型}
math:
  macros: {"\\\\R": "\\\\mathbb{R}"}
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "blogkit.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def errors_of(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(BuildError) as caught:
        load_config(write(tmp_path, text))
    return [f"{e.line}:{e.col}: {e.message} | {e.hint}" for e in caught.value.errors]


def test_good_config(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.base_url == "https://user.github.io/blog/"
    assert config.base_path == "/blog/"
    assert config.language_codes == ("zh", "en", "ja")
    assert config.lang_prefix("zh") == "" and config.lang_prefix("ja") == "/ja"
    assert config.category("3D Model") is not None
    assert config.category("3D Model").slug == "3d-model"  # type: ignore[union-attr]
    assert config.category("3D Model").label("en") == "3D Model"  # type: ignore[union-attr]
    assert config.macros == {"\\R": "\\mathbb{R}"}
    assert config.per_page == 12


def test_unknown_setting_has_position_and_hint(tmp_path: Path) -> None:
    found = errors_of(tmp_path, GOOD + "per_pgae: 10\n")
    assert found == ["10:1: unknown setting 'per_pgae' | did you mean 'per_page'?"]


def test_unknown_language_setting(tmp_path: Path) -> None:
    found = errors_of(tmp_path, GOOD.replace("description: About", "descripton: About"))
    assert any("unknown language setting 'descripton'" in e and "description" in e
               for e in found)


def test_every_mistake_is_reported_together(tmp_path: Path) -> None:
    text = GOOD.replace("https://user.github.io/blog", "ftp:/x") + "per_page: 0\ntimezone: Mars\n"
    found = errors_of(tmp_path, text)
    assert len(found) == 3
    assert found[0].startswith("1:11: base_url 'ftp:/x' is not an http(s) URL")


def test_yaml_syntax_error_has_position(tmp_path: Path) -> None:
    found = errors_of(tmp_path, "base_url: [https://x\nlanguages: 1\n")
    assert found[0].startswith("2:")
    assert "YAML syntax error" in found[0]


def test_duplicate_language_and_category_slug(tmp_path: Path) -> None:
    text = GOOD.replace("code: ja", "code: en").replace(
        "  3D Model: {zh: 三维模型}\n", "  3D Model: {zh: 三维模型}\n  3d model: {}\n")
    found = errors_of(tmp_path, text)
    assert any("language 'en' is given twice" in e for e in found)
    assert any("same URL as '3D Model'" in e for e in found)


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        load_config(tmp_path)
    assert "no blogkit.yaml" in caught.value.errors[0].message


def test_feeds_settings(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert (config.feeds.limit, config.feeds.content) == (20, "full")
    config = load_config(write(tmp_path, GOOD + "feeds: {limit: 5, content: excerpt}\n"))
    assert (config.feeds.limit, config.feeds.content) == (5, "excerpt")


def test_feeds_mistakes_have_positions(tmp_path: Path) -> None:
    found = errors_of(tmp_path, GOOD + "feeds:\n  limit: 0\n  content: summary\n  lmit: 3\n")
    assert found == [
        "11:10: feeds.limit must be a whole number of at least 1 | ",
        "12:12: feeds content 'summary' is not full or excerpt | full puts each post's whole "
        "text in the feeds, excerpt only its excerpt",
        "13:3: unknown feeds setting 'lmit' | did you mean 'limit'?",
    ]
    assert errors_of(tmp_path, GOOD + "feeds: 20\n")[0].startswith("10:8: feeds must be a mapping")


def test_base_url_override(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD), base_url="https://other.example/docs")
    assert config.base_url == "https://other.example/docs/"
    assert config.base_path == "/docs/"
    # The file's own value is replaced, so it need not even be there.
    config = load_config(write(tmp_path, GOOD.replace("base_url: https://user.github.io/blog\n",
                                                      "")), base_url="https://x.example/")
    assert config.base_path == "/"
    with pytest.raises(UsageError, match="--base-url 'x.example/blog' is not an http"):
        load_config(write(tmp_path, GOOD), base_url="x.example/blog")
