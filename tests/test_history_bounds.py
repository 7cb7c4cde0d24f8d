"""Work that follows the monthly volume, not the length of history, without changing results:
the funnel keeps a finished cohort's row in the cache (and drops it when a month it reads
changes), the scene evaluation and the campaign arms read only the months they need (hand-worked
cases whose answer depends on the month after the last push / the campaign's second month),
and the lifecycle horizon is found from the first and last month (else year) of the aggregates."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from conftest import write_table, small_sample
from toolkit.aggregates import build
from toolkit.analyses.campaign_effects import campaign_effects
from toolkit.analyses.lifecycle import Lifecycle, month_label
from toolkit.analyses.periods import cohort_funnel
from toolkit.analyses.scenes import evaluate
from toolkit.data.store import open_store

SIGNAL = ["trip"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return small_sample(tmp_path_factory, "hist", users=500, months=8, seed=5)


def _funnel(data, cache):
    store = open_store(data)
    res = build(store, signal_events=SIGNAL, cache_dir=cache)
    return res, cohort_funnel(Lifecycle(store.con, signal_events=SIGNAL, aggregates=res.aggregates))


def _in_memory(data):
    return cohort_funnel(Lifecycle(open_store(data).con, signal_events=SIGNAL))


def test_finished_cohorts_are_kept_and_dropped_when_a_month_they_read_changes(small, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small, data)
    cache = tmp_path / "cache"
    res, first = _funnel(data, cache)
    pd.testing.assert_frame_equal(first, _in_memory(data))
    kept = sorted(p.parent.name for p in (cache / "months").glob("*/funnel-*.parquet") if ".through-" not in p.name)
    assert kept == [m for m in first["cohort"] if m <= "2026-08"]       # the last two cohorts are not final
    # and read through one file of them all in the last final cohort's folder (kept.read_kept)
    assert [p.parent.name for p in (cache / "months").glob("*/funnel-*.through-*.parquet")] == ["2026-08"]
    mtimes = {p: p.stat().st_mtime_ns for p in (cache / "months").glob("*/funnel-*.parquet")}
    _, again = _funnel(data, cache)
    pd.testing.assert_frame_equal(again, first)
    assert {p: p.stat().st_mtime_ns for p in mtimes} == mtimes          # read, not rewritten
    # a user of the 2026-06 cohort inactive in 2026-07 gets an event in 2026-07 (a late file):
    # the kept row of 2026-06 reads July, so it must be dropped and the cohort's retained grow by 1
    con = open_store(data).con
    Lifecycle(con, signal_events=SIGNAL)
    user = con.execute("SELECT user_id FROM lifecycle_snapshots WHERE mi = 2026 * 12 + 6 AND entry = 2026 * 12 + 5 "
                       "AND NOT active ORDER BY user_id LIMIT 1").fetchone()[0]
    pd.DataFrame({"user_id": [user], "event_time": pd.to_datetime(["2026-07-15 10:00"]),
                  "event_name": ["app_open"]}).to_parquet(data / "events" / "late.parquet", index=False)
    res, changed = _funnel(data, cache)
    assert res.recomputed == [2026 * 12 + 6]
    pd.testing.assert_frame_equal(changed, _in_memory(data))
    row = lambda f: f.set_index("cohort").loc["2026-06"]                # noqa: E731
    assert row(changed)["retained"] == row(first)["retained"] + 1
    assert row(changed)["acquired"] == row(first)["acquired"]


def _scene_dir(tmp_path):
    # everyone enters in 2024-12; pushes of rule P, 30-day window (the days after the push day):
    #   u1 treatment, pushed 2025-01-25, active 2025-02-10 (16 days after)      -> reactivated
    #   u2 control,   pushed 2025-01-25, active 2025-03-01 (35 days after)      -> not
    #   u3 treatment, pushed 2025-02-20, active 2025-03-15 (23 days after, in the month after
    #                 the last push month)                                     -> reactivated
    #   u4 control,   pushed 2025-02-20, active 2025-02-20 only (the push day)  -> not
    # the data end on 2025-03-31 (u1), after the last push's 30 days (to 2025-03-22)
    d = tmp_path / "scene"
    ev = [(u, "2024-12-05 10:00") for u in (1, 2, 3, 4)] + \
         [(1, "2025-02-10 10:00"), (2, "2025-03-01 10:00"), (3, "2025-03-15 10:00"), (4, "2025-02-20 18:00"),
          (1, "2025-03-31 10:00")]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _ in ev], "event_name": "app_open",
                                           "event_time": pd.to_datetime([t for _, t in ev])}))
    pushes = [(1, "2025-01-25 08:00", "treatment"), (2, "2025-01-25 08:00", "control"),
              (3, "2025-02-20 08:00", "treatment"), (4, "2025-02-20 08:00", "control")]
    write_table(d, "pushes", pd.DataFrame({"push_id": [f"p{u}" for u, _, _ in pushes], "user_id": [u for u, _, _ in pushes],
                                           "sent_at": pd.to_datetime([t for _, t, _ in pushes]), "rule_id": "P",
                                           "content": "c", "arm": [a for _, _, a in pushes]}))
    return d


@pytest.mark.parametrize("cached", [False, True])
def test_scene_evaluation_reads_the_months_after_the_last_push(tmp_path, cached):
    d = _scene_dir(tmp_path)
    store = open_store(d)
    if cached:
        build(store, cache_dir=tmp_path / "cache")
    ev = evaluate(store.con, days=30).set_index("month")
    assert ev.loc["2025-01", ["treatment", "control"]].tolist() == [1.0, 0.0]
    assert ev.loc["2025-02", ["treatment", "control"]].tolist() == [1.0, 0.0]       # u3's March visit counts
    assert ev.loc["all", ["treatment", "control", "n_treatment", "n_control"]].tolist() == [1.0, 0.0, 2, 2]
    assert ev.loc["all", ["first_month", "last_month"]].tolist() == ["2025-01", "2025-02"] and not ev.attrs["pending"]


def test_a_report_evaluates_only_pushes_whose_days_have_ended(tmp_path):
    """A report of a month quotes no push after it, and a push whose 30 days are not over counts
    neither as a failure nor as a success: it is pending.  (The March report quoted the pushes up
    to October; writing next month's pushes lowered the rule's result, every new user counted as
    not reactivated.)"""
    from datetime import date
    d = _scene_dir(tmp_path)
    con = open_store(d).con
    feb = evaluate(con, days=30, until=date(2025, 2, 28)).set_index("month")
    assert list(feb.index) == ["2025-01", "all"] and feb.attrs["pending"] == {"2025-02": 2}
    assert feb.loc["all", ["n_treatment", "n_control", "last_month"]].tolist() == [1, 1, "2025-01"]
    jan = evaluate(con, days=30, until=date(2025, 1, 31))
    assert jan.empty and jan.attrs["pending"] == {"2025-01": 2}      # February's pushes are not sent yet
    # pushes after the data (next month's, just written) are pending too, not failures
    write_table(d, "pushes", pd.concat([pd.read_parquet(next(d.glob("pushes*"))), pd.DataFrame(
        {"push_id": ["p9"], "user_id": [1], "sent_at": pd.to_datetime(["2025-04-01 08:00"]), "rule_id": "P",
         "content": "c", "arm": "treatment"})]))
    later = evaluate(open_store(d).con, days=30).set_index("month")
    assert "2025-04" not in later.index and later.loc["all", "n_treatment"] == 2


@pytest.mark.parametrize("cached", [False, True])
def test_campaign_arms_read_every_month_of_the_campaign(tmp_path, cached):
    # campaign X runs 2025-01-20 .. 2025-02-10 (two months); everyone enters 2024-12:
    #   u1 treatment active 2025-02-05 (second month) -> converted; u2 treatment 2025-01-25 -> converted
    #   u3 control active 2025-02-15 (after the end) -> not; u4 control 2025-01-19 (before) -> not
    d = tmp_path / "camp"
    ev = [(u, "2024-12-05 10:00") for u in (1, 2, 3, 4)] + \
         [(1, "2025-02-05 10:00"), (2, "2025-01-25 10:00"), (3, "2025-02-15 10:00"), (4, "2025-01-19 10:00")]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _ in ev], "event_name": "app_open",
                                           "event_time": pd.to_datetime([t for _, t in ev])}))
    write_table(d, "campaign_members", pd.DataFrame({"campaign_id": "X", "user_id": [1, 2, 3, 4],
                                                     "arm": ["treatment", "treatment", "control", "control"]}))
    (d / "campaigns.csv").write_text("campaign_id,name,start_date,end_date,goal_metric,target_group,"
                                     "planned_treatment_share\nX,test,2025-01-20,2025-02-10,active,all,0.5\n")
    store = open_store(d)
    if cached:
        build(store, cache_dir=tmp_path / "cache")
    r = campaign_effects(store.con).iloc[0]
    assert (r["treatment"], r["control"], r["n_treatment"], r["n_control"]) == (1.0, 0.0, 2, 2)


def test_lifecycle_horizon_beyond_the_first_and_last_year(tmp_path):
    # 30 months of aggregates (orders from 2023-01 to 2025-06) but qualifying events only in
    # 2024-03 .. 2024-05 and a signal in 2024-08: the first and last years hold none, so every
    # month is read: the lifecycle runs 2024-03 .. 2024-08
    d = tmp_path / "h"
    ev = [(1, "2024-03-05", "app_open"), (2, "2024-05-05", "app_open"), (1, "2024-08-05", "trip")]
    write_table(d, "events", pd.DataFrame({"user_id": [u for u, _, _ in ev], "event_name": [n for *_, n in ev],
                                           "event_time": pd.to_datetime([t for _, t, _ in ev])}))
    write_table(d, "orders", pd.DataFrame({"user_id": [1, 2], "amount": [1.0, 2.0],
                                           "order_time": pd.to_datetime(["2023-01-10", "2025-06-10"])}))
    for cached in (False, True):
        store = open_store(d)
        agg = build(store, signal_events=SIGNAL, cache_dir=tmp_path / "cache").aggregates if cached else None
        lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg)
        assert (lc.first_mi, lc.last_mi) == (2024 * 12 + 2, 2024 * 12 + 7)


@pytest.mark.parametrize("first_event, last_event, registered, expected", [
    # (first entry month, first month shown, last month)
    # the first and last months hold none: found in the first and last year
    ("2023-03-05", "2025-04-05", None, ("2023-03", "2023-03", "2025-04")),
    # a registration in the first month and a signal in the last: those months are the ends; the
    # months before the first qualifying event are not shown
    ("2023-03-05", "2025-04-05", "2023-01-20", ("2023-01", "2023-03", "2025-04")),
    ("2023-01-05", "2025-06-05", None, ("2023-01", "2023-01", "2025-06")),
    # registrations in the first month, the first qualifying event found only past the first year
    ("2024-05-05", "2025-04-05", "2023-01-20", ("2023-01", "2024-05", "2025-04")),
])
def test_lifecycle_horizon_inside_the_first_and_last_year(tmp_path, first_event, last_event, registered, expected):
    # orders span 2023-01 .. 2025-06 (the aggregates' months); the horizon is where the
    # qualifying and signal events and registrations are
    d = tmp_path / "h"
    write_table(d, "events", pd.DataFrame({"user_id": [1, 1], "event_name": ["app_open", "trip"],
                                           "event_time": pd.to_datetime([first_event, last_event])}))
    write_table(d, "orders", pd.DataFrame({"user_id": [1, 2], "amount": [1.0, 2.0],
                                           "order_time": pd.to_datetime(["2023-01-10", "2025-06-10"])}))
    if registered:
        write_table(d, "users", pd.DataFrame({"user_id": [1, 2], "registered_at": pd.to_datetime([registered] * 2)}))
    for cached in (False, True):
        store = open_store(d)
        agg = build(store, signal_events=SIGNAL, cache_dir=tmp_path / f"cache-{cached}").aggregates if cached else None
        lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg)
        assert tuple(month_label(m) for m in (lc.entries_from_mi, lc.first_mi, lc.last_mi)) == expected
