"""The thin MkDocs plugin: wires the guide model and the pamphlets into a build.

static-i18n builds each extra language in a nested build inside the default
build's `on_post_build`, so every hook below runs once per language; the
outermost build is the one whose `on_post_build` runs last (after i18n's).
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import jinja2
from markupsafe import escape
from mkdocs import plugins
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.toc import TableOfContents

from ..body.shape import text_html
from ..errors import DoorstepError
from ..locale import direction, strings as ui_strings
from ..model import Library, load_library
from ..files import fill_in, swap_in, write_atomic
from ..pamphlet import PamphletJob, Pamphleteer, guide_job
from ..translation import is_behind
from . import listen, search, trim
from .compress import precompress, user_cache
from .config import DoorstepConfig
from .offline import Offline, page_name as offline_page

log = logging.getLogger("mkdocs.plugins.doorstep")

GUIDE_SRC_RE = re.compile(r"^(?P<slug>[^/]+)/index(?:\.(?P<lang>[A-Za-z_-]+))?\.md$")
HOME_SRC_RE = re.compile(r"^index(?:\.(?P<lang>[A-Za-z_-]+))?\.md$")


UNUSED_THEME_FILES = ("assets/javascripts/lunr/",)

ASSETS = {
    "assets/javascripts/doorstep-search.js": "js",
    "assets/javascripts/doorstep-material.js": "js",
    "assets/javascripts/workers/doorstep-search.js": "js",
    "assets/stylesheets/doorstep.css": "css",
}


def minify_assets(site_dir: Path) -> None:
    """doorstep's own script and stylesheet, minified in the built site (the
    sources in overrides/ keep their comments)."""
    import rcssmin
    import rjsmin

    for name, kind in ASSETS.items():
        path = site_dir / name
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            small = rjsmin.jsmin(text) if kind == "js" else rcssmin.cssmin(text)
            write_atomic(path, small.encode("utf-8"))


# `doorstep serve`: pamphlets the cache lacks are rendered when first asked
# for, not on every keystroke. Site path (e.g. "en/vneid/vneid.pdf") → what
# renders it. Module-level: every rebuild of `serve` makes new plugin objects.
_ON_REQUEST: dict[str, tuple[Pamphleteer, PamphletJob]] = {}
_ON_REQUEST_LOCK = threading.Lock()


def render_on_request(site_path: str) -> str | None:
    """Render the pamphlet at `site_path` if it is waiting; the problem's text if that fails."""
    with _ON_REQUEST_LOCK:
        pending = _ON_REQUEST.pop(site_path, None)
        if pending is None:
            return None
        pamphleteer, job = pending
        started = time.perf_counter()
        try:
            pamphleteer.build([job])
        except DoorstepError as exc:
            _ON_REQUEST[site_path] = pending  # asked again after a fix, it renders again
            log.error(str(exc))
            return str(exc)
        log.info(f"Pamphlet {site_path} rendered on request in {time.perf_counter() - started:.2f} s")
        return None


# Stands for "PDF, 43 KB" in a page written before its pamphlet is rendered
# (private-use characters: never in a guide, unchanged by escaping).
SIZE_PENDING = "\ue000doorstep-pdf-size\ue001"
# Stands for the trimmed stylesheet's content hash, known once every page is built (site/trim.py).
CSS_PENDING = "\ue000doorstep-css-hash\ue001"



def site_extensions(config) -> list:
    """The site's Markdown extensions, as mkdocs.yml writes them ({name: options} or a name)."""
    return [{name: config.mdx_configs[name]} if isinstance(name, str) and name in config.mdx_configs else name
            for name in config.markdown_extensions]

class _WarningCounter(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record):
        self.count += 1


class DoorstepPlugin(BasePlugin[DoorstepConfig]):
    def __init__(self):
        super().__init__()
        self.command = "build"
        self.library: Library | None = None
        self.pamphleteer: Pamphleteer | None = None
        self.final_site_dir: str | None = None
        self.pdf_sizes: dict[str, int | str | None] = {}  # page URL → bytes (SIZE_PENDING: still rendering)
        self.builds: list = []  # (language, seconds spent so far, Build) of pamphlets being rendered
        self.sized_later: list[tuple[str, str, str]] = []  # (HTML file, language, page URL) to patch
        self.warnings = _WarningCounter()
        self._config = None
        self._search_js_text: str | None = None
        self._material_info: dict | None = None
        self.listen_js: str | None = None  # read aloud: the script's content-named path
        self.offline = Offline()  # guides that open offline: site/offline.py

    # ------------------------------------------------------------------ helpers

    def _i18n(self, config):
        plugin = config.plugins.get("i18n")
        if plugin is None:
            raise PluginError("mkdocs.yml:1: the doorstep plugin needs mkdocs-static-i18n — add '- i18n' to plugins")
        return plugin

    def _build_lang(self, config) -> str:
        i18n = self._i18n(config)
        return i18n.current_language or i18n.default_language

    def _is_outermost(self, config) -> bool:
        return not self._i18n(config).building

    def _page_404(self, config) -> str:
        """This language's "not found" page: /404.html for the default language, /<lang>/404.html for the others."""
        lang = self._build_lang(config)
        return "404.html" if lang == self._i18n(config).default_language else f"{lang}/404.html"

    def _prefix(self, config) -> str:
        """This language's folder in the site: "" for the default language, else "<lang>/"."""
        lang = self._build_lang(config)
        return "" if lang == self._i18n(config).default_language else f"{lang}/"

    def _ui(self, lang, config) -> dict:
        """What every page's templates get as `doorstep`."""
        strings = ui_strings(lang)
        return {"t": strings, "lang": lang, "dir": strings.dir, "search_js": self._search_js(config),
                **self._material(config),
                "worker": self.command != "serve"}  # no offline worker in the live preview (docs/offline.md)

    def _guide_of(self, page):
        match = GUIDE_SRC_RE.match(page.file.src_uri)
        if match and self.library and match.group("slug") in self.library.guides:
            return match.group("slug")
        return None

    # ------------------------------------------------------------------ events

    def on_startup(self, *, command, dirty):
        self.command = command

    @plugins.event_priority(100)
    def on_config(self, config):
        i18n = self._i18n(config)
        # Every language's build renders the theme's 404 page; each writes its own
        # (MkDocs writes a static template at its name, so one 404.html was the last language's).
        templates = config.theme.static_templates
        templates.difference_update([name for name in templates if name.rpartition("/")[2] == "404.html"])
        templates.add(self._page_404(config))
        # and its offline page (site/offline.py), the same way
        templates.difference_update([name for name in templates if name.rpartition("/")[2] == "offline.html"])
        templates.add(offline_page(self._prefix(config)))
        if i18n.building:  # a nested language build: the outermost one set everything up
            return config
        if not config.site_url:
            raise PluginError("mkdocs.yml:1: site_url is empty — set it (or DOORSTEP_SITE_URL) to the address "
                              "the site is published at: every canonical URL and QR code starts with it")
        self.pdf_sizes = {}
        self.offline.reset()
        # One scope for Material's stored settings on every page (its default is
        # each page's relative root): one inline script, one hash for the
        # Content-Security-Policy of deploy/nginx/.
        config.extra.setdefault("scope", urlsplit(config.site_url).path or "/")
        languages = [lang.locale for lang in i18n.config.languages if lang.build]
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        try:
            for lang in languages:
                ui_strings(lang)
            self.library = load_library(Path(config.docs_dir), languages, i18n.default_language, root,
                                        allowed_domains=[d.lower() for d in self.config.allowed_domains],
                                        markdown_extensions=site_extensions(config),
                                        cache_dir=root / self.config.cache_dir)
            if self.config.pamphlets and self.pamphleteer is None:
                self.pamphleteer = Pamphleteer(
                    template_dir=root / self.config.pamphlet_dir,
                    cache_dir=root / self.config.cache_dir,
                    root=root,
                    workers=self.config.workers,
                    qr_level=self.config.qr_error_correction,
                    progress=self._progress,
                )
        except DoorstepError as exc:
            raise PluginError(str(exc)) from None
        self.warnings.count = 0
        logging.getLogger("mkdocs").addHandler(self.warnings)
        _ON_REQUEST.clear()
        self.builds, self.sized_later = [], []
        if self.pamphleteer and self.command == "build":
            expected = sum(len(self.library.languages) for _ in self.library.guides)
            if self.pamphleteer.cached_count() < expected:  # some must render: start the workers now
                self.pamphleteer.prepare()
        self._config = config
        if self.command == "build":
            # Build beside the real site and swap at the end, so a failed build
            # leaves the last good site exactly as it was.
            self.final_site_dir = os.path.realpath(config.site_dir)  # a symlinked site/: its target
            parent = Path(self.final_site_dir).parent
            parent.mkdir(parents=True, exist_ok=True)
            config.site_dir = tempfile.mkdtemp(prefix=".site-", dir=parent)
        return config

    def on_serve(self, server, config, builder):
        """Serve a waiting pamphlet by rendering it first."""
        app, mount = server.get_app(), server.mount_path

        def app_with_pamphlets(environ, start_response):
            path = environ.get("PATH_INFO", "")
            if path.endswith(".pdf") and path.startswith(mount):
                problem = render_on_request(path[len(mount):])
                if problem:
                    start_response("500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")])
                    return [problem.encode("utf-8")]
            return app(environ, start_response)

        server.set_app(app_with_pamphlets)
        return server

    def _body_of(self, page, config):
        """The page's body as the guide model rendered it (None: not a page of doorstep's)."""
        slug = self._guide_of(page)
        lang = self._build_lang(config)
        if slug is not None:
            return self.library.resolve(slug, lang).rendered
        if HOME_SRC_RE.match(page.file.src_uri):
            return self.library.homes.get(lang) or self.library.homes.get(self.library.default)
        return None

    def on_page_markdown(self, markdown, page, config, files):
        # MkDocs' Jinja environment does not autoescape, and Material writes the
        # title as it is (nav, <title>, header, search index): front matter is
        # text, so it becomes Markup here, before any page is rendered. escape()
        # leaves Markup as it is, so nothing is escaped twice.
        if page.meta.get("title") is not None:
            page.meta["title"] = escape(page.meta["title"])
        if self._body_of(page, config) is None:  # read_library refuses such a file; never publish one unchecked
            raise PluginError(f"{config.docs_dir}/{page.file.src_uri}:1: a page that is no guide and no home page — "
                              "remove it: only guides/<slug>/index*.md and guides/index*.md are published")
        return ""  # rendered once already, by the guide model: MkDocs has nothing to do

    @plugins.event_priority(100)
    def on_page_content(self, html, page, config, files):
        body = self._body_of(page, config)
        return html if body is None else body.site_html(page.url)

    def on_env(self, env, config, files):
        """Every page of this language is rendered now: write its search index, make its pamphlets."""
        env.filters["text"] = text_html
        env.filters["absolute"] = partial(urljoin, config.site_url or "")
        page_404 = self._page_404(config)
        if page_404 != "404.html":  # <lang>/404.html is the theme's 404.html, rendered in this language's build
            env.loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader({page_404: '{% extends "404.html" %}'})])
        env.loader = jinja2.ChoiceLoader([env.loader, jinja2.DictLoader(
            {offline_page(self._prefix(config)): '{% extends "doorstep/offline.html" %}'})])
        lang = self._build_lang(config)
        self._write_search_index(lang, config, files)
        if not self.pamphleteer:
            return env
        jobs = []
        for file in files.documentation_pages():
            page = file.page
            slug = self._guide_of(page) if page else None
            if slug is None:
                continue
            body = self.library.resolve(slug, lang).rendered
            out = Path(config.site_dir) / Path(file.dest_uri).parent / f"{slug}.pdf"
            jobs.append(guide_job(self.library, slug, lang, page.canonical_url,
                                  body.paper_html(page.canonical_url, page.url), page.url, out, body.files(),
                                  urljoin(config.site_url or "", f"{slug}/")))
        if jobs and self.command == "serve":
            sizes, pending = self.pamphleteer.from_cache(jobs)
            for job in pending:
                _ON_REQUEST[job.page_path + job.out.name] = (self.pamphleteer, job)
            log.info(f"Pamphlets ({lang}): {len(sizes)} from cache, {len(pending)} rendered when opened")
            for job in jobs:
                self.pdf_sizes[job.page_path] = sizes.get(job.out)
        elif jobs:
            # Started, not awaited: the renders go on while the pages of this and
            # the next languages are built; the outermost on_post_build collects them.
            started = time.perf_counter()
            try:
                build = self.pamphleteer.start_build(jobs)
            except DoorstepError as exc:
                raise PluginError(str(exc)) from None
            self.builds.append((lang, time.perf_counter() - started, build))
            known = build.known()
            for job in jobs:
                self.pdf_sizes[job.page_path] = known.get(job.out, SIZE_PENDING)
        return env

    def _finish_pamphlets(self, config) -> None:
        """Wait for every language's pamphlets; put their sizes into the pages
        written meanwhile with a placeholder."""
        waiting = sum(build.rendered for _, _, build in self.builds)
        if waiting:
            log.info(f"Pamphlets: {waiting} rendered in {self.pamphleteer.workers} processes; collecting them …")
        for lang, spent, build in self.builds:
            started = time.perf_counter()
            try:
                sizes = build.finish()
            except DoorstepError as exc:
                raise PluginError(str(exc)) from None
            # The time the build spent on this language's pamphlets: starting them,
            # then waiting for what was not done yet (renders overlap page building).
            spent += time.perf_counter() - started
            log.info(f"Pamphlets ({lang}): {build.rendered} rendered, {len(sizes) - build.rendered} from cache "
                     f"in {spent:.2f} s")
            for problem in build.batch.warnings:
                log.warning(str(problem))
            for job in build.jobs:
                self.pdf_sizes[job.page_path] = sizes[job.out]
        self.builds = []
        for html_path, lang, page_url in self.sized_later:
            label = ui_strings(lang)("pdf", size=ui_strings(lang).size(self.pdf_sizes[page_url]))
            fill_in(Path(html_path), SIZE_PENDING, str(escape(label)))
        self.sized_later = []

    def _write_search_index(self, lang, config, files):
        """search/<lang>.json: this language's own guides (no untranslated fallbacks)."""
        entries = []
        for file in files.documentation_pages():
            slug = self._guide_of(file.page) if file.page else None
            guide = self.library.get(slug, lang) if slug else None
            if guide is not None:
                entries.append(search.entry(guide, file.page.url))
        write_atomic(Path(config.site_dir) / "search" / f"{lang}.json", search.index_json(entries))

    def on_files(self, files, config):
        """Material's lunr language packs (≈ 1.5 MB, 96 files) are never loaded:
        search.py's index asks the search worker for none (`"lang": ["en"]`)."""
        for file in [f for f in files if f.src_uri.startswith(UNUSED_THEME_FILES)]:
            files.remove(file)
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        self.listen_js = listen.publish(files, config, root / self.config.cache_dir)
        return files

    @plugins.event_priority(-150)
    def on_nav(self, nav, config, files):
        """A guide folder holds one page: show the page, not a section named after the folder."""
        from mkdocs.structure.nav import Section

        items = []
        for item in nav.items:
            if isinstance(item, Section) and len(item.children) == 1 and not isinstance(item.children[0], Section):
                child = item.children[0]
                child.parent = None
                items.append(child)
            else:
                items.append(item)
        nav.items = items
        return nav

    @plugins.event_priority(-50)
    def on_page_context(self, context, page, config, nav):
        lang = self._build_lang(config)
        strings = ui_strings(lang)
        info = self._ui(lang, config)
        slug = self._guide_of(page)
        if slug is not None:
            guide = self.library.resolve(slug, lang)
            page.toc = TableOfContents([])  # the numbered steps are the page's outline
            info.update(
                guide=guide,
                meta=guide.meta,
                text_lang=guide.lang,
                text_dir=direction(guide.lang),
                fallback=guide.lang != lang,
                stale=is_behind(self.library, slug, lang),
                original_url=urljoin(config.site_url or "", f"{slug}/"),
                default_lang=self.library.default,
                sources_lang=guide.lang_of("sources", self.library.default),
                sources_dir=direction(guide.lang_of("sources", self.library.default)),
                pdf_name=f"{slug}.pdf" if self.pamphleteer else None,
                pdf_label=self._pdf_label(strings, self.pdf_sizes.get(page.url)),
                listen_js=self.listen_js,
                text_t=ui_strings(guide.lang),
            )
            self.offline.add_guide(lang, self._prefix(config), page.url, guide.meta.title, guide.lang,
                                   list(guide.rendered.files()))
        elif HOME_SRC_RE.match(page.file.src_uri):
            home_prefix = "" if lang == self.library.default else f"{lang}/"
            groups = [
                (task, [(g, f"{home_prefix}{g.slug}/") for g in guides])
                for task, guides in self.library.by_task(lang)
            ]
            info.update(home=groups, offline=self.offline.home_context(lang))
        context["doorstep"] = info
        return context

    @staticmethod
    def _pdf_label(strings, size) -> str | None:
        if isinstance(size, int):
            return strings("pdf", size=strings.size(size))
        return size  # SIZE_PENDING, or None (serve: rendered when opened)

    def on_template_context(self, context, template_name, config):
        """The 404 and offline pages are shown at any address: links from the site's
        root, and the UI strings of their language."""
        if template_name not in (self._page_404(config), offline_page(self._prefix(config))):
            return context
        context["base_url"] = urlsplit(config.site_url or "/").path
        context["doorstep"] = self._ui(self._build_lang(config), config)
        # static-i18n sets each page's language links as an attribute, which hides
        # this build's own list (each language's home) until the next page: reset it,
        # or this 404 would offer the previous build's last page.
        if "alternate" in config.extra:
            config.extra.alternate = config.extra["alternate"]
        return context

    def on_post_page(self, output, page, config):
        if SIZE_PENDING in output:
            self.sized_later.append((page.file.abs_dest_path, self._build_lang(config), page.url))
        if HOME_SRC_RE.match(page.file.src_uri):
            self.offline.add_home(self._build_lang(config), self._prefix(config), page.file.abs_dest_path)
        return output

    @plugins.event_priority(-200)
    def on_post_build(self, config):
        if not self._is_outermost(config):
            return
        self._finish_pamphlets(config)
        self.library.keep_bodies()
        minify_assets(Path(config.site_dir))
        self._trim_css(config)  # before the worker's version hashes the finished site
        sizes = self.offline.finish(Path(config.site_dir), config.extra.get("scope") or "/",
                                    worker=self.command != "serve")
        log.info("Keep every guide: " + ", ".join(f"{lang} {size / 1024:.0f} KB" for lang, size in sizes.items()))
        if self.config.precompress:
            started = time.perf_counter()
            stats = precompress(Path(config.site_dir), user_cache())
            log.info(f"Precompressed {stats['files']} text files (.gz, .br): {stats['bytes'] // 1024} KB → "
                     f"{stats['br'] // 1024} KB brotli in {time.perf_counter() - started:.2f} s")
        self._finish(config, success=not (config.strict and self.warnings.count))

    def on_build_error(self, error):
        if self._config is not None:
            self._finish(self._config, success=False)

    def on_shutdown(self):
        if self._config is not None and self.final_site_dir is not None:
            self._finish(self._config, success=False)  # interrupted (Ctrl-C): drop the half-built site
        if self.pamphleteer:
            self.pamphleteer.close()
        logging.getLogger("mkdocs").removeHandler(self.warnings)

    # ------------------------------------------------------------------ finishing

    def _search_js(self, config) -> str | None:
        """The page side of search, minified, to inline before Material's bundle."""
        if self._search_js_text is None:
            import rjsmin

            source = Path(config.theme.custom_dir or "") / "assets/javascripts/doorstep-search.js"
            self._search_js_text = rjsmin.jsmin(source.read_text(encoding="utf-8")) if source.is_file() else ""
        return self._search_js_text or None

    def _material(self, config) -> dict:
        """What the templates need to link Material's trimmed stylesheet and to
        load its script only when search opens (overrides/main.html)."""
        if self._material_info is None:
            import rjsmin

            bundle = trim.material_asset(config.theme.dirs, "assets/javascripts/bundle.*.min.js")
            source = Path(config.theme.custom_dir or "") / "assets/javascripts/doorstep-material.js"
            self._material_info = {} if bundle is None or not source.is_file() else {
                "main_css": f"{trim.SHEET}/main.{CSS_PENDING}.min.css",
                "palette_css": trim.material_asset(config.theme.dirs, "assets/stylesheets/palette.*.min.css"),
                "material_js": bundle,
                "material_loader": rjsmin.jsmin(source.read_text(encoding="utf-8")),
            }
        return self._material_info

    def _trim_css(self, config) -> None:
        """Material's stylesheet without the rules no built page uses, under its
        own hash, which every page's placeholder then names (site/trim.py)."""
        if not self._material(config):
            return
        started = time.perf_counter()
        site = Path(config.site_dir)
        root = Path(config.config_file_path).parent if config.config_file_path else Path.cwd()
        result = trim.trim(site, config.theme.dirs, root / self.config.cache_dir / "trim")
        for page in site.rglob("*.html"):
            fill_in(page, CSS_PENDING, result.digest)
        kept = f"{result.kept} of {result.rules} rules kept" if result.rules else "from cache"
        log.info(f"Material's stylesheet trimmed: {kept} ({result.name}) in {time.perf_counter() - started:.2f} s")

    def _progress(self, done: int, total: int, cached: int) -> None:
        if total > 10 and done % 10 == 0 and done < total:
            log.info(f"Pamphlets: {done}/{total} ready")

    def _finish(self, config, success: bool):
        if self.final_site_dir is None:
            return
        tmp, final = Path(config.site_dir), Path(self.final_site_dir)
        config.site_dir = self.final_site_dir
        self.final_site_dir = None
        if not success:
            shutil.rmtree(tmp, ignore_errors=True)
            return
        swap_in(tmp, final)
