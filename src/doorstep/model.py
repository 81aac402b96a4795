"""The guide model: read, validate and describe every guide once.

A guide is a folder `guides/<slug>/` holding `index.md` in the default
language and `index.<lang>.md` for each translation. Its front matter holds
the guide's facts (validated by `GuideMeta`, the one schema); its body holds
the steps, one level-2 heading per step.

Nothing here knows about MkDocs: the site plugin, the pamphlet builder and
the CLI all call `load_library()`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator

from .body import Anchor, Body, Document, Renderer, addresses
from .body.shape import MAX_STEPS, MIN_STEPS  # noqa: F401 (the guide format: 3 to 10 steps)
from .errors import DoorstepError, Problem, rel

TASKS = ("account", "identity", "insurance", "applications", "payments", "lookup", "contact", "help")
REVISION_PATTERN = r"^[0-9a-f]{12}$"  # a translation's `translated_from`
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")  # use fullmatch: "$" alone lets a final newline through
MAX_SLUG = 60
DEFAULT_EXTENSIONS = ["admonition", "attr_list"]  # when the caller does not know mkdocs.yml's
GUIDE_FILE_RE = re.compile(r"^index(?:\.(?P<lang>[A-Za-z_-]+))?\.md$")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
# libyaml's safe loader when PyYAML has it (≈10× faster), the same rules either way.
Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Source(BaseModel):
    """An official source backing the guide's facts."""

    model_config = ConfigDict(extra="forbid", strict=True)
    title: Text = Field(description="Name of the source, e.g. the portal or the decree.")
    url: Text = Field(description="Full https:// address of the official page.")

    @field_validator("url")
    @classmethod
    def _https(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError("must be a full https:// address")
        refused = addresses.why_refused(value, None, schemes=("https",))
        if refused:
            raise ValueError(f"is refused: {refused[0]} — {refused[1]}")
        return value

    @property
    def domain(self) -> str:
        host = urlsplit(self.url).hostname or ""
        return host.removeprefix("www.")


class Trouble(BaseModel):
    """One thing that can go wrong, and what to do about it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    problem: Text
    fix: Text


class GuideMeta(BaseModel):
    """The front matter of a guide: its facts, shown before step 1."""

    model_config = ConfigDict(extra="forbid", strict=True)
    title: Text = Field(description="Short title of the task.")
    summary: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] = Field(
        description="One sentence: what the reader will be able to do."
    )
    task: Literal[TASKS] | None = Field(  # type: ignore[valid-type]
        default=None, description="Group on the home page. Required in index.md; translations inherit it."
    )
    order: int | None = Field(default=None, description="Position within its task on the home page.")
    need: list[Text] = Field(min_length=1, max_length=20, description="What you need before step 1.")
    cost: Text = Field(description="What it costs, as text. Never guess a fee.")
    time: Text = Field(description="How long it takes, as text.")
    where: Text = Field(description="Where it is done: at home on a phone, or which office.")
    help: Text | None = Field(default=None, description="Who helps when the reader is stuck.")
    trouble: list[Trouble] = Field(default_factory=list, max_length=20, description="What to do when it goes wrong.")
    sources: list[Source] | None = Field(
        default=None, min_length=1, max_length=20, description="Official sources. Required in index.md; translations inherit them."
    )
    reviewed: dt.date | None = Field(
        default=None, description="Date the facts were last checked (YYYY-MM-DD). Translations inherit it."
    )
    translated_from: Annotated[str, StringConstraints(pattern=REVISION_PATTERN)] | None = Field(
        default=None,
        description="Translations only: the revision of index.md this text was translated from. "
                    "Written by `doorstep mark`; never edit it by hand.",
    )


INHERITED = ("task", "order", "sources", "reviewed")
# Folders the built site uses itself: a guide there would overwrite them.
RESERVED = {"assets", "search", "stylesheets", "javascripts", "images", "404"}
REQUIRED_IN_DEFAULT = ("task", "sources", "reviewed")


@dataclass
class Guide:
    """One guide in one language, validated."""

    slug: str
    lang: str  # language of the text in the file
    path: Path
    relpath: str
    meta: GuideMeta
    body: str  # the body's Markdown
    body_line: int  # line of the file where the body starts
    inherited: tuple[str, ...] = ()  # fields taken from the default-language file
    rendered: Body | None = None  # the body rendered once, for every output (doorstep.body)
    node: yaml.Node | None = field(default=None, repr=False)  # the front matter's YAML: file lines (node_line)

    @property
    def steps(self) -> int:
        return self.rendered.steps if self.rendered is not None else 0

    def lang_of(self, name: str, default: str) -> str:
        """The language a front-matter field's text is in."""
        return default if name in self.inherited else self.lang

    @property
    def is_translation(self) -> bool:
        return self.relpath.endswith(f".{self.lang}.md")


@dataclass
class Library:
    """Every guide in every language it exists in."""

    root: Path
    docs_dir: Path
    languages: list[str]
    default: str
    guides: dict[str, dict[str, Guide]] = field(default_factory=dict)
    homes: dict[str, Body] = field(default_factory=dict)  # language → its home page's body
    renderer: Renderer | None = None  # what rendered the bodies: `keep_bodies()` saves them again
    allowed_domains: list[str] = field(default_factory=list)  # what every address must be on (empty: any)

    def keep_bodies(self) -> None:
        """Save the bodies with what was made of them since (pages and pamphlets' HTML)."""
        if self.renderer is not None:
            self.renderer.save()

    def get(self, slug: str, lang: str) -> Guide | None:
        return self.guides.get(slug, {}).get(lang)

    def resolve(self, slug: str, lang: str) -> Guide:
        """The guide shown at `lang`'s URL: its translation, or the default-language text."""
        by_lang = self.guides[slug]
        return by_lang.get(lang) or by_lang[self.default]

    def by_task(self, lang: str) -> list[tuple[str, list[Guide]]]:
        groups: dict[str, list[Guide]] = {}
        for slug in sorted(self.guides):
            guide = self.resolve(slug, lang)
            groups.setdefault(guide.meta.task or "help", []).append(guide)
        ordered = []
        for task in TASKS:
            if task in groups:
                items = sorted(groups[task], key=lambda g: (g.meta.order is None, g.meta.order or 0, g.meta.title))
                ordered.append((task, items))
        return ordered


# --------------------------------------------------------------------------- reading


def read_text(path: Path, root: Path) -> str:
    """The file's text, NFC-normalised, or a DoorstepError naming the bad byte's line."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DoorstepError(
            Problem(rel(path, root), line, "the file is not UTF-8 text", "save it with UTF-8 encoding")
        ) from None
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    return unicodedata.normalize("NFC", text)


def split_front_matter(text: str, relpath: str) -> tuple[str, str, int]:
    """Split `---` front matter from the body: (yaml text, body, body's first line)."""
    if not text.startswith("---\n"):
        raise DoorstepError(
            Problem(relpath, 1, "the file does not start with front matter", "begin it with a line '---', the fields, then '---'")
        )
    lines = text.split("\n")
    for i in range(1, len(lines)):
        if lines[i].rstrip() in ("---", "..."):
            return "\n".join(lines[1:i]) + "\n", "\n".join(lines[i + 1 :]), i + 2
    raise DoorstepError(
        Problem(relpath, 1, "the front matter is never closed", "add a line '---' after the last field")
    )


def parse_yaml(fm_text: str, relpath: str, first_line: int = 2, what: str = "front matter",
               doc: str = "docs/writing-guides.md") -> tuple[dict, yaml.Node | None]:
    """YAML as data plus its node tree (for line numbers). `first_line` is the
    file line the text starts on (2 for front matter after its '---')."""
    try:
        loader = Loader(fm_text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + first_line if mark else 1
        problem = (exc.problem or "invalid YAML").strip()
        raise DoorstepError(
            Problem(relpath, line, f"{what} is not valid YAML: {problem}",
                    "check indentation and put text containing ': ' or '#' in quotes")
        ) from None
    except yaml.YAMLError as exc:  # e.g. a control character (no line mark)
        line = getattr(getattr(exc, "position", None), "line", None)
        raise DoorstepError(
            Problem(relpath, first_line + (line or 0), f"{what} is not valid YAML: {str(exc).splitlines()[0]}",
                    "remove invisible control characters from the text")
        ) from None
    except ValueError as exc:  # a date that does not exist, e.g. 2026-02-30
        bad = re.search(r"\b\d{4}-\d{1,2}-\d{1,2}\b", fm_text)
        line = fm_text[: bad.start()].count("\n") + first_line if bad else first_line
        raise DoorstepError(
            Problem(relpath, line, f"{what} has a date that does not exist ({exc})",
                    "write a real date as YYYY-MM-DD")
        ) from None
    if data is None:
        return {}, node
    if not isinstance(data, dict):
        raise DoorstepError(Problem(relpath, first_line, f"{what} must be a list of 'field: value' lines",
                                    f"see {doc}"))
    seen: set = set()
    for key, _value in node.value:  # YAML keeps the last of two equal keys, silently
        if key.value in seen:
            raise DoorstepError(Problem(relpath, key.start_mark.line + first_line, f"`{key.value}` is written twice",
                                        "keep one of the two lines"))
        seen.add(key.value)
    return data, node


def node_line(node: yaml.Node | None, loc: tuple, first_line: int = 2) -> int:
    """File line of the value at `loc` in the YAML (the nearest existing parent)."""
    line = node.start_mark.line + first_line if node is not None else first_line
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == part:
                    node = value
                    line = key.start_mark.line + first_line
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + first_line
        else:
            return line
    return line


def _field_name(loc: tuple) -> str:
    name = ""
    for part in loc:
        name += f"[{part + 1}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


@dataclass(frozen=True)
class Schema:
    """One kind of YAML document: its pydantic model and how to tell its errors."""

    model: type[BaseModel]
    where: str  # where its fields are written, e.g. "the front matter"
    doc: str  # the documentation of its format
    first_line: int = 2  # file line of the YAML text's first line
    hints: dict = field(default_factory=dict)  # pydantic error type → what to do, where the default is too vague


def explain(error: dict, schema: Schema | None = None) -> tuple[str, str]:
    """A pydantic error as (message, what to do) for an editor."""
    schema = schema or FRONT_MATTER
    name = _field_name(error["loc"])
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return f"`{name}` is missing", f"add a line '{error['loc'][-1]}: …' to {schema.where}"
    if kind == "extra_forbidden":
        fields = ", ".join(schema.model.model_fields)
        return f"unknown field `{name}`", f"check the spelling; the fields are: {fields}"
    if kind == "string_type":
        return f"`{name}` must be text", "put the value in quotes"
    if kind in ("string_too_short",):
        field = schema.model.model_fields.get(error["loc"][0]) if len(error["loc"]) == 1 else None
        optional = field is not None and not field.is_required()
        return f"`{name}` is empty", "write the text" + (" or remove the field" if optional else "")
    if kind == "string_too_long":
        return f"`{name}` is too long", f"keep it under {ctx['max_length']} characters"
    if kind == "list_type":
        return f"`{name}` must be a list", "write each item on its own line starting with '- '"
    if kind == "too_short":
        return f"`{name}` must have at least one item", "add an item starting with '- '"
    if kind == "too_long":
        return f"`{name}` has too many items", f"keep at most {ctx['max_length']}"
    if kind.startswith("date"):
        return f"`{name}` must be a date", "write it as YYYY-MM-DD, e.g. 2026-11-22"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        return f"`{name}` must be one of: {', '.join(choices)}", schema.hints.get(kind, "pick one of them")
    if kind in ("int_type", "int_parsing"):
        return f"`{name}` must be a whole number", "write a number such as 1"
    if kind == "greater_than_equal":
        return f"`{name}` must be at least {ctx['ge']}", f"write a whole number from {ctx['ge']} up"
    if kind == "model_type" or kind == "dict_type":
        return f"`{name}` must be a group of fields", f"see {schema.doc} for its shape"
    if kind == "string_pattern_mismatch" and error["loc"] == ("translated_from",):
        return "`translated_from` is not a revision written by doorstep", \
            "do not edit it by hand: after updating the translation, run `doorstep mark <slug> <language>`"
    if kind == "value_error":
        message, _, hint = error["msg"].removeprefix("Value error, ").partition(" — ")
        return f"`{name}` {message}", hint or schema.hints.get(kind, f"see {schema.doc}")
    return f"`{name}`: {error['msg']}", f"see {schema.doc}"


class HomeMeta(BaseModel):
    """The front matter of a home page (guides/index.md, guides/index.<lang>.md)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    title: Text = Field(description="The home page's title.")
    description: Text | None = Field(default=None, description="One sentence for search engines.")


FRONT_MATTER = Schema(GuideMeta, "the front matter", "docs/writing-guides.md",
                      hints={"literal_error": "pick the task this guide helps with",
                             "value_error": "use the official page's https:// address"})


HOME_PAGE = Schema(HomeMeta, "the home page's front matter", "docs/writing-guides.md")


def validate(schema: Schema, data: dict, node: yaml.Node | None, relpath: str, skip: tuple = (),
             context: dict | None = None):
    """`schema`'s verdict on `data`: the model, or a DoorstepError with one
    problem per error at its file line. Errors in top-level fields named in
    `skip` are left out."""
    try:
        return schema.model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            if error["loc"] and error["loc"][0] in skip:
                continue
            message, hint = explain(error, schema)
            loc = error["loc"][:-1] if error["type"] == "missing" else error["loc"]
            problems.append(Problem(relpath, node_line(node, loc, schema.first_line), message, hint))
        raise DoorstepError(problems) from None


def validate_meta(data: dict, node: yaml.Node | None, relpath: str, inherited: tuple = ()) -> GuideMeta:
    """The schema's verdict on `data`; errors in fields taken from the original
    are left to the original's own report."""
    return validate(FRONT_MATTER, data, node, relpath, skip=inherited)


# --------------------------------------------------------------------------- checks of what is published

MAX_GUIDE_BYTES = 64 * 1024  # the longest bundled guide is 9 KB: 64 KB is a book, not a guide
MAX_FIELD_CHARS = 1000  # one front-matter text; `summary` has its own, smaller limit
MAX_ITEMS = 20  # items of a front-matter list (need, trouble, sources)
TEXT_FIELDS = ("title", "summary", "cost", "time", "where", "help")


def meta_text_problems(meta: GuideMeta, node, relpath: str, allowed: list[str] | None,
                       inherited: tuple = ()) -> list[Problem]:
    """Addresses written in the front matter's texts obey the link rules: on paper the text is the link."""
    problems = []
    fields: list[tuple[tuple, str | None]] = [((name,), getattr(meta, name)) for name in TEXT_FIELDS]
    fields += [(("need", i), item) for i, item in enumerate(meta.need)]
    for i, item in enumerate(meta.trouble):
        fields += [(("trouble", i, "problem"), item.problem), (("trouble", i, "fix"), item.fix)]
    if "sources" not in inherited:
        fields += [(("sources", i, "title"), source.title) for i, source in enumerate(meta.sources or [])]
    for loc, text in fields:
        refused = addresses.check_text(text, allowed) if text else None
        if refused:
            problems.append(Problem(relpath, node_line(node, loc), *refused))
    return problems


def shown_in(path: Path, languages: list[str], default: str) -> list[str]:
    """The languages whose site shows guide file `path`: a translation's own;
    for the original, its language and each one the guide is not translated into."""
    match = GUIDE_FILE_RE.fullmatch(path.name)
    lang = (match.group("lang") if match else None) or default
    if lang != default:
        return [lang]
    return [default] + [x for x in languages if x != default and not (path.parent / f"index.{x}.md").is_file()]


def page_in(target: Path, lang: str, default: str) -> Path:
    """The file the `lang` site shows for a link to `target` (an index.md): its
    translation when there is one, as mkdocs-static-i18n resolves links."""
    if lang != default and target.name == "index.md" and (target.parent / f"index.{lang}.md").is_file():
        return target.parent / f"index.{lang}.md"
    return target


def check_anchors(anchors: list[Anchor], ids_of: dict[Path, set[str]], root: Path, languages: list[str],
                  default: str) -> list[Problem]:
    """Each link to a heading must name a heading of the page it opens, in every
    language whose site shows the link (`ids_of`: each rendered page's ids)."""
    problems = []
    for anchor in anchors:
        langs = shown_in(root / anchor.relpath, languages, default)
        pages = list(dict.fromkeys(page_in(anchor.target, lang, default).resolve() for lang in langs))
        known = [page for page in pages if page in ids_of]
        missing = [page for page in known if anchor.id not in ids_of[page]]
        if not missing:
            continue
        if len(missing) == len(pages):  # no page has it: a wrong id
            page = missing[0]
            choices = ", ".join(f"#{i}" for i in sorted(ids_of[page]) if not i.startswith("ds-")) or "none"
            of = "" if page == anchor.target.resolve() else f" of {rel(page, root)}"
            problems.append(Problem(anchor.relpath, anchor.line, f"link '{anchor.href}' points to no heading{of}",
                                    f"use one of the page's headings: {choices}"))
        else:  # some languages' pages have it, others not
            where = ", ".join(rel(page, root) for page in missing)
            problems.append(Problem(anchor.relpath, anchor.line,
                                    f"link '{anchor.href}' points to no heading of {where}, which the link opens "
                                    "on the site in that language",
                                    f"give the heading the same id in every language: write {{#{anchor.id}}} after "
                                    "it in each file (see docs/writing-guides.md)"))
    return problems


def glyph_problems(relpath: str, source: str, body: Body, texts: list[str]) -> list[Problem]:
    """Characters a pamphlet would print that no pamphlet font has: in the text
    (at their line) or in a picture (at the line using it)."""
    from .pamphlet import fonts

    printed = " ".join([body.text, *body.printed, *texts])
    problems = [fonts.glyph_problem(relpath, source, char) for char in fonts.uncovered(printed)]
    for src, text in body.picture_text.items():
        for char in fonts.uncovered(text):
            line = next((i for i, t in enumerate(source.split("\n"), 1) if src in t), body.document.first_line)
            problems.append(Problem(relpath, line, f"picture '{src}' has the character '{char}' (U+{ord(char):04X}), "
                                    "which no pamphlet font has", "change that text in the drawing, or remove it"))
    return problems


def unpublishable(docs_dir: Path, root: Path, used: set[Path]) -> list[Problem]:
    """Everything under the guides folder that is not a page or a picture a page
    uses: it would be published unchecked. Symbolic links anywhere are refused."""
    problems = []
    for folder, dirs, files in os.walk(docs_dir):
        here = Path(folder)
        for name in sorted(dirs + files):
            path = here / name
            if name.startswith("."):  # MkDocs never publishes hidden files
                if name in dirs:
                    dirs.remove(name)
                continue
            if path.is_symlink():  # named as the editor sees it, not as where it leads
                problems.append(Problem(os.path.relpath(path, root).replace(os.sep, "/"), 1, "a symbolic link in the guides folder",
                                        "replace it with the file itself: a link can publish any file of the "
                                        "machine that builds the site"))
                if name in dirs:
                    dirs.remove(name)
                continue
            if any(ord(c) < 0x20 or 0x7f <= ord(c) < 0xa0 for c in name):
                problems.append(Problem(os.path.relpath(path, root).encode("unicode_escape").decode("ascii"), 1,
                                        "a file name with an invisible control character",
                                        "rename it: such a name can look like another file's"))
                continue
            depth = len(path.relative_to(docs_dir).parts)  # 1: the home pages, 2: a guide's own files
            page = name in files and depth <= 2 and GUIDE_FILE_RE.fullmatch(name) is not None
            if name in files and not page and path.resolve() not in used:
                what = "a page no guide lists" if name.endswith(".md") else "a file no guide uses"
                problems.append(Problem(rel(path, root), 1, f"{what} would be published unchecked",
                                        "remove it, or use it in a guide (pictures: ![what it shows](file.svg))"))
    return problems


def committed_cache(root: Path, cache_dir: Path) -> list[Problem]:
    """Files of the cache folder that the repository holds: a commit could plant
    a rendered body or a finished pamphlet there, which the build would trust."""
    import shutil
    import subprocess

    if shutil.which("git") is None or not cache_dir.resolve().is_relative_to(root.resolve()):
        return []
    try:
        listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--", str(cache_dir)],
                                capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return []
    if listed.returncode != 0:  # not a git work tree
        return []
    files = [name for name in listed.stdout.decode("utf-8", "replace").split("\0") if name]
    if not files:
        return []
    folder = rel(cache_dir, root)
    return [Problem(files[0], 1, f"the repository holds {len(files)} file(s) of the cache folder {folder}/: a cache "
                    "must never come from a commit", f"run `git rm -r --cached {folder}` and keep {folder}/ in "
                    ".gitignore, then build again")]


# --------------------------------------------------------------------------- loading


def _read_guide(path: Path, root: Path):
    relpath = rel(path, root)
    size = path.stat().st_size
    if size > MAX_GUIDE_BYTES:
        raise DoorstepError(Problem(relpath, 1, f"the file is {size // 1024} KB, more than a guide can be "
                                                f"({MAX_GUIDE_BYTES // 1024} KB)", "split it into shorter guides"))
    text = read_text(path, root)
    fm_text, body, body_line = split_front_matter(text, relpath)
    data, node = parse_yaml(fm_text, relpath)
    return relpath, data, node, body, body_line, text


def _unknown_language(path: Path, root: Path, lang: str, languages: list[str]) -> Problem:
    return Problem(rel(path, root), 1, f"language '{lang}' is not one of the site's languages ({', '.join(languages)})",
                   "rename the file, or add the language to plugins.i18n.languages in mkdocs.yml")


def load_library(docs_dir: Path, languages: list[str], default: str, root: Path | None = None,
                 allowed_domains: list[str] | None = None, markdown_extensions: list | None = None,
                 glyphs: bool = True, cache_dir: Path | None = None) -> Library:
    """Read, validate and render every guide under `docs_dir`. Raises DoorstepError listing every problem.

    With `allowed_domains`, every external link and official source must be on
    one of those domains (or below one): a look-alike domain is an error.
    `markdown_extensions` (mkdocs.yml's) render the bodies, with doorstep's last.
    """
    library, problems = read_library(docs_dir, languages, default, root, allowed_domains, markdown_extensions,
                                     glyphs, cache_dir)
    if problems:
        raise DoorstepError(problems)
    return library


def read_library(docs_dir: Path, languages: list[str], default: str, root: Path | None = None,
                 allowed_domains: list[str] | None = None, markdown_extensions: list | None = None,
                 glyphs: bool = True, cache_dir: Path | None = None) -> tuple[Library, list[Problem]]:
    """Every guide file that validates, rendered, and the problems of the others
    (sorted by file and line). The build and `doorstep check` both call this.
    With `cache_dir`, bodies whose inputs did not change are taken from there (body/cache.py)."""
    docs_dir = Path(docs_dir)
    root = Path(root or docs_dir.parent)
    library = Library(root=root, docs_dir=docs_dir, languages=list(languages), default=default,
                      allowed_domains=list(allowed_domains or []))
    if cache_dir is not None:
        planted = committed_cache(root, Path(cache_dir))
        if planted:  # nothing is read from that folder, not even to report the rest
            return library, planted
    if cache_dir is not None and glyphs:
        from .pamphlet import fonts

        fonts.use_cache(cache_dir)
    renderer = Renderer(DEFAULT_EXTENSIONS if markdown_extensions is None else markdown_extensions, docs_dir, root,
                        allowed_domains, cache_dir)
    problems: list[Problem] = []
    raw: dict[str, dict[str, tuple]] = {}
    anchors: list[Anchor] = []
    ids_of: dict[Path, set[str]] = {}
    used: set[Path] = set()

    for folder in sorted(p for p in docs_dir.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")):
        sources = sorted(p for p in folder.glob("index*.md") if not p.is_symlink())
        if not sources:
            continue
        if folder.name in languages or folder.name in RESERVED:
            problems.append(Problem(rel(sources[0], root), 1, f"a guide cannot be called '{folder.name}'",
                                    "that name is taken by a language or by the site itself: rename the folder"))
            continue
        if not SLUG_RE.fullmatch(folder.name) or len(folder.name) > MAX_SLUG:
            problems.append(Problem(rel(sources[0], root), 1, f"guide folder name '{folder.name[:80]}' is not a short "
                                    "ASCII slug", f"rename the folder with a-z, 0-9 and '-' only, at most {MAX_SLUG} "
                                    "letters (it becomes the URL and the QR code)"))
            continue
        for path in sources:
            match = GUIDE_FILE_RE.fullmatch(path.name)
            if not match:
                continue
            lang = match.group("lang") or default
            if lang not in languages:
                problems.append(_unknown_language(path, root, lang, languages))
                continue
            if match.group("lang") == default:
                problems.append(Problem(rel(path, root), 1, f"'{path.name}' repeats the default language",
                                        f"the {default} text belongs in index.md"))
                continue
            try:
                raw.setdefault(folder.name, {})[lang] = _read_guide(path, root)
            except DoorstepError as exc:
                problems.extend(exc.problems)

    for slug, by_lang in raw.items():
        if default not in by_lang:
            any_file = next(iter(by_lang.values()))[0]
            problems.append(Problem(any_file, 1, f"guide '{slug}' has no index.md in the default language ({default})",
                                    "write the original text in index.md first"))
            continue
        base_data = by_lang[default][1]
        for lang in [default] + sorted(k for k in by_lang if k != default):
            relpath, data, node, text, body_line, source = by_lang[lang]
            merged = dict(data)
            inherited = []
            if lang != default and isinstance(base_data, dict):
                for key in INHERITED:
                    if key not in merged and key in base_data:
                        merged[key] = base_data[key]
                        inherited.append(key)
            path = root / relpath
            body = renderer.render(Document(relpath, path, text, body_line, lang))
            problems.extend(body.problems)
            ids_of[path.resolve()] = body.ids
            anchors.extend(body.anchors)
            used.update(p.resolve() for p in body.pictures.values())
            try:
                meta = validate_meta(merged, node, relpath, tuple(inherited))
            except DoorstepError as exc:
                problems.extend(exc.problems)
                if glyphs:  # the body is judged all the same: every problem in one run
                    problems += glyph_problems(relpath, source, body, [])
                continue
            if "sources" not in inherited:
                for i, source_ in enumerate(meta.sources or []):
                    refused = addresses.why_refused(source_.url, allowed_domains, schemes=("https",))
                    if refused:
                        problems.append(Problem(relpath, node_line(node, ("sources", i, "url")), *refused))
            problems += meta_text_problems(meta, node, relpath, allowed_domains, tuple(inherited))
            if glyphs:
                problems += glyph_problems(relpath, source, body, _printed_texts(meta))
            if lang == default:
                if meta.translated_from is not None:
                    problems.append(Problem(relpath, node_line(node, ("translated_from",)),
                                            "`translated_from` belongs only in translations",
                                            "remove the line from the original"))
                for key in REQUIRED_IN_DEFAULT:
                    if getattr(meta, key) is None:
                        problems.append(Problem(relpath, 1, f"`{key}` is missing", f"add a line '{key}: …' to the front matter"))
            library.guides.setdefault(slug, {})[lang] = Guide(slug, lang, path, relpath, meta, text, body_line,
                                                              tuple(inherited), body, node)

    for path in sorted(p for p in docs_dir.glob("index*.md") if not p.is_symlink()):
        match = GUIDE_FILE_RE.fullmatch(path.name)
        if not match:
            continue  # reported by unpublishable()
        lang = match.group("lang") or default
        if lang not in languages:
            problems.append(_unknown_language(path, root, lang, languages))
            continue
        try:
            relpath, data, node, text, body_line, source = _read_guide(path, root)
        except DoorstepError as exc:
            problems.extend(exc.problems)
            continue
        body = renderer.render(Document(relpath, path, text, body_line, lang, kind="home"))
        problems.extend(body.problems)
        try:  # only these fields: others (`template`, `location`…) would change what MkDocs makes of the page
            validate(HOME_PAGE, data, node, relpath)
        except DoorstepError as exc:
            problems.extend(exc.problems)
        for name in ("title", "description"):
            value = data.get(name)
            refused = addresses.check_text(value, allowed_domains) if isinstance(value, str) else None
            if refused:
                problems.append(Problem(relpath, node_line(node, (name,)), *refused))
        if glyphs:
            problems += glyph_problems(relpath, source, body, [str(v) for v in data.values() if isinstance(v, str)])
        ids_of[path.resolve()] = body.ids
        anchors.extend(body.anchors)
        used.update(p.resolve() for p in body.pictures.values())
        library.homes[lang] = body

    renderer.save()
    library.renderer = renderer
    problems += check_anchors(anchors, ids_of, root, list(languages), default)
    problems += unpublishable(docs_dir, root, used)
    problems.sort(key=lambda p: (p.path, p.line))
    return library, problems


def _printed_texts(meta: GuideMeta) -> list[str]:
    texts = [meta.title, meta.summary, meta.cost, meta.time, meta.where, meta.help or "", *meta.need]
    texts += [t for item in meta.trouble for t in (item.problem, item.fix)]
    return texts
