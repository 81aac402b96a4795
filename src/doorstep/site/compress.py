"""Every text file of the built site, precompressed beside it: `x.html.gz` and `x.html.br`.

A web server serves them as they are (nginx's gzip_static and brotli_static,
deploy/nginx/): no compression work per request, and brotli at its best
setting, which no server affords on the fly. Reproducible: gzip without a
name or a time, brotli with fixed settings; the same file gives the same
bytes. A compressed copy is kept only when it is smaller than the file.
Compressing is slow at these settings (≈ 5 s for a site, mostly Material's
own scripts), so each result is cached by the file's content hash in the
user's cache folder: a warm build, or another project, only hashes and copies.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import os
from pathlib import Path

from ..files import write_atomic

TEXT = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".webmanifest")  # not source maps: no phone asks for them
KINDS = (".gz", ".br")


def _gzip(data: bytes) -> bytes:
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=out, mtime=0) as handle:
        handle.write(data)
    return out.getvalue()


def _brotli(data: bytes) -> bytes:
    import brotli

    mode = brotli.MODE_TEXT
    return brotli.compress(data, mode=mode, quality=11, lgwin=22)


ENCODERS = {".gz": _gzip, ".br": _brotli}


def _encoding() -> str:
    from importlib.metadata import version

    return f"gzip 9 mtime 0; brotli {version('brotli')} text 11 22"


ENCODING = _encoding()  # part of each cache key: other settings or another brotli, other bytes


def compressed(data: bytes, kind: str, cache: Path | None) -> bytes:
    """`data` compressed as `kind` (".gz" or ".br"), from the cache when it has it."""
    digest = hashlib.sha256(ENCODING.encode() + b"\0" + data).hexdigest()  # the bytes, and how they are compressed
    kept = cache / digest[:2] / (digest + kind) if cache else None
    if kept is not None and kept.is_file():
        return kept.read_bytes()
    out = ENCODERS[kind](data)
    if kept is not None:
        try:
            write_atomic(kept, out)
        except OSError:
            pass  # a read-only cache: compress again next time
    return out


def user_cache() -> Path:
    """Where compressed files are kept: the user's cache folder, shared by every
    project on the machine (Material's own scripts and stylesheets are the same
    in each, and they are most of the bytes)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "doorstep" / "compressed"


def precompress(site_dir: Path, cache: Path | None = None) -> dict[str, int]:
    """Write `.gz` and `.br` beside every text file of `site_dir`; the count of
    files written and bytes before and after (brotli), for the build's log.
    Files are done in a few threads: reading, hashing, compressing and writing
    all let other threads run."""
    from concurrent.futures import ThreadPoolExecutor

    paths = [Path(folder) / name for folder, _dirs, files in os.walk(site_dir) for name in sorted(files)
             if Path(name).suffix.lower() in TEXT]
    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 1) * 2)) as pool:
        done = list(pool.map(lambda path: _one(path, cache), paths))
    return {"files": len(done), "bytes": sum(size for size, _ in done), "br": sum(br for _, br in done)}


def _one(path: Path, cache: Path | None) -> tuple[int, int]:
    data = path.read_bytes()
    br = 0
    for kind in KINDS:
        target = path.with_name(path.name + kind)
        out = compressed(data, kind, cache)
        if len(out) < len(data):
            target.write_bytes(out)  # the build's own folder, swapped in whole at its end
            br += len(out) if kind == ".br" else 0
        elif target.exists():  # e.g. MkDocs' own sitemap.xml.gz of a tiny sitemap
            target.unlink()
    return len(data), br
