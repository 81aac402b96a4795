"""The only way a pamphlet reaches outside its HTML: a fetcher that serves
`data:` URLs and the guide's own files, and refuses everything else.
"""

from __future__ import annotations

import mimetypes
import unicodedata
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .render import BASE


class RefusedURL(FatalURLFetchingError):
    """A pamphlet asked for something outside what it may read. Stops the render."""

    def __init__(self, url: str, why: str):
        self.url = url
        self.why = why
        super().__init__(f"refused to fetch '{url}': {why}")


class SafeFetcher(URLFetcher):
    """Serves `data:` URLs and `BASE + path` for paths listed in `files`, which
    must lie inside one of `roots`. Every other URL stops the render."""

    def __init__(self, files: dict[str, str], roots: list[str]):
        super().__init__(allowed_protocols={"data", "https"})
        self._files = files
        self._roots = [Path(r).resolve() for r in roots]

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if not url.startswith(BASE):
            raise RefusedURL(url, "pamphlets may only use files from the guide's own folder")
        parts = urlsplit(url)
        key = unquote(parts.path).lstrip("/")
        source = self._files.get(key)
        if source is None:
            raise RefusedURL(url, "not a file of this guide")
        path = Path(source).resolve()
        if not any(path.is_relative_to(root) for root in self._roots):
            raise RefusedURL(url, "outside the project")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        data = path.read_bytes()
        if mime == "image/svg+xml":  # WeasyPrint draws SVG text letter by letter: a
            data = _composed(data)   # separate accent would print on a dotted circle
        return URLFetcherResponse(url, data, {"Content-Type": mime})


def _composed(data: bytes) -> bytes:
    """UTF-8 text in NFC (Vietnamese accents composed with their letters)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    return unicodedata.normalize("NFC", text).encode("utf-8")
