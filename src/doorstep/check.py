"""`doorstep check`: every finding about the guides, errors first.

Errors are exactly what the build refuses: the same `read_library` reads,
renders and judges every guide (its body through the one gate, its pictures,
the characters the pamphlet fonts lack). Warnings (translations behind their
original, or missing; guides overdue for review, `doorstep.review`) let the
build go on.
"""

from __future__ import annotations

from pathlib import Path

from .errors import Problem, ordered
from .model import Library
from .project import read_project, read_settings
from . import review, translation


def findings(config_file: Path) -> tuple[Library, list[Problem]]:
    """The guides that loaded, and every problem: errors first, then warnings."""
    library, problems = read_project(config_file)
    every = read_settings(config_file).doorstep["review_every"]
    return library, ordered(problems + translation.problems(library) + review.problems(library, every))
