"""The per-user segment lookup ``agg_user_segments`` (user, segment_column, segment), read from
the ``users`` table by the aggregate layer (``sql/agg_user_segments.sql``).

The users table is a small dimension table (one row per user), not per user and month, so
the lookup is computed whole in the connection when a breakdown first needs it, like the
registrations; it is not kept in the month folders of the cache (it has no month), and it is
recomputed with each new connection, so a changed users table is always seen.  A user's
segment is the value on their earliest registration row; users without a value, or without
a users row, are the segment ``unknown`` in every breakdown.
"""
from __future__ import annotations

from .. import queries
from ..errors import ConfigError

UNKNOWN = "unknown"


def _users_columns(con) -> list[str]:
    have = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'users'").fetchone()[0] + \
        con.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'users'").fetchone()[0]
    if not have:
        return []
    return [r[0] for r in con.execute("DESCRIBE SELECT * FROM users").fetchall()]


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
    if not have:
        raise ConfigError(f"--by {by}: there is no users table in the data folder, so there is nothing to break "
                          "down by; add users.parquet (or .csv) with a column such as channel or city.")
    if by not in have or by in ("user_id", "registered_at"):
        others = [c for c in have if c not in ("user_id", "registered_at", *offered)]
        raise ConfigError(f"--by {by}: the users table has no column {by!r}. Breakdowns offered: "
                          f"{', '.join(offered) or 'none'} (segment_columns of the configuration)"
                          + (f"; its other columns ({', '.join(others)}) can be added to segment_columns." if others
                             else "."))
    raise ConfigError(f"--by {by}: the column is not in segment_columns of the configuration "
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
