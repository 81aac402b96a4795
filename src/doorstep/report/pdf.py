"""The report as a PDF for the communes: one A4 page per campaign, in the
site's language, rendered from `pamphlets/report.html` by the pamphlets'
WeasyPrint pipeline (the same fonts, the same safe fetcher).

The charts are inline SVG: this module works out their geometry (in mm),
the template draws them. Nothing comes from the clock: the same report
gives the same bytes.
"""

from __future__ import annotations

import datetime as dt
import math

import jinja2
from markupsafe import Markup

from ..errors import DoorstepError, Problem, rel
from ..locale import strings as ui_strings
from ..pamphlet import fonts
from ..pamphlet.render import BASE, RenderFailure, init_worker, render
from . import CampaignReport, Report
from .count import iso_week

TEMPLATE = "report.html"
WIDTH = 182.0  # mm: A4 less the page's margins (pamphlets/report.html)
BARS_HEIGHT = 104.0  # mm at most for the bars of one campaign (12 guides × 4 languages: 2.2 mm a row)
ROW_MAX = 7.0  # mm: one bar's row when there are few
LABEL = 58.0  # mm: the guide's title column
LANG = 24.0  # mm: the language column
TITLE_CHARS = 34  # a longer title is cut, with "…" (the list above the charts has it whole)
LINE_HEIGHT = 52.0  # mm: the weekly chart
MAX_TICKS = 12  # week labels under the line chart, at most
MAX_POINT_LABELS = 26  # counts written above the points, up to this many weeks


def write_pdf(report: Report) -> bytes:
    """The PDF of every campaign of `report` that has a campaign file, one page each."""
    pages = [c for c in report.campaigns if c.commune is not None]
    settings = report.settings
    if not pages:
        tags = ", ".join(c.tag for c in report.campaigns)
        raise DoorstepError(Problem(report.campaign_folder, 1,
                                    f"no campaign file has the tag {tags}: no page to print" if tags else
                                    "there are no campaign files: no page to print",
                                    "a PDF page is made for each campaign file"))
    template_dir = settings.root / settings.doorstep["pamphlet_dir"]
    if not (template_dir / TEMPLATE).is_file():
        raise DoorstepError(Problem(rel(template_dir / TEMPLATE, settings.root), 1, "report template missing",
                                    "copy it from the doorstep repository's pamphlets/ folder"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(template_dir)), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    html = document(report, pages, env)
    init_worker(str(settings.root / settings.doorstep["cache_dir"]))
    try:
        rendered = render(html, BASE, {}, [str(settings.root)])
    except RenderFailure as exc:
        raise DoorstepError(Problem(rel(template_dir / TEMPLATE, settings.root), 1, f"the report cannot be printed: "
                                    f"{exc}", "check the template's changes")) from None
    if rendered.pages != len(pages):
        raise DoorstepError(Problem(rel(template_dir / TEMPLATE, settings.root), 1,
                                    f"{rendered.pages} pages for {len(pages)} campaigns: a campaign's report runs "
                                    "past its A4 page", "make the template's charts or text smaller"))
    return rendered.pdf


def document(report: Report, pages: list[CampaignReport], env) -> str:
    """The HTML of the report's pages."""
    library = report.library
    t = ui_strings(library.default)
    return env.get_template(TEMPLATE).render(
        lang=t.lang, dir=t.dir, t=t, font_stack=Markup(fonts.STACKS[t.dir]),
        period=_period(report, t),
        campaigns=[_page(c, report, t) for c in pages],
        width=WIDTH,
    )


def _period(report: Report, t) -> str:
    if report.start is None:
        return ""
    return t("report_period", start=t.date(report.start), end=t.date(report.end))


def _language(code: str, lang: str) -> str:
    from babel import Locale

    try:
        return Locale.parse(lang).languages.get(code) or code
    except (ValueError, TypeError):
        return code


def _page(c: CampaignReport, report: Report, t) -> dict:
    library = report.library
    titles = {slug: library.resolve(slug, library.default).meta.title for slug in library.guides}
    return {
        "tag": c.tag,
        "commune": c.commune,
        "guides": [titles.get(slug, slug) for slug in c.guides],
        "languages": [_language(lang, t.lang) for lang in c.languages],
        "total": t.number(c.total),
        "any": c.total > 0,
        "bars": _bars(c, titles, t),
        "line": _line(c, report, t),
    }


def _short(text: str) -> str:
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1].rstrip() + "…"


def _bars(c: CampaignReport, titles: dict[str, str], t) -> dict:
    """Horizontal bars: one row per guide × language, the guide's title on its first row."""
    counts = c.by_page()
    rows = len(counts) or 1
    row = min(ROW_MAX, BARS_HEIGHT / rows)
    most = max(counts.values(), default=0) or 1
    left = LABEL + LANG
    room = WIDTH - left - 14  # the count is written after the bar
    bars, previous = [], None
    for i, ((slug, lang), n) in enumerate(counts.items()):
        bars.append({"y": round(i * row, 2), "mid": round(i * row + row / 2, 2),
                     "title": _short(titles.get(slug, slug)) if slug != previous else "",
                     "lang": _language(lang, t.lang), "count": t.number(n),
                     "width": round(room * n / most, 2), "end": round(left + room * n / most + 1.5, 2)})
        previous = slug
    return {"rows": bars, "height": round(rows * row, 2), "row": round(row, 2), "left": left,
            "font": round(min(3.0, row * 0.85), 2)}


def _mondays(start: dt.date, end: dt.date) -> list[dt.date]:
    monday = start - dt.timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append(monday)
        monday += dt.timedelta(days=7)
    return weeks


def _line(c: CampaignReport, report: Report, t) -> dict | None:
    """A line through each week's arrivals, every week of the period on the axis (0 included)."""
    if report.start is None:
        return None
    weeks = _mondays(report.start, report.end)
    by_week = c.by_week()
    counts = [by_week.get(iso_week(monday), 0) for monday in weeks]
    most = max(counts, default=0) or 1
    left, right, top, bottom = 12.0, WIDTH - 4, 6.0, LINE_HEIGHT - 10
    step = (right - left) / (len(weeks) - 1) if len(weeks) > 1 else 0
    xs = [left + i * step if len(weeks) > 1 else (left + right) / 2 for i in range(len(weeks))]
    ys = [bottom - (bottom - top) * n / most for n in counts]
    every = math.ceil(len(weeks) / MAX_TICKS)
    points = [{"x": round(x, 2), "y": round(y, 2), "count": t.number(n),
               "label": (f"{monday.day}/{monday.month}" if i % every == 0 else ""),
               "show": len(weeks) <= MAX_POINT_LABELS}
              for i, (x, y, n, monday) in enumerate(zip(xs, ys, counts, weeks))]
    return {"points": points, "path": " ".join(f"{p['x']},{p['y']}" for p in points), "height": LINE_HEIGHT,
            "left": left, "right": right, "top": top, "bottom": bottom, "most": t.number(max(counts, default=0))}
