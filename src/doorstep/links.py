"""`doorstep links`: is every address a guide sends residents to still alive, and still official?

The only part of doorstep that goes on the network (the build never does).
It takes the guides as `read_library()` read them and collects every web
address a reader can follow or type: the links of each body (the tree the
gate judged), the addresses written as text in a body or in the front
matter's texts, and every official source, each with the file and line it is
written on. Each distinct address is then fetched once, concurrently and
within bounds (a timeout per request, a cap on redirects, on connections per
host and overall). Redirects are followed here, hop by hop, and every hop is
judged by the same rules as the gate (`body/addresses.py`, the plugin's
`allowed_domains`): a page that now redirects off the official domains is
an error, because a printed pamphlet would send residents there, and the
checker never requests that address.

Errors: 404, 410, a name that no longer resolves (DNS), a redirect off the
allow-list or to a non-https address, a redirect loop or too many redirects.
Warnings: timeouts, 5xx, refused connections, certificates that cannot be
verified, and other 4xx (401, 403, 429: sites that refuse robots).

Results that a server gave (a status, a redirect judged) are kept for a day
in `<cache_dir>/links.json`; network failures (timeouts, DNS, refused
connections) are tried again on the next run.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import os
import re
import socket
import ssl
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from .body import Body
from .body.addresses import allowed_host, normal_host, scheme, text_addresses, why_refused
from .errors import DoorstepError, Problem
from .model import TEXT_FIELDS, Guide, Library, node_line

CACHE_NAME = "links.json"
CACHE_VERSION = 1
CACHE_SECONDS = 24 * 3600
TIMEOUT = 15.0  # seconds, one request
MAX_REDIRECTS = 5
PER_HOST = 2  # requests at once to one host
CONNECTIONS = 16  # requests at once in all
PROGRESS_AFTER, PROGRESS_EVERY = 3.0, 5.0  # seconds
RESOLVE_ENV = "DOORSTEP_LINKS_RESOLVE"
USER_AGENT = "Mozilla/5.0 (compatible; doorstep-links/1; checks the links of public-service guides)"
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "summary", "pre"}
REDIRECTS = {301, 302, 303, 307, 308}
ERROR, WARNING, OK = "error", "warning", "ok"


@dataclass(frozen=True)
class Place:
    """Where an address is written: a guide file and its line."""

    path: str
    line: int


@dataclass
class Result:
    """What became of one address."""

    url: str
    level: str  # OK, WARNING or ERROR
    status: str  # "200", "404", "DNS failure", "redirect off the allow-list", "timeout"…
    final: str  # the last address reached (or refused)
    hint: str = ""
    hops: list[str] = field(default_factory=list)  # the addresses redirected to, in order
    code: int | None = None  # the last HTTP status, when a server answered
    answered: bool = True  # a server's answer or the rules' verdict (cached), not a network failure
    checked: float = 0.0  # when (time.time())
    cached: bool = False

    def as_dict(self) -> dict:
        data = asdict(self)
        del data["cached"]
        return data


@dataclass(frozen=True)
class Finding:
    """A result that is not OK, at one place it is written."""

    place: Place
    result: Result

    def __str__(self) -> str:
        r = self.result
        tag = "warning: " if r.level == WARNING else ""
        arrow = f" → {r.final}" if r.hops else ""
        return f"{self.place.path}:{self.place.line}: {tag}{r.status} {r.url}{arrow}" + (f" — {r.hint}" if r.hint else "")

    def as_dict(self) -> dict:
        r = self.result
        return {"path": self.place.path, "line": self.place.line, "level": r.level, "status": r.status,
                "code": r.code, "url": r.url, "final": r.final, "hops": r.hops, "hint": r.hint}


@dataclass
class Report:
    findings: list[Finding]  # errors first, then warnings; each by file and line
    checked: int  # distinct addresses
    cached: int  # of which taken from the cache

    @property
    def errors(self) -> int:
        return sum(f.result.level == ERROR for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.result.level == WARNING for f in self.findings)


# --------------------------------------------------------------------------- collecting


def web_address(address: str) -> str | None:
    """An address as written (a URL, or a host name with a path) as the URL it opens; None for
    what is not a web page (an e-mail address, tel:, mailto:)."""
    kind = scheme(address)
    if kind is None:
        if "@" in address.split("/")[0]:
            return None
        return "https://" + address
    return address if kind in ("http", "https") else None


def _file_lines(guide: Guide, memo: dict) -> list[str]:
    if guide.relpath not in memo:
        try:
            memo[guide.relpath] = guide.path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
        except OSError:
            memo[guide.relpath] = []
    return memo[guide.relpath]


def _meta_line(guide: Guide, loc: tuple, needle: str, memo: dict) -> int:
    """The line of the front matter where `needle` is written, in the value at `loc` (a folded
    text can run over several lines)."""
    line = node_line(guide.node, loc)
    lines = _file_lines(guide, memo)
    end = guide.body_line - 2  # the closing '---'
    host = urlsplit(needle if scheme(needle) else "https://" + needle).hostname or needle
    for candidate in (needle, host):
        for n in range(line, min(end, len(lines)) + 1):
            if candidate in lines[n - 1]:
                return n
    return line


def _meta_places(guide: Guide, memo: dict) -> list[tuple[str, Place]]:
    """(url, place) for the official sources and every address written in the front matter's texts."""
    meta, found = guide.meta, []
    texts: list[tuple[tuple, str | None]] = [((name,), getattr(meta, name)) for name in TEXT_FIELDS]
    texts += [(("need", i), item) for i, item in enumerate(meta.need)]
    for i, item in enumerate(meta.trouble):
        texts += [(("trouble", i, "problem"), item.problem), (("trouble", i, "fix"), item.fix)]
    if "sources" not in guide.inherited:  # inherited ones are written, and counted, in index.md
        for i, source in enumerate(meta.sources or []):
            texts.append((("sources", i, "title"), source.title))
            found.append((source.url, Place(guide.relpath, node_line(guide.node, ("sources", i, "url")))))
    for loc, text in texts:
        for address in written_addresses(text or ""):
            url = web_address(address)
            if url:
                found.append((url, Place(guide.relpath, _meta_line(guide, loc, address, memo))))
    return found


def written_addresses(text: str) -> list[str]:
    """The addresses written in `text` that a reader could type: not a domain named as an
    ending (".gov.vn" in "the real address ends in .gov.vn")."""
    return [address for address in text_addresses(text) if _standing(address).search(text)]


def _standing(address: str) -> re.Pattern:
    """`address` where it stands as a whole: not the end of a longer name, not inside a link's address."""
    return re.compile(r"(?<![\w./@:-])" + re.escape(address))


class _Written:
    """The file line of each address written as text in a body, in order (as the gate's Locator)."""

    def __init__(self, text: str, first_line: int):
        self.text, self.first_line, self.after = text, first_line, {}

    def __call__(self, address: str) -> int:
        pattern = _standing(address)
        match = pattern.search(self.text, self.after.get(address, 0)) or pattern.search(self.text)
        if match is None:
            return self.first_line
        self.after[address] = match.start() + 1
        return self.first_line + self.text.count("\n", 0, match.start())


def _body_places(body: Body) -> list[tuple[str, Place]]:
    """(url, place) for each link of a rendered body and each address written in its text."""
    from .body.gate import Locator

    doc, found = body.document, []
    links, written = Locator(doc.text, doc.first_line), _Written(doc.text, doc.first_line)
    for a in body.tree.iter("a"):
        href = a.get("href") or ""
        if scheme(href) in ("http", "https"):
            found.append((href, Place(doc.relpath, links(href, "".join(a.itertext()).strip()[:30]))))
    for element in body.tree.iter():
        if element.tag in BLOCKS:
            for address in written_addresses("".join(element.itertext())):
                url = web_address(address)
                if url:
                    found.append((url, Place(doc.relpath, written(address))))
    return found


def page_address(url: str) -> str:
    """The page an address opens, written one way: no #heading, host in small letters, '/' for no path."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower(),
                                     path=parts.path or "/", fragment=""))


def collect(library: Library) -> dict[str, list[Place]]:
    """Every web address of every guide and home page → where it is written (each place once)."""
    places: dict[str, list[Place]] = {}
    memo: dict = {}
    pairs: list[tuple[str, Place]] = []
    for slug in sorted(library.guides):
        by_lang = library.guides[slug]
        for lang in sorted(by_lang, key=lambda x: (x != library.default, x)):
            guide = by_lang[lang]
            pairs += _meta_places(guide, memo)
            if guide.rendered is not None:
                pairs += _body_places(guide.rendered)
    for lang in sorted(library.homes):
        pairs += _body_places(library.homes[lang])
    for url, place in pairs:
        url = page_address(url)
        if place not in places.setdefault(url, []):
            places[url].append(place)
    return places


# --------------------------------------------------------------------------- fetching


def resolve_map(value: str | None) -> dict[str, tuple[str, int]]:
    """`DOORSTEP_LINKS_RESOLVE`: 'name=127.0.0.1:port …', for tests. Only loopback addresses."""
    mapping: dict[str, tuple[str, int]] = {}
    for item in (value or "").replace(",", " ").split():
        name, _, target = item.partition("=")
        address, _, port = target.rpartition(":")
        try:
            if not (name and port.isdigit() and ipaddress.ip_address(address.strip("[]")).is_loopback):
                raise ValueError(item)
        except ValueError:
            raise DoorstepError(Problem(RESOLVE_ENV, 1, f"'{item}' is not name=loopback-address:port",
                                        "write e.g. dichvucong.gov.vn=127.0.0.1:8080 (it is for tests), or unset it"))
        mapping[normal_host(name) or name] = (address.strip("[]"), int(port))
    return mapping


def _transport(mapping: dict[str, tuple[str, int]]):
    """With a mapping, a transport that connects to each listed name at its loopback address over
    plain HTTP (the Host header keeps the name), and finds no other name: the test's resolver."""
    import httpx

    if not mapping:
        return None

    class Mapped(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request):
            host = normal_host(request.url.host)
            if host not in mapping:
                raise httpx.ConnectError(f"{host}: not in {RESOLVE_ENV}", request=request) from socket.gaierror(
                    socket.EAI_NONAME, "Name or service not known")
            address, port = mapping[host]
            request.url = request.url.copy_with(scheme="http", host=address, port=port)
            return await super().handle_async_request(request)

    return Mapped()


def _caused_by(exc: BaseException, kind: type) -> bool:
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


class Checker:
    """Fetches addresses within bounds and judges every redirect hop."""

    def __init__(self, allowed: list[str], timeout: float = TIMEOUT, max_redirects: int = MAX_REDIRECTS,
                 per_host: int = PER_HOST, connections: int = CONNECTIONS,
                 resolve: dict[str, tuple[str, int]] | None = None, say: Callable[[str], None] | None = None):
        self.allowed = allowed
        self.timeout = timeout
        self.max_redirects = max_redirects
        self.per_host = per_host
        self.connections = connections
        self.resolve = resolve or {}
        self.say = say
        self.done = 0

    def run(self, urls: list[str]) -> dict[str, Result]:
        return asyncio.run(self._run(urls))

    async def _run(self, urls: list[str]) -> dict[str, Result]:
        import httpx

        self._overall = asyncio.Semaphore(self.connections)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        limits = httpx.Limits(max_connections=self.connections, max_keepalive_connections=self.connections)
        timeout = httpx.Timeout(self.timeout, pool=None)
        headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        transport = _transport(self.resolve)
        progress = asyncio.create_task(self._progress(len(urls)))
        try:
            async with httpx.AsyncClient(limits=limits, timeout=timeout, headers=headers, follow_redirects=False,
                                         transport=transport, trust_env=transport is None) as client:
                results = await asyncio.gather(*(self._one(client, url) for url in urls))
        finally:
            progress.cancel()
        return dict(zip(urls, results))

    async def _progress(self, total: int) -> None:
        start = time.monotonic()
        await asyncio.sleep(PROGRESS_AFTER)
        while self.say is not None:
            self.say(f"links: {self.done} of {total} addresses checked ({time.monotonic() - start:.0f} s)")
            await asyncio.sleep(PROGRESS_EVERY)

    async def _one(self, client, url: str) -> Result:
        try:
            result = await self._follow(client, url)
        finally:
            self.done += 1
        result.checked = time.time()
        return result

    async def _follow(self, client, url: str) -> Result:
        import httpx

        refused = why_refused(url, self.allowed, schemes=("https",))
        if refused:  # `doorstep check` refuses it too: never requested
            return Result(url, ERROR, "refused", url, refused[0])
        current, hops, seen = url, [], {url}
        while True:
            response = await self._get(client, url, current, hops)
            if isinstance(response, Result):
                return response
            code = response.status_code
            if code not in REDIRECTS:
                return self._judge(url, current, hops, code)
            location = response.headers.get("location", "").strip()
            if not location:
                return Result(url, WARNING, f"{code} without an address", current,
                              "the site redirects to nowhere: open it in a browser", hops, code)
            try:  # as a browser reads it: relative to the page, spaces and accents percent-encoded
                target = urlunsplit(urlsplit(str(httpx.URL(current).join(location)))._replace(fragment=""))
            except httpx.InvalidURL:  # a host name that cannot be one (hidden characters…)
                hops.append(location)
                return Result(url, ERROR, "redirect to a refused address", location, "the page now sends readers to "
                              "an address that is not valid: link to an official page that stays on the allowed "
                              "domains", hops, code)
            hops.append(target)
            refused = why_refused(target, self.allowed, schemes=("https",))
            if refused:
                host = normal_host(urlsplit(target).hostname or "") or target
                if scheme(target) != "https":
                    status, why = "redirect to a non-https address", "to an address without https"
                elif allowed_host(host, self.allowed):  # hidden characters, a 'name@' part…
                    status, why = "redirect to a refused address", f"to an address refused: {refused[0]}"
                else:
                    status, why = "redirect off the allow-list", f"to {host}, which is not on the allowed domains"
                return Result(url, ERROR, status, target, f"the page now sends readers {why}: link to an official "
                              "page that stays on the allowed domains", hops, code)
            if target in seen:
                return Result(url, ERROR, "redirect loop", target,
                              "the address never arrives at a page: link to the page itself", hops, code)
            if len(hops) > self.max_redirects:
                return Result(url, ERROR, "too many redirects", target,
                              f"more than {self.max_redirects} redirects: link to the page they end at", hops, code)
            seen.add(target)
            current = target

    async def _get(self, client, url: str, current: str, hops: list[str]):
        """The response's head (its body is never read), or a Result for a failure."""
        import httpx

        host = urlsplit(current).hostname or ""
        semaphore = self._hosts.setdefault(host, asyncio.Semaphore(self.per_host))
        try:
            async with semaphore, self._overall:
                response = await asyncio.wait_for(client.send(client.build_request("GET", current), stream=True),
                                                  self.timeout)
                await response.aclose()
                return response
        except (asyncio.TimeoutError, httpx.TimeoutException):
            return Result(url, WARNING, "timeout", current, f"no answer within {self.timeout:g} s: try again later; "
                          "if it stays so, find another official page", hops, answered=False)
        except httpx.ConnectError as exc:
            if _caused_by(exc, socket.gaierror):
                return Result(url, ERROR, "DNS failure", current, f"the name {host} no longer exists (a site of a "
                              "merged or abolished office?): link to the current official page", hops, answered=False)
            if _caused_by(exc, ssl.SSLError):
                return Result(url, WARNING, "certificate not verified", current, "open it in a browser: if the "
                              "browser warns, do not link to it", hops, answered=False)
            return Result(url, WARNING, "connection failed", current, "the site did not accept a connection: try "
                          "again later", hops, answered=False)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            return Result(url, ERROR, "bad address", current, "write the full https:// address of the page", hops)
        except httpx.HTTPError as exc:  # the connection broke, a malformed answer…
            return Result(url, WARNING, "connection failed", current, f"{type(exc).__name__}: try again later", hops,
                          answered=False)

    @staticmethod
    def _judge(url: str, current: str, hops: list[str], code: int) -> Result:
        if 200 <= code < 300:
            return Result(url, OK, str(code), current, "", hops, code)
        if code in (404, 410):
            return Result(url, ERROR, str(code), current, "the page is gone: find its new address on the official "
                          "site and update the guide", hops, code)
        if code >= 500:
            return Result(url, WARNING, str(code), current, "the site has a fault: try again later", hops, code)
        if code in (401, 403, 429):
            return Result(url, WARNING, str(code), current, "the site refused the checker (some refuse robots): open "
                          "the address in a browser to confirm", hops, code)
        return Result(url, WARNING, str(code), current, "an unexpected answer: open the address in a browser", hops,
                      code)


# --------------------------------------------------------------------------- the cache


class Cache:
    """Results a server gave, for a day: `<cache_dir>/links.json`."""

    def __init__(self, path: Path, allowed: list[str], max_redirects: int):
        self.path = path
        self.setting = {"version": CACHE_VERSION, "allowed": sorted(allowed), "max_redirects": max_redirects}
        self.results: dict[str, dict] = {}
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("setting") == self.setting and isinstance(data.get("results"), dict):
                self.results = data["results"]
        except (OSError, ValueError):
            pass  # none yet, or unreadable: check everything

    def get(self, url: str, now: float) -> Result | None:
        data = self.results.get(url)
        if not isinstance(data, dict):
            return None
        try:
            result = Result(**data)
        except TypeError:
            return None
        if not result.answered or not 0 <= now - result.checked < CACHE_SECONDS:
            return None
        result.cached = True
        return result

    def save(self, results: dict[str, Result], now: float) -> None:
        from .files import write_atomic

        kept = {url: data for url, data in self.results.items()
                if isinstance(data, dict) and 0 <= now - data.get("checked", 0) < CACHE_SECONDS}
        kept.update({url: r.as_dict() for url, r in results.items() if r.answered})
        data = {"setting": self.setting, "results": dict(sorted(kept.items()))}
        try:
            write_atomic(self.path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
        except OSError:
            pass  # a read-only project: the next run checks again


# --------------------------------------------------------------------------- the command


def check_links(library: Library, cache_dir: Path | None, fresh: bool = False, timeout: float = TIMEOUT,
                max_redirects: int = MAX_REDIRECTS, per_host: int = PER_HOST, connections: int = CONNECTIONS,
                say: Callable[[str], None] | None = None) -> Report:
    """Check every address of `library` (see the module's docstring)."""
    resolve = resolve_map(os.environ.get(RESOLVE_ENV))
    places = collect(library)
    cache = Cache(cache_dir / CACHE_NAME, library.allowed_domains, max_redirects) if cache_dir is not None else None
    now = time.time()
    results: dict[str, Result] = {}
    if cache is not None and not fresh:
        for url in places:
            hit = cache.get(url, now)
            if hit is not None:
                results[url] = hit
    todo = [url for url in places if url not in results]
    if todo:
        checker = Checker(library.allowed_domains, timeout, max_redirects, per_host, connections, resolve, say)
        fetched = checker.run(todo)
        results.update(fetched)
        if cache is not None:
            cache.save(fetched, time.time())
    findings = [Finding(place, results[url]) for url, where in places.items() for place in where
                if results[url].level != OK]
    findings.sort(key=lambda f: (f.result.level != ERROR, f.place.path, f.place.line, f.result.url))
    return Report(findings, len(places), len(places) - len(todo))
