"""The engines that run the aggregate layer's event scans.

Only the queries that read the raw events (``toolkit/sql/agg_*.sql`` that name the ``events``
table, and the per-month row counts of the source fingerprints) run on a scan engine; every
other step (the small tables, the daily counts, the lifecycle fold, the analyses) stays in the
store's DuckDB connection and reads the Parquet files the engine wrote.

Both engines have one interface, :class:`ScanEngine`:

* ``partitioned(query, folder, **params)`` writes the rows of ``query`` (DuckDB's dialect, with
  ``$name`` parameters and a column ``mi``) as Parquet under ``folder/mi=<mi>/``;
* ``file_months(paths)`` gives, per file of a folder source, its rows per month (every row with
  a time, as :func:`toolkit.data.store.open_events_file` reads a file);
* ``source_months()`` the same for a single file or table: rows per month of the usable events;
  Spark's ``source_checks()`` adds a checksum per month for a source that is not a folder of
  local files (a catalog table, a remote path), whose corrections keep sizes no one can stat;
* ``span()`` the first and the last usable event time of such a source (business-local), which
  the store's event checks give for local files;
* ``retype``: whether the files it writes need their columns cast to the DuckDB query's types
  when placed (Spark has no unsigned integers and does not write the partition column).

``duckdb`` (the default, :mod:`.duckdb`) runs them in the store's connection; ``spark``
(:mod:`.spark`) on a Spark session, from DuckDB-dialect SQL transpiled with sqlglot.
"""
from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Protocol

from ...errors import ConfigError

ENGINES = ("duckdb", "spark")
_BY_CONNECTION: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()   # connection -> its engine
SQL_DIR = Path(__file__).resolve().parent.parent.parent / "sql"


class ScanEngine(Protocol):
    name: str
    retype: bool

    def partitioned(self, query: str, folder: Path, **params) -> None: ...

    def file_months(self, paths: list[Path]) -> dict[Path, list[tuple[int, int]]]: ...

    def source_months(self) -> list[tuple[int, int]] | None: ...

    def span(self) -> tuple: ...


def event_scans() -> list[str]:
    """The aggregate queries that read the events (``agg_*.sql`` naming the table ``events``):
    the queries a scan engine must run.  Found from the files, so a query added there is run
    (and tested, tests/test_spark.py) on every engine."""
    found = []
    for path in sorted(SQL_DIR.glob("agg_*.sql")):
        text = "\n".join(line.split("--")[0] for line in path.read_text(encoding="utf-8").splitlines())
        if re.search(r"\b(FROM|JOIN)\s+events\b", text, re.I):
            found.append(path.stem)
    return found


def use(con, engine: "ScanEngine") -> None:
    """Run the event scans of connection ``con`` (its builds and on-demand months) on ``engine``."""
    if getattr(engine, "name", "") == "duckdb" and getattr(engine, "con", con) is con:
        _BY_CONNECTION.pop(con, None)        # the default
    else:
        _BY_CONNECTION[con] = engine


def engine_of(con) -> "ScanEngine":
    """The scan engine registered for ``con`` (:func:`use`), else DuckDB in ``con`` itself."""
    engine = _BY_CONNECTION.get(con)
    if engine is not None:
        return engine
    from .duckdb import DuckDBEngine
    return DuckDBEngine(con)


def from_config(cfg, store):
    """The scan engine a configuration asks for (``engine:``), for ``store``; registered for its
    connection (:func:`use`)."""
    if cfg.engine == "duckdb":
        from .duckdb import DuckDBEngine
        engine = DuckDBEngine(store.con)
    elif cfg.engine == "spark":
        from .spark import SparkEngine
        engine = SparkEngine.for_store(store, master=cfg.spark_master, conf=cfg.spark_conf,
                                       events_table=cfg.events_table, events_path=cfg.events_path,
                                       csv_options=cfg.csv_options)
    else:
        raise ConfigError(f"engine must be one of {list(ENGINES)}, got {cfg.engine!r}.")
    use(store.con, engine)
    return engine
