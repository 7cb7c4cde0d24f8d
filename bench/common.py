"""What the query benchmarks share: the generated data sets and interleaved timing."""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.data.sample import generate_sample  # noqa: E402
from toolkit.data.store import open_store  # noqa: E402


def bench_store(users: int, memory_limit: str):
    """The store of a sample with ``users`` users (generated once into bench/out/lc-N),
    on a fresh connection with the memory limit and a spill folder."""
    data = ROOT / "bench" / "out" / f"lc-{users}"
    if not (data / "truth.json").exists():
        generate_sample(data, users=users, months=24, end="2026-10", seed=7)
    con = duckdb.connect()
    con.execute(f"SET temp_directory = '{ROOT / 'bench' / 'out' / 'spill'}'")
    return data, open_store(data, con=con, memory_limit=memory_limit)


def rounds(fns: dict, repeat: int, *, every: dict | None = None):
    """Time named callables in rounds, each round calling every one once, so that a
    baseline and the thing measured against it see the same machine (shared machines
    drift by tens of percent between minutes).  ``every`` gives, per name, in how many
    rounds to call it (default all; e.g. 1 for a slow baseline, called in the first round).

    Returns (last results, {name: median seconds}, {name: [seconds per round or None]})."""
    out, times = {}, {name: [None] * repeat for name in fns}
    for r in range(repeat):
        for name, fn in fns.items():
            if every and r >= every.get(name, repeat):
                continue
            t0 = time.perf_counter()
            out[name] = fn()
            times[name][r] = time.perf_counter() - t0
    med = {name: statistics.median([x for x in ts if x is not None]) for name, ts in times.items()}
    return out, med, times


def ratios(times: dict, a: str, b: str) -> list[float]:
    """time(a) / time(b) in each round that ran both."""
    return [x / y for x, y in zip(times[a], times[b]) if x is not None and y is not None]


def ratio(times: dict, a: str, b: str) -> float:
    """Median over the rounds that ran both of time(a) / time(b)."""
    return statistics.median(ratios(times, a, b))


def spread(times: dict, a: str, b: str, fmt: str = ".2f") -> str:
    """The median ratio time(a) / time(b) with the lowest and highest round, e.g. '1.25x (1.18-1.31)'."""
    r = ratios(times, a, b)
    return f"{statistics.median(r):{fmt}}x ({min(r):{fmt}}-{max(r):{fmt}})"
