"""Progress of long commands: a tqdm bar on a terminal, plain timestamped lines in a log
(cron, a pipe), so an unattended run's log says what it was doing and how long it took."""
from __future__ import annotations

import sys
import time


class Steps:
    """``total`` named steps of one command.  ``step(label)`` starts the next one.

    On a terminal (``stream.isatty()``) a tqdm bar with the elapsed and estimated
    remaining time; otherwise one line per step: ``export-users [2/4] writing (3.1s)``.
    """

    def __init__(self, total: int, desc: str, stream=None):
        self.total, self.desc, self.n = total, desc, 0
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.bar = None
        if getattr(self.stream, "isatty", lambda: False)():
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=desc, file=self.stream, leave=False,
                            bar_format="{desc}: {n_fmt}/{total_fmt} {bar} [{elapsed}<{remaining}] {postfix}")

    def step(self, label: str) -> None:
        if self.bar is not None:
            if self.n:
                self.bar.update(1)
            self.bar.set_postfix_str(label)
        else:
            print(f"{self.desc} [{self.n + 1}/{self.total}] {label} ({time.perf_counter() - self.t0:.1f}s)",
                  file=self.stream, flush=True)
        self.n += 1

    def rows(self, iterable, total: int, label: str, every: int = 1000):
        """Yield from ``iterable`` (``total`` items) as part of the current step: a second bar on
        a terminal, a line at each quarter in a log."""
        if self.bar is not None:
            from tqdm import tqdm
            yield from tqdm(iterable, total=total, desc=f"  {label}", file=self.stream, leave=False,
                            miniters=every, unit=" rows")
            return
        marks = {int(total * q / 4) for q in (1, 2, 3)}
        for i, item in enumerate(iterable, 1):
            yield item
            if i in marks:
                print(f"{self.desc} [{self.n}/{self.total}] {label}: {i:,} of {total:,} "
                      f"({time.perf_counter() - self.t0:.1f}s)", file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.update(self.total - self.bar.n)
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
