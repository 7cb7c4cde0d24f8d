"""Benchmark: preference shares for the last month (three-month window) against a floor
measured in the same run: one scan of the events producing the distinct (user, day,
category) triples of the same window.

    python bench/bench_preferences.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 5]

Data: the samples of bench_lifecycle.py (bench/out/lc-N), generated when missing.
"""
from __future__ import annotations

import argparse

import duckdb
from common import bench_store, ratio, rounds

from toolkit.analyses.preferences import preference_shares

FLOOR_SQL = """CREATE OR REPLACE TEMP TABLE floor AS
SELECT DISTINCT e.user_id, CAST(e.event_time AS DATE) AS day, f.category
FROM events e LEFT JOIN feature_map f USING (event_name)
WHERE e.event_time >= TIMESTAMP '2026-08-01' AND e.event_time < TIMESTAMP '2026-11-01'
  AND e.event_name <> 'trip'"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds "
          "(times: medians; ratio: median of the per-round ratios); window 2026-08 .. 2026-10")
    print("| users | events (all) | events in window | floor s | shares s | ratio to floor |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.users:
        _, store = bench_store(n, args.memory_limit)
        con = store.con
        total = con.execute("SELECT count(*) FROM events").fetchone()[0]
        window = con.execute("SELECT count(*) FROM events WHERE event_time >= TIMESTAMP '2026-08-01'").fetchone()[0]
        _, med, times = rounds({"floor": lambda: con.execute(FLOOR_SQL),
                                "shares": lambda: preference_shares(con, "2026-10")}, args.repeat)
        print(f"| {n:,} | {total:,} | {window:,} | {med['floor']:.2f} | {med['shares']:.2f} | "
              f"{ratio(times, 'shares', 'floor'):.2f}x |", flush=True)
        con.close()


if __name__ == "__main__":
    main()
