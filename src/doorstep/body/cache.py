"""Rendered bodies kept between runs, so that `doorstep check` and a warm
build render only the files that changed.

A body is found by a key over everything the render reads from its document
(text, file, language, first line) and everything that renders it (doorstep's
code and UI strings, Python-Markdown's version, the site's extensions and
allowed domains); it is used only if every other file the gate looked at is
as it was then (a link's target still a page, or still missing; a picture's
bytes the same: `Body.depends`). Otherwise it is rendered again.
All of one project's bodies live in one file, written atomically when it changed.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from ..files import code_fingerprint, write_atomic

FILE = "bodies.json"  # JSON, never pickle: a cache file must not be able to run code


def state(path: Path, content: bool = False) -> str:
    """What the gate saw of `path`: missing, a folder, a file (with its bytes' hash if `content`)."""
    if path.is_file():
        return "file:" + hashlib.sha256(path.read_bytes()).hexdigest() if content else "file"
    return "dir" if path.is_dir() else "none"


class BodyCache:
    def __init__(self, folder: Path, setting: str):
        self.path = Path(folder) / FILE
        self.salt = "|".join([code_fingerprint(), version("markdown"), setting])
        self.entries: dict[str, tuple] = {}
        self.changed = False
        try:
            data = json.loads(self.path.read_bytes())
            if data.get("salt") == self.salt:
                from . import Body

                self.entries = {key: Body.from_json(body) for key, body in data["entries"].items()}
        except (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError,
                SyntaxError):  # SyntaxError: xml.etree's ParseError, a body that does not read back
            self.entries = {}  # no cache yet, or one from other code: render everything

    def key(self, document) -> str:
        digest = hashlib.sha256()
        for part in (document.relpath, str(document.path), document.lang, document.kind, str(document.first_line),
                     document.text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
        return digest.hexdigest()

    def get(self, document):
        entry = self.entries.get(self.key(document))
        if entry is None:
            return None
        body = entry
        if body.document.text != document.text:  # a hash collision, or a doctored file
            return None
        for path, seen in body.depends.items():
            if state(Path(path), seen.startswith("file:")) != seen:
                return None
        return body

    def put(self, document, body) -> None:
        self.entries[self.key(document)] = body
        self.changed = True

    def save(self, keep: set[str] | None = None, force: bool = False) -> None:
        """Write the cache: the bodies of this run only (`keep`: their keys), if any changed."""
        self.changed = self.changed or force
        if keep is not None and set(self.entries) != keep:
            self.entries = {k: v for k, v in self.entries.items() if k in keep}
            self.changed = True
        if self.changed:
            data = {"salt": self.salt, "entries": {key: body.to_json() for key, body in self.entries.items()}}
            write_atomic(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
            self.changed = False
