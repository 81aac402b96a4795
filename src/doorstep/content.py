"""Shape a guide's rendered body: numbered steps and right-to-left safety.

Both the site and the pamphlets show the same HTML, made here once per page.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

H2_RE = re.compile(r"(?=<h2[\s>])")
H2_OPEN_RE = re.compile(r"<h2([^>]*)>")
TAG_SPLIT_RE = re.compile(r"(<[^>]+>)")
# URLs, e-mail addresses, phone numbers and long digit groups: left-to-right islands.
LTR_RUN_RE = re.compile(
    r"(?:https?://[^\s<>()]+[^\s<>().,;:!?،؛])"
    r"|(?:\b[\w.-]+@[\w-]+(?:\.[\w-]+)+\b)"
    r"|(?:(?:\b[a-z0-9-]+|(?<![\w.])(?=\.[a-z]))(?:\.[a-z0-9-]+)*\.(?:vn|com|org|net)\b(?:/[^\s<>()]*[^\s<>().,;:!?،؛])?)"
    r"|(?:\+?\d[\d .-]{5,}\d)"
)


def structure_steps(html: str, number) -> str:
    """Wrap each level-2 section in one item of an ordered list of steps.

    `number(n)` formats a step number in the page's language.
    """
    parts = H2_RE.split(html)
    intro, sections = parts[0], parts[1:]
    if not sections:
        return html
    items = []
    for n, section in enumerate(sections, start=1):
        section = H2_OPEN_RE.sub(
            lambda m: f'<h2{m.group(1)}><span class="ds-step__n" aria-hidden="true">{number(n)}</span> ',
            section,
            count=1,
        )
        items.append(f'<li class="ds-step">{section.strip()}</li>')
    return f'{intro.strip()}\n<ol class="ds-steps">\n' + "\n".join(items) + "\n</ol>"


def isolate_ltr(html: str) -> str:
    """Wrap URLs, phone numbers and domains in `<bdi dir="ltr">` inside text.

    Without it, "0912 345 678" inside Arabic or Persian reads "678 345 0912".
    """
    out = []
    in_bdi = 0
    for piece in TAG_SPLIT_RE.split(html):
        if piece.startswith("<"):
            if piece.startswith("<bdi"):
                in_bdi += 1
            elif piece.startswith("</bdi"):
                in_bdi -= 1
            out.append(piece)
        elif in_bdi or not piece.strip():
            out.append(piece)
        else:
            out.append(LTR_RUN_RE.sub(lambda m: f'<bdi dir="ltr">{m.group(0)}</bdi>', piece))
    return "".join(out)


def shape_body(html: str, lang: str) -> str:
    """A guide's rendered Markdown as the site and the pamphlets show it: steps
    numbered in `lang`, and in right-to-left text its LTR runs isolated."""
    from .locale import direction, strings

    html = structure_steps(html, strings(lang).number)
    return isolate_ltr(html) if direction(lang) == "rtl" else html


MKDOCS_EXTENSIONS = ("toc", "tables", "fenced_code")  # MkDocs adds these to every site


def markdown_parser(extensions: list):
    """Python-Markdown as MkDocs runs it: mkdocs.yml's `markdown_extensions` (as
    written there: names, or {name: options}) and MkDocs' own ones."""
    import markdown

    names, configs = list(MKDOCS_EXTENSIONS), {}
    for item in extensions:
        for name, options in (item.items() if isinstance(item, dict) else [(item, None)]):
            names.append(name)
            if options:
                configs[name] = options
    return markdown.Markdown(extensions=list(dict.fromkeys(names)), extension_configs=configs)


def render_markdown(body: str, extensions: list) -> str:
    """A guide body as HTML without MkDocs (see markdown_parser)."""
    return markdown_parser(extensions).convert(body)


def text_html(text: str, direction: str = "ltr") -> Markup:
    """A front-matter text as HTML: escaped, and in right-to-left text with its
    URLs and phone numbers kept left-to-right. The `text` filter of templates."""
    html = str(escape(text))
    return Markup(isolate_ltr(html) if direction == "rtl" else html)
