"""Assembly: the HTML of one pamphlet, from its job and the print template.

A `PamphletJob` is everything one pamphlet is made from (the site, or a
campaign, already knows all of it); the `Assembler` fills the layout folder's
`pamphlet.html` with it, in one of the variants (variants.py), and checks
that the pamphlet fonts have every character it prints. It also names what
goes into a pamphlet, for the cache key, before assembling it.
"""

from __future__ import annotations

import html as htmllib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jinja2
from markupsafe import Markup

from ..content import text_html
from ..errors import DoorstepError, Problem
from ..locale import catalogue, direction, strings as ui_strings
from ..model import SVG_TEXT_RE, Guide, Library
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
    content: str  # the rendered, structured body HTML of the page
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


def short_url(url: str) -> str:
    """The URL as a person types it: no scheme, no trailing slash."""
    parts = urlsplit(url)
    text = parts.netloc + parts.path.rstrip("/")
    if parts.query:
        text += "?" + parts.query
    return text


LINK_RE = re.compile(r'<a\s[^>]*href="(https?://[^"]+)"[^>]*>(.*?)</a>', re.S)
TAG_RE = re.compile(r"<[^>]+>")
STYLE_RE = re.compile(r"<(style|svg)\b.*?</\1>", re.S | re.I)


def print_links(content: str) -> str:
    """Show each external link's address after its text: paper has no clicks."""

    def spell(match: re.Match) -> str:
        url, text = match.group(1), match.group(2)
        if short_url(url) in TAG_RE.sub("", text):
            return match.group(0)
        return f'{match.group(0)} <bdi dir="ltr" class="url">({htmllib.escape(short_url(url))})</bdi>'

    return LINK_RE.sub(spell, content)


RELATIVE_HREF_RE = re.compile(r'(<a\s[^>]*href=")(?![a-zA-Z][a-zA-Z0-9+.-]*:|#)([^"]*)"')
MD_PAGE_RE = re.compile(r"(^|/)index(\.[A-Za-z_-]+)?\.md(?=$|#)")


def site_links(content: str, page_url: str) -> str:
    """Links to other guides as the site's own addresses (a PDF reader opens
    them; paper shows their text only). A Markdown file link (../x/index.md)
    becomes its page's folder."""
    def absolute(match: re.Match) -> str:
        href = MD_PAGE_RE.sub(lambda m: m.group(1), htmllib.unescape(match.group(2)))
        return f'{match.group(1)}{htmllib.escape(urljoin(page_url, href))}"'

    return RELATIVE_HREF_RE.sub(absolute, content)


STEP_RE = re.compile(r'(<li class="ds-step">)(.*?)(</li>)', re.S)
IMG_PARA_RE = re.compile(r"<p>\s*(<img\b[^>]*>)\s*</p>")


HEAD_RE = re.compile(r"(<h2\b.*?</h2>)\s*((?:<img\b[^>]*>)*)\s*(<p>.*?</p>)?", re.S)


def steps_for_paper(content: str) -> str:
    """Lay each step out for paper: its pictures right after its heading, so the
    text flows beside them, and the heading kept with its first paragraph."""

    def shape(match: re.Match) -> str:
        body = match.group(2)
        images = "".join(IMG_PARA_RE.findall(body))
        body = IMG_PARA_RE.sub("", body)
        body = HEAD_RE.sub(lambda m: f'<div class="step-head">{m.group(1)}{images}{m.group(3) or ""}</div>',
                           body.strip(), count=1)
        return match.group(1) + body + match.group(3)

    return STEP_RE.sub(shape, content)


def page_label(template: str, style: str) -> str:
    """A CSS `content` value for "Page {page} of {pages}" in the pamphlet's language."""
    out = []
    for part in re.split(r"(\{page\}|\{pages\})", template):
        if part in ("{page}", "{pages}"):
            out.append(f"counter({part[1:-1]}, {style})")
        elif part:
            out.append('"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def visible_text(document: str) -> str:
    return htmllib.unescape(TAG_RE.sub(" ", STYLE_RE.sub(" ", document)))


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
            content=Markup(steps_for_paper(site_links(print_links(job.content), job.url))),
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
        for path in job.files.values():
            if path.endswith(".svg"):
                svg = Path(path).read_text(encoding="utf-8", errors="replace")
                text += " ".join(m.group("text") for m in SVG_TEXT_RE.finditer(svg))
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
