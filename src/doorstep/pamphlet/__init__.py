"""Pamphlets: one printable PDF per guide per language, with a QR code back to its page.

`Pamphleteer.build(jobs)` is the one entry point. Its stages, one module each:

- assemble.py: each pamphlet's HTML from its job and the print template in
  `pamphlets/`, its characters checked against the pamphlet fonts;
- cache.py: the content-addressed cache (keys, lookup, store);
- pool.py: the render processes, and batches of documents rendered in them;
- render.py: HTML → PDF with WeasyPrint (with fetcher.py, fonts.py, qr.py);
- variants.py: the site's pamphlet and a campaign's, in one table.

Every PDF is written atomically.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from urllib.parse import urljoin

from ..files import swap_in, write_atomic
from . import fonts
from .assemble import Assembler, PamphletJob, guide_job, short_url
from .cache import Cache
from .pool import Batch, Pool, Progress, RenderJob, failure_line, start
from .render import BASE, Rendered, render
from .variants import SITE, VARIANTS, Variant, campaign_variant

__all__ = ["Batch", "Build", "PamphletJob", "Pamphleteer", "RenderJob", "Rendered", "SITE", "VARIANTS", "Variant",
           "campaign_variant", "failure_line", "fonts", "guide_job", "render", "short_url", "swap_in", "write_atomic"]


class Pamphleteer:
    """Turns pamphlet jobs into PDFs, from the cache when it can."""

    def __init__(self, template_dir: Path, cache_dir: Path, root: Path, workers: int = 0,
                 qr_level: str = "M", progress: Progress | None = None):
        self.assembler = Assembler(template_dir, qr_level)
        self.template_dir = self.assembler.template_dir
        self.env = self.assembler.env  # the layout folder's templates, with doorstep's filters
        self.cache_dir = Path(cache_dir)
        self.root = Path(root)
        self.workers = workers or os.cpu_count() or 1
        self.qr_level = qr_level
        self.progress = progress
        fonts.activate(self.cache_dir)
        self.cache = Cache(self.cache_dir)
        self.pool = Pool(self.workers, self.cache_dir)

    def document(self, job: PamphletJob, variant: Variant = SITE) -> str:
        """The pamphlet's HTML (see Assembler.document)."""
        return self.assembler.document(job, variant)

    def checked_document(self, job: PamphletJob, variant: Variant = SITE) -> str:
        return self.assembler.checked_document(job, variant)

    def render_job(self, job: PamphletJob, variant: Variant = SITE) -> RenderJob:
        """The pamphlet of `job` in `variant`, as a document to render (or find in the cache)."""
        return RenderJob(self.cache.key(*self.assembler.inputs(job, variant), files=job.files), variant.cache,
                         partial(self.assembler.checked_document, job, variant), urljoin(BASE, job.page_path),
                         job.files, job.guide.relpath, variant.label.format(lang=job.lang), tags=variant.tags,
                         max_pages=variant.max_pages, guide=job.guide)

    def start(self, jobs: list[RenderJob]) -> Batch:
        """Start rendering what the cache lacks (see pool.start)."""
        return start(jobs, self.cache, self.pool, self.root, self.assembler.fit_css, self.progress)

    def build(self, jobs: list[PamphletJob]) -> dict[Path, int]:
        """Write every job's PDF; return each output's size in bytes."""
        return self.start_build(jobs).finish()

    def start_build(self, jobs: list[PamphletJob]) -> "Build":
        """Assemble and check every job now (problems raise here), start rendering
        the ones the cache lacks, and return at once: `finish()` writes the PDFs."""
        return Build(jobs, self.start([self.render_job(job) for job in jobs]))

    def from_cache(self, jobs: list[PamphletJob]) -> tuple[dict[Path, int], list[PamphletJob]]:
        """Write every job the cache holds; return their sizes and the jobs still to render."""
        sizes: dict[Path, int] = {}
        pending = []
        for job in jobs:
            render_job = self.render_job(job)
            cached = self.cache.get(render_job.kind, render_job.key)
            if cached is None:
                pending.append(job)
            else:
                write_atomic(job.out, cached.pdf)
                sizes[job.out] = len(cached.pdf)
        return sizes, pending

    def cached_count(self, variant: Variant = SITE) -> int:
        return self.cache.count(variant.cache)

    def prepare(self) -> None:
        """Start the render processes now (see Pool.prepare)."""
        self.pool.prepare()

    def close(self) -> None:
        self.pool.close()


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
