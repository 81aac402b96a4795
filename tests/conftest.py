"""Shared fixtures: real projects in temporary folders, built with the real `mkdocs build`."""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BIN = Path(sys.executable).parent
LANGS = ("vi", "en", "ar", "fa")
SITE_URL = "https://doorstep.example.org/"
# A valid campaign file for the fixture guides (tests/test_campaign.py, tests/test_report.py).
CAMPAIGN_FILE = """campaign: test-2025
commune:
  name: Xã Thử
  office: Nhà văn hóa thôn Một
  hours: "Thứ Hai – Thứ Sáu, 7:30–11:30"
contacts:
  - role: Tổ công nghệ số cộng đồng
    phone: "0912 345 678"
guides: [demo, only-vi]
languages: [vi, en]
paper: a4
copies: 10
"""


# "Today" for every test (and the commands they run): the fixture guides were reviewed
# on 2026-11-20 and must not fall overdue for review (a warning) as the years pass.
# Tests of review dates set their own (tests/test_review.py).
os.environ.setdefault("SOURCE_DATE_EPOCH", "1796083200")  # 2026-12-01 00:00 UTC


def run_build(project: Path, *extra: str) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` of `project`, as an editor would run it."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": SITE_URL}
    return subprocess.run(
        [str(BIN / "mkdocs"), "build", "--strict", "-f", str(project / "mkdocs.yml"), *extra],
        capture_output=True, text=True, env=env, cwd=project, timeout=600,
    )


def make_project(dest: Path, guides: Path = FIXTURES / "guides") -> Path:
    """A copy of the real project settings, theme and pamphlet layout, with `guides`."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "overrides", dest / "overrides")
    shutil.copytree(REPO / "pamphlets", dest / "pamphlets", ignore=shutil.ignore_patterns("campaigns"))
    shutil.copytree(guides, dest / "guides")
    return dest


@pytest.fixture
def project(tmp_path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> Path:
    """The fixture guides, built once: site/ of a small project."""
    root = make_project(tmp_path_factory.mktemp("fixture") / "project")
    result = run_build(root)
    assert result.returncode == 0, result.stderr
    return root / "site"


@pytest.fixture(scope="session")
def bundled_site(tmp_path_factory) -> Path:
    """The repository's own guides, built once with the real configuration."""
    out = tmp_path_factory.mktemp("bundled") / "site"
    result = run_build(REPO, "-d", str(out))
    assert result.returncode == 0, result.stderr
    return out


def bundled_guides() -> list[str]:
    return sorted(p.name for p in (REPO / "guides").iterdir() if (p / "index.md").is_file())


def page_url(lang: str, slug: str) -> str:
    return SITE_URL + ("" if lang == "vi" else f"{lang}/") + f"{slug}/"


def page_file(site: Path, lang: str, slug: str) -> Path:
    return site / ("" if lang == "vi" else lang) / slug / "index.html"


def error_lines(stderr: str) -> list[str]:
    """The `file:line: message` lines of a failed build."""
    return [m.group(1) for m in re.finditer(r"(?:ERROR\s+-\s+)?(\S+\.md:\d+: [^\n]+)", stderr)]


class Canary:
    """A local HTTP server that records every request it gets."""

    def __init__(self, root: Path | None = None):
        self.requests: list[str] = []
        handler = functools.partial(self._Handler, directory=str(root or REPO), canary=self)
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    class _Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, canary, **kwargs):
            self.canary = canary
            super().__init__(*args, **kwargs)

        def do_GET(self):
            self.canary.requests.append(self.path)
            super().do_GET()

        def log_message(self, *args):
            pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
