"""The counting: which requests are a resident opening a guide, and which of
them came from a campaign's QR code.

For each request (a `Hit`), in this order:

1. its day (in `ZONE`) is outside --since/--until: not counted;
2. it is not a guide page of the site, `/<slug>/` (default language) or
   `/<lang>/<slug>/`, optionally ending `index.html`: not counted (assets,
   PDFs, search, the home page, unknown guides or languages);
3. its method is not GET (HEAD, POST, …): not counted;
4. its status is not 2xx or 304 (redirects, errors): not counted;
5. its user agent is a program's (`BOTS`): not counted;
6. otherwise it is a **visit** of (guide, language); if its query has
   `c=<tag>` with a campaign tag, it is also an **arrival** of
   (tag, guide, language, ISO week).

Counts are page views, not people: nothing that could tell one reader from
another (address, user agent, referer) is kept.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from ..campaign.model import TAG_MAX
from ..model import SLUG_RE
from .logs import Hit

# Weeks and days are Vietnam's (UTC+7, no daylight saving time), whatever
# zone the server writes its log in: the week a commune's team went door to
# door is a Vietnamese week, cloud servers often log in UTC, and Caddy's
# `ts` has no zone at all. --since and --until are days in this zone too.
ZONE = dt.timezone(dt.timedelta(hours=7), "UTC+07:00")

# User agents of programs, not residents: a request whose User-Agent contains
# one of these (in any case) is not counted. The one list (docs/report.md
# sums it up and points here). A request with no User-Agent at all is a
# program's too (every browser sends one); a log format without the field
# (Apache's "common") cannot tell, and counts the request.
BOTS = (
    # search engines, crawlers, archivers: Googlebot, bingbot, AdsBot, Applebot,
    # coccocbot, YandexBot, Baiduspider, Yahoo! Slurp, ia_archiver, …
    "bot", "crawl", "spider", "slurp", "archiver",
    "mediapartners-google", "google-inspectiontool", "googleother", "feedfetcher",
    # link previews of social and chat apps: Facebook/Messenger, WhatsApp,
    # Skype, Google's preview, Embedly, Pinterest, VK …
    "facebookexternalhit", "facebookcatalog", "meta-externalagent", "meta-externalfetcher",
    "whatsapp", "preview", "embedly", "pinterest", "vkshare",
    # page-speed tools and uptime checks
    "lighthouse", "pagespeed", "gtmetrix", "pingdom", "uptime", "monitor", "statuscake", "site24x7",
    # command-line tools and HTTP libraries
    "curl", "wget", "python-requests", "python-urllib", "python-httpx", "aiohttp", "go-http-client", "okhttp",
    "java/", "apache-httpclient", "libwww-perl", "node-fetch", "axios", "undici", "scrapy", "httpie", "postman",
)
# Phones whose model name holds one of BOTS: removed before the test.
PHONES = ("cubot",)  # Cubot, a budget Android brand: "Android 10; CUBOT_X30"
# Not in the list, on purpose:
# - "Zalo": Zalo's in-app browser (its user agent carries "Zalo") is how many
#   residents open a QR code they scanned with Zalo; Zalo's link-preview
#   fetcher is left out only when its user agent says "bot";
# - "coc_coc": Cốc Cốc is a Vietnamese browser (its crawler is "coccocbot");
# - "HeadlessChrome": a real Chromium rendering the page as a reader would;
#   doorstep's own browser tests read the site with it and must be counted.


_BOTS_RE = re.compile("|".join(map(re.escape, BOTS)))


def is_bot(agent: str | None) -> bool:
    if agent is None:  # the log format has no user agent: nothing to tell by
        return False
    lowered = agent.lower()
    if not lowered.strip():
        return True
    for phone in PHONES:
        lowered = lowered.replace(phone, " ")
    return _BOTS_RE.search(lowered) is not None


def is_tag(value: str) -> bool:
    return len(value) <= TAG_MAX and SLUG_RE.fullmatch(value) is not None


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class Site:
    """The guide pages of the site: their paths, and what they show."""

    slugs: frozenset[str]
    languages: tuple[str, ...]  # every language of the site; the default one first
    default: str
    prefix: str = "/"  # the path of site_url: the site may be served below the host's root

    def page(self, target: str) -> tuple[str, str] | None:
        """(guide, language) of the page at `target` (a request target: path and
        query), or None when it is not a guide page."""
        return self._path(target.split("?", 1)[0].split("#", 1)[0])

    @lru_cache(maxsize=4096)  # a log asks for the same few pages over and over
    def _path(self, path: str) -> tuple[str, str] | None:
        if path.startswith(("http://", "https://")):  # a request in absolute form
            path = urlsplit(path).path
        path = unquote(path)
        if not path.startswith(self.prefix):
            return None
        path = path[len(self.prefix):]
        if path.endswith("/index.html"):
            path = path[:-len("index.html")]
        if not path.endswith("/"):
            return None
        parts = path[:-1].split("/")
        if len(parts) == 1 and parts[0] in self.slugs:
            return parts[0], self.default
        if len(parts) == 2 and parts[0] in self.languages and parts[0] != self.default and parts[1] in self.slugs:
            return parts[1], parts[0]
        return None


def tag_of(target: str) -> str | None:
    """The value of the first `c` parameter of the query ("" if it has none); None without one."""
    query = target.split("?", 1)[1] if "?" in target else ""
    return next((value for key, value in parse_qsl(query, keep_blank_values=True) if key == "c"), None)


@dataclass
class Seen:
    """How many, and where the first one was (file, line)."""

    count: int
    file: str
    line: int


# Why a line was not counted, in the order the rules are applied.
REASONS = ("outside_period", "not_a_guide_page", "method", "status", "bot")


@dataclass
class Tally:
    """Every count the report is made of, added to one request at a time."""

    site: Site
    since: dt.date | None = None
    until: dt.date | None = None
    arrivals: Counter = field(default_factory=Counter)  # (tag, guide, lang, week) → views
    visits: Counter = field(default_factory=Counter)  # (guide, lang) → views
    excluded: Counter = field(default_factory=Counter)  # reason → lines
    tags: dict[str, Seen] = field(default_factory=dict)  # tag → its arrivals, and where it was first seen
    bad_tags: Seen | None = None  # views whose c= value is not a tag
    first_day: dt.date | None = None  # the days the logs cover (within --since/--until)
    last_day: dt.date | None = None

    def add(self, hit: Hit, file: str) -> None:
        day = hit.when.astimezone(ZONE).date()
        if (self.since and day < self.since) or (self.until and day > self.until):
            self.excluded["outside_period"] += 1
            return
        if self.first_day is None or day < self.first_day:
            self.first_day = day
        if self.last_day is None or day > self.last_day:
            self.last_day = day
        page = self.site.page(hit.target)
        if page is None:
            self.excluded["not_a_guide_page"] += 1
        elif hit.method != "GET":
            self.excluded["method"] += 1
        elif not (200 <= hit.status < 300 or hit.status == 304):
            self.excluded["status"] += 1
        elif is_bot(hit.agent):
            self.excluded["bot"] += 1
        else:
            self.visits[page] += 1
            tag = tag_of(hit.target)
            if tag is None:
                return
            if not is_tag(tag):
                if self.bad_tags is None:
                    self.bad_tags = Seen(0, file, hit.line)
                self.bad_tags.count += 1
                return
            self.arrivals[(tag, *page, iso_week(day))] += 1
            seen = self.tags.setdefault(tag, Seen(0, file, hit.line))
            seen.count += 1
