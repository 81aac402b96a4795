"""Door-to-door campaigns: `doorstep print`, run as a volunteer runs it, and
its PDFs read back the way a phone camera, a printer and a reader would."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import yaml
import zxingcpp

from doorstep.campaign import page_url as campaign_url, shard_of
from doorstep.campaign.impose import Pamphlet, booklets, saddle_order
from doorstep.campaign.model import PHONE_RE, PHONE_SEPARATORS_RE
from doorstep.campaign.stamp import read
from doorstep.pamphlet.render import BASE, init_worker, render

from conftest import CAMPAIGN_FILE, REPO, SITE_URL, make_project, page_file, page_url
from test_pamphlets import DPI, squash

DOORSTEP = str(Path(sys.executable).parent / "doorstep")
EXAMPLES = sorted((REPO / "pamphlets" / "campaigns").glob("*.yml"))
A4_LANDSCAPE = (297, 210)


def run(*args, cwd=REPO):
    env = {**os.environ, "DOORSTEP_SITE_URL": SITE_URL}
    return subprocess.run([DOORSTEP, "print", *map(str, args)], capture_output=True, text=True, cwd=cwd,
                          env=env, timeout=600)


def mm(value) -> int:
    return round(float(value) / 72 * 25.4)


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> Path:
    """The two example campaigns, printed once."""
    out = tmp_path_factory.mktemp("dist")
    result = run(REPO / "pamphlets" / "campaigns", "--out", out)
    assert result.returncode == 0, result.stderr
    return out


def spec(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pamphlets(out: Path):
    for path in EXAMPLES:
        data = spec(path)
        for lang in data["languages"]:
            for slug in data["guides"]:
                yield data, lang, slug, out / data["campaign"] / lang / f"{slug}.pdf"


def test_examples_print_a_whole_pack(printed):
    assert len(EXAMPLES) >= 2
    papers = set()
    for path in EXAMPLES:
        data = spec(path)
        papers.add(data["paper"])
        folder = printed / data["campaign"]
        expected = {f"{lang}/{slug}.pdf" for lang in data["languages"] for slug in data["guides"]}
        expected |= {f"{data['campaign']}-print.pdf", f"{data['campaign']}-team-sheet.pdf"}
        expected |= {".doorstep-pack"}  # marks the folder as a pack that the next print may replace
        assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == expected
        team = pypdf.PdfReader(folder / f"{data['campaign']}-team-sheet.pdf")
        assert len(team.pages) == 1 and (mm(team.pages[0].mediabox.width), mm(team.pages[0].mediabox.height)) == (210, 297)
        text = squash(team.pages[0].extract_text())
        assert squash(data["commune"]["name"]) in text and squash(str(data["copies"])) in text
    assert papers == {"a4", "a5-booklet"}
    assert any(lang in ("ar", "fa") for path in EXAMPLES for lang in spec(path)["languages"])


def test_every_qr_code_opens_its_page_with_the_campaign_tag(printed):
    for data, lang, slug, pdf in pamphlets(printed):
        image = pdfium.PdfDocument(pdf)[0].render(scale=DPI / 72).to_pil()
        codes = zxingcpp.read_barcodes(image)
        assert [c.text for c in codes] == [page_url(lang, slug) + f"?c={data['campaign']}"], pdf
        assert codes[0].ec_level in ("M", "Q", "H")
        width_px = codes[0].position.top_right.x - codes[0].position.top_left.x
        assert width_px / DPI * 25.4 >= 25, f"QR code is {width_px / DPI * 25.4:.1f} mm in {pdf}"


def test_the_commune_and_every_phone_number_are_printed(printed):
    for data, lang, slug, pdf in pamphlets(printed):
        text = squash("".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages))
        for word in data["commune"]["name"].split():  # right-to-left pages reorder words
            assert squash(word) in text, (word, pdf)
        for contact in data["contacts"]:
            assert squash(contact["phone"]) in text, (contact["phone"], pdf)
        # The generic address is printed beside the code; the tag is only in the code.
        assert squash(page_url(lang, slug).removeprefix("https://").rstrip("/")) in text


def test_canonical_url_is_the_one_the_site_writes(fixture_site):
    for lang, slug in (("vi", "demo"), ("en", "demo"), ("ar", "only-vi")):
        html = page_file(fixture_site, lang, slug).read_text(encoding="utf-8")
        canonical = re.search(r'<link rel="canonical" href="([^"]+)"', html).group(1)
        assert campaign_url(SITE_URL, "vi", lang, slug) == canonical


def test_print_files_are_a4_in_the_right_order(printed):
    for path in EXAMPLES:
        data = spec(path)
        reader = pypdf.PdfReader(printed / data["campaign"] / f"{data['campaign']}-print.pdf")
        sizes = {(mm(p.mediabox.width), mm(p.mediabox.height)) for p in reader.pages}
        counts = [len(pypdf.PdfReader(pdf).pages) for d, lang, slug, pdf in pamphlets(printed) if d == data]
        if data["paper"] == "a5-booklet":
            assert sizes == {A4_LANDSCAPE}
            assert len(reader.pages) == sum(2 * -(-n // 4) for n in counts)
        else:
            assert sizes == {(210, 297)}
            assert len(reader.pages) == sum(n + n % 2 for n in counts)
        doc = pdfium.PdfDocument(reader.stream)
        found = [c.text for page in doc for c in zxingcpp.read_barcodes(page.render(scale=DPI / 72).to_pil())]
        assert sorted(found) == sorted(page_url(lang, slug) + f"?c={data['campaign']}"
                                       for lang in data["languages"] for slug in data["guides"])



def test_every_pack_file_is_a_sound_pdf(printed):
    """Stamped and imposed files are written by doorstep (stamp.py's Objects):
    every object the cross-reference streams list is where they say."""
    files = sorted(printed.rglob("*.pdf"))
    assert files
    for path in files:
        reader = pypdf.PdfReader(path, strict=True)
        for number in range(1, int(reader.trailer["/Size"])):
            reader.get_object(number)  # strict: an object not at its offset raises
        assert reader.pages[0].mediabox.width > 0, path


def test_stamping_and_imposing_use_only_pypdf_public_api():
    """pyproject.toml allows several pypdf majors: nothing private of it (an
    underscore name, a pypdf._ module) may be used to write the packs."""
    for name in ("stamp.py", "impose.py"):
        tree = ast.parse((REPO / "src" / "doorstep" / "campaign" / name).read_text(encoding="utf-8"))
        modules = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
        modules += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        assert not [m for m in modules if m.startswith("pypdf") and "._" in m], (name, modules)
        private = [n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr.startswith("_")
                   and not (isinstance(n.value, ast.Name) and n.value.id == "self")]
        assert not private, (name, private)

def test_saddle_stitch_order():
    assert saddle_order(4) == [(3, 0), (1, 2)]
    assert saddle_order(8) == [(7, 0), (1, 6), (5, 2), (3, 4)]
    assert saddle_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]
    assert saddle_order(6, rtl=True) == [(0, None), (None, 1), (2, 5), (4, 3)]


def marked_pdf(tmp_path: Path, pages: int) -> pypdf.PdfReader:
    """A5 pages carrying the markers P1, P2, …"""
    init_worker(str(tmp_path / "cache"))
    body = "".join(f'<p style="break-after: page; font-size: 40pt">P{i}</p>' for i in range(1, pages + 1))
    html = f"<!doctype html><html><head><style>@page {{ size: A5 }}</style></head><body>{body}</body></html>"
    return read(render(html, BASE, {}, [str(tmp_path)]).pdf)


def halves(pdf: bytes) -> list[tuple[str, str]]:
    """The marker text on the left and right half of every sheet side."""
    doc = pdfium.PdfDocument(pdf)
    sides = []
    for page in doc:
        width, height = page.get_size()
        text = page.get_textpage()
        sides.append(tuple(text.get_text_bounded(left, 0, left + width / 2, height).strip()
                           for left in (0, width / 2)))
    return sides


@pytest.mark.parametrize("rtl", [False, True], ids=["ltr", "rtl"])
def test_booklet_pages_are_imposed_in_saddle_stitch_order(tmp_path, rtl):
    pdf, _marks = booklets([Pamphlet(list(marked_pdf(tmp_path, n).pages), rtl=rtl) for n in (6, 3)])
    reader = pypdf.PdfReader(__import__("io").BytesIO(pdf))
    assert {(mm(p.mediabox.width), mm(p.mediabox.height)) for p in reader.pages} == {A4_LANDSCAPE}
    ltr = [("", "P1"), ("P2", ""), ("P6", "P3"), ("P4", "P5"),  # 6 pages + 2 blanks: two sheets
           ("", "P1"), ("P2", "P3")]  # the next booklet starts on a sheet of its own
    assert halves(pdf) == [(right, left) for left, right in ltr] if rtl else ltr


BAD = {
    "unknown guide": ("guides: [demo, no-such-guide]", 9,
                      "`guides[2]` 'no-such-guide' is not a guide of the site — use a folder name of guides/"),
    "unknown language": ("languages: [vi, de]", 10,
                         "`languages[2]` 'de' is not a language of the site — use one of mkdocs.yml's i18n languages"),
    "missing field": ("", 1, "`copies` is missing — add a line 'copies: …' to the campaign file"),
    "bad phone": ('    phone: "0912 345"', 8, "`contacts[1].phone` '0912 345' is not a phone number — write a"),
    "unsafe tag": ("campaign: Xã Hưng Vũ 2026", 1, "`campaign` 'Xã Hưng Vũ 2026' is not a URL-safe tag — use a-z"),
}

GOOD = CAMPAIGN_FILE


def campaign_project(tmp_path: Path, text: str) -> tuple[Path, Path]:
    """A fixture project with one campaign file, pamphlets/campaigns/x.yml, holding `text`."""
    project = make_project(tmp_path / "p")
    path = project / "pamphlets" / "campaigns" / "x.yml"
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")
    return project, path


def with_line(text: str, line: str) -> str:
    if not line:
        return text.replace("copies: 10\n", "")
    key = line.strip().split(":")[0]
    return "\n".join(line if l.strip().startswith(f"{key}:") else l for l in text.split("\n"))


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_is_one_line_and_prints_nothing(tmp_path, case):
    project = make_project(tmp_path / "p")
    change, line, message = BAD[case]
    path = project / "pamphlets" / "campaigns" / "bad.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(with_line(GOOD, change), encoding="utf-8")
    result = run(path, "--out", project / "dist", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"pamphlets/campaigns/bad.yml:{line}: {message}"), lines[0]
    assert not (project / "dist").exists()


def test_print_has_help_and_a_list_is_not_a_campaign(tmp_path):
    assert run("--help").returncode == 0 and "Usage:" in run("--help").stdout
    bad_shard = run(tmp_path, "--shard", "3/2")
    assert bad_shard.returncode == 1 and bad_shard.stderr.count("\n") == 1
    path = tmp_path / "list.yml"
    path.write_text("- campaign: x\n", encoding="utf-8")
    result = run(path)
    assert result.returncode == 1
    assert result.stderr.strip().endswith("list.yml:1: the campaign file must be a list of 'field: value' lines "
                                          "— see docs/campaigns.md")


def test_same_input_same_bytes(tmp_path):
    project, path = campaign_project(tmp_path, GOOD.replace("paper: a4", "paper: a5-booklet"))
    for out in ("a", "b"):
        assert run(path, "--out", tmp_path / out, cwd=project).returncode == 0
        shutil.rmtree(project / ".cache")  # the second run renders everything again
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.pdf"))
    assert files and all((tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes() for f in files)


@pytest.mark.parametrize("number", ["0912 345 678", "0912.345.678", "098-765-4321", "+84 912 345 678",
                                    "0206 300 0000", "+84 24 3900 0000", "1900 1234", "1800 12 34 56"])
def test_phone_numbers_that_are(number):
    assert PHONE_RE.match(PHONE_SEPARATORS_RE.sub("", number))


@pytest.mark.parametrize("number", ["0912 345", "912 345 678", "0112 345 678", "+84 0912 345 678",
                                    "0912 345 6789", "1900 123", "hotline", "0912  345 678", "0912/345/678"])
def test_phone_numbers_that_are_not(number):
    assert not PHONE_RE.match(PHONE_SEPARATORS_RE.sub("", number))


def test_shards_cover_every_campaign_once_and_a_second_run_is_cached(tmp_path):
    project = make_project(tmp_path / "p")
    folder = project / "pamphlets" / "campaigns"
    folder.mkdir(parents=True)
    tags = [f"xa-{i}" for i in range(5)]
    for tag in tags:
        (folder / f"{tag}.yml").write_text(GOOD.replace("test-2025", tag).replace("[demo, only-vi]", "[demo]")
                                           .replace("[vi, en]", "[vi]"), encoding="utf-8")
    printed = []
    for i in (1, 2, 3):
        out = tmp_path / f"shard{i}"
        result = run(folder, "--shard", f"{i}/3", "--out", out, cwd=project)
        assert result.returncode == 0, result.stderr
        printed += sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert sorted(printed) == tags
    assert shard_of(list(range(7)), (2, 3)) == [1, 4]
    again = run(folder, "--out", tmp_path / "all", cwd=project)
    assert again.returncode == 0, again.stderr
    assert re.search(r"pamphlet bodies \(guide × language\): 0 rendered, 1 from cache", again.stderr), again.stderr
    assert re.search(r"commune blocks: 0 rendered, 5 from cache", again.stderr), again.stderr
    assert sorted(p.name for p in (tmp_path / "all").iterdir()) == tags


def test_a_failed_print_keeps_the_last_pack(tmp_path):
    project, path = campaign_project(tmp_path, GOOD.replace("[vi, en]", "[vi]"))
    assert run(path, cwd=project).returncode == 0
    pack = project / "dist" / "test-2025"
    before = {p.name: p.read_bytes() for p in pack.rglob("*.pdf")}
    long_roles = "".join(f'  - role: {"Một vai trò rất dài " * 6}\n    phone: "0912 345 67{i}"\n' for i in range(4))
    path.write_text(re.sub(r"contacts:\n(  .*\n)+", "contacts:\n" + long_roles, GOOD), encoding="utf-8")
    result = run(path, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if re.match(r"\S+\.yml:\d+: (?!warning: )", line)]
    assert len(errors) == 1 and re.fullmatch(r"pamphlets/campaigns/x\.yml:6: the commune's text does not fit its box "
                                             r"on the vi pamphlet — .+", errors[0]), result.stderr
    assert {p.name: p.read_bytes() for p in pack.rglob("*.pdf")} == before
    assert [p.name for p in (project / "dist").iterdir()] == ["test-2025"], "no half-built folder left"


def test_print_never_replaces_a_folder_that_is_not_a_pack(tmp_path):
    project, path = campaign_project(tmp_path, GOOD.replace("[vi, en]", "[vi]"))
    notes = project / "dist" / "test-2025" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("the team's own notes", encoding="utf-8")
    result = run(path, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(
        "pamphlets/campaigns/x.yml:1: dist/test-2025 exists and is not a print pack")
    assert notes.read_text(encoding="utf-8") == "the team's own notes"
    notes.unlink()
    notes.parent.rmdir()
    assert run(path, cwd=project).returncode == 0  # a pack it made itself is replaced on the next run
    assert run(path, cwd=project).returncode == 0


def test_print_warns_about_untranslated_and_stale_guides(tmp_path):
    project, path = campaign_project(tmp_path, GOOD.replace("[vi, en]", "[vi, en, fa]"))
    original = project / "guides" / "demo" / "index.md"
    original.write_text(original.read_text(encoding="utf-8").replace("## Tìm VNeID", "## Tìm ứng dụng VNeID"),
                        encoding="utf-8")
    result = run(path, cwd=project)
    assert result.returncode == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if ": warning: " in line]
    assert warnings == [
        # The tests' site_url is the placeholder; a real deployment sets DOORSTEP_SITE_URL.
        "mkdocs.yml:1: warning: site_url is the placeholder https://doorstep.example.org/: the QR codes will open "
        "nothing — set DOORSTEP_SITE_URL (or site_url) to the site's real address",
        "pamphlets/campaigns/x.yml:10: warning: the English translation of 'demo' may be out of date "
        "(its pamphlet says so) — update it, then `doorstep mark demo en`",
        "pamphlets/campaigns/x.yml:10: warning: 'only-vi' has no English translation: its en pamphlet prints the "
        "original text — translate it, or leave 'en' out (see docs/translating.md)",
        "pamphlets/campaigns/x.yml:10: warning: the Persian translation of 'demo' may be out of date "
        "(its pamphlet says so) — update it, then `doorstep mark demo fa`",
        "pamphlets/campaigns/x.yml:10: warning: 'only-vi' has no Persian translation: its fa pamphlet prints the "
        "original text — translate it, or leave 'fa' out (see docs/translating.md)",
    ]


def test_a_layout_folder_without_the_campaign_templates_is_one_line(tmp_path):
    project, path = campaign_project(tmp_path, GOOD)
    mine = project / "mine"
    mine.mkdir()
    for name in ("pamphlet.html", "pamphlet.css"):
        shutil.copy(project / "pamphlets" / name, mine / name)
    config = project / "mkdocs.yml"
    config.write_text(config.read_text(encoding="utf-8").replace("pamphlet_dir: pamphlets", "pamphlet_dir: mine"),
                      encoding="utf-8")
    result = run(path, cwd=project)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "mine/campaign.css:1: campaign template missing — copy it from the doorstep repository's pamphlets/ folder")
    assert not (project / "dist").exists()


def test_every_pamphlet_fits_its_paper(printed):
    """Two A4 pages (one sheet), or four A5 pages (one folded sheet): a
    pamphlet that runs longer is printed in the tighter layout."""
    for data, lang, slug, pdf in pamphlets(printed):
        most = 4 if data["paper"] == "a5-booklet" else 2
        assert len(pypdf.PdfReader(pdf).pages) <= most, pdf
