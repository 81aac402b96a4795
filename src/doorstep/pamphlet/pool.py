"""The render processes, and batches of documents rendered in them.

`start()` takes `RenderJob`s: whatever the cache holds is read from it, every
other document is assembled (and checked) at once, so that any problem stops
everything before the first render, then rendered in the `Pool`'s processes.
`Batch.wait()` gives every document, in the jobs' order, and stores the new
ones in the cache.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from ..errors import DoorstepError, Problem, warning
from ..model import Guide
from .cache import Cache
from .render import BASE, RenderFailure, Rendered, init_worker, render, start_worker

Progress = Callable[[int, int, int], None]  # (done, total, from cache)


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


class Pool:
    """The render processes, started when first needed (or by `prepare()`)."""

    def __init__(self, workers: int, cache_dir: Path):
        self.workers = workers
        self.cache_dir = Path(cache_dir)
        self._executor: ProcessPoolExecutor | None = None

    def prepare(self) -> None:
        """Start the render processes now: they load WeasyPrint and the fonts
        while this process goes on (building the site's pages)."""
        if self.workers > 1:
            self._pool().submit(os.getpid)

    def run(self, function: Callable, calls: list[tuple]) -> list[Callable[[], object]]:
        """`function(*args)` for each of `calls`, in the render processes when
        there are several (else here): one result getter per call, in order."""
        if len(calls) > 1 and self.workers > 1:
            pool = self._pool()
            return [pool.submit(function, *args).result for args in calls]
        if calls:  # one pamphlet (a live preview's edit): no pool to start
            init_worker(str(self.cache_dir))
        return [partial(function, *args) for args in calls]

    def _pool(self) -> ProcessPoolExecutor:
        if self._executor is None:
            # fork: workers start in milliseconds. Each loads WeasyPrint and the
            # pamphlet fonts itself (start_worker), in parallel with this process.
            self._executor = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context("fork"),
                                                 initializer=start_worker, initargs=(str(self.cache_dir),))
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(cancel_futures=True)
            self._executor = None


def start(jobs: list[RenderJob], cache: Cache, pool: Pool, root: Path, fit_css: str = "",
          progress: Progress | None = None) -> "Batch":
    """Start rendering what the cache lacks; `wait()` on the result gives
    every job's document, in the jobs' order.

    Documents are assembled (and glyph-checked) first: any problem stops
    everything before the first render. Missing ones render in parallel; a
    job with `max_pages` gets `fit_css` (the tighter layout) to try.
    """
    results: list[Rendered | None] = [None] * len(jobs)
    missing, problems = [], []
    for i, job in enumerate(jobs):
        results[i] = cache.get(job.kind, job.key)
        if results[i] is None:
            try:
                missing.append((i, job, job.document()))
            except DoorstepError as exc:
                problems.extend(exc.problems)
    if problems:
        raise DoorstepError(problems)
    if progress:
        progress(len(jobs) - len(missing), len(jobs), len(jobs) - len(missing))
    roots = [str(root)]
    calls = pool.run(render, [(html, job.base_url, job.files, roots, job.tags,
                               (job.max_pages, fit_css) if job.max_pages else None)
                              for _, job, html in missing])
    return Batch(jobs, results, [(i, job, call) for (i, job, _html), call in zip(missing, calls)], cache, progress)


class Batch:
    """Documents being rendered: `wait()` gives them all, in the jobs' order."""

    def __init__(self, jobs: list[RenderJob], results: list[Rendered | None], pending: list[tuple], cache: Cache,
                 progress: Progress | None = None):
        self.jobs = jobs  # every job, in order
        self.results = results  # what the cache held is here already; None: being rendered
        self.pending = pending  # (index, RenderJob, result getter)
        self.cache = cache
        self.progress = progress
        self.warnings: list[Problem] = []  # documents longer than their max_pages, after wait()
        self.stats = {"rendered": 0, "cached": len(jobs) - len(pending)}  # after wait()

    def wait(self) -> list[Rendered]:
        total = len(self.results)
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
            self.cache.put(job.kind, job.key, self.results[i])
            done += 1
            if self.progress:
                self.progress(done, total, from_cache)
        if failures:
            raise DoorstepError(failures)
        self.stats = {"rendered": len(self.pending), "cached": from_cache}
        self.warnings = [too_long(job, result.pages) for job, result in zip(self.jobs, self.results)
                         if job.max_pages and result.pages > job.max_pages]
        return self.results


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


def too_long(job: RenderJob, pages: int) -> Problem:
    return warning(job.relpath, 1, f"{job.label} runs to {pages} pages, even in the tighter layout; "
                   f"it should fit on {job.max_pages}",
                   "shorten the steps, the tips or the trouble list, or split the guide in two")
