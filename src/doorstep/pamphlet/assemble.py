"""Assembly: the HTML of one pamphlet, from its job and the print template.

A `PamphletJob` is everything one pamphlet is made from (the site, or a
campaign, already knows all of it); the `Assembler` fills the layout folder's
`pamphlet.html` with it, in one of the variants (variants.py), and checks
that the pamphlet fonts have every character it prints. It also names what
goes into a pamphlet, for the cache key, before assembling it.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from dataclasses import dataclass, field
from pathlib import Path


import jinja2
from markupsafe import Markup

from ..body.paper import short_url
from ..body.shape import text_html
from ..errors import DoorstepError, Problem
from ..locale import catalogue, direction, strings as ui_strings
from ..model import Guide, Library
from ..translation import is_behind
from . import fonts
from .qr import qr_svg
from .variants import SITE, Variant

COUNTER_STYLE = {"fa": "persian", "ar": "arabic-indic"}
TEMPLATES = ("pamphlet.html", "pamphlet.css")
FIT_CSS = "pamphlet-fit.css"  # the tighter layout tried on a pamphlet that runs past its variant's max_pages


@dataclass
class PamphletJob:
    """Everything one pamphlet is made from; the site already knows all of it."""

    guide: Guide  # the text shown (a translation, or the default-language text)
    lang: str  # the language of the page (its URL)
    url: str  # the page's canonical URL, encoded in the QR code
    content: str  # the page's body as paper shows it: Body.paper_html (doorstep.body)
    page_path: str  # the page's path in the site, e.g. "en/vneid/"
    out: Path | None  # where the PDF goes (None: the caller places it)
    files: dict[str, str] = field(default_factory=dict)  # site path → source file, for images
    fallback_url: str | None = None  # the original's page, set when the text is untranslated
    stale_url: str | None = None  # the original's page, set when the translation may be behind it


def guide_job(library: Library, slug: str, lang: str, url: str, content: str, page_path: str, out: Path | None,
              files: dict[str, str], original_url: str) -> PamphletJob:
    """The pamphlet of guide `slug` at `lang`'s page (`url`): its translation or
    the original, with the notice it needs (untranslated, or maybe out of date)."""
    guide = library.resolve(slug, lang)
    return PamphletJob(guide=guide, lang=lang, url=url, content=content, page_path=page_path, out=out, files=files,
                       fallback_url=original_url if guide.lang != lang else None,
                       stale_url=original_url if is_behind(library, slug, lang) else None)


def page_label(template: str, style: str) -> str:
    """A CSS `content` value for "Page {page} of {pages}" in the pamphlet's language."""
    out = []
    for part in re.split(r"(\{page\}|\{pages\})", template):
        if part in ("{page}", "{pages}"):
            out.append(f"counter({part[1:-1]}, {style})")
        elif part:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


class _Text(HTMLParser):
    """The text of an HTML document that is printed as text (not styles, not drawings)."""

    HIDDEN = {"style", "script", "svg", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in self.HIDDEN

    def handle_endtag(self, tag):
        self.hidden -= tag in self.HIDDEN and self.hidden > 0

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


def visible_text(document: str) -> str:
    parser = _Text()
    parser.feed(document)
    parser.close()
    return " ".join(parser.parts)


class Assembler:
    """Fills the layout folder's print template: one pamphlet's HTML, complete."""

    def __init__(self, template_dir: Path, qr_level: str = "M"):
        self.template_dir = Path(template_dir)
        self.qr_level = qr_level
        for name in TEMPLATES:
            if not (self.template_dir / name).is_file():
                raise DoorstepError(Problem(str(self.template_dir / name), 1, "pamphlet template missing",
                                            "restore it from the doorstep repository or set pamphlet_dir"))
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(self.template_dir)),
                                       autoescape=True, undefined=jinja2.StrictUndefined)
        self.env.filters["text"] = text_html
        fit = self.template_dir / FIT_CSS
        self.fit_css = fit.read_text(encoding="utf-8") if fit.is_file() else ""

    def css_files(self, variant: Variant) -> list[str]:
        """The variant's own stylesheets that the layout folder has, in order."""
        return [name for name in variant.css_files if (self.template_dir / name).is_file()]

    def variant_css(self, variant: Variant) -> str:
        return "\n".join((self.template_dir / name).read_text(encoding="utf-8") for name in self.css_files(variant))

    def document(self, job: PamphletJob, variant: Variant = SITE) -> str:
        """The pamphlet's HTML, complete: styles inline, QR code inline.

        A variant with slots (a campaign's, see doorstep.campaign) leaves the
        QR code and the commune's block as empty boxes, to be stamped later;
        the template sees it as `campaign` (its paper and its stylesheets).
        """
        strings = ui_strings(job.lang)
        content_lang = job.guide.lang
        css = (self.template_dir / "pamphlet.css").read_text(encoding="utf-8")
        campaign = {"paper": variant.paper, "css": Markup(self.variant_css(variant))} if variant.slots else None
        return self.env.get_template("pamphlet.html").render(
            lang=job.lang,
            dir=strings.dir,
            t=strings,
            guide=job.guide,
            meta=job.guide.meta,
            content=Markup(job.content),  # the body's paper HTML (doorstep.body.paper)
            content_lang=content_lang,
            content_dir=direction(content_lang),
            qr=None if campaign else Markup(qr_svg(job.url, self.qr_level)[0]),
            url=job.url,
            short_url=short_url(job.url),
            fallback_url=job.fallback_url,
            stale_url=job.stale_url and short_url(job.stale_url),
            css=Markup(css),
            font_stack=Markup(fonts.STACKS[strings.dir]),
            domains=list(dict.fromkeys(source.domain for source in job.guide.meta.sources or []))[:3],
            page_label=Markup(page_label(strings("page"), COUNTER_STYLE.get(job.lang, "decimal"))),
            campaign=campaign,
        )

    def checked_document(self, job: PamphletJob, variant: Variant = SITE) -> str:
        """`document()`, after checking that the fonts have every character of it."""
        document = self.document(job, variant)
        text = visible_text(document) + ui_strings(job.lang)("page")
        if job.guide.rendered is not None:  # what its pictures print (judged with the guide, too)
            text += " " + " ".join(job.guide.rendered.picture_text.values())
        missing = fonts.uncovered(text)
        if missing:
            source = job.guide.path.read_text(encoding="utf-8", errors="replace")
            raise DoorstepError(fonts.glyph_problem(job.guide.relpath, source, missing[0]))
        return document

    def layout(self, *names: str) -> str:
        """The text of the template files `names` with the print template and
        the tighter layout (part of every cache key)."""
        return "".join((self.template_dir / name).read_text(encoding="utf-8")
                       for name in (*TEMPLATES, *names)) + self.fit_css

    def inputs(self, job: PamphletJob, variant: Variant = SITE) -> list[str]:
        """Everything that goes into the pamphlet but its pictures (`job.files`),
        known before assembling it: what its cache key is made of, so that an
        unchanged pamphlet costs a hash and a file copy."""
        return [self.layout(*self.css_files(variant)), variant.name, self.qr_level, job.lang, job.url, job.page_path,
                job.fallback_url or "", job.stale_url or "", job.content, job.guide.lang,
                job.guide.meta.model_dump_json(), json.dumps(catalogue(job.lang), sort_keys=True, ensure_ascii=False)]
