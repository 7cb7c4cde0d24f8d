"""Benchmark: speed and peak memory of `toolkit sample`.

Each case runs in a fresh subprocess (so peak RSS is its own).  The baseline,
measured in the same run, writes the same number of random event rows to
month-partitioned Parquet with pyarrow: the cost of the output alone.  The
ratio says how much the simulation adds on top of writing the files.

    python bench/bench_sample.py [--users 50000 1000000] [--out bench/out]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

GEN = """
import json, resource, sys, time
from toolkit.data.sample import generate_sample
t0 = time.perf_counter()
truth = generate_sample(sys.argv[1], users=int(sys.argv[2]), months=24, end="2026-10", seed=7)
print(json.dumps({"seconds": time.perf_counter() - t0, "events": truth["events"],
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

FLOOR = """
import json, resource, sys, time
from pathlib import Path
import numpy as np, pyarrow as pa, pyarrow.parquet as pq
out, total = Path(sys.argv[1]), int(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(0)
names = pa.array(["e%d" % i for i in range(20)])
t0 = time.perf_counter()
for m in range(24):
    n = total // 24
    t = np.datetime64("2025-01-01", "us") + rng.integers(0, 30 * 86400, n) * np.timedelta64(1, "s")
    tab = pa.table({"user_id": rng.integers(100001, 1100001, n), "event_time": pa.array(np.sort(t)),
                    "event_name": pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, 20, n).astype("int8")), names)})
    pq.write_table(tab, out / f"m{m:02d}.parquet", compression="zstd")
print(json.dumps({"seconds": time.perf_counter() - t0,
                  "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _run(code: str, *args) -> dict:
    proc = subprocess.run([sys.executable, "-c", code, *map(str, args)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--users", type=int, nargs="+", default=[50_000, 1_000_000])
    ap.add_argument("--out", default="bench/out")
    args = ap.parse_args()
    out = Path(args.out)
    rows = []
    for n in args.users:
        shutil.rmtree(out / f"sample-{n}", ignore_errors=True)
        g = _run(GEN, out / f"sample-{n}", n)
        f = _run(FLOOR, out / f"floor-{n}", g["events"])
        size = sum(p.stat().st_size for p in (out / f"sample-{n}").rglob("*") if p.is_file()) / 2**20
        rows.append((n, g["events"], g["seconds"], g["events"] / g["seconds"], g["peak_mib"], size,
                     f["seconds"], g["seconds"] / f["seconds"]))
        shutil.rmtree(out / f"floor-{n}", ignore_errors=True)
        shutil.rmtree(out / f"sample-{n}", ignore_errors=True)
    print("| users | events | seconds | events/s | peak MiB | files MiB | floor s (write only) | ratio to floor |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n, ev, s, eps, peak, size, fs, ratio in rows:
        print(f"| {n:,} | {ev:,} | {s:.1f} | {eps:,.0f} | {peak:,.0f} | {size:,.0f} | {fs:.1f} | {ratio:.2f}x |")


if __name__ == "__main__":
    started = time.time()
    main()
    print(f"\n(total {time.time() - started:.0f}s)")
