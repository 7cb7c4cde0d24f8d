"""Benchmark: the full monthly lifecycle table against (a) a floor measured in the
same run, one DuckDB scan of the events producing the distinct (user, month)
pairs, and (b) a straightforward pandas implementation (at the smaller size).

    python bench/bench_lifecycle.py [--users 100000 1000000] [--memory-limit 4GB] [--repeat 5]

Data: `toolkit sample` with the given number of users (about 100 events per
user over 24 months), generated once into bench/out/ and reused.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
from common import bench_store, rounds, spread

from toolkit.analyses.lifecycle import Lifecycle

FLOOR_SQL = """CREATE OR REPLACE TEMP TABLE floor AS
SELECT DISTINCT user_id, year(event_time) * 12 + month(event_time) - 1 AS mi
FROM events WHERE NOT list_contains(['trip'], event_name)"""


def pandas_lifecycle(data: Path, k: int = 2) -> pd.DataFrame:
    """The monthly state counts the way one would write them in pandas: load, dedupe, pivot, walk the months."""
    ev = pd.read_parquet(data / "events", columns=["user_id", "event_time", "event_name"])
    ev = ev[ev["event_name"] != "trip"]
    ev["mi"] = ev["event_time"].dt.year * 12 + ev["event_time"].dt.month - 1
    um = ev[["user_id", "mi"]].drop_duplicates()
    users = pd.read_parquet(data / "users.parquet", columns=["user_id", "registered_at"])
    users["mi"] = users["registered_at"].dt.year * 12 + users["registered_at"].dt.month - 1
    entry = pd.concat([um, users[["user_id", "mi"]]]).groupby("user_id")["mi"].min()
    first, last = entry.min(), um["mi"].max()
    ids = entry.index
    act = pd.crosstab(um["user_id"], um["mi"]).reindex(index=ids, columns=range(first, last + 1), fill_value=0) > 0
    A = act.to_numpy().copy()
    e = entry.to_numpy() - first
    A[np.arange(len(e)), e] = True
    rows, run = [], np.zeros(len(e), dtype=int)
    for m in range(A.shape[1]):
        entered = e <= m
        a = A[:, m] & entered
        prev_run = run.copy()
        state = np.full(len(e), "", dtype=object)
        state[a & (e == m)] = "new"
        state[a & (e == m - 1)] = "new_retained"
        state[a & (e < m - 1) & (prev_run == 0)] = "active"
        state[a & (e < m - 1) & (prev_run > 0) & (prev_run < k)] = "woken"
        state[a & (e < m - 1) & (prev_run >= k)] = "returned"
        run = np.where(a, 0, run + 1)
        state[entered & ~a & (run < k)] = "dormant"
        state[entered & ~a & (run >= k)] = "churned"
        rows.append(pd.Series(state[entered]).value_counts().rename(m + first))
    return pd.DataFrame(rows).fillna(0).astype(int)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--memory-limit", default="4GB")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--pandas-max-events", type=int, default=20_000_000)
    ap.add_argument("--pandas-repeat", type=int, default=3, help="rounds that also run pandas (slow)")
    args = ap.parse_args()
    print(f"DuckDB {duckdb.__version__}, pandas {pd.__version__}, memory_limit {args.memory_limit}, "
          f"{args.repeat} interleaved rounds (pandas in the first {args.pandas_repeat}); "
          "times are medians, ratios the median of the per-round ratios (lowest-highest round)")
    print("| users | events | floor s | lifecycle s | ratio to floor | pandas s | pandas / lifecycle |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for n in args.users:
        data, store = bench_store(n, args.memory_limit)
        con = store.con
        events = con.execute("SELECT count(*) FROM events").fetchone()[0]
        fns = {"floor": lambda: con.execute(FLOOR_SQL), "lifecycle": lambda: Lifecycle(store.con).monthly(2)}
        with_pandas = events <= args.pandas_max_events
        if with_pandas:
            fns["pandas"] = lambda: pandas_lifecycle(data)
        out, med, times = rounds(fns, args.repeat, every={"pandas": args.pandas_repeat})
        pd_s, ratio_pd = "", ""
        if with_pandas:
            mau = out["pandas"][["new", "new_retained", "active", "woken", "returned"]].sum(axis=1).to_numpy()
            assert (mau == out["lifecycle"]["mau"].to_numpy()).all(), "pandas and the toolkit disagree"
            pd_s, ratio_pd = f"{med['pandas']:.2f}", spread(times, "pandas", "lifecycle", ".1f")
        print(f"| {n:,} | {events:,} | {med['floor']:.2f} | {med['lifecycle']:.2f} | "
              f"{spread(times, 'lifecycle', 'floor')} | {pd_s} | {ratio_pd} |", flush=True)
        con.close()


if __name__ == "__main__":
    main()
