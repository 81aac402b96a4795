"""`doorstep report`: the reach of each door-to-door campaign, from the web
server's access logs, without tracking anyone.

Its stages, one module each:

- logs.py: access-log files (nginx/Apache combined, Caddy JSON; plain or
  gzip) read as a stream of requests;
- count.py: the rules: which request is a visit of a guide page, and which
  visit is an arrival from a campaign's QR code (`?c=<tag>`);
- output.py: the counts as a table, CSV or JSON;
- pdf.py: one A4 page per campaign, for its commune (pamphlets/report.html).

`make_report()` is the entry point; see docs/report.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..campaign.model import CampaignFile, campaign_paths, load_campaign
from ..errors import DoorstepError, Problem, rel, warning
from ..model import Library
from ..project import Settings, load_project, read_settings
from .count import REASONS, ZONE, Site, Tally
from .logs import FORMAT_NAMES, LogFile

MAX_TAG_WARNINGS = 10  # unknown tags named one line each; the rest in one line


@dataclass
class CampaignReport:
    """The arrivals of one campaign tag."""

    tag: str
    commune: str | None  # None: no campaign file has this tag
    file: str | None
    guides: list[str]  # the campaign file's guides (or, without one, those arrived at)
    languages: list[str]
    arrivals: dict[tuple[str, str, str], int]  # (guide, lang, week) → views, sorted

    @property
    def total(self) -> int:
        return sum(self.arrivals.values())

    def by_page(self) -> dict[tuple[str, str], int]:
        """(guide, lang) → arrivals: every guide × language of the campaign file (0 included),
        and any other that residents arrived at, in the campaign file's order."""
        guides = list(dict.fromkeys([*self.guides, *(slug for slug, _lang, _week in self.arrivals)]))
        languages = list(dict.fromkeys([*self.languages, *(lang for _slug, lang, _week in self.arrivals)]))
        counts = {(slug, lang): 0 for slug in guides for lang in languages}
        for (slug, lang, _week), n in self.arrivals.items():
            counts[(slug, lang)] += n
        return {page: n for page, n in counts.items()
                if n or (page[0] in self.guides and page[1] in self.languages)}

    def by_week(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for (_slug, _lang, week), n in sorted(self.arrivals.items(), key=lambda item: item[0][2]):
            counts[week] = counts.get(week, 0) + n
        return counts


@dataclass
class Skip:
    """Lines of a log that were not read (or not all of it)."""

    reason: str  # "unknown format", "malformed", "truncated"
    file: str
    line: int  # the first one's line; for "truncated", where the file breaks off
    lines: int  # how many (0 for "truncated": what followed is lost)
    format: str | None = None  # the file's format ("combined", "caddy"), when known


@dataclass
class Report:
    campaigns: list[CampaignReport]
    visits: dict[tuple[str, str], int]  # (guide, lang) → views, in the site's order
    since: dt.date | None
    until: dt.date | None
    first_day: dt.date | None  # the days the counted logs cover, within since/until
    last_day: dt.date | None
    lines: int  # lines read in every log
    excluded: dict[str, int]  # why lines were not counted: reason → lines
    skipped: list[Skip]
    problems: list[Problem]  # warnings, one line each
    settings: Settings
    library: Library
    campaign_folder: str  # where the campaign files were looked for, for messages

    @property
    def start(self) -> dt.date | None:
        return self.since or self.first_day or self.until

    @property
    def end(self) -> dt.date | None:
        # No line in the period (a campaign asked about before anyone scanned): the period as asked.
        return self.until or self.last_day or self.since


def make_report(logs: list[Path], config_file: Path, campaign: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None, campaign_dir: Path | None = None) -> Report:
    """Count `logs` for the site of `config_file`. Problems that leave some of
    the input out are warnings in `Report.problems`; a DoorstepError when there
    is nothing to report (a log missing, the site unreadable, no line read)."""
    unreadable = [problem for path in logs if (problem := _unreadable(Path(path))) is not None]
    if unreadable:
        raise DoorstepError(unreadable)
    settings = read_settings(config_file)  # site_url, the pamphlet folder
    library = load_project(config_file)  # which guides and languages the site has
    folder = Path(campaign_dir) if campaign_dir else settings.root / settings.doorstep["pamphlet_dir"] / "campaigns"
    known, problems = _campaigns(settings, library, folder, campaign_dir is not None)
    site = Site(frozenset(library.guides), (library.default, *(l for l in library.languages if l != library.default)),
                library.default, urlsplit(settings.site_url).path or "/")
    tally = Tally(site, since, until)
    skipped: list[Skip] = []
    lines = parsed = 0
    for path in {Path(path).resolve(): path for path in logs}.values():  # a file named twice is read once
        log = LogFile(Path(path), str(path))
        for hit in log:
            tally.add(hit, log.name)
        lines += log.read
        parsed += log.parsed
        skipped += _skips(log)
    problems += [_skip_problem(skip) for skip in skipped]
    if parsed == 0 and skipped:  # nothing to report: the same lines, as errors
        raise DoorstepError([Problem(p.path, p.line, p.message, p.hint) for p in problems])
    reports = _campaign_reports(tally, known, library, campaign)
    problems += _tag_problems(tally, reports)
    if campaign and campaign not in known and campaign not in tally.tags:
        problems.append(warning(rel(folder, settings.root), 1, f"no campaign file has the tag '{campaign}' and no "
                                "arrival in the logs carries it",
                                "check the tag: it is the campaign file's `campaign:`"))
    languages = list(site.languages)
    visits = dict(sorted(tally.visits.items(), key=lambda item: (item[0][0], languages.index(item[0][1]))))
    return Report(reports, visits, since, until, tally.first_day, tally.last_day, lines,
                  {reason: tally.excluded[reason] for reason in REASONS}, skipped, problems, settings, library,
                  rel(folder, settings.root))


def _unreadable(path: Path) -> Problem | None:
    """Why the log at `path` cannot be read, or None."""
    hint = "name the web server's access log (see docs/report.md)"
    if not path.exists():
        return Problem(str(path), 1, "file not found", hint)
    if not path.is_file():
        return Problem(str(path), 1, "not a file", hint)
    try:
        path.open("rb").close()
    except OSError as exc:
        return Problem(str(path), 1, f"cannot be read: {exc.strerror or exc}",
                       "run doorstep report as a user who may read the web server's logs")
    return None


def _campaigns(settings: Settings, library: Library, folder: Path,
               named: bool) -> tuple[dict[str, CampaignFile], list]:
    """tag → its campaign file, from `folder` (`named`: by --campaigns, so it must
    hold some). A file that does not validate is a warning: the report goes
    on, and its tag counts as unknown."""
    problems: list[Problem] = []
    if named:
        paths = campaign_paths([folder], settings.root)
    else:
        paths = sorted(folder.glob("*.yml")) + sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    known: dict[str, CampaignFile] = {}
    for path in paths:
        try:
            found = load_campaign(path, settings.root, library)
        except DoorstepError as exc:
            problems += [warning(p.path, p.line, f"{p.message} (this campaign file is left out of the report)",
                                 p.hint) for p in exc.problems]
            continue
        other = known.setdefault(found.tag, found)
        if other is not found:
            problems.append(warning(found.relpath, found.line("campaign"), f"the tag '{found.tag}' is also used by "
                                    f"{other.relpath}: the report names that file's commune",
                                    "give each campaign its own tag"))
    return known, problems


def _campaign_reports(tally: Tally, known: dict[str, CampaignFile], library: Library,
                      only: str | None) -> list[CampaignReport]:
    tags = [only] if only else sorted(set(known) | set(tally.tags))
    languages = list(library.languages)
    reports = []
    for tag in tags:
        arrivals = {(slug, lang, week): n for (t, slug, lang, week), n in tally.arrivals.items() if t == tag}
        arrivals = dict(sorted(arrivals.items(), key=lambda item: (item[0][0], languages.index(item[0][1]),
                                                                     item[0][2])))
        found = known.get(tag)
        if found is not None:
            spec = found.spec
            reports.append(CampaignReport(tag, spec.commune.name, found.relpath, list(spec.guides),
                                          list(spec.languages), arrivals))
        else:
            guides = list(dict.fromkeys(slug for slug, _lang, _week in arrivals))
            langs = [lang for lang in languages if any(l == lang for _s, l, _w in arrivals)]
            reports.append(CampaignReport(tag, None, None, guides, langs, arrivals))
    return reports


def _skips(log: LogFile) -> list[Skip]:
    return [Skip(s.reason, log.name, s.line, s.lines, log.format)
            for s in (log.unknown, log.malformed, log.truncated) if s]


def _skip_problem(skip: Skip) -> Problem:
    one = skip.lines == 1
    if skip.reason == "unknown format":
        return warning(skip.file, skip.line, f"no line is an {' or '.join(FORMAT_NAMES.values())} access-log line: "
                       f"{'its one line was' if one else f'its {skip.lines} lines were'} skipped",
                       "give the web server's access log (see docs/report.md)")
    if skip.reason == "truncated":
        return warning(skip.file, skip.line, "the compressed file breaks off here (truncated or damaged): the lines "
                       "before were counted, the rest is lost", "use a complete copy of the log if there is one")
    kind = FORMAT_NAMES.get(skip.format or "", "access log")
    what = (f"1 line is not in the file's format ({kind}): skipped" if one else
            f"{skip.lines} lines are not in the file's format ({kind}): skipped")
    return warning(skip.file, skip.line, f"{what} (the first is here)", "the file may mix log formats, or be damaged")


def _tag_problems(tally: Tally, reports: list[CampaignReport]) -> list[Problem]:
    problems = []
    unknown = [r.tag for r in reports if r.commune is None and r.tag in tally.tags]
    for tag in unknown[:MAX_TAG_WARNINGS]:
        seen = tally.tags[tag]
        problems.append(warning(seen.file, seen.line, f"the tag '{tag}' is in no campaign file: its {seen.count} "
                                f"arrival{'s are' if seen.count != 1 else ' is'} counted under the tag (the first "
                                "is here)", f"add a campaign file with `campaign: {tag}`, or check the QR codes"))
    if len(unknown) > MAX_TAG_WARNINGS:
        rest = [tally.tags[tag] for tag in unknown[MAX_TAG_WARNINGS:]]
        first = min(rest, key=lambda seen: (seen.file, seen.line))
        problems.append(warning(first.file, first.line, f"{len(rest)} more tags are in no campaign file: their "
                                f"{sum(s.count for s in rest)} arrivals are counted under their tags",
                                "see the report for the tags"))
    if tally.bad_tags is not None:
        seen = tally.bad_tags
        problems.append(warning(seen.file, seen.line, f"{seen.count} guide-page view{'s' if seen.count != 1 else ''} "
                                "had a c= value that is not a campaign tag (the first is here): counted as visits "
                                "only", "a tag is a-z, 0-9 and '-': check the QR codes that were printed"))
    return problems


__all__ = ["CampaignReport", "Report", "Skip", "ZONE", "make_report"]
