"""What the query benchmarks share: the generated data sets and a timed median."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.sample import generate_sample  # noqa: E402
from toolkit.store import open_store  # noqa: E402


def bench_store(users: int, memory_limit: str):
    """The store of a sample with ``users`` users (generated once into bench/out/lc-N),
    on a fresh connection with the memory limit and a spill folder."""
    data = ROOT / "bench" / "out" / f"lc-{users}"
    if not (data / "truth.json").exists():
        generate_sample(data, users=users, months=24, end="2026-10", seed=7)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{ROOT / 'bench' / 'out' / 'spill'}'")
    return data, open_store(data, con=con, memory_limit=memory_limit)


def timed(fn, repeat: int):
    """(last result, median seconds) of ``repeat`` calls."""
    out, times = None, []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, statistics.median(times)
