"""`doorstep new`: a new guide folder with every field, ready to fill in.

The comments come from the one schema (`GuideMeta`'s field descriptions), so
the template cannot drift from what the build checks. Values are left empty on
purpose: `doorstep check` fails until an editor has filled them in.
"""

from __future__ import annotations

from pathlib import Path

from .errors import DoorstepError, Problem, rel
from .model import INHERITED, MAX_SLUG, RESERVED, SLUG_RE, TASKS, GuideMeta

WRITTEN_BY_DOORSTEP = ("translated_from",)  # `doorstep mark` writes it, never an editor
EXAMPLES = {
    "title": '""',
    "summary": '""',
    "task": f"  # one of: {', '.join(TASKS)}",
    "order": "1",
    "need": '\n  - ""',
    "cost": '""',
    "time": '""',
    "where": '""',
    "help": '""',
    "trouble": '\n  - problem: ""\n    fix: ""',
    "sources": '\n  - title: ""\n    url: ""',
    "reviewed": "",
}

BODY = """
## {step} 1

…

## {step} 2

…

## {step} 3

…
"""


def front_matter(translation: bool) -> str:
    lines = ["---"]
    for name, field in GuideMeta.model_fields.items():
        if (translation and name in INHERITED) or name in WRITTEN_BY_DOORSTEP:
            continue
        lines.append(f"# {field.description}")
        value = EXAMPLES[name]
        if value.startswith("  #"):
            lines.append(f"{name}:{value}")
        else:
            lines.append(f"{name}: {value}".rstrip() if not value.startswith("\n") else f"{name}:{value}")
    if translation:
        lines.append(f"# {', '.join(INHERITED)}: taken from index.md")
    lines.append("---")
    return "\n".join(lines) + "\n"


def new_guide(docs_dir: Path, slug: str, languages: list[str], default: str, root: Path) -> list[Path]:
    """Create guides/<slug>/ with index.md and index.<lang>.md for every other language."""
    folder = Path(docs_dir) / slug
    if not SLUG_RE.fullmatch(slug) or len(slug) > MAX_SLUG:
        raise DoorstepError(Problem(rel(Path(docs_dir), root) + "/", 1, f"'{slug[:80]}' is not a short ASCII slug",
                                    f"use a-z, 0-9 and '-' only, at most {MAX_SLUG} letters, e.g. vneid-level-2"))
    if slug in languages or slug in RESERVED:
        raise DoorstepError(Problem(rel(folder, root), 1, f"a guide cannot be called '{slug}'",
                                    "that name is taken by a language or by the site itself"))
    if folder.exists():
        raise DoorstepError(Problem(rel(folder, root), 1, "this guide already exists",
                                    "pick another name, or edit the files that are there"))
    folder.mkdir(parents=True)
    made = []
    for lang in [default] + [lang for lang in languages if lang != default]:
        path = folder / ("index.md" if lang == default else f"index.{lang}.md")
        path.write_text(front_matter(lang != default) + BODY.format(step="Step"), encoding="utf-8")
        made.append(path)
    return made
