"""The bundled guides: complete, sourced, dated and in every language."""

from __future__ import annotations

import pytest

from doorstep.model import MAX_STEPS, MIN_STEPS
from doorstep.project import load_project

from conftest import LANGS, REPO

LIBRARY = load_project(REPO / "mkdocs.yml")
OFFICIAL = (".gov.vn",)


def official(domain: str) -> bool:
    return domain.endswith(OFFICIAL) or domain in ("chinhphu.vn",)


@pytest.mark.parametrize("slug", sorted(LIBRARY.guides))
def test_guide_is_complete_in_every_language(slug):
    assert sorted(LIBRARY.guides[slug]) == sorted(LANGS), f"{slug} lacks a language"
    for lang, guide in LIBRARY.guides[slug].items():
        meta = guide.meta
        assert meta.need and meta.cost and meta.time and meta.where, (slug, lang)
        assert MIN_STEPS <= guide.steps <= MAX_STEPS, (slug, lang, guide.steps)
        assert meta.reviewed is not None
        assert meta.task is not None


@pytest.mark.parametrize("slug", sorted(LIBRARY.guides))
def test_guide_cites_an_official_source(slug):
    sources = LIBRARY.guides[slug]["vi"].meta.sources
    assert any(official(source.domain) for source in sources), f"{slug}: no source on an official domain"
    for source in sources:
        assert source.url.startswith("https://")


def test_there_are_guides():
    assert len(LIBRARY.guides) >= 9
