"""Guides that open offline: what the build gives the service worker.

The worker itself is `sw.js` beside this module (written by hand, no
framework); the build writes it to the site's root with its settings filled
in, among them a version that is a hash of the whole built site. Each
language also gets

- `<lang>/offline.html` (`offline.html` for the default language): the page
  the worker shows for a page that is not kept on the phone, in the reader's
  language, listing the guides that are kept (overrides/doorstep/offline.html);
- `<lang>/offline.json`: that language's guides (address → title and the
  language of its text) and the other files "Keep every guide" fetches (the
  guides' pictures, the language's search index and search workers), with
  their size as served gzip-compressed, which the home page states before
  the reader presses the button.

The plugin calls `Offline` from its hooks (site/plugin.py); nothing here
imports MkDocs. See docs/offline.md.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ..files import fill_in, write_atomic
from ..locale import strings as ui_strings
from .compress import TEXT, compressed, user_cache

PAGE = "offline.html"
MANIFEST = "offline.json"
WORKER = "sw.js"
# Stands for "182 KB" on a home page written before the guides' sizes are known
# (private-use characters: never in a guide, unchanged by escaping).
KEEP_SIZE_PENDING = "\ue000doorstep-offline-size\ue001"
# Search, as the page loads it when the reader opens it (site/search.py,
# overrides/assets/javascripts/doorstep-search.js): kept with every guide.
SEARCH_FILES = ("search/{lang}.json", "assets/javascripts/workers/doorstep-search.js")
# Search needs Material's bundle too: pages load it only when search opens (site/trim.py, docs/how-it-works.md).
SEARCH_GLOBS = ("assets/javascripts/workers/search.*.min.js", "assets/javascripts/bundle.*.min.js")


def page_name(prefix: str) -> str:
    """The offline page's file in the site: `offline.html` or `<lang>/offline.html`."""
    return prefix + PAGE


@dataclass
class _Language:
    prefix: str  # "" for the default language, else "<lang>/"
    guides: dict[str, tuple[str, str, list[str]]] = field(default_factory=dict)  # page URL → title, lang, pictures
    homes: list[Path] = field(default_factory=list)


def served_size(path: Path) -> int:
    """Bytes of `path` on the wire: gzip-compressed as the site serves text
    files (site/compress.py), other files as they are."""
    data = path.read_bytes()
    if path.suffix.lower() not in TEXT:
        return len(data)
    return min(len(data), len(compressed(data, ".gz", user_cache())))


def site_version(site_dir: Path) -> str:
    """A hash of every file of the built site (not the worker, not the compressed
    copies): any change to a page, a picture or an asset makes a new worker."""
    digest = hashlib.sha256()
    paths = sorted(Path(folder, name) for folder, _dirs, files in os.walk(site_dir) for name in files)
    for path in paths:
        rel = path.relative_to(site_dir).as_posix()
        if rel == WORKER or path.suffix in (".gz", ".br"):
            continue
        digest.update(rel.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def worker_source(settings: dict) -> str:
    """sw.js with its settings, minified."""
    import rjsmin

    source = resources.files("doorstep.site").joinpath(WORKER).read_text(encoding="utf-8")
    return rjsmin.jsmin(source.replace("__DOORSTEP__", json.dumps(settings, separators=(",", ":")), 1))


class Offline:
    """Collects each language's guides and home pages while the languages are
    built; `finish` writes the manifests, the home pages' sizes and the worker."""

    def __init__(self):
        self.languages: dict[str, _Language] = {}

    def reset(self) -> None:
        self.languages = {}

    def _lang(self, lang: str, prefix: str) -> _Language:
        return self.languages.setdefault(lang, _Language(prefix))

    def add_guide(self, lang: str, prefix: str, page_url: str, title: str, text_lang: str,
                  pictures: list[str]) -> None:
        self._lang(lang, prefix).guides[page_url] = (str(title), text_lang, sorted(pictures))

    def add_home(self, lang: str, prefix: str, html_path: str) -> None:
        self._lang(lang, prefix).homes.append(Path(html_path))

    @staticmethod
    def home_context(lang: str) -> dict:
        """What the home page's "Keep every guide" box shows before the size is known."""
        return {"size": ui_strings(lang)("keep_size", size=KEEP_SIZE_PENDING)}

    def finish(self, site_dir: Path, scope: str, worker: bool = True) -> dict[str, int]:
        """Write every language's offline.json, put the sizes into the home pages,
        then write sw.js (last: its version hashes all the rest; not with
        `worker` False). Returns the bytes of "Keep every guide" per language."""
        sizes = {}
        search_workers = sorted(p for pattern in SEARCH_GLOBS for p in site_dir.glob(pattern))
        for lang, language in sorted(self.languages.items()):
            files: set[str] = {f.format(lang=lang) for f in SEARCH_FILES} | {p.relative_to(site_dir).as_posix()
                                                                              for p in search_workers}
            pages = {}
            total = 0
            for url, (title, text_lang, pictures) in sorted(language.guides.items()):
                pages[scope + url] = [title, text_lang]
                total += served_size(site_dir / url / "index.html")
                files.update(pictures)
            present = sorted(f for f in files if (site_dir / f).is_file())
            total += sum(served_size(site_dir / f) for f in present)
            sizes[lang] = total
            manifest = {"pages": pages, "files": [scope + f for f in present], "bytes": total}
            write_atomic(site_dir / language.prefix / MANIFEST,
                         json.dumps(manifest, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode())
            label = ui_strings(lang).size(total)
            for home in language.homes:
                fill_in(home, KEEP_SIZE_PENDING, label)
        if not worker:
            return sizes
        langs = sorted(language.prefix.rstrip("/") for language in self.languages.values() if language.prefix)
        words = {}
        for lang, language in sorted(self.languages.items()):
            t = ui_strings(lang)
            words[language.prefix] = [lang, t.dir, html.escape(t("offline_title")), html.escape(t("not_found_home"))]
        settings = {"version": site_version(site_dir), "scope": scope, "langs": langs, "words": words}
        write_atomic(site_dir / WORKER, worker_source(settings).encode("utf-8"))
        return sizes
