"""The Spark scan engine: the aggregate layer's event scans on a Spark session.

The queries stay in DuckDB's dialect (toolkit/sql); each run transpiles one with sqlglot
(:mod:`.transpile`) and runs it with ``spark.sql`` over the view ``events``, which this module
registers with the same normalisation as the DuckDB store (toolkit/data/store.py):

* ``user_id``: kept; text ids are cast to whole numbers where the DuckDB store's ids are;
* ``event_time``: a naive time (TIMESTAMP_NTZ) is business-local as it is; a zone-aware one
  (TIMESTAMP) is converted to the business time zone, which is the session time zone (set
  explicitly to the configured one, whatever ``spark_conf`` says); text with a zone offset is
  converted, text without one is taken as local; a date is its midnight;
* rows without a user, time or name, and rows later than the data horizon (``now``), are left
  out, as the store's ``events`` view does.

The events are read where they lie: the data folder's events (a Parquet file or folder, a CSV
file), a path Spark reads (``events_path``: a folder on HDFS or object storage) or a catalog
table (``events_table``, e.g. a Hive table ``ods.app_events``).
"""
from __future__ import annotations

import logging
import os
import re
import shutil
import socket
import time
import warnings
from datetime import datetime
from pathlib import Path
from urllib.parse import unquote, urlparse

from ... import queries
from ...data.store import _TZ_SUFFIX      # the same zone-offset pattern as the DuckDB store
from ...errors import ColumnTypeError, ConfigError, DataReadError, EngineError, MissingColumnError, \
    MissingTableError
from .transpile import to_spark

_INTEGRAL = ("tinyint", "smallint", "int", "bigint")


def _q(ident: str) -> str:
    return "`" + ident.replace("`", "``") + "`"


def _lit(text: str) -> str:
    return "'" + str(text).replace("\\", "\\\\").replace("'", "\\'") + "'"


def _spark_errors() -> tuple:
    """The exceptions a Spark call raises: pyspark's own, and a Java error passed through py4j
    (e.g. a Parquet file whose footer cannot be read)."""
    from py4j.protocol import Py4JError
    from pyspark.errors import PySparkException
    return PySparkException, Py4JError


def _java_cause(exc: BaseException) -> str:
    """The first line of the innermost Java exception (it names the file and what is wrong),
    when ``exc`` carries one; else of ``exc``."""
    java = getattr(exc, "java_exception", None)
    if java is not None:
        try:
            while java.getCause() is not None:
                java = java.getCause()
            return re.sub(r"\s+", " ", str(java.toString()).split("\n")[0].strip())[:400]
        except Exception:     # the gateway may be gone: fall back to the Python side's text
            pass
    return _cause(exc)


def _java_found() -> bool:
    """Whether a ``java`` is there to start (JAVA_HOME's, else on PATH), as pyspark looks for it."""
    home = os.environ.get("JAVA_HOME")
    if home:
        return (Path(home) / "bin" / "java").is_file()
    return shutil.which("java") is not None


def _type_clash(where) -> str | None:
    """The first column of the local Parquet files under ``where`` (files or folders) whose type
    differs between files, in words (the odd file, its type, the others' type, the fix); None when
    the files are not on this machine or agree."""
    import duckdb
    files = []
    for w in where or []:
        path = Path(unquote(urlparse(str(w)).path)) if str(w).startswith("file:") else Path(str(w))
        if "://" in str(w) and not str(w).startswith("file:"):
            return None
        files += sorted(path.rglob("*.parquet")) if path.is_dir() else [path] if path.suffix == ".parquet" else []
    if len(files) < 2:
        return None
    con = duckdb.connect()
    try:
        types = {f: {r[0].lower(): r[1] for r in con.execute("DESCRIBE SELECT * FROM read_parquet($p)",
                                                            {"p": str(f)}).fetchall()} for f in files}
    except duckdb.Error:
        return None
    finally:
        con.close()
    for col in sorted({c for t in types.values() for c in t}):
        seen = {f: t[col] for f, t in types.items() if col in t}
        counts = {}
        for ty in seen.values():
            counts[ty] = counts.get(ty, 0) + 1
        if len(counts) < 2:
            continue
        usual = max(counts, key=counts.get)
        odd = sorted(f for f, ty in seen.items() if ty != usual)
        more = f" (and {len(odd) - 1} more)" if len(odd) > 1 else ""
        return (f"{odd[0]}{more} has column {col!r} as {seen[odd[0]]}, the other {counts[usual]:,} file(s) as {usual}; "
                f"Spark does not merge the two (DuckDB does). Write {odd[0].name} again with {col} as {usual}, or move "
                "it out of the folder.")
    return None


def _cause(exc: BaseException) -> str:
    text = getattr(exc, "getMessage", lambda: str(exc))() if hasattr(exc, "getMessage") else str(exc)
    text = text.split("\n")[0].strip()
    return re.sub(r"\s+", " ", text)[:400]


LOG_CONFIG = Path(__file__).with_name("log4j2.properties")


REACH_SECONDS = 5     # how long a standalone master's port is given to answer before the session starts
_MASTER_FIX = ("Check that the Spark master is running, that this machine may connect to it, and that "
               "spark_master names its host and port as its web page shows them (spark://HOST:7077, not the web "
               "page's own port); or set spark_master: local[2] to run Spark on this machine.")


def _unreachable_master(master: str) -> str | None:
    """Why a standalone master (``spark://host:port``, or several hosts for a standby master)
    cannot be reached: none of its hosts accepts a connection on its port within
    ``REACH_SECONDS``, in words; None when one does, or the master is not a ``spark://`` URL.
    Spark itself retries for about a minute and then stops without naming the host."""
    if not str(master).startswith("spark://"):
        return None
    tried = []
    for hostport in str(master)[len("spark://"):].split(","):
        host, _, port = hostport.strip().rpartition(":")
        if not host or not port.isdigit():
            return None    # a form Spark reads its own way: left to it
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=REACH_SECONDS).close()
            return None
        except socket.timeout:
            tried.append(f"{host}:{port} did not answer within {REACH_SECONDS} s")
        except OSError as exc:
            tried.append(f"{host}:{port}: {exc.strerror or exc}")
    return "; ".join(tried)


STARTED: dict = {}     # {"seconds": how long this process's session took to start}, for the build's summary


def spark_session(master: str = "local[2]", conf: dict | None = None, timezone: str = "Asia/Shanghai"):
    """The Spark session (one per process; a second call with other settings gets the same
    session, with the time zone set again).  Raises EngineError when pyspark or Java is missing."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")      # pyspark's notes on the pandas version
            from pyspark.sql import SparkSession
    except ImportError:
        raise EngineError("engine: spark needs pyspark, which is not installed. Install the extra: "
                          "pip install -e '.[spark]' (`make test` does), or set engine: duckdb.") from None
    cores = re.fullmatch(r"local\[(\d+|\*)\]", master or "")
    defaults = {
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.parquet.inferTimestampNTZ.enabled": "true",
        "spark.sql.sources.partitionOverwriteMode": "static",
        # failures are reported as toolkit errors, not as Java logs, and Spark's start-up notes are
        # not printed either: the driver's logging configuration turns them off
        "spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile=file:{LOG_CONFIG}",
    }
    if cores:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")    # a small local run: few shuffle partitions, so few files per month
        n = (os.cpu_count() or 2) if cores.group(1) == "*" else int(cores.group(1))
        defaults["spark.sql.shuffle.partitions"] = str(max(2, 2 * n))
    settings = {**defaults, **{str(k): str(v) for k, v in (conf or {}).items()},
                "spark.sql.session.timeZone": timezone}
    builder = SparkSession.builder.appName("user-ops-toolkit")
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):     # under spark-submit, its --master and --conf rule
        builder = builder.master(master or "local[2]")
    for key, value in settings.items():
        builder = builder.config(key, value)
    if not os.environ.get("PYSPARK_GATEWAY_PORT"):
        why = _unreachable_master(master)
        if why:
            raise EngineError(
                f"engine: spark: the master {master!r} cannot be reached ({why}). {_MASTER_FIX}")
    started = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)   # pyspark's notes on the pandas version
            spark = builder.getOrCreate()
        STARTED.setdefault("seconds", round(time.perf_counter() - started, 1))
    except Exception as exc:   # no Java, a bad master URL, an unreachable cluster
        text = str(exc)
        if ("JAVA_GATEWAY_EXITED" in text or "Java gateway" in text) and _java_found():
            # Java ran and its launcher stopped: a master or setting it refused (said in its lines above)
            raise EngineError(
                f"engine: spark: Java started but Spark's launcher stopped before a session began "
                f"({_cause(exc)}); the lines Java printed above say why: a spark_conf value it refuses (e.g. "
                f"spark.driver.memory: 8x; memory is written 8g) or a spark_master it cannot use ({master!r}). "
                "Check spark_master and spark_conf in the configuration.") from None
        if "JAVA_GATEWAY_EXITED" in text or "JAVA_HOME" in text or "Java gateway" in text or \
                isinstance(exc, FileNotFoundError):
            raise EngineError(
                "engine: spark could not start Java (" + _cause(exc) + "). Install a Java 17 runtime "
                "(Debian/Ubuntu as root: apt-get install openjdk-17-jre-headless, or run "
                "scripts/setup-system.sh) and make `java` reachable on PATH or through JAVA_HOME; "
                "or set engine: duckdb.") from None
        if str(master).startswith("spark://") and not os.environ.get("PYSPARK_GATEWAY_PORT"):
            # Spark registers with a standalone master three times, 20 s each, then stops its context
            raise EngineError(
                f"engine: spark: the master {master!r} did not take this application: Spark stops after about a "
                f"minute when nothing at that address answers as a Spark master. {_MASTER_FIX} "
                f"(Spark said: {_cause(exc)})") from None
        raise EngineError(f"engine: spark could not start a session on master {master!r}: {_cause(exc)}. "
                          "Check spark_master and spark_conf in the configuration.") from None
    spark.conf.set("spark.sql.session.timeZone", timezone)
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)   # the query failures we report
    return spark


class SparkEngine:
    """Event scans on Spark, writing Parquet for the cache (see the module text).

    ``source`` is the store's events source when the events are read from the data folder
    (the engine keeps no reference to the store's connection)."""
    name = "spark"
    retype = True

    def __init__(self, *, timezone: str, horizon: datetime, master: str = "local[2]",
                 conf: dict | None = None, events_table: str = "", events_path: str = "", source=None,
                 id_type: str = "", csv_options: dict | None = None):
        self.timezone = timezone
        self.horizon = horizon
        self.master = master or "local[2]"
        self.conf = dict(conf or {})
        self.events_table = events_table or ""
        self.events_path = str(events_path or "")
        self.source = source
        self.id_type = id_type
        self.csv_options = (csv_options or {}).get("events") or {}
        self._spark = None
        self._registered = False
        self.collect: bool | None = None     # None: collect on a cluster, let Spark write in local mode

    @classmethod
    def for_store(cls, store, *, master="local[2]", conf=None, events_table="", events_path="", csv_options=None):
        src = store.sources.get("events")
        external = bool(events_table or events_path)
        if not external and src is not None and src.kind == "duckdb":
            raise ConfigError(f"engine: spark cannot read the events in the DuckDB file {src.location}. Export "
                              "them to Parquet (COPY events TO 'events.parquet'), or name a catalog table "
                              "(events_table:) or a path Spark reads (events_path:).")
        id_type = "" if external else store.con.execute("SELECT typeof(user_id) FROM events_all LIMIT 1").fetchone()[0]
        return cls(timezone=store.timezone, horizon=store.horizon, master=master, conf=conf,
                   events_table=events_table, events_path=events_path, source=None if external else src,
                   id_type=id_type, csv_options=csv_options)

    @property
    def external(self) -> bool:
        """Whether the events are not in the data folder (a catalog table or a remote path)."""
        return bool(self.events_table or self.events_path)

    def describe(self) -> str:
        if self.events_table:
            return f"Spark table {self.events_table}"
        return self.events_path or (self.source.location if self.source else "events")

    @property
    def spark(self):
        if self._spark is None:
            self._spark = spark_session(self.master, self.conf, self.timezone)
        return self._spark

    # ------------------------------------------------------------ reading the events

    def _read(self, paths=None):
        """The raw DataFrame of the events (or of the given files)."""
        from pyspark.errors import AnalysisException
        from py4j.protocol import Py4JError
        spark = self.spark
        where = []
        try:
            if paths is None and self.events_table:
                return spark.table(self.events_table)
            where = [str(p) for p in paths] if paths is not None else [self.events_path or self._local_location()]
            if all(str(w).endswith((".csv", ".csv.gz")) for w in where):
                reader = spark.read.option("header", "true").option("inferSchema", "false")
                if self.csv_options.get("encoding"):
                    reader = reader.option("encoding", self.csv_options["encoding"])
                if self.csv_options.get("delim") or self.csv_options.get("sep"):
                    reader = reader.option("sep", self.csv_options.get("delim") or self.csv_options.get("sep"))
                return reader.csv(where)
            reader = spark.read.option("mergeSchema", "true")
            if paths is None and not where[0].endswith(".parquet"):
                reader = reader.option("recursiveFileLookup", "true").option("pathGlobFilter", "*.parquet")
            return reader.parquet(*where)
        except AnalysisException as exc:
            raise self._translate(exc, where) from None
        except Py4JError as exc:
            raise self._read_error(exc, where, "cannot read the events at") from None

    def _local_location(self) -> str:
        loc = self.source.location
        return str(Path(loc).parent.parent) if loc.endswith("*.parquet") else loc

    def _translate(self, exc, where=()) -> Exception:
        text = str(exc)
        cls = (getattr(exc, "getCondition", None) or getattr(exc, "getErrorClass", lambda: ""))() or ""
        if "TABLE_OR_VIEW_NOT_FOUND" in cls or "TABLE_OR_VIEW_NOT_FOUND" in text:
            return MissingTableError(
                f"Spark has no table {self.events_table!r} (events_table in the configuration): {_cause(exc)}. "
                "Give the table as database.table as `SHOW TABLES IN database` lists it, and check that the "
                "session reaches the catalog (spark_conf: spark.sql.catalogImplementation: hive, and the "
                "metastore settings of your cluster).")
        if "PATH_NOT_FOUND" in cls or "PATH_NOT_FOUND" in text or "does not exist" in text:
            return MissingTableError(
                f"Spark finds no events at {self.describe()}: {_cause(exc)}. Check events_path (a folder of "
                "Parquet files or a CSV file, e.g. hdfs:///warehouse/events or s3a://bucket/events).")
        if "UNABLE_TO_INFER_SCHEMA" in cls or "UNABLE_TO_INFER_SCHEMA" in text:
            return DataReadError(f"Spark finds no Parquet files it can read at {self.describe()}: {_cause(exc)}. "
                                 "Point events_path at the folder that holds the event files.")
        if "CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE" in cls + text:
            return self._read_error(exc, list(where), "cannot read the events at")
        return DataReadError(f"Spark cannot read {self.describe()}: {_cause(exc)}.")

    def _normalised(self, df, *, with_file: bool = False):
        """The select list that normalises the required columns (see the module text)."""
        cols = {f.name.lower(): f for f in df.schema.fields}
        need = ["user_id", "event_time", "event_name"]
        missing = [c for c in need if c not in cols]
        if missing:
            raise MissingColumnError(
                f"{self.describe()}: missing required column(s) {missing}; it has {[f.name for f in df.schema.fields]}. "
                "The events need user_id, event_time and event_name (docs/data.md); rename the columns "
                "(or select them in a view of the table).")
        uid, t, name = (cols[c] for c in need)
        uid_type, t_type = uid.dataType.simpleString(), t.dataType.simpleString()
        u = _q(uid.name)
        if uid_type == "string":
            want = (self.id_type or "VARCHAR").upper()
            uid_expr = f"TRY_CAST({u} AS BIGINT)" if want in ("BIGINT", "INTEGER", "HUGEINT") else u
        elif uid_type in _INTEGRAL:
            uid_expr = f"CAST({u} AS BIGINT)"
        else:
            raise ColumnTypeError(f"{self.describe()}: column {uid.name!r} has type {uid_type}; user ids must be "
                                  "whole numbers or text. If they were read as decimals (e.g. 17850.0), cast them "
                                  "to integers.")
        c = _q(t.name)
        if t_type == "timestamp_ntz":
            t_expr = c
        elif t_type in ("timestamp", "date"):
            t_expr = f"CAST({c} AS TIMESTAMP_NTZ)"     # zone-aware: to the session (business) zone's local time
        elif t_type == "string":
            t_expr = (f"CASE WHEN trim({c}) RLIKE {_lit(_TZ_SUFFIX)} THEN CAST(TRY_CAST(trim({c}) AS TIMESTAMP) "
                      f"AS TIMESTAMP_NTZ) ELSE TRY_CAST(trim({c}) AS TIMESTAMP_NTZ) END")
        else:
            raise ColumnTypeError(f"{self.describe()}: column {t.name!r} has type {t_type}, which is not a "
                                  "timestamp. Store it as a timestamp (or text 'YYYY-MM-DD HH:MM:SS'); epoch "
                                  "numbers must be converted first.")
        n = _q(name.name)
        name_expr = n if name.dataType.simpleString() == "string" else f"CAST({n} AS STRING)"
        select = [f"{uid_expr} AS user_id", f"{t_expr} AS event_time", f"{name_expr} AS event_name"]
        if with_file:
            select.append("toolkit_source_file AS source_file")
        return select

    def register(self) -> None:
        """The temporary views ``events_all`` (every row, normalised) and ``events`` (the usable rows
        up to the horizon) in the Spark session."""
        if self._registered:
            return
        df = self._read()
        df.createOrReplaceTempView("toolkit_raw_events")
        select = ", ".join(self._normalised(df))
        spark = self.spark
        spark.sql(f"CREATE OR REPLACE TEMP VIEW events_all AS SELECT {select} FROM toolkit_raw_events")
        horizon = self.horizon.isoformat(sep=" ")
        spark.sql("CREATE OR REPLACE TEMP VIEW events AS SELECT * FROM events_all WHERE user_id IS NOT NULL "
                  "AND event_time IS NOT NULL AND event_name IS NOT NULL "
                  f"AND event_time <= TIMESTAMP_NTZ {_lit(horizon)}")
        self._registered = True

    def id_sql_type(self) -> str:
        """The DuckDB type of the events' user ids (BIGINT or VARCHAR), from the Spark schema."""
        self.register()
        kind = self.spark.table("events").schema["user_id"].dataType.simpleString()
        return "BIGINT" if kind in _INTEGRAL else "VARCHAR"

    # ------------------------------------------------------------ the interface

    def _run(self, query: str, **params):
        self.register()
        text = to_spark(query, params)
        try:
            return self.spark.sql(text)
        except _spark_errors() as exc:
            raise DataReadError(f"Spark could not run an aggregate query over {self.describe()}: {_java_cause(exc)}. "
                                "This is a toolkit bug if the events are readable: report it with the "
                                "message.") from None

    def _collect(self, df) -> list:
        """The rows of ``df``; a failure (a file that cannot be read, a lost executor) is a toolkit error."""
        try:
            return df.collect()
        except _spark_errors() as exc:
            where = [self.events_path] if self.events_path else [self._local_location()] if self.source else []
            raise self._read_error(exc, where, "failed reading the events at") from None

    def _read_error(self, exc, where: list, what: str) -> DataReadError:
        """The error of a failed read of ``where`` (files or folders): files whose columns Spark
        cannot merge (user_id INT in one file, BIGINT in the others, which DuckDB reads) named with
        the column, when they are on this machine; else Java's first line and the usual fixes."""
        cause = _java_cause(exc)
        if "CANNOT_MERGE_INCOMPATIBLE_DATA_TYPE" in str(exc) + cause or "incompatible data types" in cause:
            clash = _type_clash(where)
            if clash:
                return DataReadError(f"Spark cannot read the events at {self.describe()}: {clash}")
        return DataReadError(f"Spark {what} {self.describe()}: {cause}. If a file is damaged (cut short while "
                             "copying, not Parquet), copy or export it again, or move it out of the folder.")

    def collects(self) -> bool:
        """Whether the aggregates come back to the driver (a cluster: the executors cannot write
        to this machine's cache folder) rather than being written by the executors (local mode)."""
        if self.collect is not None:
            return bool(self.collect)
        return not self.spark.sparkContext.master.startswith("local")

    def partitioned(self, query: str, folder: Path, **params) -> None:
        """Write ``query`` (DuckDB dialect, with a column ``mi``) as Parquet under ``folder/mi=<mi>/``.
        Local mode: Spark writes the files (the partition column is in the folder names only;
        ``staging.place`` puts it back).  On a cluster the rows (one per user and month: small next to
        the events) come to the driver as Arrow and are written here by DuckDB."""
        df = self._run(query, **params)
        try:
            if self.collects():
                table = df.toArrow() if hasattr(df, "toArrow") else df._collect_as_arrow()
                import duckdb
                import pyarrow as pa
                if isinstance(table, list):
                    table = pa.Table.from_batches(table, schema=None) if table else None
                if table is None or table.num_rows == 0:
                    folder.mkdir(parents=True, exist_ok=True)
                    return
                local = duckdb.connect()
                local.register("spark_rows", table)
                local.execute(f"COPY (SELECT * FROM spark_rows) TO '{folder}' (FORMAT parquet, PARTITION_BY (mi))")
                local.close()
                return
            df.write.mode("overwrite").partitionBy("mi").parquet(str(folder))
        except _spark_errors() as exc:
            raise DataReadError(f"Spark could not compute or write the aggregates of {self.describe()} to "
                                f"{folder}: {_java_cause(exc)}. If an events file is damaged (cut short while "
                                "copying, not Parquet), copy or export it again, or move it out of the "
                                "folder.") from None

    def source_months(self):
        """Rows per month of the usable events (a table or remote path has no file fingerprints)."""
        return [(int(r[0]), int(r[1])) for r in self._collect(self._run(queries.load("agg_source_months")))]

    def source_checks(self):
        """(month, rows, checksum) of the usable events (source_month_checks.sql): the fingerprint of a
        table or remote path, whose corrections in place keep their row counts."""
        return [(int(r[0]), int(r[1]), int(r[2] or 0)) for r in self._collect(self._run(queries.load("source_month_checks")))]

    def span(self) -> tuple:
        """(first, last) usable event time (naive, business-local); (None, None) without events."""
        first, last = self._collect(self._run(queries.load("agg_source_span")))[0]
        return first, last

    def file_months(self, paths, **_) -> dict:
        """Per file, its rows per month (every row with a time), in one Spark job."""
        if not paths:
            return {}
        df = self._read(paths)
        df = df.selectExpr("*", "_metadata.file_path AS toolkit_source_file")
        df.createOrReplaceTempView("toolkit_raw_event_files")
        select = ", ".join(self._normalised(df, with_file=True))
        self.spark.sql(f"CREATE OR REPLACE TEMP VIEW event_files AS SELECT {select} FROM toolkit_raw_event_files")
        by_name = {Path(p).resolve(): p for p in paths}
        out = {p: [] for p in paths}
        for f, mi, rows in self._collect(self.spark.sql(to_spark(queries.load("source_file_months")))):
            path = Path(unquote(urlparse(f).path)).resolve()
            out[by_name.get(path, path)].append((int(mi), int(rows)))
        return out
