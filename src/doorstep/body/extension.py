"""doorstep's Python-Markdown extension: the gate and the shaper, run last on the tree.

Registered by `Renderer` (body/__init__.py) whenever a body is rendered, with
the site's extensions and MkDocs' own: mkdocs.yml cannot leave it out.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import TYPE_CHECKING

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:
    from . import Renderer

MKDOCS_EXTENSIONS = ("toc", "tables", "fenced_code")  # MkDocs adds these to every site


class _Last(Treeprocessor):
    """Gate, then shape: the last thing that touches the tree."""

    def __init__(self, md, renderer: "Renderer"):
        super().__init__(md)
        self.renderer = renderer

    def run(self, root: ET.Element) -> None:
        self.renderer._finish_tree(self.md, root)


class DoorstepExtension(Extension):
    def __init__(self, renderer: "Renderer"):
        super().__init__()
        self.renderer = renderer

    def extendMarkdown(self, md):
        md.treeprocessors.register(_Last(md, self.renderer), "doorstep", -1000)  # after every other one


def markdown_parser(extensions: list, extra: list | None = None) -> markdown.Markdown:
    """Python-Markdown as MkDocs runs it: mkdocs.yml's `markdown_extensions` (as
    written there: names, or {name: options}) and MkDocs' own ones."""
    names, configs = list(MKDOCS_EXTENSIONS), {}
    for item in extensions:
        for name, options in (item.items() if isinstance(item, dict) else [(item, None)]):
            names.append(name)
            if options:
                configs[name] = options
    # Table cells aligned with `align`, not `style` (no style attribute passes the gate).
    configs["tables"] = {**configs.get("tables", {}), "use_align_attribute": True}
    return markdown.Markdown(extensions=list(dict.fromkeys(names)) + (extra or []), extension_configs=configs)


