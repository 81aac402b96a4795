"""Reviews that come due: when each guide's facts must be checked again.

A guide's `reviewed:` date (in index.md; translations inherit it) plus the
plugin's `review_every` days is the day its facts are due to be checked
against their official sources again. `doorstep status` shows every guide's
state; `doorstep check` warns on an overdue one (and `--strict` fails on it).
The build never looks at review dates: a site built from the same commit is
the same site next year.

"Today" is `today()`: the day of `SOURCE_DATE_EPOCH` when it is set, so a run
can be repeated exactly, else the real date.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from .errors import DoorstepError, Problem, warning
from .model import Library, node_line

DEFAULT_EVERY = 180  # days (the plugin's `review_every`)
SOON = 30  # days: due within this many is "due soon"
UP_TO_DATE, DUE, OVERDUE = "up to date", "due soon", "overdue"


def today() -> dt.date:
    """The day of `SOURCE_DATE_EPOCH` (UTC) when it is set, else today's date on this machine."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.datetime.fromtimestamp(int(value), tz=dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise DoorstepError(Problem("SOURCE_DATE_EPOCH", 1, f"'{value[:40]}' is not a number of seconds since 1970",
                                    "unset it, or set it to e.g. $(git log -1 --format=%ct)")) from None


@dataclass(frozen=True)
class Review:
    """One guide's review: when its facts were checked, when they are due again."""

    slug: str
    relpath: str  # the file whose `reviewed:` line counts (index.md)
    line: int  # that line
    reviewed: dt.date
    due: dt.date
    days_left: int  # negative: overdue by that many days

    @property
    def state(self) -> str:
        if self.days_left < 0:
            return OVERDUE
        return DUE if self.days_left <= SOON else UP_TO_DATE

    def as_dict(self) -> dict:
        return {"reviewed": self.reviewed.isoformat(), "due": self.due.isoformat(), "days_left": self.days_left,
                "state": self.state, "path": self.relpath, "line": self.line}


def reviews(library: Library, every: int = DEFAULT_EVERY, on: dt.date | None = None) -> list[Review]:
    """Every guide whose original loaded with a `reviewed:` date, by slug, as of `on` (default: `today()`)."""
    on = on or today()
    found = []
    for slug in sorted(library.guides):
        original = library.get(slug, library.default)
        if original is None or original.meta.reviewed is None:
            continue  # `doorstep check` names what is wrong with it
        reviewed = original.meta.reviewed
        due = reviewed + dt.timedelta(days=every)
        found.append(Review(slug, original.relpath, node_line(original.node, ("reviewed",)), reviewed, due,
                            (due - on).days))
    return found


def problems(library: Library, every: int = DEFAULT_EVERY, on: dt.date | None = None) -> list[Problem]:
    """A warning for each overdue guide, at its `reviewed:` line."""
    found = []
    for review in reviews(library, every, on):
        if review.state == OVERDUE:
            late = -review.days_left
            found.append(warning(review.relpath, review.line,
                                 f"review overdue: the facts were last checked on {review.reviewed}, due again "
                                 f"{review.due} ({late} day{'s' if late != 1 else ''} ago)",
                                 "check every fact against the official sources, then set `reviewed:` to "
                                 "that day's date"))
    return found
