"""Door-to-door campaigns: one commune's print pack, or a whole province's.

`print_campaigns()` is the one entry point (the CLI's `doorstep print`):

1. read the site (mkdocs.yml, every guide) and every campaign file, and stop
   on any problem before anything is rendered (campaign/model.py);
2. render each guide × language × paper once, as the campaign variant of the
   pamphlet: empty boxes where the QR code and the commune's block go, their
   positions read from the layout (cached, in parallel: the Pamphleteer);
3. render each kind of campaign's team sheet once, and its print file of the
   bodies (impose.py), each with an empty box or marks for the commune;
4. render each commune's own pages once: its block in each language and the
   top of its team sheet, each page exactly the size of its box;
5. per commune, in parallel: stamp its blocks and its tagged QR codes onto
   those cached PDFs (stamp.py), writing the pack into a folder beside the
   target that replaces it only when complete.

The cost grows with guides × languages + communes, not their product.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Callable
from urllib.parse import urljoin, urlsplit

from markupsafe import Markup

from ..errors import DoorstepError, Problem, rel, warning
from ..locale import catalogue, direction, strings as ui_strings
from ..model import Library, load_library, node_line
from ..files import swap_in, write_atomic
from ..pamphlet import PamphletJob, Pamphleteer, RenderJob, campaign_variant, fonts, guide_job
from ..pamphlet.render import BASE
from ..project import Settings, read_settings
from ..translation import is_behind, language_name
from .model import CampaignFile, campaign_paths, load_campaigns

__all__ = ["print_campaigns", "shard_of", "page_url", "Pack", "Printer"]

TALLY_ROWS = 10


@dataclass
class Pack:
    """A written print pack."""

    campaign: CampaignFile
    folder: Path
    files: list[str]  # relative to the folder
    sheets: int  # A4 sheets per set


def page_path(default: str, lang: str, slug: str) -> str:
    """A guide page's path in the site: the default language at /, every other at /<lang>/."""
    return ("" if lang == default else f"{lang}/") + f"{slug}/"


def page_url(site_url: str, default: str, lang: str, slug: str) -> str:
    """A guide page's canonical URL, as the site writes it."""
    return urljoin(site_url, page_path(default, lang, slug))


def shard_of(items: list, shard: tuple[int, int]) -> list:
    """Shard i of n (1-based) of `items` sorted: every n-th, starting at the i-th."""
    index, count = shard
    return sorted(items)[index - 1::count]


CAMPAIGN_TEMPLATES = ("campaign.css", "commune.html", "team-sheet.html")


class Printer:
    """Everything one `doorstep print` run shares: the site, the renderer, the caches."""

    def __init__(self, settings: Settings, library: Library, workers: int = 0,
                 say: Callable[[str], None] | None = None):
        self.settings = settings
        self.library = library
        self.say = say or (lambda message: None)
        root = settings.root
        options = settings.doorstep
        self.pamphleteer = Pamphleteer(template_dir=root / options["pamphlet_dir"],
                                       cache_dir=root / options["cache_dir"], root=root,
                                       workers=workers or options["workers"],
                                       qr_level=options["qr_error_correction"])
        self.templates = self.pamphleteer.template_dir
        for name in CAMPAIGN_TEMPLATES:
            if not (self.templates / name).is_file():
                raise DoorstepError(Problem(rel(self.templates / name, root), 1, "campaign template missing",
                                            "copy it from the doorstep repository's pamphlets/ folder"))
        self.env = self.pamphleteer.env  # the same templates folder, filters and rules

    def close(self) -> None:
        self.pamphleteer.close()

    # ------------------------------------------------------------------ bodies

    def pamphlet_job(self, slug: str, lang: str) -> PamphletJob:
        """The pamphlet of `slug` at `lang`'s URL, made from the guide as the site makes its page."""
        guide = self.library.resolve(slug, lang)  # its pictures and body
        path = page_path(self.library.default, lang, slug)
        url = self._url(lang, slug)
        body = guide.rendered  # the body the site renders: the same paper HTML as the site's pamphlet
        return guide_job(self.library, slug, lang, url, body.paper_html(url, path), path, None, body.files(),
                         self._url(self.library.default, slug))

    def bodies(self, units: list[tuple[str, str, str]]) -> dict[tuple, "Body"]:
        """(slug, lang, paper) → its rendered campaign body (the campaign variant of
        the pamphlet on that paper), each rendered once."""
        jobs = [self.pamphleteer.render_job(self.pamphlet_job(slug, lang), campaign_variant(paper))
                for slug, lang, paper in units]
        rendered = self._render(jobs, "pamphlet bodies (guide × language)")
        for (_slug, _lang, paper), result in zip(units, rendered):
            absent = [name for name in campaign_variant(paper).slots if name not in result.anchors]
            if absent:
                raise DoorstepError(Problem(f"{self.templates.name}/pamphlet.html", 1,
                                            f"the campaign pamphlet has no box with id '{absent[0]}'",
                                            "keep the campaign boxes (ids ds-qr, ds-commune) in the template"))
        return {unit: Body(self.pamphleteer.cache.path(job.kind, job.key), result.anchors, result.pages)
                for unit, job, result in zip(units, jobs, rendered)}

    def _render(self, jobs: list[RenderJob], what: str):
        started = time.perf_counter()
        batch = self.pamphleteer.start(jobs)
        results = batch.wait()
        for problem in batch.warnings:
            self.say(str(problem))
        stats = batch.stats
        self.say(f"{what}: {stats['rendered']} rendered, {stats['cached']} from cache "
                 f"in {time.perf_counter() - started:.2f} s")
        return results

    # ------------------------------------------------------------------ team sheets and communes

    def _pack(self, spec, bodies: dict) -> dict:
        """What a campaign's team sheet says, the same for every commune of the campaign."""
        rows = [{"title": self.library.resolve(slug, self.library.default).meta.title, "languages": list(spec.languages),
                 "pages": _span([bodies[(slug, lang, spec.paper)].pages for lang in spec.languages])}
                for slug in spec.guides]
        per_sheet = campaign_variant(spec.paper).pages_per_sheet  # A4 sheets a copy takes: pages / this, up
        sheets = sum(-(-bodies[(slug, lang, spec.paper)].pages // per_sheet)
                     for slug in spec.guides for lang in spec.languages)
        return {"pack": rows, "sheets": sheets, "copies": spec.copies, "paper": spec.paper}

    def teams(self, campaigns: list[CampaignFile], bodies: dict) -> dict[str, "Body"]:
        """tag → its team sheet without the commune's header: rendered once per
        kind of campaign (guides, languages, paper, copies)."""
        strings = ui_strings(self.library.default)
        template = (self.templates / "team-sheet.html").read_text(encoding="utf-8")
        shapes = {c.tag: self._pack(c.spec, bodies) for c in campaigns}
        unique = {json.dumps(shape, sort_keys=True, ensure_ascii=False): (shape, c)
                  for c, shape in ((c, shapes[c.tag]) for c in campaigns)}
        jobs = []
        for text, (shape, campaign) in unique.items():
            document = partial(self.env.get_template("team-sheet.html").render, t=strings, tally_rows=TALLY_ROWS,
                               font_stack=Markup(fonts.STACKS[strings.dir]), **shape)
            key = self.pamphleteer.cache.key(template, text, json.dumps(catalogue(strings.lang), sort_keys=True))
            jobs.append(RenderJob(key, "campaign-teams", document, BASE, {}, campaign.relpath,
                                  f"team sheet ({campaign.tag})", tags=False))
        rendered = self._render(jobs, "team sheets")
        made, problems = {}, []
        for (text, (shape, campaign)), job, result in zip(unique.items(), jobs, rendered):
            made[text] = Body(self.pamphleteer.cache.path(job.kind, job.key), result.anchors, result.pages)
            if made[text].pages != 1 or "ds-commune" not in result.anchors:
                problems.append(campaign.problem(("guides",), "the team sheet does not fit on one page",
                                                 "list fewer guides in this campaign"))
        if problems:
            raise DoorstepError(problems)
        return {c.tag: made[json.dumps(shapes[c.tag], sort_keys=True, ensure_ascii=False)] for c in campaigns}

    def communes(self, campaigns: list[CampaignFile], bodies: dict, teams: dict) -> dict[str, Path]:
        """tag → the commune's own pages: its block in each language, then its
        team-sheet header, each exactly the size of its box."""
        template = (self.templates / "commune.html").read_text(encoding="utf-8")
        jobs = []
        for campaign in campaigns:
            spec = campaign.spec
            sizes = {lang: _size(bodies[(spec.guides[0], lang, spec.paper)].anchors["ds-commune"])
                     for lang in spec.languages}
            sizes["team"] = _size(teams[campaign.tag].anchors["ds-commune"])
            key = self.pamphleteer.cache.key(template, spec.model_dump_json(), json.dumps(sizes, sort_keys=True),
                                             json.dumps([catalogue(lang) for lang in [self.library.default,
                                                                                      *spec.languages]],
                                                        sort_keys=True, ensure_ascii=False))
            jobs.append(RenderJob(key, "campaign-communes", partial(self._commune_document, campaign, sizes),
                                  BASE, {}, campaign.relpath, f"campaign {campaign.tag}", tags=False))
        rendered = self._render(jobs, "commune blocks")
        problems = [problem for campaign, pages in zip(campaigns, rendered)
                    if (problem := _misfit(campaign, pages.anchors, pages.pages))]
        if problems:
            raise DoorstepError(problems)
        return {c.tag: self.pamphleteer.cache.path(job.kind, job.key) for c, job in zip(campaigns, jobs)}

    def _commune_document(self, campaign: CampaignFile, sizes: dict) -> str:
        spec = campaign.spec
        team = ui_strings(self.library.default)
        blocks = [{"lang": lang, "t": ui_strings(lang), "width": sizes[lang][0], "height": sizes[lang][1],
                   "font_stack": Markup(fonts.STACKS[direction(lang)])} for lang in spec.languages]
        return self.env.get_template("commune.html").render(
            campaign=spec, commune=spec.commune, blocks=blocks, print_file=print_file_name(spec.campaign),
            team={"lang": team.lang, "dir": team.dir, "t": team, "font_stack": Markup(fonts.STACKS[team.dir]),
                  "width": sizes["team"][0], "height": sizes["team"][1]})

    # ------------------------------------------------------------------ print files

    def _url(self, lang: str, slug: str) -> str:
        return page_url(self.settings.site_url, self.library.default, lang, slug)

    def prints(self, campaigns: list[CampaignFile], bodies: dict) -> dict[str, tuple[Path, list]]:
        """tag → the print file of its bodies (imposed, not yet stamped) and its
        marks: made once per kind of campaign (guides, languages, paper)."""
        from .impose import Pamphlet, booklets, in_order
        from .stamp import Mark, marks, parsed

        made, out = {}, {}
        for campaign in campaigns:
            spec = campaign.spec
            units = [(slug, lang, spec.paper) for lang in spec.languages for slug in spec.guides]
            key = self.pamphleteer.cache.key("print", spec.paper, *(str(bodies[u].path.name) for u in units))
            if key not in made:
                path = self.pamphleteer.cache.path("campaign-prints", key)
                index = path.with_suffix(".json")
                if not (path.is_file() and index.is_file()):
                    pamphlets = []
                    for unit in units:
                        slug, lang, _paper = unit
                        pages = list(parsed(str(bodies[unit].path)).reader.pages)
                        pamphlets.append(Pamphlet(pages, marks(bodies[unit].anchors, _heights(bodies[unit].path),
                                                               spec.languages.index(lang), self._url(lang, slug)),
                                                  direction(lang) == "rtl"))
                    data, moved = (booklets if campaign_variant(spec.paper).booklet else in_order)(pamphlets)
                    write_atomic(index, json.dumps([list(vars(m).values()) for m in moved]).encode())
                    write_atomic(path, data)
                made[key] = (path, [Mark(*values) for values in json.loads(index.read_text())])
            out[campaign.tag] = made[key]
        return out

    # ------------------------------------------------------------------ packs

    def packs(self, campaigns: list[CampaignFile], bodies: dict, teams: dict, prints: dict, communes: dict,
              out: Path) -> list[Pack]:
        """Every campaign's pack, assembled in parallel, each swapped into out/<tag>/ when whole."""
        from .stamp import marks

        out.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        temps, calls = [], []
        try:
            for campaign in campaigns:
                spec = campaign.spec
                temp = Path(tempfile.mkdtemp(prefix=f".{spec.campaign}-", dir=out))
                temps.append(temp)
                tagged = f"?c={spec.campaign}"
                files = []
                for lang in spec.languages:
                    for slug in spec.guides:
                        body = bodies[(slug, lang, spec.paper)]
                        files.append((f"{lang}/{slug}.pdf", str(body.path),
                                      marks(body.anchors, _heights(body.path), spec.languages.index(lang),
                                            self._url(lang, slug) + tagged)))
                base, moved = prints[spec.campaign]
                files.append((print_file_name(spec.campaign), str(base),
                              [replace(m, url=m.url + tagged) if m.size else m for m in moved]))
                team = teams[spec.campaign]
                files.append((team_sheet_name(spec.campaign), str(team.path),
                              marks(team.anchors, _heights(team.path), len(spec.languages), "")))
                calls.append((str(temp), files, str(communes[spec.campaign]), self.pamphleteer.qr_level))
            packs = []
            for campaign, temp, result in zip(campaigns, temps, self.pamphleteer.pool.run(assemble, calls)):
                written = result()
                final = out / campaign.tag
                (temp / PACK_MARK).write_text(f"made by doorstep print from {campaign.relpath}\n", encoding="utf-8")
                swap_in(temp, final)
                packs.append(Pack(campaign, final, written, self._pack(campaign.spec, bodies)["sheets"]))
                if len(campaigns) > 10 and len(packs) % 10 == 0 and len(packs) < len(campaigns):
                    self.say(f"packs: {len(packs)}/{len(campaigns)} written")
        finally:
            for temp in temps:
                shutil.rmtree(temp, ignore_errors=True)
        self.say(f"packs: {len(packs)} written in {time.perf_counter() - started:.2f} s")
        return packs


@dataclass
class Body:
    path: Path  # the cached PDF
    anchors: dict
    pages: int


def print_file_name(tag: str) -> str:
    return f"{tag}-print.pdf"


def team_sheet_name(tag: str) -> str:
    return f"{tag}-team-sheet.pdf"


def assemble(folder: str, files: list[tuple], commune_pdf: str, level: str) -> list[str]:
    """Write one pack into `folder` (runs in a render process): each of
    `files` (name, cached PDF, marks) is the cached PDF with the commune's
    blocks and its QR codes stamped on. Returns the names written."""
    from .stamp import parsed, stamp

    commune = parsed(commune_pdf)
    for name, base, marks in files:
        write_atomic(Path(folder) / name, stamp(parsed(base), marks, commune, level))
    return [name for name, _base, _marks in files]


def _heights(path: Path) -> list[float]:
    """The height in pt of each page of a cached PDF."""
    from .stamp import parsed

    return [float(page.mediabox.top) for page in parsed(str(path)).reader.pages]


def _size(box: tuple) -> tuple[float, float]:
    _page, x1, y1, x2, y2 = box
    return round(x2 - x1, 3), round(y2 - y1, 3)


def _span(values: list[int]) -> str:
    low, high = min(values), max(values)
    return str(low) if low == high else f"{low}–{high}"


def _misfit(campaign: CampaignFile, anchors: dict, pages: int) -> Problem | None:
    """A problem if a block ran past its page (its box on the paper)."""
    languages = campaign.spec.languages
    for i, lang in enumerate(languages):
        following = f"ds-block-{languages[i + 1]}" if i + 1 < len(languages) else "ds-block-team"
        if anchors[following][0] != i + 1:
            return campaign.problem(("contacts",), f"the commune's text does not fit its box on the {lang} pamphlet",
                                    "shorten the office, hours or roles, or list fewer contacts")
    if pages != len(languages) + 1:
        return campaign.problem(("contacts",), "the commune's text does not fit the top of the team sheet",
                                "shorten the office, hours or roles, or list fewer contacts")
    return None


PACK_MARK = ".doorstep-pack"  # in every pack: a folder without it is never replaced


def print_warnings(campaigns: list[CampaignFile], library: Library, settings: Settings) -> list[Problem]:
    """What prints, but maybe not as the team expects: untranslated or stale
    guides, and QR codes to the placeholder address."""
    found = []
    host = urlsplit(settings.site_url).hostname or ""
    if host == "example.org" or host.endswith((".example.org", ".example.com", ".invalid")):
        found.append(warning(rel(settings.root / "mkdocs.yml", settings.root), 1,
                             f"site_url is the placeholder {settings.site_url}: the QR codes will open nothing",
                             "set DOORSTEP_SITE_URL (or site_url) to the site's real address"))
    for campaign in campaigns:
        line = node_line(campaign.node, ("languages",), 1)
        for lang in campaign.spec.languages:
            for slug in campaign.spec.guides:
                name = language_name(lang)
                if library.resolve(slug, lang).lang != lang:
                    found.append(warning(campaign.relpath, line, f"'{slug}' has no {name} translation: its {lang} "
                                         "pamphlet prints the original text", "translate it, or leave "
                                         f"'{lang}' out (see docs/translating.md)"))
                elif is_behind(library, slug, lang):
                    found.append(warning(campaign.relpath, line, f"the {name} translation of '{slug}' may be out of "
                                         "date (its pamphlet says so)", f"update it, then `doorstep mark {slug} {lang}`"))
    return found


def check_targets(campaigns: list[CampaignFile], out: Path, root: Path) -> None:
    """A pack replaces out/<tag>/ only if that folder is an earlier pack."""
    problems = []
    blocked = next((p for p in [out, *out.parents] if p.exists() and not p.is_dir()), None)
    if blocked is not None:  # --out under a file: nothing could be written there
        raise DoorstepError(Problem(str(out), 1, f"{blocked} is a file, not a folder: no pack can be written there",
                                    "choose another folder with --out"))
    for campaign in campaigns:
        target = out / campaign.tag
        if target.exists() and not (target / PACK_MARK).is_file():
            problems.append(Problem(campaign.relpath, node_line(campaign.node, ("campaign",), 1),
                                    f"{rel(target, root)} exists and is not a print pack: it would be replaced",
                                    "move that folder away, or print somewhere else with --out"))
    if problems:
        raise DoorstepError(problems)


def print_campaigns(args: list[Path], config_file: Path, out: Path | None = None, shard: tuple[int, int] = (1, 1),
                    workers: int = 0, say: Callable[[str], None] | None = None) -> list[Pack]:
    """Print the campaigns named by `args` (files, or folders of *.yml) into
    out/<tag>/ (default: dist/ beside mkdocs.yml). With `shard` (i, n), only
    the i-th of every n campaign files, sorted by path. Raises DoorstepError."""
    settings = read_settings(config_file)
    if not settings.site_url:
        raise DoorstepError(Problem(str(config_file), 1, "site_url is empty",
                                    "set it (or DOORSTEP_SITE_URL): every QR code starts with it"))
    library = load_library(settings.docs_dir, settings.languages, settings.default, settings.root,
                           allowed_domains=settings.allowed_domains, markdown_extensions=settings.markdown_extensions,
                           cache_dir=settings.root / settings.doorstep["cache_dir"])
    paths = campaign_paths(args, settings.root)
    campaigns = {c.path: c for c in load_campaigns(paths, settings.root, library)}  # all checked, whatever the shard
    mine = [campaigns[path] for path in shard_of(list(campaigns), shard)]
    say = say or (lambda message: None)
    if not mine:
        say(f"shard {shard[0]}/{shard[1]}: no campaign files to print")
        return []
    out = Path(out) if out else settings.root / "dist"
    check_targets(mine, out, settings.root)
    for problem in print_warnings(mine, library, settings):
        say(str(problem))
    printer = Printer(settings, library, workers, say)
    try:
        units = sorted({(slug, lang, c.spec.paper) for c in mine for slug in c.spec.guides for lang in c.spec.languages})
        bodies = printer.bodies(units)
        teams = printer.teams(mine, bodies)
        communes = printer.communes(mine, bodies, teams)
        prints = printer.prints(mine, bodies)
        return printer.packs(mine, bodies, teams, prints, communes, out)
    finally:
        printer.close()
