"""Writing outputs so that a reader never meets half of one."""

from __future__ import annotations

import hashlib
import os
import shutil
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of doorstep's own code and UI strings: part of every cache key, so a
    code change renders bodies and pamphlets again."""
    package = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".yml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


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


def fill_in(path: Path, placeholder: str, value: str) -> None:
    """Put `value` where a page written before it was known holds `placeholder`
    (a pamphlet's size, the trimmed stylesheet's hash, the offline download's size)."""
    text = path.read_text(encoding="utf-8")
    if placeholder in text:
        write_atomic(path, text.replace(placeholder, value).encode("utf-8"))


def swap_in(new: Path, final: Path) -> None:
    """Put the finished folder `new` (built beside `final`) in `final`'s place,
    so that `final` is always either the old folder or the whole new one."""
    os.chmod(new, 0o755)
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}-old-{os.getpid()}")
        os.replace(final, old)
    os.replace(new, final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
