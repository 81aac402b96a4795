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
from functools import lru_cache
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urljoin, urlsplit

import jinja2
from markupsafe import Markup

from ..content import text_html
from ..errors import DoorstepError, Problem
from ..locale import catalogue, direction, strings as ui_strings
from ..model import Guide
from . import fonts
from .qr import qr_svg
from .render import BASE, RenderFailure, init_worker, native_fingerprint, render_pdf, start_worker

__all__ = ["PamphletJob", "Pamphleteer", "write_atomic", "short_url"]

COUNTER_STYLE = {"fa": "persian", "ar": "arabic-indic"}


@dataclass
class PamphletJob:
    """Everything one pamphlet is made from; the site already knows all of it."""

    guide: Guide  # the text shown (a translation, or the default-language text)
    lang: str  # the language of the page (its URL)
    url: str  # the page's canonical URL, encoded in the QR code
    content: str  # the rendered, structured body HTML of the page
    page_path: str  # the page's path in the site, e.g. "en/vneid/"
    out: Path  # where the PDF goes
    files: dict[str, str] = field(default_factory=dict)  # site path → source file, for images
    fallback_url: str | None = None  # the original's page, set when the text is untranslated
    stale_url: str | None = None  # the original's page, set when the translation may be behind it


def short_url(url: str) -> str:
    """The URL as a person types it: no scheme, no trailing slash."""
    parts = urlsplit(url)
    text = parts.netloc + parts.path.rstrip("/")
    if parts.query:
        text += "?" + parts.query
    return text


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: never half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


LINK_RE = re.compile(r'<a\s[^>]*href="(https?://[^"]+)"[^>]*>(.*?)</a>', re.S)
TAG_RE = re.compile(r"<[^>]+>")
STYLE_RE = re.compile(r"<(style|svg)\b.*?</\1>", re.S | re.I)
SVG_TEXT_RE = re.compile(r"<(text|tspan|title|desc)\b[^>]*>(.*?)</\1>", re.S)


def print_links(content: str) -> str:
    """Show each external link's address after its text: paper has no clicks."""

    def spell(match: re.Match) -> str:
        url, text = match.group(1), match.group(2)
        if short_url(url) in TAG_RE.sub("", text):
            return match.group(0)
        return f'{match.group(0)} <bdi dir="ltr" class="url">({htmllib.escape(short_url(url))})</bdi>'

    return LINK_RE.sub(spell, content)


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
        self._env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(self.template_dir)),
                                       autoescape=True, undefined=jinja2.StrictUndefined)
        self._env.filters["text"] = text_html
        fonts.activate(self.cache_dir)
        libraries = [f"{name}={version(name)}" for name in ("weasyprint", "pydyf", "tinycss2", "fonttools", "qrcode",
                                                             "babel", "jinja2")]
        self._salt = "|".join([*libraries, fonts.fingerprint(), _code_fingerprint(), native_fingerprint()])

    # ------------------------------------------------------------------ assembly

    def document(self, job: PamphletJob) -> str:
        """The pamphlet's HTML, complete: styles inline, QR code inline."""
        strings = ui_strings(job.lang)
        svg, _version = qr_svg(job.url, self.qr_level)
        content_lang = job.guide.lang
        css = (self.template_dir / "pamphlet.css").read_text(encoding="utf-8")
        return self._env.get_template("pamphlet.html").render(
            lang=job.lang,
            dir=strings.dir,
            t=strings,
            guide=job.guide,
            meta=job.guide.meta,
            content=Markup(steps_for_paper(print_links(job.content))),
            content_lang=content_lang,
            content_dir=direction(content_lang),
            qr=Markup(svg),
            url=job.url,
            short_url=short_url(job.url),
            fallback_url=job.fallback_url,
            stale_url=job.stale_url and short_url(job.stale_url),
            css=Markup(css),
            font_stack=Markup(fonts.STACKS[strings.dir]),
            domains=list(dict.fromkeys(source.domain for source in job.guide.meta.sources or []))[:3],
            page_label=Markup(page_label(strings("page"), COUNTER_STYLE.get(job.lang, "decimal"))),
        )

    def _check_glyphs(self, job: PamphletJob, document: str) -> None:
        text = visible_text(document) + ui_strings(job.lang)("page")
        for path in job.files.values():
            if path.endswith(".svg"):
                svg = Path(path).read_text(encoding="utf-8", errors="replace")
                text += " ".join(m.group(2) for m in SVG_TEXT_RE.finditer(svg))
        missing = fonts.uncovered(text)
        if not missing:
            return
        source = job.guide.path.read_text(encoding="utf-8", errors="replace")
        raise DoorstepError(fonts.glyph_problem(job.guide.relpath, source, missing[0]))

    def _key(self, job: PamphletJob, layout: str) -> str:
        """Hash of everything that goes into the pamphlet, known before assembling it,
        so that an unchanged pamphlet costs a hash and a file copy."""
        digest = hashlib.sha256(self._salt.encode())
        inputs = [layout, self.qr_level, job.lang, job.url, job.page_path, job.fallback_url or "", job.stale_url or "",
                  job.content, job.guide.lang, job.guide.meta.model_dump_json(),
                  json.dumps(catalogue(job.lang), sort_keys=True, ensure_ascii=False)]
        for value in inputs:
            digest.update(value.encode())
            digest.update(b"\0")
        for site_path in sorted(job.files):
            digest.update(site_path.encode())
            digest.update(hashlib.sha256(Path(job.files[site_path]).read_bytes()).digest())
        return digest.hexdigest()

    # ------------------------------------------------------------------ rendering

    def _layout(self) -> str:
        return "".join((self.template_dir / name).read_text(encoding="utf-8")
                       for name in ("pamphlet.html", "pamphlet.css"))

    def from_cache(self, jobs: list[PamphletJob]) -> tuple[dict[Path, int], list[PamphletJob]]:
        """Write every job the cache holds; return their sizes and the jobs still to render."""
        layout = self._layout()
        sizes: dict[Path, int] = {}
        pending = []
        for job in jobs:
            cached = self.cache_dir / "pamphlets" / f"{self._key(job, layout)}.pdf"
            if cached.is_file():
                data = cached.read_bytes()
                write_atomic(job.out, data)
                sizes[job.out] = len(data)
            else:
                pending.append(job)
        return sizes, pending

    def build(self, jobs: list[PamphletJob]) -> dict[Path, int]:
        """Write every job's PDF; return each output's size in bytes."""
        layout = self._layout()
        sizes, pending = self.from_cache(jobs)
        missing = []
        problems: list[Problem] = []
        for job in pending:
            try:
                document = self.document(job)
                self._check_glyphs(job, document)
            except DoorstepError as exc:
                problems.extend(exc.problems)
                continue
            missing.append((job, document, urljoin(BASE, job.page_path), self._key(job, layout)))
        if problems:
            raise DoorstepError(problems)
        from_cache = done = len(sizes)
        total = len(jobs)
        if self.progress:
            self.progress(done, total, from_cache)

        def finish(job, key, data):
            nonlocal done
            write_atomic(self.cache_dir / "pamphlets" / f"{key}.pdf", data)
            write_atomic(job.out, data)
            sizes[job.out] = len(data)
            done += 1
            if self.progress:
                self.progress(done, total, from_cache)

        failures: list[Problem] = []
        roots = [str(self.root)]
        if len(missing) > 1 and self.workers > 1:
            pool = self._get_pool()
            results = [pool.submit(render_pdf, document, base_url, job.files, roots).result
                       for job, document, base_url, key in missing]
        elif missing:  # one pamphlet (a live preview's edit): no pool to start
            init_worker(str(self.cache_dir))
            results = [lambda d=document, b=base_url, j=job: render_pdf(d, b, j.files, roots)
                       for job, document, base_url, key in missing]
        else:
            results = []
        for (job, _document, _base_url, key), result in zip(missing, results):
            try:
                finish(job, key, result())
            except RenderFailure as exc:
                failures.append(Problem(job.guide.relpath, failure_line(job.guide, exc.url),
                                        f"pamphlet ({job.lang}): {exc}",
                                        "use only pictures from the guide's folder and https links"))
        if failures:
            raise DoorstepError(failures)
        self.last_stats = {"rendered": len(missing), "cached": from_cache}
        return sizes

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # fork: workers start in milliseconds, WeasyPrint already imported and
            # fontconfig already pointed at the private folder of pamphlet fonts.
            init_worker(str(self.cache_dir))
            self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                             mp_context=multiprocessing.get_context("fork"),
                                             initializer=start_worker, initargs=(str(self.cache_dir),))
        return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
