"""Benchmark: RFM and churn-risk feature building as a ratio to the lifecycle table's time
in the same run, and the churn models' fitting time and peak memory.

    python bench/bench_value.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 3]

Each round opens a fresh connection on the sample's events and times (1) the monthly
lifecycle table (the aggregates scanned from the events, the fold, the counts), then on the
aggregates that left behind (2) the RFM scores of the last month and (3) the churn features of
the last nine months (which scan the category aggregate of those months from the events).
Ratios are per round, so the baseline sees the same machine.  Then, once per size, the churn
models (choice on a validation month, out-of-time evaluation, scoring; without the per-user
reasons) with their time and the process's peak resident memory.

Data: `toolkit sample` with the given number of users (about 100 events per user over 24
months), generated once into bench/out/ and reused.
"""
from __future__ import annotations

import argparse
import resource
import time

import duckdb
from common import bench_store, rounds, spread

from toolkit.analyses.churn_risk import MAX_TRAIN_ROWS, churn_features, churn_risk
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.analyses.value import rfm_scores
from toolkit.data.store import open_store

MONTH = "2026-10"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fit-users", type=int, default=1_000_000, help="fit the models at this size only")
    ap.add_argument("--fit-only", action="store_true", help="skip the timing rounds, only fit the models")
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, memory_limit {args.memory_limit}, {args.repeat} interleaved rounds; "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    print("| users | events | lifecycle s | RFM s | RFM / lifecycle | churn features s | churn features / lifecycle |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    fits = []
    for n in args.users:
        data, store = bench_store(n, args.memory_limit)
        events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
        store.con.close()
        state = {}

        def lifecycle():
            con = duckdb.connect()
            st = open_store(data, con=con, memory_limit=args.memory_limit)
            state["lc"] = Lifecycle(st.con, last_month=MONTH)
            return state["lc"].monthly(2)

        def rfm():
            return rfm_scores(state["lc"].con, MONTH)

        def features():
            lc = state["lc"]
            out = churn_features(lc, lc.last_mi - 8, lc.last_mi)
            lc.con.close()
            return out

        if args.fit_only:
            med = None
        else:
            out, med, times = rounds({"lifecycle": lifecycle, "rfm": rfm, "features": features}, args.repeat)
        if med:
            print(f"| {n:,} | {events:,} | {med['lifecycle']:.2f} | {med['rfm']:.2f} | {spread(times, 'rfm', 'lifecycle')} | "
                  f"{med['features']:.2f} | {spread(times, 'features', 'lifecycle')} |", flush=True)
        if n == args.fit_users:
            con = duckdb.connect()
            st = open_store(data, con=con, memory_limit=args.memory_limit)
            lc = Lifecycle(st.con, last_month=MONTH)
            before = peak_mb()
            t0 = time.perf_counter()
            r = churn_risk(lc, MONTH, with_reasons=False)
            fits.append((n, len(r.scores), time.perf_counter() - t0, before, peak_mb(), r))
            con.close()
    for n, active, secs, before, after, r in fits:
        ev = r.evaluation.set_index("model")
        print(f"\nChurn models at {n:,} users ({active:,} active in {MONTH}; 6 training months each): "
              f"{secs:.0f}s for the fits (2 to choose, 3 to evaluate, 1 to score; at most {MAX_TRAIN_ROWS:,} training rows each) and scoring, one thread; peak resident "
              f"memory {after:,.0f} MB (before the fits {before:,.0f} MB). Out-of-time AUC {ev.loc[r.chosen, 'auc']:.3f} "
              f"({r.chosen}), baseline {ev.loc['baseline', 'auc']:.3f}.")


if __name__ == "__main__":
    main()
