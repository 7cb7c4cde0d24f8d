"""Benchmark: the monthly aggregate layer (``toolkit build``) against the floor of a single
scan of the events to distinct (user, month) pairs, all in one process with interleaved
rounds (bench/common.py), and the monthly run against the length of history.

    python bench/bench_build.py [--users 100000 1000000] [--repeat 3] [--memory-limit 4GB]
    python bench/bench_build.py --history [--history-users 50000]      # 12 vs 48 months, same monthly volume
    python bench/bench_build.py --history --growing    # 12 vs 48 months of one sample (active users grow)
    python bench/bench_build.py --report --users 1000000 --memory-limit 2GB   # report, cold and warm cache

Tables printed:

1. full build from no cache / floor, and the build after appending the last month to
   a cache of the 23 before it / full build of the same data (a data folder of symlinks,
   so the month file can be taken away and put back);
2. ``--history``: the data work of a monthly run (the build after appending the last
   month, then every analysis the report runs on the aggregates) at 48 months of history
   against 12 months, at the same monthly volume (``steady_sample``: the last 12 months are
   the same data, the three years before are further samples of the same size);
3. ``--report``: ``toolkit report`` wall time per section with no cache and with a warm
   one (sections one at a time and two at a time, interleaved rounds; then once more with
   the month's kept churn fit deleted, as in the first run of a new month), and the peak
   resident memory of the run (all its processes summed, and the largest) under --memory-limit.

Data: `toolkit sample` with the given number of users (about 100 events per user over
24 months: 100,000 users is 10M events), generated once into bench/out/ and reused.
100M events (--users 1000000) need about 3 GB of disk and a long run; not run in CI.
"""
from __future__ import annotations

import argparse
import json
import os
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
from toolkit.analyses.lifecycle import Lifecycle, month_index
from toolkit.analyses.periods import cohort_funnel
from toolkit.analyses.preferences import window_preferences
from toolkit.months import previous_month
from toolkit.data.sample import generate_sample
from toolkit.analyses.scenes import evaluate
from toolkit.data.store import open_store
from toolkit.months import parse_month

FLOOR_SQL = """CREATE OR REPLACE TEMP TABLE floor AS
SELECT DISTINCT user_id, year(event_time) * 12 + month(event_time) - 1 AS mi
FROM events WHERE NOT list_contains(['trip'], event_name)"""       # the floor of bench_lifecycle.py
OUT = ROOT / "bench" / "out"


def sample(users: int, months: int = 24) -> Path:
    data = OUT / (f"lc-{users}" if months == 24 else f"lc-{users}-{months}m")
    if not (data / "truth.json").exists():
        generate_sample(data, users=users, months=months, end="2026-10", seed=7)
    return data


def steady_sample(users: int, months: int) -> Path:
    """``months`` of history whose last 12 months are the 12-month sample of ``users`` users
    itself: the earlier years are 12-month samples of the same size (other seeds, ending a
    year, two, ... before), with their user ids moved out of the way, whose users stop at the
    end of their year.  The monthly volume of the last year (events, new and active users) is
    the same whatever the length of history; the cumulative users grow with it.  Campaigns,
    members, pushes and rules are the last year's.  (A single ``generate_sample`` over 48
    months is no such thing: its users stay active for years, so its last month has 3.7x the
    active users of the 12-month sample.)"""
    last = sample(users, 12)
    if months == 12:
        return last
    assert months % 12 == 0, months
    data = OUT / f"steady-{users}-{months}m"
    if (data / "done").exists():
        return data
    shutil.rmtree(data, ignore_errors=True)
    (data / "events").mkdir(parents=True)
    years = months // 12
    parts = [(last, 0)]
    for back in range(1, years):
        prev = OUT / f"lc-{users}-12m-{back}y-before"
        if not (prev / "truth.json").exists():
            generate_sample(prev, users=users, months=12, end=f"{2026 - back}-10", seed=7 + back)
        parts.append((prev, back * 10_000_000))
    con = duckdb.connect()
    for src, shift in parts:
        for f in sorted((src / "events").glob("*.parquet")):
            if shift == 0:
                (data / "events" / f.name).symlink_to(f.resolve())
            else:
                con.execute(f"COPY (SELECT user_id + {shift} AS user_id, event_time, event_name FROM "
                            f"read_parquet('{f}')) TO '{data / 'events' / f.name}' (FORMAT parquet)")
    for table, shifted in (("users", "user_id + {s} AS user_id, registered_at, nickname, channel, city"),
                           ("orders", "order_id || '-' || {s} AS order_id, user_id + {s} AS user_id, order_time, amount, "
                                      "item")):
        union = " UNION ALL ".join(f"SELECT {shifted.format(s=s)} FROM read_parquet('{src / (table + '.parquet')}')"
                                   for src, s in parts)
        con.execute(f"COPY ({union}) TO '{data / (table + '.parquet')}' (FORMAT parquet)")
    for f in last.iterdir():
        if f.is_file() and f.name not in ("users.parquet", "orders.parquet"):
            (data / f.name).symlink_to(f.resolve())
    (data / "done").write_text("")
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


def open_(data: Path, memory_limit: str, cache_dir=None):
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{OUT / 'spill'}'")
    return open_store(data, con=con, memory_limit=memory_limit, cache_dir=cache_dir)


def build_table(users_list, repeat, memory_limit):
    print("| users | events | floor s | open, cold s | build, cold s | open + build / floor | build / floor | "
          "append 1 month s | append / (open + build) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in users_list:
        data = linked_copy(sample(n), OUT / f"build-{n}")
        cache_full, cache_inc = OUT / f"cache-full-{n}", OUT / f"cache-inc-{n}"
        last = sorted((data / "events").glob("*.parquet"))[-1]
        target = last.resolve()
        store = open_(data, memory_limit)
        events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]

        timed_open = []

        def full():
            # nothing kept: opening the store checks every file, the build computes every month
            shutil.rmtree(cache_full, ignore_errors=True)
            t0 = time.perf_counter()
            st = open_(data, memory_limit, cache_full)
            timed_open.append(time.perf_counter() - t0)
            return build(st, cache_dir=cache_full)

        def append():
            # untimed set-up of the round: the cache of the 23 months before
            last.unlink()
            build(open_(data, memory_limit, cache_inc), cache_dir=cache_inc)
            last.symlink_to(target)
            t0 = time.perf_counter()
            res = build(open_(data, memory_limit, cache_inc), cache_dir=cache_inc)
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
        times["open"] = timed_open
        times["build"] = [f - o for f, o in zip(times["full"], timed_open)]
        # the one new month only (new, or recomputed when its folder was kept from its registrations and orders)
        assert len(out["append"].computed) + len(out["append"].recomputed) == 1, out["append"].describe()

        def med_of(name):
            return sorted(times[name])[len(times[name]) // 2]
        print(f"| {n:,} | {events:,} | {med['floor']:.2f} | {med_of('open'):.2f} | {med_of('build'):.2f} | "
              f"{spread(times, 'full', 'floor')} | {spread(times, 'build', 'floor')} | {med_of('append'):.2f} | "
              f"{spread(times, 'append', 'full')} |", flush=True)


def before_month(data: Path, month: str) -> Path:
    """Copies of ``data``'s users and orders without the rows of ``month`` and after (made once):
    the files as they were before the month's data arrived."""
    out = data.parent / f"{data.name}-before-{month}"
    if not (out / "done").is_file():
        out.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect()
        for table, col in (("users", "registered_at"), ("orders", "order_time")):
            con.execute(f"COPY (SELECT * FROM read_parquet('{data / (table + '.parquet')}') "
                        f"WHERE {col} < DATE '{month}-01') TO '{out / (table + '.parquet')}' (FORMAT parquet)")
        (out / "done").write_text("")
    return out


def _point(link: Path, target: Path) -> None:
    assert link.is_symlink(), link        # the data folders here are links (linked_copy)
    link.unlink()
    link.symlink_to(target)


def last_months_run(data: Path, cache: Path, memory_limit: str, month: str) -> None:
    """The cache as last month's run left it: the build without ``month``'s rows (its events
    file away, the users and orders files without its rows), then the lifecycle table and the
    funnel of the month before (the sections that keep rows)."""
    last = sorted((data / "events").glob("*.parquet"))[-1]
    files = {t: (data / f"{t}.parquet").resolve() for t in ("users", "orders")}
    before = before_month(data, month)
    target = last.resolve()
    last.unlink()
    for t in files:
        _point(data / f"{t}.parquet", before / f"{t}.parquet")
    try:
        st = open_(data, memory_limit, cache)
        agg = build(st, cache_dir=cache).aggregates
        lc = Lifecycle(st.con, aggregates=agg)
        assert lc.last_mi == month_index(parse_month(month)) - 1
        lc.monthly(2)
        cohort_funnel(lc)
        st.con.close()
    finally:
        for t, target_file in files.items():
            _point(data / f"{t}.parquet", target_file)
        last.symlink_to(target)


def monthly_run(data: Path, cache: Path, memory_limit: str) -> float:
    """The data work of a monthly run: the build after the last month arrives (its events, and
    its registrations and orders in the users and orders files), then every analysis the
    report runs on the aggregates.  Returns seconds; the set-up (``last_months_run``) is
    untimed."""
    month = "2026-10"
    last_months_run(data, cache, memory_limit, month)
    t0 = time.perf_counter()
    store = open_(data, memory_limit, cache)
    agg = build(store, cache_dir=cache).aggregates
    lc = Lifecycle(store.con, aggregates=agg, last_month=month)
    lc.monthly(2)
    window_preferences(lc, month, 2)                 # what the report reads (03_preferences)
    window_preferences(lc, previous_month(month), 2)
    daily_users(store.con)
    campaign_effects(store.con)
    cohort_funnel(lc)
    evaluate(store.con)
    return time.perf_counter() - t0


def history_table(users: int, repeat: int, memory_limit: str, growing: bool = False):
    """12 and 48 months of history at the same monthly volume (``steady_sample``: the last
    year is the same data).  ``growing``: the former construction, one sample over the months
    with the users scaled with them (same new users per month, but 3.7x the active users in
    the last month at 48 months)."""
    runs = {}
    for months in (12, 48):
        data = linked_copy(sample(users * months // 24, months) if growing else steady_sample(users // 2, months),
                           OUT / f"hist-{months}")
        cache = OUT / f"cache-hist-{months}"
        shutil.rmtree(cache, ignore_errors=True)
        build(open_(data, memory_limit, cache), cache_dir=cache)
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


class TreeMemory:
    """Peak resident memory of a process and its children, summed (two kernels running at once
    add up), sampled every 0.2 s by a thread; also the largest single process."""

    def __init__(self, pid: int):
        import threading
        import psutil
        self.proc, self.peak_sum, self.peak_one = psutil.Process(pid), 0, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        import psutil
        while not self.done.is_set():
            try:
                rss = [p.memory_info().rss for p in [self.proc, *self.proc.children(recursive=True)]]
            except psutil.Error:
                rss = []
            if rss:
                self.peak_sum, self.peak_one = max(self.peak_sum, sum(rss)), max(self.peak_one, max(rss))
            self.done.wait(0.2)

    def stop(self):
        self.done.set()
        self.thread.join()


def report_run(data: Path, cache: Path, memory_limit: str, jobs: int, month: str = "2026-10") -> dict:
    """One ``toolkit report`` run: wall time, build time, per-section seconds, peak memory."""
    tmp = Path(tempfile.mkdtemp())
    cfg = tmp / "toolkit.yaml"
    cfg.write_text(f"data_dir: {data}\ncache_dir: {cache}\nmemory_limit: {memory_limit}\n", encoding="utf-8")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "--config", str(cfg), "report", "--month", month,
                             "--out", str(tmp / "reports"), "--jobs", str(jobs)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=tmp, env={**os.environ, "TOOLKIT_CONFIG": str(cfg)})
    mem = TreeMemory(proc.pid)
    stdout, stderr = proc.communicate()
    mem.stop()
    wall = time.perf_counter() - t0
    assert proc.returncode == 0, stderr[-2000:]
    build_s = next((ln for ln in stdout.splitlines() if ln.startswith("Aggregates in")), "")
    build_s = float(build_s.rsplit("; ", 1)[-1].rstrip("s.")) if build_s else float("nan")
    log = json.loads((tmp / "reports" / "run.log").read_text().splitlines()[-1])
    sections = {s["section"]: s["execute_seconds"] + s["render_seconds"] for s in log["sections"]}
    shutil.rmtree(tmp, ignore_errors=True)
    return {"wall": wall, "build": build_s, "sections": sections, "sum_mb": mem.peak_sum / 2**20,
            "one_mb": mem.peak_one / 2**20}


def report_table(users: int, memory_limit: str, repeat: int = 1):
    """``toolkit report`` with no cache (sections one at a time), then with the cache it left,
    sections one at a time (--jobs 1) and two at a time (--jobs 2) in interleaved rounds; per
    section seconds (execution + rendering; with --jobs 2 they overlap), peak memory."""
    data = sample(users)
    cache = OUT / f"cache-report-{users}"
    shutil.rmtree(cache, ignore_errors=True)
    runs = [("no cache, --jobs 1", report_run(data, cache, memory_limit, 1))]
    warm = {1: [], 2: []}
    for _ in range(repeat):
        for jobs in (1, 2):
            warm[jobs].append(report_run(data, cache, memory_limit, jobs))
    for jobs in (1, 2):
        by_wall = sorted(warm[jobs], key=lambda r: r["wall"])
        runs.append((f"warm cache, --jobs {jobs} (median of {repeat})", by_wall[len(by_wall) // 2]))
    # the first run of a month on a warm cache: the aggregates are there, the churn fit of the
    # month is not (the kept fits are what a second run of the month, or the other language, reads)
    for kept in cache.glob("months/*/churn-*"):
        shutil.rmtree(kept)
    runs.append(("warm cache, churn fit not kept, --jobs 2", report_run(data, cache, memory_limit, 2)))
    names = list(runs[0][1]["sections"])
    print(f"| run (memory_limit {memory_limit}) | build s | " + " | ".join(f"{n} s" for n in names) +
          " | wall s | peak RSS MB, all processes | largest process MB |")
    print("|---|" + "---:|" * (len(names) + 4))
    for label, r in runs:
        print(f"| {label} | {r['build']:.1f} | " + " | ".join(f"{r['sections'][n]:.1f}" for n in names) +
              f" | {r['wall']:.1f} | {r['sum_mb']:.0f} | {r['one_mb']:.0f} |", flush=True)
    if repeat:
        ratio = sorted(b["wall"] / a["wall"] for a, b in zip(warm[1], warm[2]))
        print(f"\nwarm cache, --jobs 2 / --jobs 1 wall time: {ratio[len(ratio) // 2]:.2f}x "
              f"({ratio[0]:.2f}-{ratio[-1]:.2f} over {repeat} rounds)")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--history", action="store_true", help="12 against 48 months of history")
    ap.add_argument("--history-users", type=int, default=50_000, help="users per 24 months for --history")
    ap.add_argument("--growing", action="store_true",
                    help="--history with one sample over all months (users scaled with the months; active users grow)")
    ap.add_argument("--report", action="store_true", help="the full report with and without a cache")
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds; "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    if args.report:
        for n in args.users:
            report_table(n, args.memory_limit, args.repeat)
    elif args.history:
        history_table(args.history_users, args.repeat, args.memory_limit, args.growing)
    else:
        build_table(args.users, args.repeat, args.memory_limit)


if __name__ == "__main__":
    main()
