"""I18N: slugs, counting, dates, UI strings."""

from __future__ import annotations

from datetime import datetime

import pytest

from blogkit.i18n import count_units, format_date, is_cjk, load_ui, slugify


@pytest.mark.parametrize(("name", "slug"), [
    ("Self-Supervised", "self-supervised"),
    ("3D Model", "3d-model"),
    ("Generative Model", "generative-model"),
    ("扩散模型", "扩散模型"),
    ("视觉 Transformer", "视觉-transformer"),
    ("C++ / CUDA", "c-cuda"),
    ("ＦｕｌｌＷｉｄｔｈ", "fullwidth"),
    ("snake_case", "snake-case"),
])
def test_slugify(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_slug_of_punctuation_only_is_stable_and_nonempty() -> None:
    assert slugify("++") == slugify("++")
    assert slugify("++").startswith("t-")
    assert slugify("++") != slugify("--")


def test_count_units() -> None:
    assert count_units("中文和English words, it's 3.14 pre-train") == (3, 5)


def test_is_cjk() -> None:
    assert is_cjk("中") and is_cjk("，") and is_cjk("か")
    assert not is_cjk("a") and not is_cjk(" ")


def test_dates_in_each_language() -> None:
    moment = datetime(2026, 1, 18)
    assert format_date(moment, load_ui("zh", {})) == "2026年1月18日"
    assert format_date(moment, load_ui("en", {})) == "Jan 18, 2026"


def test_unknown_language_falls_back_to_english_and_takes_overrides() -> None:
    ui = load_ui("ja", {"home": "ホーム"})
    assert ui["home"] == "ホーム"
    assert ui["archives"] == "Archives"


def test_both_languages_define_the_same_strings() -> None:
    assert set(load_ui("zh", {})) == set(load_ui("en", {}))
