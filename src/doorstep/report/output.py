"""A report as text: a table for people, CSV for spreadsheets, JSON for programs.

Only counts, tags, guides, languages, weeks and the campaign files' communes
appear: nothing read from a log line but its page, its tag and its time.
"""

from __future__ import annotations

import csv
import io
import json

from . import Report
from .count import ZONE

REASON_TEXT = {"outside_period": "outside --since/--until", "not_a_guide_page": "not guide pages",
               "method": "not GET", "status": "redirects or errors", "bot": "bots and tools"}


def as_json(report: Report) -> str:
    """{"period", "campaigns": [{"tag", "commune", "file", "guides", "languages", "total",
    "arrivals": [{"guide", "lang", "week", "count"}]}], "visits": [{"guide", "lang", "count"}],
    "totals", "lines", "skipped", "warnings"}; rows with a count of 0 are left out."""
    data = {
        "period": {"from": _day(report.start), "to": _day(report.end), "since": _day(report.since),
                   "until": _day(report.until), "timezone": ZONE.tzname(None)},
        "campaigns": [{"tag": c.tag, "commune": c.commune, "file": c.file, "guides": c.guides,
                       "languages": c.languages, "total": c.total,
                       "arrivals": [{"guide": slug, "lang": lang, "week": week, "count": n}
                                    for (slug, lang, week), n in c.arrivals.items()]}
                      for c in report.campaigns],
        "visits": [{"guide": slug, "lang": lang, "count": n} for (slug, lang), n in report.visits.items()],
        "totals": {"arrivals": sum(c.total for c in report.campaigns), "visits": sum(report.visits.values())},
        "lines": {"read": report.lines, "not_counted": report.excluded,
                  "skipped": sum(skip.lines for skip in report.skipped)},
        "skipped": [{"reason": s.reason, "file": s.file, "line": s.line, "lines": s.lines} for s in report.skipped],
        "warnings": [str(problem) for problem in report.problems],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def as_csv(report: Report) -> str:
    """One row per count: kind (arrival or visit), campaign, commune, guide, lang, week, count."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kind", "campaign", "commune", "guide", "lang", "week", "count"])
    for c in report.campaigns:
        for (slug, lang, week), n in c.arrivals.items():
            writer.writerow(["arrival", c.tag, c.commune or "", slug, lang, week, n])
    for (slug, lang), n in report.visits.items():
        writer.writerow(["visit", "", "", slug, lang, "", n])
    return out.getvalue()


def as_table(report: Report) -> str:
    """Per campaign: arrivals by guide × language and by week; then visits by guide × language."""
    period = f"{_day(report.start)} to {_day(report.end)}" if report.start else "no dated lines"
    out = [f"Arrivals from campaign QR codes (?c=<tag>), {period}; days and ISO weeks in Vietnam time "
           f"({ZONE.tzname(None)})", ""]
    if not report.campaigns:
        out += ["No campaign files and no tagged visits.", ""]
    for c in report.campaigns:
        who = c.commune if c.commune else "in no campaign file"
        out.append(f"{c.tag} ({who}): {c.total} arrival{'s' if c.total != 1 else ''}")
        if c.total:
            out += _grid(["guide", "lang", "arrivals"], [[slug, lang, n] for (slug, lang), n in c.by_page().items()])
            out += _grid(["week", "arrivals"], [[week, n] for week, n in c.by_week().items()])
        out.append("")
    languages = list(dict.fromkeys([report.library.default, *report.library.languages]))
    slugs = sorted({slug for slug, _lang in report.visits})
    total = sum(report.visits.values())
    out.append(f"Visits of guide pages (with or without a tag): {total}")
    if total:
        rows = [[slug, *(report.visits.get((slug, lang), 0) for lang in languages),
                 sum(report.visits.get((slug, lang), 0) for lang in languages)] for slug in slugs]
        rows.append(["total", *(sum(report.visits.get((slug, lang), 0) for slug in slugs) for lang in languages),
                     total])
        out += _grid(["guide", *languages, "total"], rows)
    out.append("")
    counted = ", ".join(f"{n} {REASON_TEXT[reason]}" for reason, n in report.excluded.items() if n)
    out.append(f"{report.lines} log lines read; not counted: {counted or 'none'}.")
    return "\n".join(out) + "\n"


def _grid(header: list[str], rows: list[list]) -> list[str]:
    """An indented text table: text to the left, numbers to the right."""
    cells = [header] + [[str(value) for value in row] for row in rows]
    numeric = [all(isinstance(row[i], int) for row in rows) for i in range(len(header))]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  " + "  ".join(cell.rjust(w) if num else cell.ljust(w)
                             for cell, w, num in zip(row, widths, numeric)).rstrip() for row in cells]


def _day(day) -> str | None:
    return day.isoformat() if day else None
