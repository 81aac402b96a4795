"""Pamphlet fonts: a pinned set from Debian's fonts-noto-core, seen through a
private fontconfig so WeasyPrint can never fall back to whatever the host has.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from ..errors import DoorstepError, Problem

FONT_DIR = Path(os.environ.get("DOORSTEP_FONT_DIR", "/usr/share/fonts/truetype/noto"))
FONT_PACKAGE = "fonts-noto-core"

LATIN = ("NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSans-Italic.ttf", "NotoSans-BoldItalic.ttf")
ARABIC = ("NotoNaskhArabic-Regular.ttf", "NotoNaskhArabic-Bold.ttf")
FILES = LATIN + ARABIC

# CSS font-family stacks per script; every family here is one of FILES.
STACKS = {
    "ltr": '"Noto Sans", "Noto Naskh Arabic"',
    "rtl": '"Noto Naskh Arabic", "Noto Sans"',
}

FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>{fonts}</dir>
  <cachedir>{cache}</cachedir>
  <config><rescan><int>0</int></rescan></config>
</fontconfig>
"""


def font_paths() -> list[Path]:
    missing = [name for name in FILES if not (FONT_DIR / name).is_file()]
    if missing:
        raise DoorstepError(
            Problem("mkdocs.yml", 1, f"pamphlet font {missing[0]} not found in {FONT_DIR}",
                    f"run `make site` (it installs Debian's {FONT_PACKAGE}) or set DOORSTEP_FONT_DIR")
        )
    return [FONT_DIR / name for name in FILES]


def activate(cache_dir: Path) -> Path:
    """Point fontconfig at a private folder holding only the pamphlet fonts.

    Must run before WeasyPrint (Pango) is first used in this process.
    """
    private = Path(cache_dir) / "fonts"
    files_dir = private / "files"
    files_dir.mkdir(parents=True, exist_ok=True)
    for path in font_paths():
        link = files_dir / path.name
        if not link.is_symlink() or os.readlink(link) != str(path):
            tmp = files_dir / f".{path.name}.tmp{os.getpid()}"
            tmp.unlink(missing_ok=True)
            tmp.symlink_to(path)
            os.replace(tmp, link)
    (private / "cache").mkdir(exist_ok=True)
    conf = private / "fonts.conf"
    text = FONTS_CONF.format(fonts=files_dir.resolve(), cache=(private / "cache").resolve())
    if not conf.is_file() or conf.read_text() != text:
        tmp = private / f".fonts.conf.tmp{os.getpid()}"
        tmp.write_text(text)
        os.replace(tmp, conf)
    os.environ["FONTCONFIG_FILE"] = str(conf.resolve())
    return conf


@lru_cache(maxsize=1)
def fingerprint() -> str:
    """Hash of the font files' bytes: part of every pamphlet's cache key."""
    digest = hashlib.sha256()
    for path in font_paths():
        digest.update(path.name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


_COVERAGE_DIR: list[Path] = []  # where coverage() keeps what it read (use_cache)


def use_cache(cache_dir: Path) -> None:
    """Keep the fonts' coverage in `cache_dir`: reading it from the fonts costs ≈ 50 ms a run."""
    _COVERAGE_DIR[:] = [Path(cache_dir)]


@lru_cache(maxsize=1)
def coverage() -> frozenset[int]:
    """Every code point some pamphlet font has a glyph for."""
    import json

    from ..files import write_atomic

    files = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in font_paths()]
    kept = _COVERAGE_DIR[0] / "font-coverage.json" if _COVERAGE_DIR else None
    if kept is not None:
        try:
            data = json.loads(kept.read_text(encoding="utf-8"))
            if data["files"] == [list(f) for f in files]:  # the same font files, unchanged
                return frozenset(data["points"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    from fontTools.ttLib import TTFont

    points: set[int] = set()
    for path in font_paths():
        with TTFont(path, lazy=True) as font:
            points.update(font.getBestCmap().keys())
    if kept is not None:
        try:
            write_atomic(kept, json.dumps({"files": files, "points": sorted(points)}).encode())
        except OSError:
            pass
    return frozenset(points)


IGNORED = {0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF, 0x00AD}


def glyph_problem(relpath: str, source: str, char: str) -> Problem:
    """The problem of `char`, which no pamphlet font has, at its first line in `source`."""
    line = next((i for i, text in enumerate(source.split("\n"), 1) if char in text), 1)
    return Problem(relpath, line, f"character '{char}' (U+{ord(char):04X}) has no glyph in the pamphlet fonts",
                   "replace it with a common character, or remove it")


def uncovered(text: str) -> list[str]:
    """Characters of `text` that no pamphlet font covers, in order of appearance."""
    covered = coverage()
    seen: dict[str, None] = {}
    for char in dict.fromkeys(text):  # each character once, in order of appearance
        cp = ord(char)
        if cp in covered or cp in IGNORED or char.isspace() or cp < 0x20:
            continue
        seen.setdefault(char, None)
    return list(seen)
