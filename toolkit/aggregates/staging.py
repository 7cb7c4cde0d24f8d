"""Writing month files: a query's rows written once, partitioned by month into a staging folder,
then each month's part moved into its month folder (an empty file of the same columns for a
month without rows).  Shared by the build, the months computed on demand and the kept rows of
the analyses (kept.py)."""
from __future__ import annotations

from pathlib import Path

from .. import queries


def runs(months: list[int]) -> list[tuple[int, int]]:
    out = []
    for m in sorted(months):
        if out and out[-1][1] == m - 1:
            out[-1] = (out[-1][0], m)
        else:
            out.append((m, m))
    return out


def partitioned(con, query: str, folder: Path, **params) -> None:
    """Write ``query`` (with a column ``mi``) as Parquet under ``folder/mi=<mi>/``, in one pass."""
    queries.execute(con, f"COPY ({query}) TO '{folder}' (FORMAT parquet, PARTITION_BY (mi), "
                         "WRITE_PARTITION_COLUMNS true)", **params)


def place(con, staged: Path, mi: int, target: Path, empty_of: str, *, retype: bool = False, **params) -> None:
    """Move the staged partition of month ``mi`` to ``target``; a month without rows gets an
    empty file of the same columns (from ``empty_of``, a query described, not run).  ``retype``
    (files another engine wrote): the columns are cast to the DuckDB query's types, in its
    order, with ``mi`` from the folder name, so the file equals the one DuckDB writes."""
    files = sorted((staged / f"mi={mi}").glob("*.parquet"))
    if retype and files:
        cols = queries.execute(con, f"DESCRIBE {empty_of}", **params).fetchall()
        select = ", ".join(f'CAST({int(mi)} AS {c[1]}) AS "mi"' if c[0] == "mi" else f'CAST("{c[0]}" AS {c[1]}) AS "{c[0]}"'
                           for c in cols)
        con.execute(f"COPY (SELECT {select} FROM read_parquet({[str(f) for f in files]}, hive_partitioning = false)) "
                    f"TO '{target}' (FORMAT parquet)")
    elif len(files) == 1:
        files[0].rename(target)
    elif files:
        con.execute(f"COPY (SELECT * FROM read_parquet({[str(f) for f in files]})) TO '{target}' (FORMAT parquet)")
    else:
        cols = queries.execute(con, f"DESCRIBE {empty_of}", **params).fetchall()
        select = ", ".join(f'NULL::{c[1]} AS "{c[0]}"' for c in cols)
        con.execute(f"COPY (SELECT {select} WHERE false) TO '{target}' (FORMAT parquet)")
