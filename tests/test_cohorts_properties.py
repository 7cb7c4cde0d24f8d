"""Property tests on random event logs: the cohort triangle against a naive count user by
user (month 0 is 1, the sizes add up to the cumulative users), and the lifecycle broken down
by a users column (the identity of domain.md section 4 holds within each segment; the
segments add up to the whole table)."""
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.analyses.cohorts import cohort_table, layer_cake, segment_monthly
from toolkit.analyses.lifecycle import STATES, Lifecycle, month_label

BASE = 2024 * 12


@st.composite
def logs(draw):
    span = draw(st.sampled_from([5, 11, 30]))
    return {"events": draw(st.lists(st.tuples(st.integers(1, 9), st.integers(0, span),
                                              st.sampled_from(["app", "app", "trip"])), min_size=1, max_size=50)),
            "registrations": draw(st.dictionaries(st.integers(1, 12), st.integers(0, span), max_size=8)),
            # a users column with gaps: None (no value) and users without a users row are 'unknown'
            "segment": draw(st.dictionaries(st.integers(1, 12), st.sampled_from(["a", "b", None]), max_size=12)),
            "k": draw(st.integers(1, 4))}


def _lifecycle(log):
    events, regs, seg = log["events"], log["registrations"], log["segment"]
    con = duckdb.connect()
    ev = pd.DataFrame({"user_id": [u for u, _, _ in events],
                       "event_time": [datetime((BASE + m) // 12, (BASE + m) % 12 + 1, 3, 12) for _, m, _ in events],
                       "event_name": [n for _, _, n in events]})
    ids = sorted(set(regs) | set(seg))
    us = pd.DataFrame({"user_id": pd.Series(ids, dtype="int64"),
                       "registered_at": pd.Series([datetime((BASE + regs[u]) // 12, (BASE + regs[u]) % 12 + 1, 2)
                                                   if u in regs else None for u in ids], dtype="datetime64[us]"),
                       "channel": pd.Series([seg.get(u) for u in ids], dtype=object)})
    con.register("ev", ev)
    con.register("us", us)
    con.execute("CREATE TABLE events AS SELECT * FROM ev")
    con.execute("CREATE TABLE users AS SELECT user_id, registered_at, channel::VARCHAR AS channel FROM us")
    return Lifecycle(con, signal_events=["trip"])


def _usable(log):
    return any(n == "app" for _, _, n in log["events"]) or log["registrations"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_cohorts_match_a_naive_count(log):
    if not _usable(log):
        return
    lc = _lifecycle(log)
    act = {}
    for u, m, n in log["events"]:
        if n == "app":
            act.setdefault(u, set()).add(BASE + m)
    entry = {u: min(act.get(u, set()) | ({BASE + log["registrations"][u]} if u in log["registrations"] else set()))
             for u in set(act) | set(log["registrations"])}
    t = cohort_table(lc, counts=True).set_index("cohort")
    whole = lc.monthly(2).set_index("month")
    # cohorts that entered before the first month shown (registrations before the first month with
    # events) have no month 0 in the data and are no rows of the triangle
    earlier = sum(1 for e in entry.values() if e < lc.first_mi)
    assert sorted(t.index) == sorted({month_label(e) for e in entry.values() if e >= lc.first_mi})
    if t.empty:
        return
    assert (t["m0"] == t["size"]).all()                                       # month 0 is the whole cohort
    assert t["size"].sum() + earlier == whole["cumulative"].iloc[-1]          # sizes add up to the cumulative users
    shares = cohort_table(lc)
    assert (shares["m0"] == 1).all()
    for c, row in t.iterrows():
        members = [u for u, e in entry.items() if month_label(e) == c]
        assert row["size"] == len(members)
        for a in range(lc.last_mi - (int(c[:4]) * 12 + int(c[5:]) - 1) + 1):
            e = int(c[:4]) * 12 + int(c[5:]) - 1
            assert row[f"m{a}"] == sum(1 for u in members if a == 0 or e + a in act.get(u, set())), (c, a)
    # the triangle's diagonals and the earlier cohorts' active users add up to each month's MAU,
    # and so do the layer cake's columns (which keep the earlier cohorts)
    by_month = {m: sum(1 for u, e in entry.items() if e < lc.first_mi and m_ in act.get(u, set()))
                for m, m_ in ((month_label(i), i) for i in range(lc.first_mi, lc.last_mi + 1))}
    for c, row in t.iterrows():
        e = int(c[:4]) * 12 + int(c[5:]) - 1
        for a in range(lc.last_mi - e + 1):
            by_month[month_label(e + a)] += row[f"m{a}"]
    assert [by_month[m] for m in whole.index] == whole["mau"].tolist()
    cake = layer_cake(lc).set_index("month")
    assert cake.sum(axis=1).reindex(whole.index, fill_value=0).tolist() == whole["mau"].tolist()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
def test_identity_within_each_segment_and_segments_sum_to_the_whole(log):
    if not _usable(log):
        return
    lc = _lifecycle(log)
    k = log["k"]
    whole = lc.monthly(k).set_index("month")
    seg = segment_monthly(lc, "channel", k)
    assert set(seg["segment"]) <= {"a", "b", "unknown"}
    cols = [*STATES, "churned_signal", "churned_silent", "returned_signal", "mau", "cumulative"]
    summed = seg.groupby("month")[cols].sum().reindex(whole.index)
    assert (summed.to_numpy() == whole[cols].to_numpy()).all()
    for _, df in seg.groupby("segment"):
        df = df.reset_index(drop=True)
        assert (df[STATES].sum(axis=1) == df["cumulative"]).all()
        prev = df.shift(1)
        if lc.entries_from_mi < lc.first_mi:   # registrations before the first month shown: its rates are
            df, prev = df.iloc[1:], prev.iloc[1:]     # empty (no month before it is shown)
        pools = {"retention_old": prev.new_retained + prev.active + prev.woken + prev.returned,
                 "retention_new": prev.new, "wake_rate": prev.dormant, "return_rate": prev.churned}
        terms = df["new"].astype(float).copy()
        for rate, pool in pools.items():
            r = df[rate]
            assert (r.isna() == (pool.fillna(0) == 0)).all(), rate
            assert ((r >= 0) & (r <= 1) | r.isna()).all(), rate
            terms += pool.fillna(0) * r.fillna(0)
        assert np.allclose(terms, df["mau"], atol=1e-9)
