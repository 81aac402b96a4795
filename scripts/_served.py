"""The built site as a real host serves it, for scripts/bench_site: Debian's
nginx with the shipped configuration (deploy/nginx/, precompressed files),
started as its own process on 127.0.0.1 (by the bench and by tests/test_nginx.py),
with one more access log that records what each response cost on the wire.

- `first_visit()`: a guide page opened in real headless Chromium by a new
  visitor (empty cache, 360×740 phone); every response nginx sent, counted at
  its size on the wire (`$bytes_sent`: headers and body as sent, compressed),
  including what a service worker fetches in the background: the page is
  left until the network is idle, then a few seconds more.
- `keep_every_guide()`: the size of "Keep every guide" per language, from the
  offline manifest (`<lang>/offline.json`) when the site has one.
- `lighthouse()`: Lighthouse (npm, scripts/lighthouse/, installed by
  `scripts/setup bench`) on a page: mobile, default (simulated) throttling.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NGINX = Path("/usr/sbin/nginx")
BROTLI_MODULE = Path("/usr/lib/nginx/modules/ngx_http_brotli_static_module.so")
DEPLOY = REPO / "deploy" / "nginx"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu", "--no-first-run"]
LIGHTHOUSE = REPO / "scripts" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
PHONE = ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/124.0.0.0 Mobile Safari/537.36")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx with deploy/nginx/'s configuration over `site`, as this process's child: the bench's
    server and tests/test_nginx.py's (one way to start the shipped configuration).
    `prefix`: the folder for its configuration and logs (a temporary one, removed on exit, if None)."""

    def __init__(self, site: Path, prefix: Path | None = None):
        if not (NGINX.exists() and BROTLI_MODULE.exists()):
            raise SystemExit("nginx and libnginx-mod-http-brotli-static are missing — run scripts/setup test")
        self.site, self.port = site, _free_port()
        self._own_prefix = prefix is None
        self.prefix = Path(tempfile.mkdtemp(prefix="doorstep-nginx-")) if prefix is None else prefix
        self.access_log = self.prefix / "access.log"  # the shipped `doorstep` format (doorstep report reads it)
        self.wire_log = self.prefix / "wire.log"      # what each response cost on the wire
        for name in ("doorstep-http.conf", "doorstep-site.conf", "doorstep-headers.conf"):
            shutil.copy(DEPLOY / name, self.prefix / name)
        user = "user root;\n" if os.geteuid() == 0 else ""
        temp = "\n".join(f"    {kind}_temp_path {self.prefix / kind};"
                         for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (self.prefix / "nginx.conf").write_text(f"""
load_module {BROTLI_MODULE};
{user}daemon off;
worker_processes 1;
pid {self.prefix / 'nginx.pid'};
error_log {self.prefix / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
{temp}
    include doorstep-http.conf;
    log_format wire '$status $bytes_sent $body_bytes_sent "$sent_http_content_encoding" $request_uri';
    server {{
        listen 127.0.0.1:{self.port};
        server_name localhost;
        root {site};
        access_log {self.access_log} doorstep;
        access_log {self.wire_log} wire;
        include doorstep-site.conf;
    }}
}}
""", encoding="utf-8")
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        args = [str(NGINX), "-p", str(self.prefix), "-c", str(self.prefix / "nginx.conf"),
                "-e", str(self.prefix / "error.log")]
        check = subprocess.run([*args, "-t"], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nginx refuses the configuration:\n{check.stderr}")
        self.process = subprocess.Popen(args)
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.1):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start: " + (self.prefix / "error.log").read_text())

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)
        if self._own_prefix:
            shutil.rmtree(self.prefix, ignore_errors=True)

    def responses(self, since: int = 0) -> tuple[list[dict], int]:
        """Responses logged after byte `since` of the wire log, and the new end."""
        data = self.wire_log.read_bytes() if self.wire_log.exists() else b""
        out = []
        for line in data[since:].decode("utf-8", "replace").splitlines():
            status, sent, body, encoding, uri = line.split(" ", 4)
            out.append({"status": int(status), "bytes": int(sent), "body": int(body),
                        "encoding": encoding.strip('"').replace("-", ""), "path": uri})
        return out, len(data)


def first_visit(browser, server: Nginx, path: str, linger_ms: int = 4000, encoding: str | None = None) -> dict:
    """A new visitor opens `path`; what crossed the wire until all was quiet.
    encoding: the Accept-Encoding to send instead of Chromium's own (e.g. "gzip")."""
    headers = {"Accept-Encoding": encoding} if encoding else {}
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True, user_agent=PHONE, extra_http_headers=headers)
    external: list[str] = []

    def seen(request):
        if not request.url.startswith((server.url, "data:", "blob:")):
            external.append(request.url)

    # Watched, not routed: Playwright turns the HTTP cache off in a context with routes, and then
    # the worker's copies of what the page already loaded would cross the wire a second time,
    # which no real phone does. (The site's CSP stops any request to another host anyway.)
    context.on("request", seen)
    _, start = server.responses()
    page = context.new_page()
    try:
        page.goto(server.url + path, wait_until="load")
        try:
            page.wait_for_load_state("networkidle", timeout=20000)
        except Exception:  # noqa: BLE001 — what it fetched is counted all the same
            pass
        page.wait_for_timeout(linger_ms)  # a service worker installs and fetches in the background
        workers = len(context.service_workers)
    finally:
        context.close()
    time.sleep(0.2)
    responses, _ = server.responses(start)
    return {"path": path, "responses": responses, "bytes": sum(r["bytes"] for r in responses),
            "body": sum(r["body"] for r in responses), "external": external, "service_workers": workers}


def keep_every_guide(site: Path, prefix: str) -> int | None:
    """Bytes of "Keep every guide" for the language at `prefix` ("" or "<lang>/"), if the site has
    an offline manifest; None if not."""
    manifest = site / prefix / "offline.json"
    if not manifest.is_file():
        return None
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return int(data["bytes"]) if isinstance(data, dict) and "bytes" in data else None


def lighthouse_ready() -> str | None:
    """Why Lighthouse can't run, or None."""
    if not shutil.which("node"):
        return "node is missing (scripts/setup bench installs Debian's nodejs)"
    if not LIGHTHOUSE.is_file():
        return "Lighthouse is missing (scripts/setup bench runs npm ci in scripts/lighthouse/)"
    return None


def lighthouse(url: str, out: Path) -> dict:
    """Lighthouse's four category scores (0–100) for `url`, mobile, default throttling;
    and the audits that kept any of them from 100."""
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    result = subprocess.run(
        ["node", str(LIGHTHOUSE), url, "--quiet", "--output=json", f"--output-path={out}",
         "--only-categories=" + ",".join(CATEGORIES),
         "--chrome-flags=--headless --no-sandbox --disable-background-networking --disable-gpu"],
        capture_output=True, text=True, env=env, timeout=600)
    if result.returncode != 0 or not out.is_file():
        raise RuntimeError(f"lighthouse failed on {url}:\n{result.stderr[-2000:]}")
    report = json.loads(out.read_text(encoding="utf-8"))
    scores = {name: round((report["categories"][name]["score"] or 0) * 100) for name in CATEGORIES}
    lost = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"].get(ref["id"], {})
            if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
                lost.append(f"{name}: {ref['id']} ({audit.get('displayValue') or audit.get('score')})")
    metrics = {key: report["audits"][key].get("numericValue") for key in
               ("first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                "cumulative-layout-shift", "speed-index") if key in report["audits"]}
    return {"scores": scores, "lost": lost, "metrics": metrics}
