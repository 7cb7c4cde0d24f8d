"""Retention cohorts (留存矩阵) and breakdowns of the lifecycle by a users column (channel,
city, ...), both over the lifecycle snapshots and the monthly aggregates, never the events.

A cohort is the users entering in a month (domain.md section 2: the month of registration
or of the first qualifying event, whichever is earlier); its share active in each month since
entry uses the lifecycle's activity (a qualifying event; always active in the entry month),
so month 0 is 1 by definition.  ``sql/cohort_retention.sql`` counts, per entry month and
calendar month, the cohort and its active users in one pass over the snapshots; the triangle
(rows: cohorts, columns: months since entry) and the "layer cake" (rows: calendar months,
columns: cohorts, values: active users) are two pivots of that small result.

A breakdown joins each user's value of one users column (``agg_user_segments``, see
``toolkit.aggregates.segments``).  A user's segment does not change over time, so the
lifecycle identity (domain.md section 4) holds within each segment, and the segments' counts
add up to the whole table.  Users without a value are the segment ``unknown``.
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from .. import queries
from ..aggregates.segments import UNKNOWN, cache_cells, check_column, ensure_segments
from .lifecycle import ACTIVE_STATES, STATES, Lifecycle, _check_k, month_label, monthly_from_counts

OTHER = "other"
_CELLS: "weakref.WeakKeyDictionary[Lifecycle, dict]" = weakref.WeakKeyDictionary()


def segment_cells(lc: Lifecycle, by: str, churn_after: int = 2) -> pd.DataFrame:
    """The rows of ``sql/lifecycle_segment_cells.sql`` (segment, cohort_mi, mi, state, n, signal)
    for the users column ``by`` (already checked) and churn window k, computed once per
    lifecycle, column and k: the breakdown's states and its cohorts both come from them.
    With a cache, each month's cells are kept beside its snapshot (``cache_cells``: computed
    when first asked for, then read), so a monthly run joins one month, not the whole history;
    months after the cached ones (a report month after the data) are computed in memory."""
    k = _check_k(churn_after)
    cache = _CELLS.setdefault(lc, {})
    key = (lc.last_mi, by, k)
    if key not in cache:
        lc.monthly_states_ready()
        text = queries.with_cte("lifecycle_segment_cells", "lifecycle_states")
        root = lc.aggregates.root
        if root is None:
            ensure_segments(lc.con, [by])
            cache[key] = queries.execute(lc.con, text, k=k, by=by, from_mi=lc.first_mi, to_mi=lc.last_mi).df()
            return cache[key]
        cached_to = min(lc.last_mi, lc.aggregates.last_mi)
        files = cache_cells(lc.con, root, text, by, k, lc.first_mi, cached_to)
        parts = [lc.con.execute(f"SELECT * FROM read_parquet({files})").df()] if files else []
        if lc.last_mi > cached_to or not parts:
            ensure_segments(lc.con, [by])
            parts.append(queries.execute(lc.con, text, k=k, by=by, from_mi=max(cached_to + 1, lc.first_mi),
                                         to_mi=lc.last_mi).df())
        cache[key] = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return cache[key]


def _segments(lc: Lifecycle, by: str | None, configured) -> str:
    if by:
        check_column(lc.con, by, configured)
    return by or ""


def cohort_counts(lc: Lifecycle, *, by: str | None = None, segment_columns=None) -> pd.DataFrame:
    """One row per (segment,) entry cohort and calendar month up to the lifecycle's last month:
    ``segment`` ('all' without ``by``), ``cohort``, ``month``, ``age`` (months since entry),
    ``users`` (cohort size), ``active``.  ``segment_columns``: the columns a breakdown may use
    (default: ``by`` itself, when it is a users column)."""
    by = _segments(lc, by, segment_columns if segment_columns is not None else [by])
    if by:   # from the breakdown's cells (any churn window: activity does not depend on it)
        have = [key[2] for key in _CELLS.get(lc, {}) if key[:2] == (lc.last_mi, by)]
        cells = segment_cells(lc, by, have[0] if have else 2)
        act = cells["state"].isin(ACTIVE_STATES)
        df = (cells.assign(active=np.where(act, cells["n"], 0)).groupby(["segment", "cohort_mi", "mi"], sort=False)
              [["n", "active"]].sum().rename(columns={"n": "users"}).reset_index())
    else:
        lc.monthly_states_ready()
        df = queries.frame(lc.con, "cohort_retention", to_mi=lc.last_mi)
    df["age"] = (df["mi"] - df["cohort_mi"]).astype(int)
    df = df.sort_values(["segment", "cohort_mi", "mi"], ignore_index=True)
    df.insert(1, "cohort", [month_label(int(m)) for m in df["cohort_mi"]])
    df.insert(2, "month", [month_label(int(m)) for m in df["mi"]])
    return df.drop(columns=["cohort_mi", "mi"])[["segment", "cohort", "month", "age", "users", "active"]]


def cohort_table(lc: Lifecycle, *, by: str | None = None, counts: bool = False, segment_columns=None,
                 long: pd.DataFrame | None = None) -> pd.DataFrame:
    """The retention triangle: one row per (segment,) entry cohort with ``cohort``, ``size`` and
    ``m0``, ``m1``, ... (the share of the cohort active that many months after entry; NaN for
    months after the last month).  ``counts``: active users instead of shares.  Without ``by``
    there is no ``segment`` column."""
    long = cohort_counts(lc, by=by, segment_columns=segment_columns) if long is None else long
    ages = range(int(long["age"].max()) + 1) if len(long) else range(0)
    value = long["active"] if counts else long["active"] / long["users"]
    wide = long.assign(v=value).pivot_table(index=["segment", "cohort"], columns="age", values="v", aggfunc="sum")
    wide = wide.reindex(columns=list(ages))
    wide.columns = [f"m{a}" for a in wide.columns]
    size = long[long["age"] == 0].set_index(["segment", "cohort"])["users"]
    out = wide.reset_index()
    out.insert(2, "size", size.reindex(pd.MultiIndex.from_frame(out[["segment", "cohort"]])).to_numpy())
    if counts:
        for c in out.columns[3:]:
            out[c] = out[c].astype("Int64")
    if not by:
        out = out.drop(columns="segment")
    return out


def layer_cake(lc: Lifecycle, *, long: pd.DataFrame | None = None) -> pd.DataFrame:
    """Active users per calendar month (rows, ``month``) by entry cohort (columns): the
    "layer cake".  Over all users (``long`` from :func:`cohort_counts` without ``by``)."""
    long = cohort_counts(lc) if long is None else long
    cake = long.pivot_table(index="month", columns="cohort", values="active", aggfunc="sum", fill_value=0)
    return cake.reset_index().rename_axis(columns=None)


def segment_counts(lc: Lifecycle, by: str, churn_after: int = 2, *, segment_columns=None) -> pd.DataFrame:
    """The raw monthly counts of :meth:`Lifecycle.counts` per segment of the users column ``by``:
    one row per segment and month (``segment``, ``mi``, the seven states, signal splits,
    ``cumulative``)."""
    by = _segments(lc, by, segment_columns if segment_columns is not None else [by])
    rows = segment_cells(lc, by, churn_after).groupby(["segment", "mi", "state"], sort=False)[["n", "signal"]] \
        .sum().reset_index()
    months = np.arange(lc.first_mi, lc.last_mi + 1)
    segs = sorted(rows["segment"].unique(), key=lambda s: (s == UNKNOWN, str(s)))
    index = pd.MultiIndex.from_product([segs, months], names=["segment", "mi"])
    wide = rows.set_index(["segment", "mi", "state"])[["n", "signal"]].unstack("state")
    n = wide["n"].reindex(index=index, columns=STATES).fillna(0).astype("int64")
    sig = wide["signal"].reindex(index=index, columns=["churned", "returned"]).fillna(0).astype("int64")
    out = n.reset_index()
    out["churned_signal"] = sig["churned"].to_numpy()
    out["returned_signal"] = sig["returned"].to_numpy()
    out["cumulative"] = n.sum(axis=1).to_numpy()
    return out


def segment_monthly(lc: Lifecycle, by: str, churn_after: int = 2, *, segment_columns=None) -> pd.DataFrame:
    """The monthly lifecycle table (``Lifecycle.monthly``'s columns) for each segment of ``by``,
    with ``segment`` first: states, MAU, the active rate and the four rates within the segment."""
    counts = segment_counts(lc, by, churn_after, segment_columns=segment_columns)
    parts = [monthly_from_counts(g.reset_index(drop=True)).assign(segment=seg)
             for seg, g in counts.groupby("segment", sort=False)]
    df = pd.concat(parts, ignore_index=True)
    return df[["segment", *[c for c in df.columns if c != "segment"]]]


def segment_sizes(frame: pd.DataFrame) -> pd.Series:
    """Users per segment: the last month's cumulative users of a :func:`segment_monthly` frame,
    or the summed cohort sizes of a :func:`cohort_table` frame with ``segment``."""
    if "cumulative" in frame:
        return frame.groupby("segment", sort=False)["cumulative"].last()
    return frame.groupby("segment", sort=False)["size"].sum()


def group_small(frame: pd.DataFrame, min_users: int) -> pd.DataFrame:
    """For charts: the segments with fewer than ``min_users`` users (see :func:`segment_sizes`)
    merged into one segment ``other`` (counts added, rates recomputed); exports keep every
    segment.  A frame of :func:`segment_monthly`, or of :func:`cohort_table` with ``counts=True``
    (shares cannot be added: divide the merged counts by ``size`` afterwards)."""
    sizes = segment_sizes(frame)
    small = [s for s, n in sizes.items() if n < min_users]
    if len(small) < 2 and not (len(small) == 1 and small[0] == OTHER):
        return frame                                     # one small segment stays itself
    keep = frame[~frame["segment"].isin(small)]
    merged = frame[frame["segment"].isin(small)]
    if "cumulative" in frame:
        cols = [*STATES, "churned_signal", "returned_signal", "cumulative"]
        m = merged.groupby("month", sort=True)[cols].sum().reset_index()
        m["mi"] = [int(x[:4]) * 12 + int(x[5:7]) - 1 for x in m["month"]]
        other = monthly_from_counts(m).assign(segment=OTHER)
        return pd.concat([keep, other[keep.columns]], ignore_index=True)
    ages = [c for c in frame.columns if c.startswith("m") and c[1:].isdigit()]
    other = merged.groupby("cohort", sort=True)[["size", *ages]].sum(min_count=1).reset_index()
    other.insert(0, "segment", OTHER)
    return pd.concat([keep, other[keep.columns]], ignore_index=True)
