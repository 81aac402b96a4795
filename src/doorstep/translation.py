"""Which translations are behind their original.

A translation records, in its `translated_from` field, the revision of
index.md it was made from: a short hash of the original's translatable text
(its body and every front-matter field that translations do not inherit).
`doorstep mark` writes it; `doorstep check`, `doorstep status`, the page and
the pamphlet compare it with the original's current revision.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .errors import DoorstepError, Problem, rel, warning
from .model import INHERITED, Guide, Library, parse_yaml, read_text, split_front_matter
from .files import write_atomic

CURRENT, STALE, UNMARKED, MISSING, ORIGINAL = "up to date", "stale", "never marked", "missing", "original"
INVALID = "invalid"  # the file is there but does not pass `doorstep check`
NOT_TRANSLATED = ("translated_from", *INHERITED)


def revision(original: Guide) -> str:
    """The revision of an original's translatable text: 12 hex digits."""
    cached = original.__dict__.get("_revision")  # a Guide is read once and never changes
    if cached is None:
        cached = original.__dict__["_revision"] = _revision(original)
    return cached


def _revision(original: Guide) -> str:
    fields = original.meta.model_dump(mode="json", exclude=set(NOT_TRANSLATED), exclude_none=True)
    body = "\n".join(line.rstrip() for line in original.body.strip().split("\n"))
    data = json.dumps(fields, sort_keys=True, ensure_ascii=False) + "\0" + body
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]


def state(library: Library, slug: str, lang: str) -> str:
    """One of CURRENT, STALE, UNMARKED, MISSING, ORIGINAL or INVALID."""
    guide = library.get(slug, lang)
    if guide is None:
        name = "index.md" if lang == library.default else f"index.{lang}.md"
        return INVALID if (library.docs_dir / slug / name).is_file() else MISSING
    if lang == library.default:
        return ORIGINAL
    if guide.meta.translated_from is None:
        return UNMARKED
    original = library.get(slug, library.default)
    if original is None:
        return INVALID  # nothing valid to compare with
    return CURRENT if guide.meta.translated_from == revision(original) else STALE


def is_behind(library: Library, slug: str, lang: str) -> bool:
    """True when the text shown at `lang` is a translation that may describe an older original."""
    return state(library, slug, lang) in (STALE, UNMARKED)


def language_name(lang: str) -> str:
    """The language's English name, for messages to editors."""
    try:
        from babel import Locale  # only when a warning names a language

        return Locale.parse(lang).english_name or lang
    except (ValueError, TypeError):
        return lang


@dataclass
class Row:
    slug: str
    states: dict[str, str]  # language → state


def table(library: Library) -> list[Row]:
    """Every guide folder with an index.md, valid or not."""
    slugs = sorted(p.parent.name for p in library.docs_dir.glob("*/index.md"))
    return [Row(slug, {lang: state(library, slug, lang) for lang in library.languages}) for slug in slugs]


def problems(library: Library) -> list[Problem]:
    """Warnings for `doorstep check`: stale, never-marked and missing translations."""
    found = []
    for row in table(library):
        original = library.get(row.slug, library.default)
        if original is None:
            continue  # its errors are reported; nothing to compare translations with
        for lang, st in row.states.items():
            name = language_name(lang)
            if st == MISSING:
                found.append(warning(original.relpath, 1, f"no {name} translation (index.{lang}.md)",
                                     f"translate it, then run `doorstep mark {row.slug} {lang}`"))
            elif st in (STALE, UNMARKED):
                guide = library.get(row.slug, lang)
                what = ("index.md has changed since this translation was made" if st == STALE
                        else "this translation was never marked as made from the current index.md")
                found.append(warning(guide.relpath, field_line(guide, "translated_from"),
                                     f"{name} translation may be out of date: {what}",
                                     f"bring it in line with index.md, then run `doorstep mark {row.slug} {lang}`"))
    return found


def mark(library: Library, slug: str, languages: list[str] | None = None) -> list[Path]:
    """Record in each translation of `slug` (or only `languages`) that it matches
    the current original. Returns the files written."""
    root = library.root
    if not (library.docs_dir / slug / "index.md").is_file():
        known = ", ".join(row.slug for row in table(library)) or "none"
        raise DoorstepError(Problem(rel(library.docs_dir, root), 1, f"there is no guide '{slug}'",
                                    f"name one of the guides: {known}"))
    original = library.get(slug, library.default)
    if original is None:
        raise DoorstepError(Problem(rel(library.docs_dir / slug / "index.md", root), 1,
                                    "the original does not pass `doorstep check`", "fix it first, then mark"))
    wanted = languages or [lang for lang in library.languages if lang != library.default]
    problems, guides = [], []
    for lang in wanted:
        guide = library.get(slug, lang)
        if lang == library.default:
            problems.append(Problem(original.relpath, 1, f"'{lang}' is the original's language",
                                    "name a translation's language"))
        elif lang not in library.languages:
            problems.append(Problem(original.relpath, 1, f"'{lang}' is not one of the site's languages",
                                    f"use one of: {', '.join(l for l in library.languages if l != library.default)}"))
        elif guide is None:
            if (library.docs_dir / slug / f"index.{lang}.md").is_file():
                problems.append(Problem(rel(library.docs_dir / slug / f"index.{lang}.md", root), 1,
                                        "this translation does not pass `doorstep check`", "fix it first, then mark"))
            elif languages:
                problems.append(Problem(original.relpath, 1, f"guide '{slug}' has no index.{lang}.md",
                                        "write the translation first"))
        else:
            guides.append(guide)
    if problems:
        raise DoorstepError(problems)
    value = f'translated_from: "{revision(original)}"  # written by `doorstep mark`'
    return [guide.path for guide in guides if set_field(guide, value)]


def field_line(guide: Guide, name: str) -> int:
    """The line of front-matter field `name` in the guide's file (1 if it has none)."""
    for number, line in enumerate(guide.path.read_text(encoding="utf-8", errors="replace").split("\n")[:guide.body_line], 1):
        if line.startswith(f"{name}:"):
            return number
    return 1


def set_field(guide: Guide, line: str) -> bool:
    """Put `line` in place of the guide's `translated_from` field (or at the end
    of its front matter), touching nothing else: not the line endings, not a
    byte-order mark, not the other lines. True if the file changed."""
    data = guide.path.read_bytes()
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    raw = data[len(bom):].decode("utf-8")
    newline = "\r\n" if "\r\n" in raw else "\n"
    lines = raw.split(newline)
    fm_text, _body, body_line = split_front_matter(read_text(guide.path, guide.path.parent), guide.relpath)
    _data, node = parse_yaml(fm_text, guide.relpath)
    field = [(k, v) for k, v in (node.value if node is not None else []) if k.value == "translated_from"]
    if field:  # its lines, from the key to the end of the value (a value may span lines)
        key, value = field[0]
        first = key.start_mark.line + 1
        last = value.end_mark.line + 1 - (value.end_mark.column == 0 and value.end_mark.line > key.start_mark.line)
        new_lines = lines[:first] + [line] + lines[last + 1:]
    else:
        closing = body_line - 2  # the '---' line
        new_lines = lines[:closing] + [line] + lines[closing:]
    new = bom + newline.join(new_lines).encode("utf-8")
    if new == data:
        return False
    write_atomic(guide.path, new)
    return True
