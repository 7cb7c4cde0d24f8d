"""Benchmark: retention cohorts and a breakdown by one users column, as a ratio to the monthly
lifecycle table's own time in the same run (interleaved rounds, bench/common.py), all from a
warm aggregate cache (what a report, or a command after ``toolkit build``, pays).

    python bench/bench_cohorts.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 5]

Timed per round, on one connection over the cached aggregates and snapshots:

* lifecycle: ``Lifecycle.monthly(2)`` (reads the kept state counts, ``counts-k2.parquet`` of
  each month);
* cohorts: ``cohort_table`` (the triangle of every entry month);
* breakdown: ``segment_monthly(lc, "channel", 2)`` and ``cohort_table(by="channel")`` from
  the kept segment cells (``counts-k2-by-channel-<lookup>.parquet`` of each month), with the
  in-process memo and the users lookup dropped first, so nothing is carried between rounds;
* cold breakdown: the same after deleting the kept cells and the recorded lookup digests
  (``segments.json``): the users table is read, every month joined and its cells written,
  which is what the first breakdown by a column (or the first after a users change) pays.

Data: ``toolkit sample`` with the given number of users (about 100 events per user over 24
months: 100,000 users are about 10M events), generated once into bench/out/ and reused; the
aggregate cache is built (or brought up to date) before the rounds and not timed.
"""
from __future__ import annotations

import argparse
import time

import duckdb
from common import bench_store, rounds, spread

from toolkit.aggregates import build
from toolkit.aggregates.segments import SEGMENTS_FILE
from toolkit.analyses import cohorts
from toolkit.analyses.cohorts import cohort_table, segment_monthly
from toolkit.analyses.lifecycle import Lifecycle

BY = "channel"


def _forget(con):
    """Drop what a breakdown keeps in the process: the cells memo and the users lookup."""
    con.execute("DROP TABLE IF EXISTS temp.agg_user_segments")
    con.execute("DROP TABLE IF EXISTS temp.agg_user_segments_columns")
    cohorts._CELLS.clear()


def _breakdown(lc):
    _forget(lc.con)
    return segment_monthly(lc, BY, 2), cohort_table(lc, by=BY)


def _cold(lc, root):
    def run():
        for f in (root / "months").glob(f"*/counts-k*-by-{BY}-*.parquet"):
            f.unlink()
        (root / SEGMENTS_FILE).unlink(missing_ok=True)
        return _breakdown(lc)
    return run


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds; "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    rows = []
    for n in args.users:
        _, store = bench_store(n, args.memory_limit)
        con = store.con
        t0 = time.perf_counter()
        res = build(store)
        print(f"{n:,} users: {res.describe()} (build {time.perf_counter() - t0:.1f}s, not timed below)", flush=True)
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        lc = Lifecycle(con, aggregates=res.aggregates)
        lc.monthly(2)                  # the kept state counts, cohort counts and segment cells exist before the rounds
        cohort_table(lc)
        _breakdown(lc)
        fns = {"lifecycle": lambda: lc.monthly(2), "cohorts": lambda: cohort_table(lc),
               "by": lambda: _breakdown(lc), "cold": _cold(lc, res.root)}
        out, med, times = rounds(fns, args.repeat)
        whole = out["lifecycle"]
        for name in ("by", "cold"):
            seg, by_cohorts = out[name]
            assert (seg.groupby("month", sort=True)["mau"].sum().to_numpy() == whole["mau"].to_numpy()).all()
            assert by_cohorts["size"].sum() == whole["cumulative"].iloc[-1]
        assert out["cohorts"]["size"].sum() == whole["cumulative"].iloc[-1]
        rows.append(f"| {n:,} | {events:,} | {med['lifecycle']:.3f} | {med['cohorts']:.3f} | "
                    f"{spread(times, 'cohorts', 'lifecycle')} | {med['by']:.3f} | {spread(times, 'by', 'lifecycle')} | "
                    f"{med['cold']:.2f} | {spread(times, 'cold', 'lifecycle')} |")
        print(rows[-1], flush=True)
        con.close()
    print("| users | events | lifecycle table s | cohorts s | cohorts / table | breakdown s | breakdown / table | "
          "cold breakdown s | cold / table |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
