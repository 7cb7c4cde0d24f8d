"""The synthetic sample: deterministic bytes, and each planted effect visible in the raw events.

These checks read the raw tables with plain SQL, independently of the analysis
modules, so they test the generator, not the toolkit's own estimators.
"""
import hashlib
import json
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from conftest import SAMPLE_USERS, run_cli
from toolkit.data.sample import generate_sample
from toolkit.data.store import open_store
from toolkit.data.validate import validate


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_same_seed_same_bytes(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    generate_sample(a, users=600, months=14, end="2026-03", seed=3)
    proc = run_cli("sample", "--out", b, "--users", 600, "--months", 14, "--end", "2026-03", "--seed", 3)
    assert proc.returncode == 0, proc.stderr
    generate_sample(c, users=600, months=14, end="2026-03", seed=4)
    da, db, dc = _digest(a), _digest(b), _digest(c)
    assert len(da) >= 20 and da == db
    assert da["events/events-2026-03.parquet"] != dc["events/events-2026-03.parquet"]


def test_sample_is_valid_and_clean(sample_dir, truth):
    h = validate(open_store(sample_dir))
    assert h.ok, h.render()
    assert h.summary["before_registration"] == 0 and h.summary["future_events"] == 0
    assert h.unmapped == []
    assert h.summary["users"] == SAMPLE_USERS and h.summary["rows"] == truth["events"]
    assert [m for m, _, _ in h.per_month] == truth["months"]


def test_a_short_sample_without_campaigns_validates_without_warnings(tmp_path):
    """Three months hold no campaign year: no campaign tables are written (they were, empty, and
    `validate` warned of the generator's own output)."""
    d = tmp_path / "short"
    generate_sample(d, users=400, months=3, end="2026-10", seed=2)
    assert not (d / "campaigns.csv").exists() and not (d / "campaign_members.parquet").exists()
    h = validate(open_store(d))
    assert h.ok and not h.warnings, h.render()


@pytest.fixture(scope="module")
def activity(sample_dir):
    """User x month activity from the raw app events (trip excluded), with the planted groups."""
    con = open_store(sample_dir).con
    act = con.execute("""SELECT user_id, strftime(event_time, '%Y-%m') AS month FROM events
                         WHERE event_name <> 'trip' GROUP BY ALL""").df()
    tu = pd.read_parquet(sample_dir / "truth_users.parquet")
    months = sorted(act.month.unique())
    mat = pd.crosstab(act.user_id, act.month).reindex(index=tu.user_id, columns=months, fill_value=0) > 0
    return mat.to_numpy(), months, tu


def _rates(activity, upto):
    """Pooled P(active in M | state in M-1) by planted group, for months before `upto` (k = 2)."""
    A, months, tu = activity
    entry = np.array([months.index(m) for m in tu.entry_month])
    drv = tu.driver.to_numpy()
    out = {}
    for g, mask in (("driver", drv), ("non_driver", ~drv)):
        num, den = {}, {}
        for m in range(2, months.index(upto)):
            pools = {"retention_new": entry == m - 1,
                     "retention_old": (entry < m - 1) & A[:, m - 1],
                     "wake_rate": (entry <= m - 2) & ~A[:, m - 1] & A[:, m - 2],
                     "return_rate": (entry <= m - 2) & ~A[:, m - 1] & ~A[:, m - 2]}
            for k, pool in pools.items():
                p = pool & mask
                num[k] = num.get(k, 0) + (p & A[:, m]).sum()
                den[k] = den.get(k, 0) + p.sum()
        out[g] = {k: (num[k] / den[k], den[k]) for k in num}
    return out


def test_planted_lifecycle_probabilities(activity, truth):
    A, months, tu = activity
    entry = np.array([months.index(m) for m in tu.entry_month])
    assert A[np.arange(len(entry)), entry].all(), "every user is active in their entry month"
    got = _rates(activity, upto=truth["scene_rules"][0]["first_month"])   # before scenes and campaigns
    for rate, by_group in truth["lifecycle"].items():
        for g, p in by_group.items():
            est, n = got[g][rate]
            se = np.sqrt(p * (1 - p) / n)
            assert abs(est - p) < 4 * se + 0.005, (rate, g, est, p, n)


def test_growth_of_registrations(activity):
    _, months, tu = activity
    per = tu.entry_month.value_counts().reindex(months, fill_value=0)
    assert per.iloc[-6:].sum() > 1.8 * per.iloc[:6].sum()


def _arm_rate(con, month, where):
    return con.execute(f"""
        SELECT arm, avg(CASE WHEN a.user_id IS NULL THEN 0 ELSE 1 END) AS rate, count(*) AS n
        FROM ({where}) AS m
        LEFT JOIN (SELECT DISTINCT user_id FROM events WHERE event_name <> 'trip'
                   AND strftime(event_time, '%Y-%m') = '{month}') AS a USING (user_id)
        GROUP BY arm""").df().set_index("arm")


def _diff_and_se(r):
    t, c = r.loc["treatment"], r.loc["control"]
    se = np.sqrt(t.rate * (1 - t.rate) / t.n + c.rate * (1 - c.rate) / c.n)
    return t.rate - c.rate, se


@pytest.mark.parametrize("cid", ["C1", "C2", "C3"])
def test_planted_campaign_lifts(sample_dir, truth, cid):
    camp = next(c for c in truth["campaigns"] if c["campaign_id"] == cid)
    con = open_store(sample_dir).con
    r = _arm_rate(con, camp["month"], f"SELECT * FROM campaign_members WHERE campaign_id = '{cid}'")
    diff, se = _diff_and_se(r)
    assert abs(diff - camp["lift"]) < 3.5 * se, (cid, diff, camp["lift"], se)
    share = r.loc["treatment"].n / r.n.sum()
    assert abs(share - camp["treatment_share"]) < 0.03
    if camp["lift"] == 0:
        assert abs(diff) < 3.5 * se


def test_planted_scene_lift(sample_dir, truth):
    rule = truth["scene_rules"][0]
    con = open_store(sample_dir).con
    pushes = con.execute("SELECT user_id, strftime(sent_at, '%Y-%m') AS month, arm FROM pushes").df()
    act = con.execute("""SELECT DISTINCT user_id, strftime(event_time, '%Y-%m') AS month FROM events
                         WHERE event_name <> 'trip'""").df()
    act["active"] = 1
    m = pushes.merge(act, on=["user_id", "month"], how="left").fillna({"active": 0})
    g = m.groupby("arm").active.agg(["mean", "count"])
    diff = g.loc["treatment", "mean"] - g.loc["control", "mean"]
    se = np.sqrt(sum(g.loc[a, "mean"] * (1 - g.loc[a, "mean"]) / g.loc[a, "count"] for a in g.index))
    assert abs(diff - rule["wake_lift"]) < 3.5 * se
    assert abs(g.loc["control", "count"] / g["count"].sum() - rule["control_share"]) < 0.02
    assert pushes.month.min() == rule["first_month"]


def _dau(con, event_filter):
    return con.execute(f"""SELECT CAST(event_time AS DATE) AS day, count(DISTINCT user_id) AS dau FROM events
                           WHERE {event_filter} GROUP BY ALL""").df().set_index("day").dau


@pytest.mark.parametrize("festival", ["spring_festival", "national_day", "labour_day"])
def test_planted_holiday_uplift(sample_dir, truth, festival):
    con = open_store(sample_dir).con
    windows = [h for h in truth["holidays"] if h["festival"] == festival]
    w = windows[-1]
    start, end = date.fromisoformat(w["start"]), date.fromisoformat(w["end"])
    off = {date.fromisoformat(h["start"]) + timedelta(days=i) for h in truth["holidays"]
           for i in range((date.fromisoformat(h["end"]) - date.fromisoformat(h["start"])).days + 1)}
    for filt, name in (("event_name <> 'trip'", "app"), ("event_name = 'trip'", "trip")):
        dau = _dau(con, filt)
        dau.index = pd.to_datetime(dau.index).date
        inside = [dau[d] for d in dau.index if start <= d <= end]
        # baseline: same weekdays in the three weeks before and after, outside any window
        wds = {(start + timedelta(days=i)).weekday() for i in range((end - start).days + 1)}
        base = [dau[d] for d in dau.index if d not in off and d.weekday() in wds
                and (start - timedelta(days=21) <= d < start or end < d <= end + timedelta(days=21))]
        lift = np.mean(inside) / np.mean(base)
        assert abs(lift - w["lift"]) < 0.12 * w["lift"], (festival, name, lift, w["lift"])


def test_planted_preferences(sample_dir):
    con = open_store(sample_dir).con
    shares = con.execute("""
        WITH d AS (SELECT DISTINCT e.user_id, CAST(e.event_time AS DATE) AS day, f.category
                   FROM events e LEFT JOIN feature_map f USING (event_name) WHERE e.event_name <> 'trip'),
             days AS (SELECT user_id, count(DISTINCT day) AS n FROM d GROUP BY ALL HAVING n >= 8)
        SELECT d.user_id, d.category, count(*) / any_value(days.n) AS share
        FROM d JOIN days USING (user_id) WHERE d.category IS NOT NULL GROUP BY ALL""").df()
    top = shares.sort_values("share").groupby("user_id").tail(1).set_index("user_id").category
    tu = pd.read_parquet(sample_dir / "truth_users.parquet").set_index("user_id").primary_category
    agree = (top == tu.reindex(top.index)).mean()
    assert len(top) > 2000 and agree > 0.9


def test_offline_signal_only_for_drivers(sample_dir):
    con = open_store(sample_dir).con
    trip_users = set(con.execute("SELECT DISTINCT user_id FROM events WHERE event_name = 'trip'").df().user_id)
    tu = pd.read_parquet(sample_dir / "truth_users.parquet")
    drivers = set(tu.user_id[tu.driver])
    assert trip_users <= drivers and len(trip_users) > 0.9 * len(drivers)


def test_truth_records_every_effect(truth):
    assert set(truth["lifecycle"]) == {"retention_new", "retention_old", "wake_rate", "return_rate"}
    assert {c["goal_metric"] for c in truth["campaigns"]} == {"retention_new", "return_rate", "retention_old"}
    assert any(c["lift"] == 0 for c in truth["campaigns"])
    assert {"spring_festival", "national_day", "labour_day"} <= {h["festival"] for h in truth["holidays"]}
    assert truth["scene_rules"] and truth["scene_rules"][0]["control_share"] == 0.1
    json.dumps(truth)
