"""The content-addressed cache of rendered documents.

A document's key is a hash of everything that goes into it (its inputs, its
pictures' bytes) and of everything that draws it (doorstep's own code and UI
strings, the pamphlet fonts, the Python libraries and the system's text
libraries): a change to any of them renders it again, nothing else does.
Each kind of document has its folder: `<key>.pdf`, and `<key>.json` with its
number of pages and where its `ds-*` boxes landed.
"""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import version
from pathlib import Path

from ..files import code_fingerprint, write_atomic
from . import fonts
from .render import Rendered, native_fingerprint

LIBRARIES = ("weasyprint", "pydyf", "tinycss2", "fonttools", "qrcode", "babel", "jinja2")


def salt() -> str:
    """What draws every document, part of every key."""
    libraries = [f"{name}={version(name)}" for name in LIBRARIES]
    return "|".join([*libraries, fonts.fingerprint(), code_fingerprint(), native_fingerprint()])


class Cache:
    """Rendered documents in `folder`, one subfolder per kind, by key."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.salt = salt()

    def key(self, *inputs: str, files: dict[str, str] | None = None) -> str:
        """Hash of `inputs`, the files' bytes, the code, fonts and library versions."""
        digest = hashlib.sha256(self.salt.encode())
        for value in inputs:
            digest.update(value.encode())
            digest.update(b"\0")
        for site_path in sorted(files or {}):
            digest.update(site_path.encode())
            digest.update(hashlib.sha256(Path(files[site_path]).read_bytes()).digest())
        return digest.hexdigest()

    def path(self, kind: str, key: str) -> Path:
        """Where the PDF of `key` is (or goes)."""
        return self.folder / kind / f"{key}.pdf"

    def get(self, kind: str, key: str) -> Rendered | None:
        pdf = self.path(kind, key)
        if not pdf.is_file():
            return None
        index = pdf.with_suffix(".json")
        layout = json.loads(index.read_text()) if index.is_file() else {"pages": 0, "anchors": {}}
        return Rendered(pdf.read_bytes(), layout["pages"],
                        {name: tuple(box) for name, box in layout["anchors"].items()})

    def put(self, kind: str, key: str, rendered: Rendered) -> None:
        pdf = self.path(kind, key)
        layout = {"pages": rendered.pages, "anchors": rendered.anchors}  # before the PDF: a cached PDF has its layout
        write_atomic(pdf.with_suffix(".json"), json.dumps(layout, sort_keys=True).encode())
        write_atomic(pdf, rendered.pdf)

    def count(self, kind: str) -> int:
        folder = self.folder / kind
        return sum(1 for _ in folder.glob("*.pdf")) if folder.is_dir() else 0
