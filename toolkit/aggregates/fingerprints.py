"""The fingerprint of each month's source, which tells a build the months to compute again.

* events: per file of the events source that has rows in the month, its path (relative to the
  data folder), size, modification time and rows in the month (a file's months are counted
  once, when it is new or changed, from its Parquet statistics when they suffice);
* registrations and orders of the month: rows and a checksum (agg_source_<name>.sql), kept with
  the file statistics of the users (orders) source and read again only when those changed.
"""
from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from .. import queries
from ..data.store import Store, source_stat
from . import engines

SMALL_SOURCES = {"registrations": "users", "orders": "orders"}    # the small aggregates and the table each reads


def _event_files(store: Store) -> list[Path] | None:
    """The files of a folder source, one fingerprint each; None for a single file or table."""
    src = store.sources["events"]
    if src.kind == "parquet" and src.location.endswith("*.parquet"):
        folder = Path(src.location).parent.parent
        return sorted(p for p in folder.rglob("*.parquet") if p.is_file())
    return None


def _stat(path: Path) -> list:
    st = path.stat()
    return [st.st_size, st.st_mtime_ns]


def _months_from_statistics(con, path: Path):
    """[(month, rows)] of a Parquet file whose naive event times all lie in one month, from its
    statistics alone; None when the file must be read to know (zone-aware or text times,
    missing statistics, several months)."""
    if path.suffix != ".parquet":
        return None
    try:
        types = {r[0].lower(): r[1] for r in con.execute(
            "DESCRIBE SELECT * FROM read_parquet($p)", {"p": str(path)}).fetchall()}
        if types.get("event_time") != "TIMESTAMP":
            return None
        first, last, rows, complete = queries.run(con, "agg_source_stats", path=str(path)).fetchall()[0]
    except Exception:  # an unreadable file is reported by the scan that follows
        return None
    if not complete or first is None or (first.year, first.month) != (last.year, last.month):
        return None
    return [(first.year * 12 + first.month - 1, rows)]


def _event_units(store: Store, known: dict, engine) -> dict:
    """{relative path: {"stat": [size, mtime_ns], "months": {mi: rows}}} of the events source,
    counting the months of new or changed files only (on the scan ``engine``).  Events that are
    not in the data folder (a Spark catalog table or remote path) are one unit, counted each run."""
    if getattr(engine, "external", False):     # rows and a checksum per month: no file statistics to compare
        checks = engine.source_checks()
        return {engine.describe(): {"stat": [], "months": {str(m): n for m, n, _ in checks},
                                    "sums": {str(m): s for m, _, s in checks}}}
    files = _event_files(store)
    base = Path(store.data_dir)
    units = {}
    if files is None:
        src = store.sources["events"]
        path = Path(src.location.rsplit(":", 1)[0] if src.kind == "duckdb" else src.location)
        files, single = [path], True
    else:
        single = False
    to_read = {}
    for path in files:
        rel = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        stat = _stat(path)
        old = known.get(rel)
        if old and old.get("stat") == stat:
            units[rel] = old
            continue
        rows = engine.source_months() if single else _months_from_statistics(store.con, path)
        if rows is None:
            to_read[path] = (rel, stat)
            continue
        units[rel] = {"stat": stat, "months": {str(int(m)): int(n) for m, n in rows}}
    for path, rows in engine.file_months(list(to_read), timezone=store.timezone).items():
        rel, stat = to_read[path]
        units[rel] = {"stat": stat, "months": {str(int(m)): int(n) for m, n in rows}}
    return dict(sorted(units.items()))


def _small_source(store: Store, name: str, known: dict | None) -> dict:
    """The per-month fingerprints of the registrations or orders (agg_source_<name>.sql) with
    what they were read from: the users (orders) source's file statistics (``source_stat``) and,
    for registrations, the data horizon and the registrations after it (the ``users`` view
    leaves those out).  The ``known`` ones (from the manifest) are reused without reading the
    table while the files are unchanged and the view keeps the same rows: the same horizon, or
    no registration after either horizon."""
    stat = source_stat(store.sources["users" if name == "registrations" else "orders"])
    entry = {"stat": stat, "horizon": None, "future": None}
    if name == "registrations":
        entry["horizon"] = store.horizon.isoformat(sep=" ") if store.horizon is not None else None
        entry["future"] = store.checks.future_users if store.checks is not None else None
    if known and stat is not None and known.get("stat") == stat and "months" in known and (
            known.get("horizon") == entry["horizon"] or known.get("future") == entry["future"] == 0):
        return {**entry, "months": known["months"]}
    rows = queries.run(store.con, f"agg_source_{name}").fetchall()
    return {**entry, "months": {str(int(mi)): [int(n), checksum] for mi, n, checksum in rows}}


def fingerprints(store: Store, known_units: dict, engine=None, known_small: dict | None = None,
                 last: int | None = None) -> tuple[dict, dict, dict]:
    """({month index: fingerprint}, units, small) of every month with a source row (the events'
    rows counted on the scan ``engine``, default DuckDB in the store's connection; the
    registrations' and orders' from ``known_small`` while their sources are unchanged, see
    ``_small_source``); with ``last`` (the data horizon's month) no month after it."""
    units = _event_units(store, known_units, engine or engines.engine_of(store.con))
    # a file's rows after the horizon (left out of ``events``) become usable as the clock reaches
    # them: their count is part of the file's fingerprint, so its months are computed again then
    base = Path(store.data_dir)
    future = {os.path.abspath(f.file): f.future for f in (store.checks.files if store.checks else []) if f.future}
    fp: dict[int, dict] = defaultdict(dict)
    for rel, info in sorted(units.items()):
        later = future.get(os.path.abspath(base / rel))
        sums = info.get("sums", {})
        for m, rows in info["months"].items():
            fp[int(m)].setdefault("events", []).append([rel, *info["stat"], rows, *([later] if later else []),
                                                        *([sums[m]] if m in sums else [])])
    small = {}
    for name in SMALL_SOURCES:
        if name == "orders" and not store.has("orders"):
            continue
        small[name] = _small_source(store, name, (known_small or {}).get(name))
        for mi, (rows, checksum) in small[name]["months"].items():
            fp[int(mi)][name] = [int(rows), checksum]
    if last is not None:      # rows after ``last``, the horizon's month, are not aggregated (see horizon_month)
        fp = {m: f for m, f in fp.items() if m <= last}
    return dict(fp), units, small
