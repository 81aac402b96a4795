"""The shipped nginx configuration (deploy/nginx/), with Debian's real nginx
started by the test as its own process on 127.0.0.1, over the built site:
precompressed responses, content types, caching, headers, the 404 page in the
reader's language, and pages in real headless Chromium with no CSP violation.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import tinyhtml5

from conftest import LANGS, REPO, bundled_guides

sys.path.insert(0, str(REPO / "scripts"))
from _served import BROTLI_MODULE, NGINX, Nginx  # noqa: E402  (one way to start the shipped nginx: the bench's too)

DEPLOY = REPO / "deploy" / "nginx"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0.0.0 Mobile Safari/537.36")
SLUG = bundled_guides()[0]


@pytest.fixture(scope="module")
def nginx(bundled_site, tmp_path_factory):
    if not (NGINX.exists() and BROTLI_MODULE.exists()):
        pytest.fail("nginx and libnginx-mod-http-brotli-static are missing: `make test` installs them "
                    "(scripts/setup test)", pytrace=False)
    site = tmp_path_factory.mktemp("served") / "site"
    shutil.copytree(bundled_site, site)
    (site / "test.webmanifest").write_text('{"name": "doorstep"}', encoding="utf-8")
    prefix = tmp_path_factory.mktemp("nginx")
    with Nginx(site, prefix) as server:
        yield server


def get(server: Nginx, path: str, encoding: str = "identity", method: str = "GET", agent: str = PHONE):
    request = urllib.request.Request(server.url + path, method=method,
                                     headers={"Accept-Encoding": encoding, "User-Agent": agent})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def page_path(lang: str, slug: str = "") -> str:
    return ("/" if lang == "vi" else f"/{lang}/") + (f"{slug}/" if slug else "")


# ---------------------------------------------------------------- HTTP

@pytest.mark.parametrize("lang", LANGS)
def test_pages_are_served_precompressed(nginx, lang):
    status, plain_headers, plain = get(nginx, page_path(lang, SLUG))
    assert status == 200 and "Content-Encoding" not in plain_headers
    status, headers, body = get(nginx, page_path(lang, SLUG), "br, gzip")
    assert status == 200 and headers["Content-Encoding"] == "br"
    import brotli

    assert brotli.decompress(body) == plain and len(body) < len(plain) / 3
    status, headers, body = get(nginx, page_path(lang, SLUG), "gzip")
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
    assert "Accept-Encoding" in headers.get("Vary", "")
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_content_types_and_caching(nginx):
    html = get(nginx, page_path("en", SLUG))[2].decode("utf-8")
    tree = tinyhtml5.parse(html, namespace_html_elements=False)
    # Material's bundle, which the page loads when search opens (its loader names it)
    script = next(s.get("data-src") for s in tree.iter("script") if "bundle" in (s.get("data-src") or ""))
    sheet = next(s.get("href") for s in tree.iter("link") if "main." in (s.get("href") or ""))
    base = page_path("en", SLUG)
    cases = {
        urllib.parse.urljoin(base, script): ("application/javascript", "immutable"),
        urllib.parse.urljoin(base, sheet): ("text/css", "immutable"),
        "/search/en.json": ("application/json", "no-cache"),
        f"/{SLUG}/{next(p.name for p in (REPO / 'guides' / SLUG).glob('*.svg'))}": ("image/svg+xml", "no-cache"),
        f"/en/{SLUG}/{SLUG}.pdf": ("application/pdf", "no-cache"),
        "/test.webmanifest": ("application/manifest+json", "no-cache"),
        base: ("text/html", "no-cache"),
    }
    for path, (kind, cache) in cases.items():
        status, headers, _ = get(nginx, path, "br, gzip")
        assert status == 200, path
        assert headers["Content-Type"].split(";")[0] == kind, (path, headers["Content-Type"])
        assert cache in headers["Cache-Control"], (path, headers["Cache-Control"])
        assert headers["X-Content-Type-Options"] == "nosniff", path
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin", path
        if kind in ("text/css", "application/javascript", "application/json"):
            # Governed by the page's policy: no copy of it on each of them (deploy/nginx/doorstep-http.conf).
            assert "Content-Security-Policy" not in headers, path
        else:
            assert "default-src 'self'" in headers["Content-Security-Policy"], path
    # A worker runs under its own response's policy: /sw.js keeps it.
    assert "worker-src 'self'" in get(nginx, "/sw.js")[1]["Content-Security-Policy"]
    assert "max-age=31536000" in get(nginx, urllib.parse.urljoin(base, script))[1]["Cache-Control"]


@pytest.mark.parametrize("lang,path", [(lang, page_path(lang) + "no-such-guide/") for lang in LANGS]
                         + [("vi", "/vi/vneid/"), ("vi", "/de/no-such-guide/"), ("en", "/en/nothing.pdf")])
def test_a_missing_page_shows_the_404_page_of_the_readers_language(nginx, lang, path):
    status, headers, body = get(nginx, path)
    assert status == 404
    root = tinyhtml5.parse(body.decode("utf-8"), namespace_html_elements=False)
    assert root.get("lang") == lang
    body_element = root.find("body")
    assert (body_element.get("dir") or root.get("dir")) == ("rtl" if lang in ("ar", "fa") else "ltr")
    assert headers["X-Content-Type-Options"] == "nosniff" and "Content-Security-Policy" in headers


def test_the_csp_allows_exactly_the_inline_scripts_of_the_built_site(bundled_site):
    """The shipped CSP lists the hash of every inline script any page has: a
    change to one of them fails here, with the line to write."""
    found = set()
    for path in bundled_site.rglob("*.html"):
        root = tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)
        for script in root.iter("script"):
            if script.get("src") is None and script.get("type") != "application/json":
                digest = hashlib.sha256((script.text or "").encode("utf-8")).digest()
                found.add("'sha256-" + base64.b64encode(digest).decode() + "'")
    shipped = (DEPLOY / "doorstep-headers.conf").read_text(encoding="utf-8")
    listed = {part.rstrip(';') for part in shipped.split() if part.startswith("'sha256-")}
    assert listed == found, ("deploy/nginx/doorstep-headers.conf: write script-src 'self' "
                             + " ".join(sorted(found)))


# ---------------------------------------------------------------- in the browser

@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.mark.browser
@pytest.mark.parametrize("lang", LANGS)
def test_pages_through_nginx_have_no_csp_violation_and_their_pamphlet_downloads(nginx, browser, lang):
    context = browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True,
                                  accept_downloads=True, user_agent=PHONE)
    context.add_init_script("window.__violations = [];"
                            "document.addEventListener('securitypolicyviolation',"
                            " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));")
    page = context.new_page()
    console = []
    page.on("console", lambda message: console.append(message.text))
    encodings = []
    page.on("response", lambda response: encodings.append(
        (response.url, (response.headers.get("content-encoding") or ""), response.headers.get("content-type"))))
    for path in (page_path(lang, SLUG), page_path(lang), page_path(lang) + "missing/"):
        page.goto(nginx.url + path)
        page.wait_for_load_state("load")
        if path == page_path(lang, SLUG):  # search: its worker and its index load too
            page.locator("label[for='__search']").first.click()
            page.locator("input[data-md-component='search-query']").fill("VNeID")
            page.wait_for_timeout(800)
        assert page.evaluate("window.__violations") == [], (path, page.evaluate("window.__violations"))
    assert not [text for text in console if "Content Security Policy" in text], console
    text_responses = [(url, enc) for url, enc, kind in encodings
                      if kind and kind.split(";")[0] in ("text/html", "text/css", "application/javascript",
                                                         "application/json")]
    assert text_responses and all(enc == "br" for _url, enc in text_responses), text_responses
    page.goto(nginx.url + page_path(lang, SLUG))
    with page.expect_download() as info:
        page.locator("a[download][href$='.pdf']").first.click()
    saved = Path(info.value.path())
    assert saved.read_bytes().startswith(b"%PDF")
    context.close()


# ---------------------------------------------------------------- nginx's own log, read by doorstep report

def request(server: Nginx, method: str, path: str, agent: str = PHONE) -> int:
    """One request as it comes, redirects not followed."""
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request(method, path, headers={"User-Agent": agent, "Accept-Encoding": "br, gzip"})
    status = connection.getresponse().status
    connection.close()
    return status


def test_doorstep_report_counts_the_visits_made_through_nginx(nginx, tmp_path):
    """Scripted visits with and without a campaign tag (and a crawler, HEAD
    requests, assets, a 404 and a redirect) through nginx with the shipped log
    format; `doorstep report` on nginx's own log counts exactly the readers."""
    import json
    import sys

    tag = "hung-vu-2026-04"  # pamphlets/campaigns/hung-vu-2026-04.yml: Xã Hưng Vũ
    other = "commune-zalo"
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    with Nginx(nginx.site, prefix) as server:
        made = [
            *[("GET", f"/vneid/?c={tag}", 200)] * 3,
            *[("GET", f"/en/vneid/?c={tag}", 200)] * 2,
            ("GET", f"/fa/{other}/?c={tag}", 200),
            *[("GET", "/vneid/", 200)] * 2,
            ("GET", "/ar/vneid/", 200),
            ("GET", "/vneid/index.html", 200),
            # not readers arriving at a guide:
            ("HEAD", f"/vneid/?c={tag}", 200),
            ("GET", f"/vneid/vneid.pdf?c={tag}", 200),
            ("GET", f"/no-such-guide/?c={tag}", 404),
            ("GET", f"/en/vneid?c={tag}", 301),
            ("GET", "/search/vi.json", 200),
        ]
        for method, path, expected in made:
            assert request(server, method, path) == expected, path
        bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        assert request(server, "GET", f"/vneid/?c={tag}", agent=bot) == 200
    log = prefix / "access.log"
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(made) + 1
    assert not [line for line in lines if line.startswith("127.0.0.1 ")], "the log keeps a full IP address"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": "https://doorstep.example.org/"}
    result = subprocess.run([str(Path(sys.executable).parent / "doorstep"), "report", str(log), "--format", "json",
                             "-f", str(REPO / "mkdocs.yml")], capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "127.0.0.1" not in result.stdout and "Googlebot" not in result.stdout and "Android" not in result.stdout
    report = json.loads(result.stdout)
    campaign = next(c for c in report["campaigns"] if c["tag"] == tag)
    assert campaign["commune"] == "Xã Hưng Vũ"
    arrivals = {(a["guide"], a["lang"]): a["count"] for a in campaign["arrivals"]}
    assert arrivals == {("vneid", "vi"): 3, ("vneid", "en"): 2, (other, "fa"): 1}
    assert len({a["week"] for a in campaign["arrivals"]}) == 1
    visits = {(v["guide"], v["lang"]): v["count"] for v in report["visits"]}
    assert visits == {("vneid", "vi"): 6, ("vneid", "en"): 2, (other, "fa"): 1, ("vneid", "ar"): 1}
