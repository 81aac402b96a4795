"""`doorstep links` against a real HTTP server on 127.0.0.1.

The guides name real official hosts (dichvucong.gov.vn, www.chinhphu.vn) and a
look-alike (dichvucong.gov.vn.example.com); DOORSTEP_LINKS_RESOLVE makes the
checker connect to those names at this test's server over plain HTTP, and find
no other name (hanam.gov.vn: a DNS failure). Everything else is the real
checker: the redirects the server sends name https:// addresses on those hosts,
and each hop is judged by the allow-list of the project's mkdocs.yml
(gov.vn, chinhphu.vn, …) before anything is requested.
"""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading
import time

import pytest

from doorstep.errors import DoorstepError
from doorstep.links import collect, resolve_map
from doorstep.project import read_project

from conftest import BIN, make_project

SLOW = 10.0  # seconds the slow page takes; the checker's timeout here is 2 s (time enough for the others)
GUIDE = """---
title: Thử các liên kết
summary: Một hướng dẫn để thử các liên kết.
task: help
need:
  - Điện thoại
cost: Miễn phí
time: 5 phút trên dichvucong.gov.vn
where: Tại nhà, trên trang có đuôi .gov.vn
help: >-
  Hỏi cán bộ xã, hoặc xem
  dichvucong.gov.vn/gone
sources:
  - title: Cổng Dịch vụ công quốc gia
    url: https://dichvucong.gov.vn/ok
  - title: Trang đã xóa
    url: https://dichvucong.gov.vn/removed
reviewed: 2026-11-20
---

## Bước một

Mở [trang](https://dichvucong.gov.vn/ok) rồi [trang cũ](https://dichvucong.gov.vn/gone).

## Bước hai

Xem [trang đã chuyển](https://dichvucong.gov.vn/moved).
Xem [trang chuyển rồi mất](https://dichvucong.gov.vn/moved-gone#buoc-2).
Đừng theo [trang giả](https://dichvucong.gov.vn/to-lookalike).

## Bước ba

Thử [vòng](https://dichvucong.gov.vn/loop-a), [xa](https://dichvucong.gov.vn/hop/0), [http](https://dichvucong.gov.vn/to-http).

Thử [dấu cách](https://dichvucong.gov.vn/to-space), [chậm](https://dichvucong.gov.vn/slow), [lỗi](https://dichvucong.gov.vn/broken) và [tỉnh cũ](https://hanam.gov.vn/).
"""
F = "guides/links/index.md"
EXPECTED = [
    # errors, by line
    f"{F}:12: 404 https://dichvucong.gov.vn/gone — the page is gone: find its new address on the official site and "
    "update the guide",
    f"{F}:17: 410 https://dichvucong.gov.vn/removed — the page is gone: find its new address on the official site "
    "and update the guide",
    f"{F}:23: 404 https://dichvucong.gov.vn/gone — the page is gone: find its new address on the official site and "
    "update the guide",
    f"{F}:28: 404 https://dichvucong.gov.vn/moved-gone → https://www.chinhphu.vn/gone — the page is gone: find its "
    "new address on the official site and update the guide",
    f"{F}:29: redirect off the allow-list https://dichvucong.gov.vn/to-lookalike → "
    "https://dichvucong.gov.vn.example.com/login — the page now sends readers to dichvucong.gov.vn.example.com, "
    "which is not on the allowed domains: link to an official page that stays on the allowed domains",
    f"{F}:33: too many redirects https://dichvucong.gov.vn/hop/0 → https://dichvucong.gov.vn/hop/6 — more than 5 "
    "redirects: link to the page they end at",
    f"{F}:33: redirect loop https://dichvucong.gov.vn/loop-a → https://dichvucong.gov.vn/loop-a — the address "
    "never arrives at a page: link to the page itself",
    f"{F}:33: redirect to a non-https address https://dichvucong.gov.vn/to-http → http://dichvucong.gov.vn/ok — "
    "the page now sends readers to an address without https: link to an official page that stays on the allowed "
    "domains",
    f"{F}:35: DNS failure https://hanam.gov.vn/ — the name hanam.gov.vn no longer exists (a site of a merged or "
    "abolished office?): link to the current official page",
    # then warnings
    f"{F}:35: warning: 503 https://dichvucong.gov.vn/broken — the site has a fault: try again later",
    f"{F}:35: warning: timeout https://dichvucong.gov.vn/slow — no answer within 2 s: try again later; if it "
    "stays so, find another official page",
]


class Server:
    """The official sites (and a look-alike) as one local server; it records (host, path) of every request."""

    def __init__(self, delay: float = 0.0):
        self.requests: list[tuple[str, str]] = []
        self.delay = delay  # seconds every page but the slow one takes
        self.lock = threading.Lock()
        self.in_flight: dict[str, int] = {}  # host → requests being answered now (the slow page left out)
        self.most: dict[str, int] = {}  # host (and "all") → the most at once
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                host = (self.headers.get("Host") or "").split(":")[0]
                server.requests.append((host, self.path))
                if self.path == "/slow":
                    time.sleep(SLOW)
                else:
                    server.count(host, +1)
                    time.sleep(server.delay)
                    server.count(host, -1)
                code, location = server.answer(host, self.path)
                try:
                    self.send_response(code)
                    if location:
                        self.send_header("Location", location.encode().decode("latin-1"))  # its UTF-8 bytes
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"ok")
                except OSError:
                    pass  # the checker gave up waiting

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self, host: str, change: int) -> None:
        with self.lock:
            for key in (host, "all"):
                self.in_flight[key] = self.in_flight.get(key, 0) + change
                self.most[key] = max(self.most.get(key, 0), self.in_flight[key])

    @staticmethod
    def answer(host: str, path: str) -> tuple[int, str | None]:
        if path.startswith("/hop/"):
            return 302, f"/hop/{int(path[5:]) + 1}"  # relative: resolved against the current address
        return {
            "/gone": (404, None),
            "/removed": (410, None),
            "/broken": (503, None),
            "/moved": (301, "https://www.chinhphu.vn/ok"),
            "/moved-gone": (301, "https://www.chinhphu.vn/gone"),
            "/to-lookalike": (302, "https://dichvucong.gov.vn.example.com/login"),
            "/loop-a": (302, "/loop-b"),
            "/to-http": (302, "http://dichvucong.gov.vn/ok"),
            "/to-space": (302, "/tin tức/trang.html"),  # as some servers write it: read as a browser does
            "/loop-b": (307, "https://dichvucong.gov.vn/loop-a"),
        }.get(path, (200, None))

    @property
    def resolve(self) -> str:
        port = self.httpd.server_port
        return " ".join(f"{name}=127.0.0.1:{port}" for name in
                        ("dichvucong.gov.vn", "www.chinhphu.vn", "dichvucong.gov.vn.example.com"))

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


@pytest.fixture
def project(tmp_path):
    root = make_project(tmp_path / "p")
    (root / "guides" / "links").mkdir()
    (root / "guides" / "links" / "index.md").write_text(GUIDE, encoding="utf-8")
    return root


def links(project, server, *args):
    env = {**os.environ, "DOORSTEP_LINKS_RESOLVE": server.resolve}
    return subprocess.run([str(BIN / "doorstep"), "links", "--timeout", "2", *args], capture_output=True,
                          text=True, cwd=project, env=env, timeout=120)


def test_every_finding_is_one_line_at_the_line_it_is_written_errors_first(project, server):
    result = links(project, server)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines() == EXPECTED
    # 15 addresses: 5 that open a page (/, /p/home, /ok, /moved and /to-space after their redirect) and the 10 above.
    assert result.stdout.strip() == "15 addresses checked (0 from the last day's results): 9 errors, 2 warnings."
    # The redirect to an allowed domain was followed; the look-alike was never asked for anything.
    assert ("www.chinhphu.vn", "/ok") in server.requests
    assert ("dichvucong.gov.vn", "/tin%20t%E1%BB%A9c/trang.html") in server.requests
    assert not [r for r in server.requests if r[0] == "dichvucong.gov.vn.example.com"]
    # A redirect chain is followed hop by hop, up to the cap.
    assert [p for h, p in server.requests if p.startswith("/hop/")] == [f"/hop/{n}" for n in range(6)]


def test_json_and_a_days_cache(project, server):
    first = links(project, server, "--format", "json")
    assert first.returncode == 1
    report = json.loads(first.stdout)
    assert (report["errors"], report["warnings"], report["checked"], report["cached"]) == (9, 2, 15, 0)
    moved = next(f for f in report["findings"] if f["url"] == "https://dichvucong.gov.vn/moved-gone")
    assert moved == {"path": F, "line": 28, "level": "error", "status": "404", "code": 404,
                     "url": "https://dichvucong.gov.vn/moved-gone", "final": "https://www.chinhphu.vn/gone",
                     "hops": ["https://www.chinhphu.vn/gone"], "hint": moved["hint"]}
    lookalike = next(f for f in report["findings"] if f["status"] == "redirect off the allow-list")
    assert lookalike["code"] == 302 and lookalike["final"] == "https://dichvucong.gov.vn.example.com/login"
    cache = json.loads((project / ".cache" / "doorstep" / "links.json").read_text(encoding="utf-8"))
    assert "https://dichvucong.gov.vn/slow" not in cache["results"]  # network failures are tried again
    assert cache["results"]["https://dichvucong.gov.vn/gone"]["code"] == 404

    # The second run asks the server only what it did not answer (the slow page).
    server.requests.clear()
    second = links(project, server, "--format", "json")
    assert second.returncode == 1
    assert json.loads(second.stdout)["findings"] == report["findings"]
    assert json.loads(second.stdout)["cached"] == 13  # all but the slow page and the name that did not resolve
    assert server.requests == [("dichvucong.gov.vn", "/slow")]

    # --fresh asks again.
    server.requests.clear()
    third = links(project, server, "--fresh")
    assert third.stderr.strip().splitlines() == EXPECTED
    assert ("dichvucong.gov.vn", "/gone") in server.requests and ("www.chinhphu.vn", "/ok") in server.requests


def test_exit_codes(project, server):
    guide = project / "guides" / "links" / "index.md"
    lines = GUIDE.split("\n")
    warnings_only = [line for line in lines if "gone" not in line and "removed" not in line
                     and "Trang đã xóa" not in line and "Hỏi cán bộ" not in line and "help:" not in line]
    body = "\n".join(warnings_only)
    for name in ("moved-gone#buoc-2", "to-lookalike", "loop-a", "hop/0", "to-http"):
        body = body.replace(f"https://dichvucong.gov.vn/{name}", "https://dichvucong.gov.vn/ok")
    body = body.replace("https://hanam.gov.vn/", "https://dichvucong.gov.vn/ok")
    guide.write_text(body, encoding="utf-8")
    result = links(project, server)
    assert result.returncode == 0, result.stderr  # warnings alone do not fail…
    assert [line.split(": ")[1] for line in result.stderr.strip().splitlines()] == ["warning", "warning"]
    assert links(project, server, "--strict").returncode == 1  # …unless asked to
    guide.write_text(body.replace("https://dichvucong.gov.vn/slow", "https://dichvucong.gov.vn/ok")
                     .replace("https://dichvucong.gov.vn/broken", "https://dichvucong.gov.vn/ok"), encoding="utf-8")
    clean = links(project, server, "--strict")
    assert clean.returncode == 0 and clean.stderr == "" and clean.stdout.endswith("no problems found.\n")
    # A project that cannot be read: 2.
    (project / "mkdocs.yml").write_text("plugins: [\n", encoding="utf-8")
    broken = links(project, server)
    assert broken.returncode == 2 and broken.stderr.startswith("mkdocs.yml:") and "Traceback" not in broken.stderr


def test_addresses_are_collected_where_they_are_written(project):
    library, problems = read_project(project / "mkdocs.yml")
    assert problems == []
    places = collect(library)
    where = {url: [(p.path, p.line) for p in found] for url, found in places.items()}
    assert where["https://dichvucong.gov.vn/gone"] == [(F, 12), (F, 23)]  # a folded front-matter text; the body
    assert where["https://dichvucong.gov.vn/ok"] == [(F, 15), (F, 23)]
    assert where["https://dichvucong.gov.vn/moved-gone"] == [(F, 28)]  # the #heading is the same page
    assert (F, 8) in where["https://dichvucong.gov.vn/"]  # a host written as text: its home page
    assert "https://gov.vn/" not in where  # "an address ending in .gov.vn" names no page
    # The fixture's own guides: a source in index.md (translations inherit it) and a body link.
    assert ("guides/demo/index.md", 13) in where["https://dichvucong.gov.vn/"]
    assert where["https://dichvucong.gov.vn/p/home"] == [("guides/demo/index.md", 27), ("guides/demo/index.en.md", 26)]


def test_the_test_resolver_takes_only_loopback_addresses():
    assert resolve_map("dichvucong.gov.vn=127.0.0.1:8080") == {"dichvucong.gov.vn": ("127.0.0.1", 8080)}
    with pytest.raises(DoorstepError) as caught:
        resolve_map("dichvucong.gov.vn=10.0.0.1:80")
    assert str(caught.value).startswith("DOORSTEP_LINKS_RESOLVE:1: 'dichvucong.gov.vn=10.0.0.1:80' is not")


def test_progress_is_said_while_it_runs_long(project, server, monkeypatch):
    from doorstep import links as links_module

    monkeypatch.setenv("DOORSTEP_LINKS_RESOLVE", server.resolve)
    monkeypatch.setattr(links_module, "PROGRESS_AFTER", 0.2)
    said: list[str] = []
    library, _ = read_project(project / "mkdocs.yml")
    report = links_module.check_links(library, None, timeout=2.0, say=said.append)
    assert report.checked == 15 and report.cached == 0 and report.errors == 9
    assert said and said[0].startswith("links: ") and said[0].split(" (")[0].endswith("of 15 addresses checked")


@pytest.mark.parametrize("args,per_host,overall", [((), 2, 16), (("--per-host", "1"), 1, 16),
                                                    (("--connections", "1"), 1, 1)])
def test_requests_at_once_stay_within_the_caps(project, args, per_host, overall):
    server = Server(delay=0.3)  # every page takes a while: requests overlap as much as the caps let them
    try:
        result = links(project, server, "--fresh", *args)
        assert result.returncode == 1, result.stderr
        assert server.most["dichvucong.gov.vn"] == per_host
        assert 1 <= server.most["all"] <= overall
    finally:
        server.close()
