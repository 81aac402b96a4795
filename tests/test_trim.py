"""Material's stylesheet trimmed at build time (site/trim.py) and its script
loaded only when search opens (overrides/assets/javascripts/doorstep-material.js),
checked on the real build in real headless Chromium at 360×740.

The trimmed stylesheet must keep every rule a page uses: each page type, in
each language, in each state a reader brings about (drawer and search open,
results shown, scrolled, a wide screen), is opened with Material's whole
stylesheet served in place of the trimmed one, and every rule Chromium's CSS
coverage reports used must be in the trimmed file.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
import tinyhtml5

from conftest import LANGS
from test_browser import RTL, SLUG, VIEWPORT, browser, path_of, server  # noqa: F401  (shared fixtures)
from doorstep.site import trim

MATERIAL = Path(__import__("material").__file__).parent / "templates"
TRIMMED_RE = re.compile(r"assets/stylesheets/main\.[0-9a-f]{8}\.min\.css$")
BUNDLE = trim.material_asset([MATERIAL], "assets/javascripts/bundle.*.min.js")
STATES = ("guide", "home", "404", "drawer", "search", "scrolled", "wide")


def parse(path: Path):
    return tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)


def trimmed_sheet(site: Path) -> Path:
    [sheet] = [p for p in (site / trim.SHEET).glob("main.*.min.css")]
    return sheet


def normal(css: str) -> str:
    return css.replace("/**/", "").strip()


# ---------------------------------------------------------------- the build

def test_every_page_links_the_trimmed_stylesheet_and_no_material_script(bundled_site):
    sheet = trimmed_sheet(bundled_site)
    material = trim.material_stylesheet([MATERIAL])
    assert TRIMMED_RE.search(sheet.as_posix()) and sheet.name != material.name
    assert len(sheet.read_bytes()) < len(material.read_bytes()) / 2
    assert not (bundled_site / trim.SHEET / material.name).exists(), "Material's whole stylesheet is still published"
    pages = sorted(bundled_site.rglob("*.html"))
    assert len(pages) >= len(LANGS) * 3
    for path in pages:
        root = parse(path)
        sheets = [link.get("href") for link in root.iter("link") if "stylesheet" in (link.get("rel") or "")]
        mains = [href for href in sheets if "/main." in "/" + href]
        assert len(mains) == 1 and TRIMMED_RE.search(mains[0]), (path, sheets)
        assert (path.parent / mains[0]).resolve() == sheet.resolve() or mains[0].startswith("/"), (path, mains[0])
        # First paint never waits for Material's script: no <script src> of it at all.
        sources = [s.get("src") for s in root.iter("script") if s.get("src")]
        assert not [src for src in sources if "bundle." in src], (path, sources)
        loaders = [s for s in root.iter("script") if (s.get("data-src") or "").endswith(Path(BUNDLE).name)]
        # The offline page has no search, so nothing of Material's script (docs/offline.md).
        assert len(loaders) == (0 if path.name == "offline.html" else 1), path


def test_trim_keeps_rules_by_state_not_by_the_static_page():
    """Unit: what a selector is matched as."""
    import tinycss2

    def static(selector: str) -> str:
        return trim.static_selector(tinycss2.parse_component_value_list(selector))

    assert static("[data-md-toggle=drawer]:checked~.md-container") == "[data-md-toggle=drawer]~.md-container"
    assert static(".md-nav__link:not(:hover)") == ".md-nav__link"
    assert static(".x>:hover") == ".x>*"
    assert static(".md-typeset a::before") == ".md-typeset a"
    assert static(".x :is(:focus,:hover) .y") == ".x * .y"
    assert static("li:first-child") == "li"  # scripts insert elements: a position is a state
    assert static(":root") == ":root" and static(":lang(ar) p") == ":lang(ar) p"
    assert static(".md-typeset :not(pre)>code") == ".md-typeset :not(pre)>code"
    css = ".a{color:red}.b:hover{color:blue}@media screen{.c{x:y}.a{x:z}}.md-search-result__item{x:y}" \
          "@keyframes k{0%{opacity:0}}@keyframes used{0%{opacity:0}}.a:after{animation:used 1s}"
    root = tinyhtml5.parse('<p class="a b">x', namespace_html_elements=False)
    result = trim.trim_css(css, [root])
    assert result.css == (".a{color:red}.b:hover{color:blue}@media screen{.a{x:z}}.md-search-result__item{x:y}"
                          "@keyframes used{0%{opacity:0}}.a:after{animation:used 1s}")


# ---------------------------------------------------------------- coverage in Chromium

def url_of(server, lang: str, state: str) -> str:  # noqa: F811
    if state == "home":
        return server.url + path_of(lang)
    if state == "404":
        return server.url + path_of(lang) + "404.html"
    return server.url + path_of(lang, SLUG)


def bring_about(page, state: str) -> None:
    """Put the page in `state`, as a reader would."""
    if state == "drawer":
        page.click('label.md-header__button[for="__drawer"]')
        page.locator(".md-nav--primary").first.wait_for(state="visible")
        page.wait_for_timeout(400)  # the drawer slides in
    elif state == "search":
        page.click('label.md-header__button[for="__search"]')
        page.keyboard.type("VNeID", delay=20)
        page.wait_for_selector(".md-search-result__item", timeout=15000)
        page.locator(".md-search-result__item").first.hover()
        page.wait_for_timeout(300)
    elif state == "scrolled":
        page.mouse.wheel(0, 1500)
        page.wait_for_timeout(300)
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_timeout(300)
        page.locator(".md-content a").first.focus()


@pytest.mark.browser
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("lang", LANGS)
def test_trimmed_stylesheet_keeps_every_rule_chromium_uses(browser, server, bundled_site, lang, state):  # noqa: F811
    """Material's whole stylesheet is served in place of the trimmed one; every
    rule of it that Chromium's coverage finds used is in the trimmed file."""
    material = trim.material_stylesheet([MATERIAL]).read_text(encoding="utf-8")
    kept = normal(trimmed_sheet(bundled_site).read_text(encoding="utf-8"))
    viewport = {"width": 1280, "height": 800} if state == "wide" else VIEWPORT
    context = browser.new_context(viewport=viewport, is_mobile=state != "wide", has_touch=state != "wide")
    context.route(TRIMMED_RE, lambda route: route.fulfill(status=200, content_type="text/css", body=material))
    page = context.new_page()
    try:
        cdp = context.new_cdp_session(page)
        sheets: dict[str, str] = {}
        cdp.on("CSS.styleSheetAdded", lambda e: sheets.__setitem__(e["header"]["styleSheetId"],
                                                                   e["header"]["sourceURL"]))
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        cdp.send("CSS.startRuleUsageTracking")
        page.goto(url_of(server, lang, state), wait_until="load")
        page.wait_for_load_state("networkidle")
        bring_about(page, state)
        usage = cdp.send("CSS.stopRuleUsageTracking")["ruleUsage"]
        [main_id] = [sid for sid, url in sheets.items() if TRIMMED_RE.search(urlsplit(url).path)]
        text = cdp.send("CSS.getStyleSheetText", {"styleSheetId": main_id})["text"]
        assert text == material, "the page did not get Material's whole stylesheet"
        used = {normal(text[u["startOffset"]:u["endOffset"]]) for u in usage
                if u["styleSheetId"] == main_id and u["used"]}
        assert len(used) > 50, f"coverage found only {len(used)} used rules"
        missing = sorted(rule for rule in used if rule not in kept)
        assert not missing, (f"{lang} {state}: rules used but trimmed away (add them to site/trim.py's "
                             "SAFELIST):\n" + "\n".join(missing))
    finally:
        context.close()


# ---------------------------------------------------------------- Material's script, when search opens

def requests_of(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(urlsplit(request.url).path))
    return seen


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_search_loads_materials_script_when_opened_and_finds(browser, server, lang):  # noqa: F811
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    page = context.new_page()
    seen = requests_of(page)
    try:
        page.goto(server.url + path_of(lang, SLUG), wait_until="load")
        page.wait_for_load_state("networkidle")
        assert not [path for path in seen if "/bundle." in path], "Material's script loaded before search opened"
        assert page.evaluate("document.documentElement.className") == "js"
        page.click('label.md-header__button[for="__search"]')
        assert page.evaluate("document.activeElement.dataset.mdComponent") == "search-query"
        page.keyboard.type("VNeID", delay=20)  # typed while the script still loads
        page.wait_for_selector(".md-search-result__item a", timeout=15000)
        results = page.eval_on_selector_all(".md-search-result__item > a", "els => els.map(e => e.href)")
        prefix = "/" if lang == "vi" else f"/{lang}/"
        assert results and all(urlsplit(r).path.startswith(prefix) for r in results), results
        assert [path for path in seen if "/bundle." in path] == ["/" + BUNDLE]
    finally:
        context.close()


@pytest.mark.browser
def test_search_key_opens_search(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(server.url + path_of("en", SLUG))
        page.wait_for_load_state("networkidle")
        page.keyboard.press("/")
        assert page.evaluate("document.getElementById('__search').checked")
        page.keyboard.type("VNeID", delay=20)
        page.wait_for_selector(".md-search-result__item a", timeout=15000)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_drawer_and_language_menu_work_without_materials_script(browser, server, lang):  # noqa: F811
    """With Material's script blocked outright, a reader still opens the drawer,
    follows a link in it, and changes language."""
    context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    context.route(re.compile(r"/bundle\.[0-9a-f]+\.min\.js$"), lambda route: route.abort())
    page = context.new_page()
    try:
        page.goto(server.url + path_of(lang, SLUG))
        page.wait_for_load_state("networkidle")
        nav = page.locator(".md-nav--primary > .md-nav__list > .md-nav__item > a.md-nav__link").nth(1)

        def on_screen() -> bool:
            box = nav.bounding_box()
            return bool(nav.is_visible() and box and 0 <= box["x"] < VIEWPORT["width"] - 10)

        assert not on_screen(), "the drawer is open before it is tapped"
        page.click('label.md-header__button[for="__drawer"]')
        page.wait_for_timeout(400)  # it slides in
        assert on_screen(), "the drawer did not open"
        target = nav.get_attribute("href")
        with page.expect_navigation():
            nav.click()
        assert page.url == urljoin(server.url + path_of(lang, SLUG), target)
        # The language menu: opens on focus, each entry is a link.
        page.goto(server.url + path_of(lang, SLUG))
        other = "en" if lang != "en" else "fa"
        page.locator(".md-header__option .md-select button").click()
        link = page.locator(f'.md-header__option a.md-select__link[hreflang="{other}"]')
        link.wait_for(state="visible")
        with page.expect_navigation():
            link.click()
        assert urlsplit(page.url).path == path_of(other, SLUG)
        assert page.evaluate("document.documentElement.lang") == other
        assert page.evaluate("document.body.dir") == ("rtl" if other in RTL else "ltr")
    finally:
        context.close()
