"""Benchmark: preference shares for the last month (three-month window) against a floor
measured in the same run: one scan of the events producing the distinct (user, day,
category) triples of the same window.

    python bench/bench_preferences.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 3]

Data: the samples of bench_lifecycle.py (bench/out/lc-N), generated when missing.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.preferences import preference_shares  # noqa: E402
from toolkit.sample import generate_sample  # noqa: E402
from toolkit.store import open_store  # noqa: E402

FLOOR_SQL = """CREATE OR REPLACE TEMP TABLE floor AS
SELECT DISTINCT e.user_id, CAST(e.event_time AS DATE) AS day, f.category
FROM events e LEFT JOIN feature_map f USING (event_name)
WHERE e.event_time >= TIMESTAMP '2026-08-01' AND e.event_time < TIMESTAMP '2026-11-01'
  AND e.event_name <> 'trip'"""


def timed(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, median of {args.repeat} runs; "
          "window 2026-08 .. 2026-10")
    print("| users | events (all) | events in window | floor s | shares s | ratio to floor |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n in args.users:
        data = ROOT / "bench" / "out" / f"lc-{n}"
        if not (data / "truth.json").exists():
            generate_sample(data, users=n, months=24, end="2026-10", seed=7)
        con = duckdb.connect()
        con.execute(f"SET temp_directory = '{ROOT / 'bench' / 'out' / 'spill'}'")
        open_store(data, con=con, memory_limit=args.memory_limit)
        total = con.execute("SELECT count(*) FROM events").fetchone()[0]
        window = con.execute("SELECT count(*) FROM events WHERE event_time >= TIMESTAMP '2026-08-01'").fetchone()[0]
        floor = timed(lambda: con.execute(FLOOR_SQL), args.repeat)
        shares = timed(lambda: preference_shares(con, "2026-10"), args.repeat)
        print(f"| {n:,} | {total:,} | {window:,} | {floor:.2f} | {shares:.2f} | {shares / floor:.2f}x |", flush=True)
        con.close()


if __name__ == "__main__":
    main()
