"""The body of a guide or home page, rendered once for every output and check.

`Renderer.render(document)` runs Python-Markdown with the site's extensions
and MkDocs' own, then doorstep's extension LAST on the element tree: the one
gate (gate.py: raw HTML, every attribute and address, pictures, links) and
the one shaper (shape.py: numbered steps, step ids, `<bdi>` in right-to-left
text, lazy pictures). The result, a `Body`, is what the site page shows
(`site_html`), what a pamphlet prints (`paper_html`, paper.py), what search
indexes (`text`) and what `doorstep check` judges (`problems`). Nothing here
knows about MkDocs: the site plugin, the pamphlets, campaigns and the CLI all
take bodies from the guide model (`doorstep.model.read_library`).
"""

from __future__ import annotations

import copy
import posixpath
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Problem

MAX_LIST_ITEMS = 30  # items in one list: a step that needs more is several steps
# Python-Markdown's inline patterns take quadratic time on runs of brackets,
# angle brackets and backticks (3,000 '[' in one paragraph: seconds; 20,000:
# minutes): a paragraph holding more of one than any real step could is refused
# before rendering. The bundled guides hold at most a few dozen.
MAX_MARKS = 200
MARKS = "[<`*_"


MEMO = {"changed": False}  # a body gained a serialisation since the cache was written


@dataclass
class Document:
    """One Markdown file's body to render."""

    relpath: str  # relative to the project, for messages
    path: Path  # the file
    text: str  # the body (after the front matter), NFC
    first_line: int  # file line of the body's first line
    lang: str  # the language of its text
    kind: str = "guide"  # "guide" (numbered steps) or "home"


@dataclass(frozen=True)
class Anchor:
    """A link to a heading: `#id` on the same page or `../other/index.md#id`."""

    relpath: str
    line: int
    href: str
    target: Path  # the index*.md file it opens
    id: str


@dataclass
class Body:
    """A rendered body: the final tree, and what every output needs of it."""

    document: Document
    tree: ET.Element  # the shaped tree (a <div> holding the body)
    site_path: str  # where its page's pictures are in the site, e.g. "vneid/"
    html: str = ""  # the site's HTML for the page at `site_path`
    ids: set[str] = field(default_factory=set)  # every id in the body (links to headings)
    pictures: dict[str, Path] = field(default_factory=dict)  # src as written → file
    picture_text: dict[str, str] = field(default_factory=dict)  # src → the text its drawing prints
    anchors: list[Anchor] = field(default_factory=list)  # links to headings, checked across pages
    text: str = ""  # what a reader reads (search, glyph coverage)
    steps: int = 0
    problems: list[Problem] = field(default_factory=list)
    depends: dict[str, str] = field(default_factory=dict)  # other files the gate looked at → what it saw (cache.py)
    serialised: dict[tuple, str] = field(default_factory=dict)  # site_html/paper_html made so far
    printed: list[str] = field(default_factory=list)  # shown or printed beside the text: addresses, titles, alt texts

    def to_json(self) -> dict:
        """The body as plain data (body/cache.py keeps it as JSON: nothing in a
        cache file can run code). Its tree as XHTML: parsing it back is fast."""
        from markdown.serializers import to_xhtml_string

        d = self.document
        return {"document": {"relpath": d.relpath, "path": str(d.path), "text": d.text, "first_line": d.first_line,
                             "lang": d.lang, "kind": d.kind},
                "tree": to_xhtml_string(self.tree), "site_path": self.site_path, "html": self.html,
                "ids": sorted(self.ids), "pictures": {src: str(path) for src, path in self.pictures.items()},
                "picture_text": self.picture_text,
                "anchors": [[a.relpath, a.line, a.href, str(a.target), a.id] for a in self.anchors],
                "text": self.text, "steps": self.steps, "problems": [p.as_dict() for p in self.problems],
                "depends": self.depends, "serialised": [[list(key), value] for key, value in self.serialised.items()],
                "printed": self.printed}

    @classmethod
    def from_json(cls, data: dict) -> "Body":
        d = data["document"]
        document = Document(d["relpath"], Path(d["path"]), d["text"], d["first_line"], d["lang"], d["kind"])
        return cls(document, ET.fromstring(data["tree"]), data["site_path"], data["html"], set(data["ids"]),
                   {src: Path(path) for src, path in data["pictures"].items()}, dict(data["picture_text"]),
                   [Anchor(a[0], a[1], a[2], Path(a[3]), a[4]) for a in data["anchors"]], data["text"],
                   data["steps"], [Problem(**p) for p in data["problems"]], dict(data["depends"]),
                   {tuple(key): value for key, value in data["serialised"]}, list(data["printed"]))

    def site_html(self, page_path: str) -> str:
        """The body as the page at `page_path` (e.g. "en/vneid/") shows it: its
        pictures addressed from there (each exists once, beside the original)."""
        if page_path == self.site_path:
            return self.html
        return self._memo(("site", page_path), lambda: serialize(self.tree, self._pictures_from(page_path)))

    def paper_html(self, page_url: str, page_path: str) -> str:
        """The body as a pamphlet prints it (see paper.py)."""
        from .paper import for_paper

        def make() -> str:
            tree = copy.deepcopy(self.tree)
            for_paper(tree, page_url)
            return serialize(tree, self._pictures_from(page_path))

        return self._memo(("paper", page_url, page_path), make)

    def _memo(self, key: tuple, make) -> str:
        """Serialisations kept with the body (and in the body cache): a warm build
        serialises nothing."""
        if key not in self.serialised:
            self.serialised[key] = make()
            MEMO["changed"] = True
        return self.serialised[key]

    def files(self) -> dict[str, str]:
        """Its pictures as the site has them: site path → source file."""
        return {self.site_path + src: str(path) for src, path in self.pictures.items()}

    def _pictures_from(self, page_path: str) -> dict[str, str]:
        here = page_path.rstrip("/") or "."
        return {src: posixpath.relpath(posixpath.join(self.site_path, src), here) for src in self.pictures}


def serialize(tree: ET.Element, pictures: dict[str, str] | None = None) -> str:
    """HTML of the tree's children; `pictures` maps an <img> src to the one to write."""
    from markdown.serializers import to_xhtml_string  # here: a run whose bodies are all cached never loads Markdown

    changed = []
    if pictures:
        for img in tree.iter("img"):
            src = img.get("src")
            if src in pictures and pictures[src] != src:
                changed.append((img, src))
                img.set("src", pictures[src])
    try:
        html = to_xhtml_string(tree)
    finally:
        for img, src in changed:
            img.set("src", src)
    start, end = html.index(">") + 1, html.rindex("<")
    return html[start:end].strip()


def _too_complex(document: Document) -> Problem | None:
    line = document.first_line
    for block in document.text.split("\n\n"):
        for mark in MARKS:
            count = block.count(mark)
            if count > MAX_MARKS:
                return Problem(document.relpath, line, f"a paragraph with {count} '{mark}' characters",
                               f"write at most {MAX_MARKS} in one paragraph: split it, or remove the extra ones")
        line += block.count("\n") + 2
    return None


def _reading_text(element: ET.Element) -> str:
    """The text a reader reads, without the step numbers (the list numbers them)."""
    if element.get("class") == "ds-step__n":
        return ""
    parts = [element.text or ""]
    for child in element:
        parts += [_reading_text(child), child.tail or ""]
    return " ".join(parts) if element.tag not in ("em", "strong", "b", "i", "code", "a", "bdi", "span") else "".join(parts)


class Renderer:
    """Renders bodies with the site's Markdown extensions and doorstep's, last."""

    def __init__(self, extensions: list, docs_dir: Path, root: Path, allowed_domains: list[str] | None,
                 cache_dir: Path | None = None):
        self.docs_dir = Path(docs_dir)
        self.root = Path(root)
        self.allowed = allowed_domains or []
        self.extensions = extensions
        self._md = None  # made when a body is first rendered (not at all when every body is cached)
        self._body: Body | None = None
        self._docs_dir = self.docs_dir.resolve()
        self.pictures: dict[tuple, tuple] = {}  # (file, src) → its verdict: each picture judged once a run
        self.cache = None
        self._used: set[str] = set()
        if cache_dir is not None:
            from .cache import BodyCache

            import json

            def name(value) -> str:  # a toc `slugify` function: its name, not its address in memory
                return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"

            setting = json.dumps([extensions, self.allowed, str(self._docs_dir)], default=name, sort_keys=True)
            self.cache = BodyCache(cache_dir, setting)

    def render(self, document: Document) -> Body:
        """The body of `document`: rendered, or as rendered before if nothing it depends on changed."""
        if self.cache is None:
            return self._render(document)
        key = self.cache.key(document)
        self._used.add(key)
        body = self.cache.get(document)
        if body is None:
            body = self._render(document)
            self.cache.put(document, body)
        return body

    def save(self) -> None:
        """Keep this run's bodies for the next run (nothing without a cache folder)."""
        if self.cache is not None:
            try:
                self.cache.save(self._used, force=MEMO["changed"])
                MEMO["changed"] = False
            except OSError:
                pass  # a read-only project: the next run renders again

    def _render(self, document: Document) -> Body:
        folder = document.path.parent.resolve().relative_to(self._docs_dir).as_posix()
        site_path = "" if folder == "." else folder + "/"
        body = Body(document, ET.Element("div"), site_path)
        too_complex = _too_complex(document)
        if too_complex:
            body.problems.append(too_complex)
            return body
        self._body = body
        if self._md is None:
            from .extension import DoorstepExtension, markdown_parser

            self._md = markdown_parser(self.extensions, [DoorstepExtension(self)])
        try:
            self._md.reset()
            self._md.convert(document.text)  # its output is not used: Markdown's last step puts raw HTML back
        finally:
            self._body = None
        body.html = serialize(body.tree)  # the tree the gate judged, and nothing else
        return body

    def _finish_tree(self, md, root: ET.Element) -> None:
        from .gate import Gate
        from .shape import Shaper

        body = self._body
        gate = Gate(md, body, self._docs_dir, self.root, self.allowed, self.pictures)
        gate.run(root)
        Shaper(body, gate.locate).run(root)
        body.tree = root
        body.text = " ".join(_reading_text(root).split())
