"""Building the monthly aggregates and the lifecycle snapshots, kept on disk and extended.

A month's aggregates are a pure function of that month's source rows, so each
month folder of the cache records the fingerprint of its source
(fingerprints.py: the events files holding the month, the month's
registrations and orders).

A build computes the months whose folder is missing (new months), recomputes
those whose fingerprint changed (late events, a changed or deleted file), and
reuses the rest.  The lifecycle snapshots are then stepped forward (fold.py)
from the earliest month that was (re)computed, starting from the stored
snapshot of the month before it.  The cache is never needed for correctness: a
build from no cache (``--rebuild``, or a deleted folder) gives the same tables.

Settings that change the meaning of every month (qualifying and signal events,
time zone, the feature map) are part of the manifest: when they change, every
month is rebuilt.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from .. import queries
from ..errors import ConfigError
from ..months import inner_gaps
from ..data.store import Store
from . import engines
from .engines.duckdb import remember_event_files
from .cache import FORMAT, cache_root, read_manifest, write_manifest
from .fingerprints import SMALL_SOURCES, fingerprints
from .fold import empty_snapshot, fold, fold_into
from .kept import KEPT_AFTER_SPAN
from .segments import remember_users
from .staging import partitioned, place, runs
from .tables import Aggregates, attach, month_files_sql, month_label

FAR_PAST, FAR_FUTURE = datetime(1, 1, 1), datetime(9999, 12, 1)
MONTH_FILES = ("user_month", "registrations", "orders", "daily")
# The event scans written with every month (agg_<name>.sql, one file per month, run on the scan
# engine); the ON_DEMAND ones below are written when a section first needs the month.
MONTH_SCANS = ("user_month",)


def _month_start(mi: int) -> datetime:
    return datetime(mi // 12, mi % 12 + 1, 1)


# ---------------------------------------------------------------- settings and the scan


def _has_table(con, name: str) -> bool:
    return bool(con.execute("SELECT (SELECT count(*) FROM duckdb_tables() WHERE table_name = $n) "
                            "+ (SELECT count(*) FROM duckdb_views() WHERE view_name = $n)", {"n": name}).fetchall()[0][0])


def last_data_month(con) -> int | None:
    """The last month the aggregates hold: the month of the last event (complete or not), never
    after the data horizon's month (``horizon_month``).  Registrations and orders of later
    months are left out, and the build says so: such a month has no lifecycle to speak of (only
    its registrants would be active, every other user inactive) and is most often one whose
    events are not loaded yet; it is computed once they are.  None for connections without a
    horizon (no store): every month with a source row."""
    last = horizon_month(con)
    if last is None or not _has_table(con, "events_span"):
        return last
    at = con.execute("SELECT last_time FROM events_span").fetchone()[0]
    return last if at is None else min(last, at.year * 12 + at.month - 1)


def horizon_month(con) -> int | None:
    """The month of the data horizon of a store's connection (``data_horizon``, store.py), None
    for other connections.  No aggregate month lies after it: events and registrations after
    the horizon are left out of the store's views, and an order dated after its month (a typo
    year, 2206) would otherwise stretch the months to it, each a lifecycle step."""
    if not _has_table(con, "data_horizon"):
        return None
    at = con.execute("SELECT horizon FROM data_horizon").fetchone()[0]
    return None if at is None else at.year * 12 + at.month - 1


def feature_map_conflict(rows) -> str:
    """The error for event names that feature_map gives two categories (feature_map_conflicts.sql)."""
    name, cats = rows[0]
    more = f" (and {len(rows) - 1} more: {', '.join(r[0] for r in rows[1:4])})" if len(rows) > 1 else ""
    shown = " and ".join(repr(c) if c else "'' (not a feature)" for c in cats)
    return (f"feature_map gives event {name!r} {len(cats)} categories, {shown}{more}: an event has one category. "
            "Keep the row you mean and delete the other (to move an event to another category, change its row).")


def settings(con, active_events, signal_events, timezone: str = "") -> dict:
    """What every month's aggregates depend on besides its source rows."""
    fm = []
    if _has_table(con, "feature_map"):
        conflict = queries.run(con, "feature_map_conflicts").fetchall()
        if conflict:        # the first row read won in silence: a "move" by adding a row did nothing
            raise ConfigError(feature_map_conflict(conflict))
        # one row per name, in the file's order (the categories' order breaks ties of a primary tag):
        # the same row twice changes nothing
        fm = con.execute("SELECT event_name, category FROM (SELECT event_name, coalesce(trim(category), '') AS category, "
                         "row_number() OVER () AS n FROM feature_map WHERE event_name IS NOT NULL) "
                         "GROUP BY event_name, category ORDER BY min(n)").fetchall()
    return {"active_events": list(active_events or []), "signal_events": list(signal_events or []),
            "timezone": timezone, "fm_names": [r[0] for r in fm], "fm_categories": [r[1] for r in fm]}


def _scan_params(s: dict, start: datetime, end: datetime) -> dict:
    return dict(start=start, end=end, active_events=s["active_events"], signal_events=s["signal_events"],
                fm_names=s["fm_names"], fm_categories=s["fm_categories"])


def _remember(con, s: dict, root: Path | None, lo: int | None = None, hi: int | None = None) -> None:
    """Note in ``con`` where its aggregates live, with which settings and (kept aggregates) the
    months they cover, for the tables that are computed per month on demand
    (``ensure_categories``)."""
    con.execute("CREATE OR REPLACE TEMP TABLE agg_location AS SELECT $root AS root, $settings AS settings, "
                "$lo::BIGINT AS lo, $hi::BIGINT AS hi",
                {"root": str(root) if root else None, "settings": json.dumps(s), "lo": lo, "hi": hi})


ON_DEMAND = ("user_categories", "user_last", "user_events")     # per-month tables computed when a section first needs the month


def ensure_categories(con, from_mi: int, to_mi: int, *, active_events=(), signal_events=("trip",)) -> None:
    """``agg_user_categories`` over the months ``from_mi`` .. ``to_mi`` (see ``ensure_monthly``)."""
    ensure_monthly(con, "user_categories", from_mi, to_mi, active_events=active_events, signal_events=signal_events)


def ensure_monthly(con, table: str, from_mi: int, to_mi: int, *, active_events=(), signal_events=("trip",)) -> None:
    """Make ``agg_<table>`` (``agg_<table>.sql``, one of ``ON_DEMAND``) cover the months
    ``from_mi`` .. ``to_mi``: cached months are read from (or first written to) their month
    folder, in-memory aggregates get the months they lack computed; one scan of the events
    per run of missing months."""
    ensure(con, active_events=active_events, signal_events=signal_events)
    root, s, lo, hi = con.execute("SELECT root, settings, lo, hi FROM agg_location").fetchall()[0]
    s = json.loads(s)
    query = queries.load(f"agg_{table}")
    view = f"agg_{table}"
    if root is None:
        if not _has_table(con, view):
            queries.execute(con, f"CREATE TEMP TABLE {view} AS {query}", **_scan_params(s, FAR_PAST, FAR_PAST))
            con.execute(f"CREATE OR REPLACE TEMP TABLE {view}_months (mi BIGINT)")
        have = {r[0] for r in con.execute(f"SELECT mi FROM {view}_months").fetchall()}
        for a, b in runs([m for m in range(from_mi, to_mi + 1) if m not in have]):
            queries.execute(con, f"INSERT INTO {view} {query}", **_scan_params(s, _month_start(a), _month_start(b + 1)))
            con.execute(f"INSERT INTO {view}_months SELECT unnest(range($a, $b + 1))", {"a": a, "b": b})
        return
    root = Path(root)
    months = [m for m in range(max(from_mi, lo), min(to_mi, hi) + 1)]
    missing = [m for m in months if not (root / "months" / month_label(m) / f"{table}.parquet").is_file()]
    engine = engines.engine_of(con)
    for a, b in runs(missing):
        staging = root / f".staging-{table}-{os.getpid()}-{int(time.time() * 1000)}"
        try:
            p = _scan_params(s, _month_start(a), _month_start(b + 1))
            engine.partitioned(query, staging, **p)
            for mi in range(a, b + 1):
                target = root / "months" / month_label(mi) / f"{table}.parquet"
                tmp = target.with_name(f".{table}.{os.getpid()}.parquet")
                place(con, staging, mi, tmp, query, retype=engine.retype, **p)
                os.replace(tmp, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if months:
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS {month_files_sql(root, table, months[0], months[-1])}")
    else:
        cols = queries.execute(con, f"DESCRIBE {query}", **_scan_params(s, FAR_PAST, FAR_PAST)).fetchall()
        select = ", ".join(f'NULL::{c[1]} AS "{c[0]}"' for c in cols)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {select} WHERE false")


# The registrations (per user, in the month of the earliest) and orders (per user and month) of the
# months [$start, $end): agg_<name>.sql over the table, or no rows without the table.
SMALL = {"registrations": "SELECT user_id, 0::BIGINT AS mi FROM agg_empty_ids WHERE false",
         "orders": "SELECT user_id, 0::BIGINT AS mi, 0::BIGINT AS orders, 0.0::DOUBLE AS amount FROM agg_empty_ids WHERE false"}


def _small_query(con, name: str) -> str:
    return queries.load(f"agg_{name}") if _has_table(con, SMALL_SOURCES[name]) else SMALL[name]


def _day_counts(masks) -> np.ndarray:
    """Rows with bit d set, for each bit d of 32, of an array of day masks (numpy, no loop per row)."""
    masks = np.ascontiguousarray(np.asarray(masks, dtype="<u4"))
    if not len(masks):
        return np.zeros(32, dtype=np.int64)
    return np.unpackbits(masks.view(np.uint8).reshape(-1, 4), axis=1, bitorder="little").sum(axis=0, dtype=np.int64)


def _daily_rows(con, source: str, mi: int) -> dict:
    """Users per day of month ``mi`` with a qualifying / a signal event, counted with numpy over
    the day masks of ``source`` (a relation with the columns of agg_user_month.sql)."""
    got = con.execute(f"SELECT q_days, s_days FROM {source} WHERE mi = $mi", {"mi": mi}).fetchnumpy()
    start = _month_start(mi).date()
    n = ((_month_start(mi + 1).date() - start).days)
    return {"start": start, "active": _day_counts(got["q_days"])[:n].tolist(),
            "signal": _day_counts(got["s_days"])[:n].tolist()}


DAILY = ("SELECT * FROM (SELECT (CAST($start AS DATE) + (generate_subscripts($active, 1) - 1)::INTEGER) AS day, "
         "unnest($active)::BIGINT AS active_users, unnest($signal)::BIGINT AS signal_users) "
         "WHERE active_users > 0 OR signal_users > 0")


# ---------------------------------------------------------------- the lifecycle fold


def _ids(con) -> None:
    """``agg_empty_ids``: no rows, a user_id of the events' type (for typed empty tables)."""
    id_type = con.execute("SELECT column_type FROM (DESCRIBE SELECT user_id FROM events)").fetchone()
    id_type = id_type[0] if id_type else "BIGINT"
    con.execute(f"CREATE OR REPLACE TEMP TABLE agg_empty_ids AS SELECT NULL::{id_type} AS user_id WHERE false")


# ---------------------------------------------------------------- in memory


def in_memory(con, *, active_events=(), signal_events=("trip",)) -> Aggregates:
    """Compute every aggregate and snapshot of the connection's ``events`` (and ``users``,
    ``orders``, ``feature_map`` when present) as temporary tables, without a cache."""
    s = settings(con, active_events, signal_events)
    _ids(con)
    last = last_data_month(con)
    end = FAR_FUTURE if last is None else _month_start(last + 1)
    queries.create_temp(con, "agg_user_month", "agg_user_month", **_scan_params(s, FAR_PAST, end))
    for table in ON_DEMAND:
        con.execute(f"DROP TABLE IF EXISTS temp.agg_{table}")
    _remember(con, s, None)
    for name in SMALL:
        queries.execute(con, f"CREATE OR REPLACE TEMP TABLE agg_{name} AS {_small_query(con, name)}",
                        start=FAR_PAST, end=end)
    lo, hi = con.execute("SELECT min(mi), max(mi) FROM (SELECT mi FROM agg_user_month UNION ALL "
                         "SELECT mi FROM agg_registrations UNION ALL SELECT mi FROM agg_orders)").fetchone()
    if lo is None:
        raise ConfigError("No events with a user and a time, and no registrations: nothing to aggregate.")
    con.execute("DROP TABLE IF EXISTS temp.agg_daily")      # computed when first asked for: ensure()
    con.execute(f"CREATE OR REPLACE TEMP TABLE lifecycle_snapshots AS {empty_snapshot(con)}")
    fold_into(con, "lifecycle_snapshots", lo, hi)
    return Aggregates(con, lo, hi, list(active_events or []), list(signal_events or []), None)


def ensure(con, *, active_events=(), signal_events=("trip",), daily: bool = False) -> None:
    """Make sure ``con`` has the aggregate views: the ones a build or an earlier call
    registered, else computed in memory from its events.  ``daily``: also ``agg_daily``
    (in memory computed from ``agg_user_month`` when first needed; the cache writes it
    with each month)."""
    if not _has_table(con, "agg_user_month"):
        in_memory(con, active_events=active_events, signal_events=signal_events)
    if daily and not _has_table(con, "agg_daily"):
        lo, hi = con.execute("SELECT min(mi), max(mi) FROM agg_user_month").fetchall()[0]
        con.execute("CREATE TEMP TABLE agg_daily (day DATE, active_users BIGINT, signal_users BIGINT)")
        for mi in range(lo, hi + 1) if lo is not None else []:
            con.execute(f"INSERT INTO agg_daily {DAILY}", _daily_rows(con, "agg_user_month", mi))


# ---------------------------------------------------------------- the cached build


@dataclass
class BuildResult:
    """What a build did: months computed (new), recomputed (their source changed) and reused,
    the first month whose snapshot was stepped (None: none), and the seconds it took."""
    root: Path
    computed: list = field(default_factory=list)
    recomputed: list = field(default_factory=list)
    reused: list = field(default_factory=list)
    removed: list = field(default_factory=list)
    stepped_from: int | None = None
    seconds: float = 0.0
    aggregates: Aggregates | None = None
    no_events: list = field(default_factory=list)    # months without an event between months with events
    before_events: list = field(default_factory=list)   # months with registrations (orders) before the first event
    signal_seen: bool | None = None     # whether any configured offline-signal event is in the data (None: none set)
    left_out: dict = field(default_factory=dict)     # registrations / orders after the last month: (rows, latest month)
    after_last: list = field(default_factory=list)   # removed months after the last month of the data
    last_month: int | None = None       # the last month of the data (last_data_month)
    horizon_month: int | None = None    # the month of the data horizon
    rebuilt_because: str | None = None   # why a kept cache was computed again from nothing
    engine: str = "duckdb"              # the scan engine of this build
    reused_from: dict = field(default_factory=dict)   # {other engine: months reused that it computed}


    def describe(self, extra: str = "") -> str:
        """What was done, one line (``extra`` appended to it), and notes on months without
        events and on registrations or orders left out after the last month."""
        months = len(self.computed) + len(self.recomputed) + len(self.reused)
        changed = ""
        if self.recomputed:
            changed = " [" + ", ".join(month_label(m) for m in self.recomputed[:12]) + \
                      (", ..." if len(self.recomputed) > 12 else "") + "]"
        parts = [f"{len(self.computed)} computed", f"{len(self.recomputed)} recomputed (source changed){changed}",
                 f"{len(self.reused)} reused"]
        gone = [m for m in self.removed if m not in self.after_last]
        if gone:
            parts.append(f"{len(gone)} dropped (no source left)")
        if self.after_last:
            parts.append(f"{len(self.after_last)} dropped (after the last month of the data)")
        text = f"Aggregates in {self.root}: {months} month{'' if months == 1 else 's'}, " + ", ".join(parts)
        if self.stepped_from is not None and self.aggregates is not None:
            text += (f"; lifecycle stepped {month_label(self.stepped_from)} .. "
                     f"{month_label(self.aggregates.last_mi)}")
        text += f"; {self.seconds:.1f}s." + extra
        if self.rebuilt_because:
            text += f"\nEvery month was computed again: {self.rebuilt_because}."
        for by, n in sorted(self.reused_from.items()):
            text += (f"\nnote: {n} of the reused months {'was' if n == 1 else 'were'} computed by {by}, which writes "
                     f"the same files; `build --rebuild` scans {'it' if n == 1 else 'them'} again on {self.engine}.")
        return "\n".join([text, *self.notes()])

    def notes(self) -> list[str]:
        """The notes on the data: months without events between months with events, and
        registrations or orders left out after the last month (each line starts "note:")."""
        out = []
        if self.no_events:
            gap = ", ".join(month_label(m) for m in self.no_events[:6]) + (", ..." if len(self.no_events) > 6 else "")
            out.append(f"note: no events in {gap}, between months with events: if an events file is missing, "
                       "add it and run again (a month without events counts every user as inactive).")
        if self.before_events:
            first, n = month_label(self.before_events[0]), len(self.before_events)
            start = month_label(self.before_events[-1] + 1)
            out.append(f"note: registrations start in {first}, the events only in {start}: nothing users did in "
                       f"the {n} month{'' if n == 1 else 's'} before is in the data, so the lifecycle begins in "
                       f"{start}, and users who registered earlier count there as woken or returned when active (as "
                       "churned when not) until a churn window of events is in: read the flows from then on. If the "
                       f"events export starts later than the users table, export the events from {first} too.")
        if self.signal_seen is False:
            out.append("note: none of the signal_events of the configuration occurs in the events, so every event "
                       "counts as activity and no user is counted by an offline signal: if the data name the signal "
                       "otherwise (e.g. 行程结束 for trip), set signal_events to that name, or to [] when there is none.")
        if self.left_out and self.last_month is not None:
            last = month_label(self.last_month)
            what = " and ".join(f"{n:,} {'registration' if name == 'registrations' else 'order'}"
                                f"{'' if n == 1 else 's'}" for name, (n, _) in sorted(self.left_out.items()))
            latest = max(m for _, m in self.left_out.values())
            one = sum(n for n, _ in self.left_out.values()) == 1
            if self.horizon_month is not None and latest > self.horizon_month:
                why = ("the latest is after the data horizon: check the times (a wrong year?), or set `now:` in "
                       "the configuration")
            else:
                why = (f"{'it is' if one else 'they are'} added when the events of {'its month' if one else 'their months'} "
                       "are in the data (if an events file is missing, add it)")
            out.append(f"note: {what} dated after {last}, the last month with events, {'is' if one else 'are'} "
                       f"left out ({'in' if one else 'the latest in'} {month_label(latest)}): {why}.")
        return out


def _compute_months(store: Store, s: dict, months: list[int], root: Path, engine=None) -> None:
    """Compute and write the aggregates of ``months``: one scan of the events per run of
    consecutive months and per query of ``MONTH_SCANS`` (on the scan ``engine``), written per
    month in the same pass."""
    con = store.con
    engine = engine or engines.engine_of(con)
    staging = root / f".staging-{os.getpid()}-{int(time.time() * 1000)}"
    scans = {name: queries.load(f"agg_{name}") for name in MONTH_SCANS}
    try:
        for a, b in runs(months):
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            p = _scan_params(s, _month_start(a), _month_start(b + 1))
            for name, scan in scans.items():
                engine.partitioned(scan, staging / name, **p)
            small = {name: _small_query(con, name) for name in SMALL}    # the run's own rows only
            for name, query in small.items():
                partitioned(con, query, staging / name, **p)
            for mi in range(a, b + 1):
                tmp = staging / month_label(mi)
                tmp.mkdir()
                for name, scan in scans.items():
                    place(con, staging / name, mi, tmp / f"{name}.parquet", scan, retype=engine.retype, **p)
                for name, query in small.items():
                    place(con, staging / name, mi, tmp / f"{name}.parquet", query, **p)
                rows = _daily_rows(con, f"read_parquet('{tmp / 'user_month.parquet'}')", mi)
                con.execute(f"COPY ({DAILY}) TO '{tmp / 'daily.parquet'}' (FORMAT parquet)", rows)
                final = root / "months" / month_label(mi)
                shutil.rmtree(final, ignore_errors=True)
                final.parent.mkdir(parents=True, exist_ok=True)
                tmp.rename(final)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def build(store: Store, *, active_events=(), signal_events=("trip",), cache_dir=None,
          rebuild: bool = False, engine=None) -> BuildResult:
    """Bring the cached aggregates and lifecycle snapshots of ``store`` up to date and register
    them in ``store.con`` (see ``tables``).  ``engine``: where the event scans run (see
    ``engines``; default the one registered for the connection, else DuckDB).  Returns what was
    done."""
    t0 = time.perf_counter()
    if engine is not None:
        engines.use(store.con, engine)
    engine = engines.engine_of(store.con)
    root = cache_root(store.data_dir, cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    con = store.con
    s = settings(con, active_events, signal_events, store.timezone)
    key = _settings_key(s)
    man = read_manifest(root)
    why = None
    if man and not rebuild:
        why = ("the cache's format changed (another version of the toolkit)" if man.get("format") != FORMAT else
               "the settings changed (active or signal events, time zone or feature_map)"
               if man.get("settings") != key else None)
    if rebuild or why:
        shutil.rmtree(root / "months", ignore_errors=True)
        man = {}
    _ids(con)
    span = None
    if getattr(engine, "external", False):    # events the store's checks do not read: their period comes from here
        span = [t.isoformat(sep=" ") if t is not None else None for t in engine.span()]
        _set_span(con, span)
    last_month = last_data_month(con)
    fp, units, small = fingerprints(store, man.get("units", {}), engine, man.get("small", {}), last_month)
    if engine.name == "duckdb":
        remember_event_files(con, store.sources["events"], Path(store.data_dir), units)
    if not fp:
        raise ConfigError(f"No events with a time and no registrations in {store.data_dir}: nothing to aggregate.")
    lo, hi = min(fp), max(fp)
    old = man.get("months", {})
    res = BuildResult(root, rebuilt_because=why)
    horizon = horizon_month(con)
    for name in SMALL:      # rows of months after the last one: left out, and said (describe)
        late = {int(m): v[0] for m, v in small.get(name, {}).get("months", {}).items()
                if last_month is not None and int(m) > last_month}
        if late:
            res.left_out[name] = (sum(late.values()), max(late))
    res.last_month, res.horizon_month = last_month, horizon
    for mi in range(lo, hi + 1):
        prev = old.get(str(mi))
        folder = root / "months" / month_label(mi)
        files_ok = all((folder / f"{t}.parquet").is_file() for t in MONTH_FILES)
        if prev is None or not files_ok:
            res.computed.append(mi)
        elif prev.get("source") != fp.get(mi, {}):
            res.recomputed.append(mi)
        else:
            res.reused.append(mi)
            by = prev.get("engine", "duckdb")     # the same files whichever engine wrote them: said, not redone
            if by != engine.name:
                res.reused_from[by] = res.reused_from.get(by, 0) + 1
    res.engine = engine.name
    res.removed = sorted(int(m) for m in old if not lo <= int(m) <= hi)
    res.after_last = [m for m in res.removed if last_month is not None and m > last_month]
    todo = sorted(res.computed + res.recomputed)
    snap_lo, snap_hi = man.get("snapshots") or [None, None]
    starts = [min(todo)] if todo else []
    if snap_lo != lo or snap_hi is None or any(m < lo for m in res.removed):
        starts.append(lo)
    elif snap_hi < hi:
        starts.append(snap_hi + 1)
    step_from = max(lo, min(starts)) if starts else None
    if step_from is not None and not all((root / "months" / month_label(m) / "snapshot.parquet").is_file()
                                         for m in range(lo, step_from)):
        step_from = lo
    # invalidate first: a crash from here on leaves months that the next run recomputes
    months_meta = {k: v for k, v in old.items() if lo <= int(k) <= hi and int(k) not in todo}
    kept = [lo, hi] if step_from is None else ([lo, step_from - 1] if step_from > lo else None)
    write_manifest(root, {"format": FORMAT, "settings": key, "units": man.get("units", {}),
                          "small": man.get("small", {}), "months": months_meta, "snapshots": kept})
    for m in res.removed:
        shutil.rmtree(root / "months" / month_label(m), ignore_errors=True)
    if todo:
        _compute_months(store, s, todo, root, engine)
    for m in todo:
        months_meta[str(m)] = {"source": fp.get(m, {}), "engine": engine.name}
    _remember(con, s, root, lo, hi)
    remember_users(con, store)      # what the kept segment cells of a breakdown depend on (segments.py)
    attach(con, root, lo, hi, snapshots=False)
    if step_from is not None:
        prev = None
        if step_from > lo:
            prev = f"SELECT * FROM read_parquet('{root / 'months' / month_label(step_from - 1) / 'snapshot.parquet'}')"

        def sink(mi, rows, step=None):
            for old in (root / "months" / month_label(mi)).glob("counts-*.parquet"):
                old.unlink()      # the month's kept counts (states, cohorts, segment cells) follow its new snapshot
            for old in (root / "months" / month_label(mi)).glob("churn-*"):
                shutil.rmtree(old, ignore_errors=True)   # and so do the churn fits kept there (churn_risk)
            for m in range(mi - KEPT_AFTER_SPAN, mi + 1):    # and the kept funnel rows reading this month
                for old in (root / "months" / month_label(m)).glob("funnel-*.parquet"):
                    old.unlink()
            queries.execute(con, f"COPY ({rows}) TO '{root / 'months' / month_label(mi) / 'snapshot.parquet'}' "
                                 "(FORMAT parquet)", **({} if step is None else {"mi": step}))
        def month_only(mi):   # the step reads one month: one file each instead of every month's
            for table, view in (("user_month", "agg_user_month"), ("registrations", "agg_registrations")):
                con.execute(f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT * FROM "
                            f"read_parquet('{root / 'months' / month_label(mi) / f'{table}.parquet'}')")
        fold(con, step_from, hi, prev=prev, sink=sink, before=month_only, direct_last=True)
    attach(con, root, lo, hi)
    if engine.name == "spark":
        # the per-month tables sections otherwise compute when first needed: here, so that a
        # report's notebook kernels read files and never start a Spark session of their own
        for table in ON_DEMAND:
            ensure_monthly(con, table, lo, hi, active_events=active_events, signal_events=signal_events)
    write_manifest(root, {"format": FORMAT, "settings": key, "units": units, "small": small, "months": months_meta,
                          "snapshots": [lo, hi], **({"span": span, "id_type": _id_type(con)} if span else {})})
    res.stepped_from = step_from
    res.no_events = inner_gaps(m for m, f in fp.items() if "events" in f)
    with_events = [m for m, f in fp.items() if "events" in f]
    res.before_events = sorted(m for m in fp if with_events and m < min(with_events))
    if signal_events:
        res.signal_seen = bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM agg_user_month WHERE signal "
                                           "LIMIT 1)").fetchone()[0])
    res.aggregates = Aggregates(con, lo, hi, list(active_events or []), list(signal_events or []), root)
    res.seconds = time.perf_counter() - t0
    return res


def _settings_key(s: dict) -> str:
    return hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest()


def _id_type(con) -> str:
    return con.execute("SELECT column_type FROM (DESCRIBE SELECT user_id FROM agg_empty_ids)").fetchone()[0]


def _set_span(con, span) -> None:
    """``events_span`` (see toolkit.months.event_span) from (first, last) ISO times."""
    con.execute("CREATE OR REPLACE TEMP TABLE events_span AS SELECT CAST(? AS TIMESTAMP) AS first_time, "
                "CAST(? AS TIMESTAMP) AS last_time", list(span))


def _attach_manifest(store: Store, root: Path, man: dict, s: dict, active_events, signal_events,
                     engine=None) -> Aggregates | None:
    """Register the kept months of a manifest as a build does, without looking at the source;
    None when it was written by another version or with other settings."""
    if man.get("format") != FORMAT or man.get("settings") != _settings_key(s) or not man.get("snapshots"):
        return None
    lo, hi = man["snapshots"]
    con = store.con
    if engine is not None:
        engines.use(con, engine)
    if man.get("span"):
        _set_span(con, man["span"])
    _ids(con)
    _remember(con, s, root, lo, hi)
    if engines.engine_of(con).name == "duckdb":
        remember_event_files(con, store.sources["events"], Path(store.data_dir), man.get("units", {}))
    attach(con, root, lo, hi)
    return Aggregates(con, lo, hi, list(active_events or []), list(signal_events or []), root)


def open_built(store: Store, *, active_events=(), signal_events=("trip",), cache_dir=None) -> Aggregates | None:
    """The aggregates of the last complete build of ``store`` with these settings, registered
    as a build registers them but without looking at the source; None when there is none.

    For events another engine reads (engine: spark with events_table or events_path), where
    even the fingerprints are a Spark job: a notebook opened on its own reads the last build
    (``toolkit build`` or ``toolkit report`` refresh it), and the data period kept with it."""
    root = cache_root(store.data_dir, cache_dir)
    man = read_manifest(root)
    lo, hi = man.get("snapshots") or [0, -1]
    if not all((root / "months" / month_label(m) / f"{t}.parquet").is_file()
               for m in range(lo, hi + 1) for t in (*MONTH_FILES, "snapshot")):
        return None
    s = settings(store.con, active_events, signal_events, store.timezone)
    return _attach_manifest(store, root, man, s, active_events, signal_events)


BUILT_ENV = "TOOLKIT_REPORT_BUILT"   # set by `toolkit report` after its build: {"root": ..., "digest": ...}


def manifest_digest(root: Path) -> str:
    """A digest of the cache's manifest as it is now ('' when there is none)."""
    try:
        return hashlib.sha256((Path(root) / "manifest.json").read_bytes()).hexdigest()
    except OSError:
        return ""


def month_content(root: Path, mi: int) -> str:
    """A checksum of what a month's events aggregate to (its per-user and per-day tables, in any
    row order), kept beside them in ``content.txt`` (a recomputed month's folder is written anew,
    without it): a corrected events file with as many rows as before changes it, the same events
    in another order or file do not."""
    folder = Path(root) / "months" / month_label(mi)
    kept = folder / "content.txt"
    try:
        return kept.read_text(encoding="utf-8").strip()
    except OSError:
        pass
    import duckdb
    con = duckdb.connect()
    parts = [con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM read_parquet('{folder / name}') AS t")
             .fetchone() for name in ("user_month.parquet", "daily.parquet") if (folder / name).is_file()]
    con.close()
    text = hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:32]
    try:
        part = folder / f".content-{os.getpid()}"
        part.write_text(text + "\n", encoding="utf-8")
        part.replace(kept)
    except OSError:      # a cache that cannot be written: computed again next time
        pass
    return text


def data_digest(root: Path, month: str) -> str:
    """A digest of the data a report of ``month`` reads, from the cache: the build's settings and,
    for every month up to ``month``, what its events aggregate to (``month_content``) and its
    registrations and orders (rows and checksum, from the manifest).  A late event, a file that
    arrives whole after a short one, a corrected event or order changes it; more data after
    ``month``, the same events moved to other files, does not.  '' without a manifest."""
    man = read_manifest(Path(root))
    if not man:
        return ""
    last = int(month[:4]) * 12 + int(month[5:7]) - 1
    rows = {}
    for mi, meta in sorted(man.get("months", {}).items(), key=lambda kv: int(kv[0])):
        if int(mi) <= last:
            src = meta.get("source", {})
            rows[mi] = [month_content(root, int(mi)), src.get("registrations"), src.get("orders")]
    text = json.dumps({"settings": man.get("settings"), "months": rows}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def built_marker(aggregates: Aggregates) -> str:
    """What the report runner passes to its notebooks (in ``BUILT_ENV``) after bringing the cache
    up to date: the cache folder and the digest of its manifest."""
    return json.dumps({"root": str(aggregates.root), "digest": manifest_digest(aggregates.root)})


def attach_built(store: Store, marker: str | None, *, active_events=(), signal_events=("trip",), cache_dir=None,
                 engine=None) -> Aggregates | None:
    """The aggregates that the report runner built for this run (``marker`` from ``built_marker``),
    registered in ``store.con`` without checking their sources again (a build that finds nothing
    to do still looks at every source file's statistics, in every section); None when the cache is not the one the marker names, its manifest changed
    since, or it was built with other settings: then the caller builds."""
    try:
        said = json.loads(marker or "")
    except ValueError:
        return None
    if not isinstance(said, dict) or not said.get("digest"):
        return None
    root = cache_root(store.data_dir, cache_dir)
    if str(root) != said.get("root") or manifest_digest(root) != said["digest"]:
        return None
    s = settings(store.con, active_events, signal_events, store.timezone)
    return _attach_manifest(store, root, read_manifest(root), s, active_events, signal_events, engine)


def open_aggregates(store: Store, *, active_events=(), signal_events=("trip",), cache_dir=None,
                    rebuild: bool = False, cache: bool = True, engine=None) -> Aggregates:
    """The aggregates of ``store`` registered in ``store.con``: from the cache (built or
    extended first), or computed in memory with ``cache=False``."""
    if not cache:
        return in_memory(store.con, active_events=active_events, signal_events=signal_events)
    return build(store, active_events=active_events, signal_events=signal_events, cache_dir=cache_dir,
                 rebuild=rebuild, engine=engine).aggregates
