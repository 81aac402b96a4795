"""Pamphlets: real WeasyPrint PDFs, read back the way a volunteer's phone and printer would."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import unicodedata
from pathlib import Path

import pypdf
import pypdfium2 as pdfium
import pytest
import zxingcpp

from doorstep.pamphlet.render import BASE, RenderFailure, init_worker, render, render_pdf

from conftest import LANGS, Canary, bundled_guides, error_lines, make_project, page_file, page_url, run_build

DPI = 150
LETTERS = {
    "vi": re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]"),
    "en": re.compile(r"\b(the|your|and)\b", re.I),
    "ar": re.compile(r"[\u0621-\u064A]"),
    "fa": re.compile(r"[پچژگکی]"),
}


def pdf_path(site: Path, lang: str, slug: str) -> Path:
    return page_file(site, lang, slug).parent / f"{slug}.pdf"


def squash(text: str) -> str:
    """Text compared the way a reader sees it: NFC, no combining marks, no spaces or bidi controls."""
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace() and not unicodedata.combining(ch)
                   and unicodedata.category(ch) != "Cf")


def page_text(path: Path) -> str:
    pdf = pdfium.PdfDocument(path)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def decode_qr(path: Path) -> list:
    pdf = pdfium.PdfDocument(path)
    image = pdf[0].render(scale=DPI / 72).to_pil()
    return zxingcpp.read_barcodes(image)


@pytest.mark.parametrize("lang", LANGS)
def test_every_guide_has_a_linked_pamphlet_whose_qr_opens_its_page(bundled_site, lang):
    for slug in bundled_guides():
        pdf = pdf_path(bundled_site, lang, slug)
        assert pdf.is_file(), pdf
        html = page_file(bundled_site, lang, slug).read_text(encoding="utf-8")
        assert f'href="{slug}.pdf"' in html, "the page links its pamphlet"
        codes = decode_qr(pdf)
        assert [c.text for c in codes] == [page_url(lang, slug)]
        code = codes[0]
        assert code.ec_level in ("M", "Q", "H")
        # At least 25 mm wide on paper, without its quiet zone.
        width_px = code.position.top_right.x - code.position.top_left.x
        assert width_px / DPI * 25.4 >= 25, f"QR code is {width_px / DPI * 25.4:.1f} mm"


@pytest.mark.parametrize("lang", LANGS)
def test_pamphlet_text_title_letters_and_url(bundled_site, lang):
    for slug in bundled_guides():
        pdf = pdf_path(bundled_site, lang, slug)
        text = page_text(pdf)
        reader = pypdf.PdfReader(pdf)
        title = reader.metadata.title
        # Extraction gives right-to-left lines in visual order: compare word by word.
        assert all(squash(word) in squash(text) for word in title.split()), "the title is printed"
        assert LETTERS[lang].search(text), f"no {lang} letters in {pdf}"
        short = page_url(lang, slug).removeprefix("https://").rstrip("/")
        assert squash(short) in squash(text), "the short URL is printed beside the QR code"
        assert 1 <= len(reader.pages) <= 2, "one or two A4 pages"
        width, height = reader.pages[0].mediabox.width, reader.pages[0].mediabox.height
        assert (round(float(width) / 72 * 25.4), round(float(height) / 72 * 25.4)) == (210, 297)


def test_pdf_metadata_language_and_tags(bundled_site):
    slug = bundled_guides()[0]
    for lang in LANGS:
        reader = pypdf.PdfReader(pdf_path(bundled_site, lang, slug))
        root = reader.trailer["/Root"]
        assert root["/Lang"] == lang
        assert reader.metadata.subject, "the summary is the PDF's subject"
        assert "/StructTreeRoot" in root and root["/MarkInfo"]["/Marked"], "tagged PDF"


def test_only_the_pinned_fonts_subset(bundled_site):
    for lang in LANGS:
        reader = pypdf.PdfReader(pdf_path(bundled_site, lang, bundled_guides()[0]))
        for page in reader.pages:
            for font in page["/Resources"]["/Font"].values():
                name = str(font.get_object()["/BaseFont"])
                assert re.match(r"^/[A-Z]{6}\+Noto-(Sans|Naskh)", name), name


def test_pamphlets_are_small(bundled_site):
    sizes = sorted(p.stat().st_size for p in bundled_site.rglob("*.pdf"))
    assert sizes and sizes[len(sizes) // 2] <= 60 * 1024, sizes


def _digest_tree(site: Path) -> dict[str, str]:
    return {str(p.relative_to(site)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(site.rglob("*")) if p.is_file()}


def test_two_builds_give_identical_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1763769600")
    first = make_project(tmp_path / "a")
    second = make_project(tmp_path / "b" / "elsewhere")
    assert run_build(first).returncode == 0
    assert run_build(second).returncode == 0
    a, b = _digest_tree(first / "site"), _digest_tree(second / "site")
    pdfs = [k for k in a if k.endswith(".pdf")]
    assert pdfs
    assert {k: a[k] for k in pdfs} == {k: b[k] for k in pdfs}, "PDFs differ between two builds"
    assert a == b, "site files differ between two builds"
    # No absolute path of the build machine inside any PDF.
    for name in pdfs:
        assert str(tmp_path).encode() not in (first / "site" / name).read_bytes()


def test_warm_rebuild_renders_nothing(project):
    assert run_build(project).returncode == 0
    again = run_build(project)
    assert again.returncode == 0
    made = re.findall(r"Pamphlets \((\w+)\): (\d+) rendered, (\d+) from cache", again.stderr)
    assert sorted(lang for lang, _, _ in made) == sorted(LANGS), again.stderr
    assert all(rendered == "0" and int(cached) > 0 for _, rendered, cached in made), again.stderr


def test_uncovered_character_fails_the_build_with_its_code_point(project):
    path = project / "guides" / "only-vi" / "index.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Làm việc hai.", "Làm việc hai 中."), encoding="utf-8")
    result = run_build(project)
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "guides/only-vi/index.md:22: character '中' (U+4E2D) has no glyph in the pamphlet fonts" in result.stderr
    assert not list((project / "site").rglob("*.pdf")) if (project / "site").exists() else True


HOSTILE = {
    "file image": '<img src="file:///etc/passwd">',
    "attachment": '<a rel="attachment" href="file:///etc/passwd">x</a>',
    "relative escape": '<img src="../../../../../../etc/passwd">',
    "canary image": '<img src="{canary}/x.png">',
    "canary stylesheet": '<link rel="stylesheet" href="{canary}/x.css">',
    "canary css url": '<p style="background: url({canary}/bg.png)">x</p>',
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_urls_are_refused_and_nothing_is_fetched(tmp_path, case):
    init_worker(str(tmp_path / "cache"))
    with Canary() as canary:
        html = f"<!doctype html><html lang='en'><body><p>Hi</p>{HOSTILE[case].format(canary=canary.url)}</body></html>"
        with pytest.raises(RenderFailure, match="refused"):
            render_pdf(html, BASE + "en/demo/", {}, [str(tmp_path)])
        assert canary.requests == []


def test_guide_images_are_served_to_the_renderer(tmp_path):
    init_worker(str(tmp_path / "cache"))
    svg = tmp_path / "pic.svg"
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    html = "<!doctype html><html lang='en'><body><img src='pic.svg' alt='x'></body></html>"
    pdf = render_pdf(html, BASE + "demo/", {"demo/pic.svg": str(svg)}, [str(tmp_path)])
    assert pdf.startswith(b"%PDF")
    # A file that is listed but lies outside the allowed roots is still refused.
    with pytest.raises(RenderFailure, match="outside the project"):
        render_pdf(html, BASE + "demo/", {"demo/pic.svg": "/etc/hostname"}, [str(tmp_path)])


def test_svg_text_is_printed_with_composed_accents(tmp_path):
    """A picture saved with decomposed accents (e + U+0302 + U+0301) still prints
    "ế": WeasyPrint draws SVG text letter by letter, so a lone accent would get a
    dotted circle of its own."""
    init_worker(str(tmp_path / "cache"))
    svg = tmp_path / "pic.svg"
    svg.write_text(unicodedata.normalize("NFD", '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="40">'
                                                '<text x="5" y="30" font-size="20">Tiếp tục</text></svg>'),
                   encoding="utf-8")
    assert "\u0302" in svg.read_text(encoding="utf-8")
    html = "<!doctype html><html lang='vi'><body><img src='pic.svg' alt='x'></body></html>"
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(render_pdf(html, BASE + "demo/", {"demo/pic.svg": str(svg)}, [str(tmp_path)]))
    text = page_text(pdf)
    assert "ế" in text and not any(unicodedata.combining(c) for c in text), ascii(text)


def test_untranslated_guide_pamphlet_says_so_and_opens_its_own_page(fixture_site):
    pdf = pdf_path(fixture_site, "ar", "only-vi")
    text = page_text(pdf)
    assert squash("لم يُترجم هذا الدليل إلى العربية بعد") in squash(text)
    assert squash("Chỉ có tiếng Việt") in squash(text)
    assert [code.text for code in decode_qr(pdf)] == [page_url("ar", "only-vi")]


def test_a_refused_url_is_reported_at_the_line_that_asked_for_it(tmp_path):
    from doorstep.model import load_library
    from doorstep.pamphlet import failure_line

    project = make_project(tmp_path / "p")
    guide = load_library(project / "guides", list(LANGS), "vi", project).get("demo", "vi")
    lines = guide.path.read_text(encoding="utf-8").split("\n")
    assert lines[failure_line(guide, BASE + "demo/phone.svg") - 1] == "![Điện thoại](phone.svg)"
    assert failure_line(guide, "file:///etc/passwd") == guide.body_line  # asked for by no line of the guide


@pytest.mark.parametrize("lang", ["vi", "fa"])
def test_page_states_its_pamphlets_real_size_after_a_cold_build(fixture_site, lang):
    # A cold build writes pages before their pamphlets are rendered, then fills the size in.
    from doorstep.locale import strings

    t = strings(lang)
    pdf = pdf_path(fixture_site, lang, "demo")
    html = page_file(fixture_site, lang, "demo").read_text(encoding="utf-8")
    assert f"({t('pdf', size=t.size(pdf.stat().st_size))})" in html
    assert not [p for p in fixture_site.rglob("*.html") if "\ue000" in p.read_text(encoding="utf-8")]


def test_links_in_a_pamphlet_open_the_site_not_the_renderers_address(fixture_site):
    uris = []
    for page in pypdf.PdfReader(pdf_path(fixture_site, "vi", "only-vi")).pages:
        for annot in page.get("/Annots") or []:
            action = annot.get_object().get("/A")
            if action is not None and "/URI" in action:
                uris.append(action["/URI"])
    assert page_url("vi", "demo") in uris, uris  # the link to another guide
    assert not [u for u in uris if "pamphlet.invalid" in u or not u.startswith("https://")], uris


LINES_HTML = ("<!doctype html><html><head><style>@page {{ size: A4; margin: 10mm }} p {{ font-size: 40pt; margin: 0 }}"
              "</style></head><body>{}</body></html>").format("<p>Line</p>" * 40)


@pytest.fixture(scope="module")
def renderer(tmp_path_factory):
    init_worker(str(tmp_path_factory.mktemp("cache")))
    return lambda html, fit=None: render(html, BASE, {}, [], tags=False, fit=fit)


def test_a_document_past_its_pages_is_rendered_again_in_the_tighter_layout(renderer):
    assert renderer(LINES_HTML).pages == 3  # what the text needs in the normal layout
    tighter = "p { font-size: 28pt }"
    assert renderer(LINES_HTML, fit=(2, tighter)).pages == 2
    assert renderer(LINES_HTML, fit=(3, tighter)).pages == 3, "within its pages: the normal layout is kept"
    assert renderer(LINES_HTML, fit=(2, "p { color: #333 }")).pages == 3, "no shorter: the normal layout is kept"
    longer = "p { font-size: 60pt }"
    assert renderer(LINES_HTML, fit=(2, longer)).pages == 3


def test_a_guide_too_long_for_two_pages_is_reported_with_its_file(project):
    folder = project / "guides" / "long"
    folder.mkdir()
    source = (project / "guides" / "demo" / "index.md").read_text(encoding="utf-8")
    paragraph = "Đọc kỹ từng dòng trên màn hình, so với giấy tờ của bạn, rồi mới bấm **Tiếp tục**. " * 5
    step = "\n\n## Bước thêm\n\n" + f"{paragraph}\n\n" * 5
    (folder / "index.md").write_text(source.replace("![Điện thoại](phone.svg)", "") + step * 7, encoding="utf-8")
    strict = run_build(project)
    assert strict.returncode != 0, "strict (mkdocs.yml's default) fails on the warning"
    assert re.search(r"guides/long/index\.md:1: warning: pamphlet \(vi\) runs to \d+ pages, even in the tighter "
                     r"layout; it should fit on 2", strict.stderr), strict.stderr
    relaxed = run_build(project, "--no-strict")  # the warning, not a failure
    assert relaxed.returncode == 0, relaxed.stderr
    assert "guides/long/index.md:1: warning: pamphlet (vi)" in relaxed.stderr, "a warm build says it again"
    assert len(pypdf.PdfReader(project / "site" / "long" / "long.pdf").pages) > 2
    assert len(pypdf.PdfReader(project / "site" / "demo" / "demo.pdf").pages) <= 2


def test_a_render_that_runs_too_long_is_stopped_with_one_line(tmp_path, monkeypatch):
    import sys

    render_module = sys.modules["doorstep.pamphlet.render"]  # (the package's `render` is the function)
    init_worker(str(tmp_path / "cache"))
    monkeypatch.setattr(render_module, "RENDER_SECONDS", 0.001)
    html = "<!doctype html><html lang='en'><body>" + "<p>Step</p>" * 2000 + "</body></html>"
    with pytest.raises(RenderFailure, match="took longer than 0.001 s"):
        render_pdf(html, BASE + "en/demo/", {}, [str(tmp_path)])
