"""ERRORS: SourceError and BuildError as printed, the overlay, and decoding users' files."""

from __future__ import annotations

from pathlib import Path

import pytest

from blogkit.errors import (
    FILE,
    LINK,
    MARKUP,
    SUMMARY_AFTER,
    TEX,
    BuildError,
    SourceError,
    decode_source,
    format_list,
    overlay_html,
    summary,
    with_kind,
)

SAVE_AS_UTF8 = ("save the file as UTF-8 (e.g. `iconv -f GBK -t UTF-8 in.md > out.md`, or your "
                "editor's 'Save with encoding')")


def bad_date(root: Path) -> SourceError:
    return SourceError(root / "content/posts/vae/index.zh.md", 3, 7, "invalid date '2026-02-30'",
                       "write dates as YYYY-MM-DD")


@pytest.mark.parametrize(("line", "col", "location"), [
    (3, 7, "content/a.md:3:7"), (3, None, "content/a.md:3"), (None, 7, "content/a.md"),
    (None, None, "content/a.md"),
])
def test_location_leaves_out_what_is_unknown(
        tmp_path: Path, line: int | None, col: int | None, location: str) -> None:
    error = SourceError(tmp_path / "content/a.md", line, col, "m")
    assert error.location(tmp_path) == location


def test_location_is_relative_to_the_root_only_when_the_file_is_inside(tmp_path: Path) -> None:
    error = bad_date(tmp_path / "site")
    assert error.location(tmp_path / "site") == "content/posts/vae/index.zh.md:3:7"
    assert error.location(tmp_path / "other") == f"{tmp_path.as_posix()}/site/content/posts/" \
        "vae/index.zh.md:3:7"
    assert SourceError(Path("content/a.md"), 1, 2, "m").location() == "content/a.md:1:2"


def test_a_link_is_named_by_its_own_path_not_its_target(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/loop.md").symlink_to("loop.md")
    error = SourceError(tmp_path / "content/loop.md", None, None, "cannot read the file")
    assert error.location(tmp_path) == "content/loop.md"


def test_format_is_clickable_with_the_hint_indented_below(tmp_path: Path) -> None:
    assert bad_date(tmp_path).format(tmp_path) == (
        "content/posts/vae/index.zh.md:3:7: error: invalid date '2026-02-30'\n"
        "    hint: write dates as YYYY-MM-DD")
    warning = SourceError(tmp_path / "a.md", 4, None, "上传的图片很大", severity="warning")
    assert warning.format(tmp_path) == "a.md:4: warning: 上传的图片很大"


def test_build_error_sorts_by_file_then_position_and_counts(tmp_path: Path) -> None:
    errors = [SourceError(tmp_path / "b.md", 1, 1, "x"), SourceError(tmp_path / "a.md", 10, 2, "y"),
              SourceError(tmp_path / "a.md", 2, 9, "z", "hint z"),
              SourceError(tmp_path / "a.md", None, None, "w")]
    failed = BuildError(errors)
    assert str(failed) == "4 error(s)"
    assert failed.format(tmp_path) == (
        "a.md: error: w\n"
        "a.md:2:9: error: z\n    hint: hint z\n"
        "a.md:10:2: error: y\n"  # by number, not as text ("10" < "2")
        "b.md:1:1: error: x\n"
        "4 errors; nothing was written.")
    assert BuildError([errors[0]]).format(tmp_path) == (
        "b.md:1:1: error: x\n1 error; nothing was written.")


def test_build_error_is_an_exception_carrying_its_errors(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as caught:
        raise BuildError([bad_date(tmp_path)])
    assert caught.value.errors == [bad_date(tmp_path)]


def test_overlay_escapes_paths_messages_and_hints(tmp_path: Path) -> None:
    errors = [
        SourceError(tmp_path / "content/<a>&b.md", 2, 3,
                    "title <script>alert('x')</script> & \"q\"", "use <b>bold</b>"),
        SourceError(tmp_path / "blogkit.yaml", None, None, "base_url is required"),
    ]
    assert overlay_html(errors, tmp_path) == (
        '<ul class="blogkit-errors">'
        "<li><code>content/&lt;a&gt;&amp;b.md:2:3</code> title &lt;script&gt;alert(&#x27;x&#x27;)"
        "&lt;/script&gt; &amp; &quot;q&quot;<br><small>use &lt;b&gt;bold&lt;/b&gt;</small></li>"
        "<li><code>blogkit.yaml</code> base_url is required</li></ul>")
    assert overlay_html([]) == '<ul class="blogkit-errors"></ul>'


@pytest.mark.parametrize(("raw", "text"), [
    ("---\ntitle: 标题\n---\n正文\n".encode(), "---\ntitle: 标题\n---\n正文\n"),
    ("\ufeff---\r\ntitle: 标题\r\n---\r\n".encode(), "---\ntitle: 标题\n---\n"),
    (b"a\rb", "a\rb"),  # only CRLF pairs are line ends to normalise
])
def test_decode_source_accepts_utf8_with_bom_and_crlf(raw: bytes, text: str) -> None:
    assert decode_source(Path("a.md"), raw) == text


@pytest.mark.parametrize(("raw", "expected"), [
    ("---\ntitle: 标题\n---\n".encode("gbk"),
     "a.md:2:8: error: file is not valid UTF-8 (byte 0xb1). It looks like GBK/GB18030 "
     "(Simplified Chinese)."),
    ("title".encode("utf-16"), "a.md:1:1: error: file is not valid UTF-8 (byte 0xff). "
     "It looks like UTF-16."),
    ("中文 ok\n第二行 ".encode() + "错".encode("gbk"),  # a UTF-8 file with one GBK word
     "a.md:2:5: error: file is not valid UTF-8 (byte 0xb4)."),
])
def test_a_file_that_is_not_utf8_names_where_and_what_it_likely_is(
        raw: bytes, expected: str) -> None:
    with pytest.raises(BuildError) as caught:
        decode_source(Path("a.md"), raw)
    assert [e.format() for e in caught.value.errors] == [f"{expected}\n    hint: {SAVE_AS_UTF8}"]


@pytest.mark.xfail(strict=True, reason="gb18030 is tried first and decodes almost any byte "
                   "pairs, so Big5 and Shift-JIS files are named GBK (Simplified Chinese)")
@pytest.mark.parametrize(("raw", "expected"), [
    pytest.param("---\ntitle: 變分自編碼器\n---\n".encode("big5"),
                 "file is not valid UTF-8 (byte 0xc5). It looks like Big5 (Traditional Chinese).",
                 id="big5"),
    pytest.param("---\ntitle: タイトル\n---\n".encode("shift_jis"),
                 "file is not valid UTF-8 (byte 0x83). It looks like Shift-JIS (Japanese).",
                 id="shift-jis"),
])
def test_big5_and_shift_jis_files_are_named_as_such(raw: bytes, expected: str) -> None:
    with pytest.raises(BuildError) as caught:
        decode_source(Path("a.md"), raw)
    assert caught.value.errors[0].message == expected


# -- a summary by kind above a long list ---------------------------------------------------

def test_a_long_list_starts_with_a_summary_by_kind(tmp_path: Path) -> None:
    def made(name: str, kind: str, severity: str = "error") -> SourceError:
        return SourceError(tmp_path / name, 1, 1, "m", severity=severity, kind=kind)

    messages = [made("a.md", LINK), made("a.md", LINK, "warning"), made("b.md", TEX),
                made("c.md", FILE), made("c.md", FILE), made("d.md", FILE), made("e", "new")]
    assert summary(messages) == ("summary: 6 errors, 1 warning: 2 links to missing files, "
                                 "1 TeX error, 2 files with errors, 1 other error")
    assert summary(messages, left_out=True).endswith(", 2 files left out, 1 other error")
    listed = format_list(messages, tmp_path).splitlines()
    assert listed[0] == summary(messages) and listed[1] == "a.md:1:1: error: m"
    # A few messages are read at a glance: no summary.
    assert format_list(messages[:SUMMARY_AFTER], tmp_path).splitlines()[0] == "a.md:1:1: error: m"
    failed = BuildError(messages).format(tmp_path).splitlines()
    assert failed[0].startswith("summary: 6 errors, 1 warning: 2 links")
    assert failed[-1] == "7 errors; nothing was written."


def test_with_kind_sets_the_kind_and_under_keep_going_makes_warnings(tmp_path: Path) -> None:
    error = bad_date(tmp_path)
    assert error.kind == "other"
    (marked,) = with_kind([error], LINK)
    assert (marked.kind, marked.severity, marked.message) == (LINK, "error", error.message)
    (warned,) = with_kind([error], MARKUP, keep_going=True)
    assert (warned.kind, warned.severity) == (MARKUP, "warning")
    assert warned.format(tmp_path).startswith("content/posts/vae/index.zh.md:3:7: warning: ")
