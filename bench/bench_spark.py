"""Benchmark: the aggregate build on Spark (engine: spark, local mode) against DuckDB, and
Spark on one core against two, so that the cost of a cluster run can be planned.

    python bench/bench_spark.py [--users 100000] [--repeat 3] [--driver-memory 3g]

Data: `toolkit sample` with the given number of users (100,000 users: about 10M events over
24 months), generated once into bench/out/ and reused (the same data as bench_build.py).

Each round builds the monthly aggregates from no cache (``build(..., rebuild=True)``: the
fingerprints, every month's event scan and files, the lifecycle fold) once with DuckDB (in
this process, 2 threads) and once on each Spark master (local[2], local[1]).  A Spark master
is fixed for the life of its JVM, so each runs in a worker process that keeps its session
between rounds; the time of a build is taken inside the worker, without the session start
(reported apart).  Rounds interleave the three (bench/common.py), so all see the same load.

Printed: median seconds per build, Spark local[2] / DuckDB and Spark local[1] / local[2]
(median ratio over the rounds, lowest-highest), and the seconds to start a session.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import ROOT, rounds, spread

from toolkit.aggregates import build
from toolkit.aggregates.engines.duckdb import DuckDBEngine
from toolkit.data.sample import generate_sample
from toolkit.data.store import open_store

OUT = ROOT / "bench" / "out"


def sample(users: int) -> Path:
    data = OUT / f"lc-{users}"
    if not (data / "truth.json").exists():
        generate_sample(data, users=users, months=24, end="2026-10", seed=7)
    return data


WORKER = r"""
import json, sys, time
sys.path.insert(0, {root!r})
t0 = time.perf_counter()
from toolkit.aggregates import build
from toolkit.aggregates.engines.spark import SparkEngine
from toolkit.data.store import open_store
store = open_store({data!r}, threads=1)
engine = SparkEngine.for_store(store, master={master!r}, conf={{"spark.driver.memory": {mem!r}}})
engine.register()
engine.spark.sql("SELECT count(*) FROM events").collect()
print(json.dumps({{"start": time.perf_counter() - t0}}), flush=True)
for line in sys.stdin:
    t = time.perf_counter()
    res = build(store, signal_events=["trip"], cache_dir={cache!r}, rebuild=True, engine=engine)
    print(json.dumps({{"seconds": time.perf_counter() - t, "months": len(res.computed)}}), flush=True)
"""


class Worker:
    """A process holding one Spark session on ``master``; ``build()`` runs one build there."""

    def __init__(self, data: Path, master: str, cache: Path, mem: str):
        code = WORKER.format(root=str(ROOT), data=str(data), master=master, cache=str(cache), mem=mem)
        self.proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True)
        self.start = json.loads(self.proc.stdout.readline())["start"]

    def build(self) -> float:
        self.proc.stdin.write("build\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())["seconds"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=120)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--driver-memory", default="3g")
    args = ap.parse_args(argv)
    data = sample(args.users)
    store = open_store(data, threads=2)
    events = store.con.execute("SELECT count(*) FROM events").fetchone()[0]
    with tempfile.TemporaryDirectory(dir=OUT) as tmp:
        tmp = Path(tmp)
        workers = {m: Worker(data, m, tmp / m.replace("[", "").replace("]", ""), args.driver_memory)
                   for m in ("local[2]", "local[1]")}
        try:
            # each Worker.build returns its own (inner) seconds; rounds() times the call, so
            # keep the inner times and use them as the measured ones
            inner = {}

            def timed(name, fn):
                def run():
                    inner.setdefault(name, []).append(fn())
                return run
            fns = {"duckdb": timed("duckdb", lambda: _duck(store, tmp / "duckdb")),
                   "spark local[2]": timed("spark local[2]", workers["local[2]"].build),
                   "spark local[1]": timed("spark local[1]", workers["local[1]"].build)}
            rounds(fns, args.repeat)
            times = {k: v for k, v in inner.items()}
            med = {k: sorted(v)[len(v) // 2] for k, v in times.items()}
            starts = {m: w.start for m, w in workers.items()}
        finally:
            for w in workers.values():
                w.close()
    print(f"{events:,} events ({args.users:,} users, 24 months), {args.repeat} interleaved rounds, "
          f"{time.strftime('%Y-%m-%d %H:%M')}")
    print("| build from no cache | median s |")
    print("|---|---|")
    for k, v in med.items():
        print(f"| {k} | {v:.1f} |")
    print(f"spark local[2] / duckdb: {spread(times, 'spark local[2]', 'duckdb')}")
    print(f"spark local[1] / spark local[2]: {spread(times, 'spark local[1]', 'spark local[2]')}")
    print("session start (JVM, reading the schema, one count): " +
          ", ".join(f"{m} {s:.0f}s" for m, s in starts.items()))


def _duck(store, cache: Path) -> float:
    t = time.perf_counter()
    build(store, signal_events=["trip"], cache_dir=cache, rebuild=True, engine=DuckDBEngine(store.con))
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
