"""The one gate: what a rendered body may contain, judged on its final tree.

Runs after every other Markdown extension, so whatever form the source took
(a link over two lines, an address in angle brackets or with a title, a
reference defined in a quote, an attribute list), what is judged is what
would be published. Raw HTML is refused (character references are kept as
the characters they stand for); every element and attribute is on an
allow-list; every address obeys `addresses.py`; pictures come from the
guide's own folder; links to the site's pages are rewritten to the page's
address, as MkDocs would. Every problem names the file and line.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import replace
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from markdown.util import AMP_SUBSTITUTE, HTML_PLACEHOLDER_RE

from ..errors import Problem
from . import MAX_LIST_ITEMS, Anchor, addresses

if TYPE_CHECKING:
    from . import Body

TAGS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "a", "img", "em", "strong", "b", "i", "code",
        "pre", "blockquote", "hr", "br", "table", "thead", "tbody", "tr", "th", "td", "div", "span", "dl", "dt",
        "dd", "sup", "sub", "abbr", "del", "ins", "kbd", "mark", "small", "details", "summary", "bdi"}
COMMON = {"id", "class", "title", "lang", "dir"}
OWN = {"a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start"}, "th": {"align", "colspan", "rowspan"},
       "td": {"align", "colspan", "rowspan"}, "details": {"open"}}
ADDRESS_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster", "data", "background",
                      "cite", "longdesc", "ping", "manifest", "codebase", "archive", "usemap", "icon", "lowsrc",
                      "dynsrc", "imagesrcset"}
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "summary", "pre"}
MAX_ELEMENTS = 3000  # a long bundled guide has ≈ 150
MAX_DEPTH = 24  # lists and quotes inside each other (deeper ones stop the PDF renderer)
MAX_CELLS = 300
ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
ID_RE = re.compile(r"^(?!ds-|md-|__)[^\s\x00-\x1f\"'<>&`]+$")  # a heading's id may be in any script
# Classes a guide may set: the admonitions' (`!!! tip`), a code block's language. Any
# other could take a style of the site's or of the pamphlet's (`.footer` runs on
# every printed page, `.notice`, `.url`…).
CLASSES = {"admonition", "admonition-title", "note", "tip", "hint", "important", "warning", "caution", "attention",
           "danger", "error", "info", "todo", "abstract", "summary", "tldr", "success", "check", "done", "question",
           "help", "faq", "failure", "fail", "missing", "bug", "example", "quote", "cite", "seealso"}
CLASS_RE = re.compile(r"^(?:language-[a-z0-9+#-]{1,30})$")
PAGE_RE = re.compile(r"^index(?:\.[A-Za-z_-]+)?\.md$")
NUMBER_RE = re.compile(r"^[0-9]{1,4}$")


class Locator:
    """Finds the file line an element came from, by what its source must contain."""

    def __init__(self, text: str, first_line: int):
        self.text = text
        self.first_line = first_line
        self.after: dict[str, int] = {}  # needle → where its last find ended (the next one is after)

    def __call__(self, *needles: str | None) -> int:
        for needle in needles:
            if not needle:
                continue
            start = self.after.get(needle, 0)
            at = self.text.find(needle, start)
            if at < 0 and start:
                at = self.text.find(needle)
            if at >= 0:
                self.after[needle] = at + 1
                return self.first_line + self.text.count("\n", 0, at)
        return self.first_line


class Gate:
    def __init__(self, md, body: "Body", docs_dir: Path, root: Path, allowed: list[str], verdicts: dict):
        self.md = md
        self.verdicts = verdicts  # (file, src) → (picture, problems): pictures are shared by a guide's languages
        self.body = body
        self.doc = body.document
        self.docs_dir = docs_dir.resolve()
        self.root = root
        self.allowed = allowed
        self.locate = Locator(self.doc.text, self.doc.first_line)
        self.folder = self.doc.path.parent.resolve()

    def problem(self, line: int, message: str, hint: str) -> None:
        self.body.problems.append(Problem(self.doc.relpath, line, message, hint))

    # ------------------------------------------------------------------ the walk

    def run(self, root: ET.Element) -> None:
        parents = {child: parent for parent in root.iter() for child in parent}
        for element in list(root.iter()):
            if element is not root:
                self.text_of(element, parents)
        self.sizes(root, parents)
        # Addresses written as text, judged per block as a reader reads it: "**dichvucong-gov**.com" is one.
        reported: set[str] = set()
        for element in root.iter():
            if element.tag in BLOCKS:
                judged = {addresses.normal_host(urlsplit(a.get("href", "")).hostname or "")
                          for a in element.iter("a") if a.get("href", "").lower().startswith("https:")}
                self.check_text("".join(element.itertext()), judged, reported)
        for element in list(root.iter()):
            if element is root:
                continue
            if element.tag not in TAGS:
                self.problem(self.locate(f"<{element.tag}"), f"<{element.tag}> is not allowed in a guide",
                             "write plain Markdown")
                parents[element].remove(element)
                continue
            self.attributes(element)
            if element.get("id"):
                self.body.ids.add(element.get("id"))
            if element.tag in ("ul", "ol"):
                items = sum(1 for child in element if child.tag == "li")
                if items > MAX_LIST_ITEMS:
                    first = next((c for c in element if c.tag == "li"), None)
                    self.problem(self.locate("".join(first.itertext())[:40] if first is not None else None),
                                 f"a list of {items} items", f"keep lists to {MAX_LIST_ITEMS} items at most")

    def text_of(self, element: ET.Element, parents: dict) -> None:
        """Raw HTML out (character references kept as the characters they stand for)."""
        for name in ("text", "tail"):
            value = getattr(element, name)
            if value and ("\x02" in value or "\x03" in value):
                value = self.placeholders(value)
                setattr(element, name, value)
            if value and "&" in value:  # "&sol;" left as it is would reach the reader as "/"
                value = html.unescape(value)
                setattr(element, name, value)
        if element.tag == "p" and not (element.text or "").strip() and len(element) == 0 and element in parents:
            parent = parents[element]  # a paragraph that held only raw HTML
            parent.remove(element)

    def placeholders(self, value: str) -> str:
        def replace(match: re.Match) -> str:
            raw = self.md.htmlStash.rawHtmlBlocks[int(match.group(1))]
            raw = raw if isinstance(raw, str) else str(raw)
            if ENTITY_RE.fullmatch(raw):
                return html.unescape(raw)
            if raw.lstrip().startswith("<!--"):
                return ""  # an editor's comment: never published
            tag = re.match(r"\s*</?\s*([A-Za-z][A-Za-z0-9-]*)", raw)
            name = f"<{tag.group(1).lower()}>" if tag else "raw HTML"
            self.problem(self.locate(raw.strip().split("\n")[0][:60]), f"raw HTML {name} is not allowed in a guide",
                         "use Markdown: ![alt](picture.svg) for images, [text](https://…) for links")
            return ""

        value = HTML_PLACEHOLDER_RE.sub(replace, value)
        return value.replace(AMP_SUBSTITUTE, "&").replace("\x02", "").replace("\x03", "")

    def check_text(self, text: str, judged: set | None = None, reported: set | None = None) -> None:
        """Addresses written in `text` (but on the hosts of its links, `judged` as addresses)."""
        reported = set() if reported is None else reported
        for address in addresses.text_addresses(text):
            if address in reported:
                continue
            refused = addresses.check_text(address, self.allowed, judged)
            if refused:
                reported.add(address)
                parts = [p for p in re.split(r"[^\w-]+", address) if len(p) > 2]
                self.problem(self.locate(address, *parts[:2], text.strip()[:30]), *refused)

    def sizes(self, root: ET.Element, parents: dict) -> None:
        """Limits that keep every render short: how deep, how many elements, cells, headings."""
        elements = sum(1 for _ in root.iter())
        if elements > MAX_ELEMENTS:
            self.problem(self.doc.first_line, f"the body has {elements} parts (paragraphs, list items, cells…)",
                         f"keep a guide under {MAX_ELEMENTS}: split it into shorter guides")
        for element in root.iter():
            depth, up = 0, element
            while up in parents:
                depth, up = depth + 1, parents[up]
            if depth > MAX_DEPTH:
                text = "".join(element.itertext()).strip()
                self.problem(self.locate("> > > > >", text[:30] if len(text) > 3 else None),
                             f"lists or quotes nested {depth} deep", f"nest at most {MAX_DEPTH} levels")
                return
        for table in root.iter("table"):
            cells = sum(1 for tag in ("td", "th") for _ in table.iter(tag))
            if cells > MAX_CELLS:
                self.problem(self.locate("|"), f"a table of {cells} cells", f"keep tables under {MAX_CELLS} cells")

    # ------------------------------------------------------------------ attributes

    def attributes(self, element: ET.Element) -> None:
        tag = element.tag
        for name in list(element.attrib):
            value = element.attrib[name]
            if HTML_PLACEHOLDER_RE.search(value) or "\x02" in value.replace(AMP_SUBSTITUTE, "") or "\x03" in value:
                self.problem(self.locate(name, value[:20]), f"raw HTML inside the attribute '{name}'",
                             "write plain text in attribute lists")
                del element.attrib[name]
                continue
            # What a browser and a PDF reader see: character references decoded (the
            # serializer writes "&sol;" as it is, and a browser reads it as "/").
            value = html.unescape(value.replace(AMP_SUBSTITUTE, "&"))
            element.set(name, value)
            lower = name.lower()
            if lower not in COMMON and lower not in OWN.get(tag, ()):
                line = self.locate(name, value)
                if lower.startswith("on"):
                    self.problem(line, f"the event handler '{name}' is not allowed", "remove it: guides run no scripts")
                elif lower == "style":
                    self.problem(line, "a 'style' attribute is not allowed", "remove it: the theme styles every page")
                elif lower in ADDRESS_ATTRIBUTES or ":" in lower:
                    self.problem(line, f"the attribute '{name}' sets an address", "use Markdown links and pictures")
                else:
                    self.problem(line, f"the attribute '{name}' is not allowed here", "remove it")
                del element.attrib[name]
                continue
            if lower == "id" and not ID_RE.match(value):
                self.problem(self.locate(value), f"the id '{value}' is not allowed",
                             "use words joined by '-' (ids starting ds-, md- or __ belong to the site)")
            elif lower == "class" and not all(c in CLASSES or CLASS_RE.match(c) for c in value.split()):
                bad = next(c for c in value.split() if not (c in CLASSES or CLASS_RE.match(c)))
                self.problem(self.locate(bad), f"the class '{bad}' is not one a guide may use",
                             "remove it: admonitions (!!! tip, !!! warning…) set the classes a guide needs")
                del element.attrib[name]
                continue
            elif lower == "dir" and value not in ("ltr", "rtl", "auto"):
                self.problem(self.locate(value), f"dir='{value}' is not a direction", "write ltr or rtl")
            elif lower == "align" and value not in ("left", "right", "center"):
                self.problem(self.locate(value), f"align='{value}' is not allowed", "write left, right or center")
            elif lower in ("width", "height", "colspan", "rowspan", "start") and not NUMBER_RE.match(value):
                self.problem(self.locate(value), f"{name}='{value}' is not a number", "write a whole number")
            elif lower in ("title", "alt"):
                self.check_text(value)
                self.body.printed.append(value)
        if tag == "a":
            self.link(element)
        elif tag == "img":
            self.picture(element)

    # ------------------------------------------------------------------ links and pictures

    def link(self, a: ET.Element) -> None:
        href = a.get("href")
        if href is None:
            return
        text = "".join(a.itertext()).strip()
        line = self.locate(href, text[:30])
        if addresses.HIDDEN.search(href) or "\\" in href:
            self.problem(line, *addresses.why_refused(href, self.allowed))
            del a.attrib["href"]
            return
        if addresses.scheme(href):
            refused = addresses.why_refused(href, self.allowed)
            if refused:
                self.problem(line, *refused)
                del a.attrib["href"]
            elif addresses.scheme(href) == "tel" and not same_number(text, href):
                self.problem(line, f"the link '{text}' calls another number ({href})",
                             "write the number the link calls as its text")
                del a.attrib["href"]
            elif addresses.scheme(href) in ("https", "http"):
                self.body.printed.append(href)  # paper prints it after the link's text
            return
        if href.startswith("//"):
            self.problem(line, f"link '{href}' has no https:", "write the full https:// address")
            del a.attrib["href"]
            return
        parts = urlsplit(href)
        if parts.query:
            self.problem(line, f"link '{href}' to a page of the site has a '?' part", "link to ../<slug>/index.md")
            del a.attrib["href"]
            return
        if not parts.path:
            if parts.fragment:
                self.body.anchors.append(Anchor(self.doc.relpath, line, href, self.doc.path, unquote(parts.fragment)))
            return
        target = self._inside(self.folder / unquote(parts.path), self.docs_dir)
        if target is not None and self.seen(target) == "dir":
            target = target / "index.md"
            self.seen(target)
        if target is None or not target.is_file() or not PAGE_RE.fullmatch(target.name) \
                or len(target.relative_to(self.docs_dir).parts) > 2:  # a guide's page or a home page, nothing deeper
            self.problem(line, f"link '{href}' points to nothing",
                         "link to another guide as ../<slug>/index.md, or fix the spelling")
            del a.attrib["href"]
            return
        if parts.fragment:
            self.body.anchors.append(Anchor(self.doc.relpath, line, href, target, unquote(parts.fragment)))
        folder = Path(os.path.relpath(target.parent, self.folder))
        a.set("href", (folder.as_posix() + "/" if folder.as_posix() != "." else "./")
              + (f"#{parts.fragment}" if parts.fragment else ""))

    def picture(self, img: ET.Element) -> None:
        src = img.get("src") or ""
        alt = (img.get("alt") or "").strip()
        line = self.locate(f"]({src}", src, alt[:30])
        if not alt:
            self.problem(line, f"image '{src}' has no alt text",
                         "describe the picture between the brackets: ![what it shows](…)")
        parts = urlsplit(src)
        target = None
        if src and not addresses.scheme(src) and not src.startswith("/") and not parts.query and not parts.fragment \
                and not addresses.HIDDEN.search(src) and "\\" not in src:
            target = self._inside(self.folder / unquote(parts.path), self.folder)
            if target is not None:
                self.seen(target, content=True)
        if target is None:
            self.problem(line, f"image '{src}' is not a file in the guide's folder",
                         "put the picture next to index.md and write its file name")
            del img.attrib["src"]
            return
        if not target.is_file():
            self.problem(line, f"image '{src}' not found",
                         f"add {src} to {Path(self.doc.relpath).parent.as_posix()}/ or fix the file name")
            del img.attrib["src"]
            return
        if src not in self.body.pictures:
            from ..pictures import check_picture

            if (target, src) not in self.verdicts:
                self.verdicts[target, src] = check_picture(target, src, self.doc.relpath, line)
            checked, problems = self.verdicts[target, src]
            self.body.problems.extend(replace(p, path=self.doc.relpath, line=line) for p in problems)
            if checked is not None and checked.text:
                self.body.picture_text[src] = checked.text
                refused = addresses.check_text(checked.text, self.allowed)
                if refused:  # a drawing of a screen can name a site too
                    self.problem(line, f"picture '{src}': {refused[0]}", refused[1])
        self.body.pictures[src] = target

    def seen(self, path: Path, content: bool = False) -> str:
        """What `path` is now, noted: a cached body is used again only while it stays so."""
        from .cache import state

        seen = state(path, content)
        self.body.depends[str(path)] = seen
        return seen.split(":")[0]

    @staticmethod
    def _inside(path: Path, folder: Path) -> Path | None:
        """`path` if it stays inside `folder` (no symlink leads out), else None."""
        resolved = path.resolve()
        return resolved if resolved.is_relative_to(folder) else None


def same_number(text: str, href: str) -> bool:
    """A phone link's text names the number it calls (or no number at all)."""
    shown = re.sub(r"\D", "", text)
    called = re.sub(r"\D", "", href)
    if len(shown) < 6:
        return True

    def national(digits: str) -> str:
        return "0" + digits[2:] if digits.startswith("84") else digits

    return national(shown) == national(called)
