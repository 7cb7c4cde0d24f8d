"""The set-based fold of a full build (lifecycle_fold.sql) gives exactly the snapshot rows of the
step (lifecycle_step.sql) folded month by month: on random activity logs (property test) and
hand-worked cases, including signals before entry that are forgotten after 12 months."""
from __future__ import annotations

import duckdb
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit import queries
from toolkit.aggregates.build import fold_all, fold_into

COLS = ["user_id", "mi", "entry", "active", "inactive", "inactive_before", "signal_ago", "signal_ago_before"]


def _con(activity, registrations):
    """``activity``: [(user, month, qualifying, signal)]; ``registrations``: {user: month}."""
    con = duckdb.connect()
    um = pd.DataFrame(activity, columns=["user_id", "mi", "active", "signal"]).astype(
        {"user_id": "int64", "mi": "int64", "active": "bool", "signal": "bool"})
    um = um.groupby(["user_id", "mi"], as_index=False).agg({"active": "max", "signal": "max"})
    reg = pd.DataFrame(list(registrations.items()), columns=["user_id", "mi"]).astype({"user_id": "int64", "mi": "int64"})
    con.register("um", um)
    con.register("reg", reg)
    con.execute("CREATE TEMP TABLE agg_user_month AS SELECT * FROM um")
    con.execute("CREATE TEMP TABLE agg_registrations AS SELECT * FROM reg")
    con.execute("CREATE TEMP TABLE agg_empty_ids AS SELECT NULL::BIGINT AS user_id WHERE false")
    return con


def _stepped(con, lo, hi) -> pd.DataFrame:
    con.execute("CREATE OR REPLACE TEMP TABLE stepped AS SELECT user_id, 0::INTEGER AS mi, 0::INTEGER AS entry, "
                "false AS active, 0::INTEGER AS inactive, 0::INTEGER AS inactive_before, 0::INTEGER AS signal_ago, "
                "0::INTEGER AS signal_ago_before FROM agg_empty_ids")
    fold_into(con, "stepped", lo, hi)
    return con.execute(f"SELECT {', '.join(COLS)} FROM stepped ORDER BY user_id, mi").df()


def _at_once(con, lo, hi) -> pd.DataFrame:
    text, params = fold_all(con, lo, hi)
    return queries.execute(con, f"SELECT {', '.join(COLS)} FROM ({text}) ORDER BY user_id, mi", **params).df()


def _same(activity, registrations, lo, hi):
    con = _con(activity, registrations)
    a, b = _stepped(con, lo, hi), _at_once(con, lo, hi)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)
    return b


@st.composite
def histories(draw):
    span = draw(st.sampled_from([6, 14, 40]))
    act = draw(st.lists(st.tuples(st.integers(1, 8), st.integers(0, span), st.booleans(), st.booleans()),
                        max_size=50))
    regs = draw(st.dictionaries(st.integers(1, 10), st.integers(0, span), max_size=6))
    return act, regs, span


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_set_based_fold_equals_the_stepped_fold(h):
    act, regs, span = h
    _same(act, regs, 0, span)


def test_hand_worked_signal_before_entry_and_gaps():
    # user 1: signal in month 0, enters (qualifying) in month 3, silent 4..5, active in 6.
    # user 2: signal in month 0, enters in month 14: the step forgets the signal in month 12
    #         (no row: not entered, signal 12 months old), so signal_ago is NULL from 14 on.
    # user 3: registers in month 2 (active by entry), nothing else.
    act = [(1, 0, False, True), (1, 3, True, False), (1, 6, True, False), (2, 0, False, True), (2, 14, True, False)]
    got = _same(act, {3: 2}, 0, 15)
    u1 = got[got.user_id == 1].set_index("mi")
    assert list(u1.index) == list(range(0, 16))
    # month 0: not entered, signal 0 months ago; month 3: entry, active, signal 3 months ago
    assert pd.isna(u1.loc[0, "entry"]) and u1.loc[0, "signal_ago"] == 0
    assert u1.loc[3, "entry"] == 3 and u1.loc[3, "active"] and u1.loc[3, "inactive"] == 0
    assert pd.isna(u1.loc[3, "inactive_before"]) and u1.loc[3, "signal_ago"] == 3
    # month 5: inactive 2 months (4, 5); month 6: active again after 2 inactive months
    assert u1.loc[5, "inactive"] == 2 and u1.loc[6, "inactive"] == 0 and u1.loc[6, "inactive_before"] == 2
    u2 = got[got.user_id == 2].set_index("mi")
    assert list(u2.index) == [*range(0, 12), 14, 15]          # months 0..11 carry the signal, 14.. entered
    assert pd.isna(u2.loc[14, "signal_ago"]) and pd.isna(u2.loc[15, "signal_ago_before"])
    u3 = got[got.user_id == 3].set_index("mi")
    assert list(u3.index) == list(range(2, 16)) and u3.loc[2, "active"] and u3.loc[15, "inactive"] == 13


def test_signal_within_twelve_months_of_entry_is_remembered():
    # signal in month 0, entry in month 12: the row of month 11 has signal_ago 11, month 12 steps to 12
    got = _same([(1, 0, False, True), (1, 12, True, False)], {}, 0, 14)
    assert got.set_index("mi").loc[14, "signal_ago"] == 14
