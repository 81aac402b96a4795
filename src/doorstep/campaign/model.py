"""The campaign file, `pamphlets/campaigns/<name>.yml`: one commune's print pack.

`Campaign` is the one schema. `load_campaigns()` reads and validates every
file before anything is rendered, and reports each problem as
`file:line: message — what to do`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator

from ..errors import DoorstepError, Problem, rel
from ..body import addresses
from ..model import SLUG_RE, Library, Schema, node_line, parse_yaml, read_text, validate
from ..pamphlet import fonts

PAPERS = ("a5-booklet", "a4")
TAG_MAX = 40
MAX_CONTACTS = 4  # what the commune's box on the pamphlet holds
MAX_GUIDES = 12  # what the team sheet's one page lists

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]

# Vietnamese numbers, written with spaces, dots or hyphens between digit groups:
# a mobile (10 digits: 03x, 05x, 07x, 08x, 09x), a landline (11 digits: 02x area
# code), either with +84 instead of the first 0, or a 1800/1900 hotline
# (8 or 10 digits).
PHONE_RE = re.compile(r"^(?:(?:0|\+84)(?:[35789]\d{8}|2\d{9})|1[89]00(?:\d{4}|\d{6}))$")
PHONE_SEPARATORS_RE = re.compile(r"(?<=\d)[ .-](?=\d)")


class Commune(BaseModel):
    """The commune whose team hands the pamphlets out."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Text = Field(description="The commune's name as residents know it, e.g. Xã Hưng Vũ.")
    office: Text = Field(description="Where residents go for help.")
    hours: Text = Field(description="When the office is open.")


class Contact(BaseModel):
    """Someone residents can call after the visit."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: Text | None = Field(default=None, description="The person's name (optional).")
    role: Text = Field(description="Their role, e.g. the commune's digital-technology team.")
    phone: Text = Field(description="A Vietnamese phone number, as text.")

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str) -> str:
        if not PHONE_RE.match(PHONE_SEPARATORS_RE.sub("", value)):
            raise ValueError(f"'{value}' is not a phone number — write a 10-digit mobile such as \"0912 345 678\", "
                             "an 11-digit landline starting 02, a +84 number or a 1800/1900 hotline")
        return value


def _known(key: str, what: str, hint: str) -> AfterValidator:
    """Checks a value against the site's list `key` in the validation context."""

    def check(value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get(key)
        if known is not None and value not in known:
            raise ValueError(f"'{value}' is not a {what} of the site — {hint}; known: {', '.join(known)}")
        return value

    return AfterValidator(check)


def _once(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("lists an item twice — list each once")
    return values


GuideSlug = Annotated[str, _known("guides", "guide", "use a folder name of guides/")]
Language = Annotated[str, _known("languages", "language", "use one of mkdocs.yml's i18n languages")]


class Campaign(BaseModel):
    """A campaign file. Guides and languages are checked against the site,
    given as validation context: {"guides": [...], "languages": [...]}."""

    model_config = ConfigDict(extra="forbid", strict=True)
    campaign: str = Field(description="The tag added to every QR code as ?c=<tag>.")
    commune: Commune = Field(description="The commune: its name, the office residents go to, its hours.")
    contacts: list[Contact] = Field(min_length=1, max_length=MAX_CONTACTS,
                                    description="Whom residents call after the visit: role and phone, name optional.")
    guides: Annotated[list[GuideSlug], AfterValidator(_once)] = Field(
        min_length=1, max_length=MAX_GUIDES, description="The guides in the pack: their folder names under guides/.")
    languages: Annotated[list[Language], AfterValidator(_once)] = Field(
        min_length=1, description="The languages to print each guide in, e.g. [vi] or [vi, en].")
    paper: Literal[PAPERS] = Field(  # type: ignore[valid-type]
        description="a5-booklet: A5 booklets, two pages on each side of an A4 sheet, folded; a4: A4 sheets.")
    copies: int = Field(ge=1, description="Copies of each pamphlet to print.")

    @field_validator("campaign")
    @classmethod
    def _tag(cls, value: str) -> str:
        if not SLUG_RE.fullmatch(value) or len(value) > TAG_MAX:
            raise ValueError(f"'{value}' is not a URL-safe tag — use a-z, 0-9 and '-' only, at most {TAG_MAX} "
                             "characters, e.g. hung-vu-2026-04")
        return value


CAMPAIGN_FILE = Schema(Campaign, "the campaign file", "docs/campaigns.md", first_line=1,
                       hints={"literal_error": "a5-booklet: folded A5 booklets; a4: A4 sheets"})


@dataclass
class CampaignFile:
    """A validated campaign file."""

    path: Path
    relpath: str
    spec: Campaign
    source: str  # the file's text, for line numbers of later problems
    node: yaml.Node | None

    @property
    def tag(self) -> str:
        return self.spec.campaign

    def line(self, *loc) -> int:
        return node_line(self.node, loc, CAMPAIGN_FILE.first_line)

    def problem(self, loc: tuple, message: str, hint: str) -> Problem:
        return Problem(self.relpath, self.line(*loc), message, hint)


def campaign_paths(args: list[Path], root: Path) -> list[Path]:
    """The campaign files named, folders expanded to their *.yml files."""
    paths, problems = [], []
    for arg in args:
        if arg.is_dir():
            found = sorted(arg.glob("*.yml")) + sorted(arg.glob("*.yaml"))
            if not found:
                problems.append(Problem(rel(arg, root), 1, "the folder holds no campaign files",
                                        "put <name>.yml files in it (see docs/campaigns.md)"))
            paths += found
        elif arg.is_file():
            paths.append(arg)
        else:
            problems.append(Problem(rel(arg, root), 1, "file not found", "check the path to the campaign file"))
    if problems:
        raise DoorstepError(problems)
    return list(dict.fromkeys(p.resolve() for p in paths))


def load_campaign(path: Path, root: Path, library: Library) -> CampaignFile:
    relpath = rel(path, root)
    text = read_text(path, root)
    data, node = parse_yaml(text, relpath, CAMPAIGN_FILE.first_line, "the campaign file", CAMPAIGN_FILE.doc)
    context = {"guides": sorted(library.guides), "languages": library.languages}
    spec = validate(CAMPAIGN_FILE, data, node, relpath, context=context)
    campaign = CampaignFile(path, relpath, spec, text, node)
    problems = [campaign.problem(loc, *refused) for loc, value in _texts(data)
                if (refused := addresses.check_text(value, library.allowed_domains))]
    if problems:  # printed beside the commune's name, an address is one residents will type
        raise DoorstepError(problems)
    missing = fonts.uncovered(unicodedata.normalize("NFC", spec.model_dump_json()))
    if missing:
        raise DoorstepError(fonts.glyph_problem(relpath, text, missing[0]))
    return campaign


def _texts(data, loc: tuple = ()):
    """(location, text) of every text in the YAML data."""
    if isinstance(data, str):
        yield loc, data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _texts(value, (*loc, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _texts(value, (*loc, i))


def load_campaigns(paths: list[Path], root: Path, library: Library) -> list[CampaignFile]:
    """Every file validated, or one DoorstepError listing every problem of every file."""
    campaigns, problems = [], []
    for path in paths:
        try:
            campaigns.append(load_campaign(path, root, library))
        except DoorstepError as exc:
            problems.extend(exc.problems)
    seen: dict[str, CampaignFile] = {}
    for campaign in campaigns:
        other = seen.setdefault(campaign.tag, campaign)
        if other is not campaign:
            problems.append(campaign.problem(("campaign",), f"the tag '{campaign.tag}' is also used by {other.relpath}",
                                             "give each campaign its own tag: each prints into a folder named after it"))
    if problems:
        raise DoorstepError(problems)
    return campaigns
