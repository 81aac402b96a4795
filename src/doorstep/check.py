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
            for lineno, line in enumerate(text.split("\n"), start=1):
                for char in fonts.uncovered(line):
                    problems.append(Problem(guide.relpath, lineno,
                                            f"character '{char}' (U+{ord(char):04X}) has no glyph in the pamphlet fonts",
                                            "replace it with a common character, or remove it"))
    return problems
