"""The `doorstep` command, run as an editor runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from doorstep.model import GuideMeta

from conftest import REPO, make_project

DOORSTEP = str(Path(sys.executable).parent / "doorstep")


def run(*args, cwd=REPO):
    return subprocess.run([DOORSTEP, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_check_passes_on_the_bundled_guides():
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert "no problems found" in result.stdout


def test_check_reports_problems_one_line_each(tmp_path):
    project = make_project(tmp_path / "p")
    path = project / "guides" / "only-vi" / "index.md"
    path.write_text(path.read_text(encoding="utf-8").replace("cost: Miễn phí", "cost: 0")
                    .replace("../demo/index.md", "../gone/index.md"), encoding="utf-8")
    result = run("check", cwd=project)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines == [
        "guides/only-vi/index.md:7: `cost` must be text — put the value in quotes",
        "guides/only-vi/index.md:22: link '../gone/index.md' points to nothing — "
        "link to another guide as ../<slug>/index.md, or fix the spelling",
    ]
    assert "Traceback" not in result.stderr


def test_build_command_builds_the_site(tmp_path):
    project = make_project(tmp_path / "p")
    result = run("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "en" / "demo" / "demo.pdf").is_file()


def test_every_command_has_help():
    for command in ("build", "serve", "check"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout


def test_every_front_matter_field_is_documented():
    doc = (REPO / "docs" / "writing-guides.md").read_text(encoding="utf-8")
    for name in GuideMeta.model_fields:
        assert re.search(rf"^\| `{name}` \|", doc, re.M), f"docs/writing-guides.md lacks `{name}`"
