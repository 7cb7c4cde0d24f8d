"""The monthly aggregate cache: a fresh build, an incrementally extended one, one after a past
month's source changed (an event appended in a late file, a file rewritten) and one after a
month file was deleted give the same tables (every aggregate, the lifecycle table for two
churn windows, one month's states, preferences, daily users and user detail) as a build from
nothing and as the in-memory computation; the build says what it computed, recomputed and
reused."""
from __future__ import annotations

import shutil
from datetime import datetime

import pandas as pd
import pytest

from conftest import run_cli, small_sample
from toolkit.aggregates import build, in_memory
from toolkit.aggregates.build import ensure_categories
from toolkit.aggregates.tables import VIEW
from toolkit.analyses.holiday_lift import daily_users
from toolkit.analyses.lifecycle import Lifecycle, month_index
from toolkit.analyses.preferences import preference_shares
from toolkit.data.store import open_store
from toolkit.analyses.user_detail import user_detail

SIGNAL = ["trip"]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    return small_sample(tmp_path_factory, "agg", users=600, months=8, seed=3)


def _copy(small, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(small, data, ignore=shutil.ignore_patterns(".toolkit-cache"))
    return data


def _tables(con) -> dict:
    return {v: con.execute(f"SELECT * FROM {v} ORDER BY ALL").df() for v in VIEW.values()}


def _results(data, cache=None, rebuild=False):
    """(build result, every aggregate table, the lifecycle table for k = 2 and 3, the states
    and preferences of one month) from a cached build."""
    store = open_store(data)
    res = build(store, signal_events=SIGNAL, cache_dir=cache, rebuild=rebuild)
    lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=res.aggregates)
    ensure_categories(store.con, res.aggregates.first_mi, res.aggregates.last_mi, signal_events=SIGNAL)
    month = "2026-08"
    return res, {"tables": _tables(store.con), "k2": lc.monthly(2), "k3": lc.monthly(3),
                 "states": lc.user_states(month, 2),
                 "prefs": preference_shares(store.con, month, signal_events=SIGNAL),
                 "daily": daily_users(store.con, signal_events=SIGNAL),
                 "detail": user_detail(lc, month)}


def _same(a: dict, b: dict):
    for name in ("k2", "k3", "states", "prefs", "detail"):
        pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)
    pd.testing.assert_series_equal(a["daily"], b["daily"], obj="daily")
    for view, df in a["tables"].items():
        pd.testing.assert_frame_equal(df, b["tables"][view], check_dtype=False, obj=view)


def _fresh(data, tmp_path):
    """The same data built from no cache at all."""
    return _results(data, cache=tmp_path / "fresh-cache")[1]


def _append_event(data, when: str, user: int, name="app_open", file="late.parquet"):
    pd.DataFrame({"user_id": [user], "event_time": pd.to_datetime([when]), "event_name": [name]}) \
        .to_parquet(data / "events" / file, index=False)


def test_fresh_build_matches_the_in_memory_tables(small, tmp_path):
    data = _copy(small, tmp_path)
    res, cached = _results(data)
    assert res.root == (data / ".toolkit-cache").resolve()
    assert len(res.computed) == 8 and not res.recomputed and not res.reused
    assert sorted(p.name for p in (res.root / "months").iterdir())[0] == "2026-03"
    store = open_store(data)
    agg = in_memory(store.con, signal_events=SIGNAL)
    lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg)
    pd.testing.assert_frame_equal(lc.monthly(2), cached["k2"])
    pd.testing.assert_frame_equal(lc.user_states("2026-08", 2), cached["states"], check_dtype=False)
    pd.testing.assert_series_equal(daily_users(store.con, signal_events=SIGNAL), cached["daily"])
    # a second run reuses every month and steps nothing
    res2, again = _results(data)
    assert len(res2.reused) == 8 and not res2.computed and res2.stepped_from is None
    _same(cached, again)


def test_appending_a_month_computes_only_that_month(small, tmp_path):
    data = _copy(small, tmp_path)
    last = data / "events" / "events-2026-10.parquet"
    held = tmp_path / "held.parquet"
    last.rename(held)
    res, _ = _results(data)         # October has registrations and orders, but no events yet: left out, and said
    assert len(res.computed) == 7 and res.aggregates.last_mi == month_index(datetime(2026, 9, 1))
    note = [n for n in res.notes() if "the last month with events" in n]
    assert len(note) == 1 and note[0].startswith("note: ") and "registrations dated after 2026-09, the last " \
        "month with events, are left out (the latest in 2026-10): they are added when the events of their " \
        "months are in the data" in note[0], res.describe()
    held.rename(last)
    res, extended = _results(data)
    assert res.computed == [month_index(datetime(2026, 10, 1))]
    assert len(res.reused) == 7 and not res.recomputed
    assert res.stepped_from == month_index(datetime(2026, 10, 1))
    assert "note:" not in res.describe()
    _same(extended, _fresh(data, tmp_path))


def test_late_event_in_a_past_month_recomputes_from_that_month(small, tmp_path):
    data = _copy(small, tmp_path)
    _results(data)
    _append_event(data, "2026-05-17 10:00:00", user=1)
    res, late = _results(data)
    may = month_index(datetime(2026, 5, 1))
    assert res.recomputed == [may] and not res.computed and len(res.reused) == 7
    assert res.stepped_from == may
    assert "1 recomputed (source changed) [2026-05]" in res.describe()
    _same(late, _fresh(data, tmp_path))
    # the late event changes the result (the test can fail): user 1 is active in May
    states = Lifecycle(open_store(data).con, signal_events=SIGNAL).user_states("2026-05", 2).set_index("user_id")
    assert states.loc[1, "months_inactive"] == 0


def test_rewritten_file_and_deleted_file(small, tmp_path):
    data = _copy(small, tmp_path)
    _results(data)
    june = data / "events" / "events-2026-06.parquet"
    df = pd.read_parquet(june)
    df.iloc[: len(df) // 2].to_parquet(june, index=False)          # rewritten: half the events
    res, rewritten = _results(data)
    assert res.recomputed == [month_index(datetime(2026, 6, 1))]
    _same(rewritten, _fresh(data, tmp_path))
    (data / "events" / "events-2026-04.parquet").unlink()           # deleted: the month has no events left
    res, deleted = _results(data)
    assert month_index(datetime(2026, 4, 1)) in res.recomputed
    assert res.stepped_from == month_index(datetime(2026, 4, 1))
    _same(deleted, _fresh(data, tmp_path))
    assert deleted["k2"].set_index("month").loc["2026-04", "mau"] < rewritten["k2"].set_index("month").loc["2026-04", "mau"]


def test_rebuild_and_a_deleted_cache_give_the_same_results(small, tmp_path):
    data = _copy(small, tmp_path)
    _, first = _results(data)
    res, rebuilt = _results(data, rebuild=True)
    assert len(res.computed) == 8 and not res.reused
    _same(first, rebuilt)
    shutil.rmtree(data / ".toolkit-cache")
    _same(first, _results(data)[1])


def test_changed_settings_rebuild_every_month(small, tmp_path):
    data = _copy(small, tmp_path)
    _results(data)
    store = open_store(data)
    res = build(store, active_events=["app_open"], signal_events=SIGNAL)
    assert len(res.computed) == 8 and not res.reused
    assert "Every month was computed again: the settings changed (active or signal events" in res.describe()
    again = build(open_store(data), active_events=["app_open"], signal_events=SIGNAL)
    assert len(again.reused) == 8 and "computed again" not in again.describe()


def test_cli_build_and_outputs_with_and_without_a_cache(small, tmp_path):
    data = _copy(small, tmp_path)
    cache = tmp_path / "elsewhere"
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(f"data_dir: {data}\ncache_dir: {cache}\nthreads: 1\nmemory_limit: 1GB\n", encoding="utf-8")
    first = run_cli("--config", cfg, "build")
    assert first.returncode == 0, first.stderr
    assert "8 computed, 0 recomputed (source changed), 0 reused" in first.stdout
    assert (cache / "manifest.json").is_file() and not (data / ".toolkit-cache").exists()
    out1 = run_cli("--config", cfg, "lifecycle").stdout
    _append_event(data, "2026-07-03 09:00:00", user=2)
    second = run_cli("--config", cfg, "--threads", "2", "build")
    assert "0 computed, 1 recomputed (source changed) [2026-07], 7 reused" in second.stdout
    out2 = run_cli("--config", cfg, "lifecycle").stdout
    shutil.rmtree(cache)
    assert run_cli("--config", cfg, "lifecycle").stdout == out2
    shutil.rmtree(cache)
    assert run_cli("--config", cfg, "campaigns").returncode == 0       # every analysis command builds first
    assert (cache / "manifest.json").is_file()
    assert out1 != out2 or "2026-07" in out1
    bad = run_cli("--config", cfg, "--memory-limit", "lots", "build")
    assert bad.returncode == 2 and "memory_limit" in bad.stderr


def test_memory_limit_and_threads_reach_duckdb(small, tmp_path):
    """The configuration's memory_limit and threads are the settings of the report's connection."""
    from toolkit.report.context import open_report
    data = _copy(small, tmp_path)
    cfg = tmp_path / "toolkit.yaml"
    cfg.write_text(f"data_dir: {data}\nmemory_limit: 1GB\nthreads: 1\n", encoding="utf-8")
    ctx = open_report(config=str(cfg), month="2026-09")
    threads, memory = ctx.store.con.execute(
        "SELECT current_setting('threads'), current_setting('memory_limit')").fetchall()[0]
    assert int(threads) == 1 and memory.startswith(("953", "1.0", "1000")), memory
    assert ctx.monthly["month"].iloc[-1] == "2026-09"


def test_a_cache_of_other_queries_is_rebuilt(small, tmp_path):
    """A cache written by another version of the aggregate queries (another format in its
    manifest) is rebuilt whole, never read with columns the queries no longer produce."""
    import json

    from toolkit.aggregates.cache import FORMAT, MANIFEST, cache_root
    data = _copy(small, tmp_path)
    _results(data)
    manifest = cache_root(data) / MANIFEST
    man = json.loads(manifest.read_text(encoding="utf-8"))
    assert man["format"] == FORMAT
    man["format"] = "1-an-older-version"
    manifest.write_text(json.dumps(man), encoding="utf-8")
    res = build(open_store(data), signal_events=SIGNAL)
    assert len(res.computed) == 8 and not res.reused
    assert "Every month was computed again: the cache's format changed" in res.describe()
    assert json.loads(manifest.read_text(encoding="utf-8"))["format"] == FORMAT


def test_the_cache_format_follows_the_aggregate_queries(tmp_path, monkeypatch):
    """Editing a query that writes a kept table changes the format, so old caches rebuild."""
    from toolkit.aggregates import cache
    sql = tmp_path / "sql"
    shutil.copytree(cache._SQL, sql)
    monkeypatch.setattr(cache, "_SQL", sql)
    before = cache._format()
    assert before == cache.FORMAT
    (sql / "other_query.sql").write_text("SELECT 1", encoding="utf-8")     # not a kept table's query
    assert cache._format() == before
    step = sql / "agg_user_month.sql"
    step.write_text(step.read_text(encoding="utf-8") + "\n-- another column\n", encoding="utf-8")
    assert cache._format() != before


def test_a_query_of_some_months_opens_only_their_files(small, tmp_path):
    """The month-file views take a month's ``mi`` from its folder, so a filter on ``mi`` skips
    the other months' files unopened: with a middle month's file damaged, a query of the
    last months still answers (it read only their files, and the first one's schema, which
    DuckDB binds the list with), and one of every month fails."""
    import duckdb
    data = _copy(small, tmp_path)
    store = open_store(data)
    agg = build(store, signal_events=SIGNAL, cache_dir=tmp_path / "cache").aggregates
    con = store.con
    last = con.execute("SELECT count(*) FROM agg_user_month WHERE mi = $m", {"m": agg.last_mi}).fetchone()[0]
    assert last > 0
    middle = tmp_path / "cache" / "months" / "2026-05" / "user_month.parquet"
    assert middle.is_file()
    middle.write_bytes(b"not a parquet file")
    assert con.execute("SELECT count(*) FROM agg_user_month WHERE mi = $m", {"m": agg.last_mi}).fetchone()[0] == last
    assert con.execute(f"SELECT count(*) FROM agg_user_month WHERE mi BETWEEN {agg.last_mi - 1} AND {agg.last_mi}"
                       ).fetchone()[0] > last
    with pytest.raises(duckdb.Error):
        con.execute("SELECT count(*) FROM agg_user_month").fetchall()


def test_events_of_some_files_read_only_those_files(small, tmp_path):
    """A month scan reads only the events files holding its months (events_of_files): inside
    the block ``events`` has exactly the rows of the named files, with the folder's column
    types; after it, every file's rows again."""
    from toolkit.data.store import events_of_files
    data = _copy(small, tmp_path)
    store = open_store(data)
    con = store.con
    files = sorted((data / "events").glob("*.parquet"))
    one = str(files[2])
    every = con.execute("SELECT count(*) FROM events").fetchone()[0]
    types = con.execute("DESCRIBE events").fetchall()
    alone = con.execute("SELECT count(*) FROM read_parquet($f) WHERE user_id IS NOT NULL AND event_time IS NOT NULL "
                        "AND event_name IS NOT NULL", {"f": one}).fetchone()[0]
    assert 0 < alone < every
    with events_of_files(con, store.sources["events"], [one]) as scoped:
        assert scoped
        assert con.execute("SELECT count(*) FROM events").fetchone()[0] == alone
        assert con.execute("DESCRIBE events").fetchall() == types
    assert con.execute("SELECT count(*) FROM events").fetchone()[0] == every


# ---------------------------------------------------------------- registrations and orders: read when changed


def _write_fixed(df: pd.DataFrame, path, mtime_ns: int | None = None) -> None:
    """Write ``df`` as Parquet whose size depends only on the strings, not on the numbers and
    times (no compression, dictionary or statistics): a value changed in place keeps the size.
    ``mtime_ns``: then set the file's modification time back to it (a file with the old stat)."""
    import os

    import pyarrow as pa
    import pyarrow.parquet as pq
    pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, compression="none",
                   use_dictionary=False, write_statistics=False)
    if mtime_ns is not None:
        os.utime(path, ns=(mtime_ns, mtime_ns))


def _stat(path):
    import os
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _fixed_copy(small, tmp_path):
    data = _copy(small, tmp_path)
    for table in ("users", "orders"):
        _write_fixed(pd.read_parquet(data / f"{table}.parquet"), data / f"{table}.parquet")
    return data


def test_unchanged_users_file_is_not_read_and_a_moved_registration_is_seen(small, tmp_path):
    """The registrations' fingerprints are kept with the users file's size and modification time:
    a file with the same stat is trusted without being read (as the event files are), so a
    replacement with other content but the same size and time changes nothing; once its time
    differs the file is read and the two months of a moved registration are recomputed, and
    the tables equal a build from no cache (and ``--rebuild`` reads it whatever its stat)."""
    data = _fixed_copy(small, tmp_path)
    res, first = _results(data)
    users = pd.read_parquet(data / "users.parquet")
    may, july = month_index(datetime(2026, 5, 1)), month_index(datetime(2026, 7, 1))
    row = users.index[users.registered_at.dt.strftime("%Y-%m") == "2026-05"][0]
    moved = users.copy()
    moved.loc[row, "registered_at"] = pd.Timestamp("2026-07-10 10:00")    # a past registration moved May -> July
    size, mtime = _stat(data / "users.parquet")
    _write_fixed(moved, data / "users.parquet", mtime_ns=mtime)
    assert _stat(data / "users.parquet") == (size, mtime)
    res, same_stat = _results(data)
    assert len(res.reused) == 8 and not res.recomputed and res.stepped_from is None     # not read
    _same(first, same_stat)
    _write_fixed(moved, data / "users.parquet", mtime_ns=mtime + 10**9)   # the same file, touched
    res, touched = _results(data)
    assert res.recomputed == [may, july] and len(res.reused) == 6 and res.stepped_from == may
    _same(touched, _fresh(data, tmp_path))
    reg = touched["tables"]["agg_registrations"].set_index("user_id").mi
    assert reg[users.user_id[row]] == july and first["tables"]["agg_registrations"].set_index("user_id").mi[
        users.user_id[row]] == may                                        # the change is in the tables (can fail)
    # --rebuild reads the users file even when its stat is the kept one
    back = moved.copy()
    back.loc[row, "registered_at"] = users.registered_at[row]
    _write_fixed(back, data / "users.parquet", mtime_ns=mtime + 10**9)
    res, rebuilt = _results(data, rebuild=True)
    assert len(res.computed) == 8
    _same(rebuilt, first)


def test_unchanged_orders_file_is_not_read_and_a_moved_order_is_seen(small, tmp_path):
    data = _fixed_copy(small, tmp_path)
    _, first = _results(data)
    orders = pd.read_parquet(data / "orders.parquet")
    row = orders.index[orders.order_time.dt.strftime("%Y-%m") == "2026-04"][0]
    moved = orders.copy()
    moved.loc[row, "order_time"] = pd.Timestamp("2026-06-02 12:00")      # an order moved April -> June
    moved.loc[row, "amount"] = orders.amount[row] + 7.5
    size, mtime = _stat(data / "orders.parquet")
    _write_fixed(moved, data / "orders.parquet", mtime_ns=mtime)
    assert _stat(data / "orders.parquet") == (size, mtime)
    res, same_stat = _results(data)
    assert len(res.reused) == 8 and not res.recomputed                  # trusted, not read
    # the kept aggregates are the old ones (user_detail reads the orders table itself: it sees the change)
    for view, df in first["tables"].items():
        pd.testing.assert_frame_equal(df, same_stat["tables"][view], obj=view)
    pd.testing.assert_frame_equal(first["k2"], same_stat["k2"])
    _write_fixed(moved, data / "orders.parquet", mtime_ns=mtime + 10**9)
    res, touched = _results(data)
    april, june = month_index(datetime(2026, 4, 1)), month_index(datetime(2026, 6, 1))
    assert res.recomputed == [april, june] and len(res.reused) == 6
    _same(touched, _fresh(data, tmp_path))
    amounts = touched["tables"]["agg_orders"].groupby("mi").amount.sum()
    before = first["tables"]["agg_orders"].groupby("mi").amount.sum()
    assert amounts[june] == pytest.approx(before[june] + orders.amount[row] + 7.5)


def test_registrations_follow_the_horizon_with_an_unchanged_users_file(small, tmp_path):
    """A registration after the horizon is left out; the same users file with the horizon moved
    past it is read again (the kept fingerprints hold for the horizon they were read at): the
    registration, after the last month with events, is left out and said, and its month is
    computed when that month's events arrive."""
    data = _fixed_copy(small, tmp_path)
    users = pd.read_parquet(data / "users.parquet")
    late = users.tail(1).copy()
    late["user_id"] = users.user_id.max() + 1
    late["registered_at"] = pd.Timestamp("2026-12-05 09:00")
    _write_fixed(pd.concat([users, late]), data / "users.parquet")
    store = open_store(data, now="2026-11-20")
    res = build(store, signal_events=SIGNAL)
    assert store.checks.future_users == 1 and month_index(datetime(2026, 12, 1)) not in res.aggregates.months()
    again = build(open_store(data, now="2026-11-21"), signal_events=SIGNAL)       # still after: same months
    assert len(again.reused) == 8
    store = open_store(data, now="2026-12-31")
    res = build(store, signal_events=SIGNAL)
    # read again: the registration is in `users` now, but after 2026-10, the last month with events
    assert store.checks.future_users == 0 and not res.computed and len(res.reused) == 8
    assert res.left_out == {"registrations": (1, month_index(datetime(2026, 12, 1)))}
    _append_event(data, "2026-12-06 10:00:00", user=int(late.user_id.iloc[0]))     # December's events arrive
    store = open_store(data, now="2026-12-31")
    res = build(store, signal_events=SIGNAL)
    assert res.computed == [month_index(datetime(2026, 11, 1)), month_index(datetime(2026, 12, 1))]
    assert not res.left_out and res.no_events == [month_index(datetime(2026, 11, 1))]
    fresh = build(open_store(data, now="2026-12-31"), signal_events=SIGNAL, cache_dir=tmp_path / "fresh")
    for view in ("agg_registrations", "lifecycle_snapshots"):
        pd.testing.assert_frame_equal(store.con.execute(f"SELECT * FROM {view} ORDER BY ALL").df(),
                                      fresh.aggregates.con.execute(f"SELECT * FROM {view} ORDER BY ALL").df())


# A user's registration month is that of their earliest registration (several rows of a user:
# a re-registration).  Hand-worked, months computed April .. May 2026 only:
#   U1 rows Feb 10 and Apr 5  -> earliest Feb: not in the run
#   U2 row  Apr 20            -> April
#   U3 rows Mar 1 and May 2   -> earliest Mar: not in the run
#   U4 rows May 30 and Jun 3  -> May (the June row is after the run, the earliest is in it)
#   U5 row  Jun 1             -> June: not in the run;  U6 no registered_at: never
REGS = [(1, "2026-02-10"), (1, "2026-04-05"), (2, "2026-04-20"), (3, "2026-03-01"), (3, "2026-05-02"),
        (4, "2026-05-30"), (4, "2026-06-03"), (5, "2026-06-01"), (6, None)]


def _registrations(rows, start, end):
    import duckdb

    from toolkit import queries
    con = duckdb.connect()
    con.execute("CREATE TABLE users (user_id BIGINT, registered_at TIMESTAMP)")
    if rows:
        con.executemany("INSERT INTO users VALUES (?, ?)", rows)
    return sorted(queries.run(con, "agg_registrations", start=start, end=end).fetchall())


def test_registrations_of_a_run_of_months_by_hand():
    april, may, june = (month_index(datetime(2026, m, 1)) for m in (4, 5, 6))
    assert _registrations(REGS, datetime(2026, 4, 1), datetime(2026, 6, 1)) == [(2, april), (4, may)]
    everything = _registrations(REGS, datetime(1, 1, 1), datetime(9999, 12, 1))
    assert everything == [(1, month_index(datetime(2026, 2, 1))), (2, april), (3, month_index(datetime(2026, 3, 1))),
                          (4, may), (5, june)]


def test_registrations_split_into_runs_equal_the_whole():
    """Property: the registrations of consecutive runs of months, put together, are those of
    the whole period (each user once, in the month of their earliest row)."""
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.tuples(st.integers(1, 6), st.integers(0, 11)), max_size=15), st.integers(0, 12))
    def check(rows, cut):
        regs = [(u, datetime(2026, 1, 1) + pd.DateOffset(months=m, days=u)) for u, m in rows]
        regs = [(u, t.to_pydatetime()) for u, t in regs]
        split = datetime(2026, 1, 1) + pd.DateOffset(months=cut)
        parts = (_registrations(regs, datetime(2026, 1, 1), split.to_pydatetime())
                 + _registrations(regs, split.to_pydatetime(), datetime(2027, 1, 1)))
        assert sorted(parts) == _registrations(regs, datetime(1, 1, 1), datetime(9999, 12, 1))
    check()


def test_kept_rows_of_many_months_are_read_through_one_file(small, tmp_path):
    """The kept monthly state counts (and cohort and funnel rows) of a long history are read
    from one file in the last month's folder, written from the one of the month before and
    the new month's own file (kept.read_kept): after last month's run, a monthly run reads
    two files, so with a middle month's counts file damaged it still answers, equal to a
    build from nothing; a late event in a past month deletes the kept files from that month
    on, and the numbers follow it."""
    from toolkit.analyses.cohorts import cohort_counts
    from toolkit.analyses.periods import cohort_funnel

    def tables(data, cache):
        store = open_store(data)
        agg = build(store, signal_events=SIGNAL, cache_dir=cache).aggregates
        lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg)
        return {"k2": lc.monthly(2), "cohorts": cohort_counts(lc), "funnel": cohort_funnel(lc)}

    def same(a, b):
        for name in a:
            pd.testing.assert_frame_equal(a[name], b[name], check_dtype=False, obj=name)

    data = _copy(small, tmp_path)
    cache = tmp_path / "cache"
    last = data / "events" / "events-2026-10.parquet"
    held = tmp_path / "held.parquet"
    last.rename(held)
    store = open_store(data)        # last month's run: its report month is September
    agg = build(store, signal_events=SIGNAL, cache_dir=cache).aggregates
    Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg, last_month="2026-09").monthly(2)
    september = cache / "months" / "2026-09"
    assert [p.name for p in september.glob("counts-k2.through-*.parquet")]
    held.rename(last)
    damaged = cache / "months" / "2026-05" / "counts-k2.parquet"
    assert damaged.is_file()
    damaged.write_bytes(b"not a parquet file")       # read by no monthly run from now on
    same(tables(data, cache), tables(data, tmp_path / "fresh"))
    assert [p.name for p in (cache / "months" / "2026-10").glob("counts-k2.through-*.parquet")]
    _append_event(data, "2026-05-17 10:00:00", user=1)
    late = tables(data, cache)
    assert damaged.read_bytes()[:4] == b"PAR1"        # May was stepped again: its kept files written anew
    same(late, tables(data, tmp_path / "fresh-late"))


def test_order_amounts_are_summed_exactly(tmp_path):
    """Amounts are summed as decimals: 1e16 + 1 - 1e16 is 1 in any order (as doubles, added in
    this order, it is 0, and in another order 1), so a kept sum equals a fresh one to the last
    bit: the month's amount and the funnel's revenue."""
    from conftest import write_table
    from toolkit.analyses.periods import cohort_funnel
    write_table(tmp_path, "events", pd.DataFrame({"user_id": [1, 1, 1], "event_name": ["app_open"] * 3,
                                                  "event_time": pd.to_datetime(["2025-01-05", "2025-02-05",
                                                                                "2025-03-05"])}))
    write_table(tmp_path, "orders", pd.DataFrame({"user_id": [1, 1, 1], "amount": [1e16, 1.0, -1e16],
                                                  "order_time": pd.to_datetime(["2025-01-06", "2025-01-07",
                                                                                "2025-01-08"])}))
    for cache in (None, tmp_path / "cache"):
        store = open_store(tmp_path)
        agg = build(store, signal_events=SIGNAL, cache_dir=cache).aggregates if cache else None
        lc = Lifecycle(store.con, signal_events=SIGNAL, aggregates=agg)
        assert float(store.con.execute("SELECT amount FROM agg_orders").fetchone()[0]) == 1.0
        assert cohort_funnel(lc).set_index("cohort").loc["2025-01", "revenue"] == 1.0


def test_rows_dated_after_the_horizon_do_not_stretch_the_months(small, tmp_path):
    """An event and an order with a wrong year (2206) are left out: the event by the store (with
    its warning), the order's month by the aggregates, with a note; the months end at the
    horizon's month instead of running to 2206 (2,175 months, each a lifecycle step), cached
    and in memory alike."""
    data = _copy(small, tmp_path)
    _append_event(data, "2206-01-05 10:00:00", user=1, file="typo.parquet")
    orders = pd.read_parquet(data / "orders.parquet")
    typo = orders.iloc[:2].copy()
    typo["order_time"] = pd.to_datetime(["2206-01-07 10:00", "2206-03-07 10:00"])
    pd.concat([orders, typo], ignore_index=True).to_parquet(data / "orders.parquet", index=False)
    store = open_store(data, now="2026-11-30 12:00")
    assert store.checks.future == 1
    res = build(store, signal_events=SIGNAL, cache_dir=tmp_path / "cache")
    assert len(res.computed) == 8 and res.aggregates.last_mi == month_index(datetime(2026, 10, 1))
    assert "note: 2 orders dated after 2026-10, the last month with events, are left out (the latest in " \
        "2206-03): the latest is after the data horizon: check the times (a wrong year?)" in res.describe()
    cached = Lifecycle(store.con, signal_events=SIGNAL, aggregates=res.aggregates).monthly(2)
    memory = open_store(data, now="2026-11-30 12:00")
    agg = in_memory(memory.con, signal_events=SIGNAL)
    assert agg.last_mi == res.aggregates.last_mi
    pd.testing.assert_frame_equal(Lifecycle(memory.con, signal_events=SIGNAL, aggregates=agg).monthly(2), cached)


def test_rows_after_the_horizon_are_aggregated_once_the_clock_reaches_them(small, tmp_path):
    """A run at noon of the last day leaves out that afternoon's events (after the horizon); a
    later run, the files unchanged, computes the month again with them (a file's rows after
    the horizon are part of its fingerprint), equal to a build from nothing."""
    data = _copy(small, tmp_path)
    cache = tmp_path / "cache"
    early = open_store(data, now="2026-10-31 12:00")
    assert early.checks.future > 0
    build(early, signal_events=SIGNAL, cache_dir=cache)
    res, later = _results(data, cache=cache)          # now: the wall clock, after every event
    assert res.recomputed == [month_index(datetime(2026, 10, 1))] and not res.computed
    _same(later, _fresh(data, tmp_path))


def test_months_after_a_moved_back_horizon_are_dropped_and_said_so(small, tmp_path):
    """Built with the horizon in 2027 (an event in 2027-02 counted), then with it back in 2026-11
    (that event left out): the months after 2026-11 are dropped, and the build says why."""
    data = _copy(small, tmp_path)
    _append_event(data, "2027-02-10 10:00:00", user=1, file="ahead.parquet")
    first = build(open_store(data, now="2027-03-01"), signal_events=SIGNAL, cache_dir=tmp_path / "cache")
    assert first.aggregates.last_mi == month_index(datetime(2027, 2, 1))
    res = build(open_store(data, now="2026-11-30 12:00"), signal_events=SIGNAL, cache_dir=tmp_path / "cache")
    assert res.aggregates.last_mi == month_index(datetime(2026, 10, 1))
    # 2026-11 (the horizon's month, no rows) .. 2027-02 lie after the last month with events, 2026-10
    assert "4 dropped (after the last month of the data)" in res.describe() and "no source left" not in res.describe()
    # the first build said that the three months before the event had none
    assert "note: no events in 2026-11, 2026-12, 2027-01, between months with events" in first.describe()


def test_a_month_without_events_between_others_is_noted_by_every_command(small, tmp_path):
    """A middle month's events file missing (an export that skipped a month): the month stays
    (its lifecycle counts every user as inactive) and every command says which month has no
    events, on stderr, beside its output; the build says it with what it did."""
    data = _copy(small, tmp_path)
    (data / "events" / "events-2026-06.parquet").unlink()
    proc = run_cli("lifecycle", data, check=True)
    note = "note: no events in 2026-06, between months with events: if an events file is missing, add it"
    assert note in proc.stderr, proc.stderr
    table = pd.read_csv(__import__("io").StringIO(proc.stdout)).set_index("month")
    assert table.loc["2026-06", "mau"] == table.loc["2026-06", "new"]       # only registrants count as active
    assert table.loc["2026-07", "mau"] > 0
    built = run_cli("build", data, check=True)
    assert note in built.stdout and "Aggregates in" in built.stdout
    # with the file back, no note
    shutil.copy(small / "events" / "events-2026-06.parquet", data / "events")
    assert "note:" not in run_cli("lifecycle", data, check=True).stderr
