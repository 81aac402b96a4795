"""Pamphlets: one printable PDF per guide per language, with a QR code back to its page.

`Pamphleteer.build(jobs)` is the one entry point: it assembles each
pamphlet's HTML from the print template in `pamphlets/`, checks its
characters against the pamphlet fonts, renders what the cache lacks (in
parallel processes) and writes every PDF atomically.
"""

from __future__ import annotations

import hashlib
import json
import html as htmllib
import multiprocessing
import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urljoin, urlsplit

import jinja2
from markupsafe import Markup

from ..body.shape import text_html
from ..errors import DoorstepError, Problem, warning
from ..files import swap_in, write_atomic  # noqa: F401 (part of this module's interface)
from ..locale import catalogue, direction, strings as ui_strings
from ..model import Guide, Library
from ..translation import is_behind
from . import fonts
from .qr import qr_svg
from .render import BASE, RenderFailure, Rendered, init_worker, native_fingerprint, render, start_worker

__all__ = ["PamphletJob", "Pamphleteer", "RenderJob", "swap_in", "write_atomic", "short_url"]

COUNTER_STYLE = {"fa": "persian", "ar": "arabic-indic"}
MAX_PAGES = 2  # an A4 pamphlet: one sheet, printed on both sides
FIT_CSS = "pamphlet-fit.css"  # the tighter layout tried on a pamphlet that runs past MAX_PAGES


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


@dataclass
class RenderJob:
    """One document to render, from the cache when it can."""

    key: str  # hash of everything that goes into it
    kind: str  # the cache folder, e.g. "pamphlets"
    document: Callable[[], str]  # assembles the HTML; may raise DoorstepError
    base_url: str
    files: dict[str, str]  # site path → source file, for images
    relpath: str  # the file a render failure is reported against
    label: str  # what it is, for messages, e.g. "pamphlet (en)"
    tags: bool = True  # tagged PDF (PDF/UA structure)
    max_pages: int = 0  # longer: rendered again with pamphlet-fit.css, then a warning if still longer (0: no limit)
    guide: Guide | None = None  # the guide it prints, to find the line a render failure comes from


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


def failure_line(guide: Guide, url: str | None) -> int:
    """The line of the guide that asked for `url` (the first step's, if none does)."""
    if url:
        path = unquote(urlsplit(url).path)
        candidates = [url, path.removeprefix(urlsplit(BASE).path), Path(path).name]
        lines = guide.path.read_text(encoding="utf-8", errors="replace").split("\n")
        for candidate in filter(None, candidates):
            for number, line in enumerate(lines, 1):
                if candidate in line:
                    return number
    return guide.body_line


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


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    """Hash of doorstep's own code and UI strings: a code change re-renders pamphlets."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class Pamphleteer:
    """Turns pamphlet jobs into PDFs, from the cache when it can."""

    def __init__(self, template_dir: Path, cache_dir: Path, root: Path, workers: int = 0,
                 qr_level: str = "M", progress: Callable[[int, int, int], None] | None = None):
        self.template_dir = Path(template_dir)
        self.cache_dir = Path(cache_dir)
        self.root = Path(root)
        self.workers = workers or os.cpu_count() or 1
        self.qr_level = qr_level
        self.progress = progress
        self._pool: ProcessPoolExecutor | None = None
        self.last_stats = {"rendered": 0, "cached": 0}
        for name in ("pamphlet.html", "pamphlet.css"):
            if not (self.template_dir / name).is_file():
                raise DoorstepError(Problem(str(self.template_dir / name), 1, "pamphlet template missing",
                                            "restore it from the doorstep repository or set pamphlet_dir"))
        self.env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(self.template_dir)),
                                       autoescape=True, undefined=jinja2.StrictUndefined)
        self.env.filters["text"] = text_html
        fit = self.template_dir / FIT_CSS
        self.fit_css = fit.read_text(encoding="utf-8") if fit.is_file() else ""
        fonts.activate(self.cache_dir)
        libraries = [f"{name}={version(name)}" for name in ("weasyprint", "pydyf", "tinycss2", "fonttools", "qrcode",
                                                             "babel", "jinja2")]
        self._salt = "|".join([*libraries, fonts.fingerprint(), _code_fingerprint(), native_fingerprint()])

    # ------------------------------------------------------------------ assembly

    def document(self, job: PamphletJob, campaign: dict | None = None) -> str:
        """The pamphlet's HTML, complete: styles inline, QR code inline.

        With `campaign` (see doorstep.campaign), the campaign variant: the QR
        code and the commune's block are left as empty boxes, to be stamped later.
        """
        strings = ui_strings(job.lang)
        content_lang = job.guide.lang
        css = (self.template_dir / "pamphlet.css").read_text(encoding="utf-8")
        return self.env.get_template("pamphlet.html").render(
            lang=job.lang,
            dir=strings.dir,
            t=strings,
            guide=job.guide,
            meta=job.guide.meta,
            content=Markup(job.content),
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

    def checked_document(self, job: PamphletJob, campaign: dict | None = None) -> str:
        """`document()`, after checking that the fonts have every character of it."""
        document = self.document(job, campaign)
        text = visible_text(document) + ui_strings(job.lang)("page")
        if job.guide.rendered is not None:  # what its pictures print (checked with the guide, too)
            text += " " + " ".join(job.guide.rendered.picture_text.values())
        missing = fonts.uncovered(text)
        if missing:
            source = job.guide.path.read_text(encoding="utf-8", errors="replace")
            raise DoorstepError(fonts.glyph_problem(job.guide.relpath, source, missing[0]))
        return document

    def layout(self, *names: str) -> str:
        """The text of the template files `names` (part of every cache key)."""
        return "".join((self.template_dir / name).read_text(encoding="utf-8")
                       for name in ("pamphlet.html", "pamphlet.css", *names)) + self.fit_css

    def key(self, *inputs: str, files: dict[str, str] | None = None) -> str:
        """Hash of `inputs`, the files' bytes, the code, fonts and library versions."""
        digest = hashlib.sha256(self._salt.encode())
        for value in inputs:
            digest.update(value.encode())
            digest.update(b"\0")
        for site_path in sorted(files or {}):
            digest.update(site_path.encode())
            digest.update(hashlib.sha256(Path(files[site_path]).read_bytes()).digest())
        return digest.hexdigest()

    def job_key(self, job: PamphletJob, layout: str, variant: str = "") -> str:
        """Hash of everything that goes into the pamphlet, known before assembling it,
        so that an unchanged pamphlet costs a hash and a file copy."""
        return self.key(layout, variant, self.qr_level, job.lang, job.url, job.page_path, job.fallback_url or "",
                        job.stale_url or "", job.content, job.guide.lang, job.guide.meta.model_dump_json(),
                        json.dumps(catalogue(job.lang), sort_keys=True, ensure_ascii=False), files=job.files)

    # ------------------------------------------------------------------ rendering

    def _render_jobs(self, jobs: list[PamphletJob]) -> list[RenderJob]:
        layout = self.layout()
        return [RenderJob(self.job_key(job, layout), "pamphlets", partial(self.checked_document, job),
                          urljoin(BASE, job.page_path), job.files, job.guide.relpath, f"pamphlet ({job.lang})",
                          guide=job.guide, max_pages=MAX_PAGES)
                for job in jobs]

    def build(self, jobs: list[PamphletJob]) -> dict[Path, int]:
        """Write every job's PDF; return each output's size in bytes."""
        return self.start_build(jobs).finish()

    def start_build(self, jobs: list[PamphletJob]) -> "Build":
        """Assemble and check every job now (problems raise here), start rendering
        the ones the cache lacks, and return at once: `finish()` writes the PDFs."""
        return Build(jobs, self.start(self._render_jobs(jobs)))

    def from_cache(self, jobs: list[PamphletJob]) -> tuple[dict[Path, int], list[PamphletJob]]:
        """Write every job the cache holds; return their sizes and the jobs still to render."""
        sizes: dict[Path, int] = {}
        pending = []
        for job, render_job in zip(jobs, self._render_jobs(jobs)):
            cached = self._cached(render_job)
            if cached is None:
                pending.append(job)
            else:
                write_atomic(job.out, cached.pdf)
                sizes[job.out] = len(cached.pdf)
        return sizes, pending

    def start(self, jobs: list["RenderJob"]) -> "Batch":
        """Start rendering what the cache lacks; `wait()` on the result gives
        every job's document, in the jobs' order.

        Documents are assembled (and glyph-checked) first: any problem stops
        everything before the first render. Missing ones render in parallel.
        """
        results: list[Rendered | None] = [None] * len(jobs)
        missing, problems = [], []
        for i, job in enumerate(jobs):
            results[i] = self._cached(job)
            if results[i] is None:
                try:
                    missing.append((i, job, job.document()))
                except DoorstepError as exc:
                    problems.extend(exc.problems)
        if problems:
            raise DoorstepError(problems)
        if self.progress:
            self.progress(len(jobs) - len(missing), len(jobs), len(jobs) - len(missing))
        roots = [str(self.root)]
        calls = self.run(render, [(html, job.base_url, job.files, roots, job.tags,
                                   (job.max_pages, self.fit_css) if job.max_pages else None)
                                  for _, job, html in missing])
        return Batch(self, jobs, results, [(i, job, call) for (i, job, _html), call in zip(missing, calls)])

    def _cached(self, job: "RenderJob") -> Rendered | None:
        pdf = self.cache_dir / job.kind / f"{job.key}.pdf"
        if not pdf.is_file():
            return None
        index = self.cache_dir / job.kind / f"{job.key}.json"
        layout = json.loads(index.read_text()) if index.is_file() else {"pages": 0, "anchors": {}}
        return Rendered(pdf.read_bytes(), layout["pages"],
                        {name: tuple(box) for name, box in layout["anchors"].items()})

    def _store(self, job: "RenderJob", rendered: Rendered) -> None:
        folder = self.cache_dir / job.kind
        layout = {"pages": rendered.pages, "anchors": rendered.anchors}  # before the PDF: a cached PDF has its layout
        write_atomic(folder / f"{job.key}.json", json.dumps(layout, sort_keys=True).encode())
        write_atomic(folder / f"{job.key}.pdf", rendered.pdf)

    def cached_count(self, kind: str = "pamphlets") -> int:
        folder = self.cache_dir / kind
        return sum(1 for _ in folder.glob("*.pdf")) if folder.is_dir() else 0

    def prepare(self) -> None:
        """Start the render processes now: they load WeasyPrint and the fonts
        while this process goes on (building the site's pages)."""
        if self.workers > 1:
            self._get_pool().submit(os.getpid)

    def run(self, function: Callable, calls: list[tuple]) -> list[Callable[[], object]]:
        """`function(*args)` for each of `calls`, in the render processes when
        there are several (else here): one result getter per call, in order."""
        if len(calls) > 1 and self.workers > 1:
            pool = self._get_pool()
            return [pool.submit(function, *args).result for args in calls]
        if calls:  # one pamphlet (a live preview's edit): no pool to start
            init_worker(str(self.cache_dir))
        return [partial(function, *args) for args in calls]

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork: workers start in milliseconds. Each loads WeasyPrint and the
            # pamphlet fonts itself (start_worker), in parallel with this process.
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("fork"),
                                             initializer=start_worker, initargs=(str(self.cache_dir),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class Batch:
    """Documents being rendered: `wait()` gives them all, in the jobs' order."""

    def __init__(self, owner: Pamphleteer, jobs: list[RenderJob], results: list[Rendered | None],
                 pending: list[tuple]):
        self.owner = owner
        self.jobs = jobs  # every job, in order
        self.results = results  # what the cache held is here already; None: being rendered
        self.pending = pending  # (index, RenderJob, result getter)
        self.warnings: list[Problem] = []  # documents longer than their max_pages, after wait()

    def wait(self) -> list[Rendered]:
        owner, total = self.owner, len(self.results)
        from_cache = done = total - len(self.pending)
        failures: list[Problem] = []
        for i, job, result in self.pending:
            try:
                self.results[i] = result()
            except RenderFailure as exc:
                line = failure_line(job.guide, exc.url) if job.guide else 1
                failures.append(Problem(job.relpath, line, f"{job.label}: {exc}",
                                        "use only pictures from the guide's folder and https links"))
                continue
            owner._store(job, self.results[i])
            done += 1
            if owner.progress:
                owner.progress(done, total, from_cache)
        if failures:
            raise DoorstepError(failures)
        owner.last_stats = {"rendered": len(self.pending), "cached": from_cache}
        self.warnings = [too_long(job, result.pages) for job, result in zip(self.jobs, self.results)
                         if job.max_pages and result.pages > job.max_pages]
        return self.results


def too_long(job: RenderJob, pages: int) -> Problem:
    return warning(job.relpath, 1, f"{job.label} runs to {pages} pages, even in the tighter layout; "
                   f"it should fit on {job.max_pages}",
                   "shorten the steps, the tips or the trouble list, or split the guide in two")


@dataclass
class Build:
    """Pamphlets under way (see `Pamphleteer.start_build`)."""

    jobs: list[PamphletJob]
    batch: Batch

    @property
    def rendered(self) -> int:
        return len(self.batch.pending)

    def known(self) -> dict[Path, int]:
        """Sizes of the pamphlets the cache held (known before any rendering)."""
        return {job.out: len(r.pdf) for job, r in zip(self.jobs, self.batch.results) if r is not None}

    def finish(self) -> dict[Path, int]:
        """Wait for the renders, write every PDF; each output's size in bytes."""
        sizes: dict[Path, int] = {}
        for job, rendered in zip(self.jobs, self.batch.wait()):
            write_atomic(job.out, rendered.pdf)
            sizes[job.out] = len(rendered.pdf)
        return sizes
