"""Results of the analyses kept beside the month aggregates: rows that depend only on a month's
snapshot or aggregates (the lifecycle state counts per churn window, cohort and segment cells,
the funnel's rows of a cohort), written once into the month folders and read through one file
by a monthly run.  The fold deletes a month's kept files when it steps the month (build.py)."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .staging import partitioned, place, runs
from .tables import month_label


def cache_months(con, root: Path, name: str, text: str, from_mi: int, to_mi: int, *, stale: str | None = None,
                 **params) -> list[str]:
    """The files ``<name>.parquet`` of months ``from_mi`` .. ``to_mi`` in the month folders of
    ``root``: the rows of query ``text`` (bounded by ``$from_mi`` / ``$to_mi``, a column ``mi``,
    run with ``params`` too) of each month, writing those missing with one query per run of
    missing months.  ``stale``: a pattern of the files this one replaces in a month folder
    (deleted when it is written).  The fold removes the kept files of the months it steps:
    ``counts-*`` (rows of the month's snapshot) and the funnel rows (see ``build``)."""
    def path(mi):
        return root / "months" / month_label(mi) / f"{name}.parquet"
    missing = [m for m in range(from_mi, to_mi + 1) if not path(m).is_file()]
    for a, b in runs(missing):
        staging = root / f".staging-{name}-{os.getpid()}-{int(time.time() * 1000)}"
        try:
            partitioned(con, text, staging, **params, from_mi=a, to_mi=b)
            for mi in range(a, b + 1):
                for old in path(mi).parent.glob(stale) if stale else ():
                    if old.name != path(mi).name:
                        old.unlink(missing_ok=True)
                tmp = path(mi).with_name(f".{name}.{os.getpid()}.parquet")
                place(con, staging, mi, tmp, text, **params, from_mi=a, to_mi=b)
                os.replace(tmp, path(mi))
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return [str(path(m)) for m in range(from_mi, to_mi + 1)]


def read_kept(con, files: list[str], from_mi: int) -> str:
    """``read_parquet`` of the kept month files ``files`` (the list ``cache_months`` returns for
    months ``from_mi`` on, every one present), through one file: ``<name>.through-<from_mi>.parquet``
    in the last month's folder holds the rows of them all, written when missing from the
    one of the month before (when kept) and the last month's file.  A monthly run then reads
    a long history's kept rows from two files and writes one small file, instead of opening
    a file per month.  Its name starts as its month file's does, so the fold deletes it with
    that file whenever it steps the month; and stepping a month steps every month after it,
    so a kept one never holds a changed month."""
    if len(files) < 3:
        return f"read_parquet({files})"

    def through(f) -> Path:
        f = Path(f)
        return f.with_name(f"{f.stem}.through-{int(from_mi)}.parquet")
    last = Path(files[-1])
    if not through(last).is_file():
        prev = through(files[-2])
        src = [str(prev), str(last)] if prev.is_file() else files
        tmp = last.with_name(f".{last.stem}.through.{os.getpid()}.parquet")
        con.execute(f"COPY (SELECT * FROM read_parquet({src})) TO '{tmp}' (FORMAT parquet)")
        os.replace(tmp, through(last))
    return f"read_parquet('{through(last)}')"


def cache_counts(con, root: Path, text: str, k: int, from_mi: int, to_mi: int) -> list[str]:
    """The files of the monthly state counts for churn window ``k`` (query ``text``, the rows
    of lifecycle_state_counts.sql) of months ``from_mi`` .. ``to_mi`` (see ``cache_months``)."""
    return cache_months(con, root, f"counts-k{k}", text, from_mi, to_mi, k=k)


# Rows kept per month that read the months after it too (the funnel row of a cohort reads its
# month and the two after): stepping month m removes those of m - KEPT_AFTER_SPAN .. m.
KEPT_AFTER_SPAN = 2
