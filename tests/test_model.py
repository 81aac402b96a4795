"""The guide model: every kind of bad input gets one line naming file and line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from doorstep.errors import DoorstepError
from doorstep.model import load_library

from conftest import FIXTURES

LANGS = ["vi", "en", "ar", "fa"]

GOOD = (FIXTURES / "guides" / "only-vi" / "index.md").read_text(encoding="utf-8")


def docs(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    root = tmp_path / "p"
    shutil.copytree(FIXTURES / "guides", root / "guides")
    for name, text in files.items():
        path = root / "guides" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
    return root


def problems(tmp_path, files, allowed_domains=None) -> list[str]:
    root = docs(tmp_path, files)
    with pytest.raises(DoorstepError) as info:
        load_library(root / "guides", LANGS, "vi", root, allowed_domains=allowed_domains)
    return [str(p) for p in info.value.problems]


def test_fixture_guides_are_valid(tmp_path):
    root = docs(tmp_path, {})
    library = load_library(root / "guides", LANGS, "vi", root)
    assert sorted(library.guides) == ["demo", "only-vi"]
    assert sorted(library.guides["demo"]) == ["en", "fa", "vi"]
    demo_fa = library.get("demo", "fa")
    # Translations inherit sources and the review date from the original.
    assert demo_fa.meta.sources[0].domain == "dichvucong.gov.vn"
    assert str(demo_fa.meta.reviewed) == "2026-11-20"
    assert demo_fa.steps == 3
    assert library.resolve("only-vi", "en").lang == "vi"


def test_unclosed_front_matter(tmp_path):
    text = GOOD.replace("reviewed: 2026-11-20\n---\n", "reviewed: 2026-11-20\n")
    assert problems(tmp_path, {"only-vi/index.md": text}) == [
        "guides/only-vi/index.md:1: the front matter is never closed — add a line '---' after the last field"
    ]


def test_missing_front_matter(tmp_path):
    out = problems(tmp_path, {"x/index.md": "## Just a body\n"})
    assert out[0].startswith("guides/x/index.md:1: the file does not start with front matter")


def test_yaml_error_names_its_line(tmp_path):
    text = GOOD.replace("time: 5 phút", "time: [5 phút")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line.startswith("guides/only-vi/index.md:")
    number = int(line.split(":")[1])
    assert GOOD.split("\n")[number - 1].startswith(("time", "where")), line
    assert "not valid YAML" in line


def test_wrong_type(tmp_path):
    text = GOOD.replace("cost: Miễn phí", "cost: 0")
    assert problems(tmp_path, {"only-vi/index.md": text}) == [
        "guides/only-vi/index.md:7: `cost` must be text — put the value in quotes"
    ]


def test_missing_field_and_unknown_field(tmp_path):
    text = GOOD.replace("time: 5 phút\n", "").replace("where:", "were:")
    out = problems(tmp_path, {"only-vi/index.md": text})
    assert any("`time` is missing" in p for p in out)
    assert any(p.startswith("guides/only-vi/index.md:8: unknown field `were`") for p in out)


def test_bad_date(tmp_path):
    text = GOOD.replace("reviewed: 2026-11-20", "reviewed: 20/11/2026")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line == "guides/only-vi/index.md:13: `reviewed` must be a date — write it as YYYY-MM-DD, e.g. 2026-11-22"


def test_http_source_is_refused(tmp_path):
    text = GOOD.replace("https://dichvucong.gov.vn/", "http://dichvucong.gov.vn/")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line.startswith("guides/only-vi/index.md:12: `sources[1].url` must be a full https:// address")


def test_missing_image(tmp_path):
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![Ảnh](missing.svg)")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line.startswith("guides/only-vi/index.md:20: image 'missing.svg' not found")


SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>'


def test_image_without_alt_text(tmp_path):
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![](pic.svg)")
    (line,) = problems(tmp_path, {"only-vi/index.md": text, "only-vi/pic.svg": SVG})
    assert "has no alt text" in line and ":20:" in line


def test_image_from_another_guides_folder(tmp_path):
    # The pamphlet may only read the guide's own folder: the check says so first.
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![Điện thoại](../demo/phone.svg)")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line.startswith("guides/only-vi/index.md:20: image '../demo/phone.svg' is not a file in the guide's folder")


def test_broken_internal_link(tmp_path):
    text = GOOD.replace("../demo/index.md", "../nowhere/index.md")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert line.startswith("guides/only-vi/index.md:22: link '../nowhere/index.md' points to nothing")


def test_hostile_raw_html(tmp_path):
    text = GOOD.replace("Làm việc ba.", 'Làm việc ba. <img src="file:///etc/passwd">')
    out = problems(tmp_path, {"only-vi/index.md": text})
    assert out == ["guides/only-vi/index.md:26: raw HTML <img> is not allowed in a guide — "
                   "use Markdown: ![alt](picture.svg) for images, [text](https://…) for links"]


def test_image_outside_the_docs(tmp_path):
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![Ảnh](../../../../etc/passwd)")
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert "etc/passwd" in line and "not a file in the guide's folder" in line


def test_not_utf8(tmp_path):
    data = GOOD.replace("Làm việc hai.", "Làm việc hai. XBADX").encode("utf-8").replace(b"XBADX", b"\xe0")
    (line,) = problems(tmp_path, {"only-vi/index.md": data})
    assert line == "guides/only-vi/index.md:22: the file is not UTF-8 text — save it with UTF-8 encoding"


def test_unknown_language(tmp_path):
    (line,) = problems(tmp_path, {"only-vi/index.de.md": GOOD})
    assert line.startswith("guides/only-vi/index.de.md:1: language 'de' is not one of the site's languages")


def test_step_count(tmp_path):
    text = GOOD.split("## Bước hai")[0]
    (line,) = problems(tmp_path, {"only-vi/index.md": text})
    assert "the guide has 1 steps" in line and "3 to 10" in line


def test_slug_must_be_ascii(tmp_path):
    out = problems(tmp_path, {"hướng-dẫn/index.md": GOOD})
    assert "is not a short ASCII slug" in out[0]


def test_decomposed_text_is_normalised(tmp_path):
    import unicodedata

    text = unicodedata.normalize("NFD", GOOD)
    root = docs(tmp_path, {"only-vi/index.md": text})
    library = load_library(root / "guides", LANGS, "vi", root)
    assert library.get("only-vi", "vi").meta.title == "Chỉ có tiếng Việt"


ALLOWED = ["gov.vn", "chinhphu.vn", "apps.apple.com", "play.google.com"]


def test_look_alike_link_is_refused(tmp_path):
    text = GOOD.replace("Làm việc ba.", "Làm việc ba. Tải [VNeID](https://vneid-gov.com/app).")
    (line,) = problems(tmp_path, {"only-vi/index.md": text}, ALLOWED)
    assert line.startswith("guides/only-vi/index.md:26: 'vneid-gov.com' is not an allowed domain")
    assert "allowed_domains in mkdocs.yml" in line


def test_look_alike_source_is_refused_and_subdomains_pass(tmp_path):
    text = GOOD.replace("https://dichvucong.gov.vn/", "https://dichvucong.gov.vn.example.com/")
    assert [p.split(" — ")[0] for p in problems(tmp_path, {"only-vi/index.md": text}, ALLOWED)] == [
        "guides/only-vi/index.md:12: 'dichvucong.gov.vn.example.com' is not an allowed domain (a look-alike site?)"]
    # The real portal and any official subdomain are fine.
    root = docs(tmp_path / "ok", {})
    load_library(root / "guides", LANGS, "vi", root, allowed_domains=ALLOWED)


@pytest.mark.parametrize("link", [
    "[portal](https://evil.example\\@dichvucong.gov.vn/)",
    "[portal](https://dichvucong.gov.vn@evil.example/)",
    "<https://vneid-gov.example/>",
])
def test_links_that_hide_their_site_are_refused(tmp_path, link):
    text = GOOD.replace("Làm việc ba.", f"Làm việc ba. {link}")
    found = problems(tmp_path, {"only-vi/index.md": text}, ALLOWED)
    assert [p.split(":")[1] for p in found] == ["26"], found


def test_reference_style_links_are_checked_too(tmp_path):
    text = GOOD.replace("Làm việc ba.", "Làm việc ba. [VNeID][app]\n\n[app]: https://vneid-gov.example/")
    found = "\n".join(problems(tmp_path, {"only-vi/index.md": text}, ALLOWED))
    assert "vneid-gov.example" in found and ":28:" in found


def test_date_that_does_not_exist(tmp_path):
    (line,) = problems(tmp_path, {"only-vi/index.md": GOOD.replace("2026-11-20", "2026-02-30")})
    assert line.startswith("guides/only-vi/index.md:13: front matter has a date that does not exist")


@pytest.mark.parametrize("slug", ["en", "search", "assets"])
def test_guide_folder_cannot_take_a_name_the_site_uses(tmp_path, slug):
    out = problems(tmp_path, {f"{slug}/index.md": GOOD})
    assert any(f"a guide cannot be called '{slug}'" in p for p in out), out


def test_svg_picture_that_loads_another_file(tmp_path):
    hostile = '<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/></svg>'
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![Ảnh](pic.svg)")
    (line,) = problems(tmp_path, {"only-vi/index.md": text, "only-vi/pic.svg": hostile})
    assert line.startswith("guides/only-vi/index.md:20: picture 'pic.svg' (its line 1) loads another file")


def test_svg_picture_with_arabic_script_text(tmp_path):
    """Pamphlets draw SVG text letter by letter: Arabic letters would print unjoined."""
    picture = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 90 40">\n<rect width="90" height="40"/>\n'
               '<text x="5" y="20">Đăng ký</text>\n<text x="5" y="35">{}</text>\n</svg>')
    text = GOOD.replace("Làm việc một.", "Làm việc một.\n\n![Ảnh](pic.svg)")
    root = docs(tmp_path / "vi", {"only-vi/index.md": text, "only-vi/pic.svg": picture.format("OTP 123")})
    assert "only-vi" in load_library(root / "guides", LANGS, "vi", root).guides
    (line,) = problems(tmp_path / "fa", {"only-vi/index.md": text, "only-vi/pic.svg": picture.format("پیامک")})
    assert line.startswith("guides/only-vi/index.md:20: picture 'pic.svg' (its line 4) has Arabic-script text: "
                           "pamphlets print SVG text letter by letter"), line


def test_links_to_headings_must_name_a_heading(tmp_path):
    text = GOOD.replace("../demo/index.md", "../demo/index.md#tim-vneid) [b](../demo/index.md#khong-co) [c](#buoc-hai")
    text = text.replace("[c](#buoc-hai", "[c](#buoc-hai) [d](#buoc-muoi")
    found = problems(tmp_path, {"only-vi/index.md": text})
    assert found == [
        # only-vi is shown untranslated on the en and fa sites too, where the
        # link opens demo's translation, whose headings have their own ids.
        "guides/only-vi/index.md:22: link '../demo/index.md#tim-vneid' points to no heading of "
        "guides/demo/index.en.md, guides/demo/index.fa.md, which the link opens on the site in that language — "
        "give the heading the same id in every language: write {#tim-vneid} after it in each file "
        "(see docs/writing-guides.md)",
        "guides/only-vi/index.md:22: link '../demo/index.md#khong-co' points to no heading — "
        "use one of the page's headings: #cai-at, #mo-kho-ung-dung, #tim-vneid",
        "guides/only-vi/index.md:22: link '#buoc-muoi' points to no heading — "
        "use one of the page's headings: #buoc-ba, #buoc-hai, #buoc-mot",
    ]


def test_a_heading_with_the_same_id_in_every_language_can_be_linked(tmp_path):
    """The fix the check asks for: {#id} after the heading in each language's file."""
    files = {"only-vi/index.md": GOOD.replace("../demo/index.md", "../demo/index.md#find")}
    for name, heading in (("index.md", "## Tìm VNeID"), ("index.en.md", "## Find VNeID"),
                          ("index.fa.md", "## VNeID را پیدا کنید")):
        text = (FIXTURES / "guides" / "demo" / name).read_text(encoding="utf-8")
        assert heading + "\n" in text
        files[f"demo/{name}"] = text.replace(heading + "\n", heading + " {#find}\n")
    root = docs(tmp_path, files)
    assert "only-vi" in load_library(root / "guides", LANGS, "vi", root).guides


def test_a_translation_links_the_ids_of_its_own_language(tmp_path):
    english = (FIXTURES / "guides" / "demo" / "index.en.md").read_text(encoding="utf-8")
    assert "## Install it" in english
    good = english.replace("## Install it", "## Install it\n\nSee [step 2](../demo/index.md#find-vneid).")
    root = docs(tmp_path / "good", {"demo/index.en.md": good})
    assert "demo" in load_library(root / "guides", LANGS, "vi", root).guides
    bad = english.replace("## Install it", "## Install it\n\nSee [step 2](../demo/index.md#tim-vneid).")
    (line,) = problems(tmp_path / "bad", {"demo/index.en.md": bad})
    assert "link '../demo/index.md#tim-vneid' points to no heading of guides/demo/index.en.md — use one of the " \
           "page's headings: #find-vneid, #install-it, #open-the-app-store" in line, line
