"""Guides that open offline: the fixture guides built with the real `mkdocs
build`, served by Debian's nginx with the shipped configuration (its CSP
included), in real headless Chromium at 360×740 with Playwright's offline mode.

For each language: open a guide and let the worker take the page; offline, the
guide reloads, the home page opens, a guide never opened shows the offline page
(right lang/dir, listing the kept guide), the campaign-tagged address opens the
kept guide; online again after a rebuild that changed the guide's text, one
reload shows the new text and only the new version's cache is left; "Keep
every guide" then lets every guide of the language open offline. No request
goes to another host, and the page meets no CSP violation.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import json
import re
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from conftest import LANGS, REPO, make_project, run_build

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 360, "height": 740}
GUIDE, OTHER = "demo", "only-vi"  # tests/fixtures/guides: demo is in vi, en, fa (ar shows the Vietnamese)
SOURCE = {"vi": "index.md", "en": "index.en.md", "ar": "index.md", "fa": "index.fa.md"}  # demo's text in each

KEPT_JS = """async () => {
  const out = [];
  for (const name of await caches.keys())
    for (const request of await (await caches.open(name)).keys()) out.push(request.url);
  return out;
}"""


def prefix(lang: str) -> str:
    return "/" if lang == "vi" else f"/{lang}/"


def strings(lang: str) -> dict:
    own = yaml.safe_load((REPO / "src/doorstep/locales" / f"{lang}.yml").read_text(encoding="utf-8"))
    return {**yaml.safe_load((REPO / "src/doorstep/locales/en.yml").read_text(encoding="utf-8")), **own}


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = make_project(tmp_path_factory.mktemp("offline") / "project")
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def server(project, tmp_path_factory):
    from test_nginx import BROTLI_MODULE, NGINX, Nginx

    if not (NGINX.exists() and BROTLI_MODULE.exists()):
        pytest.fail("nginx and libnginx-mod-http-brotli-static are missing: `make test` installs them "
                    "(scripts/setup test)", pytrace=False)
    with Nginx(project / "site", tmp_path_factory.mktemp("nginx")) as nginx:
        yield nginx


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the project's setup installs Debian's chromium", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def until(page, js: str, arg=None, timeout_ms: int = 15000):
    """Poll `js` until it is truthy (Playwright's wait_for_function evaluates
    strings, which the site's CSP rightly forbids)."""
    for _ in range(timeout_ms // 100):
        value = page.evaluate(js, arg)
        if value:
            return value
        page.wait_for_timeout(100)
    raise AssertionError(f"never true: {js} ({arg!r})")


def kept_urls(page) -> list[str]:
    return page.evaluate(KEPT_JS)


def wait_kept(page, urls: list[str], timeout_ms: int = 15000) -> None:
    for _ in range(timeout_ms // 100):
        if set(urls) <= set(kept_urls(page)):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"not kept: {sorted(set(urls) - set(kept_urls(page)))}")


def picture_shows(page) -> bool:
    page.locator("article img").first.scroll_into_view_if_needed()
    until(page, "() => [...document.querySelectorAll('article img')].every(i => i.complete)")
    return page.evaluate("() => [...document.querySelectorAll('article img')].every(i => i.naturalWidth > 0)")


def test_the_worker_and_manifests_are_built(project):
    site = project / "site"
    worker = (site / "sw.js").read_text(encoding="utf-8")
    version = re.search(r'"version":"([0-9a-f]{16})"', worker).group(1)
    assert '"scope":"/"' in worker and '"langs":["ar","en","fa"]' in worker
    for lang in LANGS:
        folder = site / prefix(lang).strip("/")
        manifest = json.loads((folder / "offline.json").read_text(encoding="utf-8"))
        assert set(manifest["pages"]) == {prefix(lang) + f"{GUIDE}/", prefix(lang) + f"{OTHER}/"}
        assert f"/{GUIDE}/phone.svg" in manifest["files"] and f"/search/{lang}.json" in manifest["files"]
        assert not [f for f in manifest["files"] if f.endswith(".pdf")]
        # the size the home page states is the sum of the files as served gzip-compressed
        served = [folder / url.removeprefix(prefix(lang)) / "index.html" for url in manifest["pages"]]
        served += [site / f.lstrip("/") for f in manifest["files"]]
        total = sum(min(p.stat().st_size, len(gzip.compress(p.read_bytes(), 9, mtime=0))) if p.suffix != ".png"
                    else p.stat().st_size for p in served)
        assert abs(manifest["bytes"] - total) < 64 * len(served), (manifest["bytes"], total)
        home = (folder / "index.html").read_text(encoding="utf-8")
        assert "\ue000" not in home and 'id="ds-keep"' in home
        offline = (folder / "offline.html").read_text(encoding="utf-8")
        assert f'lang="{lang}"' in offline and strings(lang)["offline_title"] in offline
    # the same site gives the same worker; a changed file gives another version
    (project / "guides" / GUIDE / "index.en.md").write_text(
        (project / "guides" / GUIDE / "index.en.md").read_text(encoding="utf-8"), encoding="utf-8")
    assert run_build(project).returncode == 0
    assert re.search(r'"version":"([0-9a-f]{16})"', (site / "sw.js").read_text(encoding="utf-8")).group(1) == version


def test_sw_js_is_served_to_be_checked_every_time(server):
    with urllib.request.urlopen(server.url + "/sw.js", timeout=10) as response:
        assert response.headers["Cache-Control"] == "no-cache"
        assert response.headers["Content-Type"].startswith("application/javascript")
        assert "worker-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize("lang", LANGS)
def test_guides_open_offline(project, server, browser, lang):
    t = strings(lang)
    base = server.url + prefix(lang)
    guide_url, other_url = base + f"{GUIDE}/", base + f"{OTHER}/"
    context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, is_mobile=True, has_touch=True)
    context.add_init_script("window.__violations = [];"
                            "document.addEventListener('securitypolicyviolation',"
                            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    page = context.new_page()
    try:
        # 1. A guide opened once: the worker takes the page and keeps it, its
        #    picture, and the language's home page, offline page and guide list.
        page.goto(guide_url)
        until(page, "() => navigator.serviceWorker.controller !== null")
        wait_kept(page, [guide_url, base, base + "offline.html", base + "offline.json",
                         server.url + f"/{GUIDE}/phone.svg"])
        title = page.inner_text("article h1")
        text = page.inner_text("article")
        assert page.evaluate("window.__violations") == []

        # 2. Offline: the same guide reloads, with its picture.
        context.set_offline(True)
        page.reload()
        assert page.inner_text("article h1") == title and page.inner_text("article") == text
        assert picture_shows(page)

        # 3. The language's home page.
        page.goto(base)
        assert page.inner_text("article h1") != t["offline_title"]
        assert title in page.locator(".ds-guides").first.inner_text()
        assert page.evaluate("document.documentElement.lang") == lang

        # 4. A guide never opened: the offline page, in the reader's language, listing the kept guide.
        page.goto(other_url)
        assert page.evaluate("location.href") == other_url
        assert page.inner_text("article h1") == t["offline_title"]
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.evaluate("document.body.dir") == ("rtl" if lang in ("ar", "fa") else "ltr")
        listed = page.locator("#ds-kept a")
        listed.first.wait_for()
        assert listed.count() == 1
        assert listed.first.get_attribute("href") == guide_url and listed.first.inner_text() == title
        assert not page.locator("#ds-none").is_visible()

        # 4b. The same with the offline page itself not kept (a first view cut
        #     short): a bare page made by the worker, still in the reader's language.
        assert page.evaluate("async (url) => (await caches.open((await caches.keys())[0])).delete(url)",
                             base + "offline.html")
        page.goto(other_url)
        assert page.inner_text("h1") == t["offline_title"]
        assert page.evaluate("[document.documentElement.lang, document.documentElement.dir]") == [
            lang, "rtl" if lang in ("ar", "fa") else "ltr"]
        assert page.get_attribute("a", "href") == base and page.inner_text("a") == t["not_found_home"]

        # 5. The campaign-tagged address a QR code carries.
        page.goto(guide_url + "?c=test")
        assert page.inner_text("article h1") == title and page.inner_text("article") == text

        # 6. Online after a rebuild that changed the guide: one reload shows the
        #    new text, and the old version's cache is gone.
        old_caches = page.evaluate("caches.keys()")
        assert len(old_caches) == 1
        source = project / "guides" / GUIDE / SOURCE[lang]
        marker = f"Rebuilt-{lang}-marker"
        source.write_text(source.read_text(encoding="utf-8").rstrip("\n") + f" {marker}\n", encoding="utf-8")
        result = run_build(project)
        assert result.returncode == 0, result.stderr
        context.set_offline(False)
        page.reload()
        assert marker in page.inner_text("article")
        for _ in range(150):
            now = page.evaluate("caches.keys()")
            if len(now) == 1 and now != old_caches:
                break
            page.wait_for_timeout(100)
        assert len(now) == 1 and now != old_caches, (old_caches, now, page.evaluate("""async () => {
            const r = await navigator.serviceWorker.getRegistration();
            return [r.active && r.active.state, r.waiting && r.waiting.state, r.installing && r.installing.state]; }"""))

        # 7. "Keep every guide", its size stated first; then every guide opens offline.
        page.goto(base)
        box = page.locator("#ds-keep")
        box.wait_for(state="visible")
        assert re.search(r"[0-9\u0660-\u0669\u06f0-\u06f9]+ KB", box.locator("p").first.inner_text())
        box.locator("button").click()
        until(page, "(done) => document.querySelector('#ds-keep [role=status]').textContent === done",
              t["keep_done"], timeout_ms=30000)
        manifest = json.loads((project / "site" / prefix(lang).strip("/") / "offline.json").read_text("utf-8"))
        kept = kept_urls(page)
        assert {server.url + path for path in manifest["pages"]} <= set(kept)
        assert all(url.startswith(server.url + "/") and not url.endswith(".pdf") and "?" not in url for url in kept)
        context.set_offline(True)
        for path, (guide_title, _text_lang) in manifest["pages"].items():
            page.goto(server.url + path)
            assert page.inner_text("article h1") == guide_title, path
            if page.locator("article img").count():
                assert picture_shows(page), path
        page.goto(server.url + prefix(lang) + f"{GUIDE}/")
        assert marker in page.inner_text("article")
        # Search, offline too: its index and workers were kept with the guides.
        initial = page.inner_text(".md-search-result__meta")
        page.click('label.md-header__button[for="__search"]')
        page.locator("input.md-search__input").type("VNeID", delay=20)
        until(page, "(initial) => document.querySelector('.md-search-result__meta').textContent.trim() !== initial",
              initial.strip())
        if manifest["pages"][guide_url.removeprefix(server.url)][1] == lang:  # ar: demo is not translated,
            until(page, "() => document.querySelector('.md-search-result__item a')")  # so not in ar's index
            assert page.locator(".md-search-result__item a").first.get_attribute("href").endswith(f"/{GUIDE}/")
        assert page.evaluate("window.__violations") == []
    finally:
        context.close()
    outside = [url for url in requests if not url.startswith((server.url + "/", "data:", "blob:"))]
    assert requests and not outside, outside


class SlowSite:
    """The built site over http.server on 127.0.0.1, with one page that can be
    made slow: it then answers after `seconds`, with SLOW added to its heading."""

    def __init__(self, root: Path):
        self.slow: tuple[str, float] | None = None
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self):
                if outer.slow and urlsplit(self.path).path == outer.slow[0]:
                    time.sleep(outer.slow[1])
                    body = (root / outer.slow[0].strip("/") / "index.html").read_bytes()
                    body = body.replace(b"</h1>", b" SLOW</h1>", 1)
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    self.wfile.write(body)
                    return
                super().do_GET()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_a_slow_network_gets_the_kept_page_and_the_late_answer_is_kept(tmp_path, browser):
    """Network first, but not for ever: a page that takes longer than the
    worker's wait (3 s) shows as kept; the answer that comes later is kept for
    the next time. (No timing is asserted: which text shows tells.)"""
    root = make_project(tmp_path / "project")
    assert run_build(root).returncode == 0
    with SlowSite(root / "site") as server:
        context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
        page = context.new_page()
        try:
            guide_url = server.url + f"/en/{GUIDE}/"
            page.goto(guide_url)
            until(page, "() => navigator.serviceWorker.controller !== null")
            wait_kept(page, [guide_url])
            title = page.inner_text("article h1")
            server.slow = (f"/en/{GUIDE}/", 8)
            page.reload(timeout=20000)
            assert page.inner_text("article h1") == title  # the kept copy, not the slow answer
            until(page, """async (url) => {
                const kept = await caches.match(url);
                return kept && (await kept.text()).includes(' SLOW</h1>');
            }""", guide_url, timeout_ms=20000)
            context.set_offline(True)
            page.reload()
            assert page.inner_text("article h1") == f"{title} SLOW"
        finally:
            context.close()
