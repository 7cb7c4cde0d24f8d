"""SQL lives in toolkit/sql/<name>.sql, one query per file, called by name.

Parameters are DuckDB named parameters ($name), bound at execution, never
formatted into the text.  The comment block at the top of each file says
what the query returns, one row per what.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).with_name("sql")


@cache
def load(name: str) -> str:
    """The text of toolkit/sql/<name>.sql."""
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


def run(con, name: str, **params):
    """Execute a named query with bound parameters; returns the DuckDB cursor.

    Only the parameters the query mentions are passed, so callers can hand a
    common set (months, event lists) to several queries.
    """
    return execute(con, load(name), **params)


def _used(text: str, params: dict) -> dict:
    """The parameters that ``text`` mentions ($name)."""
    return {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}


def with_cte(name: str, *ctes: str | tuple[str, str]) -> str:
    """The text of query ``name`` with queries ``ctes`` in front of it as common table
    expressions of those names (in order, each may read the ones before), so that
    ``name`` reads them as if they were tables; a pair (alias, query) puts a query in
    under another name."""
    outer = "\n".join(line for line in load(name).splitlines() if not line.startswith("--")).lstrip()
    pairs = [c if isinstance(c, tuple) else (c, c) for c in ctes]
    front = "WITH " + ",\n".join(f"{alias} AS (\n{load(c)}\n)" for alias, c in pairs)
    if outer.upper().startswith("WITH "):
        return front + ",\n" + outer[5:]
    return front + "\n" + outer


def execute(con, text: str, **params):
    """Execute query text with the bound parameters it mentions."""
    return con.execute(text, _used(text, params))


def create_temp(con, table: str, name: str, *ctes: str | tuple[str, str], **params):
    """Materialise a named query (with ``ctes`` in front, see ``with_cte``) as the
    temporary table ``table`` (replacing it)."""
    text = with_cte(name, *ctes) if ctes else load(name)
    return execute(con, f"CREATE OR REPLACE TEMP TABLE {table} AS " + text, **params)


def frame(con, name: str, **params):
    """Run a named query and return its (small) result as a pandas DataFrame."""
    return run(con, name, **params).df()


def arrow(con, name: str, **params):
    """Run a named query and return its result as a pyarrow Table (no extra copy)."""
    text = load(name)
    return con.sql(text, params=_used(text, params)).to_arrow_table()
