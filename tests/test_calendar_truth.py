"""Calendar truth: per year, official, supplied or estimated; a supplied schedule wins; a report
on an estimated year says so where the reader looks."""
from __future__ import annotations

from datetime import date, timedelta

import holidays
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from conftest import ROOT, run_cli
from toolkit.analyses.holiday_calendar import calendar_notes, country_calendar, holiday_windows, is_day_off, official_until
from toolkit.analyses.holiday_lift import holiday_lift
from toolkit.report.tables import read_metrics
from toolkit.data.sample import generate_sample

# The first year the installed library has no official Chinese schedule for (2027 in holidays 0.109).
EST = official_until(holidays.country_holidays("CN", years=2026)) + 1


def _schedule(path, year):
    """A schedule table for ``year``: the Spring Festival days the library estimates plus two make-up
    working days on the weekends around them (the layout the State Council notice gives)."""
    cal = country_calendar("CN", [year])
    spring = [w for w in holiday_windows(date(year, 1, 1), date(year, 3, 31)) if w.festival == "spring_festival"][0]
    sats = [d for d in (spring.start - timedelta(days=i) for i in range(1, 8)) if d.weekday() == 6][:1] + \
        [d for d in (spring.end + timedelta(days=i) for i in range(1, 8)) if d.weekday() == 5][:1]
    rows = [(d, "holiday", "春节") for d in spring.dates()] + [(d, "workday", "春节") for d in sats]
    pd.DataFrame(rows, columns=["date", "kind", "name"]).to_csv(path, index=False)
    assert cal.status(year) == "estimated"
    return spring, sats


def test_years_without_an_official_schedule_are_estimated():
    cal = country_calendar("CN", range(2025, EST + 1))
    assert cal.status(2025) == "official" and cal.status(EST - 1) == "official" and cal.status(EST) == "estimated"
    assert not [d for d in cal.weekend_workdays if d.year == EST]     # the library knows no make-up days then
    assert country_calendar("GB", [EST]).status(EST) == "official"    # no make-up days: the rules are the truth
    notes = calendar_notes(date(EST - 1, 11, 1), date(EST, 3, 31), "CN", lang="en")
    assert len(notes) == 1 and f"for {EST} is estimated" in notes[0] and "holiday_schedule.csv" in notes[0]
    assert "推算" in calendar_notes(date(EST, 1, 1), date(EST, 2, 1), "CN", lang="zh")[0]
    assert calendar_notes(date(2025, 1, 1), date(EST - 1, 12, 31), "CN") == []


def test_a_supplied_schedule_wins(tmp_path):
    path = tmp_path / "holiday_schedule.csv"
    spring, workdays = _schedule(path, EST)
    cal = country_calendar("CN", [EST], path)
    assert cal.status(EST) == "supplied"
    for d in workdays:                                               # weekend days that are worked (调休)
        assert not is_day_off(d, schedule=path) and is_day_off(d)
    assert calendar_notes(date(EST, 1, 1), date(EST, 3, 31), "CN", path) == []
    days = pd.date_range(f"{EST}-01-01", f"{EST}-03-31", freq="D")
    daily = pd.Series(np.random.default_rng(1).poisson(1000, len(days)).astype(float), index=days)
    lifts = holiday_lift(daily, schedule=path)
    assert set(lifts.loc[lifts.festival == "spring_festival", "calendar"]) == {"supplied"}
    assert set(holiday_lift(daily).loc[lambda x: x.festival == "spring_festival", "calendar"]) == {"estimated"}
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-02-06,vacation,春节\n", encoding="utf-8")
    from toolkit.errors import ConfigError
    with pytest.raises(ConfigError, match=r"line 2: kind 'vacation' must be 'holiday' or 'workday'"):
        country_calendar("CN", [2027], bad)


def test_the_periods_section_warns_on_an_estimated_year(tmp_path):
    data = tmp_path / "data"
    generate_sample(data, users=500, months=3, end=f"{EST}-03", seed=2)
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(f"now: {EST}-04-30\nlanguage: en\n", encoding="utf-8")   # the data lie after today's clock
    out = tmp_path / "02_periods.ipynb"
    pm.execute_notebook(str(ROOT / "notebooks" / "02_periods.ipynb"), str(out), kernel_name="python3",
                        parameters={"data_dir": str(data), "month": f"{EST}-03", "config": str(cfg),
                                    "interactive": False}, progress_bar=False, cwd=str(tmp_path))
    notes = read_metrics(out)[0]["notes"]
    assert len(notes) == 1 and f"for {EST} is estimated" in notes[0]
    import nbformat
    nb = nbformat.read(str(out), as_version=4)
    shown = [o["data"].get("text/markdown", "") for c in nb.cells for o in c.get("outputs", []) if "data" in o]
    assert any(f"⚠ The holiday calendar for {EST} is estimated" in s for s in shown)
    proc = run_cli("--config", cfg, "holidays", data)
    assert proc.returncode == 0 and f"warning: The holiday calendar for {EST} is estimated" in proc.stderr
    assert "estimated" in proc.stdout


def test_the_documented_example_matches_the_official_schedule(tmp_path):
    """docs/data.md shows the schedule layout with the 2026 Spring Festival; read as a supplied
    schedule it gives the same window and make-up days as the library's official 2026."""
    text = (ROOT / "docs" / "data.md").read_text(encoding="utf-8")
    block = text.split("```csv\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "holiday_schedule.csv"
    path.write_text(block, encoding="utf-8")
    span = (date(2026, 1, 20), date(2026, 3, 20))
    supplied = [w for w in holiday_windows(*span, schedule=path) if w.festival == "spring_festival"]
    official = [w for w in holiday_windows(*span) if w.festival == "spring_festival"]
    assert [(w.start, w.end) for w in supplied] == [(w.start, w.end) for w in official] == \
        [(date(2026, 2, 15), date(2026, 2, 23))]
    assert country_calendar("CN", [2026], path).status(2026) == "supplied"
    assert not is_day_off(date(2026, 2, 28), schedule=path) and not is_day_off(date(2026, 2, 28))
