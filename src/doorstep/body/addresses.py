"""The address rules: what a link, a picture or a printed address may be.

One verdict for every place an address can reach a resident: an `href` or
`src` in a rendered body, an address written as plain text (on paper the
printed text *is* the link), an official source in the front matter, and a
campaign's fields. Nothing here knows about Markdown or MkDocs.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Characters that make an address read differently from where it goes:
# controls, bidi overrides and isolates, zero-width joiners and spaces.
HIDDEN = re.compile("[\u0000-\u0020\u007f-\u009f\u00ad\u061c\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e"
                    "\u2060-\u206f\u3164\ufeff\uffa0]")
FORMAT = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
# Dots a browser reads as "." in a host name (IDNA maps them), full-width forms included.
DOTS = re.compile("[.\u3002\uff0e\uff61\u2024\ufe52]")
IDEOGRAPHIC_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": ".", "\u2024": ".", "\ufe52": "."})
SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# An address written as text: a URL with a scheme; an e-mail address (its
# host is what matters); a host name: labels of letters (any script: an IDN is
# a host too), digits and '-', joined by dots, ending in a top-level domain in
# Latin letters (there are over a thousand, so any letters count, but for the
# endings of the files a guide is made of); or an IPv4 address.
TEXT_ADDRESS = re.compile(
    r"(?i)\b(?:https?|ftp|file|javascript|data)://[^\s<>\"'()]+"
    r"|[\w.%+-]+@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[a-z]{2,24}\b"
    r"|(?<![^\W_])(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
    r"(?!(?:svg|png|jpe?g|webp|gif|pdf|txt|html?|ya?ml|json|css|md)\b)(?:[a-z]{2,24}|xn--[a-z0-9-]{1,59})\b"
    r"(?:[:/][^\s<>\"'()]*)?"
    r"|\b\d{1,3}(?:\.\d{1,3}){3}\b(?:[:/][^\s<>\"'()]*)?"
)
TRAILING = ".,;:!?،؛)"
# Endings people know as web addresses: written in capitals too ("EVIL.COM").
# Any other ending counts only in small letters, so that an abbreviation such
# as "TP.HCM" (Ho Chi Minh City) is not taken for an address.
KNOWN_TLDS = {"vn", "com", "net", "org", "info", "biz", "io", "me", "app", "co", "xyz", "top", "site", "online",
              "link", "ly", "cc", "tk", "ml", "ga", "cf", "gq", "shop", "store", "club", "live", "click", "icu", "vip",
              "pro", "asia", "gov", "edu", "int", "mobi", "page", "dev", "cloud", "support", "help", "ru", "cn", "tv",
              "uk", "us", "de", "fr", "jp", "kr", "in", "ir", "sa", "ae", "eu", "ws", "to", "gl", "gg", "bit"}


def normal_host(host: str) -> str | None:
    """A host as a browser compares it: lower case, IDNA, no trailing dot (None: not a host name)."""
    host = host.rstrip(".").lower()
    if not host:
        return None
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def allowed_host(host: str | None, allowed: list[str] | None) -> bool:
    """True when `host` is one of `allowed` or below one (no list: any host)."""
    if not allowed:
        return True
    if host is None:
        return False
    return any(host == d or host.endswith("." + d) for d in allowed)


def why_refused(url: str, allowed: list[str] | None, schemes: tuple[str, ...] = ("https", "tel", "mailto")
                ) -> tuple[str, str] | None:
    """Why the absolute address `url` may not be used, as (problem, what to do); None when it may.

    `url` has a scheme (see `scheme()`); relative addresses are the site's own
    pages and pictures, checked by the body gate."""
    if HIDDEN.search(url) or "\\" in url:
        return (f"the address '{visible(url)}' holds invisible characters, spaces or a '\\'",
                "retype the address by hand: it may lead somewhere other than it shows")
    kind = scheme(url)
    if kind not in schemes:
        if kind == "http":
            return f"link '{url}' is not https", "link only to https:// pages"
        return f"the address '{url}' is not a web page ({kind}:)", "link only to https:// pages (or tel:/mailto:)"
    if kind == "tel":
        if not re.fullmatch(r"tel:\+?[0-9][0-9.\- ]*", url):
            return f"the phone link '{url}' is not a phone number", "write it as tel:+84… or tel:0…, digits only"
        return None
    if kind == "mailto":
        return _mail_refused(url, allowed)
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return (f"the address '{url}' hides which site it opens",
                "write the plain address of the official page, without 'name@' before the site")
    host = normal_host(parts.hostname or "")
    if host is None:
        return f"the address '{url}' names no site", "write a full https:// address"
    if not allowed_host(host, allowed):
        return (f"'{host}' is not an allowed domain (a look-alike site?)",
                f"link only to official sites ({', '.join(allowed or [])}); if this one is official, "
                "add it to plugins → doorstep → allowed_domains in mkdocs.yml")
    return None


MAILBOX = re.compile(r"[A-Za-z0-9._%+-]+@([A-Za-z0-9.-]+)")


def _mail_refused(url: str, allowed: list[str] | None) -> tuple[str, str] | None:
    """A mailto: link writes to exactly one official address, and sets at most a subject and a body."""
    from urllib.parse import parse_qsl, unquote

    parts = urlsplit(url)
    mailbox = MAILBOX.fullmatch(unquote(parts.path))
    fields = parse_qsl(parts.query, keep_blank_values=True)
    if mailbox is None or any(name.lower() not in ("subject", "body") for name, _ in fields):
        return (f"the e-mail link '{url}' writes to more than one address, or to hidden ones",
                "write mailto: and one official address, optionally ?subject=…")
    if not allowed_host(normal_host(mailbox.group(1)), allowed):
        return (f"the e-mail address '{mailbox.group(0)}' is not on an allowed domain",
                f"write only official addresses ({', '.join(allowed or [])})")
    return None


def scheme(url: str) -> str | None:
    match = SCHEME.match(url)
    return match.group(1).lower() if match else None


def visible(text: str) -> str:
    """`text` with its invisible characters shown as <U+XXXX>."""
    return HIDDEN.sub(lambda m: f"<U+{ord(m.group(0)):04X}>" if m.group(0) != " " else " ", text)


def text_addresses(text: str) -> list[str]:
    """The addresses written in plain `text` (URLs and host names), as a reader would type them."""
    if not DOTS.search(text):  # no host name without a dot (most texts: no work)
        return []
    found = []
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = FORMAT.sub("", text).translate(IDEOGRAPHIC_DOTS)  # "gov.vn\u200b.evil.com" is evil.com
    for match in TEXT_ADDRESS.finditer(text):
        address = match.group(0).rstrip(TRAILING)
        host = address.split("://")[-1].split("/")[0].rpartition("@")[2].split(":")[0]
        labels = host.split(".")
        # "TP.HCM" (Ho Chi Minh City), "Q.BT": an abbreviation in capitals, not an address
        abbreviation = (host.isupper() and len(labels) == 2 and len(labels[0]) <= 3 and "/" not in address
                        and labels[-1].lower() not in KNOWN_TLDS and "@" not in address)
        if not abbreviation and host:  # "http://..." (a drawing of a scam message) names no site
            found.append(address)
    return found


def host_of(address: str) -> str | None:
    """The host an address written as text leads to (an e-mail address: its domain)."""
    if not scheme(address) and "@" in address.split("/")[0]:
        address = address.split("/")[0].rpartition("@")[2]
    return normal_host(urlsplit(address if scheme(address) else "https://" + address).hostname or "")


def check_text(text: str, allowed: list[str] | None, judged: set[str] | None = None) -> tuple[str, str] | None:
    """The first problem with an address written in `text`, as (problem, what to do);
    addresses on a host in `judged` (a link's own, already judged) pass."""
    for address in text_addresses(text):
        if judged and host_of(address) in judged:
            continue
        if not scheme(address) and "@" in address.split("/")[0]:  # an e-mail address: its domain
            address_host = address.split("/")[0].rpartition("@")[2]
            refused = why_refused("https://" + address_host, allowed, schemes=("https",))
            if refused:
                return (f"the text names the e-mail address '{address}': {refused[0]}",
                        "write only official addresses, on the sites listed in allowed_domains")
            continue
        url = address if scheme(address) else "https://" + address
        refused = why_refused(url, allowed, schemes=("https",))
        if refused:
            return (f"the text names the address '{address}': {refused[0]}",
                    "on paper this text is the link: name only official sites "
                    f"({', '.join(allowed or [])}), written as https:// addresses")
    return None
