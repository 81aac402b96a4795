"""The `doorstep` command, run as an editor runs it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from doorstep.model import GuideMeta

from conftest import REPO, make_project, run_build

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
        # Warnings come after every error.
        "guides/demo/index.md:1: warning: no Arabic translation (index.ar.md) — "
        "translate it, then run `doorstep mark demo ar`",
    ]
    assert "Traceback" not in result.stderr


def test_build_command_builds_the_site(tmp_path):
    project = make_project(tmp_path / "p")
    result = run("build", cwd=project)
    assert result.returncode == 0, result.stderr
    assert (project / "site" / "en" / "demo" / "demo.pdf").is_file()


def test_every_command_has_help():
    for command in ("build", "serve", "check", "status", "links", "mark", "new", "schema", "print", "report"):
        result = run(command, "--help")
        assert result.returncode == 0 and "Usage:" in result.stdout


def test_every_front_matter_field_is_documented():
    doc = (REPO / "docs" / "writing-guides.md").read_text(encoding="utf-8")
    for name in GuideMeta.model_fields:
        assert re.search(rf"^\| `{name}` \|", doc, re.M), f"docs/writing-guides.md lacks `{name}`"


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes]:
    import urllib.error
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except (urllib.error.URLError, ConnectionError):
        return 0, b""


def _wait_for(predicate, timeout: float = 90.0) -> bool:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def test_serve_previews_edits_and_renders_pamphlets_only_when_asked_for(tmp_path):
    import io
    import os

    import pypdf

    project = make_project(tmp_path / "p")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "serve.log"
    log = open(log_path, "w+")
    server = subprocess.Popen([DOORSTEP, "serve", "-a", f"127.0.0.1:{port}"], cwd=project, stdout=log,
                              stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})

    def rendered() -> list[str]:
        return re.findall(r"Pamphlet (\S+) rendered on request", log_path.read_text())

    def pdf_title(url: str) -> str:
        status, data = _get(url)
        assert status == 200 and data.startswith(b"%PDF"), status
        return pypdf.PdfReader(io.BytesIO(data)).metadata.title

    try:
        assert _wait_for(lambda: b"Install the VNeID app" in _get(f"{base}/en/demo/")[1]), "serve never came up"
        assert b'href="demo.pdf"' in _get(f"{base}/en/demo/")[1]  # linked before it exists
        # no offline worker in the live preview: it would keep the live-reload polls and stale pages
        assert b"sw.js" not in _get(f"{base}/en/demo/")[1] and _get(f"{base}/sw.js")[0] != 200
        assert rendered() == []  # the build itself rendered no pamphlet
        assert pdf_title(f"{base}/en/demo/demo.pdf") == "Install the VNeID app"
        assert rendered() == ["en/demo/demo.pdf"]
        path = project / "guides" / "demo" / "index.en.md"
        path.write_text(path.read_text(encoding="utf-8").replace("title: Install the VNeID app",
                                                                 "title: Install VNeID today"), encoding="utf-8")
        assert _wait_for(lambda: b"Install VNeID today" in _get(f"{base}/en/demo/")[1]), "edit not previewed"
        assert _wait_for(lambda: log_path.read_text().count("Pamphlets (fa)") >= 2)
        assert pdf_title(f"{base}/en/demo/demo.pdf") == "Install VNeID today"
        assert pdf_title(f"{base}/demo/demo.pdf") == "Cài ứng dụng VNeID"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    # Only what was opened was rendered, each time it had changed.
    assert rendered() == ["en/demo/demo.pdf", "en/demo/demo.pdf", "demo/demo.pdf"], log_path.read_text()


def test_new_makes_every_language_and_check_wants_them_filled(tmp_path):
    project = make_project(tmp_path / "p")
    result = run("new", "pay-electricity", cwd=project)
    assert result.returncode == 0, result.stderr
    folder = project / "guides" / "pay-electricity"
    assert sorted(p.name for p in folder.iterdir()) == ["index.ar.md", "index.en.md", "index.fa.md", "index.md"]
    original = (folder / "index.md").read_text(encoding="utf-8")
    for name in GuideMeta.model_fields:
        if name != "translated_from":  # written by `doorstep mark`, never by an editor
            assert f"\n{name}:" in original, f"index.md lacks `{name}`"
    assert "# What it costs, as text. Never guess a fee." in original  # comments come from the schema
    assert "sources:" not in (folder / "index.fa.md").read_text(encoding="utf-8")  # inherited
    check = run("check", cwd=project)
    assert check.returncode == 1
    assert "guides/pay-electricity/index.md:3: `title` is empty — write the text" in check.stderr
    again = run("new", "pay-electricity", cwd=project)
    assert again.returncode == 1 and "already exists" in again.stderr


def test_check_finds_characters_the_pamphlet_fonts_lack(tmp_path):
    project = make_project(tmp_path / "p")
    path = project / "guides" / "only-vi" / "index.md"
    path.write_text(path.read_text(encoding="utf-8").replace("time: 5 phút", "time: ⏱ 5 phút"), encoding="utf-8")
    result = run("check", cwd=project)
    assert result.returncode == 1
    assert "guides/only-vi/index.md:8: character '⏱' (U+23F1) has no glyph in the pamphlet fonts" in result.stderr


def test_check_reports_every_class_of_problem_with_file_and_line(tmp_path):
    import json

    project = make_project(tmp_path / "p")
    only = project / "guides" / "only-vi" / "index.md"
    text = only.read_text(encoding="utf-8")
    text = text.replace("time: 5 phút", "time: 5")                                       # schema
    text = text.replace("Làm việc một.", "Làm việc một. ![](phone.svg)")                 # image: alt, missing
    text = text.replace("../demo/index.md", "../demo/index.md#khong-co")                 # anchor
    text = text.replace("Làm việc ba.", "Làm việc ba ⏱ [VNeID](https://vneid-gov.com/)")  # glyph, look-alike
    only.write_text(text, encoding="utf-8")
    demo = project / "guides" / "demo" / "index.md"
    demo.write_text(demo.read_text(encoding="utf-8").replace("Bấm **Cài đặt**.", "Bấm nút **Cài đặt**."),
                    encoding="utf-8")                                                    # en, fa now stale
    result = run("check", "--format", "json", cwd=project)
    assert result.returncode == 1
    found = [(p["level"], f'{p["path"]}:{p["line"]}', p["message"].split(" (")[0])
             for p in json.loads(result.stdout)["problems"]]
    assert found == [
        ("error", "guides/only-vi/index.md:8", "`time` must be text"),
        ("error", "guides/only-vi/index.md:18", "image 'phone.svg' has no alt text"),
        ("error", "guides/only-vi/index.md:18", "image 'phone.svg' not found"),
        ("error", "guides/only-vi/index.md:22", "link '../demo/index.md#khong-co' points to no heading"),
        ("error", "guides/only-vi/index.md:26", "'vneid-gov.com' is not an allowed domain"),
        ("error", "guides/only-vi/index.md:26", "character '⏱'"),
        ("warning", "guides/demo/index.en.md:13", "English translation may be out of date: index.md has changed "
                                                  "since this translation was made"),
        ("warning", "guides/demo/index.fa.md:10", "Persian translation may be out of date: index.md has changed "
                                                  "since this translation was made"),
        ("warning", "guides/demo/index.md:1", "no Arabic translation"),
    ]


def test_a_bad_plugin_option_is_one_line(tmp_path):
    project = make_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("qr_error_correction: M", "qr_error_correction: X"), encoding="utf-8")
    line = next(n for n, l in enumerate(text.split("\n"), 1) if "qr_error_correction:" in l)
    result = run("check", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"mkdocs.yml:{line}: plugins → doorstep → qr_error_correction: Expected one of: ('M', 'Q', 'H') but "
        "received: 'X' — fix the option (docs/how-it-works.md lists them)"]


def test_links_to_headings_are_checked_with_the_sites_own_toc_slugify(tmp_path):
    """With toc's slugify_unicode, "## Mở kho ứng dụng" is #mở-kho-ứng-dụng on the
    site: check and build accept that id and refuse the ASCII one."""
    project = make_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    assert "  - toc:\n      permalink: false\n" in text
    config.write_text(text.replace("  - toc:\n      permalink: false\n", "  - toc:\n      permalink: false\n"
                                   "      slugify: !!python/name:markdown.extensions.toc.slugify_unicode\n"),
                      encoding="utf-8")
    demo = project / "guides" / "demo" / "index.md"
    source = demo.read_text(encoding="utf-8")
    assert "Bấm **Cài đặt**." in source
    demo.write_text(source.replace("Bấm **Cài đặt**.", "Bấm **Cài đặt** (xem [bước 1](#mở-kho-ứng-dụng))."),
                    encoding="utf-8")
    result = run("check", cwd=project)
    assert result.returncode == 0 and "points to no heading" not in result.stdout + result.stderr, result.stderr
    built = run_build(project)
    assert built.returncode == 0, built.stderr
    assert 'id="mở-kho-ứng-dụng"' in (project / "site" / "demo" / "index.html").read_text(encoding="utf-8")
    demo.write_text(source.replace("Bấm **Cài đặt**.", "Bấm **Cài đặt** (xem [bước 1](#mo-kho-ung-dung))."),
                    encoding="utf-8")
    result = run("check", cwd=project)
    assert result.returncode == 1
    assert "guides/demo/index.md:34: link '#mo-kho-ung-dung' points to no heading" in result.stdout + result.stderr
    assert "guides/demo/index.md:34: link '#mo-kho-ung-dung' points to no heading" in run_build(project).stderr
    config.write_text(config.read_text(encoding="utf-8").replace("toc.slugify_unicode", "toc.no_such_slugify"),
                      encoding="utf-8")
    result = run("check", cwd=project)
    assert result.returncode == 1
    assert re.search(r"^mkdocs\.yml:\d+: cannot import 'markdown\.extensions\.toc\.no_such_slugify' — install",
                     result.stderr, re.M), result.stderr


def test_a_link_to_another_guides_heading_works_on_every_languages_site(tmp_path):
    """only-vi is shown untranslated on the en, ar and fa sites, where its link to
    demo opens demo's translation: check and build refuse an id the translations
    lack, and the real build accepts the fix ({#find} in every language)."""
    project = make_project(tmp_path / "p")
    only = project / "guides" / "only-vi" / "index.md"
    only.write_text(only.read_text(encoding="utf-8").replace("../demo/index.md", "../demo/index.md#tim-vneid"),
                    encoding="utf-8")
    expected = ("guides/only-vi/index.md:22: link '../demo/index.md#tim-vneid' points to no heading of "
                "guides/demo/index.en.md, guides/demo/index.fa.md")
    result = run("check", cwd=project)
    assert result.returncode == 1 and expected in result.stdout + result.stderr, result.stderr
    built = run_build(project)
    assert built.returncode != 0 and expected in built.stderr, built.stderr
    only.write_text(only.read_text(encoding="utf-8").replace("#tim-vneid", "#find"), encoding="utf-8")
    for name, heading in (("index.md", "## Tìm VNeID"), ("index.en.md", "## Find VNeID"),
                          ("index.fa.md", "## VNeID را پیدا کنید")):
        path = project / "guides" / "demo" / name
        path.write_text(path.read_text(encoding="utf-8").replace(heading + "\n", heading + " {#find}\n"),
                        encoding="utf-8")
    assert run("check", cwd=project).returncode == 0
    built = run_build(project)
    assert built.returncode == 0, built.stderr
    for lang in ("vi", "en", "ar", "fa"):
        page = project / "site" / ("" if lang == "vi" else lang) / "only-vi" / "index.html"
        assert 'demo/#find"' in page.read_text(encoding="utf-8"), lang


def test_print_into_a_folder_under_a_file_is_one_line(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    result = run("print", str(REPO / "pamphlets" / "campaigns"), "-f", str(REPO / "mkdocs.yml"),
                 "--out", str(blocker / "packs"), cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"{blocker} is a file, not a folder" in result.stderr


def test_new_with_a_300_letter_slug_is_one_line(tmp_path):
    project = make_project(tmp_path / "p")
    result = run("new", "a" * 300, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a short ASCII slug" in result.stderr
    assert sorted(p.name for p in (project / "guides").iterdir()) == sorted(p.name for p in (REPO / "tests/fixtures/guides").iterdir())


def test_a_slug_with_a_trailing_newline_is_refused(tmp_path):
    project = make_project(tmp_path / "p")
    result = run("new", "vneid-2\n", cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "is not a short ASCII slug" in result.stderr
