"""Content checks beyond the schema, for `doorstep check` (the build runs the
same ones where it prints: the pamphlet renderer refuses uncovered glyphs too)."""

from __future__ import annotations

from .errors import Problem
from .model import Library
from .pamphlet import fonts


def uncovered_glyphs(library: Library) -> list[Problem]:
    """Characters of any guide file that no pamphlet font can print, with their line."""
    problems = []
    for by_lang in library.guides.values():
        for guide in by_lang.values():
            text = guide.path.read_text(encoding="utf-8", errors="replace")
            problems += [fonts.glyph_problem(guide.relpath, text, char) for char in fonts.uncovered(text)]
    return problems
