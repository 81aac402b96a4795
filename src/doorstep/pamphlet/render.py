"""HTML → PDF with WeasyPrint, in whichever process calls it.

One FontConfiguration per process, a private fontconfig (see fonts.py), the
safe fetcher, and WeasyPrint's own warnings about missing glyphs or refused
resources turned into errors.
"""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from . import fonts

BASE = "https://pamphlet.invalid/"  # .invalid never resolves: nothing can leave the machine
_FONT_CONFIG = None
WARM_UP = f"""<html><body style='font-family: {fonts.STACKS["ltr"]}'>
<p>Tiếng Việt <b>đậm</b> <i>nghiêng <b>đậm</b></i> 0912</p>
<p dir="rtl" style='font-family: {fonts.STACKS["rtl"]}'>العربية <b>فارسی</b> ۱۲۳</p>
<svg viewBox="0 0 4 4" width="8" height="8"><path d="M0 0h1v1h-1z"/><text x="0" y="3">a</text></svg>
</body></html>"""


# A pamphlet takes well under a second; a document that takes minutes is one
# built to stall the build (the guide's limits should stop it first).
RENDER_SECONDS = float(os.environ.get("DOORSTEP_RENDER_SECONDS", "120"))


class _TooLong(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    """Stop a render that runs past `seconds` (only where signals can: a process's main thread)."""
    import signal
    import threading

    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(_signum, _frame):
        raise _TooLong()

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _TooLong:
        raise RenderFailure(f"rendering took longer than {seconds:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class RenderFailure(Exception):
    """Rendering stopped for a reason the editor can act on; `url` is what was refused."""

    def __init__(self, message: str, url: str | None = None):
        super().__init__(message)
        self.url = url


class _Collector(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def _die_with_parent() -> None:
    """On Linux, a render worker ends when the build that forked it ends, even
    if that build was killed (else `mkdocs serve` killed by SIGTERM leaves it)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_worker(cache_dir: str) -> None:
    """Initializer of each pool process."""
    _die_with_parent()
    init_worker(cache_dir)


def init_worker(cache_dir: str) -> None:
    """Make a process ready to render: point fontconfig at the pamphlet fonts,
    then import WeasyPrint and load the fonts once. Called in the parent
    before it forks the workers, so they start with all of it ready."""
    global _FONT_CONFIG
    if _FONT_CONFIG is not None:
        return
    fonts.activate(Path(cache_dir))
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    _FONT_CONFIG = FontConfiguration()
    # Load every pamphlet face, shaper and drawing path once, here: forked
    # workers inherit them instead of each paying for it on its first pamphlet.
    HTML(string=WARM_UP, base_url=BASE).write_pdf(font_config=_FONT_CONFIG, pdf_tags=True)


TEXT_LIBRARIES = ("libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz.so.0", "libharfbuzz-subset.so.0",
                  "libfontconfig.so.1", "libfreetype.so.6")  # as WeasyPrint opens them on Linux


def native_fingerprint() -> str:
    """Identity of the system libraries WeasyPrint draws text with (Pango,
    HarfBuzz, fontconfig, FreeType): an upgraded shaper re-renders the pamphlets.
    Looked up in the system's library folders: no loading, no WeasyPrint."""
    import sysconfig

    arch = sysconfig.get_config_var("MULTIARCH") or ""
    folders = [Path(p) for p in (f"/usr/lib/{arch}", f"/lib/{arch}", "/usr/lib", "/lib", "/usr/local/lib") if p]
    digest = hashlib.sha256()
    for name in TEXT_LIBRARIES:
        found = next((f / name for f in folders if (f / name).exists()), None)
        if found is None:  # elsewhere on this system: its name is all there is
            digest.update(f"{name}: not in {', '.join(map(str, folders))}\n".encode())
            continue
        real = Path(os.path.realpath(found))
        info = real.stat()  # an upgraded package replaces the file: new size or time
        digest.update(f"{real.name}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return digest.hexdigest()


@dataclass
class Rendered:
    """A rendered document: its PDF, its number of pages, and where its `ds-*`
    ids landed: id → (page index, x1, y1, x2, y2) in CSS px from the page's
    top-left corner."""

    pdf: bytes
    pages: int = 0
    anchors: dict[str, tuple] = field(default_factory=dict)


def render_pdf(html: str, base_url: str, files: dict[str, str], roots: list[str]) -> bytes:
    """Render one pamphlet. Raises RenderFailure with a one-line reason."""
    return render(html, base_url, files, roots).pdf


def render(html: str, base_url: str, files: dict[str, str], roots: list[str], tags: bool = True,
           fit: tuple[int, str] | None = None) -> Rendered:
    """Render one document (tagged PDF unless `tags` is false), noting where its
    `ds-*` ids are. With `fit` (most pages, CSS): a document longer than that
    is rendered again with the CSS added at the end of its head, and the
    shorter of the two is kept. Raises RenderFailure with a one-line reason."""
    rendered = _render(html, base_url, files, roots, tags)
    if fit and rendered.pages > fit[0] and fit[1] and "</head>" in html:
        tightened = _render(html.replace("</head>", f"<style>\n{fit[1]}\n</style>\n</head>", 1), base_url, files,
                            roots, tags)
        if tightened.pages < rendered.pages:
            return tightened
    return rendered


def _render(html: str, base_url: str, files: dict[str, str], roots: list[str], tags: bool) -> Rendered:
    from weasyprint import HTML

    from .fetcher import RefusedURL, SafeFetcher

    if _FONT_CONFIG is None:
        raise RuntimeError("call init_worker() before render()")
    collector = _Collector()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(collector)
    previous_propagate = logger.propagate
    logger.propagate = False
    try:
        with _time_limit(RENDER_SECONDS):
            document = HTML(string=html, base_url=base_url, url_fetcher=SafeFetcher(files, roots)).render(
                font_config=_FONT_CONFIG, pdf_tags=tags)
            pdf = document.write_pdf(pdf_tags=tags)
    except RefusedURL as exc:
        raise RenderFailure(str(exc), exc.url) from None
    except RecursionError:  # e.g. boxes nested thousands deep
        raise RenderFailure("the document nests too deep to lay out") from None
    finally:
        logger.removeHandler(collector)
        logger.propagate = previous_propagate
    for message in collector.messages:
        if ".notdef" in message:
            raise RenderFailure(f"no pamphlet font has a glyph for {message.split(': ', 1)[-1]}")
        if "Failed to load" in message or "refused" in message.lower():
            raise RenderFailure(message.splitlines()[0])
    anchors: dict[str, tuple] = {}
    for i, page in enumerate(document.pages):  # a box split over pages: where it starts
        for name, box in page.anchors.items():
            if name.startswith("ds-"):
                anchors.setdefault(name, (i, *box))
    return Rendered(pdf, len(document.pages), anchors)
