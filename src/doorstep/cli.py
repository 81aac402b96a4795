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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Public-service guides in Markdown → a phone-first website and printable QR pamphlets."""


@main.command()
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False),
              help="The site's mkdocs.yml.")
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
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False))
@click.option("-a", "--dev-addr", default="127.0.0.1:8000", show_default=True, help="Address to serve on.")
def serve(config_file: str, dev_addr: str) -> None:
    """Preview the site with live reload. Pamphlets come from the cache; only changed ones are rendered."""
    _mkdocs(["serve", "-f", config_file, "-a", dev_addr])


@main.command()
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False))
def check(config_file: str) -> None:
    """Check every guide (front matter, steps, images, links, link safety,
    characters the pamphlet fonts lack) without building.

    Prints one line per problem, `file:line: what — what to do`; exit code 1 if any.
    """
    from .check import uncovered_glyphs
    from .errors import DoorstepError
    from .project import load_project

    try:
        library = load_project(Path(config_file))
        problems = uncovered_glyphs(library)
        if problems:
            raise DoorstepError(problems)
    except DoorstepError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    count = sum(len(v) for v in library.guides.values())
    click.echo(f"{count} guide files in {len(library.guides)} guides: no problems found.")


@main.command()
@click.argument("slug")
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False))
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
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for path in made:
        click.echo(f"created {path.relative_to(settings.root).as_posix()}")


@main.command(name="print")
@click.argument("campaigns", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-f", "--config-file", default="mkdocs.yml", show_default=True, type=click.Path(dir_okay=False))
@click.option("-o", "--out", default=None, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the packs, one <campaign tag>/ each (default: dist/ beside mkdocs.yml).")
@click.option("--shard", default="1/1", show_default=True,
              help="Print only shard i of n: every n-th campaign file, sorted by path, from the i-th "
                   "(for a CI matrix of n machines).")
@click.option("-j", "--workers", default=0, show_default=True, help="Rendering processes; 0: one per CPU core.")
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
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for pack in packs:
        pamphlets = len(pack.files) - 2
        click.echo(f"{pack.folder}/: {pamphlets} pamphlets, {pack.files[-2]} ({pack.sheets} sheets a set), "
                   f"{pack.files[-1]}")


if __name__ == "__main__":
    main()
