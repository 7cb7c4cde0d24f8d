"""The lifecycle as a state machine over months: the step of ``sql/lifecycle_step.sql`` (each
user's row of month M from their row of M - 1 and their activity in M, domain.md sections 2-3)
folded over a run of months.  A build from no cache folds every month; the monthly run takes
one step from the kept snapshot of the month before."""
from __future__ import annotations

from .. import queries


def empty_snapshot(con) -> str:
    return ("SELECT user_id, 0::INTEGER AS mi, 0::INTEGER AS entry, false AS active, 0::INTEGER AS inactive, "
            "0::INTEGER AS inactive_before, 0::INTEGER AS signal_ago, 0::INTEGER AS signal_ago_before "
            "FROM agg_empty_ids")


def fold(con, first_mi: int, last_mi: int, *, prev: str | None, sink, before=None, direct_last: bool = False) -> None:
    """Step the lifecycle from month ``first_mi`` to ``last_mi``: ``prev`` is the relation of
    the snapshot of ``first_mi - 1`` (None: nobody yet); ``sink(mi, rows)`` stores each
    month's rows, the query ``rows``: those of the temporary table ``lifecycle_next``, or with
    ``direct_last`` for the last month the step itself, called as ``sink(mi, rows, step=mi)``
    (nothing reads it after, so it is written where it goes without a table first);
    ``before(mi)``, if given, runs before each step (the cached build points the activity
    views at the month's own files)."""
    # the first step reads the given snapshot where it is (a view: a monthly run takes one step,
    # and copying every entered user's row into a table first would double its work)
    kind = "VIEW" if prev is not None else "TABLE"
    con.execute(f"CREATE OR REPLACE TEMP {kind} lifecycle_prev AS {prev or empty_snapshot(con)}")
    for mi in range(first_mi, last_mi + 1):
        if before is not None:
            before(mi)
        if direct_last and mi == last_mi:
            sink(mi, queries.load("lifecycle_step"), step=mi)
            break
        queries.create_temp(con, "lifecycle_next", "lifecycle_step", mi=mi)
        sink(mi, "SELECT * FROM lifecycle_next")
        con.execute(f"DROP {kind} temp.lifecycle_prev")
        kind = "TABLE"
        con.execute("ALTER TABLE temp.lifecycle_next RENAME TO lifecycle_prev")
    con.execute(f"DROP {kind} IF EXISTS temp.lifecycle_prev")


def fold_into(con, table: str, first_mi: int, last_mi: int) -> None:
    """The fold of :func:`fold` appended to the temporary table ``table`` (which holds the
    snapshot of ``first_mi - 1``, if any): one statement per month, for in-memory use."""
    con.execute(f"CREATE OR REPLACE TEMP VIEW lifecycle_prev AS SELECT * FROM {table} "
                "WHERE mi = getvariable('lifecycle_step_mi') - 1")
    text = f"INSERT INTO {table} " + queries.load("lifecycle_step")
    for mi in range(first_mi, last_mi + 1):
        con.execute(f"SET VARIABLE lifecycle_step_mi = {int(mi)}")
        queries.execute(con, text, mi=mi)
    con.execute("DROP VIEW temp.lifecycle_prev")
