"""The theme as built: Material changed through template blocks and small
partial overrides only (no edits of the finished HTML), checked on real
`mkdocs build` output read with an HTML parser."""

from __future__ import annotations

import html
import json
from pathlib import Path
from urllib.parse import urljoin

import pytest
import tinyhtml5

from conftest import LANGS, SITE_URL, page_file, page_url, run_build
from doorstep.locale import strings

GUIDES = ("demo", "only-vi")


def parse(path: Path):
    return tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)


def classes(el) -> list[str]:
    return (el.get("class") or "").split()


def find_class(root, tag: str, name: str):
    return [el for el in root.iter(tag) if name in classes(el)]


def text(el) -> str:
    return " ".join("".join(el.itertext()).split())


def page_404(site: Path, lang: str) -> Path:
    return site / ("" if lang == "vi" else lang) / "404.html"


def built_pages(site: Path) -> list[Path]:
    pages = sorted(site.rglob("*.html"))
    assert len(pages) >= len(LANGS) * (len(GUIDES) + 2)  # guides, home and 404 of each language
    return pages


def test_head_has_no_prev_next_links_nor_generator(fixture_site):
    for path in built_pages(fixture_site):
        head = parse(path).find("head")
        rels = {token for link in head.iter("link") for token in (link.get("rel") or "").split()}
        assert not rels & {"prev", "next"}, path
        assert not [m for m in head.iter("meta") if m.get("name") == "generator"], path


@pytest.mark.parametrize("lang", LANGS)
def test_language_links_are_absolute_and_not_probed_by_material(fixture_site, lang):
    for slug in GUIDES:
        head = parse(page_file(fixture_site, lang, slug)).find("head")
        links = [link for link in head.iter("link") if "alternate" in (link.get("rel") or "").split()]
        assert {link.get("hreflang"): link.get("href") for link in links} == {
            other: page_url(other, slug) for other in LANGS
        }
        # Material fetches <href>/sitemap.xml for every link[rel=alternate] (an exact match).
        assert [link.get("rel") for link in links] == [" alternate"] * len(LANGS)
    for path in built_pages(fixture_site):
        assert not [link for link in parse(path).iter("link") if link.get("rel") == "alternate"], path


@pytest.mark.parametrize("lang", LANGS)
def test_search_dialog_is_named_in_the_page_language(fixture_site, lang):
    for path in [page_file(fixture_site, lang, slug) for slug in GUIDES] + [page_404(fixture_site, lang)]:
        dialogs = [el for el in parse(path).iter("div") if el.get("role") == "dialog" and "md-search" in classes(el)]
        assert [d.get("aria-label") for d in dialogs] == [strings(lang)("search")], path


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_has_its_own_404_page(fixture_site, lang):
    t = strings(lang)
    root = parse(page_404(fixture_site, lang))
    assert root.get("lang") == lang
    assert root.find("body").get("dir") == ("rtl" if lang in ("ar", "fa") else "ltr")
    assert [text(h1) for h1 in root.iter("h1")] == [t("not_found")]
    assert text(root.find("head").find("title")).startswith(t("not_found"))
    home = "/" if lang == "vi" else f"/{lang}/"
    article = find_class(root, "article", "md-content__inner")[0]
    assert [a.get("href") for a in article.iter("a")] == [home]
    # Shown at any missing address: every local link and asset starts at the site's root.
    refs = [el.get("href") for el in root.iter() if el.tag in ("a", "link")] + [el.get("src") for el in root.iter("script")]
    local = [ref for ref in refs if ref and not ref.startswith(("data:", "#", "http"))]
    assert local and all(ref.startswith("/") for ref in local), local
    # Its language menu leads to each language's home page.
    menu = {a.get("hreflang"): a.get("href") for a in find_class(root, "a", "md-select__link")}
    assert menu == {other: "/" if other == "vi" else f"/{other}/" for other in LANGS}


TITLES = {
    "vi": "Tìm <img src=x onerror=alert(1)> kiếm",
    "en": 'Find <script>alert("x")</script> & go',
}
SHOWN = {**TITLES, "ar": TITLES["vi"]}  # demo has no Arabic translation: its page shows the Vietnamese one


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """The fixture guides, with front-matter titles that are HTML-looking text."""
    from conftest import make_project

    project = make_project(tmp_path_factory.mktemp("hostile") / "project")
    for lang, title in TITLES.items():
        source = project / "guides" / "demo" / ("index.md" if lang == "vi" else f"index.{lang}.md")
        lines = source.read_text(encoding="utf-8").split("\n")
        lines[[i for i, line in enumerate(lines) if line.startswith("title:")][0]] = f"title: '{title}'"
        source.write_text("\n".join(lines), encoding="utf-8")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


def test_front_matter_titles_are_text_everywhere_material_writes_them(hostile_site):
    for path in built_pages(hostile_site):
        root = parse(path)
        # Never a live tag: no element the title could have made, anywhere.
        assert not [el for el in root.iter() if el.get("onerror") is not None], path
        assert not [s for s in root.iter("script") if "alert" in "".join(s.itertext())], path
        title = SHOWN.get(root.get("lang"))
        if title is None or path.name == "offline.html":  # fa: demo's own (harmless) Persian title; the
            continue                                      # offline page has no navigation (titles: textContent)
        # The navigation shows the title as text, escaped once (not "&lt;" on screen).
        here = urljoin(SITE_URL, path.relative_to(hostile_site).as_posix())
        nav = [text(a) for a in find_class(root, "a", "md-nav__link")
               if urljoin(here, a.get("href", "")) == page_url(root.get("lang"), "demo")]
        assert nav and set(nav) == {title}, (path, nav)
    for lang, title in SHOWN.items():
        root = parse(page_file(hostile_site, lang, "demo"))
        site_name = text(find_class(root, "span", "md-ellipsis")[0])
        assert text(root.find("head").find("title")) == f"{title} - {site_name}"
        topics = [el for el in root.iter("div") if el.get("data-md-component") == "header-topic"]
        assert [text(el) for el in topics] == [title]
        assert text(find_class(root, "div", "ds-guide")[0].find("h1")) == title


def test_front_matter_titles_are_escaped_in_the_search_indexes(hostile_site):
    # Material's search shows titles as HTML: they must be escaped HTML text.
    material = json.loads((hostile_site / "search" / "search_index.json").read_text(encoding="utf-8"))["docs"]
    for lang in ("vi", "en"):
        location = page_url(lang, "demo")[len(SITE_URL):]
        [shown] = [d["title"] for d in material if d["location"] == location]
        assert "<" not in shown and html.unescape(shown) == TITLES[lang], shown
        # doorstep's own index (the one its search loads): never a tag either.
        own = json.loads((hostile_site / "search" / f"{lang}.json").read_text(encoding="utf-8"))["docs"]
        [shown] = [d["title"] for d in own if d["location"] == location]
        assert "<" not in shown, shown
