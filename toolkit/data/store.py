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

import glob
import json
import os
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from .. import queries
from .csv_sources import check_options, reader_sql
from .engine_errors import translate
from ..errors import (ColumnTypeError, DataReadError, EmptyTableError, MissingColumnError, MissingTableError,
                     TimestampParseError, ToolkitError)
from .event_checks import DEFAULT_MAX_UNUSABLE_SHARE, EventChecks, FileCount

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
# optional columns read under their own names by the analyses that use them
KNOWN_EXTRA: dict[str, tuple] = {"campaigns": ("planned_treatment_share",), "users": ("channel", "city")}

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
    sniffed: dict = field(default_factory=dict)   # CSV: the types the sniffer guessed, by column
    columns: dict = field(default_factory=dict)   # the columns as read (raw_<name>), by name: their types
    uniform: bool = False     # a folder whose files all have the same columns and types (read without union_by_name)
    file_columns: dict = field(default_factory=dict)   # a folder: {absolute path of each file: [[column, type], ...]}
    options: dict = field(default_factory=dict)   # CSV: the reader settings of the configuration (csv_options)

    def describe(self) -> str:
        return {"missing": f"{self.name} (not present)"}.get(self.kind, self.location)


@dataclass
class Store:
    """An opened data directory: a DuckDB connection with one view per table."""
    con: duckdb.DuckDBPyConnection
    data_dir: Path
    timezone: str
    sources: dict[str, Source] = field(default_factory=dict)
    checks: EventChecks | None = None   # rows left out of ``events`` (counted once, when opened)
    horizon: datetime | None = None     # the data horizon: later events are left out (business-local)
    built: object = None                # the BuildResult of the command that opened it, once it has built

    def has(self, name: str) -> bool:
        """Whether the table is present in the data directory (not an empty stand-in view)."""
        return self.sources[name].kind != "missing"

    def sql(self, query: str, params: dict | None = None):
        return self.con.execute(query, params or {})


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def file_source(data_dir: Path, name: str) -> Source | None:
    """Table ``name`` as a file of the folder ``data_dir``: ``<name>.parquet``, a folder
    ``<name>/`` of Parquet files, ``<name>.csv`` or ``<name>.csv.gz`` (in that order); None
    when there is none (a .duckdb file may still hold it)."""
    pq, folder = data_dir / f"{name}.parquet", data_dir / name
    if pq.is_file():
        return Source(name, "parquet", str(pq))
    if folder.is_dir() and any(folder.rglob("*.parquet")):
        return Source(name, "parquet", str(folder / "**" / "*.parquet"))
    for c in (data_dir / f"{name}.csv", data_dir / f"{name}.csv.gz"):
        if c.is_file():
            return Source(name, "csv", str(c))
    return None


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
        src = file_source(data_dir, name) if data_dir.is_dir() else None
        if src is None and name in db_tables:
            src = Source(name, "duckdb", f"{db_file}:{name}")
        sources[name] = src or Source(name, "missing", "")
    return sources


def _raw_relation_sql(con, src: Source, options: dict, file_column: str | None = None) -> str:
    """The relation that reads a source as it is; CSV time and id columns are read as text."""
    if src.kind == "parquet":
        extra = f", filename = {_lit(file_column)}" if file_column else ""
        # files of one schema are bound from the first file; otherwise every file's schema is read
        # (on each query) and the columns are united by name
        return f"read_parquet({_lit(src.location)}, union_by_name = {'false' if src.uniform else 'true'}{extra})"
    if src.kind == "csv":
        sniffed = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {reader_sql(src.location, options)}")
                   .fetchall()}
        lower = {k.lower(): k for k in sniffed}
        text_cols = {lower[c.lower()]: "VARCHAR" for c, kind in TABLES[src.name].items()
                     if kind in ("time", "id", "date") and c.lower() in lower}   # dates: 2026/9/1 stopped the read
        src.sniffed = sniffed
        return reader_sql(src.location, options, text_cols)
    return f"src.main.{_q(src.name)}"


SCHEMAS_FILE = "folder-schemas.json"


def _folder_schemas(con, src: Source, cache: Path | None) -> dict[str, list]:
    """{file: [[column, type], ...]} of every file of a folder source, read from the files'
    footers; with a ``cache`` folder, kept there per file with its size and modification time
    and read again only for new or changed files (as the event checks are), so that opening a
    long history does not open every file."""
    paths = [r[0] for r in con.execute("SELECT file FROM glob(?)", [src.location]).fetchall()]
    stats = {p: _file_stat(p) for p in paths}
    kept = {}
    if cache is not None:
        try:
            kept = json.loads((cache / SCHEMAS_FILE).read_text(encoding="utf-8")).get("files", {})
        except (OSError, ValueError):
            kept = {}
    # kept under each file's absolute path: the same whether the folder was named from here or elsewhere
    schemas = {p: kept[a]["columns"] for p, a in ((p, os.path.abspath(p)) for p in paths)
               if a in kept and stats[p] is not None and kept[a]["stat"] == stats[p]}
    todo = [p for p in paths if p not in schemas]
    if todo:
        rows = con.execute(f"SELECT file_name, name, duckdb_type FROM parquet_schema([{', '.join(_lit(p) for p in todo)}]) "
                           "WHERE duckdb_type IS NOT NULL").fetchall()
        for f, n, t in rows:
            schemas.setdefault(f, []).append([n, t])
        if cache is not None:
            try:
                cache.mkdir(parents=True, exist_ok=True)
                tmp = cache / f".{SCHEMAS_FILE}.{os.getpid()}"
                tmp.write_text(json.dumps({"files": {os.path.abspath(p): {"stat": stats[p], "columns": schemas[p]}
                                                     for p in paths if p in schemas and stats[p]}}),
                               encoding="utf-8")
                os.replace(tmp, cache / SCHEMAS_FILE)
            except OSError:
                pass     # not kept: the next run reads the footers again
    src.file_columns = {os.path.abspath(p): cols for p, cols in schemas.items()}
    return schemas


def _check_parquet_folder(con, src: Source, cache: Path | None = None) -> None:
    """Every file of a folder source must have the table's required columns; name the ones that do not."""
    if src.kind != "parquet" or "*" not in src.location:
        return
    schemas = _folder_schemas(con, src, cache)
    names = {f: {n.lower() for n, _ in cols} for f, cols in schemas.items()}
    src.uniform = len({tuple(map(tuple, cols)) for cols in schemas.values()}) == 1
    need = [c.lower() for c in TABLES[src.name]]
    odd = {f: [c for c in need if c not in cols] for f, cols in names.items()}
    odd = {f: miss for f, miss in odd.items() if miss}
    if odd:
        first = sorted(odd)[0]
        raise MissingColumnError(
            f"{len(odd)} of the {len(names)} files of {src.location} lack required column(s): {first} has no "
            f"{odd[first]}" + (f" (and {len(odd) - 1} more: {', '.join(sorted(odd)[1:4])})" if len(odd) > 1 else "")
            + f"; its columns differ from the other files'. Every file of the {src.name} folder needs "
            f"{list(TABLES[src.name])}: rename the column in that file (or move the file out of the folder).")
    _check_id_types(src, schemas)


def _check_id_types(src: Source, schemas: dict) -> None:
    """user_id must be a number in every file of a folder or text in every file: a file whose ids
    are text among files of numbers (a new month exported differently) would give the same user
    two ids, and the months could not be joined; name the file."""
    kinds = {}
    for f, cols in schemas.items():
        t = next((t for n, t in cols if n.lower() == "user_id"), None)
        if t is not None:
            kinds[f] = ("number" if t.upper().split("(")[0] in _NUM_TYPES | {"DECIMAL"} else "text", t)
    by = {}
    for f, (kind, t) in kinds.items():
        by.setdefault(kind, []).append((f, t))
    if len(by) < 2:
        return
    few, many = sorted(by.values(), key=len)
    first, ftype = sorted(few)[0]
    more = f" (and {len(few) - 1} more: {', '.join(Path(f).name for f, _ in sorted(few)[1:4])})" if len(few) > 1 else ""
    raise ColumnTypeError(
        f"{first}: user_id is {ftype}{more}, but {many[0][1]} in the other {len(many):,} file(s) of {src.location}: "
        "the same user would have two ids, and the months could not be joined. Export user_id with one type in "
        f"every file (here: re-export {Path(first).name} with user_id as in the others).")


def _columns(con, name: str) -> dict[str, str]:
    rows = con.execute(f"DESCRIBE raw_{name}").fetchall()
    return {r[0]: r[1] for r in rows}


def _time_expr(con, src: Source, col: str, ctype: str, tz: str) -> str:
    """The normalising expression of a time column; text that does not parse raises, except in
    ``events``, whose unparseable rows are counted and left out (event_checks)."""
    c = _q(col)
    base = ctype.upper()
    if base.startswith("TIMESTAMP WITH TIME ZONE") or base == "TIMESTAMPTZ":
        return f"timezone({_lit(tz)}, {c})"
    if base.startswith("TIMESTAMP") or base == "DATE":
        return f"CAST({c} AS TIMESTAMP)"
    if base == "VARCHAR":
        expr = (f"CASE WHEN regexp_matches({c}, {_lit(_TZ_SUFFIX)}) "
                f"THEN timezone({_lit(tz)}, TRY_CAST({c} AS TIMESTAMPTZ)) ELSE TRY_CAST({c} AS TIMESTAMP) END")
        if src.name == "events":
            return expr
        bad = con.execute(
            f"SELECT count(*), any_value({c}) FROM raw_{src.name} "
            f"WHERE {c} IS NOT NULL AND trim({c}) <> '' AND ({expr}) IS NULL").fetchone()
        if bad[0]:
            if str(bad[1]).strip().strip('"').lower() == col.lower():    # the header again, inside the data
                raise TimestampParseError(
                    f"{src.describe()}: the header line appears again inside the file ({bad[0]:,} row(s) whose "
                    f"{col!r} is {bad[1]!r}), as when exports are joined end to end. Remove the repeated header "
                    "lines (keep the first line only).")
            raise TimestampParseError(
                f"{src.describe()}: column {col!r} has {bad[0]:,} value(s) that are not timestamps "
                f"(e.g. {bad[1]!r}). Write them as 'YYYY-MM-DD HH:MM:SS' (business-local time) "
                "or with a zone offset such as '+08:00'.")
        return expr
    raise ColumnTypeError(
        f"{src.describe()}: column {col!r} has type {ctype}, which is not a timestamp. "
        "Store it as a timestamp (or text 'YYYY-MM-DD HH:MM:SS'); epoch numbers must be converted first, "
        "e.g. to_timestamp(seconds).")


def _view_sql(con, src: Source, id_type: str, tz: str) -> tuple[str, dict[str, tuple[str, str]]]:
    """The SELECT of a table's view, and per required column (expression as read, normalised expression)."""
    spec = TABLES[src.name]
    cols = _columns(con, src.name)
    src.columns = cols
    lower = {k.lower(): k for k in cols}
    missing = [c for c in spec if c.lower() not in lower]
    if missing:
        how = "rename or add the columns"
        # columns the toolkit knows under their own names are no candidates for a missing one (a campaigns
        # file without goal_metric was told to rename planned_treatment_share to it)
        known = {s.lower() for s in spec} | {c.lower() for c in OPTIONAL.get(src.name, {})} | \
            {c.lower() for c in KNOWN_EXTRA.get(src.name, ())}
        extra = [c for c in cols if c.lower() not in known]
        if src.kind == "csv" and extra:   # an export with its own headers: mapped in the configuration
            pairs = ", ".join(f"{old}: {new}" for old, new in zip(extra, missing))
            kept = "".join(f"{k}: {v}, " for k, v in src.options.items() if k != "rename")   # e.g. the encoding
            how = (f"map the file's names in the configuration, e.g. csv_options: {{{src.name}: {{{kept}rename: "
                   f"{{{pairs}}}}}}} (check each pair; add the other columns you use, such as a channel, the "
                   "same way), or rename the columns in the file")
        raise MissingColumnError(
            f"{src.describe()}: missing required column(s) {missing}; it has {list(cols)}. "
            f"The {src.name} table needs {list(spec)} (docs/data.md); {how}.")
    select, exprs = [], {}
    for col, kind in spec.items():
        actual = lower[col.lower()]
        ctype = cols[actual].upper()
        c = _q(actual)
        if kind == "id":
            if src.name == "events":
                guessed = src.sniffed.get(actual, ctype).upper()
                if guessed not in _INT_TYPES and guessed != "VARCHAR":
                    raise ColumnTypeError(
                        f"{src.describe()}: column {actual!r} has type {guessed}; user ids must be whole numbers "
                        "or text. If they were read as decimals (e.g. 17850.0), cast them to integers.")
                # CSV ids are read as text; where the sniffer saw whole numbers they stay numbers, and a
                # value further down that is not one is counted as unusable instead of stopping the query
                expr = f"TRY_CAST({c} AS BIGINT)" if guessed in _INT_TYPES and ctype == "VARCHAR" else c
            else:
                expr = c if ctype == id_type else f"TRY_CAST({c} AS {id_type})"
        elif kind == "time":
            expr = _time_expr(con, src, actual, ctype, tz)
        elif kind == "date":
            if ctype == "DATE":
                expr = c
            elif ctype.startswith("TIMESTAMP"):
                expr = f"TRY_CAST({c} AS DATE)"
            elif ctype == "VARCHAR":    # trimmed: a bare cast is pushed into the CSV reader, where it fails
                expr = f"TRY_CAST(trim({c}) AS DATE)"
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
        raw = f"NULLIF(trim({c}), '')" if ctype == "VARCHAR" and kind == "time" else c
        exprs[col] = (raw, expr)
        select.append(f"{expr} AS {_q(col)}")
    extra = [k for k in cols if k.lower() not in spec]
    select += [_q(k) for k in extra]
    for col, kind in OPTIONAL.get(src.name, {}).items():
        if col.lower() not in lower:
            select.append(f"CAST(NULL AS {_EMPTY_TYPE[kind]}) AS {_q(col)}")
    return f"SELECT {', '.join(select)} FROM raw_{src.name}", exprs


def open_store(data_dir, *, timezone: str = "Asia/Shanghai", con: duckdb.DuckDBPyConnection | None = None,
               memory_limit: str | None = None, threads: int | None = None, now: datetime | str | None = None,
               max_unusable_share: float = DEFAULT_MAX_UNUSABLE_SHARE, csv_options: dict | None = None,
               events_elsewhere: tuple[str, str] | None = None, cache_dir=None) -> Store:
    """Open a data directory as DuckDB views.

    Parameters
    ----------
    data_dir : folder (or .duckdb file) in the layout described in this module.
    timezone : business time zone; zone-aware timestamps are converted to it.
    con : connection to create the views in (a new in-memory one if None).
        The source files are never written: a .duckdb source is attached read-only.
    memory_limit, threads : DuckDB settings for a new connection.
    now : the data horizon, business-local: events later than it are left out of ``events``
        (default: the wall clock in ``timezone``).
    max_unusable_share : above this share of event rows that cannot be used (empty user_id,
        event_time or event_name, a time that is not a timestamp), opening fails.
    csv_options : per table, settings of the CSV reader (see csv_sources).
    events_elsewhere : (user_id type, description) when the events are read by another engine
        (engine: spark with events_table or events_path): ``events`` is then an empty view of
        that id type and no event checks are made; the other tables are read from ``data_dir``.
    cache_dir : where the aggregates are cached (None: the default place, see
        toolkit.aggregates.cache; False: keep nothing); the per-file counts of the event
        checks of a folder of Parquet files are kept there, so unchanged files are not reread.

    Returns
    -------
    Store, whose ``con`` has the views events (the usable rows up to the horizon), events_all
    (every row, for validation), users, feature_map, campaigns, campaign_members, pushes and
    orders; ``store.checks`` counts what ``events`` leaves out, per source file.
    """
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise MissingTableError(f"Data directory {data_dir} does not exist. Create it with "
                                "`toolkit sample --out DIR`, or name your data folder: `toolkit <command> DIR`, "
                                "or data_dir in toolkit.yaml.")
    horizon = data_horizon(now, timezone)
    csv_options = csv_options or {}
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
    if events_elsewhere is not None:
        id_type, where = events_elsewhere
        sources["events"] = Source("events", "external", where)
    if sources["events"].kind == "missing":
        folder = data_dir / "events"
        texts = sorted(p.name for p in folder.glob("*.csv*")) if folder.is_dir() else []
        found = (f" {folder} holds {len(texts):,} CSV file(s) ({', '.join(texts[:3])}{', ...' if len(texts) > 3 else ''}), "
                 "but a folder of events is read as Parquet files only: convert each to Parquet beside it, e.g. in "
                 f"Python: duckdb.sql(\"COPY (SELECT * FROM read_csv('{folder / texts[0]}')) TO "
                 f"'{folder / texts[0].split('.csv')[0]}.parquet' (FORMAT parquet)\"), and move the CSV files out of "
                 "the folder; or join them into one events.csv." if texts else "")
        raise MissingTableError(
            f"No events table in {data_dir}: expected events.parquet, an events/ folder of Parquet files, "
            "events.csv(.gz) or a .duckdb file with an events table (columns user_id, event_time, event_name)." + found)
    store = Store(con=con, data_dir=data_dir, timezone=timezone, sources=sources, horizon=horizon)
    # the horizon where the aggregates read it (no aggregate month lies after its month)
    con.execute("CREATE OR REPLACE TEMP TABLE data_horizon AS SELECT CAST(? AS TIMESTAMP) AS horizon", [horizon])
    id_type = "BIGINT"
    for name in TABLES:  # events first: its user_id type is the one the others follow
        src = sources[name]
        options = check_options(name, csv_options.get(name)) if src.kind == "csv" else {}
        src.options = options
        try:
            if src.kind == "external":
                id_type = events_elsewhere[0]
                cols = ", ".join(f"CAST(NULL AS {id_type if k == 'id' else _EMPTY_TYPE[k]}) AS {_q(c)}"
                                 for c, k in TABLES[name].items())
                for view in ("events_all", "events"):
                    con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {cols} WHERE false")
                continue
            if src.kind == "missing":
                cols = ", ".join(f"CAST(NULL AS {id_type if k == 'id' else _EMPTY_TYPE[k]}) AS {_q(c)}"
                                 for c, k in {**TABLES[name], **OPTIONAL.get(name, {})}.items())
                con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {cols} WHERE false")
                continue
            _check_parquet_folder(con, src, None if cache_dir is False else _checks_cache(data_dir, cache_dir))
            relation = _raw_relation_sql(con, src, options)
            con.execute(f"CREATE OR REPLACE TEMP VIEW raw_{name} AS SELECT * FROM {relation}")
            if name == "events":
                first = con.execute("SELECT 1 FROM raw_events LIMIT 1").fetchall()
                if not first:
                    raise EmptyTableError(f"{src.describe()} has no rows. Export at least one event, or point "
                                          "data_dir at the folder that holds them.")
            view, exprs = _view_sql(con, src, id_type, timezone)
            if name == "users":   # a registration after the horizon would stretch the months like a future event
                con.execute(f"CREATE OR REPLACE TEMP VIEW users_all AS {view}")
                cut = f"TIMESTAMP {_lit(horizon.isoformat(sep=' '))}"
                con.execute(f"CREATE OR REPLACE TEMP VIEW users AS SELECT * FROM users_all "
                            f"WHERE registered_at IS NULL OR registered_at <= {cut}")
                if store.checks is not None:
                    cache = None if cache_dir is False else _checks_cache(data_dir, cache_dir)
                    store.checks.future_users = _count_future_users(con, src, relation + view, horizon, timezone,
                                                                    cache)
                    store.checks.users_source = src.describe()
                continue
            if name != "events":
                con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {view}")
                continue
            con.execute(f"CREATE OR REPLACE TEMP VIEW events_all AS {view}")
            id_type = con.execute("SELECT typeof(user_id) FROM events_all LIMIT 1").fetchone()[0]
            cache = None if cache_dir is False else _checks_cache(data_dir, cache_dir)
            store.checks = _count_checks(con, src, exprs, options, horizon, timezone, max_unusable_share, cache)
            store.checks.check()
            con.execute(f"CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM events_all WHERE user_id IS NOT NULL "
                        f"AND event_time IS NOT NULL AND event_name IS NOT NULL "
                        f"AND event_time <= TIMESTAMP {_lit(horizon.isoformat(sep=' '))}")
            # the period of the kept events, from the counts just made (or kept): months.event_span reads it
            con.execute("CREATE OR REPLACE TEMP TABLE events_span AS SELECT CAST(? AS TIMESTAMP) AS first_time, "
                        "CAST(? AS TIMESTAMP) AS last_time", list(store.checks.span))
        except (duckdb.Error, OSError) as exc:
            raise translate(exc, src.describe(), table=name, kind=src.kind) from None
    return store


def files_relation(src: Source, files: list[str], file_column: str | None = None) -> str | None:
    """The files ``files`` of the folder source ``src`` read as the folder's view reads them:
    its columns with its types (a column none of these files has is NULL; naive times cast to
    a zone-aware type are taken as business-local, as when the folder's files are united),
    plus the file name as ``file_column``.  None when the folder's columns are not known."""
    if not src.columns or not files:
        return None
    have: set | None = set()
    for f in files:
        cols = src.file_columns.get(os.path.abspath(f))
        if cols is None:
            have = None      # not known: every column taken as present (a missing one fails to bind)
            break
        have |= {n.lower() for n, _ in cols}
    select = [f"CAST({_q(c)} AS {t}) AS {_q(c)}" if have is None or c.lower() in have else f"NULL::{t} AS {_q(c)}"
              for c, t in src.columns.items()]
    extra = ""
    if file_column:
        select.append(_q(file_column))
        extra = f", filename = {_lit(file_column)}"
    return (f"(SELECT {', '.join(select)} FROM read_parquet([{', '.join(_lit(f) for f in files)}], "
            f"union_by_name = true{extra}))")


@contextmanager
def events_of_files(con, src: Source, files: list[str]):
    """Within the block, the ``events`` views of ``con`` read only ``files`` (absolute paths
    of the folder source ``src``), with the folder's columns and types: a scan of the months
    those files hold then opens no other file of a long history (a view over the folder's
    files opens every file's schema and statistics).  Yields whether it did; a source that is
    not a folder of Parquet files, or files lacking a column of the folder, are read as
    always.  Rows are the same: the files are chosen by the months they hold (their
    fingerprints) and the cleaning views are unchanged."""
    relation = files_relation(src, files) if src.kind == "parquet" and "*" in src.location else None
    if relation is None:
        yield False
        return
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw_events AS SELECT * FROM {relation}")
    except duckdb.Error:
        scoped = False
    else:
        scoped = True
    try:
        yield scoped
    finally:
        con.execute(f"CREATE OR REPLACE TEMP VIEW raw_events AS SELECT * FROM {_raw_relation_sql(con, src, {})}")


def open_events_file(path, *, timezone: str = "Asia/Shanghai", csv_options: dict | None = None
                     ) -> duckdb.DuckDBPyConnection:
    """A new connection whose ``events`` view reads the one Parquet or CSV file ``path``
    (e.g. one file of an ``events/`` folder), normalised as :func:`open_store` does (every row:
    the aggregate layer uses it only to find which months a changed file holds)."""
    path = Path(path)
    con = duckdb.connect(":memory:")
    con.execute(f"SET TimeZone = {_lit(timezone)}")
    con.execute("SET enable_progress_bar = false")
    src = Source("events", "csv" if path.name.endswith((".csv", ".csv.gz")) else "parquet", str(path))
    options = check_options("events", (csv_options or {}).get("events")) if src.kind == "csv" else {}
    try:
        con.execute(f"CREATE TEMP VIEW raw_events AS SELECT * FROM {_raw_relation_sql(con, src, options)}")
        view, _ = _view_sql(con, src, "BIGINT", timezone)
        con.execute(f"CREATE TEMP VIEW events AS {view}")
    except (duckdb.Error, OSError) as exc:
        raise translate(exc, src.describe(), table="events", kind=src.kind) from None
    return con


def data_horizon(now, timezone: str) -> datetime:
    """The data horizon as a naive business-local time: ``now`` as given, or the wall clock."""
    if now is None or now == "":
        return datetime.now(ZoneInfo(timezone)).replace(tzinfo=None, microsecond=0)
    if isinstance(now, datetime):
        return now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None) if now.tzinfo else now
    try:
        parsed = datetime.fromisoformat(str(now).strip())
    except ValueError:
        raise ToolkitError(f"now must be a date or time such as 2026-11-02 or 2026-11-02 06:00, got {now!r}.") from None
    if parsed.tzinfo:
        return parsed.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    if len(str(now).strip()) == 10:   # a date: the whole day is before the horizon
        parsed = parsed.replace(hour=23, minute=59, second=59)
    return parsed


_FILE_COL = "_toolkit_source_file"


CHECKS_FILE = "event-checks.json"


def _count_checks(con, src: Source, exprs: dict, options: dict, horizon: datetime, timezone: str,
                  share: float, cache: Path | None = None) -> EventChecks:
    """One scan of the events source: per file, the rows ``events`` leaves out and why.

    For a folder of Parquet files (or a single Parquet or CSV file) with a ``cache`` folder,
    each file's counts are kept in
    ``cache/event-checks.json`` with the file's size and modification time, and reused while
    the file is unchanged, had no row after the horizon of the run that counted it, and its
    latest usable time is not after this run's horizon (so its count of future rows is still 0): a monthly run scans only the new or changed files, not the
    whole history.  The cache is never needed: without it (or unwritable) every file is read."""
    per_file = src.kind == "parquet" and "*" in src.location
    single = src.kind in ("parquet", "csv") and "*" not in src.location    # one file: kept like a folder's file
    (uid_raw, uid), (t_raw, t), (_, name) = exprs["user_id"], exprs["event_time"], exprs["event_name"]
    key = json.dumps([CHECKS_FORMAT, timezone, exprs, options], sort_keys=True, default=str)
    kept, todo, stats, old, spans = {}, None, {}, {}, {}
    if (per_file or single) and cache is not None:
        paths = [r[0] for r in con.execute("SELECT file FROM glob(?)", [src.location]).fetchall()] if per_file \
            else [src.location]
        stats = {p: _file_stat(p) for p in paths}
        old = _read_checks(cache, key)
        for p in paths:
            hit = old.get(os.path.abspath(p))
            if hit and hit["stat"] == stats[p] and hit["counts"]["future"] == 0 and (
                    hit["last_time"] is None or datetime.fromisoformat(hit["last_time"]) <= horizon):
                kept[p] = FileCount(**{**hit["counts"], "file": p})
                spans[p] = tuple(None if v is None else datetime.fromisoformat(v) for v in hit["span"])
        todo = [p for p in paths if p not in kept]
    files: list[FileCount] = []
    last: dict = {}
    if todo is None or todo:
        if todo is None or single:
            relation = _raw_relation_sql(con, src, options, _FILE_COL if per_file else None)
        else:     # the new or changed files only
            # with the folder's columns and types: a naive file among zone-aware ones reads as it does there
            relation = files_relation(src, todo, _FILE_COL) or (
                f"read_parquet([{', '.join(_lit(p) for p in todo)}], union_by_name = true, "
                f"filename = {_lit(_FILE_COL)})")
        file_expr = _q(_FILE_COL) if per_file else _lit(src.describe())
        checked = (f"SELECT {file_expr} AS file, {uid_raw} AS user_id_raw, {uid} AS user_id, {t_raw} AS time_raw, "
                   f"{t} AS event_time, {name} AS event_name FROM {relation}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW event_check_rows AS {checked}")
        cur = queries.run(con, "event_checks", horizon=horizon)
        cols = [d[0] for d in cur.description]
        for row in cur.fetchall():
            d = dict(zip(cols, row))
            last[d["file"]] = d.pop("last_time")
            spans[d["file"]] = (d.pop("span_first"), d.pop("span_last"))
            files.append(FileCount(**d))
    if todo is not None:
        _write_checks(cache, key, {os.path.abspath(f.file): {
                                        "stat": stats.get(f.file), "counts": asdict(f),
                                        "last_time": last[f.file].isoformat() if last.get(f.file) else None,
                                        "span": [None if v is None else v.isoformat() for v in spans[f.file]]}
                                   for f in files if f.file in stats},
                      {os.path.abspath(p): old[os.path.abspath(p)] for p in kept})
        files = sorted([*kept.values(), *files], key=lambda f: f.file)
    firsts = [a for a, _ in spans.values() if a is not None]
    lasts = [b for _, b in spans.values() if b is not None]
    return EventChecks(source=src.describe(), horizon=horizon, timezone=timezone, max_unusable_share=share,
                       files=files, span=(min(firsts, default=None), max(lasts, default=None)))


CHECKS_FORMAT = 3      # 2: each file's span of kept times; 3: kept under absolute paths, new files read with the folder's types
USERS_CHECKS_FILE = "users-checks.json"


def source_stat(src: Source) -> list | None:
    """[kind, [[path, size, modification time in ns] of each file of the source]]: what a kept
    reading of the source is checked against (a ``.duckdb`` source: the database file); None
    when the source is not a set of files on this machine or a file cannot be looked at."""
    if src.kind not in ("parquet", "csv", "duckdb"):
        return None
    location = src.location.rsplit(":", 1)[0] if src.kind == "duckdb" else src.location
    files = sorted(glob.glob(location, recursive=True)) if "*" in location else [location]
    if src.kind == "duckdb" and os.path.exists(location + ".wal"):
        files.append(location + ".wal")       # changes not yet checkpointed into the database file
    stats = []
    for f in files:
        try:
            st = os.stat(f)
        except OSError:
            return None
        stats.append([str(Path(f).resolve()), st.st_size, st.st_mtime_ns])
    return [src.kind, stats]


def _count_future_users(con, src: Source, key: str, horizon: datetime, timezone: str, cache: Path | None) -> int:
    """The rows of ``users_all`` registered after ``horizon`` (left out of ``users``).

    With a ``cache`` folder the count is kept in ``cache/users-checks.json`` with the users
    source's file statistics (:func:`source_stat`), the horizon it was counted at and the
    latest registration, and reused while the files are unchanged and the horizon is the same,
    or the count was 0 and the latest registration is not after this run's horizon (the rule of
    the event checks): an unchanged users file is not read when the store is opened."""
    stat = source_stat(src) if cache is not None else None
    key = json.dumps([CHECKS_FORMAT, timezone, key], sort_keys=True)
    at = horizon.isoformat(sep=" ")
    if stat is not None:
        try:
            kept = json.loads((cache / USERS_CHECKS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            kept = {}
        if kept.get("key") == key and kept.get("stat") == stat and (kept.get("horizon") == at or (
                kept.get("future") == 0 and (kept.get("last") is None
                                             or datetime.fromisoformat(kept["last"]) <= horizon))):
            return int(kept["future"])
    future, last = con.execute("SELECT count(*) FILTER (WHERE registered_at > $cut), max(registered_at) "
                               "FROM users_all", {"cut": horizon}).fetchone()
    if stat is not None:
        try:
            cache.mkdir(parents=True, exist_ok=True)
            tmp = cache / f".{USERS_CHECKS_FILE}.{os.getpid()}"
            tmp.write_text(json.dumps({"key": key, "stat": stat, "horizon": at, "future": int(future),
                                       "last": last.isoformat(sep=" ") if last is not None else None}),
                           encoding="utf-8")
            os.replace(tmp, cache / USERS_CHECKS_FILE)
        except OSError:
            pass      # not kept: the next run counts again
    return int(future)


def _file_stat(path: str) -> list | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def _read_checks(cache: Path, key: str) -> dict:
    try:
        got = json.loads((cache / CHECKS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return got.get("files", {}) if got.get("key") == key else {}


def _write_checks(cache: Path, key: str, new: dict, kept: dict) -> None:
    """Keep the counts of the files just read beside those reused (written atomically; a cache
    that cannot be written is skipped: the next run reads the files again)."""
    if not new:
        return
    files = {**kept, **{p: v for p, v in new.items() if v["stat"] is not None}}
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = cache / f".{CHECKS_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps({"key": key, "files": files}, sort_keys=True), encoding="utf-8")
        os.replace(tmp, cache / CHECKS_FILE)
    except OSError:
        pass


def _built_id_type(cfg) -> str | None:
    """The events' user id type the last build of ``cfg``'s data recorded (events read elsewhere)."""
    from ..aggregates.cache import cache_root, read_manifest
    try:
        return read_manifest(cache_root(cfg.data_dir, cfg.cache_dir)).get("id_type")
    except OSError:
        return None


def _checks_cache(data_dir, cache_dir) -> Path | None:
    from ..aggregates.cache import cache_root
    try:
        return cache_root(data_dir, cache_dir)
    except OSError:
        return None


def store_from_config(cfg, *, built_id_type: bool = False, **kwargs) -> Store:
    """Open the configured data folder with the configuration's time zone, horizon, threshold and CSV
    settings.  With ``engine: spark`` and events elsewhere (``events_table`` / ``events_path``) the
    events are read by Spark only: their id type is asked of Spark and ``events`` is empty here.
    ``built_id_type``: take that type from the last build's manifest instead, when it has one (a
    report's notebooks, which read that build and so need no Spark session)."""
    if getattr(cfg, "engine", "duckdb") == "spark" and (cfg.events_table or cfg.events_path):
        from ..aggregates.engines.spark import SparkEngine
        probe = SparkEngine(timezone=cfg.timezone, horizon=data_horizon(cfg.now or None, cfg.timezone),
                            master=cfg.spark_master, conf=cfg.spark_conf, events_table=cfg.events_table,
                            events_path=cfg.events_path, csv_options=cfg.csv_options)
        kept = _built_id_type(cfg) if built_id_type else None
        kwargs["events_elsewhere"] = (kept or probe.id_sql_type(), probe.describe())
    return open_store(cfg.data_dir, timezone=cfg.timezone, now=cfg.now or None,
                      max_unusable_share=cfg.max_unusable_share, csv_options=cfg.csv_options,
                      **{"cache_dir": cfg.cache_dir, **kwargs})
