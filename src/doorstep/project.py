"""Read a doorstep project's settings from its mkdocs.yml, without building it."""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .errors import DoorstepError, Problem
from .model import Library, load_library, read_library


class _Loader(yaml.SafeLoader):
    """SafeLoader that tolerates MkDocs' !ENV and !relative tags."""


def _tag(loader, suffix, node):
    """`!ENV [NAME, …, default]` reads the environment as MkDocs does; other tags give their value."""
    if isinstance(node, yaml.SequenceNode):
        values = loader.construct_sequence(node)
    else:
        values = [loader.construct_scalar(node)]
    if suffix == "ENV":
        names, default = (values[:-1], values[-1]) if len(values) > 1 else (values, None)
        return next((os.environ[name] for name in names if name in os.environ), default)
    return values[-1] if values else None


def _python_name(loader, suffix, node):
    """`!!python/name:module.name` (a toc `slugify`, say), imported as MkDocs does."""
    module, _, name = suffix.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        raise yaml.constructor.ConstructorError(None, None, f"cannot import '{suffix}'", node.start_mark) from None


_Loader.add_multi_constructor("!", _tag)
_Loader.add_multi_constructor("tag:yaml.org,2002:python/name:", _python_name)


@dataclass
class Settings:
    root: Path
    docs_dir: Path
    languages: list[str]
    default: str
    allowed_domains: list[str]
    site_url: str = ""
    markdown_extensions: list = field(default_factory=list)  # as written in mkdocs.yml
    doorstep: dict = field(default_factory=dict)  # the doorstep plugin's options, checked, with their defaults


def read_settings(config_file: Path) -> Settings:
    """The parts of mkdocs.yml that doorstep needs, without building."""
    config_file = Path(config_file)
    if not config_file.is_file():
        raise DoorstepError(Problem(str(config_file), 1, "file not found", "run doorstep in the project folder or pass -f"))
    try:
        config = yaml.load(config_file.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except yaml.constructor.ConstructorError as exc:  # a tag: !!python/name of something not installed
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise DoorstepError(Problem(str(config_file), line, str(exc.problem),
                                    "install the package that provides it, or fix its name")) from None
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise DoorstepError(Problem(str(config_file), line, f"not valid YAML: {exc.problem}", "fix the indentation")) from None
    if not isinstance(config, dict):
        raise DoorstepError(Problem(str(config_file), 1, "mkdocs.yml is not a list of settings", "see the repository's mkdocs.yml"))
    root = config_file.parent
    languages, default, options = [], None, {}
    for plugin in config.get("plugins", []):
        if isinstance(plugin, dict) and "doorstep" in plugin:
            options = plugin["doorstep"] or {}
        if isinstance(plugin, dict) and "i18n" in plugin:
            for lang in (plugin["i18n"] or {}).get("languages", []):
                if lang.get("build", True):
                    languages.append(lang["locale"])
                if lang.get("default"):
                    default = lang["locale"]
    if not languages or default is None:
        raise DoorstepError(Problem(str(config_file), 1, "no i18n languages with a default one",
                                    "configure plugins → i18n → languages in mkdocs.yml"))
    docs_dir = root / config.get("docs_dir", "docs")
    if not docs_dir.is_dir():
        raise DoorstepError(Problem(str(config_file), 1, f"the guides folder {docs_dir.name}/ does not exist",
                                    "create it, or fix docs_dir in mkdocs.yml"))
    site_url = str(config.get("site_url") or "")
    if site_url and not site_url.endswith("/"):
        site_url += "/"  # as MkDocs does
    options = plugin_options(options, config_file)
    allowed = [d.lower() for d in options["allowed_domains"]]
    return Settings(root, docs_dir, languages, default, allowed, site_url, list(config.get("markdown_extensions") or []),
                    options)


def plugin_options(options, config_file: Path) -> dict:
    """The doorstep plugin's options, checked by the plugin's own schema, with defaults."""
    from .site.config import DoorstepConfig

    if not isinstance(options, dict):
        raise DoorstepError(Problem(str(config_file), 1, "plugins → doorstep must hold 'option: value' lines",
                                    "see docs/how-it-works.md"))
    checked = DoorstepConfig(config_file_path=str(config_file))
    checked.load_dict(options)
    errors, _warnings = checked.validate()
    if errors:
        lines = config_file.read_text(encoding="utf-8").split("\n")
        problems = []
        for key, error in errors:
            line = next((n for n, text in enumerate(lines, 1) if text.strip().startswith(f"{key}:")), 1)
            problems.append(Problem(str(config_file), line, f"plugins → doorstep → {key}: {error}",
                                    "fix the option (docs/how-it-works.md lists them)"))
        raise DoorstepError(problems)
    return dict(checked)


def load_project(config_file: Path) -> Library:
    """The validated guides of the site described by `config_file`."""
    s = read_settings(config_file)
    return load_library(s.docs_dir, s.languages, s.default, s.root, allowed_domains=s.allowed_domains,
                        markdown_extensions=s.markdown_extensions, cache_dir=s.root / s.doorstep["cache_dir"])


def read_project(config_file: Path) -> tuple[Library, list[Problem]]:
    """The guides that validate, and the problems of those that do not."""
    s = read_settings(config_file)
    return read_library(s.docs_dir, s.languages, s.default, s.root, allowed_domains=s.allowed_domains,
                        markdown_extensions=s.markdown_extensions, cache_dir=s.root / s.doorstep["cache_dir"])
