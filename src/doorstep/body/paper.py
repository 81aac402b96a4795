"""A body as paper shows it: the paper-only changes, on a copy of the tree.

Paper has no clicks: an outside link's address is printed after its text,
a link to another guide becomes the site's full address (a PDF reader opens
it), and each step's pictures sit right after its heading, beside its text.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urljoin, urlsplit

from .addresses import scheme


def short_url(url: str) -> str:
    """The URL as a person types it: no scheme, no trailing slash."""
    parts = urlsplit(url)
    text = parts.netloc + parts.path.rstrip("/")
    if parts.query:
        text += "?" + parts.query
    return text


def for_paper(root: ET.Element, page_url: str) -> None:
    parents = {child: parent for parent in root.iter() for child in parent}
    for a in list(root.iter("a")):
        href = a.get("href")
        if not href or href.startswith("#"):
            continue
        if not scheme(href):
            a.set("href", urljoin(page_url, href))
        elif scheme(href) in ("http", "https") and short_url(href) not in "".join(a.itertext()):
            spelled = ET.Element("bdi", {"dir": "ltr", "class": "url"})
            spelled.text = f"({short_url(href)})"
            spelled.tail, a.tail = a.tail, " "
            parent = parents[a]
            parent.insert(list(parent).index(a) + 1, spelled)
    for step in root.iter("li"):
        if step.get("class") == "ds-step":
            _step_head(step)


def _step_head(step: ET.Element) -> None:
    """The step's heading, its pictures and its first paragraph, kept together
    (the text flows beside the pictures)."""
    if not len(step) or step[0].tag != "h2":
        return
    pictures = []
    for p in [child for child in step if child.tag == "p"]:
        if len(p) == 1 and p[0].tag == "img" and not (p.text or "").strip() and not (p[0].tail or "").strip():
            pictures.append(p[0])
            p[0].tail = None
            step.remove(p)
    head = ET.Element("div", {"class": "step-head"})
    heading = step[0]
    step.remove(heading)
    heading.tail = None
    head.append(heading)
    head.extend(pictures)
    if len(step) and step[0].tag == "p":
        first = step[0]
        step.remove(first)
        head.append(first)
    head.tail = "\n" if len(step) else None
    if len(head) and head[-1].tail:
        head[-1].tail = None
    step.insert(0, head)
