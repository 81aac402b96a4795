"""One small search index per language, for Material's own search worker.

The browser side (overrides/assets/javascripts/doorstep-search.js) loads this
language's index only when the reader opens search, and folds diacritics and
letter variants with its one `fold()` function, for the index's `f_*` twin
fields and for the query alike. This side only lists the guides.
"""

from __future__ import annotations

import html
import json

from ..model import Guide

# Material's worker tokenises with this (no `u` flag, so characters are listed).
SEPARATOR = r"[\s\-\u2013\u2014\u200c\u200d,.;:!?()\[\]{}\"'“”‘’«»،؛؟…/]+|&[a-z]+;|&#\d+;"

CONFIG = {
    "lang": ["en"],  # no lunr language pack is ever loaded
    "separator": SEPARATOR,
    "pipeline": [],  # no ASCII trimmer (it eats "đ"), no stop words, no stemmer
    # f_* are folded twins filled in the browser; 10⁴ times smaller boosts make
    # every exact (accented) match rank above every match found only by folding.
    "fields": {
        "title": {"boost": 1e6}, "text": {"boost": 1e4}, "body": {"boost": 1e3},
        "f_title": {"boost": 1e2}, "f_text": {"boost": 1}, "f_body": {"boost": 0.1},
    },
}

def plain(text: str) -> str:
    """Whitespace-collapsed and HTML-escaped (the worker uses innerHTML)."""
    return html.escape(" ".join(text.split()), quote=False)


def entry(guide: Guide, location: str) -> dict:
    """A guide as one search document: its title and summary show in the results."""
    meta = guide.meta
    facts = [*meta.need, meta.cost, meta.time, meta.where]
    facts += [f"{t.problem} {t.fix}" for t in meta.trouble]
    return {
        "location": location,
        "title": plain(meta.title),
        "text": plain(meta.summary),
        "body": plain(" ".join(facts) + " " + guide.rendered.text),
    }


def index_json(entries: list[dict]) -> bytes:
    data = {"config": CONFIG, "docs": sorted(entries, key=lambda e: e["location"])}
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
