"""Shortcodes: Hugo's syntax, rendered by templates/shortcodes/, positions and cache keys.

Fixtures are written as Hugo blogs write them (the examples of Hugo's shortcode docs).
Post bodies written with `post()` start on line 5.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_site, files, make_site, post, write_file

from blogkit.bodies import POOL_THRESHOLD, body_keys, render_all
from blogkit.build import BuildOptions, build
from blogkit.config import load_config
from blogkit.content import load_content
from blogkit.errors import BuildError
from blogkit.markdown import Body
from blogkit.shortcode_syntax import prepare, uses_shortcodes

FIG = b"<svg xmlns='http://www.w3.org/2000/svg' width='4' height='4'/>"


def bodies(root: Path) -> dict[str, Body]:
    """Every post's Body, rendered as a build renders it (in this process)."""
    config = load_config(root.resolve())
    loaded = load_content(config)
    keys = body_keys(config, loaded.posts)
    found, _ = render_all(config, loaded.posts, keys, workers=1)
    return found


def one_body(tmp_path: Path, text: str, **files: str | bytes) -> Body:
    root = make_site(tmp_path, {"content/posts/zion/index.md": post("Zion", "2025-03-01", text),
                                **files}, languages=("en",))
    return bodies(root)["posts/zion/index.md"]


def page(root: Path, path: str = "posts/zion/index.html") -> str:
    return (root / "public" / path).read_text(encoding="utf-8")


# -- the built-ins, end to end --------------------------------------------------------------

HUGO_POST = """\
A trip report.

{{< figure src="zion-national-park.jpg" alt="A photograph of Zion National Park"
  link="https://www.nps.gov/zion/index.htm" caption="Zion National Park" class="ma0 w-75" >}}

{{< details summary="See the details" >}}
This is a **bold** word.
{{< /details >}}

{{< youtube id=0RKpf3rK57I start=30 title="A New Hugo Site in Under Two Minutes" >}}

{{< warning >}}
Mind the *cliffs*.
{{< /warning >}}

{{< admonition tip "Pack water" >}}
At least 2 litres.
{{< /admonition >}}

See [the canyon post]({{< ref "../canyon/index.md" >}}) or {{< relref "../canyon/index.md" >}}.
"""


@pytest.fixture(scope="module")
def hugo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("hugo"), {
        "content/posts/zion/index.md": post("Zion", "2025-03-01", HUGO_POST),
        "content/posts/zion/zion-national-park.jpg": FIG,
        "content/posts/canyon/index.md": post("Canyon", "2025-02-01", "Deep."),
    }, languages=("en",))
    build_site(root)
    return root


def test_figure_is_a_figure_with_its_src_rewritten_like_an_image(hugo_site: Path) -> None:
    html = page(hugo_site)
    assert ('<figure class="ma0 w-75"><a href="https://www.nps.gov/zion/index.htm">'
            '<img src="/blog/posts/zion/zion-national-park.jpg" '
            'alt="A photograph of Zion National Park" loading="lazy" decoding="async"></a>') in html
    assert "<figcaption><p>Zion National Park</p></figcaption>" in html
    assert (hugo_site / "public/posts/zion/zion-national-park.jpg").is_file()


def test_details_holds_its_inner_markdown_rendered(hugo_site: Path) -> None:
    assert ("<details>\n<summary>See the details</summary>\n<p>This is a <strong>bold</strong>"
            " word.</p>\n</details>") in page(hugo_site)


def test_youtube_is_a_link_card_that_requests_nothing_from_youtube(hugo_site: Path) -> None:
    html = page(hugo_site)
    card = html[html.index('<span class="youtube-card">'):]
    card = card[:card.index("</a>\n</span>")]
    assert ('href="https://www.youtube.com/watch?v=0RKpf3rK57I&amp;t=30s" '
            'title="A New Hugo Site in Under Two Minutes"') in card
    assert "<iframe" not in html and "ytimg" not in html and "<img" not in card


def test_admonitions_use_the_shared_markup(hugo_site: Path) -> None:
    html = page(hugo_site)
    assert re.search(r'<div class="admonition warning"><p class="admonition-title"[^>]*>'
                     r'Warning</p><p>Mind the <em>cliffs</em>.</p>', html)
    assert ('<div class="admonition tip"><p class="admonition-title">Pack water</p>'
            '<p>At least 2 litres.</p>') in html


def test_ref_and_relref_become_the_other_posts_url(hugo_site: Path) -> None:
    html = page(hugo_site)
    assert '<a href="/blog/posts/canyon/">the canyon post</a>' in html
    assert '<a href="/blog/posts/canyon/">../canyon/index.md</a>.' in html


def test_a_ref_to_a_missing_post_is_reported_like_a_link(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/zion/index.md": post(
        "Zion", "2025-03-01", 'Intro.\n\nSee [it]({{< ref "../gone/index.md" >}}).')},
        languages=("en",))
    with pytest.raises(BuildError) as caught:
        build_site(root)
    [error] = caught.value.errors
    assert (error.line, error.col) == (7, 19)  # the path, inside its quotes
    assert error.message == ("link to '../gone/index.md': no published post or page-bundle "
                             "file is there")


# -- arguments, templates of the site -------------------------------------------------------

def test_a_site_template_overrides_the_theme_and_gets_the_arguments(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/zion/index.md": post("Zion", "2025-03-01", """\
{{< note >}}Overridden.{{< /note >}}

{{< gallery "one" `raw \\n "text"` 2 true 1.5 >}}

{{< media/audio path="/audio/podcast/episode-42.mp3" title="Say \\"hi\\"" >}}
"""),
        "templates/shortcodes/note.html":
            '<aside class="my-note">{{ inner }}</aside>',
        "templates/shortcodes/gallery.html":
            "{% for a in positional %}[{{ a }}:{{ a.__class__.__name__ }}]{% endfor %}",
        "templates/shortcodes/media/audio.html":
            '<audio src="{{ path }}" title="{{ title }}" data-n="{{ named | length }}"'
            ' data-source="{{ source }}"></audio>',
    }, languages=("en",))
    build_site(root)
    html = page(root)
    assert '<aside class="my-note">Overridden.</aside>' in html
    assert ('[one:str][raw \\n &#34;text&#34;:str][2:int][True:bool][1.5:float]' in html)
    assert ('<audio src="/audio/podcast/episode-42.mp3" title="Say &#34;hi&#34;" data-n="2"'
            ' data-source="posts/zion/index.md"></audio>') in html


def test_editing_a_shortcode_template_renders_the_posts_using_it_again(tmp_path: Path) -> None:
    root = make_site(tmp_path, {
        "content/posts/zion/index.md": post("Zion", "2025-03-01", "{{< badge new >}}"),
        "content/posts/plain/index.md": post("Plain", "2025-03-02", "No shortcodes."),
        "templates/shortcodes/badge.html": "<span>{{ positional[0] }}</span>",
    }, languages=("en",))
    config = load_config(root.resolve())
    before = body_keys(config, load_content(config).posts)
    build_site(root)
    assert "<span>new</span>" in page(root)
    write_file(root, "templates/shortcodes/badge.html", "<mark>{{ positional[0] }}</mark>")
    after = body_keys(config, load_content(config).posts)
    assert after["posts/zion/index.md"] != before["posts/zion/index.md"]
    assert after["posts/plain/index.md"] == before["posts/plain/index.md"]
    build_site(root)
    assert "<mark>new</mark>" in page(root)


def test_a_post_without_shortcodes_is_not_scanned() -> None:
    assert not uses_shortcodes("Plain text, $\\frac{a}{b}$ and {braces}.")
    assert uses_shortcodes('{{< figure src="a.png" >}}')
    assert uses_shortcodes("{% raw %}")
    assert uses_shortcodes("{{ site.baseurl }}")


# -- positions, code, nesting ---------------------------------------------------------------

def test_details_around_markdown_keep_formula_and_link_positions(tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
Intro {{< tip >}}short{{< /tip >}} then $a^2$ and [b](../canyon/index.md).

{{% details summary="Proof of $x$" %}}
By the **chain rule**, $\\nabla_\\theta \\mathcal{L}$ ([see](../vae/index.md)).
{{% /details %}}
""")
    assert [(f.tex, f.line, f.col) for f in body.formulas] == [
        ("a^2", 5, 41), ("\\nabla_\\theta \\mathcal{L}", 8, 24)]
    assert [(link.href, link.line, link.col) for link in body.links] == [
        ("../canyon/index.md", 5, 55), ("../vae/index.md", 8, 59)]
    assert ('<details>\n<summary>Proof of $x$</summary>\n<p>By the <strong>chain rule</strong>, '
            '<bk-math data-i="1"></bk-math> (<a href="blogkit:link:posts/vae/index.md">see</a>'
            ').</p>') in body.html
    assert not body.problems


def test_shortcodes_in_code_are_left_alone_and_commented_ones_are_shown(tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
Use `{{< figure src="x.png" >}}` to add a figure, or write {{</* figure src="x.png" */>}}.

```go-html-template
{{</* youtube 0RKpf3rK57I */>}}
{{< notashortcode >}}
{% include x.html %}
```

    {{< indented >}}
""")
    assert '<code>{{&lt; figure src=&quot;x.png&quot; &gt;}}</code>' in body.html
    assert 'or write {{&lt; figure src=&quot;x.png&quot; &gt;}}.</p>' in body.html
    assert "youtube 0RKpf3rK57I" in body.html and "/*" not in body.html
    assert "notashortcode" in body.html and "indented" in body.html
    assert not body.problems


def test_an_unknown_shortcode_stays_as_written_and_names_the_template_to_add(
        tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
Some text.

{{< gist spf13 7896402 >}}

A line with {{< tweet user="SanDiegoZoo" id="1453110110599868418" >}} inside.
""")
    assert [(p.line, p.col, p.message) for p in body.problems] == [
        (7, 1, "unknown shortcode 'gist'"), (9, 13, "unknown shortcode 'tweet'")]
    assert body.problems[0].hint.startswith("add templates/shortcodes/gist.html")
    assert "<p>{{&lt; gist spf13 7896402 &gt;}}</p>" in body.html
    assert ('A line with {{&lt; tweet user=&quot;SanDiegoZoo&quot; '
            'id=&quot;1453110110599868418&quot; &gt;}} inside.') in body.html


def test_liquid_is_a_problem_at_its_place_and_stays_visible(tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
{% include figure.html image="/assets/img/x.png" %}

![logo]({{ site.baseurl }}/assets/logo.png) by {{ page.author }}.

{% raw %}{{ not_reported }}{% endraw %}

`{{ site.url }}` in code is fine.
""")
    found = [(p.line, p.col, p.message.split(":")[0]) for p in body.problems]
    assert found == [(5, 1, "Liquid tag {% include figure.html image=\"/assets/img/x.png\" %}"),
                     (7, 9, "Liquid {{ site.baseurl }}"), (7, 48, "Liquid {{ page.author }}")]
    assert body.problems[0].hint == ("make it a shortcode: add templates/shortcodes/figure.html"
                                     " and write {{< figure >}}")
    assert "<p>{{ not_reported }}</p>" in body.html  # raw: shown as written, not reported
    assert "blogkit does not run Liquid" in body.problems[1].message
    assert "{{ site.baseurl }}/assets/logo.png" in body.html
    assert not body.links  # a path made of Liquid is that Liquid's problem only


def test_a_template_mistake_is_a_problem_at_the_shortcode(tmp_path: Path) -> None:
    body = one_body(tmp_path, 'Text.\n\n{{< figure alt="no src" >}}')
    [problem] = body.problems
    assert (problem.line, problem.col) == (7, 1)
    assert re.match(r"shortcode 'figure': shortcodes/figure.html:\d+: 'src' is undefined",
                    problem.message)


def test_tags_are_parsed_as_hugo_does() -> None:
    prepared = prepare('{{< x a="1" b=`r` c=3 d=false >}}\n{{< y "p" 2 />}}\n{{< z "a" b=1 >}}',
                       5, "posts/p/index.md")
    first, second = prepared.calls
    assert first.named == {"a": "1", "b": "r", "c": 3, "d": False}
    assert second.positional == ["p", 2] and second.kind == "single"
    [problem] = prepared.problems
    assert (problem.line, problem.col) == (7, 1)
    assert "either all named or all positional" in problem.message


_SPAWNED_BUILD = """\
import multiprocessing, sys
multiprocessing.set_start_method("spawn")
from blogkit.cli import main
raise SystemExit(main(["build", "-s", sys.argv[1], "--jobs", "2"]))
"""


def test_pool_workers_started_by_spawn_render_shortcodes_as_this_process_does(
        tmp_path: Path) -> None:
    made = {f"content/posts/p{n:02d}/index.md": post(
        f"P{n}", "2025-03-01", f'{{{{< figure src="fig.svg" caption="Figure {n}" >}}}}\n\n'
        f'{{{{% note %}}}}\nSee $x_{n}$.\n{{{{% /note %}}}}\n\n{{{{< badge {n} >}}}}')
        for n in range(POOL_THRESHOLD + 4)}
    made |= {f"content/posts/p{n:02d}/fig.svg": FIG.decode() for n in range(POOL_THRESHOLD + 4)}
    made["templates/shortcodes/badge.html"] = "<b>{{ positional[0] }}</b>"
    here = make_site(tmp_path / "here", made, languages=("en",))
    build(BuildOptions(source=here, output=here / "public", workers=1))
    spawned = make_site(tmp_path / "spawned", made, languages=("en",))
    done = subprocess.run([sys.executable, "-c", _SPAWNED_BUILD, str(spawned)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert files(spawned / "public") == files(here / "public")
    assert "<b>3</b>" in page(here, "posts/p03/index.html")


# -- Hexo's tag plugins ---------------------------------------------------------------------

HEXO_POST = """\
Notes from the trip.

{% asset_img left photo.jpg 300 200 "Angels Landing" "The trail to Angels Landing" %}

The plan: {% asset_link notes.pdf the PDF %}, or [download it]({% asset_path notes.pdf %}).

More in {% post_link canyon %} and {% post_link canyon The canyon day %}.

{% codeblock _.compact http://underscorejs.org/#compact Underscore.js lang:js mark:2 %}
_.compact([0, 1, false, 2, '', 3]);
=> [1, 2, 3]
{% endcodeblock %}

{% blockquote David Levithan, Wide Awake %}
Do not just seek happiness for yourself.
{% endblockquote %}

{% blockquote Seth Godin https://seths.blog/2009/07/welcome-to-island-marketing/ %}
Every interaction is both precious and an opportunity to delight.
{% endblockquote %}

{% blockquote @DevDocs https://twitter.com/devdocs/status/356095192085962752 Syntax %}
NEW: DevDocs now comes with syntax highlighting.
{% endblockquote %}

{% note warning %}
Mind the **cliffs**.
{% endnote %}

{% note success no-icon Packing list %}
Water, $2$ litres.
{% endnote %}

{% youtube I07XMi7MHd4 %}

{% raw %}
Hugo writes {{< figure >}}, Liquid {{ site.url }} and {% note %}.
{% endraw %}
"""


@pytest.fixture(scope="module")
def hexo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_site(tmp_path_factory.mktemp("hexo"), {
        "content/posts/trip/index.md": post("Trip", "2025-03-01", HEXO_POST),
        "content/posts/trip/photo.jpg": FIG, "content/posts/trip/notes.pdf": b"%PDF-1.4",
        "content/posts/canyon/index.md": post("Canyon", "2025-02-01", "Deep."),
    }, languages=("en",))
    build_site(root)
    return root


def test_asset_img_is_the_bundles_image_with_hexos_attributes(hexo_site: Path) -> None:
    assert ('<p><img src="/blog/posts/trip/photo.jpg" class="left" width="300" height="200" '
            'title="Angels Landing" alt="The trail to Angels Landing" loading="lazy" '
            'decoding="async"></p>'
            ) in page(hexo_site, "posts/trip/index.html")


def test_asset_link_and_asset_path_link_the_bundles_file(hexo_site: Path) -> None:
    assert ('plan: <a href="/blog/posts/trip/notes.pdf" title="the PDF">the PDF</a>, or '
            '<a href="/blog/posts/trip/notes.pdf">download it</a>.'
            ) in page(hexo_site, "posts/trip/index.html")


def test_post_link_links_the_post_named_by_its_bundle(hexo_site: Path) -> None:
    assert ('More in <a href="/blog/posts/canyon/" title="canyon">canyon</a> and '
            '<a href="/blog/posts/canyon/" title="The canyon day">The canyon day</a>.'
            ) in page(hexo_site, "posts/trip/index.html")


def test_codeblock_is_highlighted_code_captioned_like_a_fence(hexo_site: Path) -> None:
    html = page(hexo_site, "posts/trip/index.html")
    assert ('<figure class="code-block"><figcaption class="code-title">_.compact '
            '<a href="http://underscorejs.org/#compact">Underscore.js</a></figcaption>\n'
            '<pre class="highlight lined" data-lang="js"><code class="language-js">'
            '<span class="line"><span class="nx">_</span>') in html
    assert '<span class="line hl"><span class="p">=&gt;</span>' in html  # mark:2
    assert "<p>=&gt;" not in html  # not Markdown


def test_blockquote_has_hexos_footer(hexo_site: Path) -> None:
    html = page(hexo_site, "posts/trip/index.html")
    assert ("<blockquote>\n<p>Do not just seek happiness for yourself.</p>\n<footer><strong>"
            "David Levithan</strong><cite>Wide Awake</cite></footer>\n</blockquote>") in html
    assert ('<footer><strong>Seth Godin</strong><cite><a href="https://seths.blog/2009/07/'
            'welcome-to-island-marketing/">seths.blog/2009/07/welcome-to-island-marketing'
            '</a></cite></footer>') in html  # the URL without its scheme
    assert ('<footer><strong>@DevDocs</strong><cite><a href="https://twitter.com/devdocs/'
            'status/356095192085962752">Syntax</a></cite></footer>') in html


def test_nexts_note_is_the_shared_admonition(hexo_site: Path) -> None:
    html = page(hexo_site, "posts/trip/index.html")
    assert ('<div class="admonition warning">\n<p>Mind the <strong>cliffs</strong>.</p>\n'
            '</div>') in html
    assert ('<details class="admonition tip success no-icon">\n<summary class="admonition-title">'
            'Packing list</summary><p>Water, <span class="katex">') in html


def test_hexo_youtube_is_the_same_link_card(hexo_site: Path) -> None:
    html = page(hexo_site, "posts/trip/index.html")
    assert ('<span class="youtube-card">\n<a href="https://www.youtube.com/watch?v=I07XMi7MHd4"'
            ' title="YouTube video" rel="noopener external">') in html


def test_raw_shows_its_inside_as_written(hexo_site: Path) -> None:
    assert ("<p>Hugo writes {{&lt; figure &gt;}}, Liquid {{ site.url }} and {% note %}.</p>"
            ) in page(hexo_site, "posts/trip/index.html")


def test_a_missing_asset_or_post_is_reported_at_its_name(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"content/posts/trip/index.md": post("Trip", "2025-03-01", """\
Intro.

{% asset_img gone.jpg A title %}

See {% post_link nowhere %} and [the notes]({% asset_path "lost notes.pdf" %}).
""")}, languages=("en",))
    with pytest.raises(BuildError) as caught:
        build_site(root)
    found = [(e.line, e.col, e.message) for e in caught.value.errors]
    assert found == [
        (7, 14, "link to 'gone.jpg': no published post or page-bundle file is there"),
        (9, 18, "link to 'nowhere': no published post or page-bundle file is there"),
        (9, 60, "link to 'lost notes.pdf': no published post or page-bundle file is there")]


def test_an_unknown_hexo_tag_names_the_template_to_add(tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
Some text.

{% pullquote left %}
A pulled quote.
{% endpullquote %}

{% highlight python %}
print(1)
{% endhighlight %}
""")
    assert [(p.line, p.col) for p in body.problems] == [(7, 1), (11, 1)]
    first, second = body.problems
    assert first.message == ("Liquid tag {% pullquote left %}: there is no template "
                             "shortcodes/pullquote.html for it, so it would show as text")
    assert first.hint.startswith("add templates/shortcodes/pullquote.html")
    assert second.hint.startswith("use a fenced code block")  # Jekyll's keeps its hint
    assert "<p>{% pullquote left %}\nA pulled quote.\n{% endpullquote %}</p>" in body.html


def test_a_site_template_makes_a_hexo_tag_and_gets_its_words(tmp_path: Path) -> None:
    body = one_body(tmp_path, """\
{% label primary@"Default text" size:big %}

{% tabs Unique %}
Tab **one**.
{% endtabs %}
""", **{"templates/shortcodes/label.html":
        "<mark>{{ positional }}|{{ named.size }}|{{ quoted }}|{{ hexo }}</mark>",
        "templates/shortcodes/tabs.html": '<div class="tabs" id="{{ positional[0] }}">'
                                          "{{ inner }}</div>"})
    assert ("<p><mark>[&#39;primary@&#34;Default&#39;, &#39;text&#34;&#39;]|big|[False, False]|"
            "True</mark></p>") in body.html
    assert '<div class="tabs" id="Unique"><p>Tab <strong>one</strong>.</p></div>' in body.html
    assert not body.problems


def test_an_unclosed_raw_is_a_problem() -> None:
    prepared = prepare("Text.\n\n{% raw %}{{ x }}", 5, "posts/p/index.md")
    [problem] = prepared.problems
    assert (problem.line, problem.col) == (7, 1)
    assert problem.message == "{% raw %} without its {% endraw %}"


# -- default labels in the post's language --------------------------------------------------

@pytest.mark.parametrize(("lang", "details", "video"), [
    ("zh", "详情", "YouTube 视频"), ("en", "Details", "YouTube video")])
def test_default_labels_are_in_the_posts_language(tmp_path: Path, lang: str, details: str,
                                                  video: str) -> None:
    name = "index.md" if lang == "zh" else f"index.{lang}.md"
    root = make_site(tmp_path, {f"content/posts/zion/{name}": post(
        "Zion", "2025-03-01", "{{< details >}}\nInside.\n{{< /details >}}\n\n"
        "{{< youtube 0RKpf3rK57I >}}")})
    build_site(root)
    html = page(root, "posts/zion/index.html" if lang == "zh" else "en/posts/zion/index.html")
    assert f"<details>\n<summary>{details}</summary>\n<p>Inside.</p>\n</details>" in html
    assert f'<span class="youtube-title">{video}</span>' in html


def test_the_sites_ui_strings_change_the_labels_and_the_body_key(tmp_path: Path) -> None:
    made = {"content/posts/zion/index.md": post("Zion", "2025-03-01",
                                                "{{< details >}}\nInside.\n{{< /details >}}"),
            "content/posts/plain/index.md": post("Plain", "2025-03-02", "No shortcodes.")}
    keys = []
    for folder, language in (("theme", "en"), ("own", {"code": "en", "ui": {
            "shortcode_details": "More"}})):
        root = make_site(tmp_path / folder, made, languages=(language,))
        config = load_config(root.resolve())
        keys.append(body_keys(config, load_content(config).posts))
    assert keys[0]["posts/zion/index.md"] != keys[1]["posts/zion/index.md"]
    assert keys[0]["posts/plain/index.md"] == keys[1]["posts/plain/index.md"]
    build_site(root)
    assert "<summary>More</summary>" in page(root)
