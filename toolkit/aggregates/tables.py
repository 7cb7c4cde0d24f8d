"""The aggregate tables as seen by the analyses: views (or temporary tables) of one
connection, the same names whether they come from the Parquet cache or were computed
in memory.

=====================  ==========================================================
``agg_user_month``      user, month: active, signal, q_days / s_days (day masks), feature_used
``agg_user_categories`` user, month, category: days (day mask of qualifying events); per month
                        on demand (``build.ensure_categories``), for the months a section reads
``agg_registrations``   user: mi, the month of the earliest registration
``agg_orders``          user, month: orders, amount
``agg_daily``           day: active_users, signal_users
``lifecycle_snapshots`` user, month: the lifecycle step's row (lifecycle_step.sql)
=====================  ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

TABLES = ("user_month", "registrations", "orders", "daily", "snapshot")
VIEW = {"user_month": "agg_user_month", "user_categories": "agg_user_categories",
        "registrations": "agg_registrations", "orders": "agg_orders", "daily": "agg_daily",
        "snapshot": "lifecycle_snapshots"}
# the type of the column mi in each month file that has one (as its query writes it)
MI_TYPE = {"user_month": "BIGINT", "user_categories": "BIGINT", "user_last": "BIGINT", "user_events": "BIGINT",
           "registrations": "BIGINT", "orders": "BIGINT", "snapshot": "INTEGER"}


def month_label(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


@dataclass
class Aggregates:
    """The aggregates registered in ``con``.

    ``first_mi`` .. ``last_mi``: the months they cover (every month from the first to the
    last month of any source row; snapshots cover the same months).  ``root`` is the cache
    folder, or None when they were computed in memory.  ``active_events`` and
    ``signal_events`` are the settings they were computed with."""
    con: object
    first_mi: int
    last_mi: int
    active_events: list = field(default_factory=list)
    signal_events: list = field(default_factory=list)
    root: Path | None = None

    def months(self) -> range:
        return range(self.first_mi, self.last_mi + 1)


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def attach(con, root: Path, first_mi: int, last_mi: int, *, snapshots: bool = True) -> None:
    """Register the cached months ``first_mi`` .. ``last_mi`` of ``root`` as the views above
    (``snapshots=False``: all but lifecycle_snapshots, while they are being stepped)."""
    for table in TABLES if snapshots else TABLES[:-1]:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW[table]} AS {month_files_sql(root, table, first_mi, last_mi)}")


def month_files_sql(root: Path, name: str, first_mi: int, last_mi: int) -> str:
    """A query over the files ``<name>.parquet`` of months ``first_mi`` .. ``last_mi`` of
    ``root`` whose column ``mi`` is the month of the file's folder, read from its path: a
    filter on ``mi`` then skips the other months' files without opening them (DuckDB prunes
    files on expressions of ``filename``).  A query naming one month of a long history
    otherwise opens every month's file to read its statistics."""
    folder = f"{root / 'months'}/"
    files = ", ".join(_lit(f"{folder}{month_label(m)}/{name}.parquet") for m in range(first_mi, last_mi + 1))
    at = len(folder) + 1     # the folder's YYYY-MM in the path (characters, as DuckDB counts them)
    mi = (f"(substr(filename, {at}, 4)::INTEGER * 12 + substr(filename, {at + 5}, 2)::INTEGER - 1)")
    if name not in MI_TYPE:
        return f"SELECT * FROM read_parquet([{files}])"
    return (f"SELECT * EXCLUDE (filename) REPLACE ({mi}::{MI_TYPE[name]} AS mi) "
            f"FROM read_parquet([{files}], filename = true)")
