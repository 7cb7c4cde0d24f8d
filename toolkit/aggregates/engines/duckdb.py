"""The default scan engine: DuckDB, in the store's own connection."""
from __future__ import annotations

from pathlib import Path

from ... import queries
from ...data.store import open_events_file


class DuckDBEngine:
    """Runs the event scans in ``con`` (the store's connection, whose ``events`` view they read)."""
    name = "duckdb"
    retype = False

    def __init__(self, con, *, timezone: str = "Asia/Shanghai"):
        self.con = con
        self.timezone = timezone

    def partitioned(self, query: str, folder: Path, **params) -> None:
        """Write ``query`` (with a column ``mi``) as Parquet under ``folder/mi=<mi>/``, in one pass."""
        queries.execute(self.con, f"COPY ({query}) TO '{folder}' (FORMAT parquet, PARTITION_BY (mi), "
                                  "WRITE_PARTITION_COLUMNS true)", **params)

    def file_months(self, paths, *, timezone: str | None = None) -> dict:
        out = {}
        for path in paths:
            con = open_events_file(path, timezone=timezone or self.timezone)
            try:
                out[path] = [(int(m), int(n)) for m, n in queries.run(con, "agg_source_months").fetchall()]
            finally:
                con.close()
        return out

    def source_months(self):
        """Rows per month of the connection's ``events`` view (a single file or table source)."""
        return [(int(m), int(n)) for m, n in queries.run(self.con, "agg_source_months").fetchall()]

    def span(self) -> tuple:
        """(first, last) usable event time of the connection's ``events`` view."""
        return tuple(queries.run(self.con, "agg_source_span").fetchone())
