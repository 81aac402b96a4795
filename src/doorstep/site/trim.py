"""Material's main stylesheet without the rules no page of the site can use.

Material ships one stylesheet for every feature it has (tabs, code blocks,
blog, tags, versions, …); a doorstep page uses a small part of it. After the
whole site is built (every language, every page type), `trim()` reads the
installed stylesheet with tinycss2 and keeps a rule only when one of its
selectors can match an element of some built page (cssselect2 on the parsed
pages). What a page only shows at run time is kept on purpose:

- states: every pseudo-class that depends on the reader or on what scripts
  add (``:hover``, ``:focus``, ``:checked`` — the drawer and search toggles are
  checkboxes —, ``:target``, ``:empty``, ``:first-child``, ``:nth-child()``, …)
  and every pseudo-element is removed from a
  selector before matching, so ``[data-md-toggle=drawer]:checked ~ …`` counts
  as matching when the toggle exists; a ``:not()``, ``:is()``, ``:has()`` … that
  holds one is removed whole (matching more, never less);
- ``<html class="js">``, which a script sets on every page (``no-js`` rules
  are kept as well, for readers without scripts);
- `SAFELIST`: what Material's script builds or marks only after the page
  loaded (search results, the header's shadow and title on scroll, …); a
  selector that names one of these is kept whatever the pages hold.

A rule whose selector cssselect2 cannot read is kept. Rules inside ``@media``
and ``@supports`` are judged one by one (an emptied block goes); ``@keyframes``
stay when a kept rule names them; other at-rules stay.

The result is written as ``assets/stylesheets/main.<hash>.min.css`` (a new,
content-hashed name: servers may cache it for a year) and Material's own
file is removed from the built site. Nothing of Material's stylesheet is kept
in the repository: it is read from the installed theme at every build.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import cssselect2
import tinycss2
import tinyhtml5

# Selectors naming one of these are always kept: classes and attributes that
# only Material's script (loaded when search opens) puts in a page. Add a
# pattern here when a rule that pages use at run time goes missing
# (tests/test_trim.py compares with Chromium's CSS coverage and names it).
SAFELIST = (
    r"\.md-search-result",          # search results: list, items, meta, "more", teaser
    r"\.md-search__suggest",        # search: the completion behind the query
    r"\.md-search__scrollwrap",     # search: the results' scroll box
    r"\.md-header--shadow",         # the header's shadow once the page scrolls
    r"\.md-header__title--active",  # the header shows the page's title once its h1 scrolls away
    r"\.md-nav__link--(?:active|passed)",  # navigation marks (table of contents while scrolling)
    r"\.md-typeset__(?:scrollwrap|table)",  # wide tables: Material wraps them to scroll sideways
    r"\.md-dialog--active",         # Material's small message (e.g. "copied")
    r"\.md-tooltip",                # Material's tooltips
    r"\.md-clipboard",              # copy buttons, if a page ever has code
    r"\.focus-visible|\[data-focus-visible-added\]",  # keyboard-focus marks of Material's script
    r"\bmark\b",                    # search highlights the words found
    r"\[data-md-scrolllock\]",      # the page stays still under the open search (phones)
    r"\[data-md-visible\]",         # Material's "visible" marks
    r"\[open\]",                    # a <details> the reader opens
)
_SAFE = re.compile("|".join(SAFELIST))

# Pseudo-classes that hold whatever scripts do: kept and matched. A position
# (:first-child, :nth-child(), …) is a state like the others: scripts insert
# elements (read-aloud buttons, search results), which moves the others.
STRUCTURAL = {"root", "link", "any-link", "scope"}
STRUCTURAL_FUNCTIONS = {"lang"}
LOGICAL = {"not", "is", "where", "has", "matches", "-webkit-any", "-moz-any"}
COMBINATORS = {">", "+", "~"}
SHEET = "assets/stylesheets"


@dataclass
class Trimmed:
    css: str
    digest: str  # the content hash in its name
    name: str  # site path of the written stylesheet
    rules: int  # style rules in Material's stylesheet
    kept: int
    unreadable: list[str] = field(default_factory=list)  # selectors kept because cssselect2 can't read them


# ---------------------------------------------------------------- selectors

def _is_dynamic(tokens) -> bool:
    """Whether a selector's tokens hold a pseudo-element or a state pseudo-class."""
    tokens = list(tokens)
    for i, token in enumerate(tokens):
        if token.type == "literal" and token.value == ":":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt.type == "literal":
                return True  # "::x"
            if nxt.type == "ident" and nxt.lower_value not in STRUCTURAL:
                return True
            if nxt.type == "function":
                name = nxt.lower_name
                if name in LOGICAL and not _is_dynamic(nxt.arguments):
                    continue
                if name not in STRUCTURAL_FUNCTIONS:
                    return True
    return False


def static_selector(tokens) -> str:
    """One selector (tinycss2 tokens) without its pseudo-elements and state
    pseudo-classes: the selector an element matches in some state."""
    tokens = list(tokens)
    out: list[str] = []
    i = 0

    def compound_edge(prev: str | None, nxt) -> bool:
        before = prev is None or prev.isspace() or prev in COMBINATORS
        after = nxt is None or nxt.type == "whitespace" or (nxt.type == "literal" and nxt.value in COMBINATORS)
        return before and after

    while i < len(tokens):
        token = tokens[i]
        if token.type == "literal" and token.value == ":":
            j = i + 1
            if j < len(tokens) and tokens[j].type == "literal" and tokens[j].value == ":":
                j += 1  # "::pseudo-element"
            target = tokens[j] if j < len(tokens) else None
            drop = True
            if j == i + 1 and target is not None:
                if target.type == "ident" and target.lower_value in STRUCTURAL:
                    drop = False
                elif target.type == "function" and (
                        target.lower_name in STRUCTURAL_FUNCTIONS
                        or (target.lower_name in LOGICAL and not _is_dynamic(target.arguments))):
                    drop = False
            if drop:
                prev = out[-1] if out else None
                nxt = tokens[j + 1] if j + 1 < len(tokens) else None
                # "a :hover" or "a>:hover": the compound was only the state: any element
                if compound_edge(prev, nxt):
                    out.append("*")
                i = j + 1
                continue
        out.append(tinycss2.serialize([token]))
        i += 1
    return "".join(out).strip()


def _split(prelude) -> list[list]:
    """A rule's prelude split into its selectors (top-level commas)."""
    parts: list[list] = [[]]
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append([])
        else:
            parts[-1].append(token)
    return [p for p in parts if any(t.type not in ("whitespace", "comment") for t in p)]


# ---------------------------------------------------------------- pages

def page_roots(site_dir: Path):
    """Every built page, parsed, as it is once a script has run (html.js)."""
    for path in sorted(site_dir.rglob("*.html")):
        root = tinyhtml5.parse(path.read_text(encoding="utf-8"), namespace_html_elements=False)
        root.set("class", ((root.get("class") or "") + " js").strip())
        yield path, root


# ---------------------------------------------------------------- the stylesheet

def material_stylesheet(theme_dirs) -> Path:
    """Material's installed main stylesheet (assets/stylesheets/main.<hash>.min.css)."""
    for folder in theme_dirs:
        found = sorted(Path(folder, SHEET).glob("main.*.min.css"))
        if found:
            return found[0]
    raise FileNotFoundError("Material's main stylesheet (assets/stylesheets/main.*.min.css) is not installed")


def material_asset(theme_dirs, pattern: str) -> str | None:
    """Site path of one of Material's hashed files, e.g. "assets/javascripts/bundle.*.min.js"."""
    folder, _, name = pattern.rpartition("/")
    for theme in theme_dirs:
        found = sorted(Path(theme, folder).glob(name))
        if found:
            return f"{folder}/{found[0].name}"
    return None


class _Rules:
    """The style rules of a stylesheet, numbered, with a matcher for them."""

    def __init__(self):
        self.matcher = cssselect2.Matcher()
        self.count = 0
        self.always: set[int] = set()
        self.unreadable: list[str] = []

    def add(self, rule) -> int:
        number = self.count
        self.count += 1
        for tokens in _split(rule.prelude):
            text = tinycss2.serialize(tokens).strip()
            if _SAFE.search(text):
                self.always.add(number)
                continue
            static = static_selector(tokens)
            try:
                for compiled in cssselect2.compile_selector_list(static):
                    self.matcher.add_selector(compiled, number)
            except (cssselect2.SelectorError, NotImplementedError):
                self.unreadable.append(text)
                self.always.add(number)
        return number


class _Text:
    """Offsets into the stylesheet's text from tinycss2's (line, column)
    positions: kept rules are copied byte for byte, never re-serialized."""

    def __init__(self, text: str):
        self.text = text
        self.lines = [0] + [i + 1 for i, char in enumerate(text) if char == "\n"]

    def at(self, node) -> int:
        return self.lines[node.source_line - 1] + node.source_column - 1

    def spans(self, nodes, end: int):
        """(node, start, stop) of each rule among `nodes`, the last one ending at `end`."""
        nodes = list(nodes)
        for i, node in enumerate(nodes):
            if node.type in ("whitespace", "comment", "error"):
                continue
            stop = self.at(nodes[i + 1]) if i + 1 < len(nodes) else end
            yield node, self.at(node), stop


def _walk(source: _Text, nodes, end: int, rules: _Rules) -> list:
    """The stylesheet as a tree of (node, start, stop, number or children)."""
    tree = []
    for node, start, stop in source.spans(nodes, end):
        if node.type == "qualified-rule":
            tree.append((node, start, stop, rules.add(node)))
        elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports") and node.content is not None:
            inner = tinycss2.parse_rule_list(node.content)
            tree.append((node, start, stop, _walk(source, inner, stop - 1, rules)))
        else:
            tree.append((node, start, stop, None))
    return tree


def _idents(nodes, names: set[str]) -> set[str]:
    for node in nodes:
        if node.type == "ident":
            names.add(node.value)
        for inner in (getattr(node, "content", None), getattr(node, "arguments", None)):
            if isinstance(inner, list):
                _idents(inner, names)
    return names


def _keyframes_used(text: str) -> set[str]:
    """Every name a stylesheet's declarations hold (an animation names its @keyframes)."""
    return _idents(tinycss2.parse_component_value_list(text), set())


def _kept(source: _Text, tree, used: set[int], keyframes: list) -> list[str]:
    out = []
    for node, start, stop, what in tree:
        text = source.text[start:stop].rstrip()
        if isinstance(what, int):
            if what in used:
                out.append(text)
        elif isinstance(what, list):
            inner = _kept(source, what, used, keyframes)
            if inner:
                head = source.text[start:source.text.index("{", start) + 1]
                out.append(head + "".join(inner) + "}")
        elif node.type == "at-rule" and node.lower_at_keyword.endswith("keyframes"):
            keyframes.append((len(out), tinycss2.serialize(node.prelude).strip(), text))
            out.append("")
        elif node.type == "at-rule":
            out.append(text)
    return out


def trim_css(css: str, roots) -> Trimmed:
    """`css` without the rules that match no element of `roots` (parsed pages)."""
    source = _Text(css)
    rules = _Rules()
    tree = _walk(source, tinycss2.parse_stylesheet(css), len(css), rules)
    used = set(rules.always)
    for root in roots:
        for element in cssselect2.ElementWrapper.from_html_root(root).iter_subtree():
            for _specificity, _order, _pseudo, number in rules.matcher.match(element):
                used.add(number)
    keyframes: list = []
    parts = _kept(source, tree, used, keyframes)
    names = _keyframes_used("".join(parts))
    for index, name, text in keyframes:
        if name in names:
            parts[index] = text
    text = "".join(parts)
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return Trimmed(css=text, digest=digest, name=f"{SHEET}/main.{digest}.min.css",
                   rules=rules.count, kept=len(used), unreadable=rules.unreadable)


def _cache_key(css: bytes, pages: list[Path], site_dir: Path) -> str:
    """The trimmed stylesheet depends on Material's, the pages, and this code."""
    from importlib.metadata import version

    digest = hashlib.sha256(Path(__file__).read_bytes())
    digest.update(f"tinycss2 {version('tinycss2')} cssselect2 {version('cssselect2')}".encode())
    digest.update(hashlib.sha256(css).digest())
    for page in pages:
        digest.update(page.relative_to(site_dir).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(page.read_bytes()).digest())
    return digest.hexdigest()


def trim(site_dir: Path, theme_dirs, cache: Path | None = None) -> Trimmed:
    """Write the trimmed stylesheet into the built `site_dir` (Material's own file
    and its source map removed); what was written. `cache`: a folder keeping
    results by their inputs (a build whose pages did not change parses none)."""
    from ..files import write_atomic

    source = material_stylesheet(theme_dirs)
    css = source.read_bytes()
    pages = sorted(site_dir.rglob("*.html"))
    kept = cache / f"{_cache_key(css, pages, site_dir)}.css" if cache else None
    if kept is not None and kept.is_file():
        text = kept.read_text(encoding="utf-8")
        digest = hashlib.sha256(text.encode()).hexdigest()[:8]
        result = Trimmed(css=text, digest=digest, name=f"{SHEET}/main.{digest}.min.css", rules=0, kept=0)
    else:
        result = trim_css(css.decode("utf-8"), (root for _path, root in page_roots(site_dir)))
        if kept is not None:
            try:
                write_atomic(kept, result.css.encode("utf-8"))
            except OSError:
                pass  # a read-only cache: trim again next time
    for name in (source.name, source.name + ".map"):
        (site_dir / SHEET / name).unlink(missing_ok=True)
    write_atomic(site_dir / result.name, result.css.encode("utf-8"))
    return result
