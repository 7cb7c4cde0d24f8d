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
    text = load(name)
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    return con.execute(text, used)


def with_cte(name: str, cte: str) -> str:
    """The text of query ``name`` with query ``cte`` in front of it as a common table
    expression of that name, so that ``name`` reads it as if it were a table.
    ``name`` must start (after its comment block) with ``WITH``."""
    outer = "\n".join(line for line in load(name).splitlines() if not line.startswith("--"))
    if not outer.lstrip().upper().startswith("WITH "):
        raise ValueError(f"{name}.sql must start with WITH to take {cte}.sql as a table")
    return f"WITH {cte} AS (\n{load(cte)}\n),\n" + outer.lstrip()[5:]


def execute(con, text: str, **params):
    """Execute query text with the bound parameters it mentions."""
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    return con.execute(text, used)


def create_temp(con, table: str, name: str, **params):
    """Materialise a named query as the temporary table ``table`` (replacing it)."""
    text = load(name)
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    return con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS " + text, used)


def frame(con, name: str, **params):
    """Run a named query and return its (small) result as a pandas DataFrame."""
    return run(con, name, **params).df()


def arrow(con, name: str, **params):
    """Run a named query and return its result as a pyarrow Table (no extra copy)."""
    text = load(name)
    used = {k: v for k, v in params.items() if re.search(rf"\${k}\b", text)}
    return con.sql(text, params=used).to_arrow_table()
