"""Reviews that come due: `review_every`, `doorstep status`, `doorstep check`, around their boundaries."""

from __future__ import annotations

import calendar
import datetime as dt
import json
import os
import subprocess

import pytest

from doorstep import review
from doorstep.errors import DoorstepError
from doorstep.project import read_project

from conftest import BIN, make_project, run_build

# The fixture guides (demo, only-vi) were reviewed on 2026-11-20: with the default
# 180 days they are due on 2027-05-19.
DUE = dt.date(2027, 5, 19)
BOUNDARIES = [  # today → (state, days left)
    (DUE - dt.timedelta(days=31), review.UP_TO_DATE, 31),
    (DUE - dt.timedelta(days=30), review.DUE, 30),
    (DUE, review.DUE, 0),
    (DUE + dt.timedelta(days=1), review.OVERDUE, -1),
]


def epoch(day: dt.date, seconds: int = 0) -> str:
    return str(calendar.timegm(day.timetuple()) + seconds)


def doorstep(project, *args, day: dt.date, seconds: int = 0):
    env = {**os.environ, "SOURCE_DATE_EPOCH": epoch(day, seconds)}
    return subprocess.run([str(BIN / "doorstep"), *args], capture_output=True, text=True, cwd=project, env=env,
                          timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return make_project(tmp_path_factory.mktemp("review") / "p")


def test_today_is_the_day_of_source_date_epoch(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(DUE, 86399))  # the last second of the day, UTC
    assert review.today() == DUE
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(DUE, 86400))
    assert review.today() == DUE + dt.timedelta(days=1)
    monkeypatch.delenv("SOURCE_DATE_EPOCH")
    assert review.today() == dt.date.today()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(DoorstepError) as caught:
        review.today()
    assert str(caught.value).startswith("SOURCE_DATE_EPOCH:1: 'soon' is not a number of seconds")


@pytest.mark.parametrize("today,state,left", BOUNDARIES)
def test_review_states_at_their_boundaries(project, today, state, left):
    library, problems = read_project(project / "mkdocs.yml")
    assert problems == []
    found = review.reviews(library, 180, on=today)
    assert [(r.slug, r.reviewed, r.due, r.state, r.days_left) for r in found] == [
        ("demo", dt.date(2026, 11, 20), DUE, state, left), ("only-vi", dt.date(2026, 11, 20), DUE, state, left)]
    warnings = review.problems(library, 180, on=today)
    if state == review.OVERDUE:
        # One warning per guide, at the `reviewed:` line of its index.md (translations inherit it).
        assert [(p.path, p.line, p.level) for p in warnings] == [
            ("guides/demo/index.md", 14, "warning"), ("guides/only-vi/index.md", 13, "warning")]
        assert "due again 2027-05-19 (1 day ago)" in warnings[0].message
    else:
        assert warnings == []


@pytest.mark.parametrize("today,state,left", BOUNDARIES)
def test_status_shows_each_guides_review_state(project, today, state, left):
    result = doorstep(project, "status", "--format", "json", day=today, seconds=43200)
    assert result.returncode == 0, result.stderr
    reviews = json.loads(result.stdout)["reviews"]
    assert reviews["demo"] == {"reviewed": "2026-11-20", "due": "2027-05-19", "days_left": left, "state": state,
                               "path": "guides/demo/index.md", "line": 14}
    assert reviews["only-vi"]["state"] == state
    table = doorstep(project, "status", day=today).stdout
    assert "Reviews" in table and "2027-05-19" in table and state in table


def test_check_warns_on_an_overdue_guide_and_strict_fails_on_it(project):
    on_time = doorstep(project, "check", "--format", "json", day=DUE)
    assert on_time.returncode == 0
    assert not [p for p in json.loads(on_time.stdout)["problems"] if "review" in p["message"]]

    late = doorstep(project, "check", day=DUE + dt.timedelta(days=1))
    assert late.returncode == 0  # a warning: the guides are still published…
    overdue = [line for line in late.stderr.splitlines() if "review overdue" in line]
    assert overdue == [
        "guides/demo/index.md:14: warning: review overdue: the facts were last checked on 2026-11-20, due again "
        "2027-05-19 (1 day ago) — check every fact against the official sources, then set `reviewed:` to that "
        "day's date",
        "guides/only-vi/index.md:13: warning: review overdue: the facts were last checked on 2026-11-20, due "
        "again 2027-05-19 (1 day ago) — check every fact against the official sources, then set `reviewed:` to "
        "that day's date"]
    assert "Traceback" not in late.stderr
    # …unless CI asks warnings to fail. (The fixture's missing translations are warnings
    # too, so compare with the strict check of the day before.)
    strict_late = doorstep(project, "check", "--strict", "--format", "json", day=DUE + dt.timedelta(days=1))
    assert strict_late.returncode == 1
    assert json.loads(strict_late.stdout)["warnings"] == json.loads(on_time.stdout)["warnings"] + 2


def test_review_every_sets_the_interval_and_is_checked(tmp_path):
    project = make_project(tmp_path / "p")
    config = project / "mkdocs.yml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("  - doorstep:\n", "  - doorstep:\n      review_every: 30\n"), encoding="utf-8")
    result = doorstep(project, "status", "--format", "json", day=dt.date(2026, 12, 21))
    assert json.loads(result.stdout)["reviews"]["demo"]["due"] == "2026-12-20"
    assert json.loads(result.stdout)["reviews"]["demo"]["state"] == review.OVERDUE

    config.write_text(text.replace("  - doorstep:\n", "  - doorstep:\n      review_every: 0\n"), encoding="utf-8")
    refused = doorstep(project, "check", day=DUE)
    assert refused.returncode == 1
    line = text.split("\n").index("  - doorstep:") + 2
    assert refused.stderr.strip() == (
        f"mkdocs.yml:{line}: plugins → doorstep → review_every: must be a whole number of days, at least 1 (not 0) — "
        "fix the option (docs/how-it-works.md lists them)")


def test_the_build_ignores_review_dates(tmp_path, monkeypatch):
    """A site built from the same commit is the same site later: no warning under --strict."""
    project = make_project(tmp_path / "p")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch(dt.date(2031, 1, 1)))  # every guide years overdue
    result = run_build(project)
    assert result.returncode == 0, result.stderr
    assert "overdue" not in result.stderr and "WARNING" not in result.stderr
