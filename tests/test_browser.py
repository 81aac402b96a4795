"""The built site in real headless Chromium, at a cheap phone's size (360×740).

One browser for the module; each page (a guide and the home page, in every
language) is opened once and every check below reads that same page.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from conftest import LANGS, Canary, bundled_guides

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-gpu",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 360, "height": 740}
RTL = ("ar", "fa")
SLUG = bundled_guides()[0]
PAGES = [(lang, kind) for lang in LANGS for kind in ("guide", "home")]


def path_of(lang: str, slug: str | None = None) -> str:
    prefix = "/" if lang == "vi" else f"/{lang}/"
    return prefix + (f"{slug}/" if slug else "")


# --- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="module")
def server(bundled_site):
    with Canary(bundled_site) as canary:
        yield canary


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium "
            "(the project's setup installs it; never `playwright install`)",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")


@dataclass
class Visit:
    lang: str
    kind: str
    page: object
    requests: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def open_page(browser, url: str, lang: str = "", kind: str = "") -> Visit:
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, is_mobile=True, has_touch=True)
    page = context.new_page()
    visit = Visit(lang, kind, page)
    page.on("request", lambda r: visit.requests.append(r.url))
    page.on("response", lambda r: r.status >= 400 and visit.failures.append(f"{r.status} {r.url}"))
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)
    return visit


@pytest.fixture(scope="module", params=PAGES, ids=[f"{lang}-{kind}" for lang, kind in PAGES])
def visit(request, browser, server, screenshots):
    lang, kind = request.param
    url = server.url + path_of(lang, SLUG if kind == "guide" else None)
    visit = open_page(browser, url, lang, kind)
    visit.page.screenshot(path=str(screenshots / f"{lang}-{kind}.png"), full_page=True)
    yield visit
    visit.page.context.close()


# --- checks on every page ---------------------------------------------------

# Visible boxes that stick out past the screen's right or left edge. The edges
# are those of <html>: a mobile viewport widens to show overflow, which moves
# the origin (to the left of the page in Arabic and Persian). A box clipped by
# an ancestor that hides or scrolls its overflow counts only for the part that
# ancestor shows; invisible boxes don't count.
OVERFLOW_JS = """
(width) => {
  const origin = document.documentElement.getBoundingClientRect().left;
  const roots = document.querySelectorAll('article.md-content__inner, header.md-header');
  const out = [];
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (typeof el.className === 'string' && el.className.trim())
      s += '.' + el.className.trim().split(/\\s+/).join('.');
    return s;
  };
  for (const root of roots) {
    for (const el of [root, ...root.querySelectorAll('*')]) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      const cs = getComputedStyle(el);
      if (cs.visibility !== 'visible' || cs.display === 'none') continue;
      let left = r.left, right = r.right, hidden = false;
      // <html> and <body> hand their overflow to the viewport: not a clip.
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const acs = getComputedStyle(a);
        if (acs.opacity === '0' || acs.display === 'none') { hidden = true; break; }
        if (acs.overflowX !== 'visible') {
          const ar = a.getBoundingClientRect();
          left = Math.max(left, ar.left); right = Math.min(right, ar.right);
        }
      }
      if (hidden || cs.opacity === '0' || right - left <= 0) continue;
      left -= origin; right -= origin;
      if (right > width + 0.5 || left < -0.5)
        out.push(`${describe(el)} [${Math.round(left)}, ${Math.round(right)}]`);
    }
  }
  return out;
}
"""


def test_no_horizontal_scroll(visit):
    page = visit.page
    outside = page.evaluate(OVERFLOW_JS, VIEWPORT["width"])
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= VIEWPORT["width"], f"page scrolls sideways: scrollWidth {scroll_width}; " + (
        "boxes past the screen's edge:\n" + "\n".join(outside[:20]) if outside else "")
    assert not outside, "boxes past the screen's edge:\n" + "\n".join(outside[:20])


def test_only_local_requests_and_no_errors(visit):
    foreign = [
        url for url in visit.requests
        if urlsplit(url).scheme not in ("data", "blob", "about")
        and urlsplit(url).hostname != "127.0.0.1"
    ]
    assert not foreign, "requests to other hosts:\n" + "\n".join(foreign)
    assert not visit.failures, "failed responses:\n" + "\n".join(visit.failures)
    assert visit.requests, "no request recorded at all"


def test_body_text_is_large(visit):
    small = visit.page.evaluate(
        """() => [...document.querySelectorAll(
              'article.md-content__inner :is(p, li, dd, td, summary)')]
            .map(el => [el.tagName.toLowerCase() + ' ' + (el.textContent || '').trim().slice(0, 50),
                        parseFloat(getComputedStyle(el).fontSize)])
            .filter(([, size]) => size < 16)"""
    )
    assert not small, "text under 16 px:\n" + "\n".join(f"{size}px  {text}" for text, size in small)
    count = visit.page.locator("article.md-content__inner p").count()
    assert count > 0, "no paragraph in the article"


def test_language_and_direction(visit):
    lang, body_dir = visit.page.evaluate(
        "[document.documentElement.getAttribute('lang'), document.body.getAttribute('dir')]"
    )
    assert lang == visit.lang
    assert body_dir == ("rtl" if visit.lang in RTL else "ltr")


def test_no_serious_accessibility_violation(visit):
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(visit.page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    summary = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n"
        + "\n".join(f"    {' '.join(map(str, n['target']))}" for n in v["nodes"][:8])
        for v in bad
    )
    assert not bad, f"axe violations on {visit.lang}-{visit.kind}:\n{summary}"


def test_tap_targets(visit):
    selector = ".ds-print a" if visit.kind == "guide" else "ul.ds-guides a"
    links = visit.page.locator(selector)
    assert links.count() > 0, f"no {selector!r} on the page"
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        assert box and box["height"] >= 44, f"{selector} #{i} is {box and box['height']} px tall"


# --- the language switcher --------------------------------------------------

@pytest.mark.parametrize("source,target", [("vi", "en"), ("vi", "fa"), ("en", "vi")])
def test_language_switcher_keeps_the_guide(browser, server, source, target):
    visit = open_page(browser, server.url + path_of(source, SLUG))
    page = visit.page
    try:
        button = page.locator(".md-header__option .md-select button")
        link = page.locator(f'.md-header__option a.md-select__link[hreflang="{target}"]')
        button.click()  # focuses the button: the list opens on focus-within
        link.wait_for(state="visible")
        with page.expect_navigation():
            link.click()
        page.wait_for_load_state("load")
        assert urlsplit(page.url).path == path_of(target, SLUG)
        assert page.evaluate("document.documentElement.lang") == target
        assert urljoin(page.url, "/") == server.url + "/", "left the local site"
    finally:
        page.context.close()
