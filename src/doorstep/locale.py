"""UI strings of the guide layout and the pamphlets, one catalogue per language."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources

import yaml
from markupsafe import Markup, escape

from .errors import DoorstepError, Problem

RTL = {"ar", "fa", "he", "ur", "ps", "ckb", "dv", "yi"}
# Languages whose readers expect their own digits in running text and page numbers.
DIGITS = {"fa": "۰۱۲۳۴۵۶۷۸۹", "ar": "٠١٢٣٤٥٦٧٨٩"}


def direction(lang: str) -> str:
    return "rtl" if lang.split("_")[0].split("-")[0] in RTL else "ltr"


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict:
    """The UI strings for `lang`, with English filling any key it lacks."""
    base = _load("en")
    if lang == "en":
        return base
    own = _load(lang)
    merged = {**base, **own}
    merged["tasks"] = {**base.get("tasks", {}), **own.get("tasks", {})}
    return merged


def _load(lang: str) -> dict:
    try:
        text = resources.files("doorstep.locales").joinpath(f"{lang}.yml").read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DoorstepError(
            Problem("mkdocs.yml", 1, f"doorstep has no UI strings for language '{lang}'",
                    f"add src/doorstep/locales/{lang}.yml (copy en.yml and translate it)")
        ) from None
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}  # libyaml: ≈ 10× faster


@lru_cache(maxsize=None)
def strings(lang: str) -> "Strings":
    """The (shared) Strings of `lang`."""
    return Strings(lang)


class Strings:
    """Translated UI strings and formatters for one language, for templates."""

    def __init__(self, lang: str):
        self.lang = lang
        self.dir = direction(lang)
        self._cat = catalogue(lang)

    def __call__(self, key: str, **values) -> str:
        text = self._cat[key]
        return text.format(**values) if values else text

    def html(self, key: str, **values) -> Markup:
        """The string as HTML, with `values` escaped unless they are Markup."""
        return Markup(escape(self._cat[key])).format(**values)

    def task(self, name: str) -> str:
        return self._cat["tasks"].get(name, name)

    def digits(self, text: str) -> str:
        """`text` with Latin digits written in the language's own digits."""
        native = DIGITS.get(self.lang)
        return text.translate(str.maketrans("0123456789", native)) if native else text

    def date(self, value: dt.date) -> str:
        from babel.dates import format_date  # babel loads in ≈ 50 ms: only when a date is shown

        return self.digits(format_date(value, format="long", locale=self.lang))

    def number(self, value: int) -> str:
        if 0 <= value < 1000:  # step numbers and sizes: no grouping to look up
            return self.digits(str(value))
        from babel.numbers import format_decimal

        return self.digits(format_decimal(value, locale=self.lang))

    def list_ltr(self, items: list[str]) -> Markup:
        """Left-to-right items (domains, numbers) joined the way the language writes
        a list ("a, b và c"), each isolated so right-to-left text keeps its order."""
        from babel.lists import format_list

        joined = format_list([f"\x00{i}\x00" for i in range(len(items))], locale=self.lang)
        html = str(escape(joined))
        for i, item in enumerate(items):
            html = html.replace(f"\x00{i}\x00", f'<bdi dir="ltr">{escape(item)}</bdi>')
        return Markup(html)

    def size(self, n_bytes: int) -> str:
        return f"{self.number(max(1, round(n_bytes / 1024)))} KB"
