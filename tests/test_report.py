"""`doorstep report`: campaign arrivals and guide visits from web-server access
logs, run as a campaign team runs it, on logs written the way nginx, Apache
and Caddy write them; its PDF read back."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

from doorstep.report.count import BOTS, Site, is_bot
from doorstep.report.logs import MAX_LINE, LogFile, parse_caddy, parse_combined

from conftest import CAMPAIGN_FILE, REPO, make_project

DOORSTEP = str(Path(sys.executable).parent / "doorstep")
VN = dt.timezone(dt.timedelta(hours=7))
UTC = dt.timezone.utc

PHONE = "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.43 Mobile Safari/537.36"
ZALO = ("Mozilla/5.0 (Linux; Android 12; Redmi 10C Build/SKQ1) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 "
        "Chrome/118.0.5993.80 Mobile Safari/537.36 Zalo android/12100 ZaloTheme/light ZaloLanguage/vi")
HEADLESS = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.6367.60 Safari/537.36"
CUBOT = "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
BOT_AGENTS = [
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0", "Wget/1.21.4", "python-requests/2.31.0", "Go-http-client/1.1",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", "WhatsApp/2.23.20.0 A",
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "",  # no User-Agent at all
]
IPS = ["203.0.113.0", "198.51.100.0", "2001:db8::", "192.0.2.0"]
REFERER = "https://chat.example.net/thread/ref-secret-4711"

CAMPAIGN = CAMPAIGN_FILE
SECOND = CAMPAIGN.replace("test-2025", "second-2025").replace("Xã Thử", "Phường Hai").replace("[vi, en]", "[vi]")


def at(day: int, hour: int = 9, tz=VN) -> dt.datetime:
    return dt.datetime(2025, 12, day, hour, 0, 0, tzinfo=tz)


# (method, target, status, user agent, time): every rule of docs/report.md once.
# 1 Dec 2025 is the Monday of ISO week 49, 8 Dec of week 50.
EVENTS = [
    ("GET", "/demo/?c=test-2025", 200, PHONE, at(1)),                    # 1 arrival demo vi W49
    ("GET", "/en/demo/?c=test-2025", 200, PHONE, at(2)),                 # 2 arrival demo en W49
    ("GET", "/en/demo/index.html?c=test-2025", 304, HEADLESS, at(3)),    # 3 arrival demo en W49: 304, index.html
    ("GET", "/only-vi/?c=test-2025&x=1", 200, ZALO, at(7, 20, UTC)),     # 4 8 Dec 03:00 in Vietnam: W50
    ("GET", "/ar/demo/?c=test-2025", 200, CUBOT, at(9)),                 # 5 arrival demo ar W50 (not a campaign language)
    ("GET", "/demo/", 200, PHONE, at(9)),                                # 6 visit only
    ("GET", "/fa/only-vi/", 200, PHONE, at(9)),                          # 7 visit of an untranslated guide's page
    ("HEAD", "/demo/?c=test-2025", 200, PHONE, at(9)),                   # 8 not GET
    ("POST", "/demo/", 200, PHONE, at(9)),                               # 9 not GET
    ("GET", "/demo/?c=test-2025", 404, PHONE, at(9)),                    # 10 error
    ("GET", "/en/demo/?c=test-2025", 301, PHONE, at(9)),                 # 11 redirect
    ("GET", "/demo/?c=test-2025", 500, PHONE, at(9)),                    # 12 error
    ("GET", "/demo?c=test-2025", 301, PHONE, at(9)),                     # 13 not a guide page (no slash)
    ("GET", "/demo/demo.pdf", 200, PHONE, at(9)),                        # 14 assets and other pages
    ("GET", "/assets/stylesheets/main.css", 200, PHONE, at(9)),
    ("GET", "/assets/javascripts/bundle.js", 200, PHONE, at(9)),
    ("GET", "/search/vi.json", 200, PHONE, at(9)),
    ("GET", "/demo/phone.svg", 200, PHONE, at(9)),
    ("GET", "/favicon.png", 200, PHONE, at(9)),
    ("GET", "/", 200, PHONE, at(9)),
    ("GET", "/en/", 200, PHONE, at(9)),
    ("GET", "/no-such-guide/?c=test-2025", 200, PHONE, at(9)),         # unknown slug
    ("GET", "/de/demo/?c=test-2025", 200, PHONE, at(9)),               # unknown language
    ("GET", "/vi/demo/", 200, PHONE, at(9)),                           # the default language lives at /
    *[("GET", "/demo/?c=test-2025", 200, agent, at(9)) for agent in BOT_AGENTS],
    ("GET", "/demo/?c=old-campaign", 200, PHONE, at(10)),              # a tag no campaign file knows
    ("GET", "/demo/?c=Bad_Tag", 200, PHONE, at(10)),                   # not a tag: a visit only
    ("GET", "/en/demo/?c=test-2025", 200, PHONE, at(10)),              # arrival demo en W50
]
LINE_UNKNOWN_TAG = len(EVENTS) - 2
LINE_BAD_TAG = len(EVENTS) - 1

ARRIVALS = [
    {"guide": "demo", "lang": "vi", "week": "2025-W49", "count": 1},
    {"guide": "demo", "lang": "en", "week": "2025-W49", "count": 2},
    {"guide": "demo", "lang": "en", "week": "2025-W50", "count": 1},
    {"guide": "demo", "lang": "ar", "week": "2025-W50", "count": 1},
    {"guide": "only-vi", "lang": "vi", "week": "2025-W50", "count": 1},
]
VISITS = [
    {"guide": "demo", "lang": "vi", "count": 4},
    {"guide": "demo", "lang": "en", "count": 3},
    {"guide": "demo", "lang": "ar", "count": 1},
    {"guide": "only-vi", "lang": "vi", "count": 1},
    {"guide": "only-vi", "lang": "fa", "count": 1},
]
NOT_COUNTED = {"outside_period": 0, "not_a_guide_page": 12, "method": 2, "status": 3, "bot": len(BOT_AGENTS)}


def combined(method, target, status, agent, when, n=0) -> str:
    """A line of nginx's (and Apache's) "combined" log format."""
    stamp = f"{when.day:02d}/{'JanFebMarAprMayJunJulAugSepOctNovDec'[3 * when.month - 3:3 * when.month]}/{when.year}:" \
            f"{when:%H:%M:%S %z}"
    return (f'{IPS[n % len(IPS)]} - - [{stamp}] "{method} {target} HTTP/1.1" {status} 5120 "{REFERER}" '
            f'"{agent or "-"}"')


def caddy(method, target, status, agent, when, n=0) -> str:
    """A line of Caddy's JSON access log."""
    headers = {"Accept": ["text/html"], "Referer": [REFERER]}
    if agent:
        headers["User-Agent"] = [agent]
    return json.dumps({
        "level": "info", "ts": when.timestamp(), "logger": "http.log.access.log0", "msg": "handled request",
        "request": {"remote_ip": IPS[n % len(IPS)], "remote_port": "52144", "client_ip": IPS[n % len(IPS)],
                    "proto": "HTTP/2.0", "method": method, "host": "doorstep.example.org", "uri": target,
                    "headers": headers, "tls": {"resumed": False, "proto": "h2"}},
        "bytes_read": 0, "user_id": "", "duration": 0.0012, "size": 5120, "status": status,
        "resp_headers": {"Content-Type": ["text/html; charset=utf-8"]}})


WRITERS = {"combined": combined, "caddy": caddy}


def write_log(path: Path, lines: list[str], compress: bool = False) -> Path:
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def log_of(path: Path, fmt: str = "combined", compress: bool = False, events=EVENTS) -> Path:
    return write_log(path, [WRITERS[fmt](*event, n=i) for i, event in enumerate(events)], compress)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """The fixture guides (demo: vi, en, fa; only-vi: vi) with two campaign files."""
    root = make_project(tmp_path_factory.mktemp("report") / "p")
    folder = root / "pamphlets" / "campaigns"
    folder.mkdir(parents=True)
    (folder / "test.yml").write_text(CAMPAIGN, encoding="utf-8")
    (folder / "second.yml").write_text(SECOND, encoding="utf-8")
    return root


def run(project: Path, *args) -> subprocess.CompletedProcess:
    result = subprocess.run([DOORSTEP, "report", *map(str, args)], capture_output=True, cwd=project, timeout=300)
    result.stdout_text = result.stdout.decode("utf-8")
    result.stderr = result.stderr.decode("utf-8")
    assert "Traceback" not in result.stderr, result.stderr
    return result


def report_json(project: Path, *args) -> tuple[dict, list[str]]:
    result = run(project, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout_text), result.stderr.strip().splitlines()


def campaign(data: dict, tag: str) -> dict:
    return next(c for c in data["campaigns"] if c["tag"] == tag)


# ---------------------------------------------------------------------- counting


@pytest.mark.parametrize("compress", [False, True], ids=["plain", "gzip"])
@pytest.mark.parametrize("fmt", ["combined", "caddy"])
def test_every_counting_rule_in_each_log_format(project, tmp_path, fmt, compress):
    log = log_of(tmp_path / ("access.log.2.gz" if compress else "access.log"), fmt, compress)
    data, warnings = report_json(project, log)
    test = campaign(data, "test-2025")
    assert (test["commune"], test["file"]) == ("Xã Thử", "pamphlets/campaigns/test.yml")
    assert test["arrivals"] == ARRIVALS and test["total"] == 6
    assert campaign(data, "second-2025") == {"tag": "second-2025", "commune": "Phường Hai",
                                             "file": "pamphlets/campaigns/second.yml", "guides": ["demo", "only-vi"],
                                             "languages": ["vi"], "total": 0, "arrivals": []}
    old = campaign(data, "old-campaign")
    assert old["commune"] is None and old["arrivals"] == [{"guide": "demo", "lang": "vi", "week": "2025-W50",
                                                            "count": 1}]
    assert [c["tag"] for c in data["campaigns"]] == ["old-campaign", "second-2025", "test-2025"]
    assert data["visits"] == VISITS
    assert data["totals"] == {"arrivals": 7, "visits": 10}
    assert data["lines"] == {"read": len(EVENTS), "not_counted": NOT_COUNTED, "skipped": 0}
    assert data["period"] == {"from": "2025-12-01", "to": "2025-12-10", "since": None, "until": None,
                              "timezone": "UTC+07:00"}
    assert data["skipped"] == []
    assert warnings == [
        f"{log}:{LINE_UNKNOWN_TAG}: warning: the tag 'old-campaign' is in no campaign file: its 1 arrival is "
        "counted under the tag (the first is here) — add a campaign file with `campaign: old-campaign`, or check "
        "the QR codes",
        f"{log}:{LINE_BAD_TAG}: warning: 1 guide-page view had a c= value that is not a campaign tag (the first is "
        "here): counted as visits only — a tag is a-z, 0-9 and '-': check the QR codes that were printed",
    ]
    assert data["warnings"] == warnings


def test_the_format_and_compression_are_told_by_the_content_not_the_name(project, tmp_path):
    caddy_gz = log_of(tmp_path / "access.log", "caddy", compress=True)  # gzip without .gz
    plain = log_of(tmp_path / "other.log.gz", "combined")  # plain text named .gz
    data, _ = report_json(project, caddy_gz, plain)
    counts = {(a["guide"], a["lang"], a["week"]): a["count"] for a in campaign(data, "test-2025")["arrivals"]}
    assert counts == {(a["guide"], a["lang"], a["week"]): 2 * a["count"] for a in ARRIVALS}
    assert data["totals"] == {"arrivals": 14, "visits": 20}


def test_campaign_since_and_until_select(project, tmp_path):
    log = log_of(tmp_path / "access.log")
    data, warnings = report_json(project, log, "--campaign", "test-2025")
    assert [c["tag"] for c in data["campaigns"]] == ["test-2025"]
    assert data["visits"] == VISITS  # visits are the whole site's
    assert not any("old-campaign" in w for w in warnings)
    # 7 Dec 20:00 UTC is 8 Dec in Vietnam: in since 8 Dec, out until 7 Dec.
    data, warnings = report_json(project, log, "--campaign", "test-2024")  # a typo: zero, and said
    assert data["campaigns"] == [{"tag": "test-2024", "commune": None, "file": None, "guides": [], "languages": [],
                                  "total": 0, "arrivals": []}]
    assert warnings[-1] == ("pamphlets/campaigns:1: warning: no campaign file has the tag 'test-2024' and no arrival in the "
                            "logs carries it — check the tag: it is the campaign file's `campaign:`")
    data, _ = report_json(project, log, log, "--campaign", "test-2025")  # a file named twice counts once
    assert campaign(data, "test-2025")["total"] == 6
    data, _ = report_json(project, log, "--since", "2025-12-08", "--campaign", "test-2025")
    assert campaign(data, "test-2025")["arrivals"] == [a for a in ARRIVALS if a["week"] == "2025-W50"]
    assert data["period"]["from"] == "2025-12-08" and data["period"]["since"] == "2025-12-08"
    assert data["lines"]["not_counted"]["outside_period"] == 3
    data, _ = report_json(project, log, "--until", "2025-12-07")
    assert campaign(data, "test-2025")["arrivals"] == [a for a in ARRIVALS if a["week"] == "2025-W49"]
    data, _ = report_json(project, log, "--since", "2025-12-02", "--until", "2025-12-02")
    assert campaign(data, "test-2025")["arrivals"] == [{"guide": "demo", "lang": "en", "week": "2025-W49",
                                                        "count": 1}]
    assert data["visits"] == [{"guide": "demo", "lang": "en", "count": 1}]
    assert data["period"] == {"from": "2025-12-02", "to": "2025-12-02", "since": "2025-12-02",
                              "until": "2025-12-02", "timezone": "UTC+07:00"}


def test_a_site_below_a_path_and_the_rules_one_by_one():
    site = Site(frozenset({"demo", "only-vi"}), ("vi", "en", "ar", "fa"), "vi", "/huong-dan/")
    assert site.page("/huong-dan/demo/?c=x") == ("demo", "vi")
    assert site.page("/huong-dan/en/demo/index.html") == ("demo", "en")
    assert site.page("https://doorstep.example.org/huong-dan/fa/only-vi/") == ("only-vi", "fa")
    assert site.page("/demo/") is None and site.page("/huong-dan/vi/demo/") is None
    assert site.page("/huong-dan/demo/index.htm") is None and site.page("/huong-dan/en/") is None
    for agent in BOT_AGENTS:
        assert is_bot(agent), agent
    for agent in (PHONE, ZALO, HEADLESS, CUBOT, "Mozilla/5.0 (Linux; Android 11) coc_coc_browser/130.0"):
        assert not is_bot(agent), agent
    assert is_bot("Mozilla/5.0 (compatible; YandexBot/3.0)") and "bot" in BOTS
    assert is_bot(None) is False  # the "common" format has no user agent to judge by


def test_log_lines_are_parsed_without_keeping_who_asked():
    hit = parse_combined('2001:db8:: - - [31/Dec/2025:23:59:59 -0500] "GET /en/demo/?c=a HTTP/2.0" 304 0 "-" "-"', 4)
    assert (hit.method, hit.target, hit.status, hit.agent, hit.line) == ("GET", "/en/demo/?c=a", 304, "", 4)
    assert hit.when == dt.datetime(2026, 1, 1, 4, 59, 59, tzinfo=UTC)
    common = parse_combined('203.0.113.0 - - [01/Dec/2025:08:00:00 +0700] "GET /demo/ HTTP/1.1" 200 12', 1)
    assert common.agent is None and common.status == 200
    assert parse_combined('203.0.113.0 - - [31/Feb/2025:08:00:00 +0700] "GET / HTTP/1.1" 200 1 "-" "x"', 1) is None
    junk = parse_combined('203.0.113.0 - - [01/Dec/2025:08:00:00 +0700] "\\x16\\x03\\x01" 400 150 "-" "-"', 1)
    assert junk.method == "" and junk.status == 400  # a real line, just not a page
    iso = parse_caddy(json.dumps({"ts": "2025-12-01T08:00:00+07:00", "status": 200,
                                  "request": {"method": "GET", "uri": "/demo/", "headers": {"user-agent": "x"}}}), 1)
    assert iso.when == at(1, 8) and iso.agent == "x"
    assert parse_caddy('{"ts": 1, "status": 200, "request": {"method": "GET"}}', 1) is None
    assert set(vars(hit)) == {"method", "target", "status", "agent", "when", "line"}  # no address, no referer


def test_an_overlong_line_is_skipped_without_being_held(tmp_path):
    line = combined(*EVENTS[0])
    log = write_log(tmp_path / "access.log", [line, "x" * (3 * MAX_LINE + 5), line])
    reader = LogFile(log)
    assert [hit.line for hit in reader] == [1, 3]
    assert (reader.format, reader.read, reader.parsed) == ("combined", 3, 2)
    assert (reader.malformed.line, reader.malformed.lines) == (2, 1)


# ---------------------------------------------------------------------- outputs


def test_csv_and_table_say_the_same_as_json(project, tmp_path):
    log = log_of(tmp_path / "access.log")
    data, _ = report_json(project, log)
    result = run(project, log, "--format", "csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout_text)))
    assert rows[0].keys() == {"kind", "campaign", "commune", "guide", "lang", "week", "count"}
    arrivals = [r for r in rows if r["kind"] == "arrival"]
    assert [{"guide": r["guide"], "lang": r["lang"], "week": r["week"], "count": int(r["count"])}
            for r in arrivals if r["campaign"] == "test-2025"] == ARRIVALS
    assert {r["commune"] for r in arrivals if r["campaign"] == "test-2025"} == {"Xã Thử"}
    assert [{"guide": r["guide"], "lang": r["lang"], "count": int(r["count"])}
            for r in rows if r["kind"] == "visit"] == VISITS

    table = run(project, log)
    assert table.returncode == 0 and table.stderr.count("\n") == 2
    text = table.stdout_text
    assert "test-2025 (Xã Thử): 6 arrivals" in text
    assert "second-2025 (Phường Hai): 0 arrivals" in text
    assert "old-campaign (in no campaign file): 1 arrival" in text
    lines = text.splitlines()
    block = lines[lines.index("test-2025 (Xã Thử): 6 arrivals") + 1:]
    assert block[:9] == [
        "  guide    lang  arrivals",
        "  demo     vi           1",
        "  demo     en           3",
        "  demo     ar           1",
        "  only-vi  vi           1",
        "  only-vi  en           0",
        "  week      arrivals",
        "  2025-W49         3",
        "  2025-W50         3",
    ]
    assert "  demo      4   3   1   0      8" in lines
    assert f"{len(EVENTS)} log lines read; not counted: 12 not guide pages, 2 not GET, 3 redirects or errors, " \
           f"{len(BOT_AGENTS)} bots and tools." in lines

    out = tmp_path / "out" / "report.json"
    written = run(project, log, "--format", "json", "--out", out)
    assert written.returncode == 0 and written.stdout_text == f"wrote {out}\n"
    assert json.loads(out.read_text(encoding="utf-8")) == data


def pdf_pages(path: Path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def test_the_pdf_is_one_vietnamese_page_per_campaign_with_its_counts(project, tmp_path):
    log = log_of(tmp_path / "access.log")
    out = tmp_path / "report.pdf"
    result = run(project, log, "--format", "pdf", "--out", out)
    assert result.returncode == 0, result.stderr
    pages = pdf_pages(out)
    assert len(pages) == 2  # the campaign files' tags; old-campaign has no commune to print for
    second, test = (" ".join(p.split()) for p in pages)
    assert test.startswith("Xã Thử Chiến dịch test-2025 Từ 1 tháng 12, 2025 đến 10 tháng 12, 2025")
    assert "Cài ứng dụng VNeID" in test and "Chỉ có tiếng Việt" in test  # the campaign's guides
    assert "Ngôn ngữ: Tiếng Việt, Tiếng Anh" in test
    assert "Số lượt mở hướng dẫn từ mã QR: 6" in test
    # The bars: demo vi 1, en 3, ar 1 (not a campaign language), only-vi vi 1, en 0; the weeks: 3 and 3.
    assert "Cài ứng dụng VNeID Tiếng Việt 1 Tiếng Anh 3 Tiếng Ả Rập 1 Chỉ có tiếng Việt Tiếng Việt 1 " \
           "Tiếng Anh 0" in test
    assert "1/12" in test and "8/12" in test
    assert second.startswith("Phường Hai Chiến dịch second-2025") and "Số lượt mở hướng dẫn từ mã QR: 0" in second
    assert "Chưa có lượt mở nào" in second

    again = tmp_path / "again.pdf"
    assert run(project, log, "--format", "pdf", "--out", again).returncode == 0
    assert again.read_bytes() == out.read_bytes()  # same input, same bytes

    one = tmp_path / "one.pdf"
    assert run(project, log, "--format", "pdf", "--out", one, "--campaign", "test-2025").returncode == 0
    assert len(pdf_pages(one)) == 1
    unknown = run(project, log, "--format", "pdf", "--out", tmp_path / "x.pdf", "--campaign", "old-campaign")
    assert unknown.returncode == 1 and not (tmp_path / "x.pdf").exists()
    assert unknown.stderr.splitlines()[-1] == ("pamphlets/campaigns:1: no campaign file has the tag old-campaign: "
                                               "no page to print — a PDF page is made for each campaign file")


def test_nothing_that_identifies_a_reader_is_in_any_output(project, tmp_path):
    logs = [log_of(tmp_path / "a.log"), log_of(tmp_path / "b.log.gz", "caddy", compress=True)]
    texts = []
    for fmt in ("table", "csv", "json"):
        result = run(project, *logs, "--format", fmt)
        assert result.returncode == 0
        texts += [result.stdout_text, result.stderr]
    result = run(project, *logs, "--format", "pdf", "--out", tmp_path / "r.pdf")
    texts += [result.stdout_text, result.stderr, *pdf_pages(tmp_path / "r.pdf")]
    everything = "\n".join(texts)
    for secret in [*IPS, REFERER, "ref-secret", PHONE, ZALO, HEADLESS, CUBOT, "SM-A145F", "Redmi", "Android",
                   "Mozilla", *filter(None, BOT_AGENTS), "curl"]:
        assert secret not in everything, secret
    raw = (tmp_path / "r.pdf").read_bytes()
    assert not any(ip.encode() in raw for ip in IPS)


def test_every_language_has_the_report_strings():
    catalogues = {path.stem: yaml.safe_load(path.read_text(encoding="utf-8"))
                  for path in (REPO / "src" / "doorstep" / "locales").glob("*.yml")}
    keys = {lang: {k for k in cat if k.startswith("report_")} for lang, cat in catalogues.items()}
    assert set(keys) >= {"vi", "en", "ar", "fa"}
    assert keys["vi"] and all(found == keys["vi"] for found in keys.values()), keys


# ---------------------------------------------------------------------- bad input


def test_lines_that_do_not_parse_are_skipped_and_said_once(project, tmp_path):
    lines = [combined(*event, n=i) for i, event in enumerate(EVENTS)]
    lines[2:2] = ["this is not a log line"]
    lines[6:6] = ['203.0.113.0 - - [01/Dec/2025:08:00:00 +0700] "GET /demo/?c=test-2025 HTTP/1.1" 200']
    lines.append(caddy(*EVENTS[0]))  # another format, in the same file
    log = write_log(tmp_path / "access.log", lines)
    junk = write_log(tmp_path / "error.log", ["2025/12/01 08:00:00 [error] 12#12: *1 open() failed",
                                              "2025/12/01 08:00:01 [error] 12#12: *2 open() failed", "{}"])
    data, warnings = report_json(project, log, junk)
    assert warnings[:2] == [
        f"{log}:3: warning: 3 lines are not in the file's format (nginx/Apache combined): skipped (the first is "
        "here) — the file may mix log formats, or be damaged",
        f"{junk}:1: warning: no line is an nginx/Apache combined or Caddy JSON access-log line: its 3 lines were "
        "skipped — give the web server's access log (see docs/report.md)",
    ]
    assert len(warnings) == 4  # and the two tag warnings, as ever
    assert campaign(data, "test-2025")["arrivals"] == ARRIVALS  # the rest is counted
    assert data["skipped"] == [{"reason": "malformed", "file": str(log), "line": 3, "lines": 3},
                               {"reason": "unknown format", "file": str(junk), "line": 1, "lines": 3}]
    assert data["lines"]["skipped"] == 6

    alone = run(project, junk)  # nothing at all to count: no report
    assert alone.returncode == 1 and alone.stdout_text == ""
    assert alone.stderr.splitlines() == [
        f"{junk}:1: no line is an nginx/Apache combined or Caddy JSON access-log line: its 3 lines were skipped — "
        "give the web server's access log (see docs/report.md)"]


def test_a_truncated_gzip_counts_what_it_has_and_says_where_it_breaks(project, tmp_path):
    events = [("GET", f"/demo/?c=test-2025&n={i}", 200, PHONE, at(1 + i % 9)) for i in range(3000)]
    whole = log_of(tmp_path / "whole.gz", compress=True, events=events).read_bytes()
    log = tmp_path / "access.log.3.gz"
    log.write_bytes(whole[:len(whole) // 2])
    result = run(project, log, "--format", "json")
    assert result.returncode == 0
    (line,) = result.stderr.splitlines()
    where, message = line.split(": ", 1)
    assert where.startswith(f"{log}:") and message == (
        "warning: the compressed file breaks off here (truncated or damaged): the lines before were counted, the "
        "rest is lost — use a complete copy of the log if there is one")
    broke = int(where.rsplit(":", 1)[1])
    data = json.loads(result.stdout_text)
    assert 0 < data["totals"]["arrivals"] == broke - 1 < len(events)
    assert data["skipped"] == [{"reason": "truncated", "file": str(log), "line": broke, "lines": 0}]


def test_a_missing_log_or_a_wrong_option_is_one_line(project, tmp_path):
    log = log_of(tmp_path / "access.log")
    cases = {
        (str(tmp_path / "nope.log"),): (1, f"{tmp_path / 'nope.log'}:1: file not found — name the web server's "
                                           "access log (see docs/report.md)"),
        (str(tmp_path),): (1, f"{tmp_path}:1: not a file — name the web server's access log (see docs/report.md)"),
        (str(log), "--since", "2025-12-32"): (2, "doorstep report: Invalid value for '--since': '2025-12-32' is not "
                                                 "a day — write YYYY-MM-DD, e.g. 2025-12-01 — see doorstep report "
                                                 "--help"),
        (str(log), "--until", "1/12/2025"): (2, "doorstep report: Invalid value for '--until': '1/12/2025' is not a "
                                                "day — write YYYY-MM-DD, e.g. 2025-12-01 — see doorstep report "
                                                "--help"),
        (str(log), "--since", "2025-12-09", "--until", "2025-12-01"): (
            2, "doorstep report: --since 2025-12-09 is after --until 2025-12-01 — see doorstep report --help"),
        (str(log), "--campaign", "Xã Thử"): (2, "doorstep report: Invalid value for '--campaign': 'Xã Thử' is not a "
                                                "campaign tag — a-z, 0-9 and '-', as in the campaign file — see "
                                                "doorstep report --help"),
        (str(log), "--format", "xml"): (2, "doorstep report: Invalid value for '--format': 'xml' is not one of "
                                           "'table', 'csv', 'json', 'pdf' — see doorstep report --help"),
        (str(log), "--format", "pdf"): (2, "doorstep report: --format pdf needs --out FILE.pdf — see doorstep report "
                                           "--help"),
        (): (2, "doorstep report: Missing argument 'LOGS...' — see doorstep report --help"),
        (str(log), "-f", "nowhere.yml"): (1, "nowhere.yml:1: file not found — run doorstep in the project folder or "
                                             "pass -f"),
    }
    for args, (code, line) in cases.items():
        result = run(project, *args)
        assert (result.returncode, result.stderr.splitlines()) == (code, [line]), args
        assert result.stdout_text == ""


def test_a_broken_campaign_file_leaves_only_itself_out(tmp_path):
    root = make_project(tmp_path / "p")
    folder = root / "pamphlets" / "campaigns"
    folder.mkdir(parents=True)
    (folder / "test.yml").write_text(CAMPAIGN.replace("guides: [demo, only-vi]", "guides: [demo, gone]"),
                                     encoding="utf-8")
    (folder / "second.yml").write_text(SECOND, encoding="utf-8")
    log = log_of(tmp_path / "access.log")
    data, warnings = report_json(root, log, "--campaign", "test-2025")
    assert warnings[0] == ("pamphlets/campaigns/test.yml:9: warning: `guides[2]` 'gone' is not a guide of the site "
                           "(this campaign file is left out of the report) — use a folder name of guides/; known: "
                           "demo, only-vi")
    assert warnings[1].startswith(f"{log}:1: warning: the tag 'test-2025' is in no campaign file: its 6 arrivals")
    assert campaign(data, "test-2025")["commune"] is None and campaign(data, "test-2025")["total"] == 6


def test_help():
    result = subprocess.run([DOORSTEP, "report", "--help"], capture_output=True, text=True, timeout=60,
                            env={**os.environ})
    assert result.returncode == 0 and "--campaign" in result.stdout and "--since" in result.stdout


def test_a_period_with_no_line_in_it_gives_an_empty_report_in_every_format(project, tmp_path):
    """A commune asks "since the campaign began" before anyone scanned a code."""
    log = log_of(tmp_path / "access.log")
    for fmt in ("table", "csv", "json"):
        result = run(project, log, "--since", "2031-01-05", "--format", fmt)
        assert result.returncode == 0, result.stderr
    data, _ = report_json(project, log, "--since", "2031-01-05")
    assert data["period"]["from"] == data["period"]["to"] == "2031-01-05"
    assert data["totals"]["arrivals"] == 0
    pdf = tmp_path / "empty.pdf"
    result = run(project, log, "--since", "2031-01-05", "--format", "pdf", "--out", pdf)
    assert result.returncode == 0, result.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
