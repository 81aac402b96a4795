"""One verdict on a guide's picture file, for the site and for paper.

A picture is shown on cheap phones and printed by WeasyPrint, and the site
serves it from its own origin, where an SVG opened on its own could run a
script. So a picture must be a real SVG, PNG, JPEG or WebP file of modest
size that only draws: no script, no event handler, nothing loaded from
outside itself. Pure: no MkDocs, no WeasyPrint.
"""

from __future__ import annotations

import os
import re
import struct
import unicodedata
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import tinycss2
from defusedxml import DefusedXmlException, DTDForbidden
from defusedxml.ElementTree import DefusedXMLParser

from .errors import Problem

# One picture travels to a phone on a slow, metered link (512 KB is ~20 s at
# 2G/EDGE speed) and into every pamphlet that uses it. A screenshot scaled to
# a phone's width is 50–150 KB as WebP or JPEG; a drawing as SVG, a few KB.
MAX_PICTURE_BYTES = 512 * 1024
# A raster picture is decoded to 4 bytes a pixel: 8 megapixels is already
# 32 MB of a cheap phone's memory, while a phone screen needs ~1,500 pixels
# across and a full A4 width at 300 dpi 2,480. A tiny file can claim huge
# dimensions (a decompression bomb), so the header is read before anything.
MAX_SIDE = 4096
MAX_PIXELS = 8_000_000
# WeasyPrint draws SVG elements recursively: a deep nest would exhaust Python's stack.
MAX_SVG_DEPTH = 64
MAX_DRAWN = 20_000  # elements drawn, <use> copies counted (the bundled drawings: under 100; ≈ 70 µs each in WeasyPrint)

KINDS = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}
NAMES = {"svg": "SVG", "png": "PNG", "jpeg": "JPEG", "webp": "WebP", "gif": "GIF", "bmp": "BMP",
         "pdf": "PDF", "gzip": "compressed (gzip)", "text": "HTML or XML text"}
MAGIC = [(b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"), (b"GIF8", "gif"), (b"BM", "bmp"),
         (b"%PDF", "pdf"), (b"\x1f\x8b", "gzip")]

SVG_NS = "http://www.w3.org/2000/svg"
XML_NS = "http://www.w3.org/XML/1998/namespace"
# Elements in these namespaces act in a browser (an HTML <img src> loads, <script> runs);
# others (Inkscape's, RDF metadata) are inert and may stay.
ACTIVE_NS = {"http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML"}
# Elements that run code or show another document, in any namespace (compared lowercased).
SCRIPT_ELEMENTS = {"script", "foreignobject", "handler", "listener", "iframe", "embed", "object",
                   "frame", "applet", "link", "base", "meta"}
# Animations print as one frame, and can set any attribute (href, fill: url(…)) later.
ANIMATION_ELEMENTS = {"set", "animate", "animatemotion", "animatetransform", "animatecolor", "discard"}
# CSS that loads a file through something else than url().
LOADING_FUNCTIONS = {"src", "image", "image-set", "-webkit-image-set", "cross-fade", "-webkit-cross-fade",
                     "element", "-moz-element", "paint"}
LOADING_AT_RULES = {"import", "font-face"}
# Arabic script (Arabic, Persian): WeasyPrint draws SVG text one letter at a
# time, so these letters would print apart, unjoined and partly lost.
JOINED_SCRIPT_RE = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
# Drawn inside <text> (<title>, <desc> are not). By local name: WeasyPrint ignores namespaces.
TEXT_CHILDREN = {"tspan", "textPath", "a"}
LENGTH_RE = re.compile(r"\s*([0-9]*\.?[0-9]+)\s*(px)?\s*$")

ONLY_DRAW = "a guide picture must only draw: remove it, or export the picture again as plain SVG"
OWN_IDS = ("draw everything inside the SVG: href and url() may only point to its own #ids "
           "(no other file, no web address, no data: image)")


@dataclass(frozen=True)
class Picture:
    """A picture that passed every check."""

    path: Path
    kind: str  # "svg", "png", "jpeg" or "webp" (the real type, which the extension matches)
    size: int  # bytes
    width: int | None  # pixels (for an SVG, its width/height attributes or viewBox, if plain numbers)
    height: int | None
    text: str  # all text the SVG draws (text, tspan, textPath), NFC, one line per <text>; "" for raster


class Refused(ValueError):
    """The picture breaks a rule; `line` is the line in an SVG (0: the whole file)."""

    def __init__(self, message: str, hint: str, line: int = 0):
        super().__init__(message)
        self.message, self.hint, self.line = message, hint, line


def check_picture(path: Path, src: str, relpath: str, line: int) -> tuple[Picture | None, list[Problem]]:
    """Verdict on picture file `path` used as `src` by guide file `relpath` at `line`:
    the Picture and no problems, or None and one line per problem, at the guide's line."""
    try:
        picture, refusals = _check(Path(path))
    except Refused as refused:
        picture, refusals = None, [refused]
    problems = []
    for refused in refusals:
        where = f" (its line {refused.line})" if refused.line else ""
        problem = Problem(relpath, line, f"picture '{src}'{where} {refused.message}", refused.hint)
        if problem not in problems:
            problems.append(problem)
    return (None if problems else picture), problems[:5]


def svg_text(path: Path) -> str:
    """The text SVG picture `path` draws, as check_picture's Picture.text (for the glyph check).
    Raises Refused when the file is no SVG that check_picture would parse."""
    return drawn_text(_parse_svg(Path(path).read_bytes())[0])


def _check(path: Path) -> tuple[Picture, list[Refused]]:
    kind = KINDS.get(path.suffix.lower())
    if kind is None:
        raise Refused(f"is a '{path.suffix or path.name}' file, not a picture a guide can use",
                      "save it as SVG (drawings), PNG, JPEG or WebP (screenshots, photos)")
    try:
        if path.exists() and not path.is_file():  # a folder, a pipe or a device would never end reading
            raise Refused("is not a file", "put the picture file itself next to the guide")
        with path.open("rb") as file:
            data = file.read(MAX_PICTURE_BYTES + 1)
            size = max(len(data), os.fstat(file.fileno()).st_size)
    except OSError as error:
        raise Refused(f"cannot be read ({error.strerror})", "check the file and its permissions") from None
    if size > MAX_PICTURE_BYTES:
        raise Refused(f"is {_amount(size)}, over the {_amount(MAX_PICTURE_BYTES)} limit for one picture",
                      "make it smaller: crop it, scale it to about 1,500 pixels wide, "
                      "save screenshots as WebP or JPEG, simplify drawings")
    found = sniff(data)
    if kind == "svg" and found not in ("svg", "text", None):
        raise Refused(f"is not an SVG file: it is {_kind_name(found)}", _rename_hint(found))
    if kind == "svg":
        root, lines, pis = _parse_svg(data)
        refusals = svg_refusals(root, lines) + [Refused(f"has a processing instruction <?{pi}…?>", ONLY_DRAW, n)
                                                for n, pi in pis]
        width, height = _svg_size(root)
        return Picture(path, kind, size, width, height, drawn_text(root)), refusals
    if found != kind:
        raise Refused(f"is not a {NAMES[kind]} image: it is {_kind_name(found)}", _rename_hint(found))
    dimensions = raster_size(data, kind)
    if dimensions is None:
        raise Refused(f"is damaged: its {NAMES[kind]} header holds no width and height",
                      "export or save the picture again")
    width, height = dimensions
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE and width * height <= MAX_PIXELS):
        raise Refused(f"is {width}×{height} pixels: a picture may have 1 to {MAX_SIDE} pixels a side and "
                      f"{MAX_PIXELS // 1_000_000} megapixels at most (phones decode every pixel into memory)",
                      "scale it down to about 1,500 pixels wide")
    return Picture(path, kind, size, width, height, ""), []


# --------------------------------------------------------------------------- file types

def sniff(data: bytes) -> str | None:
    """The real type of a file by its first bytes: a key of NAMES, or None."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        return "svg" if b"<svg" in head.lower() else "text"
    return None


def _kind_name(kind: str | None) -> str:
    return NAMES[kind] if kind else "of no picture type known (or empty)"


def _rename_hint(found: str | None) -> str:
    if found in KINDS.values():
        return f"give it the extension of its real type (.{'jpg' if found == 'jpeg' else found}), " \
               "or export it again in the type its name says"
    return "export the picture again as SVG, PNG, JPEG or WebP"


def raster_size(data: bytes, kind: str) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG or WebP header, or None if it has none."""
    try:
        if kind == "png":
            return struct.unpack(">II", data[16:24]) if data[12:16] == b"IHDR" else None
        if kind == "jpeg":
            return _jpeg_size(data)
        if kind == "webp":
            chunk = data[12:16]
            if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
                w, h = struct.unpack("<HH", data[26:30])
                return w & 0x3FFF, h & 0x3FFF
            if chunk == b"VP8L" and data[20] == 0x2F:
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8X":
                return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
    except (struct.error, IndexError):
        pass
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The size in a JPEG's first start-of-frame segment."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            i += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame
            return None
        (length,) = struct.unpack(">H", data[i + 2:i + 4])
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    return None


def _amount(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{-(-size // 1024)} KB"


# --------------------------------------------------------------------------- SVG

class _Builder:
    """An ElementTree builder that remembers each element's line and every processing instruction."""

    def __init__(self):
        self.tree, self.lines, self.pis, self.parser = ET.TreeBuilder(), {}, [], None

    def start(self, tag, attrs):
        element = self.tree.start(tag, attrs)
        self.lines[element] = self.parser.parser.CurrentLineNumber
        return element

    def end(self, tag):
        return self.tree.end(tag)

    def data(self, text):
        self.tree.data(text)

    def pi(self, target, text=None):
        self.pis.append((self.parser.parser.CurrentLineNumber, target))

    def close(self):
        return self.tree.close()


def _parse_svg(data: bytes) -> tuple[ET.Element, dict, list]:
    """The root, each element's line and the processing instructions of an SVG; Refused if it
    is no well-formed XML without DTD or entities, or its root is no <svg>."""
    builder = _Builder()
    parser = builder.parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True,
                                               forbid_external=True)
    try:
        parser.feed(data)
        root = parser.close()
    except DTDForbidden:
        raise Refused("has a <!DOCTYPE …> declaration, which SVG pictures may not have",
                      "delete the <!DOCTYPE …> and any <!ENTITY …> lines: an SVG needs none, and "
                      "entities can hide content or blow up", parser.parser.CurrentLineNumber) from None
    except DefusedXmlException:  # entities (unreachable without a DTD, refused above)
        raise Refused("declares an <!ENTITY …>, which SVG pictures may not have",
                      "delete the <!ENTITY …> lines and write their text out",
                      parser.parser.CurrentLineNumber) from None
    except ET.ParseError as error:
        reason = str(error).split(":")[0]
        raise Refused(f"is not well-formed XML ({reason})",
                      "fix that line, or export the picture again as plain SVG", error.position[0]) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise Refused(f"is not an SVG drawing: its root element is <{_local(root.tag)}>"
                      + ("" if root.tag.startswith(f"{{{SVG_NS}}}") else " outside the SVG namespace"),
                      f'start it with <svg xmlns="{SVG_NS}">', builder.lines.get(root, 0))
    return root, builder.lines, builder.pis


def svg_refusals(root: ET.Element, lines: dict) -> list[Refused]:
    """Every element and attribute that runs code, loads something from outside, or cannot print."""
    refusals = []
    ids = {el.get("id"): el for el in root.iter() if el.get("id")}
    holds_use: dict[str, bool] = {}
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        stack.extend((child, depth + 1) for child in reversed(element))
        line = lines.get(element, 0)
        tag = _local(element.tag)
        namespace = element.tag[1:].partition("}")[0] if element.tag.startswith("{") else ""
        if depth > MAX_SVG_DEPTH:
            return refusals + [Refused(f"nests elements more than {MAX_SVG_DEPTH} deep",
                                       "ungroup in the drawing program", line)]
        if tag.lower() in SCRIPT_ELEMENTS:
            refusals.append(Refused(f"has a <{tag}> element, which can run code or show another page", ONLY_DRAW, line))
        elif tag.lower() in ANIMATION_ELEMENTS:
            refusals.append(Refused(f"has an animation <{tag}>: paper shows one frame, and an animation "
                                    "can change links and colours later", ONLY_DRAW, line))
        elif tag == "tref":
            refusals.append(Refused("has a <tref>, which browsers no longer draw",
                                    "write the text itself in a <text> or <tspan>", line))
        elif namespace in ACTIVE_NS:
            refusals.append(Refused(f"has an HTML or MathML element <{tag}> inside", ONLY_DRAW, line))
        for name, value in element.attrib.items():
            refusals += _attribute_refusals(name, value, line)
        if tag == "style":
            refusals += _css_refusals(element.text or "", line)
        if tag == "use":
            target = _href(element).strip()[1:]
            if target in ids and target not in holds_use:
                holds_use[target] = any(_local(el.tag) == "use" for el in ids[target].iter())
            if holds_use.get(target):
                refusals.append(Refused(f"has a <use> of '#{target}', which holds a <use> itself",
                                        "point <use> only at shapes or groups without <use> inside: "
                                        "nested <use> can loop or multiply without end", line))
    # What is drawn: every element once, and each <use> its target again. A few
    # thousand for a drawing; a picture of 500 KB can ask for 10⁸ (hours of render).
    sizes: dict[str, int] = {}
    drawn = 0
    for element in root.iter():
        drawn += 1
        if _local(element.tag) == "use":
            target = _href(element).strip()[1:]
            if target in ids and target not in sizes:
                sizes[target] = sum(1 for _ in ids[target].iter())
            drawn += sizes.get(target, 0)
    if drawn > MAX_DRAWN:
        refusals.append(Refused(f"draws {drawn} shapes (with its <use> copies): more than a pamphlet can print "
                                f"in time ({MAX_DRAWN})", "simplify the drawing, or save it with fewer copies", 0))
    for text in _text_elements(root):
        if JOINED_SCRIPT_RE.search(_drawn(text)):
            refusals.append(Refused("has Arabic-script text: pamphlets print SVG text letter by letter, "
                                    "with the letters unjoined",
                                    "put those words in the step's text, or turn the text into outlines (paths) "
                                    "in the drawing program", lines.get(text, 0)))
            break
    return refusals


def _attribute_refusals(name: str, value: str, line: int) -> list[Refused]:
    local = _local(name)
    if local.lower().startswith("on"):
        return [Refused(f"has an event handler '{local}', which can run code", ONLY_DRAW, line)]
    if local.lower() == "href" and not value.strip().startswith("#"):
        return [Refused(f"loads another file or address: {local}='{_short(value)}'", OWN_IDS, line)]
    if name == f"{{{XML_NS}}}base":
        return [Refused(f"sets xml:base='{_short(value)}', which sends its #ids to another file", OWN_IDS, line)]
    return _css_refusals(value, line) if "(" in value or "@" in value else []


def _css_refusals(css: str, line: int) -> list[Refused]:
    """Refusals for CSS (a <style> sheet or an attribute's value, parsed as a browser would,
    escapes and all): url() to anything but an own #id, other loading functions, @import, @font-face."""
    refusals = []
    tokens = list(tinycss2.parse_component_value_list(css))
    while tokens:
        token = tokens.pop()
        at = line + getattr(token, "source_line", 1) - 1
        if token.type == "url" and not token.value.strip().startswith("#"):
            refusals.append(Refused(f"loads another file or address: url({_short(token.value)})", OWN_IDS, at))
        elif token.type == "function" and token.lower_name == "url":
            strings = [t.value for t in token.arguments if t.type == "string"]
            if not strings or not strings[0].strip().startswith("#"):
                target = strings[0] if strings else tinycss2.serialize(token.arguments)
                refusals.append(Refused(f"loads another file or address: url({_short(target)})", OWN_IDS, at))
        elif token.type == "function" and token.lower_name in LOADING_FUNCTIONS:
            refusals.append(Refused(f"loads a file through {token.name}() in its style", OWN_IDS, at))
        elif token.type == "at-keyword" and token.lower_value in LOADING_AT_RULES:
            refusals.append(Refused(f"has @{token.lower_value} in its style, which loads another file",
                                    "remove it: styles stay inside the SVG, and pamphlet fonts come from doorstep", at))
        tokens.extend(getattr(token, "arguments", None) or getattr(token, "content", None) or [])
    return refusals


def drawn_text(root: ET.Element) -> str:
    """All text the SVG draws, NFC, whitespace collapsed, one line per <text> element."""
    return "\n".join(text for text in map(_drawn, _text_elements(root)) if text)


def _text_elements(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if _local(el.tag) == "text"]


def _drawn(element: ET.Element) -> str:
    """The text of one <text> element, in order: its own, its drawn children's, their tails."""
    parts, stack = [], [element]
    while stack:  # not recursive: a picture may nest thousands of <tspan>
        item = stack.pop()
        if isinstance(item, str):
            parts.append(item)
            continue
        parts.append(item.text or "")
        for child in reversed(item):
            stack.append(child.tail or "")
            if _local(child.tag) in TEXT_CHILDREN:
                stack.append(child)
    return unicodedata.normalize("NFC", " ".join("".join(parts).split()))


def _svg_size(root: ET.Element) -> tuple[int | None, int | None]:
    sizes = [LENGTH_RE.match(root.get(name, "")) for name in ("width", "height")]
    if all(sizes):
        return tuple(round(float(m.group(1))) for m in sizes)
    box = root.get("viewBox", "").replace(",", " ").split()
    try:
        return round(float(box[2])), round(float(box[3]))
    except (IndexError, ValueError):
        return None, None


def _href(element: ET.Element) -> str:
    return element.get("href") or element.get("{http://www.w3.org/1999/xlink}href") or ""


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _short(value: str) -> str:
    value = " ".join(value.split())
    return value if len(value) <= 60 else value[:57] + "…"
