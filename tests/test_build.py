"""A real `mkdocs build`: pages, languages, canonical URLs, fallbacks, bad input."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

import subprocess

from conftest import BIN, LANGS, SITE_URL, bundled_guides, error_lines, page_file, page_url, run_build


def html_of(site: Path, lang: str, slug: str) -> str:
    return page_file(site, lang, slug).read_text(encoding="utf-8")


def text_lang_dir(html: str) -> tuple[str, str]:
    """The language and direction the guide's text is in (an omitted `lang` is inherited)."""
    page_lang = re.search(r'<html lang="([^"]+)"', html).group(1)
    match = re.search(r'<div class="ds-guide"(?: lang="([^"]+)")? dir="([^"]+)">', html)
    assert match, "no guide text block"
    return match.group(1) or page_lang, match.group(2)


def content_block(html: str) -> str:
    match = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.S)
    assert match, "no article in page"
    return match.group(1)


@pytest.mark.parametrize("lang", LANGS)
def test_bundled_guides_in_every_language(bundled_site, lang):
    for slug in bundled_guides():
        html = html_of(bundled_site, lang, slug)
        assert f'<link rel="canonical" href="{page_url(lang, slug)}">' in html
        assert f'<html lang="{lang}"' in html
        expected_dir = "rtl" if lang in ("ar", "fa") else "ltr"
        assert re.search(rf'<body dir="{expected_dir}"', html)
        body = content_block(html)
        assert 'class="ds-facts"' in body and 'class="ds-steps"' in body
        assert text_lang_dir(html) == (lang, expected_dir), "translated text must carry its own lang/dir"


def test_home_page_lists_every_guide_per_language(bundled_site):
    for lang in LANGS:
        home = (bundled_site / ("" if lang == "vi" else lang) / "index.html").read_text(encoding="utf-8")
        for slug in bundled_guides():
            assert f'href="{slug}/"' in home, (lang, slug)


def test_hreflang_alternates_are_absolute_and_not_probed(bundled_site):
    slug = bundled_guides()[0]
    html = html_of(bundled_site, "en", slug)
    alternates = re.findall(r'<link rel=" alternate" href="([^"]+)" hreflang="([^"]+)">', html)
    assert {lang for _, lang in alternates} == set(LANGS)
    for href, lang in alternates:
        assert href == page_url(lang, slug)
    # Material probes <link rel=alternate>/sitemap.xml on every view: no such links remain.
    assert '<link rel="alternate" href=' not in html


def test_fallback_page_tells_the_truth(fixture_site):
    html = html_of(fixture_site, "ar", "only-vi")
    assert '<html lang="ar"' in html and '<body dir="rtl"' in html
    body = content_block(html)
    assert "لم يُترجم هذا الدليل إلى العربية بعد" in body
    assert text_lang_dir(html) == ("vi", "ltr")
    assert "Chỉ có tiếng Việt" in body


def test_translated_page_is_not_marked_fallback(fixture_site):
    body = content_block(html_of(fixture_site, "fa", "demo"))
    assert 'class="ds-notice"' not in body
    assert text_lang_dir(html_of(fixture_site, "fa", "demo")) == ("fa", "rtl")
    # Phone numbers inside Persian text are isolated so they don't read backwards.
    assert '<bdi dir="ltr">0912 345 678</bdi>' in body


def test_steps_are_numbered_in_the_readers_digits(fixture_site):
    body = content_block(html_of(fixture_site, "fa", "demo"))
    assert '<span aria-hidden="true" class="ds-step__n">۱</span>' in body
    body = content_block(html_of(fixture_site, "vi", "demo"))
    assert body.count('<li class="ds-step" id="ds-step-') == 3


def tree_digest(site: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(site.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(site)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


BAD_INPUTS = {
    "unclosed front matter": ("only-vi/index.md", lambda t: t.replace("reviewed: 2026-11-20\n---\n", "reviewed: 2026-11-20\n"),
                              "guides/only-vi/index.md:1: the front matter is never closed"),
    "yaml error": ("only-vi/index.md", lambda t: t.replace("time: 5 phút", "time: [5"), "guides/only-vi/index.md:"),
    "wrong type": ("only-vi/index.md", lambda t: t.replace("cost: Miễn phí", "cost: 0"),
                   "guides/only-vi/index.md:7: `cost` must be text"),
    "missing image": ("demo/index.md", lambda t: t.replace("phone.svg", "phone2.svg"),
                      "guides/demo/index.md:23: image 'phone2.svg' not found"),
    "broken link": ("only-vi/index.md", lambda t: t.replace("../demo/index.md", "../demo/nothing.md"),
                    "guides/only-vi/index.md:22: link '../demo/nothing.md' points to nothing"),
    "not utf-8": ("only-vi/index.md", lambda t: t.replace("Làm việc ba.", "Làm việc ba. XBADX"),
                  "guides/only-vi/index.md:26: the file is not UTF-8 text"),
    "unknown language": ("only-vi/index.de.md", None, "guides/only-vi/index.de.md:1: language 'de'"),
    "look-alike link": ("only-vi/index.md", lambda t: t.replace("Làm việc ba.", "[VNeID](https://vneid-gov.com/)"),
                        "guides/only-vi/index.md:26: 'vneid-gov.com' is not an allowed domain"),
    "hostile image": ("only-vi/index.md", lambda t: t.replace("Làm việc ba.", '<img src="file:///etc/passwd">'),
                      "guides/only-vi/index.md:26: raw HTML <img> is not allowed"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_stops_the_build_and_keeps_the_last_good_site(project, case):
    good = run_build(project)
    assert good.returncode == 0, good.stderr
    before = tree_digest(project / "site")

    name, change, expected = BAD_INPUTS[case]
    path = project / "guides" / name
    source = (project / "guides" / "only-vi" / "index.md").read_text(encoding="utf-8")
    if change is None:
        path.write_text(source, encoding="utf-8")
    else:
        text = change(path.read_text(encoding="utf-8"))
        path.write_bytes(text.encode("utf-8").replace(b"XBADX", b"\xe0"))

    bad = run_build(project)
    assert bad.returncode != 0
    assert "Traceback" not in bad.stderr
    lines = error_lines(bad.stderr)
    assert any(line.startswith(expected) for line in lines), bad.stderr
    assert all(" — " in line for line in lines), "every error says what to do"
    assert tree_digest(project / "site") == before, "the last good site must stay exactly as it was"
    assert not list(project.glob(".site-*")), "no half-built site left behind"


def test_front_matter_text_is_escaped_and_kept_left_to_right(project):
    path = project / "guides" / "demo" / "index.fa.md"
    text = path.read_text(encoding="utf-8")
    text = text.replace("  - کارت شناسایی", '  - "کارت شناسایی <CCCD>"')
    text = text.replace("where: در خانه، روی گوشی", "where: در خانه؛ تلفن 0912 345 678")
    path.write_text(text, encoding="utf-8")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    body = content_block(html_of(project / "site", "fa", "demo"))
    assert "کارت شناسایی &lt;CCCD&gt;" in body
    assert '<bdi dir="ltr">0912 345 678</bdi>' in body.split('class="ds-facts"')[1]


def test_empty_site_url_is_a_clear_error(project):
    import os

    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": ""}
    result = subprocess.run([str(BIN / "mkdocs"), "build", "--strict", "-f", str(project / "mkdocs.yml")],
                            capture_output=True, text=True, env=env, cwd=project)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "site_url is empty" in result.stderr
