"""doorstep.pictures: one verdict on a guide's picture file, for the site and for paper."""

from __future__ import annotations

import os
import re
import struct
import unicodedata
import zlib
from pathlib import Path

import pytest

from doorstep.pictures import MAX_PICTURE_BYTES, Refused, check_picture, svg_text

REPO = Path(__file__).resolve().parent.parent
GUIDE, LINE = "guides/demo/index.md", 7
# The pattern the glyph check used before (model.SVG_TEXT_RE): Picture.text must see at least as much.
OLD_SVG_TEXT_RE = re.compile(r"<(text|tspan|textPath)\b[^>]*>(?P<text>[^<]*)", re.S)
SVG = 'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'


def verdict(tmp_path: Path, name: str, content: str | bytes):
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return check_picture(path, name, GUIDE, LINE)


def refused(tmp_path: Path, name: str, content: str | bytes) -> list[str]:
    """The problems' lines; each must name the guide's line and the picture, on one line."""
    picture, problems = verdict(tmp_path, name, content)
    assert picture is None and problems, f"{name} was accepted"
    lines = [str(p) for p in problems]
    for line in lines:
        assert line.startswith(f"{GUIDE}:{LINE}: picture '{name}'"), line
        assert "\n" not in line and " — " in line, line  # one line, with what to do
    return lines


def svg(body: str, attrs: str = "") -> str:
    return f'<svg {SVG} viewBox="0 0 10 10"{attrs}>\n{body}\n</svg>\n'


# --------------------------------------------------------------------------- hostile SVGs

HOSTILE = {
    # event handlers, in any case and any namespace
    "onload": (svg('<rect width="1" height="1"/>', ' onload="alert(1)"'), "event handler 'onload'"),
    "OnLoad": (svg("", ' OnLoad="alert(1)"'), "event handler 'OnLoad'"),
    "ONCLICK on a child": (svg('<rect ONCLICK="alert(1)" width="1" height="1"/>'), "event handler 'ONCLICK'"),
    "onclick in a namespace": (svg('<rect xmlns:x="urn:x" x:onclick="alert(1)"/>'), "event handler 'onclick'"),
    "onbegin on animation-free g": (svg('<g onfocusin="alert(1)"/>'), "event handler 'onfocusin'"),
    # scripts, frames, foreign content
    "script": (svg("<script>alert(1)</script>"), "<script> element"),
    "script with a prefix": (svg('<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>'),
                             "<script> element"),
    "xhtml script": (svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
                     "<script> element"),
    "script in another namespace": (svg('<x:script xmlns:x="urn:evil">alert(1)</x:script>'), "<script> element"),
    "SCRIPT uppercase": (svg("<SCRIPT>alert(1)</SCRIPT>"), "<SCRIPT> element"),
    "foreignObject": (svg('<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">hi</body></foreignObject>'),
                      "<foreignObject> element"),
    "xhtml img": (svg('<h:img xmlns:h="http://www.w3.org/1999/xhtml" src="https://evil.example/t.png"/>'),
                  "HTML or MathML element <img>"),
    "iframe": (svg('<iframe xmlns="http://www.w3.org/1999/xhtml" src="https://evil.example/"/>'), "<iframe> element"),
    "embed": (svg('<embed src="x.swf"/>'), "<embed> element"),
    "object": (svg('<object data="x.html"/>'), "<object> element"),
    "handler": (svg('<handler type="application/ecmascript">alert(1)</handler>'), "<handler> element"),
    "xml-events listener": (svg('<ev:listener xmlns:ev="http://www.w3.org/2001/xml-events" event="load" '
                                'handler="#h"/>'), "<listener> element"),
    "set href": (svg('<a href="#x"><set attributeName="href" to="javascript:alert(1)"/><rect id="x"/></a>'),
                 "animation <set>"),
    "animate xlink:href": (svg('<a xlink:href="#x"><animate attributeName="xlink:href" '
                               'values="javascript:alert(1)"/></a>'), "animation <animate>"),
    "animate fill to a url": (svg('<rect><animate attributeName="fill" to="url(https://evil.example/#p)"/></rect>'),
                              "animation <animate>"),
    "xml-stylesheet": ('<?xml version="1.0"?>\n<?xml-stylesheet href="https://evil.example/x.css"?>\n' + svg(""),
                       "processing instruction <?xml-stylesheet…?>"),
    # references outside the picture
    "xlink:href http": (svg('<image xlink:href="http://evil.example/x.png" width="1" height="1"/>'),
                        "loads another file or address: href='http://evil.example/x.png'"),
    "href javascript": (svg('<a href="javascript:alert(1)"><rect width="1" height="1"/></a>'),
                        "href='javascript:alert(1)'"),
    "href JavaScript with spaces": (svg('<a href="  JavaScript:alert(1)"/>'), "href='JavaScript:alert(1)'"),
    "use of another file": (svg('<use href="other.svg#x"/>'), "href='other.svg#x'"),
    "use of a protocol-relative address": (svg('<use xlink:href="//evil.example/x.svg#a"/>'),
                                           "href='//evil.example/x.svg#a'"),
    "image data:": (svg('<image href="data:image/png;base64,iVBORw0KGgo=" width="1" height="1"/>'),
                    "href='data:image/png;base64,iVBORw0KGgo='"),
    "image data: svg": (svg('<image href="data:image/svg+xml,&lt;svg onload=alert(1)&gt;"/>'), "href='data:"),
    "feImage": (svg('<filter id="f"><feImage href="https://evil.example/p.png"/></filter>'), "href='https://"),
    "href in another namespace": (svg('<rect xmlns:q="urn:q" q:href="https://evil.example/"/>'), "href='https://"),
    "href with character references": (svg('<a href="&#106;ava&#x73;cript:alert(1)"/>'), "href='javascript:alert(1)'"),
    "fill with character references": (svg('<rect fill="&#117;rl(https://evil.example/p)"/>'),
                                       "url(https://evil.example/p)"),
    "xinclude": (svg('<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd" parse="text"/>'),
                 "href='file:///etc/passwd'"),
    "empty href": (svg('<use href=""/>'), "href=''"),
    "xml:base": (svg('<g xml:base="https://evil.example/"><use href="#a"/></g><rect id="a"/>'),
                 "xml:base='https://evil.example/'"),
    # url() in style attributes, presentation attributes and <style>, escapes and all
    "style url": (svg('<rect style="fill:url(http://evil.example/p)"/>'), "url(http://evil.example/p)"),
    "style u\\rl": (svg(r'<rect style="fill:u\rl(http://evil.example/p)"/>'), "url(http://evil.example/p)"),
    "style \\75 rl": (svg(r'<rect style="fill:\75 rl(http://evil.example/p)"/>'), "url(http://evil.example/p)"),
    "style url with a quoted string": (svg('<rect style="fill:url( \'https://evil.example/p\' )"/>'),
                                       "url(https://evil.example/p)"),
    "style u\\72 l quoted": (svg(r'<rect style="fill:u\72 l(&quot;https://evil.example/p&quot;)"/>'),
                             "url(https://evil.example/p)"),
    "style URL data:": (svg('<rect style="fill: URL(data:image/png;base64,AAAA)"/>'), "url(data:image/png"),
    "fill": (svg('<rect fill="url(https://evil.example/#g)"/>'), "url(https://evil.example/#g)"),
    "clip-path": (svg('<rect clip-path="url(other.svg#c)"/>'), "url(other.svg#c)"),
    "mask": (svg('<rect mask="url(/etc/passwd)"/>'), "url(/etc/passwd)"),
    "filter": (svg('<rect filter="url(file:///etc/passwd#f)"/>'), "url(file:///etc/passwd#f)"),
    "marker-start": (svg('<path d="M0 0L1 1" marker-start="url(m.svg#m)"/>'), "url(m.svg#m)"),
    "cursor": (svg('<rect cursor="url(https://evil.example/c.cur), auto"/>'), "url(https://evil.example/c.cur)"),
    "style element url": (svg("<style>\nrect { fill: url(https://evil.example/p) }\n</style>"),
                          "(its line 3) loads another file or address: url(https://evil.example/p)"),
    "style element in CDATA": (svg("<style><![CDATA[ rect { fill: \\75 rl(https://evil.example/p) } ]]></style>"),
                               "url(https://evil.example/p)"),
    "@import": (svg('<style>@import "https://evil.example/x.css";</style>'), "@import in its style"),
    "@import escaped": (svg(r"<style>@\69mport url(x.css);</style>"), "@import in its style"),
    "@font-face": (svg("<style>@font-face { font-family: x; src: local(Arial) }</style>"), "@font-face in its style"),
    "image-set": (svg('<style>svg { background: image-set("https://evil.example/t.png" 1x) }</style>'),
                  "through image-set()"),
    "url nested in a block": (svg("<style>@media print { rect { fill: url(https://evil.example/p) } }</style>"),
                              "url(https://evil.example/p)"),
    # DTDs and entities: billion laughs, external entities
    "doctype": ('<?xml version="1.0"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
                '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n' + svg(""),
                "(its line 2) has a <!DOCTYPE …> declaration"),
    "billion laughs": ('<!DOCTYPE svg [\n<!ENTITY a "ha">\n<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n'
                       '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">\n]>\n' + svg("<text>&c;</text>"),
                       "<!DOCTYPE …> declaration"),
    "external entity": ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n' + svg("<text>&x;</text>"),
                        "<!DOCTYPE …> declaration"),
    "parameter entity": ('<!DOCTYPE svg [<!ENTITY % p SYSTEM "https://evil.example/x.dtd"> %p;]>\n' + svg(""),
                         "<!DOCTYPE …> declaration"),
    "undeclared entity": (svg("<text>&nbsp;</text>"), "(its line 2) is not well-formed XML (undefined entity)"),
    # not an SVG drawing
    "malformed": (svg("<g>\n<rect>\n</g>"), "(its line 4) is not well-formed XML (mismatched tag)"),
    "empty": ("", "is not well-formed XML (no element found)"),
    "html root": ('<html xmlns="http://www.w3.org/1999/xhtml"><body onload="x()"/></html>',
                  "its root element is <html> outside the SVG namespace"),
    "svg without namespace": ('<svg viewBox="0 0 1 1"/>', "its root element is <svg> outside the SVG namespace"),
    "svg in another namespace": ('<svg xmlns="urn:not-svg"/>', "outside the SVG namespace"),
    # pictures that cannot print or would not end
    "arabic text": (svg('<text x="1" y="5">Đăng ký</text>\n<text x="1" y="9">پیامک</text>'),
                    "(its line 3) has Arabic-script text: pamphlets print SVG text letter by letter"),
    "arabic in a tspan": (svg('<text>OTP <tspan>رمز</tspan></text>'), "has Arabic-script text"),
    "arabic in a foreign-namespace text (WeasyPrint draws it)": (
        svg('<x:text xmlns:x="urn:x">OTP <x:tspan>رمز</x:tspan></x:text>'), "has Arabic-script text"),
    "tref": (svg('<defs><desc id="d">پیامک</desc></defs><text><tref href="#d"/></text>'), "has a <tref>"),
    "style in another namespace": (svg('<x:style xmlns:x="urn:x">@import "https://evil.example/x.css";</x:style>'),
                                   "@import in its style"),
    "use in another namespace": (svg('<g id="a"><x:use xmlns:x="urn:x" href="#a"/></g>'), "holds a <use> itself"),
    "HREF uppercase": (svg('<a HREF="https://evil.example/"/>'), "HREF='https://evil.example/'"),
    "use loop": (svg('<g id="a"><use href="#a"/></g>'), "has a <use> of '#a', which holds a <use> itself"),
    "use bomb": (svg('<rect id="r0" width="1" height="1"/>\n'
                     + "".join(f'<g id="r{i + 1}">' + f'<use href="#r{i}"/>' * 10 + "</g>\n" for i in range(9))),
                 "which holds a <use> itself"),
    "deep nesting": (svg("<g>" * 100 + "</g>" * 100), "nests elements more than 64 deep"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_svg_is_refused_at_the_guide_line(tmp_path, name):
    content, expected = HOSTILE[name]
    lines = refused(tmp_path, "pic.svg", content)
    assert any(expected in line for line in lines), lines


def test_a_problem_names_the_line_in_the_svg(tmp_path):
    (line,) = refused(tmp_path, "pic.svg", svg('<rect/>\n<rect/>\n<a href="https://evil.example/"/>'))
    assert line == (f"{GUIDE}:{LINE}: picture 'pic.svg' (its line 4) loads another file or address: "
                    "href='https://evil.example/' — draw everything inside the SVG: href and url() may only "
                    "point to its own #ids (no other file, no web address, no data: image)")


def test_doctype_gives_a_reason_and_what_to_do(tmp_path):
    (line,) = refused(tmp_path, "pic.svg", '<!DOCTYPE svg>\n' + svg(""))
    assert "<!DOCTYPE …> declaration" in line and "delete the <!DOCTYPE …>" in line


def test_many_problems_stay_a_few_lines(tmp_path):
    lines = refused(tmp_path, "pic.svg", svg("\n".join(f'<rect onclick="a({i})"/>' for i in range(1000))))
    assert 1 <= len(lines) <= 5


def test_svg_text_refuses_what_check_refuses(tmp_path):
    path = tmp_path / "pic.svg"
    path.write_text('<!DOCTYPE svg [<!ENTITY a "b">]>' + svg("<text>&a;</text>"))
    with pytest.raises(Refused):
        svg_text(path)


# --------------------------------------------------------------------------- file types, size, dimensions

def png(width: int, height: int, pixels: bool = False) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    data = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
    if pixels:
        data += chunk(b"IDAT", zlib.compress(b"\x00" + b"\x80" * width))
    return b"\x89PNG\r\n\x1a\n" + data + chunk(b"IEND", b"")


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = b"\xff\xc2" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof + b"\xff\xd9"


def webp(chunk: bytes, payload: bytes) -> bytes:
    body = b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    return b"RIFF" + struct.pack("<I", len(body)) + body


def webp_lossless(width: int, height: int) -> bytes:
    return webp(b"VP8L", b"\x2f" + ((width - 1) | (height - 1) << 14).to_bytes(4, "little") + b"\x00" * 4)


def webp_lossy(width: int, height: int) -> bytes:
    return webp(b"VP8 ", b"\x00\x00\x00\x9d\x01\x2a" + struct.pack("<HH", width, height) + b"\x00" * 4)


def webp_extended(width: int, height: int) -> bytes:
    return webp(b"VP8X", b"\x00" * 4 + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little"))


RASTER_GOOD = {
    "ok.png": (png(1, 1, pixels=True), (1, 1)),
    "ok.PNG": (png(720, 1600), (720, 1600)),
    "ok.jpg": (jpeg(1080, 2400), (1080, 2400)),
    "ok.jpeg": (jpeg(300, 200), (300, 200)),
    "ok.webp": (webp_lossless(640, 480), (640, 480)),
    "lossy.webp": (webp_lossy(800, 600), (800, 600)),
    "extended.webp": (webp_extended(4096, 1024), (4096, 1024)),
}


@pytest.mark.parametrize("name", RASTER_GOOD)
def test_raster_pictures_are_accepted_with_their_size(tmp_path, name):
    content, size = RASTER_GOOD[name]
    picture, problems = verdict(tmp_path, name, content)
    assert problems == []
    assert (picture.width, picture.height) == size and picture.text == "" and picture.size == len(content)


RASTER_BAD = {
    "png that is an svg": ("shot.png", svg(""), "is not a PNG image: it is SVG — give it the extension of its "
                                                "real type (.svg)"),
    "png that is html": ("shot.png", "<!doctype html><script>alert(1)</script>", "it is HTML or XML text"),
    "jpg that is a png": ("shot.jpg", png(2, 2), "is not a JPEG image: it is PNG — give it the extension of its "
                                                 "real type (.png)"),
    "webp that is a gif": ("shot.webp", b"GIF89a\x01\x00\x01\x00", "is not a WebP image: it is GIF"),
    "svg that is a png": ("pic.svg", png(2, 2), "is not an SVG file: it is PNG"),
    "svg that is gzipped": ("pic.svg", zlib.compress(b"x"), "is not well-formed XML"),
    "gif": ("anim.gif", b"GIF89a", "is a '.gif' file, not a picture a guide can use"),
    "svgz": ("pic.svgz", b"\x1f\x8b", "is a '.svgz' file"),
    "html": ("page.html", "<html/>", "is a '.html' file"),
    "no extension": ("picture", png(1, 1), "is a 'picture' file"),
    "empty png": ("shot.png", b"", "is not a PNG image: it is of no picture type known (or empty)"),
    "png without header": ("shot.png", b"\x89PNG\r\n\x1a\n", "is damaged: its PNG header holds no width and height"),
    "jpeg without frame": ("shot.jpg", b"\xff\xd8\xff\xd9", "is damaged"),
    "png bomb": ("shot.png", png(100_000, 100_000), "is 100000×100000 pixels: a picture may have 1 to 4096 pixels a side and 8 megapixels at most"),
    "png too many pixels": ("shot.png", png(4000, 4000), "is 4000×4000 pixels"),
    "png zero wide": ("shot.png", png(0, 10), "is 0×10 pixels"),
    "png 2**32-1 high": ("shot.png", png(1, 2**32 - 1), "is 1×4294967295 pixels"),
    "jpeg bomb": ("shot.jpg", jpeg(65_000, 65_000), "is 65000×65000 pixels"),
    "webp lossless bomb": ("shot.webp", webp_lossless(16_384, 16_384), "is 16384×16384 pixels"),
    "webp lossy bomb": ("shot.webp", webp_lossy(16_000, 9_000), "is 16000×9000 pixels"),
    "webp extended bomb": ("shot.webp", webp_extended(2**24, 2**24), "is 16777216×16777216 pixels"),
}


@pytest.mark.parametrize("case", RASTER_BAD)
def test_bad_files_are_refused_at_the_guide_line(tmp_path, case):
    name, content, expected = RASTER_BAD[case]
    lines = refused(tmp_path, name, content)
    assert any(expected in line for line in lines), lines


@pytest.mark.parametrize("name", ["huge.png", "huge.svg"])
def test_huge_file_is_refused_with_its_size_and_the_limit(tmp_path, name):
    path = tmp_path / name
    with path.open("wb") as file:
        file.write(png(10, 10) if name.endswith(".png") else svg("").encode())
        file.truncate(3 * 1024 * 1024 + 100_000)  # sparse: no disk used
    (line,) = refused(tmp_path, name, path.read_bytes())
    assert line.startswith(f"{GUIDE}:{LINE}: picture '{name}' is 3.1 MB, over the 512 KB limit for one picture — ")


def test_a_picture_at_the_limit_passes(tmp_path):
    content = svg("").encode()
    content += b"<!--" + b"x" * (MAX_PICTURE_BYTES - len(content) - 7) + b"-->"
    assert len(content) == MAX_PICTURE_BYTES
    picture, problems = verdict(tmp_path, "pic.svg", content)
    assert problems == [] and picture.size == MAX_PICTURE_BYTES


def test_a_folder_or_a_pipe_is_not_read(tmp_path):
    (tmp_path / "dir.png").mkdir()
    os.mkfifo(tmp_path / "pipe.svg")
    for name in ("dir.png", "pipe.svg"):
        picture, (problem,) = check_picture(tmp_path / name, name, GUIDE, LINE)
        assert str(problem).startswith(f"{GUIDE}:{LINE}: picture '{name}' is not a file — ")


def test_a_missing_file_is_one_line(tmp_path):
    picture, (problem,) = check_picture(tmp_path / "gone.png", "gone.png", GUIDE, LINE)
    assert picture is None and str(problem).startswith(f"{GUIDE}:{LINE}: picture 'gone.png' cannot be read")


# --------------------------------------------------------------------------- what passes

EDITOR_SVG = f"""<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<!-- Created with Inkscape (http://www.inkscape.org/) -->
<svg {SVG} xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
   xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
   xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:cc="http://creativecommons.org/ns#"
   width="240px" height="320" viewBox="0 0 240 320" inkscape:version="1.3" sodipodi:docname="x.svg">
  <title>Phone</title><desc>A phone with a code</desc>
  <sodipodi:namedview id="nv" pagecolor="#ffffff" inkscape:zoom="1"/>
  <metadata><rdf:RDF><cc:Work rdf:about=""/></rdf:RDF></metadata>
  <defs>
    <linearGradient id="g"><stop offset="0" stop-color="#fff"/><stop offset="1" stop-color="#000"/></linearGradient>
    <linearGradient id="g2" xlink:href="#g"/>
    <clipPath id="c"><rect width="10" height="10"/></clipPath>
    <marker id="m"><path d="M0 0L1 1"/></marker>
    <path id="p" d="M0 0 C 10 10, 20 10, 30 0"/>
    <style><![CDATA[ .on {{ fill: url(#g); font-family: "Noto Sans" }} @media print {{ rect {{ fill: url("#g2") }} }} ]]></style>
  </defs>
  <g id="shape" inkscape:label="Layer 1" inkscape:groupmode="layer">
    <rect class="on" fill="url(#g)" clip-path="url( #c )" style="stroke:URL(#g2);opacity:.5" width="9" height="9"/>
    <path d="M0 0L9 9" marker-end="url(#m)" transform="rotate(45)"/>
  </g>
  <use href="#shape" x="20"/><use xlink:href="#shape" x="40"/>
  <a href="#shape"><text x="5" y="300" font-family="sans-serif">Mã <tspan font-weight="bold">OTP</tspan> (6 số)<title>not drawn</title></text></a>
  <text><textPath href="#p">{unicodedata.normalize("NFD", "Đăng   ký")}</textPath></text>
</svg>
"""


def test_an_editor_svg_with_own_references_passes(tmp_path):
    picture, problems = verdict(tmp_path, "pic.svg", EDITOR_SVG)
    assert problems == []
    assert (picture.kind, picture.width, picture.height) == ("svg", 240, 320)
    assert picture.text == "Mã OTP (6 số)\nĐăng ký"  # drawn text only, NFC, whitespace collapsed
    assert picture.text == svg_text(tmp_path / "pic.svg")


def test_svg_size_from_its_view_box(tmp_path):
    picture, _ = verdict(tmp_path, "pic.svg", '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0,0,90.4,40"/>')
    assert (picture.width, picture.height) == (90, 40)
    picture, _ = verdict(tmp_path, "pic.svg", '<svg xmlns="http://www.w3.org/2000/svg" width="50%"/>')
    assert (picture.width, picture.height) == (None, None)


BUNDLED = sorted([*REPO.glob("guides/*/*.svg"), *REPO.glob("tests/fixtures/guides/*/*.svg")])


def test_there_are_bundled_pictures():
    assert len(BUNDLED) >= 20


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_bundled_picture_passes(path):
    picture, problems = check_picture(path, path.name, "guides/x/index.md", 1)
    assert problems == [], [str(p) for p in problems]
    assert picture.text == svg_text(path)
    # the glyph check sees at least every character that the old pattern saw
    old = "".join(m.group("text") for m in OLD_SVG_TEXT_RE.finditer(path.read_text(encoding="utf-8")))
    assert set(unicodedata.normalize("NFC", old)) - set(picture.text) <= set(" \n\t")


REAL = [(fmt, suffix, options, mode)
        for fmt, suffix, options in [("PNG", ".png", {}), ("JPEG", ".jpg", {}), ("JPEG", ".jpg", {"progressive": True}),
                                     ("WEBP", ".webp", {}), ("WEBP", ".webp", {"lossless": True})]
        for mode in ("RGB", "RGBA", "L") if not (fmt == "JPEG" and mode == "RGBA")]


@pytest.mark.parametrize("fmt,suffix,options,mode", REAL)
def test_real_files_have_their_real_size(tmp_path, fmt, suffix, options, mode):
    """Files written by Pillow (installed with WeasyPrint), read by the header alone."""
    image = pytest.importorskip("PIL.Image")
    path = tmp_path / f"shot{suffix}"
    image.new(mode, (1234, 567)).save(path, fmt, **options)
    picture, problems = check_picture(path, path.name, GUIDE, LINE)
    assert problems == [] and (picture.width, picture.height) == (1234, 567)
