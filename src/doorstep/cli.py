"""The `doorstep` command: a thin layer over the same functions the MkDocs plugin uses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")


def _mkdocs(args: list[str]) -> None:
    from mkdocs.__main__ import cli as mkdocs_cli

    mkdocs_cli.main(args=args, prog_name="doorstep", standalone_mode=True)


CONFIG = click.option("-f", "--config-file", default="mkdocs.yml", show_default=True,
                      type=click.Path(dir_okay=False), help="The site's mkdocs.yml.")


def _fail(exc) -> None:
    """Print a DoorstepError's problems, one line each, and exit 1."""
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Public-service guides in Markdown → a phone-first website and printable QR pamphlets."""


@main.command()
@CONFIG
@click.option("-d", "--site-dir", default=None, help="Where to write the site (default: site_dir of mkdocs.yml).")
def build(config_file: str, site_dir: str | None) -> None:
    """Build the site and every pamphlet into site/.

    The new site is built beside the old one and swapped in only when the
    whole build succeeds. Exit code 1 on any error.
    """
    if "SOURCE_DATE_EPOCH" not in os.environ:
        # The same commit gives the same bytes: dates (the sitemap's) come from the last commit.
        last = subprocess.run(["git", "log", "-1", "--format=%ct"], capture_output=True, text=True,
                              cwd=Path(config_file).resolve().parent)
        if last.returncode == 0 and last.stdout.strip().isdigit():
            os.environ["SOURCE_DATE_EPOCH"] = last.stdout.strip()
    args = ["build", "--strict", "-f", config_file]
    if site_dir:
        args += ["-d", site_dir]
    _mkdocs(args)


@main.command()
@CONFIG
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(config_file: str, dev_addr: str) -> None:
    """Preview the site with live reload. Pamphlets come from the cache; one the
    cache lacks is rendered when you open it ("Print this guide")."""
    _mkdocs(["serve", "-f", config_file, "-a", dev_addr])


@main.command()
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the same findings for machines, on standard output.")
@click.option("--strict", is_flag=True,
              help="Exit 1 on warnings too (stale or missing translations, guides overdue for review).")
def check(config_file: str, fmt: str, strict: bool) -> None:
    """Check every guide without building: front matter, steps, images, links,
    link safety, characters the pamphlet fonts lack, translations that are
    stale or missing, and guides overdue for review (`review_every`).

    Prints one line per finding, `file:line: what — what to do`, errors first,
    then warnings. Exit code 1 if there is any error (with --strict, any
    warning too), else 0.
    """
    import json

    from .check import findings
    from .errors import DoorstepError

    try:
        library, problems = findings(Path(config_file))
    except DoorstepError as exc:  # no project to check at all (mkdocs.yml missing or broken)
        library, problems = None, exc.problems
    errors = sum(p.level == "error" for p in problems)
    warnings = len(problems) - errors
    if fmt == "json":
        click.echo(json.dumps({"errors": errors, "warnings": warnings, "problems": [p.as_dict() for p in problems]},
                              ensure_ascii=False, indent=2))
    else:
        for problem in problems:
            click.echo(str(problem), err=True)
        if library is not None and not errors:
            count = sum(len(v) for v in library.guides.values())
            found = f"{warnings} warning{'s' if warnings != 1 else ''}" if warnings else "no problems found"
            click.echo(f"{count} guide files in {len(library.guides)} guides: {found}.")
    sys.exit(1 if errors or (strict and warnings) else 0)


@main.command()
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def status(config_file: str, fmt: str) -> None:
    """Show every guide × language: original, up to date, stale, never marked,
    missing, or invalid (the file fails `doorstep check`); and every guide's
    review: up to date, due soon (within 30 days) or overdue, with its date.

    A translation is stale when index.md changed after it was last marked
    with `doorstep mark`. A review is due `review_every` days (mkdocs.yml)
    after the guide's `reviewed:` date; today is SOURCE_DATE_EPOCH's day when
    it is set. Exit code 1 if the guides cannot be read, else 0 (use
    `doorstep check --strict` to fail CI on stale translations and overdue reviews).
    """
    import json

    from .errors import DoorstepError
    from .project import read_project, read_settings
    from .review import reviews
    from .translation import table

    try:
        library, problems = read_project(Path(config_file))
        due = reviews(library, read_settings(Path(config_file)).doorstep["review_every"])
    except DoorstepError as exc:
        _fail(exc)
    rows = table(library)
    if fmt == "json":
        click.echo(json.dumps({"translations": {row.slug: row.states for row in rows},
                               "reviews": {r.slug: r.as_dict() for r in due}}, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    styles = {"original": "dim", "up to date": "green", "stale": "bold red", "never marked": "yellow",
              "missing": "red", "invalid": "bold magenta"}
    grid = Table(title="Translations", title_justify="left")
    grid.add_column("guide")
    for lang in library.languages:
        grid.add_column(lang)
    for row in rows:
        grid.add_row(row.slug, *(f"[{styles[s]}]{s}[/]" for s in row.states.values()))
    console = Console(width=None if sys.stdout.isatty() else 120)
    console.print(grid)
    behind = sum(s in ("stale", "never marked") for row in rows for s in row.states.values())
    if behind:
        console.print(f"{behind} translation(s) to update. After updating one, mark it: "
                      "doorstep mark <guide> <language>")
    _print_reviews(console, due)
    if problems:
        console.print(f"{len(problems)} problem(s) make some files invalid: run doorstep check")


def _print_reviews(console, due) -> None:
    """The reviews table of `doorstep status`."""
    from rich.table import Table

    from .review import DUE, OVERDUE

    styles = {"up to date": "green", DUE: "yellow", OVERDUE: "bold red"}
    grid = Table(title="Reviews", title_justify="left")
    for name in ("guide", "reviewed", "due", "state"):
        grid.add_column(name)
    for r in due:
        days = abs(r.days_left)
        when = {OVERDUE: f"{days} day{'s' if days != 1 else ''} ago", DUE: "today" if days == 0 else
                f"in {days} day{'s' if days != 1 else ''}"}.get(r.state)
        grid.add_row(r.slug, str(r.reviewed), str(r.due), f"[{styles[r.state]}]{r.state}[/]" + (f" ({when})" if when else ""))
    console.print(grid)
    late = sum(r.state == OVERDUE for r in due)
    if late:
        console.print(f"{late} guide(s) overdue for review: check their facts against the official sources, "
                      "then update `reviewed:` in index.md")


@main.command()
@CONFIG
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: the same findings for machines, on standard output.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (timeouts, 5xx, 403, 429…).")
@click.option("--fresh", is_flag=True, help="Check every address again, ignoring the results kept for a day.")
@click.option("--timeout", default=15.0, show_default=True, type=click.FloatRange(min=0.1),
              help="Seconds to wait for one answer.")
@click.option("--max-redirects", default=5, show_default=True, type=click.IntRange(min=0),
              help="Redirects followed from one address before it is an error.")
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(min=1),
              help="Requests at once to one site.")
@click.option("--connections", default=16, show_default=True, type=click.IntRange(min=1),
              help="Requests at once in all.")
def links(config_file: str, fmt: str, strict: bool, fresh: bool, timeout: float, max_redirects: int, per_host: int,
          connections: int) -> None:
    """Check over the network that every link, every address written in a
    guide and every official source still opens a page, and that every
    redirect stays on the allowed domains (mkdocs.yml's allowed_domains).

    Prints one line per finding, `file:line: status address → where it
    ended`, errors (404, 410, DNS failure, a redirect off the allowed domains,
    a redirect loop) before warnings (timeouts, 5xx, 401/403/429). Results
    are kept for a day in the cache folder (--fresh ignores them). Exit code
    0 with no error (warnings are shown), 1 with an error (with --strict, a
    warning too), 2 when the project cannot be read. See docs/links.md.
    """
    import json

    from .errors import DoorstepError
    from .links import check_links
    from .project import read_project, read_settings

    def say(message: str) -> None:
        click.echo(message, err=True)

    try:
        settings = read_settings(Path(config_file))
        library, problems = read_project(Path(config_file))
        report = check_links(library, settings.root / settings.doorstep["cache_dir"], fresh, timeout, max_redirects,
                             per_host, connections, say)
    except DoorstepError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({"errors": report.errors, "warnings": report.warnings, "checked": report.checked,
                               "cached": report.cached, "findings": [f.as_dict() for f in report.findings]},
                              ensure_ascii=False, indent=2))
    else:
        for finding in report.findings:
            click.echo(str(finding), err=True)
        if problems:
            click.echo(f"the guides have {len(problems)} problem(s), and a file that does not load is not checked: "
                       "run doorstep check", err=True)
        counts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in ((report.errors, "error"),
                                                                        (report.warnings, "warning")) if n]
        click.echo(f"{report.checked} addresses checked ({report.cached} from the last day's results): "
                   f"{', '.join(counts) or 'no problems found'}.")
    sys.exit(1 if report.errors or (strict and report.warnings) else 0)


@main.command()
@click.argument("slug")
@click.argument("languages", nargs=-1)
@CONFIG
def mark(slug: str, languages: tuple[str, ...], config_file: str) -> None:
    """Mark translations of guide SLUG as up to date with its index.md.

    Run it after updating (or reviewing) a translation. With no LANGUAGES,
    marks every translation of SLUG. It writes `translated_from` into each
    translation's front matter: never edit that line by hand.
    """
    from .errors import DoorstepError
    from .project import read_project
    from .translation import mark as mark_translations

    try:
        library, _problems = read_project(Path(config_file))  # another guide's mistakes do not block this one
        written = mark_translations(library, slug, list(languages) or None)
    except DoorstepError as exc:
        _fail(exc)
    for path in written:
        click.echo(f"marked {path.relative_to(library.root).as_posix()}")
    if not written:
        click.echo("already up to date: nothing written")


@main.command()
@CONFIG
def schema(config_file: str) -> None:
    """Write the editor files made from doorstep's schemas, beside mkdocs.yml:
    schemas/guide.schema.json and schemas/campaign.schema.json (JSON Schema),
    .vscode/doorstep.code-snippets, and the campaign files' entry in
    .vscode/settings.json (other settings there are kept).

    See docs/editor-setup.md for using them in VS Code.
    """
    from .editor import write_editor_files
    from .errors import DoorstepError
    from .project import read_settings

    try:
        root = read_settings(Path(config_file)).root.resolve()
        written = write_editor_files(root)
    except DoorstepError as exc:
        _fail(exc)
    for path in written:
        click.echo(f"wrote {path.relative_to(root).as_posix()}")


@main.command()
@click.argument("slug")
@CONFIG
def new(slug: str, config_file: str) -> None:
    """Create guides/SLUG/ with index.md and a translation file for every language.

    Every front-matter field is there with a comment saying what it is; fill
    them in, write the steps, then run `doorstep check`.
    """
    from .errors import DoorstepError
    from .project import read_settings
    from .scaffold import new_guide

    try:
        settings = read_settings(Path(config_file))
        made = new_guide(settings.docs_dir, slug, settings.languages, settings.default, settings.root)
    except DoorstepError as exc:
        _fail(exc)
    for path in made:
        click.echo(f"created {path.relative_to(settings.root).as_posix()}")


@main.command(name="print")
@click.argument("campaigns", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONFIG
@click.option("-o", "--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the packs, one <campaign tag>/ each (default: dist/ beside mkdocs.yml).")
@click.option("--shard", default="1/1", show_default=True,
              help="Print only shard i of n: every n-th campaign file, sorted by path, from the i-th "
                   "(for a CI matrix of n machines).")
@click.option("-j", "--workers", default=0, show_default=True, type=click.IntRange(min=0),
              help="Rendering processes; 0: one per CPU core.")
def print_(campaigns: tuple[Path, ...], config_file: str, out: Path | None, shard: str, workers: int) -> None:
    """Print the packs of door-to-door CAMPAIGNS (campaign .yml files, or folders of them).

    Each pack, in OUT/<campaign tag>/: every guide in every language as a
    pamphlet with the commune's box and QR codes tagged ?c=<tag>, the print
    shop's file (A5 booklets imposed on A4, or A4 in order) and the team's
    sheet. Every file is checked before anything is printed; a pack replaces
    the old one only when whole. See docs/campaigns.md. Exit code 1 on any error.
    """
    from .campaign import print_campaigns
    from .errors import DoorstepError

    def say(message: str) -> None:
        click.echo(message, err=True)

    index, _, count = shard.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        click.echo(f"--shard {shard}: not i/n with 1 ≤ i ≤ n — write e.g. --shard 2/4", err=True)
        sys.exit(1)
    try:
        packs = print_campaigns(list(campaigns), Path(config_file), out, (int(index), int(count)), workers, say)
    except DoorstepError as exc:
        _fail(exc)
    for pack in packs:
        pamphlets = len(pack.files) - 2
        click.echo(f"{pack.folder}/: {pamphlets} pamphlets, {pack.files[-2]} ({pack.sheets} sheets a set), "
                   f"{pack.files[-1]}")


class _OneLineUsage(click.UsageError):
    """A wrong option or value, said in one line (click's usual message takes four)."""

    def show(self, file=None) -> None:
        name = self.ctx.command_path if self.ctx else "doorstep"
        click.echo(f"{name}: {self.format_message().rstrip('.')} — see {name} --help", err=True)


class _OneLineCommand(click.Command):
    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise _OneLineUsage(exc.format_message(), ctx) from None


def _day(ctx, param, value: str | None):
    """A --since/--until value: a day, YYYY-MM-DD."""
    import datetime as dt
    import re

    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a day — write YYYY-MM-DD, e.g. 2025-12-01") from None


def _tag(ctx, param, value: str | None):
    from .report.count import is_tag

    if value is not None and not is_tag(value):
        raise click.BadParameter(f"'{value}' is not a campaign tag — a-z, 0-9 and '-', as in the campaign file")
    return value


@main.command(cls=_OneLineCommand)
@click.argument("logs", nargs=-1, required=True, type=click.Path(path_type=Path))
@CONFIG
@click.option("--campaign", default=None, callback=_tag, help="Only this campaign (its tag).")
@click.option("--since", default=None, callback=_day, help="First day counted, YYYY-MM-DD (Vietnam time).")
@click.option("--until", default=None, callback=_day, help="Last day counted, YYYY-MM-DD (Vietnam time), included.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "pdf"]), default="table",
              show_default=True, help="pdf: one A4 page per campaign, for its commune (needs --out).")
@click.option("-o", "--out", default=None, type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to this file (default: standard output; required for pdf).")
@click.option("--campaigns", "campaign_dir", default=None, type=click.Path(path_type=Path),
              help="Folder of campaign files (default: pamphlets/campaigns/ beside mkdocs.yml).")
def report(logs: tuple[Path, ...], config_file: str, campaign: str | None, since, until, fmt: str,
           out: Path | None, campaign_dir: Path | None) -> None:
    """Count, from the web server's access LOGS, how many residents arrived
    from each campaign's QR codes (?c=<tag>) per guide, language and ISO
    week, and the visits of each guide page per language.

    LOGS: nginx/Apache combined or Caddy JSON access logs, plain or gzip
    (access.log.2.gz). Bots, HEAD requests, redirects, errors and assets are
    not counted; nothing about a reader (address, user agent, referer) is in
    the report. Lines that cannot be read are skipped and said, one line per
    problem, on standard error. See docs/report.md. Exit code 0 when a report
    was made, 1 when not, 2 for a wrong option.
    """
    from .errors import DoorstepError
    from .files import write_atomic
    from .report import make_report, output

    ctx = click.get_current_context()
    if since and until and since > until:
        raise _OneLineUsage(f"--since {since} is after --until {until}", ctx)
    if fmt == "pdf" and out is None:
        raise _OneLineUsage("--format pdf needs --out FILE.pdf", ctx)
    try:
        made = make_report(list(logs), Path(config_file), campaign, since, until, campaign_dir)
    except DoorstepError as exc:
        _fail(exc)
    for problem in made.problems:
        click.echo(str(problem), err=True)
    try:
        if fmt == "pdf":
            from .report.pdf import write_pdf

            data = write_pdf(made)
        else:
            data = {"table": output.as_table, "csv": output.as_csv, "json": output.as_json}[fmt](made).encode()
    except DoorstepError as exc:
        _fail(exc)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        write_atomic(out, data)
    except OSError as exc:
        click.echo(f"{out}: cannot be written ({exc.strerror or exc}) — choose another --out", err=True)
        sys.exit(1)
    click.echo(f"wrote {out}")


if __name__ == "__main__":
    main()
