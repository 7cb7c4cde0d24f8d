"""Benchmark: wall time of a full month's report on the default sample, split into
kernel start-up, computation and rendering.

Kernel start-up is measured in the same run as the time papermill needs for a
notebook with one empty cell (the baseline); computation is each section's
execution time minus that; rendering is nbconvert plus the summary page.

    python bench/bench_report.py [--data data/sample] [--month 2026-10] [--repeat 3]
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from toolkit.report.runner import render_month  # noqa: E402
from toolkit.data.sample import generate_sample  # noqa: E402


def kernel_startup(tmp: Path) -> float:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp / "empty.ipynb"
    nbformat.write(nb, str(src))
    t0 = time.perf_counter()
    pm.execute_notebook(str(src), str(tmp / "empty-out.ipynb"), kernel_name="python3", progress_bar=False)
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=str(ROOT / "data" / "sample"))
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    data = Path(args.data)
    if not (data / "truth.json").exists():
        generate_sample(data)
    runs = []
    for _ in range(args.repeat):
        tmp = Path(tempfile.mkdtemp())
        try:
            startup = kernel_startup(tmp)
            t0 = time.perf_counter()
            render_month(data, args.month, out_dir=tmp / "reports", progress=lambda s: None)
            wall = time.perf_counter() - t0
            log = json.loads((tmp / "reports" / "run.log").read_text().splitlines()[-1])
            execute = sum(s["execute_seconds"] for s in log["sections"])
            render = sum(s["render_seconds"] for s in log["sections"])
            n = len(log["sections"])
            runs.append({"wall": wall, "startup": startup * n, "compute": execute - startup * n,
                         "render": render, "other": wall - execute - render, "sections": n})
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"Report of {args.month} on {data} ({med['sections']:.0f} section(s)), median of {args.repeat} runs")
    print("| part | seconds | share |")
    print("|---|---:|---:|")
    for k, name in (("startup", "kernel start-up (baseline: empty notebook, per section)"),
                    ("compute", "computation (execution minus start-up)"), ("render", "rendering (nbconvert)"),
                    ("other", "summary page, moves, lock and log")):
        print(f"| {name} | {med[k]:.1f} | {med[k] / med['wall']:.0%} |")
    print(f"| **total wall time** | **{med['wall']:.1f}** | target < 60 s: {'met' if med['wall'] < 60 else 'NOT met'} |")


if __name__ == "__main__":
    main()
