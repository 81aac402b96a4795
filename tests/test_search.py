"""Search as a resident uses it, in real headless Chromium at 360×740."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from test_browser import VIEWPORT, browser, server  # noqa: F401  (shared fixtures)

pytestmark = pytest.mark.browser

SEARCH_FILES = ("/search/", "/workers/search", "/lunr/")
# Counts the search worker's queries (message type 2) and results (type 3), so a
# test reads the results of the query it typed, not those of a prefix of it.
WATCH_SEARCH = """(() => {
  const Native = window.Worker, seen = window.__search = { sent: [], answered: 0 }
  window.Worker = class extends Native {
    constructor(...args) {
      super(...args)
      this.addEventListener("message", e => { if (e.data && e.data.type === 3) seen.answered++ })
    }
    postMessage(message, ...rest) {
      if (message && message.type === 2) seen.sent.push(message.data)
      return super.postMessage(message, ...rest)
    }
  }
})()"""


def is_search(url: str) -> bool:
    return any(part in urlsplit(url).path for part in SEARCH_FILES)


class Reader:
    """One phone, one page, every request it makes."""

    def __init__(self, browser, url: str):
        self.context = browser.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
        self.context.add_init_script(WATCH_SEARCH)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.goto(url)
        self.page.wait_for_load_state("networkidle")

    def search(self, query: str) -> list[str]:
        """Open search, type `query`, return the result links' paths."""
        if not self.page.evaluate("document.getElementById('__search').checked"):
            self.page.click('label.md-header__button[for="__search"]')
        box = self.page.locator("input.md-search__input")
        box.fill("")
        box.type(query, delay=20)
        # Material queries on keyup. Letters missing from the test keyboard
        # (ý, پ, …) are typed as text, with no keyup: a phone keyboard sends one.
        box.dispatch_event("keyup")
        self.page.wait_for_function(  # the worker answered every query, the last one being `query`
            "q => { const s = window.__search; return s.sent.length && s.sent[s.sent.length - 1] === q"
            " && s.answered === s.sent.length && document.querySelector('.md-search-result__meta') }", arg=query)
        self.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        links = self.page.eval_on_selector_all(
            ".md-search-result__item > a.md-search-result__link", "els => els.map(e => e.href)")
        return [urlsplit(link).path for link in links]

    def close(self):
        self.context.close()


@pytest.fixture
def reader(browser, server):  # noqa: F811
    readers = []

    def open_(path: str) -> Reader:
        readers.append(Reader(browser, server.url + path))
        return readers[-1]

    yield open_
    for r in readers:
        r.close()


@pytest.mark.parametrize("path", ["/", "/en/", "/ar/vneid/", "/fa/"])
def test_nothing_of_search_loads_before_the_box_is_opened(reader, path):
    page = reader(path)
    assert [url for url in page.requests if is_search(url)] == []


def test_opening_search_loads_only_this_languages_index(reader):
    page = reader("/ar/")
    page.search("VNeID")
    loaded = [urlsplit(url).path for url in page.requests if "/search/" in url]
    assert loaded == ["/search/ar.json"]
    assert not any("/lunr/" in url for url in page.requests), "no lunr language pack is needed"


@pytest.mark.parametrize("query, slug", [
    ("tai khoan", "public-service-account"),
    ("tài khoản", "public-service-account"),
    ("can cuoc", "vneid"),
    ("căn cước", "vneid"),
    ("dang ky", "vneid"),
    ("đăng ký", "vneid"),
])
def test_vietnamese_with_or_without_diacritics(reader, query, slug):
    results = reader("/").search(query)
    assert f"/{slug}/" in results, results
    assert all(not path.startswith(("/en/", "/ar/", "/fa/")) for path in results), results


def test_exact_form_ranks_first(reader):
    # The guide whose title holds the words comes first, typed with or without diacritics.
    page = reader("/")
    assert page.search("phạt nguội")[0] == "/traffic-fines/"
    assert page.search("phat nguoi")[0] == "/traffic-fines/"
    assert page.search("an sinh")[0] == "/welfare-account/"


@pytest.mark.parametrize("lang", ["ar", "fa", "en"])
def test_each_language_finds_only_its_own_pages(reader, lang):
    results = reader(f"/{lang}/").search("VNeID")
    assert results and all(path.startswith(f"/{lang}/") for path in results), results


def test_persian_typed_with_arabic_letters_finds_the_persian_page(reader):
    # "پیامک" (text message) as typed on an Arabic keyboard: ي and ك instead of ی and ک.
    results = reader("/fa/").search("پيامك")
    assert "/fa/vneid/" in results, results


def test_persian_digits_match_latin_ones(reader):
    # The Persian VNeID guide writes the 12-digit number with Persian digits.
    assert "/fa/vneid/" in reader("/fa/").search("12")


def test_results_show_title_and_summary(reader):
    page = reader("/en/")
    page.search("VNeID")
    first = page.page.locator(".md-search-result__item article").first
    title = first.locator("h1").inner_text().strip()
    text = first.inner_text().strip()
    assert title and len(text) > len(title) + 20, "the guide's summary is shown under its title"
