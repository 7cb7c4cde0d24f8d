"""The preferences a report reads (``window_preferences``): the users with activity in the
window listed, the others counted per state and months inactive.  Every table read from it
(tag distribution, state x category matrix, tag movement, scene audiences) must equal the
one read from the per-user frames of ``month_preferences``, which list every entered user:
by hand on a tiny log, on random logs (hypothesis) and on the sample."""
from datetime import datetime

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.preferences import (month_preferences, state_category_matrix, tag_distribution, tag_movement,
                                          window_preferences, window_tag_movement)
from toolkit.months import previous_month
from toolkit.analyses.scenes import audience, load_rules
from toolkit.data.store import open_store

from test_preferences import pref_dir  # noqa: F401  (the hand-worked fixture)

RULES = pd.DataFrame({"rule_id": ["R1", "R2", "R3", "R4"], "priority": [1, 2, 3, 4],
                      "state": ["churned", "any", "new", "dormant"], "months_inactive": [4, None, None, None],
                      "tag": ["any", "car_control", "community", "any"], "content": ["a", "b", "c", "d"],
                      "control_share": [0.1, 0.1, 0.1, 0.1]})


def _same(lc, month, rules=None, **kw):
    """Assert that every table from window_preferences equals the one from month_preferences."""
    prefs, states = month_preferences(lc, month, **kw)
    prev, _ = month_preferences(lc, previous_month(month), **kw)
    w, wp = window_preferences(lc, month, **kw), window_preferences(lc, previous_month(month), **kw)
    assert w.entered == len(prefs) and wp.entered == len(prev)
    assert len(w.prefs) == (prefs["primary_tag"] != "unknown").sum() + \
        ((prefs["primary_tag"] == "unknown") & (prefs["active_days"] > 0)).sum()
    pd.testing.assert_frame_equal(tag_distribution(w.prefs, w.unknown_total), tag_distribution(prefs))
    for a, b in zip(state_category_matrix(w.prefs), state_category_matrix(prefs, states)):
        pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(window_tag_movement(wp, w), tag_movement(prev, prefs), check_names=False)
    by_state = states.merge(prefs, on="user_id")
    unknown = by_state[by_state["active_days"] == 0].groupby("state").size()
    assert w.unknown_by_state()[w.unknown_by_state() > 0].to_dict() == unknown.to_dict()
    if rules is not None:
        got = audience(lc, rules, "2099-01", window=w)
        want = audience(lc, rules, "2099-01", basis=(states, prefs))
        pd.testing.assert_frame_equal(got, want)
    return w, wp


def test_hand_worked_window(pref_dir):  # noqa: F811
    # pref_dir (test_preferences.py), month 2025-03, churn window 2:
    #   A entered 2025-01, active Jan, Feb, Mar: 'active', listed, primary car_control (3/4 days)
    #   B entered 2024-11, active only then: inactive Dec..Mar, 4 months: 'churned', counted, not listed
    #   C entered 2025-03: 'new', listed, community 1/2 and other 1/2 -> primary community
    # 2025-02 (window Dec..Feb): A listed (Jan 3 car + content, Feb 5 car: car 2/2, content 1/2),
    #   B counted (churned, 3 months inactive), C not entered: 2 entered users.
    lc = Lifecycle(open_store(pref_dir).con)
    w, wp = _same(lc, "2025-03", RULES)
    assert list(w.prefs["user_id"]) == ["A", "C"] and list(w.prefs["state"]) == ["active", "new"]
    assert w.unknown.to_dict("records") == [{"state": "churned", "months_inactive": 4, "n": 1}]
    assert wp.entered == 2 and list(wp.prefs["user_id"]) == ["A"] and wp.prefs["tags"].iloc[0] == "car_control,content"
    assert tag_distribution(w.prefs, w.unknown_total).set_index("category").loc["unknown", "primary"] == 1
    # movement: A car_control -> car_control; C new -> community; B unknown -> unknown (counted:
    # 2 entered in Feb - 1 listed in Feb - 0 listed now who were neither listed in Feb nor new)
    mv = window_tag_movement(wp, w)
    assert mv.to_dict() == {"car_control": {"car_control": 1, "unknown": 0, "new": 0},
                            "community": {"car_control": 0, "unknown": 0, "new": 1},
                            "unknown": {"car_control": 0, "unknown": 1, "new": 0}}
    # audiences: R1 (churned, 4 months inactive, any tag) B from the counts; R2 (car_control) A; R3 (new, community) C
    aud = audience(lc, RULES, "2025-04", window=w).set_index("rule_id")["audience"].to_dict()
    assert aud == {"R1": 1, "R2": 1, "R3": 1, "R4": 0}


BASE = 2024 * 12
NAMES = ["unlock", "article", "post", "trip", "misc"]


@st.composite
def logs(draw):
    span = draw(st.sampled_from([4, 8]))
    return {"events": draw(st.lists(st.tuples(st.integers(1, 9), st.integers(0, span), st.integers(1, 28),
                                              st.sampled_from(NAMES)), min_size=1, max_size=60)),
            "registrations": draw(st.dictionaries(st.integers(1, 12), st.integers(0, span), max_size=6)),
            "month": draw(st.integers(1, 4)), "threshold": draw(st.sampled_from([0.3, 0.5]))}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_window_equals_every_user_on_random_logs(log):
    con = duckdb.connect()
    ev = pd.DataFrame({"user_id": [u for u, *_ in log["events"]],
                       "event_time": [datetime((BASE + m) // 12, (BASE + m) % 12 + 1, d, 12) for _, m, d, _ in log["events"]],
                       "event_name": [n for *_, n in log["events"]]})
    regs = log["registrations"]
    us = pd.DataFrame({"user_id": pd.Series(sorted(regs), dtype="int64"),
                       "registered_at": pd.Series([datetime((BASE + regs[u]) // 12, (BASE + regs[u]) % 12 + 1, 2)
                                                   for u in sorted(regs)], dtype="datetime64[us]")})
    fm = pd.DataFrame({"event_name": ["unlock", "article", "post"], "category": ["car", "content", "community"]})
    for name, df in (("events", ev), ("users", us), ("feature_map", fm)):
        con.register(f"_{name}", df)
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM _{name}")
    if not (ev["event_name"] != "trip").any() and not regs:
        return
    lc = Lifecycle(con, signal_events=["trip"])
    mi = lc.first_mi + log["month"]                   # the month before is in the data too
    month = f"{mi // 12}-{mi % 12 + 1:02d}"
    rules = RULES.assign(tag=["any", "car", "community", "any"], months_inactive=[2, None, None, 1])
    _same(lc, month, rules, threshold=log["threshold"])


@pytest.mark.parametrize("month", ["2026-10"])
def test_window_equals_every_user_on_the_sample(sample_dir, month):
    lc = Lifecycle(open_store(sample_dir).con)
    w, _ = _same(lc, month, load_rules())
    assert 0 < len(w.prefs) < w.entered                  # users without activity are counted, not listed
