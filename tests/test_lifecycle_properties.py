"""Property tests on random event logs: the SQL lifecycle agrees with the naive
reference user by user; the seven states partition the users; the identity of
the four rates holds exactly; every rate is in [0, 1] or empty with an empty pool."""
from datetime import datetime

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lifecycle_reference import reference_counts, reference_states
from toolkit.analyses.lifecycle import RATES, STATES, Lifecycle, month_label
from toolkit.errors import ConfigError

BASE = 2024 * 12  # month index of 2024-01

@st.composite
def logs(draw):
    """A random event log: over one year (dense) or eight (sparse, crossing the 32-month
    words of the bit layout several times), with a churn window up to 12 months.  The
    qualifying events are either every event but the signal ('misc' counts) or only
    'app' ('misc' is then ignored)."""
    span = draw(st.sampled_from([11, 95]))
    return {"events": draw(st.lists(st.tuples(st.integers(1, 8), st.integers(0, span),
                                              st.sampled_from(["app", "app", "trip", "misc"])), min_size=1, max_size=60)),
            "active_events": draw(st.sampled_from([(), ("app",)])),
            "registrations": draw(st.dictionaries(st.integers(1, 10), st.integers(0, span), max_size=6)),
            "k": draw(st.integers(1, 4) if span == 11 else st.integers(1, 12))}


def _con(events, registrations):
    con = duckdb.connect()
    ev = pd.DataFrame({"user_id": [u for u, _, _ in events],  # noqa: F841 - read by name in the SQL below
                       "event_time": [datetime((BASE + m) // 12, (BASE + m) % 12 + 1, 1 + (i % 27), 12)
                                      for i, (_, m, _) in enumerate(events)],
                       "event_name": [n for _, _, n in events]})
    us = pd.DataFrame({"user_id": list(registrations),  # noqa: F841
                       "registered_at": [datetime((BASE + m) // 12, (BASE + m) % 12 + 1, 2) for m in registrations.values()]},
                      columns=["user_id", "registered_at"]).astype({"user_id": "int64", "registered_at": "datetime64[us]"})
    con.execute("CREATE TABLE events AS SELECT * FROM ev")
    con.execute("CREATE TABLE users AS SELECT * FROM us")
    return con


def _qualifies(name, active_events):
    return name in active_events if active_events else name != "trip"


def _has_activity(events, active_events):
    return any(_qualifies(n, active_events) for _, _, n in events)


def _shown(ref, events):
    """The months of the reference the lifecycle shows: from the first month with an event
    (registrations before it enter, but their months are not shown), unless that is after the
    last month (no qualifying or signal event at all: every month is shown)."""
    first = min(BASE + m for _, m, _ in events)
    return [m for m in sorted(ref) if m >= first] if first <= max(ref) else sorted(ref)


# a registration, then only an event that is neither qualifying nor a signal: nothing to observe
# from, so every month from the registration is shown (the first month "with an event" came after
# the last month, and the table was empty)
NON_QUALIFYING_ONLY = {"events": [(1, 1, "misc")], "active_events": ("app",), "registrations": {1: 0}, "k": 1}

@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
@example(NON_QUALIFYING_ONLY)
def test_sql_matches_reference_user_by_user(log):
    events, regs, k, qual = log["events"], log["registrations"], log["k"], log["active_events"]
    if not _has_activity(events, qual) and not regs:
        return
    ref = reference_states([(u, BASE + m, n) for u, m, n in events], {u: BASE + m for u, m in regs.items()},
                           k=k, active_events=qual, signal_events=("trip",))
    lc = Lifecycle(_con(events, regs), active_events=qual, signal_events=["trip"])
    table = lc.monthly(k).set_index("month")
    counts = reference_counts(ref)
    shown = _shown(ref, events)
    assert list(table.index) == [month_label(m) for m in shown]
    for m in shown:
        row, c = table.loc[month_label(m)], counts[m]
        for s in STATES + ["churned_signal", "returned_signal", "cumulative"]:
            assert row[s] == c[s], (m, s, row[s], c[s])
    # per user, for the first month, one in the middle and the last one
    act = {}
    for u, m, n in events:
        if _qualifies(n, qual):
            act.setdefault(u, set()).add(BASE + m)
    sig = {(u, BASE + m) for u, m, n in events if n == "trip"}
    if shown[0] > min(ref):       # a month before the first with events is refused, not invented
        with pytest.raises(ConfigError, match="before the first month with events"):
            lc.user_states(month_label(min(ref)), k)
    for m in {shown[0], shown[len(shown) // 2], shown[-1]}:
        got = lc.user_states(month_label(m), k).set_index("user_id")
        assert got.state.to_dict() == {u: v[0] for u, v in ref[m].items()}
        for u, row in got.iterrows():
            entry = min(act.get(u, set()) | ({BASE + regs[u]} if u in regs else set()))
            last = max(x for x in act.get(u, set()) | {entry} if x <= m)
            assert row.last_active_month == month_label(last), (u, m)
            assert row.months_inactive == m - last
            assert row.signal_recent == any((u, x) in sig for x in range(m - k + 1, m + 1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs(), st.integers(1, 11))
def test_an_events_export_that_starts_late_agrees_after_one_churn_window(log, cut):
    """docs/methodology.md, the start of observation: with a users table that holds every user's
    registration (at or before the first qualifying event), an events export that starts in month
    c instead of the beginning shows the months from its first event on, and from month
    c + k on (the first churn window after the start) every count and rate equals the full
    history's, which is why the plan takes its rates from there."""
    events, k, qual = log["events"], log["k"], log["active_events"]
    regs = dict(log["registrations"])
    for u, m, n in events:              # a complete users table: registered by the first qualifying event
        if _qualifies(n, qual):
            regs[u] = min(regs.get(u, m), m)
    late = [e for e in events if e[1] >= cut]
    if not _has_activity(late, qual):
        return
    full = Lifecycle(_con(events, regs), active_events=qual, signal_events=["trip"]).monthly(k).set_index("month")
    lc = Lifecycle(_con(late, regs), active_events=qual, signal_events=["trip"])
    part = lc.monthly(k).set_index("month")
    first = max(lc.entries_from_mi, min(BASE + m for _, m, _ in late))     # the first month with an event
    assert part.index[0] == month_label(first)
    settled = [m for m in part.index if m >= month_label(max(BASE + cut + k, first + 1))]
    cols = [*STATES, "churned_signal", "returned_signal", "cumulative", "mau", "active_rate",
            "retention_old", "retention_new", "wake_rate", "return_rate", "return_rate_signal", "return_rate_silent"]
    pd.testing.assert_frame_equal(part.loc[settled, cols], full.loc[settled, cols])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(logs())
@example(NON_QUALIFYING_ONLY)
def test_partition_identity_and_rate_bounds(log):
    events, regs, k, qual = log["events"], log["registrations"], log["k"], log["active_events"]
    if not _has_activity(events, qual) and not regs:
        return
    lc = Lifecycle(_con(events, regs), active_events=qual, signal_events=["trip"])
    df = lc.monthly(k)
    # the seven states partition the cumulative users, every month
    assert (df[STATES].sum(axis=1) == df["cumulative"]).all()
    assert (df["churned_signal"] + df["churned_silent"] == df["churned"]).all()
    assert (df["mau"] <= df["cumulative"]).all()
    if k == 1:
        assert (df["dormant"] == 0).all() and (df["woken"] == 0).all()
    prev = df.shift(1)
    if lc.entries_from_mi < lc.first_mi:     # registrations before the first month shown: no month
        assert df.loc[0, RATES].isna().all()     # before it is shown, so its rates are empty, and the
        df, prev = df.iloc[1:], prev.iloc[1:]    # identity holds from the month after
    pools = {"retention_old": prev.new_retained + prev.active + prev.woken + prev.returned,
             "retention_new": prev.new, "wake_rate": prev.dormant, "return_rate": prev.churned,
             "return_rate_signal": prev.churned_signal, "return_rate_silent": prev.churned_silent}
    for rate, pool in pools.items():
        pool = pool.fillna(0)
        r = df[rate]
        assert (r.isna() == (pool == 0)).all(), rate
        assert ((r >= 0) & (r <= 1) | r.isna()).all(), rate
    # MAU(M) = new(M) + old_active(M-1)*ro + new(M-1)*rn + dormant(M-1)*wr + churned(M-1)*rr, to the user
    terms = df["new"].astype(float).copy()
    for rate in ("retention_old", "retention_new", "wake_rate", "return_rate"):
        terms += (pools[rate].fillna(0) * df[rate].fillna(0))
    assert np.allclose(terms, df["mau"], atol=1e-9)
    assert (terms.round().astype(int) == df["mau"]).all()


def _check_against_reference(events, regs, k, active_events=(), signal_events=("trip",)):
    """The monthly table, and every user's state in every month, against the reference."""
    ref = reference_states([(u, BASE + m, n) for u, m, n in events], {u: BASE + m for u, m in regs.items()},
                           k=k, active_events=active_events, signal_events=signal_events)
    lc = Lifecycle(_con(events, regs), active_events=active_events, signal_events=list(signal_events))
    table = lc.monthly(k).set_index("month")
    shown, counts = _shown(ref, events), reference_counts(ref)
    assert list(table.index) == [month_label(m) for m in shown]
    for m in shown:
        for s in STATES + ["churned_signal", "returned_signal", "cumulative"]:
            assert table.loc[month_label(m), s] == counts[m][s], (m, s)
    for m in shown:
        got = lc.user_states(month_label(m), k).set_index("user_id").state.to_dict()
        assert got == {u: v[0] for u, v in ref[m].items()}, m
    return lc


def test_fast_window_scan_and_its_fallback_at_the_window_edges():
    """The events are read by user alone when they fit the 63 months from 12 months
    before the first row read (here month 40), by user and word when one does not."""
    first = [(1, 40, "app")]
    inside = first + [(2, 28, "app"), (2, 29, "trip"), (3, 90, "app"), (3, 90, "trip"), (4, 60, "misc")]
    lc = _check_against_reference(inside, {5: 20}, k=3)   # a registration before the window is no event
    assert lc.scan == "window"
    for outside in [(2, 27, "app"), (3, 91, "trip"), (4, 91, "misc")]:
        lc = _check_against_reference(inside + [outside], {5: 20}, k=3)
        assert lc.scan == "words", outside
    # events of neither kind (with only 'app' qualifying) outside the window do not force the general scan
    lc = _check_against_reference(inside + [(6, 5, "misc")], {}, k=2, active_events=("app",))
    assert lc.scan == "window"


def test_window_scan_with_registrations_outside_the_window():
    """Users registered years before the window (entering there, churned until their first
    event) or after it (the table runs on to their registration month) are built from
    the window scan without the general one."""
    events = [(1, 40, "app"), (1, 41, "trip"), (2, 45, "app"), (2, 47, "trip"), (2, 49, "misc"),
              (3, 70, "app"), (3, 88, "app")]
    regs = {2: 3, 3: 60, 4: 10, 5: 99, 6: 120}            # 2 and 4 long before, 5 and 6 after the window
    for k in (1, 2, 5, 12):
        assert _check_against_reference(events, regs, k=k).scan == "window"


def test_window_scan_kinds_with_configured_events():
    """With configured qualifying events the scan looks up both lists: a signal event that
    also qualifies, and no signal events at all."""
    events = [(1, 40, "app"), (1, 41, "trip"), (2, 41, "trip"), (2, 43, "misc"), (3, 42, "misc"), (3, 44, "app")]
    lc = _check_against_reference(events, {4: 42}, k=2, active_events=("app", "trip"))
    assert lc.scan == "window"
    lc = _check_against_reference(events, {}, k=2, active_events=("app",), signal_events=())
    assert lc.scan == "window"
    assert lc.monthly(2)["churned_signal"].sum() == 0
