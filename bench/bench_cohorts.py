"""Benchmark: retention cohorts and a breakdown by one users column, as a ratio to the monthly
lifecycle table's own time in the same run (interleaved rounds, bench/common.py).

    python bench/bench_cohorts.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 5]

Two comparisons per size:

* over the same aggregates and snapshots (what a report or a second command pays): the
  lifecycle table (``Lifecycle.monthly``, the state counts over the snapshots) against the
  cohort triangle (``cohort_table``) and against the breakdown by ``channel`` (the segment
  lookup read from the users table, ``segment_monthly`` and ``cohort_table(by=...)``);
* from the events (a command on a fresh connection): ``Lifecycle(con).monthly(2)`` against
  the same plus the cohorts, and plus the breakdown.

Data: ``toolkit sample`` with the given number of users (about 100 events per user over 24
months: 100,000 users are about 10M events), generated once into bench/out/ and reused.
"""
from __future__ import annotations

import argparse

import duckdb
from common import bench_store, rounds, spread

from toolkit.analyses import cohorts
from toolkit.analyses.cohorts import cohort_table, segment_monthly
from toolkit.analyses.lifecycle import Lifecycle


def _breakdown(lc):
    lc.con.execute("DROP TABLE IF EXISTS temp.agg_user_segments")          # read the users table every round
    lc.con.execute("DROP TABLE IF EXISTS temp.agg_user_segments_columns")
    cohorts._CELLS.clear()                                                   # and compute the breakdown again
    return segment_monthly(lc, "channel", 2), cohort_table(lc, by="channel")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds; "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    print("| users | events | lifecycle table s | cohorts s | ratio | breakdown by channel s | ratio | "
          "from events: lifecycle s | + cohorts | + breakdown |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.users:
        _, store = bench_store(n, args.memory_limit)
        con = store.con
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        lc = Lifecycle(con)
        fns = {"lifecycle": lambda: lc.monthly(2), "cohorts": lambda: cohort_table(lc),
               "by": lambda: _breakdown(lc)}
        out, med, times = rounds(fns, args.repeat)
        whole = out["lifecycle"]
        seg, _ = out["by"]
        assert (seg.groupby("month")["mau"].sum().to_numpy() == whole["mau"].to_numpy()).all()
        assert out["cohorts"]["size"].sum() == whole["cumulative"].iloc[-1]

        def cold(extra):
            def run():
                lc2 = Lifecycle(con)
                lc2.monthly(2)
                if extra:
                    cohort_table(lc2)
                if extra == "by":
                    _breakdown(lc2)
            return run
        _, med2, times2 = rounds({"lc": cold(None), "co": cold("co"), "by": cold("by")}, max(2, args.repeat // 2))
        print(f"| {n:,} | {events:,} | {med['lifecycle']:.2f} | {med['cohorts']:.2f} | "
              f"{spread(times, 'cohorts', 'lifecycle')} | {med['by']:.2f} | {spread(times, 'by', 'lifecycle')} | "
              f"{med2['lc']:.2f} | {spread(times2, 'co', 'lc')} | {spread(times2, 'by', 'lc')} |", flush=True)
        con.close()


if __name__ == "__main__":
    main()
