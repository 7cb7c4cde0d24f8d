"""The default scan engine: DuckDB, in the store's own connection."""
from __future__ import annotations

import weakref
from contextlib import nullcontext
from pathlib import Path

from ... import queries
from ...data.store import Source, events_of_files, open_events_file

# connection -> (the events Source, {absolute path: months it holds}): set by a build from the
# fingerprints of the events folder, so that a scan of some months reads only their files
_EVENT_FILES: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def remember_event_files(con, src: Source, base: Path, units: dict) -> None:
    """Note which files of the events folder ``src`` (relative to ``base``) hold which months
    (``units``: the build's fingerprints, {relative path: {"months": {mi: rows}}})."""
    _EVENT_FILES[con] = (src, {str(base / rel): {int(m) for m in info.get("months", {})}
                               for rel, info in units.items()})


class DuckDBEngine:
    """Runs the event scans in ``con`` (the store's connection, whose ``events`` view they read)."""
    name = "duckdb"
    retype = False

    def __init__(self, con, *, timezone: str = "Asia/Shanghai"):
        self.con = con
        self.timezone = timezone

    def partitioned(self, query: str, folder: Path, **params) -> None:
        """Write ``query`` (with a column ``mi``) as Parquet under ``folder/mi=<mi>/``, in one pass,
        reading only the events files that hold the months from ``$start`` to ``$end`` when the
        build has noted them (:func:`remember_event_files`)."""
        with self._files_of(params.get("start"), params.get("end")):
            queries.execute(self.con, f"COPY ({query}) TO '{folder}' (FORMAT parquet, PARTITION_BY (mi), "
                                      "WRITE_PARTITION_COLUMNS true)", **params)

    def _files_of(self, start, end):
        known = _EVENT_FILES.get(self.con)
        if known is None or start is None or end is None:
            return nullcontext()
        src, files = known
        lo = start.year * 12 + start.month - 1
        hi = end.year * 12 + end.month - 1 - (1 if (end.day, end.hour, end.minute, end.second, end.microsecond)
                                               == (1, 0, 0, 0, 0) else 0)
        return events_of_files(self.con, src, sorted(f for f, months in files.items()
                                                     if any(lo <= m <= hi for m in months)))

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
