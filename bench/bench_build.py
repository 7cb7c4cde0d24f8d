"""Benchmark: the monthly aggregate layer (``toolkit build``) against the floor of a single
scan of the events to distinct (user, month) pairs, all in one process with interleaved
rounds (bench/common.py), and the monthly run against the length of history.

    python bench/bench_build.py [--users 100000 1000000] [--repeat 3] [--memory-limit 4GB]
    python bench/bench_build.py --history [--history-users 50000]      # 12 vs 48 months
    python bench/bench_build.py --report --users 1000000 --memory-limit 2GB   # report, cold and warm cache

Tables printed:

1. full build from no cache / floor, and the build after appending the last month to
   a cache of the 23 before it / full build of the same data (a data folder of symlinks,
   so the month file can be taken away and put back);
2. ``--history``: the data work of a monthly run (the build after appending the last
   month, then every analysis the report runs on the aggregates) at 48 months of history
   against 12 months, at the same monthly volume (users scaled with the months);
3. ``--report``: ``toolkit report`` wall time per section with no cache and with a warm
   one, and the peak resident memory of the run (largest process) under --memory-limit.

Data: `toolkit sample` with the given number of users (about 100 events per user over
24 months: 100,000 users is 10M events), generated once into bench/out/ and reused.
100M events (--users 1000000) need about 3 GB of disk and a long run; not run in CI.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
from common import ROOT, rounds, spread

from toolkit.aggregates import build
from toolkit.analyses.campaign_effects import campaign_effects
from toolkit.analyses.holiday_lift import daily_users
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.periods import cohort_funnel
from toolkit.analyses.preferences import month_preferences, previous_month
from toolkit.data.sample import generate_sample
from toolkit.analyses.scenes import evaluate
from toolkit.data.store import open_store

FLOOR_SQL = """CREATE OR REPLACE TEMP TABLE floor AS
SELECT DISTINCT user_id, year(event_time) * 12 + month(event_time) - 1 AS mi
FROM events WHERE NOT list_contains(['trip'], event_name)"""       # the floor of bench_lifecycle.py
OUT = ROOT / "bench" / "out"


def sample(users: int, months: int = 24) -> Path:
    data = OUT / (f"lc-{users}" if months == 24 else f"lc-{users}-{months}m")
    if not (data / "truth.json").exists():
        generate_sample(data, users=users, months=months, end="2026-10", seed=7)
    return data


def linked_copy(data: Path, to: Path) -> Path:
    """A data folder of symlinks to ``data``'s files (events one by one), for taking a month away."""
    shutil.rmtree(to, ignore_errors=True)
    (to / "events").mkdir(parents=True)
    for f in data.iterdir():
        if f.is_file():
            (to / f.name).symlink_to(f)
    for f in sorted((data / "events").glob("*.parquet")):
        (to / "events" / f.name).symlink_to(f)
    return to


def open_(data: Path, memory_limit: str):
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{OUT / 'spill'}'")
    return open_store(data, con=con, memory_limit=memory_limit)


def build_table(users_list, repeat, memory_limit):
    print("| users | events | floor s | full build s | full / floor | append 1 month s | append / full |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in users_list:
        data = linked_copy(sample(n), OUT / f"build-{n}")
        cache_full, cache_inc = OUT / f"cache-full-{n}", OUT / f"cache-inc-{n}"
        last = sorted((data / "events").glob("*.parquet"))[-1]
        target = last.resolve()
        store = open_(data, memory_limit)
        events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]

        def full():
            shutil.rmtree(cache_full, ignore_errors=True)
            return build(open_(data, memory_limit), cache_dir=cache_full)

        def append():
            # untimed set-up of the round: the cache of the 23 months before (the last month
            # has registrations and orders, so its folder exists without its events)
            last.unlink()
            build(open_(data, memory_limit), cache_dir=cache_inc)
            last.symlink_to(target)
            t0 = time.perf_counter()
            res = build(open_(data, memory_limit), cache_dir=cache_inc)
            res.seconds = time.perf_counter() - t0
            return res

        timed_append = []

        def append_timed():
            res = append()
            timed_append.append(res.seconds)
            return res

        fns = {"floor": lambda: store.con.execute(FLOOR_SQL), "full": full, "append": append_timed}
        out, med, times = rounds(fns, repeat)
        times["append"] = timed_append                       # the step after the set-up only
        assert not out["append"].computed and len(out["append"].recomputed) == 1, out["append"].describe()
        med_append = sorted(timed_append)[len(timed_append) // 2]
        print(f"| {n:,} | {events:,} | {med['floor']:.2f} | {med['full']:.2f} | {spread(times, 'full', 'floor')} | "
              f"{med_append:.2f} | {spread(times, 'append', 'full')} |", flush=True)


def monthly_run(data: Path, cache: Path, memory_limit: str) -> float:
    """The data work of a monthly run: the build after the last month arrives, then every
    analysis the report runs on the aggregates.  Returns seconds (the set-up is untimed)."""
    last = sorted((data / "events").glob("*.parquet"))[-1]
    target = last.resolve()
    last.unlink()
    build(open_(data, memory_limit), cache_dir=cache)
    last.symlink_to(target)
    t0 = time.perf_counter()
    store = open_(data, memory_limit)
    agg = build(store, cache_dir=cache).aggregates
    month = "2026-10"
    lc = Lifecycle(store.con, aggregates=agg, last_month=month)
    lc.monthly(2)
    month_preferences(lc, month, 2)
    month_preferences(lc, previous_month(month), 2)
    daily_users(store.con)
    campaign_effects(store.con)
    cohort_funnel(lc)
    evaluate(store.con)
    return time.perf_counter() - t0


def history_table(users: int, repeat: int, memory_limit: str):
    """12 and 48 months of history at the same monthly volume (users scaled with the months)."""
    runs = {}
    for months in (12, 48):
        data = linked_copy(sample(users * months // 24, months), OUT / f"hist-{months}")
        cache = OUT / f"cache-hist-{months}"
        shutil.rmtree(cache, ignore_errors=True)
        build(open_(data, memory_limit), cache_dir=cache)
        runs[f"m{months}"] = (lambda d=data, c=cache: monthly_run(d, c, memory_limit))
    secs = {name: [] for name in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            secs[name].append(fn())
    print("| history | monthly run s (data work) | ratio to 12 months |")
    print("|---|---:|---:|")
    for name in runs:
        med = sorted(secs[name])[len(secs[name]) // 2]
        print(f"| {name[1:]} months | {med:.2f} | {spread(secs, name, 'm12')} |")


def report_table(users: int, memory_limit: str, month: str = "2026-10"):
    """``toolkit report`` with no cache and with the cache it left, per section; peak memory."""
    data = sample(users)
    cache = OUT / f"cache-report-{users}"
    print(f"| run (memory_limit {memory_limit}) | build s | " + "section s | " * 3 + "total s | peak RSS MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label in ("no cache", "warm cache"):
        if label == "no cache":
            shutil.rmtree(cache, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp())
        cfg = tmp / "toolkit.yaml"
        cfg.write_text(f"data_dir: {data}\ncache_dir: {cache}\nmemory_limit: {memory_limit}\n", encoding="utf-8")
        t0 = time.perf_counter()
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        proc = subprocess.run([sys.executable, "-m", "toolkit", "--config", str(cfg), "report", "--month", month,
                               "--out", str(tmp / "reports")], capture_output=True, text=True, cwd=tmp,
                              env={**os.environ, "TOOLKIT_CONFIG": str(cfg)})
        wall = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        assert proc.returncode == 0, proc.stderr[-2000:]
        build_s = next((ln for ln in proc.stdout.splitlines() if ln.startswith("Aggregates in")), "")
        build_s = build_s.rsplit("; ", 1)[-1].rstrip("s.") if build_s else "?"
        log = json.loads((tmp / "reports" / "run.log").read_text().splitlines()[-1])
        cells = " | ".join(f"{s['section']} {s['execute_seconds'] + s['render_seconds']:.1f}" for s in log["sections"])
        print(f"| {label} | {build_s} | {cells} | {wall:.1f} | "
              f"{max(peak, before) / 1024:.0f}{'' if peak > before else ' (not above an earlier run)'} |", flush=True)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--history", action="store_true", help="12 against 48 months of history")
    ap.add_argument("--history-users", type=int, default=50_000, help="users per 24 months for --history")
    ap.add_argument("--report", action="store_true", help="the full report with and without a cache")
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds; "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    if args.report:
        for n in args.users:
            report_table(n, args.memory_limit)
    elif args.history:
        history_table(args.history_users, args.repeat, args.memory_limit)
    else:
        build_table(args.users, args.repeat, args.memory_limit)


if __name__ == "__main__":
    main()
