"""A minimal Hugo site over a generated corpus, for comparing build times with blogkit.

`write_site(folder, content, math="server")` writes `hugo.toml` and a few layouts into
`folder` and mounts the corpus's `content/` folder in place (no copy, no symlink), so both
tools read the very same files. The site does roughly what blogkit's does, so the times
mean something side by side:

- two languages, zh (default, at the root) and en, so `index.zh.md` and `index.en.md` are
  translations of one post, as in blogkit;
- Goldmark's passthrough extension for `$..$`, `\\(..\\)`, `$$..$$` and `\\[..\\]`, so `_` and
  `*` in formulas are not emphasis; a passthrough render hook that renders each formula
  with KaTeX at build time (`transform.ToMath`, HTML + MathML, display mode for blocks), or,
  with `math="client"`, one that writes the TeX back for KaTeX in the browser;
- Chroma highlighting (Hugo's default), footnotes and tables (Goldmark's defaults);
- Hugo's embedded link and image render hooks, which turn `../other/index.en.md` into that
  post's URL, as blogkit does;
- post pages with terms, translations and neighbours; home, section, taxonomy and term
  lists paginated by 12 with each post's summary; Hugo's RSS feeds and sitemap.
"""

from __future__ import annotations

import json
from pathlib import Path

CONFIG = """\
baseURL = "https://example.com/"
title = "Bench"
defaultContentLanguage = "zh"
hasCJKLanguage = true
enableRobotsTXT = false
# A slow shared machine must not turn a long cold build into a template timeout.
timeout = "600s"

[pagination]
pagerSize = 12

[languages.zh]
weight = 1
title = "基准"
label = "中文"

[languages.en]
weight = 2
title = "Bench"
label = "English"

[taxonomies]
category = "categories"
tag = "tags"

[markup.goldmark.extensions.passthrough]
enable = true
[markup.goldmark.extensions.passthrough.delimiters]
block = [['\\[', '\\]'], ['$$', '$$']]
inline = [['\\(', '\\)'], ['$', '$']]

# Resolve links to other posts' source files and to bundle files, like blogkit does.
[markup.goldmark.renderHooks.link]
useEmbedded = "fallback"
[markup.goldmark.renderHooks.image]
useEmbedded = "fallback"

[[module.mounts]]
source = {content}
target = "content"
"""

BASEOF = """\
<!doctype html>
<html lang="{{ site.Language.Lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ if not .IsHome }}{{ .Title }} · {{ end }}{{ site.Title }}</title>
{{- $noop := .WordCount }}{{/* renders the content first, so hasMath is known */}}
{{- if .Store.Get "hasMath" }}
<link rel="stylesheet" href="{{ "katex/katex.min.css" | relURL }}">
{{- end }}
</head>
<body>
<header><a href="{{ site.Home.RelPermalink }}">{{ site.Title }}</a>
{{- range .Translations }} <a href="{{ .RelPermalink }}">{{ .Language.Label }}</a>{{ end -}}
</header>
<main>{{ block "main" . }}{{ end }}</main>
</body>
</html>
"""

SINGLE = """\
{{ define "main" }}
<article>
<h1>{{ .Title }}</h1>
<p><time datetime="{{ .Date.Format "2006-01-02" }}">{{ .Date.Format "2006-01-02" }}</time>
{{- range .GetTerms "categories" }} <a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a>{{ end }}</p>
{{ .Content }}
<p>{{ range .GetTerms "tags" }}<a href="{{ .RelPermalink }}">#{{ .LinkTitle }}</a> {{ end }}</p>
<nav>
{{- with .PrevInSection }}<a href="{{ .RelPermalink }}">← {{ .LinkTitle }}</a>{{ end }}
{{- with .NextInSection }} <a href="{{ .RelPermalink }}">{{ .LinkTitle }} →</a>{{ end }}
</nav>
</article>
{{ end }}
"""

LIST = """\
{{ define "main" }}
<h1>{{ .Title }}</h1>
{{- $pages := .Pages }}
{{- if .IsHome }}{{ $pages = where site.RegularPages "Section" "posts" }}{{ end }}
{{- $pager := .Paginate $pages }}
{{- range $pager.Pages }}
<article>
<h2><a href="{{ .RelPermalink }}">{{ .LinkTitle }}</a></h2>
{{- if .IsPage }}<time>{{ .Date.Format "2006-01-02" }}</time>{{ end }}
<div>{{ .Summary }}</div>
</article>
{{- end }}
<nav>
{{- with $pager.Prev }}<a href="{{ .URL }}">←</a>{{ end }}
{{- with $pager.Next }} <a href="{{ .URL }}">→</a>{{ end }}
</nav>
{{ end }}
"""

# Server-side math, as Hugo's documentation sets it up: a formula KaTeX rejects fails the
# build, like in blogkit.
PASSTHROUGH_SERVER = """\
{{- $opts := dict "output" "htmlAndMathml" "displayMode" (eq .Type "block") }}
{{- with try (transform.ToMath .Inner $opts) }}
  {{- with .Err }}
    {{- errorf "KaTeX rejected a formula: %s: see %s" . $.Position }}
  {{- else }}
    {{- .Value }}
    {{- $.Page.Store.Set "hasMath" true }}
  {{- end }}
{{- end -}}
"""

# Client-side math: the TeX goes out HTML-escaped with \\( \\) or \\[ \\] for KaTeX's
# auto-render in the browser; the build itself does no math at all.
PASSTHROUGH_CLIENT = """\
{{- if eq .Type "block" }}\\[{{ .Inner }}\\]{{ else }}\\({{ .Inner }}\\){{ end }}
{{- $.Page.Store.Set "hasMath" true -}}
"""

LAYOUTS = {
    "baseof.html": BASEOF,
    "single.html": SINGLE,
    "list.html": LIST,
}


def write_site(folder: Path, content: Path, math: str = "server") -> None:
    """Write a Hugo site into `folder` that builds the corpus folder `content`.

    `math` is "server" (KaTeX at build time) or "client" (TeX left for the browser).
    """
    if math not in ("server", "client"):
        raise ValueError(f"math must be 'server' or 'client', not {math!r}")
    folder.mkdir(parents=True, exist_ok=True)
    # json.dumps gives a quoted, escaped string that TOML reads the same way.
    config = CONFIG.replace("{content}", json.dumps(str(content.resolve())))
    (folder / "hugo.toml").write_text(config, encoding="utf-8")
    layouts = folder / "layouts"
    (layouts / "_markup").mkdir(parents=True, exist_ok=True)
    for name, text in LAYOUTS.items():
        (layouts / name).write_text(text, encoding="utf-8")
    hook = PASSTHROUGH_SERVER if math == "server" else PASSTHROUGH_CLIENT
    (layouts / "_markup" / "render-passthrough.html").write_text(hook, encoding="utf-8")
