"""`doorstep check`: every finding about the guides, errors first.

Errors are what the build refuses too (the same `read_library` validation,
and the pamphlet renderer refuses uncovered glyphs); warnings (translations
behind their original, or missing) let the build go on.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Problem, ordered, rel
from .model import Library
from .pamphlet import fonts
from .project import read_project
from . import translation


def uncovered_glyphs(library: Library) -> list[Problem]:
    """Characters of any guide file (valid or not) that no pamphlet font can print, with their line."""
    problems = []
    for path in sorted(library.docs_dir.glob("*/index*.md")):
        text = path.read_text(encoding="utf-8", errors="replace")
        problems += [fonts.glyph_problem(rel(path, library.root), text, char) for char in fonts.uncovered(text)]
    return problems


def findings(config_file: Path) -> tuple[Library, list[Problem]]:
    """The guides that loaded, and every problem: errors first, then warnings."""
    library, problems = read_project(config_file)
    problems = problems + uncovered_glyphs(library) + translation.problems(library)
    return library, ordered(problems)
