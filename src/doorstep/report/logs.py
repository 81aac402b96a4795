"""Reading web-server access logs, one line at a time.

Two formats, told apart per file by its first line that parses as either:

- `combined`: nginx's and Apache's "combined" format,
  `IP - user [10/Dec/2025:14:03:22 +0700] "GET /vneid/?c=x HTTP/1.1" 200 5120 "referer" "user agent"`
  (the "common" format, without referer and user agent, is read too);
- `caddy`: Caddy's JSON access log, one object a line, with `ts` (seconds
  since 1970, or an ISO 8601 time), `request.method`, `request.uri`,
  `request.headers["User-Agent"]` and `status`.

A file is plain text or gzip (a rotated `access.log.2.gz`), told by its first
bytes, not its name, and read as a stream: one line in memory at a time.
Only what the counting needs leaves this module (method, address, status,
user agent, time); the client's address and the referer are never read
into a `Hit`.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
MAX_LINE = 64 * 1024  # longer lines are not access-log lines: skipped, never held whole

MONTHS = {name: i for i, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}

_QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'  # the text between quotes, with \" escapes
COMBINED_RE = re.compile(
    rf'\S+ \S+ \S+ \[(?P<time>[^\]]+)\] "(?P<request>{_QUOTED})" (?P<status>\d{{3}}) (?:\d+|-)'
    rf'(?: "{_QUOTED}" "(?P<agent>{_QUOTED})")?(?:\s|$)')
CLF_TIME_RE = re.compile(r"(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})")


@dataclass(frozen=True)
class Hit:
    """One request, as much of it as the counting needs."""

    method: str  # "" when the request line was not `METHOD target HTTP/x`
    target: str  # the request target as logged: path and query
    status: int
    agent: str | None  # the User-Agent header ("" if the client sent none); None: the format has none
    when: dt.datetime  # aware (it carries its offset)
    line: int


@lru_cache(maxsize=4096)  # a busy log has many lines a second
def _clf_time(text: str) -> dt.datetime | None:
    match = CLF_TIME_RE.fullmatch(text)
    if not match or match[2] not in MONTHS:
        return None
    day, _, year, hour, minute, second, sign, off_h, off_m = match.groups()
    offset = dt.timedelta(hours=int(off_h), minutes=int(off_m)) * (-1 if sign == "-" else 1)
    try:
        return dt.datetime(int(year), MONTHS[match[2]], int(day), int(hour), int(minute), int(second),
                           tzinfo=dt.timezone(offset))
    except ValueError:  # 31/Feb, 25:00, an offset of a day or more
        return None


def parse_combined(text: str, line: int) -> Hit | None:
    """A `combined` (or `common`) log line, or None."""
    match = COMBINED_RE.match(text)
    if not match:
        return None
    when = _clf_time(match["time"])
    if when is None:
        return None
    parts = match["request"].split(" ")
    method, target = (parts[0], parts[1]) if len(parts) == 3 and parts[2].startswith("HTTP/") else ("", "")
    agent = match["agent"]
    # "-": the client sent no User-Agent. nginx's \xHH escapes stay as they are: a substring test does not mind.
    if agent == "-":
        agent = ""
    return Hit(method, target, int(match["status"]), agent, when, line)


def parse_caddy(text: str, line: int) -> Hit | None:
    """A line of Caddy's JSON access log, or None."""
    if not text.startswith("{"):
        return None
    try:
        entry = json.loads(text)
    except ValueError:
        return None
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        return None
    method, uri, status = request.get("method"), request.get("uri"), entry.get("status")
    if not isinstance(method, str) or not isinstance(uri, str) or type(status) is not int:
        return None
    when = _caddy_time(entry.get("ts"))
    if when is None:
        return None
    headers = request.get("headers")
    agent = ""
    if isinstance(headers, dict):
        value = headers.get("User-Agent")  # as Caddy writes header names; any other case too
        if value is None:
            value = next((v for k, v in headers.items() if isinstance(k, str) and k.lower() == "user-agent"), "")
        if isinstance(value, list):
            value = value[0] if value else ""
        agent = value if isinstance(value, str) else ""
    return Hit(method, uri, status, agent, when, line)


def _caddy_time(ts) -> dt.datetime | None:
    try:
        if isinstance(ts, (int, float)) and not isinstance(ts, bool):
            return dt.datetime.fromtimestamp(ts, dt.timezone.utc)
        if isinstance(ts, str):  # a Caddy configured with `time_format iso8601` or `rfc3339`
            when = dt.datetime.fromisoformat(ts)
            return when if when.tzinfo else None
    except (ValueError, OverflowError, OSError):
        return None
    return None


FORMATS = {"combined": parse_combined, "caddy": parse_caddy}
FORMAT_NAMES = {"combined": "nginx/Apache combined", "caddy": "Caddy JSON"}  # for messages


@dataclass
class Skipped:
    """Lines of one file that were not read, for one reason: how many, and the first one's line."""

    reason: str  # "unknown format", "malformed", "truncated"
    line: int
    lines: int = 1


class LogFile:
    """One access log, read as a stream of `Hit`s.

    Iterate it once; then `format`, `read`, `parsed`, `malformed`, `unknown`
    and `truncated` say what happened: lines that do not parse are counted,
    never shown (they hold addresses and user agents)."""

    def __init__(self, path: Path, name: str | None = None):
        self.path = Path(path)
        self.name = name or str(path)  # as the user wrote it, for messages
        self.format: str | None = None
        self.compressed = False
        self.read = 0  # lines read (blank ones too)
        self.parsed = 0
        self.malformed: Skipped | None = None
        self.unknown: Skipped | None = None  # no line parsed at all
        self.truncated: Skipped | None = None  # the compressed stream ended early, at this line

    def __iter__(self) -> Iterator[Hit]:
        pending: Skipped | None = None  # lines before the format is known
        with open(self.path, "rb") as raw:
            self.compressed = raw.read(2) == GZIP_MAGIC
            raw.seek(0)
            stream = gzip.GzipFile(fileobj=raw, mode="rb") if self.compressed else raw
            for number, text in self._lines(stream):
                if not text.strip():
                    continue
                if self.format is None:
                    for name, parse in FORMATS.items():
                        hit = parse(text, number)
                        if hit is not None:
                            self.format = name
                            self.malformed = pending
                            break
                    else:
                        hit = None
                        pending = self._skip(pending, number)
                else:
                    hit = FORMATS[self.format](text, number)
                    if hit is None:
                        self.malformed = self._skip(self.malformed, number)
                if hit is not None:
                    self.parsed += 1
                    yield hit
        if self.format is None and pending is not None:
            self.unknown = Skipped("unknown format", pending.line, pending.lines)

    @staticmethod
    def _skip(skipped: Skipped | None, number: int) -> Skipped:
        if skipped is None:
            return Skipped("malformed", number)
        skipped.lines += 1
        return skipped

    def _lines(self, stream) -> Iterator[tuple[int, str]]:
        number = 0
        while True:
            try:
                chunk = stream.readline(MAX_LINE)
                if chunk and len(chunk) == MAX_LINE and not chunk.endswith(b"\n"):
                    while chunk and not chunk.endswith(b"\n"):  # an overlong line: pass over the rest of it
                        chunk = stream.readline(MAX_LINE)
                    chunk = b"\x00"  # parses as nothing
            except (EOFError, OSError, zlib.error):  # the gzip stream ends early or is damaged
                self.truncated = Skipped("truncated", number + 1, 0)
                return
            if not chunk:
                return
            number += 1
            self.read = number
            yield number, chunk.decode("utf-8", "replace").rstrip("\r\n")
