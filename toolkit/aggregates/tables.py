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
        files = ", ".join(_lit(root / "months" / month_label(m) / f"{table}.parquet")
                          for m in range(first_mi, last_mi + 1))
        con.execute(f"CREATE OR REPLACE TEMP VIEW {VIEW[table]} AS SELECT * FROM read_parquet([{files}])")
