"""User-facing errors: one line each, naming the file, the line and what to do."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One finding about one place in one file."""

    path: str  # relative to the project root, with forward slashes
    line: int
    message: str
    hint: str = ""
    level: str = "error"  # "error" stops the build; "warning" is reported and the build goes on

    def __str__(self) -> str:
        tag = "warning: " if self.level == "warning" else ""
        text = f"{self.path}:{self.line}: {tag}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return text


    def as_dict(self) -> dict:
        return {"path": self.path, "line": self.line, "level": self.level, "message": self.message, "hint": self.hint}


def warning(path: str, line: int, message: str, hint: str = "") -> Problem:
    return Problem(path, line, message, hint, level="warning")


def ordered(problems: list[Problem]) -> list[Problem]:
    """Errors first, then warnings; each by file and line."""
    return sorted(problems, key=lambda p: (p.level != "error", p.path, p.line))


class DoorstepError(Exception):
    """Raised for bad input. Carries one or more problems, printed one per line."""

    def __init__(self, problems: list[Problem] | Problem):
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def rel(path: Path, root: Path) -> str:
    """`path` relative to `root` for messages, falling back to the path as given."""
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
