"""The per-user segment lookup ``agg_user_segments`` (user, segment_column, segment), read from
the ``users`` table by the aggregate layer (``sql/agg_user_segments.sql``), and the kept
per-month segment cells of a breakdown.

The users table is a small dimension table (one row per user), not per user and month, so
the lookup is computed whole in the connection when a breakdown first needs it, like the
registrations.  A user's segment is the value on their earliest registration row; users
without a value, or without a users row, are the segment ``unknown`` in every breakdown.

With a cache, a breakdown's cells (``sql/lifecycle_segment_cells.sql``: segment, entry
cohort, month, state, users) are kept per month beside the state counts, in
``months/<month>/counts-k<k>-by-<column>-<lookup>.parquet`` (:func:`cache_cells`), so a
breakdown reads one small file per month and a new month costs one month's join.  A month's
cells depend on its snapshot and on the lookup of the column:

* the snapshot: the file name starts with ``counts-k``, so the build deletes it with the
  month's state counts whenever it steps the month again;
* the lookup: ``<lookup>`` is a digest of the column's lookup (every user and value), so a
  changed users table (a corrected channel) names other files, and the old ones are deleted
  when the new ones are written.  Computing the digest reads the users table; to spare that
  read on every run, ``segments.json`` in the cache records the digests next to a
  fingerprint of the users source (its files' paths, sizes and modification times, and the
  number of registrations after the data horizon, which the ``users`` view leaves out).
  The build registers that fingerprint in the connection (:func:`remember_users`); while it
  matches the recorded one, the recorded digests are used as they are.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

from .. import queries
from ..errors import ConfigError
from ..data.store import OPTIONAL, source_stat
from .kept import cache_months

UNKNOWN = "unknown"
SEGMENTS_FILE = "segments.json"


def _users_columns(con) -> list[str]:
    """The columns of the ``users`` table or view ([] without one), from the catalog (no read)."""
    rows = con.execute("SELECT database_name, column_name FROM duckdb_columns() WHERE table_name = 'users' "
                       "AND schema_name = 'main' AND database_name IN ('temp', current_database()) "
                       "ORDER BY column_index").fetchall()
    db = "temp" if any(r[0] == "temp" for r in rows) else None      # a temporary view hides a table
    return [c for d, c in rows if db is None or d == db]


def _has_users(con) -> bool:
    """Whether the data have a users table with rows (a data set without one has an empty view)."""
    return bool(_users_columns(con)) and bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM users LIMIT 1)").fetchone()[0])


def no_columns_reason(con) -> str:
    """Why no users column is offered, as a label key: no users table with rows, or none of the
    configured columns in it."""
    return "no_segments" if _has_users(con) else "no_users_table"


def offered_columns(con, configured) -> list[str]:
    """The configured segment columns (``segment_columns``) that the users table has."""
    have = set(_users_columns(con))
    return [c for c in configured if c in have and c not in ("user_id", "registered_at")]


def check_column(con, by: str, configured) -> str:
    """``by`` if it is a column of the users table offered by the configuration, else a ConfigError
    naming the columns that can be used."""
    have = _users_columns(con)
    offered = offered_columns(con, configured)
    if by in offered:
        return by
    what = f"Breakdown by {by!r} (--by; the notebooks' by)"
    if not _has_users(con):
        raise ConfigError(f"{what}: there is no users table in the data folder (or it has no rows), so there is "
                          "nothing to break down by; add users.parquet (or .csv) with a column such as channel or city.")
    if by not in have or by in ("user_id", "registered_at"):
        # nickname: a name per user, never a segment (and an empty column when the file has none)
        others = [c for c in have if c not in ("user_id", "registered_at", *OPTIONAL["users"], *offered)]
        raise ConfigError(f"{what}: the users table has no column {by!r}. Breakdowns offered: "
                          f"{', '.join(offered) or 'none'} (segment_columns of the configuration)"
                          + (f"; its other columns ({', '.join(others)}) can be added to segment_columns." if others
                             else "."))
    raise ConfigError(f"{what}: the column is not in segment_columns of the configuration "
                      f"({', '.join(configured) or 'empty'}); add it there to offer it as a breakdown.")


def ensure_segments(con, columns) -> None:
    """Create (or extend) the temporary table ``agg_user_segments`` for ``columns`` (existing
    columns of the users table; see :func:`check_column`)."""
    columns = [c for c in columns if c]
    exists = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'agg_user_segments'").fetchone()[0]
    if exists:
        have = {r[0] for r in con.execute("SELECT DISTINCT segment_column FROM agg_user_segments").fetchall()}
        have |= {r[0] for r in con.execute("SELECT col FROM agg_user_segments_columns").fetchall()}
        columns = [c for c in columns if c not in have]
        if not columns:
            return
    else:
        id_type = "VARCHAR"
        if _users_columns(con):
            id_type = con.execute("SELECT typeof(user_id) FROM users LIMIT 1").fetchone()
            id_type = id_type[0] if id_type else "VARCHAR"
        con.execute(f"CREATE TEMP TABLE agg_user_segments (user_id {id_type}, segment_column VARCHAR, segment VARCHAR)")
        con.execute("CREATE TEMP TABLE agg_user_segments_columns (col VARCHAR)")
    if columns and _users_columns(con):
        queries.execute(con, "INSERT INTO agg_user_segments " + queries.load("agg_user_segments"), columns=columns)
    if columns:
        con.executemany("INSERT INTO agg_user_segments_columns VALUES (?)", [[c] for c in columns])


# ---------------------------------------------------------------- kept cells per month


def users_fingerprint(store) -> list | None:
    """A fingerprint of what the ``users`` view of ``store`` reads: per file of the users
    source its path, size and modification time, and the number of registrations after the
    horizon (left out of the view until the horizon passes them).  None when the source is
    not a set of files (then the lookup's digest is computed on each run)."""
    src = store.sources.get("users")
    if src is None or src.kind == "missing":
        return ["missing"]
    stat = source_stat(src)
    if stat is None:
        return None
    future = getattr(store.checks, "future_users", None) if store.checks is not None else None
    return [*stat, future]


def remember_users(con, store) -> None:
    """Register the fingerprint of the users source (:func:`users_fingerprint`) in ``con``, for
    :func:`lookup_digest`."""
    fp = users_fingerprint(store)
    con.execute("CREATE OR REPLACE TEMP TABLE agg_users_source AS SELECT $fp AS fingerprint",
                {"fp": json.dumps(fp) if fp is not None else None})


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def lookup_digest(con, root: Path, by: str) -> str:
    """A digest of the segment lookup of the users column ``by`` (every user with a value and
    the value), from ``segments.json`` in the cache ``root`` while the users source's
    fingerprint is the recorded one, else computed from the users table (and recorded)."""
    fp = None
    if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'agg_users_source'").fetchone()[0]:
        fp = con.execute("SELECT fingerprint FROM agg_users_source").fetchone()[0]
    path = root / SEGMENTS_FILE
    known = _read_json(path) if fp is not None else {}
    if fp is not None and known.get("users") == fp and by in known.get("lookup", {}):
        return known["lookup"][by]
    ensure_segments(con, [by])
    rows, total = queries.run(con, "segment_lookup_digest", by=by).fetchone()
    digest = hashlib.sha256(f"{by}\0{rows}\0{total}".encode()).hexdigest()[:16]
    if fp is not None:
        lookup = known.get("lookup", {}) if known.get("users") == fp else {}
        tmp = root / f".{SEGMENTS_FILE}.{os.getpid()}"
        tmp.write_text(json.dumps({"users": fp, "lookup": {**lookup, by: digest}}, indent=1, sort_keys=True),
                       encoding="utf-8")
        os.replace(tmp, path)
    return digest


def _column_part(by: str) -> str:
    """``by`` as a part of a file name: its letters, digits and underscores, and a digest of the
    exact name when anything else was left out."""
    safe = re.sub(r"[^A-Za-z0-9_]", "_", by)[:40]
    return safe if safe == by else f"{safe}_{hashlib.sha256(by.encode()).hexdigest()[:8]}"


def cells_name(by: str, k: int, digest: str) -> str:
    """The file name of a month's segment cells for the column ``by``, churn window ``k`` and
    lookup ``digest``."""
    return f"counts-k{int(k)}-by-{_column_part(by)}-{digest}.parquet"


def keep_months(con, root: Path, name: str, text: str, from_mi: int, to_mi: int, *, stale: str | None = None,
                **params) -> list[str]:
    """The files ``months/<month>/<name>`` (a ``.parquet`` name) of months ``from_mi`` ..
    ``to_mi`` of the cache ``root``, written when missing (``kept.cache_months``).  Name them
    ``counts-*``: the build deletes those when it steps the month again."""
    return cache_months(con, root, name.removesuffix(".parquet"), text, from_mi, to_mi, stale=stale, **params)


def cache_cells(con, root: Path, text: str, by: str, k: int, from_mi: int, to_mi: int) -> list[str]:
    """The files of the segment cells (query ``text``, the rows of lifecycle_segment_cells.sql
    over ``lifecycle_states``) of the users column ``by`` for churn window ``k`` and months
    ``from_mi`` .. ``to_mi``, writing those missing (:func:`keep_months`; the cells of the same
    column and k for another lookup are deleted)."""
    name = cells_name(by, k, lookup_digest(con, root, by))
    from .tables import month_label
    if any(not (root / "months" / month_label(m) / name).is_file() for m in range(from_mi, to_mi + 1)):
        ensure_segments(con, [by])
    return keep_months(con, root, name, text, from_mi, to_mi, stale=f"counts-k{int(k)}-by-{_column_part(by)}-*.parquet",
                       k=k, by=by)
