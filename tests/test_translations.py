"""Translations that fall behind their original: found, reported, shown to readers, cleared."""

from __future__ import annotations

import json
import re

from conftest import make_project, page_file, run_build
from test_cli import run
from test_pamphlets import page_text, pdf_path, squash


def edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def findings(project, *args):
    result = run("check", "--format", "json", *args, cwd=project)
    return result, json.loads(result.stdout)


def test_editing_an_original_makes_exactly_its_translations_stale_and_mark_clears_them(tmp_path):
    project = make_project(tmp_path / "p")
    result, report = findings(project)
    assert result.returncode == 0 and report == {"errors": 0, "warnings": 4, "problems": report["problems"]}
    # The fixture: demo has en and fa (marked current); only-vi has no translation at all.
    assert sorted((p["path"], p["message"]) for p in report["problems"]) == [
        ("guides/demo/index.md", "no Arabic translation (index.ar.md)"),
        ("guides/only-vi/index.md", "no Arabic translation (index.ar.md)"),
        ("guides/only-vi/index.md", "no English translation (index.en.md)"),
        ("guides/only-vi/index.md", "no Persian translation (index.fa.md)"),
    ]
    edit(project / "guides" / "demo" / "index.md", "## Tìm VNeID", "## Tìm ứng dụng VNeID")
    result, report = findings(project)
    stale = [p for p in report["problems"] if "out of date" in p["message"]]
    assert [(p["path"], p["line"], p["level"]) for p in stale] == [
        ("guides/demo/index.en.md", 13, "warning"), ("guides/demo/index.fa.md", 10, "warning")]
    assert "index.md has changed since this translation was made" in stale[0]["message"]
    assert "doorstep mark demo en" in stale[0]["hint"]
    assert result.returncode == 0  # warnings do not fail check…
    assert run("check", "--strict", cwd=project).returncode == 1  # …unless CI asks them to

    status = run("status", "--format", "json", cwd=project)
    assert json.loads(status.stdout)["translations"] == {
        "demo": {"vi": "original", "en": "stale", "ar": "missing", "fa": "stale"},
        "only-vi": {"vi": "original", "en": "missing", "ar": "missing", "fa": "missing"},
    }
    table = run("status", cwd=project)
    assert table.returncode == 0 and re.search(r"demo\s.*original.*stale.*missing.*stale", table.stdout)

    marked = run("mark", "demo", "en", cwd=project)
    assert marked.returncode == 0 and marked.stdout.strip() == "marked guides/demo/index.en.md"
    assert json.loads(run("status", "--format", "json", cwd=project).stdout)["translations"]["demo"]["en"] == "up to date"
    assert json.loads(run("status", "--format", "json", cwd=project).stdout)["translations"]["demo"]["fa"] == "stale"
    # Changing only what translations inherit (the review date) leaves them current.
    edit(project / "guides" / "demo" / "index.md", "reviewed: 2026-11-20", "reviewed: 2026-11-21")
    assert json.loads(run("status", "--format", "json", cwd=project).stdout)["translations"]["demo"]["en"] == "up to date"


def test_mark_refuses_what_it_cannot_mark(tmp_path):
    project = make_project(tmp_path / "p")
    for args, message in [
        (("mark", "nowhere"), "guides:1: there is no guide 'nowhere' — name one of the guides: demo, only-vi"),
        (("mark", "demo", "ar"), "guides/demo/index.md:1: guide 'demo' has no index.ar.md — write the translation first"),
        (("mark", "demo", "xx"), "guides/demo/index.md:1: 'xx' is not one of the site's languages"),
    ]:
        result = run(*args, cwd=project)
        assert result.returncode == 1 and result.stderr.startswith(message), result.stderr
        assert "Traceback" not in result.stderr


def test_translated_from_is_written_by_doorstep_only(tmp_path):
    project = make_project(tmp_path / "p")
    edit(project / "guides" / "demo" / "index.fa.md", 'translated_from: "', 'translated_from: "x')
    edit(project / "guides" / "only-vi" / "index.md", "reviewed:", 'translated_from: "0123456789ab"\nreviewed:')
    result, report = findings(project)
    assert result.returncode == 1
    errors = [(p["path"], p["message"]) for p in report["problems"] if p["level"] == "error"]
    assert errors == [
        ("guides/demo/index.fa.md", "`translated_from` is not a revision written by doorstep"),
        ("guides/only-vi/index.md", "`translated_from` belongs only in translations"),
    ]
    # Errors come before warnings, in text too.
    lines = run("check", cwd=project).stderr.strip().splitlines()
    levels = ["warning" if ": warning: " in line else "error" for line in lines]
    assert levels == sorted(levels) and levels[0] == "error" and "warning" in levels


def test_stale_translation_builds_with_a_notice_on_page_and_pamphlet(tmp_path):
    project = make_project(tmp_path / "p")
    edit(project / "guides" / "demo" / "index.md", "## Tìm VNeID", "## Tìm ứng dụng VNeID")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    site = project / "site"
    en = page_file(site, "en", "demo").read_text(encoding="utf-8")
    assert "This translation may not include the latest changes to the Vietnamese original." in en
    assert '<a href="https://doorstep.example.org/demo/" hreflang="vi">Read the Vietnamese original</a>' in en
    fa = page_file(site, "fa", "demo").read_text(encoding="utf-8")
    assert "ممکن است این ترجمه آخرین تغییرات متن اصلی ویتنامی را نداشته باشد." in fa
    assert "may not include" not in page_file(site, "vi", "demo").read_text(encoding="utf-8")
    text = squash(page_text(pdf_path(site, "en", "demo")))
    assert squash("may not include the latest changes") in text and "doorstep.example.org/demo" in text
    assert squash("آخرین تغییرات") in squash(page_text(pdf_path(site, "fa", "demo")))
    # Marked again, the notice goes.
    assert run("mark", "demo", cwd=project).returncode == 0
    assert run_build(project).returncode == 0
    assert "may not include" not in page_file(site, "en", "demo").read_text(encoding="utf-8")
    assert "may not include" not in page_text(pdf_path(site, "en", "demo"))


def test_bundled_translations_are_current():
    result = run("status", "--format", "json")
    behind = {(slug, lang): s for slug, row in json.loads(result.stdout)["translations"].items() for lang, s in row.items()
              if s not in ("original", "up to date")}
    assert behind == {}


def test_a_broken_guide_shows_as_invalid_and_does_not_block_marking_another(tmp_path):
    project = make_project(tmp_path / "p")
    edit(project / "guides" / "only-vi" / "index.md", "cost: Miễn phí", "cost: 0")
    edit(project / "guides" / "demo" / "index.fa.md", "cost: رایگان", "cost: [1]")
    status = run("status", "--format", "json", cwd=project)
    assert json.loads(status.stdout)["translations"] == {
        "demo": {"vi": "original", "en": "up to date", "ar": "missing", "fa": "invalid"},
        "only-vi": {"vi": "invalid", "en": "missing", "ar": "missing", "fa": "missing"},
    }
    edit(project / "guides" / "demo" / "index.md", "## Tìm VNeID", "## Tìm ứng dụng VNeID")
    result = run("mark", "demo", "en", cwd=project)
    assert result.returncode == 0 and "marked guides/demo/index.en.md" in result.stdout
    refused = run("mark", "demo", "fa", cwd=project)
    assert refused.returncode == 1
    assert refused.stderr.startswith("guides/demo/index.fa.md:1: this translation does not pass `doorstep check`")
    assert run("mark", "only-vi", cwd=project).stderr.startswith(
        "guides/only-vi/index.md:1: the original does not pass `doorstep check`")


def test_mark_changes_one_line_and_keeps_the_files_own_form(tmp_path):
    project = make_project(tmp_path / "p")
    en = project / "guides" / "demo" / "index.en.md"
    fa = project / "guides" / "demo" / "index.fa.md"
    edit(project / "guides" / "demo" / "index.md", "## Tìm VNeID", "## Tìm ứng dụng VNeID")
    # An editor's tools saved one file with a byte-order mark and Windows line endings,
    # and left the other's value on a line of its own.
    en.write_bytes(b"\xef\xbb\xbf" + en.read_bytes().replace(b"\n", b"\r\n"))
    text = fa.read_text(encoding="utf-8")
    fa.write_text(re.sub(r'translated_from: ("\w+").*', r"translated_from:\n  \1", text), encoding="utf-8")
    before = {p: p.read_bytes() for p in (en, fa)}
    assert run("mark", "demo", cwd=project).returncode == 0
    assert json.loads(run("status", "--format", "json", cwd=project).stdout)["translations"]["demo"] == {
        "vi": "original", "en": "up to date", "ar": "missing", "fa": "up to date"}
    field = re.compile(rb'^(translated_from:.*|\s+"[0-9a-f]{12}")\r?\n$')
    for path, old in before.items():
        new = path.read_bytes()
        assert new.startswith(b"\xef\xbb\xbf") == old.startswith(b"\xef\xbb\xbf")
        old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
        # Every other line is byte for byte what it was, line endings included.
        assert [x for x in old_lines if not field.match(x)] == [x for x in new_lines if not field.match(x)]
        written = [x for x in new_lines if field.match(x)]
        assert len(written) == 1 and written[0].endswith(b"\r\n") == (path == en)
    assert len(fa.read_bytes().splitlines()) == len(before[fa].splitlines()) - 1  # the two lines became one


def test_a_field_written_twice_is_an_error(tmp_path):
    project = make_project(tmp_path / "p")
    edit(project / "guides" / "demo" / "index.en.md", "cost: Free", 'translated_from: "0123456789ab"\ncost: Free')
    result = run("check", cwd=project)
    assert result.returncode == 1
    assert "guides/demo/index.en.md:" in result.stderr and "`translated_from` is written twice" in result.stderr
