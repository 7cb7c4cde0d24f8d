"""The kept per-month segment cells of a breakdown (toolkit/aggregates/segments.py): a cached
breakdown (first run writing the cells, a second reading them) equals one from a fresh cache
and the in-memory one; a changed users table (a corrected channel) invalidates every month's
cells and changes the result; a new month, or a month stepped again after a late event,
computes only the cells of the months stepped."""
from __future__ import annotations

import io

import pandas as pd
import pytest

from conftest import events, run_cli, write_table
from toolkit.aggregates import build
from toolkit.aggregates.segments import SEGMENTS_FILE
from toolkit.analyses import cohorts
from toolkit.analyses.cohorts import cohort_table, segment_monthly
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.data.store import open_store
from toolkit.errors import ConfigError

# The hand-worked fixture of test_cohorts.py, one events file per month (so a new or late file
# changes only its months):
#   U1 registers 01-02 (ad); events Jan, Feb, Apr       U2 registers 01-15 (ad), no event
#   U3 registers 01-20 (no channel), an event in Apr     U4 no users row; events Feb, Mar
#   U5 registers 03-01 (dealer); events Mar, May
ROWS = [(1, "2025-01-05 10:00:00", "app_open"), (1, "2025-02-03 10:00:00", "app_open"),
        (1, "2025-04-07 10:00:00", "app_open"), (3, "2025-04-09 10:00:00", "app_open"),
        (4, "2025-02-11 10:00:00", "app_open"), (4, "2025-03-12 10:00:00", "invite"),
        (5, "2025-03-02 10:00:00", "app_open"), (5, "2025-05-20 10:00:00", "app_open")]
MONTHS = ["2025-01", "2025-02", "2025-03", "2025-04", "2025-05"]


def _users(channel_of_2="ad"):
    return pd.DataFrame({"user_id": [1, 2, 3, 5],
                         "registered_at": pd.to_datetime(["2025-01-02", "2025-01-15", "2025-01-20", "2025-03-01"]),
                         "channel": ["ad", channel_of_2, None, "dealer"], "city": ["x", "x", "x", "y"]})


def _write_month(d, month, rows=ROWS, name=None):
    write_table(d / "events", name or month, events([r for r in rows if r[1].startswith(month)]))


@pytest.fixture
def seg_dir(tmp_path):
    d = tmp_path / "data"
    for m in MONTHS[:4]:          # May comes later (test_a_new_month_...)
        _write_month(d, m)
    write_table(d, "users", _users())
    return d


def _cached(d, cache):
    store = open_store(d)
    agg = build(store, signal_events=(), cache_dir=cache).aggregates
    return Lifecycle(store.con, signal_events=(), aggregates=agg)


def _breakdowns(lc) -> dict:
    return {(by, what): f for by in ("channel", "city") for what, f in (
        ("k2", segment_monthly(lc, by, 2)), ("k3", segment_monthly(lc, by, 3)),
        ("cohorts", cohort_table(lc, by=by)), ("counts", cohort_table(lc, by=by, counts=True)))}


def _same(a: dict, b: dict):
    assert a.keys() == b.keys()
    for key in a:
        pd.testing.assert_frame_equal(a[key], b[key], obj=str(key))


def _cells(cache, month, pattern="counts-k2-by-channel-*.parquet"):
    return {p.name: p.stat().st_mtime_ns for p in (cache / "months" / month).glob(pattern)}


def test_cached_fresh_and_in_memory_breakdowns_are_identical(seg_dir, tmp_path):
    _write_month(seg_dir, "2025-05")
    cache = tmp_path / "cache"
    first = _breakdowns(_cached(seg_dir, cache))                 # writes the cells
    for m in MONTHS:   # one file per month, column and churn window, beside the state counts
        assert len(_cells(cache, m)) == 1 and len(_cells(cache, m, "counts-k3-by-city-*.parquet")) == 1
    written = {m: _cells(cache, m) for m in MONTHS}
    again = _breakdowns(_cached(seg_dir, cache))                 # reads them
    assert {m: _cells(cache, m) for m in MONTHS} == written      # nothing rewritten
    fresh = _breakdowns(_cached(seg_dir, tmp_path / "fresh"))
    memory = _breakdowns(Lifecycle(open_store(seg_dir).con, signal_events=()))
    _same(first, again)
    _same(first, fresh)
    _same(first, memory)
    # the numbers are the hand-worked ones (test_cohorts.py): ad's Jan new users, U1 and U2
    assert first[("channel", "k2")].set_index(["segment", "month"]).loc[("ad", "2025-01"), "new"] == 2
    # through the command line: cold and warm cache, both equal to the in-memory breakdown
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(f"data_dir: {seg_dir}\nsignal_events: []\nnow: '2025-06-15'\ncache_dir: {tmp_path / 'cli'}\n")
    for _ in range(2):
        out = pd.read_csv(io.StringIO(run_cli("--config", cfg, "lifecycle", "--by", "channel", check=True).stdout))
        assert out.groupby("segment")["new"].sum().to_dict() == {"ad": 2, "dealer": 1, "unknown": 2}
        counts = pd.read_csv(io.StringIO(run_cli("--config", cfg, "cohorts", "--by", "city", "--counts",
                                                 check=True).stdout))
        expect = memory[("city", "counts")]
        assert counts[["segment", "cohort", "size"]].values.tolist() == expect[["segment", "cohort", "size"]].values.tolist()
    assert len(_cells(tmp_path / "cli", "2025-04", "counts-k2-by-channel-*.parquet")) == 1
    assert len(_cells(tmp_path / "cli", "2025-04", "counts-k2-by-city-*.parquet")) == 1


def test_a_corrected_channel_invalidates_every_months_cells(seg_dir, tmp_path):
    cache = tmp_path / "cache"
    before = segment_monthly(_cached(seg_dir, cache), "channel", 2).set_index(["segment", "month"])
    old = {m: _cells(cache, m) for m in MONTHS[:4]}
    # the same users rewritten (a new modification time, the same lookup): the cells are kept
    write_table(seg_dir, "users", _users())
    segment_monthly(_cached(seg_dir, cache), "channel", 2)
    assert {m: _cells(cache, m) for m in MONTHS[:4]} == old
    # U2's channel corrected from ad to dealer: every month's cells are computed again
    write_table(seg_dir, "users", _users(channel_of_2="dealer"))
    lc = _cached(seg_dir, cache)
    after = segment_monthly(lc, "channel", 2).set_index(["segment", "month"])
    new = {m: _cells(cache, m) for m in MONTHS[:4]}
    for m in MONTHS[:4]:
        assert len(new[m]) == 1 and new[m].keys() != old[m].keys()   # another lookup, the old file deleted
    assert before.loc[("ad", "2025-01"), "new"] == 2 and after.loc[("ad", "2025-01"), "new"] == 1
    assert after.loc[("dealer", "2025-01"), "new"] == 1                # U2 now
    assert after.loc[("dealer", "2025-03"), "churned"] == 1            # U2: new Jan, dormant Feb, churned Mar
    memory = Lifecycle(open_store(seg_dir).con, signal_events=())
    pd.testing.assert_frame_equal(segment_monthly(lc, "channel", 2), segment_monthly(memory, "channel", 2))
    pd.testing.assert_frame_equal(cohort_table(lc, by="channel"), cohort_table(memory, by="channel"))
    assert (cache / SEGMENTS_FILE).is_file()


def test_a_corrected_channel_is_seen_without_a_recorded_fingerprint(seg_dir, tmp_path):
    """Without the users source's fingerprint (a connection not opened by a build), the digest
    of the lookup is computed from the users table each time: the change is still seen."""
    cache = tmp_path / "cache"
    _cached(seg_dir, cache)
    write_table(seg_dir, "users", _users(channel_of_2="dealer"))
    store = open_store(seg_dir)
    agg = build(store, signal_events=(), cache_dir=cache).aggregates
    store.con.execute("DROP TABLE temp.agg_users_source")
    (cache / SEGMENTS_FILE).unlink(missing_ok=True)
    s = segment_monthly(Lifecycle(store.con, signal_events=(), aggregates=agg), "channel", 2)
    assert s.set_index(["segment", "month"]).loc[("dealer", "2025-01"), "new"] == 1


def test_a_new_month_or_a_late_event_computes_only_the_months_stepped(seg_dir, tmp_path):
    cache = tmp_path / "cache"
    segment_monthly(_cached(seg_dir, cache), "channel", 2)
    old = {m: _cells(cache, m) for m in MONTHS[:4]}
    _write_month(seg_dir, "2025-05")                              # a new month
    lc = _cached(seg_dir, cache)
    got = segment_monthly(lc, "channel", 2)
    assert {m: _cells(cache, m) for m in MONTHS[:4]} == old       # January .. April read, not written
    assert len(_cells(cache, "2025-05")) == 1
    pd.testing.assert_frame_equal(got, segment_monthly(Lifecycle(open_store(seg_dir).con, signal_events=()),
                                                       "channel", 2))
    # a late event in March (U2 active): March is stepped again, so March .. May are recomputed
    old = {m: _cells(cache, m) for m in MONTHS}
    _write_month(seg_dir, "2025-03", rows=[(2, "2025-03-09 10:00:00", "app_open")], name="late")
    lc = _cached(seg_dir, cache)
    got = segment_monthly(lc, "channel", 2).set_index(["segment", "month"])
    new = {m: _cells(cache, m) for m in MONTHS}
    assert new["2025-01"] == old["2025-01"] and new["2025-02"] == old["2025-02"]
    assert all(new[m] != old[m] for m in MONTHS[2:])              # same names, written again
    assert got.loc[("ad", "2025-03"), "woken"] == 1 and got.loc[("ad", "2025-03"), "churned"] == 0
    cohorts._CELLS.clear()
    pd.testing.assert_frame_equal(got.reset_index(), segment_monthly(_cached(seg_dir, tmp_path / "fresh"),
                                                                     "channel", 2))


def test_kept_cohort_counts_follow_a_late_event(seg_dir, tmp_path):
    """The retention cohorts kept per month (counts-cohorts-*) are written again when a late
    event re-steps their month, like the state counts: the table equals a fresh cache's.  U4
    (events Feb, Mar) gets a late January event: U4 now enters in January, so the February and
    March rows of the January and February cohorts change though those months' files did not."""
    cache = tmp_path / "cache"
    before = cohort_table(_cached(seg_dir, cache), counts=True)
    _write_month(seg_dir, "2025-01", rows=[(4, "2025-01-09 10:00:00", "app_open")], name="late-cohort")
    cohorts._CELLS.clear()
    after = cohort_table(_cached(seg_dir, cache), counts=True)
    cohorts._CELLS.clear()
    fresh = cohort_table(_cached(seg_dir, tmp_path / "fresh"), counts=True)
    pd.testing.assert_frame_equal(after, fresh)
    assert not after.equals(before)


def test_a_breakdown_without_a_users_table_says_so(tmp_path):
    d = tmp_path / "no-users"
    _write_month(d, "2025-01")
    lc = Lifecycle(open_store(d).con, signal_events=())
    with pytest.raises(ConfigError, match="Breakdown by 'channel' \\(--by; the notebooks' by\\): there is no users table in the data folder"):
        segment_monthly(lc, "channel", 2)
