"""The one shaper: a guide body's tree as both outputs show it.

Numbered steps (each level-2 section one item of an ordered list, its number
in the page's language, an id `ds-step-N`), pictures that load lazily, and in
right-to-left text every left-to-right run (an address, a phone number) in a
`<bdi dir="ltr">`, so "0912 345 678" never reads "678 345 0912".
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from ..errors import Problem
from ..locale import direction, strings

if TYPE_CHECKING:
    from . import Body

MIN_STEPS, MAX_STEPS = 3, 10
# URLs, e-mail addresses, phone numbers and long digit groups: left-to-right islands.
LTR_RUN_RE = re.compile(
    r"(?:https?://[^\s<>()]+[^\s<>().,;:!?،؛])"
    r"|(?:\b[\w.-]+@[\w-]+(?:\.[\w-]+)+\b)"
    r"|(?:(?:\b[a-z0-9-]+|(?<![\w.])(?=\.[a-z]))(?:\.[a-z0-9-]+)*\.(?:vn|com|org|net)\b(?:/[^\s<>()]*[^\s<>().,;:!?،؛])?)"
    r"|(?:\+?\d[\d .-]{5,}\d)"
)


class Shaper:
    def __init__(self, body: "Body", locate):
        self.body = body
        self.doc = body.document
        self.locate = locate

    def run(self, root: ET.Element) -> None:
        for img in root.iter("img"):
            img.attrib = {"loading": "lazy", **img.attrib}  # below the first screen: loaded when scrolled to
        if self.doc.kind == "guide":
            self.steps(root)
        if direction(self.doc.lang) == "rtl":
            isolate_ltr(root)

    def steps(self, root: ET.Element) -> None:
        """Each level-2 section becomes one item of `<ol class="ds-steps">`."""
        for h1 in root.iter("h1"):
            self.body.problems.append(Problem(self.doc.relpath, self.locate("\n# ", "# ", "".join(h1.itertext())),
                                              "a level-1 heading in the body",
                                              "remove it: the title comes from the front matter, steps use '## '"))
        children = list(root)
        first = next((i for i, child in enumerate(children) if child.tag == "h2"), None)
        count = sum(1 for child in children if child.tag == "h2")
        self.body.steps = count
        if not MIN_STEPS <= count <= MAX_STEPS:
            line = self.locate("\n## ", "## ") if count else self.doc.first_line
            self.body.problems.append(Problem(self.doc.relpath, line, f"the guide has {count} steps (a '## ' heading each)",
                                              f"write {MIN_STEPS} to {MAX_STEPS} steps; split a longer task into two "
                                              "guides"))
        if first is None:
            return
        number = strings(self.doc.lang).number
        steps = ET.Element("ol", {"class": "ds-steps"})
        steps.text = "\n"
        steps.tail = root[first - 1].tail if first else None
        if first:
            root[first - 1].tail = "\n"
        item = None
        for child in children[first:]:
            root.remove(child)
            if child.tag == "h2":
                if item is not None:
                    item[-1].tail = None
                item = ET.SubElement(steps, "li", {"class": "ds-step", "id": f"ds-step-{len(steps) + 1}"})
                item.tail = "\n"
                mark = ET.Element("span", {"class": "ds-step__n", "aria-hidden": "true"})
                mark.text = number(len(steps))
                mark.tail = " " + (child.text or "")
                child.text = None
                child.insert(0, mark)
            item.append(child)
        if item is not None and len(item):
            item[-1].tail = None
        root.insert(first, steps)


def isolate_ltr(root: ET.Element) -> None:
    """Wrap URLs, phone numbers and domains in the tree's text in `<bdi dir="ltr">`."""
    isolated = {node for bdi in root.iter("bdi") for node in bdi.iter()}
    for element in list(root.iter()):
        if element in isolated:
            continue
        if element.text:
            runs = _split(element.text)
            if runs:
                element.text = runs[0]
                for i, node in enumerate(runs[1:]):
                    element.insert(i, node)
        for i in range(len(element) - 1, -1, -1):
            child = element[i]
            if child.tail:
                runs = _split(child.tail)
                if runs:
                    child.tail = runs[0]
                    for j, node in enumerate(runs[1:], start=1):
                        element.insert(i + j, node)


def _split(text: str) -> list | None:
    """`text` as [leading text, bdi, bdi, …] (each bdi's tail the text after it), or None."""
    matches = list(LTR_RUN_RE.finditer(text))
    if not matches:
        return None
    out: list = [text[: matches[0].start()]]
    for k, match in enumerate(matches):
        bdi = ET.Element("bdi", {"dir": "ltr"})
        bdi.text = match.group(0)
        end = matches[k + 1].start() if k + 1 < len(matches) else len(text)
        bdi.tail = text[match.end():end]
        out.append(bdi)
    return out


def text_html(text: str, direction: str = "ltr") -> Markup:
    """A front-matter text as HTML: escaped, and in right-to-left text with its
    URLs and phone numbers kept left-to-right. The `text` filter of templates."""
    if direction != "rtl":
        return escape(text)
    out = []
    for node in _split(text) or [text]:
        if isinstance(node, str):
            out.append(str(escape(node)))
        else:
            out.append(f'<bdi dir="ltr">{escape(node.text)}</bdi>{escape(node.tail or "")}')
    return Markup("".join(out))
