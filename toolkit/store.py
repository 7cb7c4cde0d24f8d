"""The event store: a data directory opened as DuckDB views, queried where the files lie.

Accepted layout of ``DIR`` (domain.md section 1), for each table name
(``events`` is required, the others optional):

* ``DIR/<name>.parquet``
* ``DIR/<name>/`` holding Parquet files at any depth (e.g. one per month)
* ``DIR/<name>.csv`` or ``DIR/<name>.csv.gz``
* a DuckDB database, ``DIR/*.duckdb`` or ``DIR`` itself being a ``.duckdb``
  file, with tables of those names (attached read-only).

Each table becomes a view of the same name with its required columns
normalised: ids keep the type of ``events.user_id``, time columns become
naive business-local ``TIMESTAMP`` (zone-aware values are converted to the
business time zone, naive values are taken as already local).  A missing
optional table is an empty view with the required columns, so every query
can join it.  Nothing is loaded into pandas here.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .errors import (ColumnTypeError, DataReadError, EmptyTableError, MissingColumnError,
                     MissingTableError, TimestampParseError)

# Column kinds: id, time, text, number, date.  Required columns per table.
TABLES: dict[str, dict[str, str]] = {
    "events": {"user_id": "id", "event_time": "time", "event_name": "text"},
    "users": {"user_id": "id", "registered_at": "time"},
    "feature_map": {"event_name": "text", "category": "text"},
    "campaigns": {"campaign_id": "text", "name": "text", "start_date": "date", "end_date": "date",
                  "goal_metric": "text", "target_group": "text"},
    "campaign_members": {"campaign_id": "text", "user_id": "id", "arm": "text"},
    "pushes": {"push_id": "text", "user_id": "id", "sent_at": "time", "rule_id": "text",
               "content": "text", "arm": "text"},
    "orders": {"user_id": "id", "order_time": "time", "amount": "number"},
}
REQUIRED_TABLES = ("events",)
# Optional columns every view carries (NULL where the source lacks them), so queries can name them.
OPTIONAL: dict[str, dict[str, str]] = {"users": {"nickname": "text"}, "orders": {"item": "text"}}

_INT_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
              "UINTEGER", "UBIGINT", "UHUGEINT"}
_NUM_TYPES = _INT_TYPES | {"FLOAT", "DOUBLE", "REAL"}
_TZ_SUFFIX = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?)$"
_EMPTY_TYPE = {"id": "BIGINT", "time": "TIMESTAMP", "text": "VARCHAR", "number": "DOUBLE", "date": "DATE"}


@dataclass
class Source:
    """Where a table comes from: ``kind`` is parquet, csv, duckdb or missing."""
    name: str
    kind: str
    location: str

    def describe(self) -> str:
        return {"missing": f"{self.name} (not present)"}.get(self.kind, self.location)


@dataclass
class Store:
    """An opened data directory: a DuckDB connection with one view per table."""
    con: duckdb.DuckDBPyConnection
    data_dir: Path
    timezone: str
    sources: dict[str, Source] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        """Whether the table is present in the data directory (not an empty stand-in view)."""
        return self.sources[name].kind != "missing"

    def sql(self, query: str, params: dict | None = None):
        return self.con.execute(query, params or {})


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _find_sources(data_dir: Path, con: duckdb.DuckDBPyConnection) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    db_file = None
    if data_dir.is_file() and data_dir.suffix == ".duckdb":
        db_file = data_dir
    elif data_dir.is_dir():
        found = sorted(data_dir.glob("*.duckdb"))
        db_file = found[0] if found else None
    db_tables: set[str] = set()
    if db_file is not None:
        try:
            con.execute(f"ATTACH {_lit(str(db_file))} AS src (READ_ONLY)")
        except duckdb.Error as exc:
            raise DataReadError(f"Cannot open the DuckDB file {db_file}: {exc}. "
                                "Check that it is a DuckDB database not opened for writing elsewhere.") from None
        db_tables = {r[0] for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'").fetchall()}
    for name in TABLES:
        src = None
        if data_dir.is_dir():
            pq, folder = data_dir / f"{name}.parquet", data_dir / name
            csvs = [data_dir / f"{name}.csv", data_dir / f"{name}.csv.gz"]
            if pq.is_file():
                src = Source(name, "parquet", str(pq))
            elif folder.is_dir() and any(folder.rglob("*.parquet")):
                src = Source(name, "parquet", str(folder / "**" / "*.parquet"))
            else:
                for c in csvs:
                    if c.is_file():
                        src = Source(name, "csv", str(c))
                        break
        if src is None and name in db_tables:
            src = Source(name, "duckdb", f"{db_file}:{name}")
        sources[name] = src or Source(name, "missing", "")
    return sources


def _raw_relation_sql(src: Source) -> str:
    if src.kind == "parquet":
        return f"read_parquet({_lit(src.location)}, union_by_name = true)"
    if src.kind == "csv":
        return f"read_csv({_lit(src.location)}, header = true)"
    return f"src.main.{_q(src.name)}"


def _columns(con, name: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE raw_{name}").fetchall()
    return {r[0]: r[1] for r in rows}


def _time_expr(con, src: Source, col: str, ctype: str, tz: str) -> str:
    c = _q(col)
    base = ctype.upper()
    if base.startswith("TIMESTAMP WITH TIME ZONE") or base == "TIMESTAMPTZ":
        return f"timezone({_lit(tz)}, {c})"
    if base.startswith("TIMESTAMP") or base == "DATE":
        return f"CAST({c} AS TIMESTAMP)"
    if base == "VARCHAR":
        expr = (f"CASE WHEN regexp_matches({c}, {_lit(_TZ_SUFFIX)}) "
                f"THEN timezone({_lit(tz)}, TRY_CAST({c} AS TIMESTAMPTZ)) ELSE TRY_CAST({c} AS TIMESTAMP) END")
        bad = con.execute(
            f"SELECT count(*), any_value({c}) FROM raw_{src.name} "
            f"WHERE {c} IS NOT NULL AND trim({c}) <> '' AND ({expr}) IS NULL").fetchone()
        if bad[0]:
            raise TimestampParseError(
                f"{src.describe()}: column {col!r} has {bad[0]:,} value(s) that are not timestamps "
                f"(e.g. {bad[1]!r}). Write them as 'YYYY-MM-DD HH:MM:SS' (business-local time) "
                "or with a zone offset such as '+08:00'.")
        return expr
    raise ColumnTypeError(
        f"{src.describe()}: column {col!r} has type {ctype}, which is not a timestamp. "
        "Store it as a timestamp (or text 'YYYY-MM-DD HH:MM:SS'); epoch numbers must be converted first, "
        "e.g. to_timestamp(seconds).")


def _view_sql(con, src: Source, id_type: str, tz: str) -> str:
    spec = TABLES[src.name]
    cols = _columns(con, src.name)
    lower = {k.lower(): k for k in cols}
    missing = [c for c in spec if c.lower() not in lower]
    if missing:
        raise MissingColumnError(
            f"{src.describe()}: missing required column(s) {missing}; it has {list(cols)}. "
            f"The {src.name} table needs {list(spec)} (domain.md section 1); rename or add the columns.")
    select = []
    for col, kind in spec.items():
        actual = lower[col.lower()]
        ctype = cols[actual].upper()
        c = _q(actual)
        if kind == "id":
            if src.name == "events":
                if ctype not in _INT_TYPES and ctype != "VARCHAR":
                    raise ColumnTypeError(
                        f"{src.describe()}: column {actual!r} has type {ctype}; user ids must be whole numbers "
                        "or text. If they were read as decimals (e.g. 17850.0), cast them to integers.")
                expr = c
            else:
                expr = c if ctype == id_type else f"TRY_CAST({c} AS {id_type})"
        elif kind == "time":
            expr = _time_expr(con, src, actual, ctype, tz)
        elif kind == "date":
            if ctype == "DATE":
                expr = c
            elif ctype.startswith("TIMESTAMP") or ctype == "VARCHAR":
                expr = f"TRY_CAST({c} AS DATE)"
            else:
                raise ColumnTypeError(f"{src.describe()}: column {actual!r} has type {ctype}; expected a date "
                                      "(YYYY-MM-DD).")
        elif kind == "number":
            if ctype not in _NUM_TYPES and not ctype.startswith("DECIMAL"):
                raise ColumnTypeError(f"{src.describe()}: column {actual!r} has type {ctype}; expected a number. "
                                      "Remove currency signs or thousands separators.")
            expr = f"CAST({c} AS DOUBLE)"
        else:
            expr = c if ctype == "VARCHAR" else f"CAST({c} AS VARCHAR)"
        select.append(f"{expr} AS {_q(col)}")
    extra = [k for k in cols if k.lower() not in spec]
    select += [_q(k) for k in extra]
    for col, kind in OPTIONAL.get(src.name, {}).items():
        if col.lower() not in lower:
            select.append(f"CAST(NULL AS {_EMPTY_TYPE[kind]}) AS {_q(col)}")
    return f"SELECT {', '.join(select)} FROM raw_{src.name}"


def open_store(data_dir, *, timezone: str = "Asia/Shanghai", con: duckdb.DuckDBPyConnection | None = None,
               memory_limit: str | None = None, threads: int | None = None) -> Store:
    """Open a data directory as DuckDB views.

    Parameters
    ----------
    data_dir : folder (or .duckdb file) in the layout described in this module.
    timezone : business time zone; zone-aware timestamps are converted to it.
    con : connection to create the views in (a new in-memory one if None).
        The source files are never written: a .duckdb source is attached read-only.
    memory_limit, threads : DuckDB settings for a new connection.

    Returns
    -------
    Store, whose ``con`` has the views events, users, feature_map, campaigns,
    campaign_members, pushes and orders.
    """
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise MissingTableError(f"Data directory {data_dir} does not exist. Create it with "
                                "`toolkit sample --out DIR` or point --data / data_dir at your event files.")
    if con is None:
        con = duckdb.connect(":memory:")
    # Text read as zone-aware by the CSV sniffer, without an offset of its own, is then
    # interpreted in the business zone: naive means business-local (domain.md section 1).
    con.execute(f"SET TimeZone = {_lit(timezone)}")
    con.execute("SET enable_progress_bar = false")
    if memory_limit:
        con.execute(f"SET memory_limit = {_lit(memory_limit)}")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    sources = _find_sources(data_dir, con)
    if sources["events"].kind == "missing":
        raise MissingTableError(
            f"No events table in {data_dir}: expected events.parquet, an events/ folder of Parquet files, "
            "events.csv(.gz) or a .duckdb file with an events table (columns user_id, event_time, event_name).")
    store = Store(con=con, data_dir=data_dir, timezone=timezone, sources=sources)
    id_type = "BIGINT"
    for name in TABLES:  # events first: its user_id type is the one the others follow
        src = sources[name]
        try:
            if src.kind == "missing":
                cols = ", ".join(f"CAST(NULL AS {id_type if k == 'id' else _EMPTY_TYPE[k]}) AS {_q(c)}"
                                 for c, k in {**TABLES[name], **OPTIONAL.get(name, {})}.items())
                con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} WHERE false")
                continue
            con.execute(f"CREATE OR REPLACE TEMP VIEW raw_{name} AS SELECT * FROM {_raw_relation_sql(src)}")
            if name == "events":
                first = con.execute("SELECT 1 FROM raw_events LIMIT 1").fetchall()
                if not first:
                    raise EmptyTableError(f"{src.describe()} has no rows. Export at least one event, or point "
                                          "data_dir at the folder that holds them.")
            view = _view_sql(con, src, id_type, timezone)
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {view}")
            if name == "events":
                id_type = con.execute("SELECT typeof(user_id) FROM events LIMIT 1").fetchone()[0]
        except duckdb.Error as exc:
            raise DataReadError(f"Cannot read {src.describe()}: {_short(exc)}. Check that the file is a "
                                f"valid {src.kind} file with a header row.") from None
    return store


def _short(exc: Exception) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return re.sub(r"\s+", " ", text)[:300]


def open_events_file(path, *, timezone: str = "Asia/Shanghai") -> duckdb.DuckDBPyConnection:
    """A new connection whose ``events`` view reads the one Parquet or CSV file ``path``
    (e.g. one file of an ``events/`` folder), normalised as :func:`open_store` does.
    The aggregate layer uses it to find which months a changed file holds."""
    path = Path(path)
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = {_lit(timezone)}")
    con.execute("SET enable_progress_bar = false")
    src = Source("events", "csv" if path.name.endswith((".csv", ".csv.gz")) else "parquet", str(path))
    try:
        con.execute(f"CREATE TEMP VIEW raw_events AS SELECT * FROM {_raw_relation_sql(src)}")
        con.execute(f"CREATE TEMP VIEW events AS {_view_sql(con, src, 'BIGINT', timezone)}")
    except duckdb.Error as exc:
        raise DataReadError(f"Cannot read {path}: {_short(exc)}. Check that the file is a valid {src.kind} "
                            "file with a header row.") from None
    return con
