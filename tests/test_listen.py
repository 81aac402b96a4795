"""Read aloud, for real: Debian's speech-dispatcher with espeak-ng gives headless
Chromium real voices; the built site (the fixture guides, with an Arabic
translation of `demo` written for this file) in real Chromium at 360×740.

The daemon runs as this module's own process with its own configuration and
socket in a temporary folder. Its sound goes to ALSA's file plugin, piped into
a small reader that takes it at the pace of real speech (or faster, when a test
asks), so an utterance lasts as long as a phone would speak it: pause and stop
are tried while the voice is really speaking.

The page side is watched, never replaced: an init script records each
utterance handed to `speechSynthesis.speak` (its text, language and voice, and
which parts of the page are highlighted at that moment) and then calls the
real `speak`.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from conftest import FIXTURES, LANGS, Canary, make_project, run_build
from test_browser import CHROMIUM, CHROMIUM_ARGS, VIEWPORT

pytestmark = pytest.mark.browser

SLUG = "demo"
UI = {  # src/doorstep/locales/*.yml
    "vi": {"listen": "Nghe", "pause": "Tạm dừng", "resume": "Nghe tiếp", "stop": "Dừng", "all": "Nghe cả hướng dẫn"},
    "en": {"listen": "Listen", "pause": "Pause", "resume": "Resume", "stop": "Stop", "all": "Listen to the whole guide"},
    "ar": {"listen": "استمع", "pause": "إيقاف مؤقت", "resume": "متابعة", "stop": "إيقاف", "all": "استمع إلى الدليل كله"},
    "fa": {"listen": "گوش کنید", "pause": "مکث", "resume": "ادامه", "stop": "توقف", "all": "گوش دادن به کل راهنما"},
}
# What a listener hears for step 2 of each language's demo guide: the step's
# number in words, its heading, its text (a link's words, not its address; a
# warning inside the step with its title), sentence by sentence.
STEP_2 = {
    "vi": ["Bước 2.", "Tìm VNeID.", "Gõ VNeID vào ô tìm kiếm.", "Xem Cổng DVC.", "Cảnh báo.",
           "Chỉ cài ứng dụng của Bộ Công an."],
    "en": ["Step 2.", "Find VNeID.", "Type VNeID into the search box.", "See the portal."],
    "ar": ["الخطوة ٢.", "ابحث عن VNeID.", "اكتب VNeID في خانة البحث."],
    "fa": ["مرحلهٔ ۲.", "VNeID را پیدا کنید.", "در کادر جست‌وجو VNeID بنویسید."],
}
# The parts the whole guide is read in, each highlighted in turn: the title and
# summary, the facts, what comes before step 1 (vi, en: a sentence; ar: a
# warning), the steps, "if something goes wrong" (en) and who can help.
STEPS = [["ds-step-1"], ["ds-step-2"], ["ds-step-3"]]
PARTS = {
    "vi": [["h1", "ds-summary"], ["ds-facts"], ["p"], *STEPS, ["ds-help"]],
    "en": [["h1", "ds-summary"], ["ds-facts"], ["p"], *STEPS, ["ds-trouble"], ["ds-help"]],
    "ar": [["h1", "ds-summary"], ["ds-facts"], ["admonition warning"], *STEPS, ["ds-help"]],
    "fa": [["h1", "ds-summary"], ["ds-facts"], *STEPS, ["ds-help"]],
}
# Warnings with a control of their own, per language (vi: inside step 2; ar: before step 1).
WARNINGS = {"vi": 1, "en": 0, "ar": 1, "fa": 0}

# Takes raw sound (espeak-ng: 22050 Hz, 16-bit, mono) at `rate` × real time,
# `rate` read from a file the tests write.
PACER = """import sys, time
rate_file = sys.argv[1]
while sys.stdin.buffer.read(4410):
    try:
        rate = float(open(rate_file).read())
    except (OSError, ValueError):
        rate = 1.0
    time.sleep(0.1 / rate)
"""

WATCH = """
window.__spoken = [];
window.__shift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__shift += entry.value;
}).observe({type: 'layout-shift', buffered: true});
(() => {
  const speak = speechSynthesis.speak.bind(speechSynthesis);
  speechSynthesis.speak = (u) => {
    window.__spoken.push({
      text: u.text, lang: u.lang, voice: u.voice ? u.voice.lang : null,
      reading: [...document.querySelectorAll('.ds-reading')]
        .map((el) => el.id || el.className.replace(/ *ds-reading/, '') || el.tagName.toLowerCase()),
    });
    return speak(u);
  };
})();
"""


class Speech:
    """speech-dispatcher on a socket of its own, its sound paced by PACER."""

    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="doorstep-speech-"))  # short: a socket path has ≤ 107 bytes
        self.socket = self.dir / "speechd.sock"
        self.rate = self.dir / "rate"
        self.pace(1)
        (self.dir / "pacer.py").write_text(PACER)
        (self.dir / "conf" / "modules").mkdir(parents=True)
        (self.dir / "conf" / "modules" / "espeak-ng.conf").write_text("")
        (self.dir / "conf" / "speechd.conf").write_text(
            f'LogLevel 2\nLogDir "{self.dir}"\nDefaultModule espeak-ng\n'
            'AddModule "espeak-ng" "sd_espeak-ng" "espeak-ng.conf"\n'
            'AudioOutputMethod "alsa"\nAudioALSADevice "paced"\n')
        (self.dir / "home").mkdir()
        (self.dir / "home" / ".asoundrc").write_text(
            'pcm.paced {\n  type file\n  slave.pcm "null"\n  format "raw"\n'
            f'  file "|{sys.executable} {self.dir / "pacer.py"} {self.rate}"\n}}\n')
        self.process = None

    def pace(self, rate: float) -> None:
        self.rate.write_text(str(rate))

    @property
    def address(self) -> str:
        return f"unix_socket:{self.socket}"

    def start(self) -> "Speech":
        binary = shutil.which("speech-dispatcher")
        if binary is None or not list(Path("/usr/lib").glob("**/speech-dispatcher-modules/sd_espeak-ng")):
            pytest.fail("speech-dispatcher with its espeak-ng module is missing: run scripts/setup test "
                        "(it installs speech-dispatcher and speech-dispatcher-espeak-ng)", pytrace=False)
        env = {**os.environ, "HOME": str(self.dir / "home")}  # ALSA reads the paced device from ~/.asoundrc
        self.process = subprocess.Popen(
            [binary, "--run-single", "--timeout", "0", "--config-dir", str(self.dir / "conf"),
             "--communication-method", "unix_socket", "--socket-path", str(self.socket),
             "--pid-file", str(self.dir / "speechd.pid")],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 15
        while not self.socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"speech-dispatcher did not start (see {self.dir})", pytrace=False)
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None:
            try:  # its output module and the pacers: the daemon's own session, started here
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


# --- fixtures ---------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The fixture guides and an Arabic `demo`, built by the real `mkdocs build`."""
    project = make_project(tmp_path_factory.mktemp("listen") / "project")
    shutil.copy(FIXTURES / "listen" / SLUG / "index.ar.md", project / "guides" / SLUG / "index.ar.md")
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    return project / "site"


@pytest.fixture(scope="module")
def server(site):
    with Canary(site) as canary:
        yield canary


@pytest.fixture(scope="module")
def speech():
    daemon = Speech().start()
    yield daemon
    daemon.stop()


def _chromium(playwright, *args, env=None):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: the browser tests need Debian's chromium (scripts/setup test)",
                    pytrace=False)
    return playwright.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *args], env=env)


@pytest.fixture(scope="module")
def playwright():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def voiced(playwright, speech):
    """Chromium with speech-dispatcher's voices."""
    browser = _chromium(playwright, "--enable-speech-dispatcher",
                        env={**os.environ, "SPEECHD_ADDRESS": speech.address})
    yield browser
    browser.close()


@pytest.fixture(scope="module")
def voiceless(playwright):
    """Chromium as a device with no voice at all."""
    browser = _chromium(playwright)
    yield browser
    browser.close()


class Page:
    def __init__(self, browser, url: str, init: str = ""):
        self.context = browser.new_context(viewport=VIEWPORT, device_scale_factor=1, is_mobile=True, has_touch=True)
        self.context.add_init_script(WATCH + init)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(url, wait_until="load")

    def controls(self, timeout: float = 20_000):
        """Wait for the controls (voices come with `voiceschanged`, a moment after load)."""
        self.page.wait_for_selector(".ds-listen", timeout=timeout)
        return self.page.locator(".ds-listen")

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)

    def spoken(self) -> list[dict]:
        return self.js("window.__spoken")

    def wait(self, expression: str, timeout: float = 20_000) -> None:
        self.page.wait_for_function(expression, timeout=timeout)

    def close(self):
        self.context.close()


def guide_url(server, lang: str, slug: str = SLUG) -> str:
    return server.url + ("/" if lang == "vi" else f"/{lang}/") + f"{slug}/"


def label(locator) -> str:
    return locator.get_attribute("aria-label")


# --- with voices -------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_controls_in_each_language(voiced, server, lang):
    page = Page(voiced, guide_url(server, lang))
    try:
        buttons = page.controls()
        ui = UI[lang]
        page.page.wait_for_timeout(300)  # every control is added at once; give a late one a chance to show
        described = page.js("""[...document.querySelectorAll('.ds-listen')].map((b) => ({
            tag: b.tagName, type: b.type, label: b.getAttribute('aria-label'),
            place: b.closest('li.ds-step') ? 'step' : b.closest('.admonition') ? 'warning'
                 : b.closest('.ds-facts') ? 'facts' : b.previousElementSibling && b.previousElementSibling.tagName}))""")
        assert all(b["tag"] == "BUTTON" and b["type"] == "button" for b in described), described
        places = [b["place"] for b in described]
        assert places.count("H1") == 1 and places.count("facts") == 1, described
        assert places.count("step") == 3 + (1 if lang == "vi" else 0), described  # vi: its warning is in a step
        assert page.js("document.querySelectorAll('.admonition .ds-listen').length") == WARNINGS[lang]
        assert described[0]["label"] == ui["all"]
        assert all(b["label"].startswith(ui["listen"] + ": ") for b in described[1:]), described
        step_2 = page.page.locator("#ds-step-2 > .ds-listen")
        assert label(step_2) == f"{ui['listen']}: {STEP_2[lang][0]} {STEP_2[lang][1]}"
        # The room for each button was kept from the first paint: nothing moved.
        assert page.js("window.__shift") == 0
        # Each button sits in its room, beside its heading's text, not over it.
        overlaps = page.js("""[...document.querySelectorAll('.ds-listen')].filter((b) => {
            const r = b.getBoundingClientRect();
            const box = b.parentElement;
            const texts = [...box.querySelectorAll('h1, h2, p, li, .admonition-title')]
              .filter((el) => !el.contains(b) && el.closest('.ds-listen') === null);
            return texts.some((el) => {
              const range = document.createRange(); range.selectNodeContents(el);
              return [...range.getClientRects()].some((t) => t.width > 0 && t.left < r.right && t.right > r.left
                                                         && t.top < r.bottom && t.bottom > r.top);
            });
          }).map((b) => b.getAttribute('aria-label'))""")
        assert not overlaps, f"buttons over text: {overlaps}"
        script = page.page.locator("script[src*='doorstep-listen']")
        assert script.count() == 1 and script.get_attribute("defer") is not None
        assert re.search(r"/doorstep-listen\.[0-9a-f]{10}\.min\.js$", script.get_attribute("src"))
        assert not page.errors, page.errors
    finally:
        page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_a_step_is_read_paused_resumed_and_stopped(voiced, server, speech, lang):
    ui = UI[lang]
    page = Page(voiced, guide_url(server, lang))
    try:
        page.controls()
        speech.pace(0.25)  # a quarter of real time: the step lasts long enough to be paused
        before = len(page.requests)
        button = page.page.locator("#ds-step-2 > .ds-listen")
        button.click()
        page.wait("speechSynthesis.speaking === true")
        first = page.spoken()[0]
        assert first["text"] == STEP_2[lang][0]
        assert first["lang"] == lang and first["voice"].lower().split("-")[0] == lang
        assert page.js("[...document.querySelectorAll('.ds-reading')].map((el) => el.id)") == ["ds-step-2"]
        assert label(button) == f"{ui['pause']}: {STEP_2[lang][0]} {STEP_2[lang][1]}"
        bar = page.page.locator(".ds-player button")
        assert bar.all_text_contents() == [ui["pause"], ui["stop"]]

        bar.first.click()  # pause
        page.wait("speechSynthesis.speaking === false")
        said = len(page.spoken())
        interrupted = page.spoken()[-1]["text"]
        page.page.wait_for_timeout(1000)
        assert len(page.spoken()) == said, "it went on speaking while paused"
        assert page.js("[...document.querySelectorAll('.ds-reading')].map((el) => el.id)") == ["ds-step-2"]
        assert label(button).startswith(ui["resume"] + ": ")
        assert bar.first.text_content() == ui["resume"]

        bar.first.click()  # resume: the interrupted sentence again
        page.wait("speechSynthesis.speaking === true")
        assert page.spoken()[said]["text"] == interrupted
        assert label(button).startswith(ui["pause"] + ": ")

        bar.last.click()  # stop
        page.wait("speechSynthesis.speaking === false")
        assert page.js("document.querySelectorAll('.ds-reading, .ds-player').length") == 0
        assert label(button).startswith(ui["listen"] + ": ")
        assert page.js("document.activeElement.getAttribute('aria-label')") == label(button)

        # Heard to its end, it is the whole step, in order; then the controls are at rest.
        speech.pace(40)
        start = len(page.spoken())
        button.click()
        page.wait("!document.querySelector('.ds-player')", timeout=60_000)
        assert [s["text"] for s in page.spoken()[start:]] == STEP_2[lang]
        assert page.js("document.querySelectorAll('.ds-reading').length") == 0
        assert page.requests[before:] == [], "reading aloud downloaded something"
        assert not page.errors, page.errors
    finally:
        speech.pace(1)
        page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_the_whole_guide_is_read_part_after_part(voiced, server, speech, lang):
    page = Page(voiced, guide_url(server, lang))
    try:
        page.controls()
        speech.pace(40)
        page.page.locator(".ds-listen--all").click()
        page.wait("!document.querySelector('.ds-player')", timeout=90_000)
        spoken = page.spoken()
        assert {s["lang"] for s in spoken} == {lang}
        parts = []
        for s in spoken:
            if not parts or parts[-1] != s["reading"]:
                parts.append(s["reading"])
        assert parts == PARTS[lang], spoken
        texts = [s["text"] for s in spoken]
        start = texts.index(STEP_2[lang][0])
        assert texts[start:start + len(STEP_2[lang])] == STEP_2[lang]
        assert page.js("document.querySelectorAll('.ds-reading').length") == 0
        assert not page.errors, page.errors
    finally:
        speech.pace(1)
        page.close()


def test_keyboard_alone(voiced, server, speech):
    ui = UI["en"]
    page = Page(voiced, guide_url(server, "en"))
    try:
        page.controls()
        speech.pace(0.25)
        for _ in range(80):
            page.page.keyboard.press("Tab")
            if page.js("document.activeElement.classList.contains('ds-listen')"):
                break
        assert page.js("document.activeElement.getAttribute('aria-label')") == ui["all"], \
            "Tab never reached the whole guide's Listen button"
        outline = page.js("[getComputedStyle(document.activeElement).outlineStyle,"
                          " parseFloat(getComputedStyle(document.activeElement).outlineWidth)]")
        assert outline[0] != "none" and outline[1] >= 2, f"no visible focus: {outline}"

        page.page.keyboard.press("Enter")
        page.wait("speechSynthesis.speaking === true")
        assert page.js("document.querySelector('.ds-reading') !== null")
        page.page.keyboard.press("Tab")  # the bar's Pause comes right after the pressed button
        assert page.js("document.activeElement.textContent") == ui["pause"]
        page.page.keyboard.press("Space")
        page.wait("speechSynthesis.speaking === false")
        assert page.js("document.activeElement.textContent") == ui["resume"]
        page.page.keyboard.press("Space")
        page.wait("speechSynthesis.speaking === true")
        page.page.keyboard.press("Tab")
        assert page.js("document.activeElement.textContent") == ui["stop"]
        page.page.keyboard.press("Enter")
        page.wait("speechSynthesis.speaking === false")
        assert page.js("document.querySelectorAll('.ds-reading, .ds-player').length") == 0
        assert page.js("document.activeElement.getAttribute('aria-label')") == ui["all"]  # focus not lost

        page.page.keyboard.press("Tab")  # the facts box's button
        assert page.js("document.activeElement.getAttribute('aria-label')").startswith(ui["listen"] + ": ")
        page.page.keyboard.press("Space")
        page.wait("speechSynthesis.speaking === true")
        assert page.js("[...document.querySelectorAll('.ds-reading')].map((el) => el.className)") == \
            ["ds-facts ds-reading"]
        page.page.keyboard.press("Escape")
        page.wait("speechSynthesis.speaking === false")
        assert page.js("document.querySelectorAll('.ds-reading, .ds-player').length") == 0
        assert not page.errors, page.errors
    finally:
        speech.pace(1)
        page.close()


@pytest.mark.parametrize("lang", LANGS)
def test_axe_is_clean_with_the_controls(voiced, server, speech, lang):
    from axe_playwright_python.sync_playwright import Axe

    page = Page(voiced, guide_url(server, lang))
    try:
        page.controls()
        speech.pace(0.25)
        for moment in ("at rest", "while reading"):
            if moment == "while reading":
                page.page.locator("#ds-step-1 > .ds-listen").click()
                page.wait("speechSynthesis.speaking === true")
            results = Axe().run(page.page)
            bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
            assert not bad, f"axe on {lang}, {moment}:\n" + "\n".join(
                f"{v['id']}: {v['help']} {[n['target'] for n in v['nodes'][:5]]}" for v in bad)
        page.page.keyboard.press("Escape")
    finally:
        speech.pace(1)
        page.close()


def test_it_needs_none_of_materials_script(voiced, server):
    """Material's bundle may come late (or never): read aloud works without it."""
    context = voiced.new_context(viewport=VIEWPORT, is_mobile=True, has_touch=True)
    try:
        context.route(re.compile(r".*/assets/javascripts/bundle\.[0-9a-f]+\.min\.js$"), lambda route: route.abort())
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(guide_url(server, "en"), wait_until="load")
        assert page.evaluate("typeof window.document$") == "undefined"  # Material did not run
        page.wait_for_selector(".ds-listen", timeout=20_000)
        page.locator("#ds-step-1 > .ds-listen").click()
        page.wait_for_function("speechSynthesis.speaking === true")
        assert page.evaluate("document.querySelector('#ds-step-1').classList.contains('ds-reading')")
        page.keyboard.press("Escape")
        page.wait_for_function("speechSynthesis.speaking === false")
        assert not errors, errors
    finally:
        context.close()


def test_an_untranslated_guide_is_read_in_its_own_language(voiced, server):
    """/en/only-vi/ shows the Vietnamese text: a Vietnamese voice reads it; the
    buttons speak English; the English headings of the facts are not read by it."""
    page = Page(voiced, guide_url(server, "en", "only-vi"))
    try:
        page.controls()
        assert page.js("document.querySelector('.ds-listen--all').getAttribute('aria-label')") == UI["en"]["all"]
        assert page.js("document.querySelector('.ds-listen--all').lang") == "en"
        page.page.locator(".ds-facts > .ds-listen").click()
        page.wait("window.__spoken.length > 0")
        spoken = page.spoken()
        assert {s["lang"] for s in spoken} == {"vi"}
        assert "What you need." not in [s["text"] for s in spoken]
        page.page.keyboard.press("Escape")
        assert not page.errors, page.errors
    finally:
        page.close()


def test_no_control_without_a_voice_for_the_language(voiced, server):
    """The real voices minus the Persian ones, as on many Android phones: the
    Persian page has no control; the English one still has them."""
    hide_persian = """
      const voices = speechSynthesis.getVoices.bind(speechSynthesis);
      speechSynthesis.getVoices = () => voices().filter((v) => !/^fa([-_]|$)/i.test(v.lang));
    """
    for lang, expected in (("en", True), ("fa", False)):
        page = Page(voiced, guide_url(server, lang), init=hide_persian)
        try:
            page.wait("speechSynthesis.getVoices().length > 0")
            page.page.wait_for_timeout(500)
            assert (page.page.locator(".ds-listen").count() > 0) is expected, lang
            assert not page.errors, page.errors
        finally:
            page.close()


# --- without voices -----------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_no_voice_no_control_and_no_error(voiceless, server, lang):
    page = Page(voiceless, guide_url(server, lang))
    try:
        page.page.wait_for_load_state("networkidle")
        page.page.wait_for_timeout(1500)  # where voices exist, they have come by now
        assert page.js("speechSynthesis.getVoices().length") == 0
        assert page.js("document.querySelectorAll('.ds-listen, .ds-player, .ds-reading').length") == 0
        assert page.js("window.__shift") == 0
        assert not page.errors, page.errors
    finally:
        page.close()
