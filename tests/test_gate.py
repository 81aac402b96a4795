"""The one gate: hostile content, in every form Markdown allows, is refused by
`doorstep check` and by the build with the same first problem at the same
file:line, and nothing of it reaches site/."""

from __future__ import annotations

import os
import re
import subprocess

import pytest

from conftest import BIN, SITE_URL, make_project, run_build

GUIDE = "guides/only-vi/index.md"
EVIL = "https://evil.example/"

# (name, what replaces "Làm việc ba." (line 26 of the fixture), file:line of the first problem, words it holds)
BODY = [
    ("link", f"[Cổng]({EVIL})", 26, "evil.example"),
    ("link-text-over-two-lines", f"[Cổng\ndịch vụ]({EVIL})", 27, "evil.example"),
    ("link-address-after-a-space", f"[Cổng]( {EVIL})", 26, "evil.example"),
    ("link-in-angle-brackets", f"[Cổng](<{EVIL}>)", 26, "evil.example"),
    ("link-with-a-title", f'[Cổng]({EVIL} "Cổng chính thức")', 26, "evil.example"),
    ("link-with-nested-brackets", f"[Cổng [chính] thức]({EVIL})", 26, "evil.example"),
    ("picture-inside-a-link", f"[![Điện thoại](../demo/phone.svg)]({EVIL})", 26, "evil.example"),
    ("reference-on-the-next-line", f"[Cổng][r]\n\n[r]:\n    {EVIL}", 29, "evil.example"),
    ("reference-inside-a-quote", f"[Cổng][q]\n\n> [q]: {EVIL}", 28, "evil.example"),
    ("attribute-list-sets-href-on-a-link", f'[Cổng](https://dichvucong.gov.vn/){{: href="{EVIL}" }}', 26,
     "evil.example"),
    ("attribute-list-sets-href-on-a-paragraph", f'Làm việc ba.\n{{: href="{EVIL}" }}', 27, "href"),
    ("autolink", f"<{EVIL}>", 26, "evil.example"),
    ("javascript-link", "[Cổng](JaVaScRiPt:alert(1))", 26, "javascript"),
    ("data-link", "[Cổng](data:text/html;base64,PHNjcmlwdD4=)", 26, "data"),
    ("http-link", "[Cổng](http://dichvucong.gov.vn/)", 26, "not https"),
    ("user-part", "[Cổng](https://dichvucong.gov.vn@evil.example/)", 26, "hides which site"),
    ("look-alike-subdomain", "[Cổng](https://dichvucong.gov.vn.evil.example/)", 26, "evil.example"),
    ("zero-width-space", "[Cổng](https://dichvucong.gov.vn\u200b.evil.example/)", 26, "invisible"),
    ("bidi-override", "[Cổng](https://dichvucong.gov.vn/\u202e)", 26, "invisible"),
    ("protocol-relative", "[Cổng](//evil.example/)", 26, "https"),
    ("entity-built-scheme", "[Cổng](jav&#x61;script:alert(1))", 26, "javascript"),
    ("entity-built-host", "Mở [Cổng](https://evil.example&sol;.gov.vn/).", 26, "evil.example"),
    ("raw-html-in-an-attribute", "Làm việc ba.\n{: title='<!-- \"><script>alert(1)</script> -->' }", 27,
     "raw HTML inside the attribute"),
    ("mail-with-hidden-copy", "[Hỗ trợ](mailto:hotro@dichvucong.gov.vn?bcc=thu@evil.example)", 26, "hidden"),
    ("mail-to-two", "[Hỗ trợ](mailto:x@evil.example,hotro@dichvucong.gov.vn)", 26, "more than one"),
    ("text-e-mail-address", "Gửi ảnh CCCD tới hotro@dichvucong-gov.com.", 26, "dichvucong-gov.com"),
    ("text-address-split-by-bold", "Vào **dichvucong-gov**.com để làm.", 26, "dichvucong-gov.com"),
    ("text-address-in-vietnamese-letters", "Vào cổngdịchvụcông.com để làm.", 26, "cổngdịchvụcông.com"),
    ("text-ip-address", "Vào 103.21.0.5/dang-nhap để làm.", 26, "103.21.0.5"),
    ("text-address-after-a-dash", "Vào trang -dichvucong-gov.com để làm.", 26, "dichvucong-gov.com"),
    ("text-address-before-an-at", "Vào dichvucong.gov.vn@evil.com để làm.", 26, "evil.com"),
    ("text-address-in-capitals-unknown-ending", "Vào DICHVUCONG.GOV.VN.EVIL.CYOU ngay.", 26, "evil.cyou"),
    ("phone-link-calls-another-number", "Gọi [0912 345 678](tel:+84999999999).", 26, "calls another number"),
    ("class-of-the-pamphlet", "Làm việc ba.\n{: .footer }", 27, "footer"),
    ("deep-quotes", "> " * 60 + "x", 26, "nested"),
    ("glyph-in-a-printed-address", "[Cổng](https://dichvucong.gov.vn/中)", 26, "U+4E2D"),
    ("form", f'<form action="{EVIL}"><input name="p"></form>', 26, "<form>"),
    ("event-handler-tag", "<details open ontoggle=alert(1)><summary>x</summary></details>", 26, "<details>"),
    ("inline-raw-link", f'Xem <a href="{EVIL}">đây</a>.', 26, "<a>"),
    ("inline-span-with-handler", 'Chữ <span onclick="alert(1)">a</span>.', 26, "<span>"),
    ("script-after-a-comment", "<!-- ghi chú --><script>alert(1)</script>", 26, "<script>"),
    ("svg-inline", "<svg onload=alert(1)></svg>", 26, "<svg>"),
    ("attribute-list-event-handler", 'Làm việc ba.\n{: onclick="alert(1)" }', 27, "event handler"),
    ("attribute-list-style", 'Làm việc ba.\n{: style="background:url(https://evil.example/x)" }', 27, "style"),
    ("attribute-list-data-address", 'Làm việc ba.\n{: data="https://evil.example/" }', 27, "address"),
    ("text-address", "Vào trang dichvucong-gov.com để làm.", 26, "dichvucong-gov.com"),
    ("text-url", f"Vào {EVIL}login ngay.", 26, "evil.example"),
    ("text-address-any-ending", "Vào trang dichvucong.gov.vn.ru để làm.", 26, "dichvucong.gov.vn.ru"),
    ("text-address-full-width-dots", "Vào trang dichvucong\uff0egov\uff0evn\u3002evil\uff0eru.", 26, "evil.ru"),
    ("text-address-in-capitals", "Vào trang DICHVUCONG-GOV.COM để làm.", 26, "dichvucong-gov.com"),
    ("text-address-in-code", "Gõ `evil.example.com` vào trình duyệt.", 26, "evil.example.com"),
    ("outside-picture", f"![Ảnh]({EVIL}a.png)", 26, "not a file in the guide's folder"),
    ("data-picture", "![Ảnh](data:image/svg+xml,%3Csvg%3E)", 26, "not a file in the guide's folder"),
    ("long-list", "\n".join(f"- mục {i}" for i in range(40)), 26, "a list of 40 items"),
    ("bracket-bomb", "Bước " + "[" * 20000 + "x" + "](y)" * 3000, 26, "20000 '['"),  # minutes to render, unchecked
]


def make(tmp_path, replace: dict[str, str] | None = None, files: dict | None = None):
    project = make_project(tmp_path / "project")
    path = project / GUIDE
    text = path.read_text(encoding="utf-8")
    for old, new in (replace or {}).items():
        assert old in text
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")
    for name, content in (files or {}).items():
        target = project / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is None:  # the guide, using the picture
            path.write_text(text.replace("Làm việc ba.", "Làm việc ba.\n\n![Màn hình](login.svg)"), encoding="utf-8")
        elif callable(content):
            content(target)
        elif isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return project


def check(project) -> list[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": SITE_URL}
    result = subprocess.run([str(BIN / "doorstep"), "check", "-f", str(project / "mkdocs.yml")], capture_output=True,
                            text=True, env=env, cwd=project, timeout=300)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    return [line for line in result.stderr.splitlines() if re.match(r"\S+:\d+: (?!warning)", line)]


def build_errors(project) -> list[str]:
    result = run_build(project)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert not (project / "site").exists(), "a failed build left a site"
    return [m.group(1) for m in re.finditer(r"(?:ERROR\s+-\s+)?((?:guides/|\.cache/)\S*:\d+: [^\n]+)", result.stderr)]


def same_first_problem(project, where: str, words: str) -> str:
    checked, built = check(project), build_errors(project)
    assert checked and built
    assert checked[0] == built[0], (checked, built)
    assert checked[0].startswith(where + ":"), checked
    assert words.lower() in checked[0].lower(), checked[0]
    return checked[0]


@pytest.mark.parametrize("name,markdown,line,words", BODY, ids=[b[0] for b in BODY])
def test_hostile_body_is_refused_by_check_and_build_alike(tmp_path, name, markdown, line, words):
    project = make(tmp_path, {"Làm việc ba.": markdown})
    same_first_problem(project, f"{GUIDE}:{line}", words)


FRONT = [
    ("address-in-help", {"where: Tại nhà": "where: Tại nhà\nhelp: Gọi cho chúng tôi qua dichvucong-gov.com"}, 10,
     "dichvucong-gov.com"),
    ("address-in-a-need", {"  - Điện thoại": "  - Điện thoại\n  - Mở evil.example.com"}, 7, "evil.example.com"),
    ("field-too-long", {"cost: Miễn phí": "cost: " + "Miễn phí " * 150}, 7, "too long"),
    ("source-with-user-part", {"url: https://dichvucong.gov.vn/": "url: https://x@dichvucong.gov.vn/"}, 12, "hides"),
]


@pytest.mark.parametrize("name,replace,line,words", FRONT, ids=[f[0] for f in FRONT])
def test_hostile_front_matter_is_refused(tmp_path, name, replace, line, words):
    project = make(tmp_path, replace)
    same_first_problem(project, f"{GUIDE}:{line}", words)


def _symlink(target):
    def make_link(path):
        path.symlink_to(target)
    return make_link


FILES = [
    ("extra-page", {"guides/only-vi/notes.md": "# Ghi chú\n\n[x](https://evil.example/)\n"},
     "guides/only-vi/notes.md:1", "page"),
    ("html-file", {"guides/only-vi/login.html": "<form action='https://evil.example/'></form>"},
     "guides/only-vi/login.html:1", "published"),
    ("text-file", {"guides/notes.txt": "secret"}, "guides/notes.txt:1", "published"),
    ("unused-picture", {"guides/only-vi/unused.svg": '<svg xmlns="http://www.w3.org/2000/svg"/>'},
     "guides/only-vi/unused.svg:1", "published"),
    ("symlink-to-the-environment", {"guides/only-vi/env.svg": _symlink("/proc/self/environ")},
     "guides/only-vi/env.svg:1", "symbolic link"),
    ("symlinked-folder", {"guides/etc": _symlink("/etc")}, "guides/etc:1", "symbolic link"),
    ("huge-guide", {"guides/only-vi/index.md": "---\n" + "a" * (70 * 1024) + "\n"}, f"{GUIDE}:1", "KB"),
    ("page-in-a-subfolder", {"guides/only-vi/x/index.md": "<script>alert(1)</script>\n"},
     "guides/only-vi/x/index.md:1", "published"),
    ("home-page-picks-a-template", {"guides/index.md": "---\ntitle: Trang chủ\ntemplate: redirect.html\n"
                                                       "location: https://evil.example/\n---\n\nXin chào.\n"},
     "guides/index.md:3", "template"),
    ("a-name-with-a-newline", {"guides/only-vi/index.md\n": "<script>alert(1)</script>"},
     "guides/only-vi/index.md\\n:1", "control character"),
    ("picture-drawing-an-address", {"guides/only-vi/index.md": None, "guides/only-vi/login.svg":
                                    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30">'
                                    '<text x="0" y="20">Đăng nhập tại dichvucong-gov.com</text></svg>'},
     f"{GUIDE}:28", "dichvucong-gov.com"),
]


@pytest.mark.parametrize("name,files,where,words", FILES, ids=[f[0] for f in FILES])
def test_only_what_a_guide_is_made_of_is_published(tmp_path, name, files, where, words):
    project = make(tmp_path, files=files)
    same_first_problem(project, where, words)


def test_allowed_addresses_in_every_form_pass(tmp_path):
    project = make(tmp_path, {"Làm việc ba.": "Vào [Cổng](<https://DichVuCong.Gov.VN./tra-cuu?a=1&b=2> \"Cổng\"), "
                                               "gọi [0912 345 678](tel:+84912345678) hoặc xem dichvucong.gov.vn."})
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "site" / "only-vi" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://DichVuCong.Gov.VN./tra-cuu?a=1&amp;b=2"' in page


def test_a_table_with_aligned_columns_passes_without_style(tmp_path):
    table = "| Việc | Phí |\n|:---|---:|\n| Đăng ký | Miễn phí |"
    project = make(tmp_path, {"Làm việc ba.": table})
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    page = (project / "site" / "only-vi" / "index.html").read_text(encoding="utf-8")
    assert '<td align="right">Miễn phí</td>' in page and "style=" not in page.split('class="ds-steps"')[1]


# ---------------------------------------------------------------- the same body on paper

def _pdf_text(path) -> str:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    return "\n".join(document[i].get_textpage().get_text_range() for i in range(len(document)))


def test_a_step_with_a_list_prints_and_keeps_its_picture_beside_its_heading(tmp_path):
    import shutil

    import tinyhtml5

    from doorstep.project import load_project

    step = "Làm việc hai:\n\n- mở ứng dụng\n- chọn mục\n    - mục con\n\n![Điện thoại](phone.svg)\n\nRồi bấm Tiếp tục."
    project = make(tmp_path, {"Làm việc hai. Xem thêm [hướng dẫn VNeID](../demo/index.md).": step})
    shutil.copy(project / "guides/demo/phone.svg", project / "guides/only-vi/phone.svg")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    text = _pdf_text(project / "site/only-vi/only-vi.pdf")
    assert "mở ứng dụng" in text and "mục con" in text and "Rồi bấm Tiếp tục" in text
    library = load_project(project / "mkdocs.yml")
    paper = library.resolve("only-vi", "vi").rendered.paper_html(SITE_URL + "only-vi/", "only-vi/")
    tree = tinyhtml5.parse(f"<div>{paper}</div>", namespace_html_elements=False)
    step_two = tree.findall(".//li[@class='ds-step']")[1]
    head = step_two[0]
    assert head.get("class") == "step-head"
    assert [child.tag for child in head] == ["h2", "img", "p"]  # heading, its picture, its first paragraph
    assert head[1].get("src") == "phone.svg"
    assert step_two[1].tag == "ul"  # the list stays after it, whole


def test_a_link_with_an_ampersand_prints_as_written(tmp_path):
    project = make(tmp_path, {"Làm việc ba.": "Xem [trang tra cứu](https://dichvucong.gov.vn/tra-cuu?a=1&b=2)."})
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    text = _pdf_text(project / "site/only-vi/only-vi.pdf")
    assert "(dichvucong.gov.vn/tra-cuu?a=1&b=2)" in text.replace("\r", "").replace("\n", "")
    assert "&amp;" not in text


def test_a_picture_whose_text_no_font_has_fails_check_and_build_at_the_line_using_it(tmp_path):
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="100" height="30">'
           '<text x="0" y="20">Bấm 中</text></svg>')
    project = make(tmp_path, {"Làm việc ba.": "Làm việc ba.\n\n![Nút bấm](button.svg)"},
                   files={"guides/only-vi/button.svg": svg})
    problem = same_first_problem(project, f"{GUIDE}:28", "button.svg")
    assert "U+4E2D" in problem


def test_campaign_pamphlets_print_the_body_the_site_renders():
    """For every bundled guide × language, the campaign pamphlet's body is the site pamphlet's."""
    from conftest import LANGS, REPO, bundled_guides, page_url
    from doorstep.campaign import Printer
    from doorstep.project import load_project, read_settings

    settings = read_settings(REPO / "mkdocs.yml")
    settings.site_url = SITE_URL
    library = load_project(REPO / "mkdocs.yml")
    printer = Printer(settings, library, workers=1)
    try:
        for slug in bundled_guides():
            for lang in LANGS:
                path = ("" if lang == "vi" else f"{lang}/") + f"{slug}/"
                site = library.resolve(slug, lang).rendered.paper_html(page_url(lang, slug), path)
                job = printer.pamphlet_job(slug, lang)
                assert job.content == site, (slug, lang)
                assert job.files == library.resolve(slug, lang).rendered.files()
    finally:
        printer.close()


def test_cached_bodies_are_judged_again_when_a_picture_or_a_link_target_changes(tmp_path):
    """Bodies are kept between runs (.cache/doorstep/bodies.json), but never
    trusted after a file they depend on changed."""
    project = make(tmp_path)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DOORSTEP_SITE_URL": SITE_URL}

    def run_check():
        return subprocess.run([str(BIN / "doorstep"), "check", "-f", str(project / "mkdocs.yml")],
                              capture_output=True, text=True, env=env, cwd=project, timeout=300)

    assert run_check().returncode == 0
    assert (project / ".cache" / "doorstep" / "bodies.json").is_file()
    picture = project / "guides" / "demo" / "phone.svg"
    good = picture.read_text(encoding="utf-8")
    picture.write_text(good.replace("<svg ", '<svg onload="alert(1)" ', 1), encoding="utf-8")
    result = run_check()
    assert result.returncode == 1 and "phone.svg" in result.stderr and "onload" in result.stderr
    picture.write_text(good, encoding="utf-8")
    assert run_check().returncode == 0
    import shutil

    shutil.rmtree(project / "guides" / "demo")
    result = run_check()
    assert result.returncode == 1
    assert f"{GUIDE}:22: link '../demo/index.md' points to nothing" in result.stderr


def test_a_drawing_that_multiplies_itself_is_refused(tmp_path):
    group = "".join('<rect width="1" height="1"/>' for _ in range(300))
    uses = "".join('<use href="#g"/>' for _ in range(300))  # 90,000 shapes drawn: ≈ 6 s per pamphlet
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><defs><g id="g">{group}</g></defs>{uses}</svg>'
    project = make(tmp_path, {"Làm việc ba.": "Làm việc ba.\n\n![Hình](many.svg)"},
                   files={"guides/only-vi/many.svg": svg})
    same_first_problem(project, f"{GUIDE}:28", "shapes")


def test_a_cache_file_in_the_repository_stops_check_and_build(tmp_path):
    """A commit could plant a rendered body or a finished pamphlet in the cache folder."""
    project = make(tmp_path)
    planted = project / ".cache" / "doorstep" / "bodies.json"
    planted.parent.mkdir(parents=True)
    planted.write_text("{}", encoding="utf-8")
    git = ["git", "-C", str(project), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "-f", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "planted"], check=True)
    problem = same_first_problem(project, ".cache/doorstep/bodies.json:1", "cache")
    assert "git rm -r --cached .cache/doorstep" in problem
