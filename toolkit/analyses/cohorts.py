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

import hashlib
import weakref

import numpy as np
import pandas as pd

from .. import queries
from ..aggregates.kept import read_kept
from ..aggregates.segments import UNKNOWN, cache_cells, check_column, ensure_segments, keep_months
from .lifecycle import ACTIVE_STATES, STATES, Lifecycle, _check_k, month_label, monthly_from_counts

OTHER = "other"
_CELLS: "weakref.WeakKeyDictionary[Lifecycle, dict]" = weakref.WeakKeyDictionary()


def _cells(lc: Lifecycle, by: str, k: int) -> dict:
    """The rows of ``sql/lifecycle_segment_cells.sql`` (segment, cohort_mi, mi, state, n, signal)
    for the users column ``by`` (already checked) and churn window ``k``, as numpy arrays, made
    once per lifecycle, column and k: the breakdown's states and its cohorts both come from
    them (a few rows per segment, cohort, month and state).  With a cache, each month's cells
    are kept beside its snapshot (``segments.cache_cells``: computed when first asked for, then
    read), so a monthly run joins one month, not the whole history; months after the cached
    ones (a report month after the data) are computed in memory."""
    cache = _CELLS.setdefault(lc, {})
    key = (lc.last_mi, by, k)
    if key not in cache:
        lc.monthly_states_ready()
        text = queries.with_cte("lifecycle_segment_cells", "lifecycle_states")
        root = lc.aggregates.root
        cached_to = lc.first_mi - 1 if root is None else min(lc.last_mi, lc.aggregates.last_mi)
        parts = []
        if cached_to >= lc.first_mi:
            files = cache_cells(lc.con, root, text, by, k, lc.first_mi, cached_to)
            parts.append(f"SELECT * FROM read_parquet({files})")
        if lc.last_mi > cached_to:
            ensure_segments(lc.con, [by])
            parts.append(text)
        cache[key] = queries.execute(lc.con, "\nUNION ALL\n".join(f"({p})" for p in parts), k=k, by=by,
                                     from_mi=cached_to + 1, to_mi=lc.last_mi).fetchnumpy()
    return cache[key]


def segment_cells(lc: Lifecycle, by: str, churn_after: int = 2) -> pd.DataFrame:
    """The rows of ``sql/lifecycle_segment_cells.sql`` (segment, cohort_mi, mi, state, n, signal)
    for the users column ``by`` (already checked) and churn window k."""
    return pd.DataFrame(_cells(lc, by, _check_k(churn_after)))


def _segment_codes(segment) -> tuple[list, np.ndarray]:
    """(segments in name order with ``unknown`` last, the code of each row: its place there)."""
    codes, names = pd.factorize(np.asarray(segment, dtype=object))
    names = [str(x) for x in names]
    order = sorted(range(len(names)), key=lambda i: (names[i] == UNKNOWN, names[i]))
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return [names[i] for i in order], rank[codes]


def _state_codes(state) -> np.ndarray:
    """The place of each row's state in ``STATES``."""
    codes, names = pd.factorize(np.asarray(state, dtype=object))
    return np.array([STATES.index(x) for x in names], dtype=np.int64)[codes]


def _segments(lc: Lifecycle, by: str | None, configured) -> str:
    if by:
        checked = _CELLS.setdefault(lc, {})
        if ("checked", by, tuple(configured)) not in checked:
            check_column(lc.con, by, configured)
            checked[("checked", by, tuple(configured))] = True
    return by or ""


def _cohort_rows(lc: Lifecycle) -> pd.DataFrame:
    """The rows of ``sql/cohort_retention.sql`` up to the lifecycle's last month; with a cache,
    each month's rows are kept beside its snapshot (``counts-cohorts-<query>.parquet``)."""
    lc.monthly_states_ready()
    root = lc.aggregates.root
    cached_to = lc.first_mi - 1 if root is None else min(lc.last_mi, lc.aggregates.last_mi)
    if cached_to < lc.first_mi:
        return queries.frame(lc.con, "cohort_retention", from_mi=lc.first_mi, to_mi=lc.last_mi)
    text = queries.load("cohort_retention")
    name = f"counts-cohorts-{hashlib.sha256(text.encode()).hexdigest()[:12]}.parquet"
    files = keep_months(lc.con, root, name, text, lc.first_mi, cached_to, stale="counts-cohorts-*.parquet")
    query = f"SELECT * FROM {read_kept(lc.con, files, lc.first_mi)}"
    if lc.last_mi > cached_to:
        query += f" UNION ALL ({text})"
    return queries.execute(lc.con, query, from_mi=cached_to + 1, to_mi=lc.last_mi).df()


def cohort_counts(lc: Lifecycle, *, by: str | None = None, segment_columns=None) -> pd.DataFrame:
    """One row per (segment,) entry cohort and calendar month up to the lifecycle's last month:
    ``segment`` ('all' without ``by``), ``cohort``, ``month``, ``age`` (months since entry),
    ``users`` (cohort size), ``active``.  ``segment_columns``: the columns a breakdown may use
    (default: ``by`` itself, when it is a users column)."""
    by = _segments(lc, by, segment_columns if segment_columns is not None else [by])
    if by:   # from the breakdown's cells (any churn window: activity does not depend on it)
        have = [key[2] for key in _CELLS.get(lc, {}) if key[:2] == (lc.last_mi, by)]
        c = _cells(lc, by, have[0] if have else 2)
        names, code = _segment_codes(c["segment"])
        cohort, mi = np.asarray(c["cohort_mi"], dtype=np.int64), np.asarray(c["mi"], dtype=np.int64)
        lo = min(lc.first_mi, int(cohort.min())) if len(cohort) else lc.first_mi     # one key per
        span = max(lc.last_mi, int(mi.max()) if len(mi) else 0) - lo + 1              # segment, cohort, month
        cohort, mi = cohort - lo, mi - lo
        n = np.asarray(c["n"], dtype=np.int64)
        is_active = np.isin(np.arange(len(STATES)), [STATES.index(x) for x in ACTIVE_STATES])[_state_codes(c["state"])]
        key, row = np.unique((code * span + cohort) * span + mi, return_inverse=True)
        df = pd.DataFrame({"segment": np.asarray(names, dtype=object)[key // (span * span)],
                           "cohort_mi": key // span % span + lo, "mi": key % span + lo,
                           "users": np.bincount(row.ravel(), n, len(key)).astype(np.int64),
                           "active": np.bincount(row.ravel(), n * is_active,
                                                 len(key)).astype(np.int64)})
    else:     # in the order of the breakdown's rows (np.unique sorts its keys)
        df = _cohort_rows(lc)
        df = df.iloc[np.lexsort((df["mi"].to_numpy(), df["cohort_mi"].to_numpy()))].reset_index(drop=True)
    labels = {m: month_label(int(m)) for m in range(lc.first_mi, lc.last_mi + 1)}
    cohort, mi = df["cohort_mi"].to_numpy(), df["mi"].to_numpy()
    return pd.DataFrame({"segment": df["segment"].to_numpy(), "cohort": [labels.get(m) or month_label(int(m)) for m in cohort],
                         "month": [labels.get(m) or month_label(int(m)) for m in mi], "age": (mi - cohort).astype(int),
                         "users": df["users"].to_numpy(), "active": df["active"].to_numpy()})


def cohort_table(lc: Lifecycle, *, by: str | None = None, counts: bool = False, segment_columns=None,
                 long: pd.DataFrame | None = None) -> pd.DataFrame:
    """The retention triangle: one row per (segment,) entry cohort with ``cohort``, ``size`` and
    ``m0``, ``m1``, ... (the share of the cohort active that many months after entry; NaN for
    months after the last month).  ``counts``: active users instead of shares.  Without ``by``
    there is no ``segment`` column.  Cohorts that entered before the lifecycle's first month
    (registrations before the first month with events) are left out."""
    if long is None:      # sorted by segment, cohort and month
        long = cohort_counts(lc, by=by, segment_columns=segment_columns)
    elif len(long):
        long = long.sort_values(["segment", "cohort", "age"], ignore_index=True)
    # a cohort that entered before the first month shown (registered before the events begin) has
    # no month 0 here: its first months are unobserved, so it is no row of the triangle
    entered = long.groupby(["segment", "cohort"], sort=False)["age"].transform("min") == 0
    if not entered.all():
        long = long[entered.to_numpy()].reset_index(drop=True)
    seg, coh = long["segment"].to_numpy(dtype=object), long["cohort"].to_numpy(dtype=object)
    age = long["age"].to_numpy(dtype=np.int64)
    users, active = long["users"].to_numpy(dtype=np.int64), long["active"].to_numpy(dtype=np.int64)
    first = np.ones(len(long), dtype=bool)      # the first row of each (segment, cohort)
    first[1:] = (seg[1:] != seg[:-1]) | (coh[1:] != coh[:-1])
    row = np.cumsum(first) - 1
    n_ages = int(age.max()) + 1 if len(long) else 0
    wide = np.full((int(first.sum()), n_ages), np.nan)
    wide[row, age] = active if counts else active / users
    size = np.zeros(len(wide), dtype=np.int64)
    at0 = age == 0
    size[row[at0]] = users[at0]
    out = pd.DataFrame({"segment": seg[first], "cohort": coh[first], "size": size})
    ages = pd.DataFrame(wide, columns=[f"m{a}" for a in range(n_ages)])
    if counts:
        ages = ages.astype("Int64")
    out = pd.concat([out, ages], axis=1)
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
    ``cumulative``); segments in name order, ``unknown`` last."""
    by = _segments(lc, by, segment_columns if segment_columns is not None else [by])
    c = _cells(lc, by, _check_k(churn_after))
    names, code = _segment_codes(c["segment"])
    span = lc.last_mi - lc.first_mi + 1
    state = _state_codes(c["state"])
    at = (code * span + np.asarray(c["mi"], dtype=np.int64) - lc.first_mi) * len(STATES) + state
    size = len(names) * span * len(STATES)
    n = np.bincount(at, np.asarray(c["n"], dtype=np.int64), size).astype(np.int64).reshape(-1, len(STATES))
    sig = np.bincount(at, np.asarray(c["signal"], dtype=np.int64), size).astype(np.int64).reshape(-1, len(STATES))
    out = pd.DataFrame({"segment": np.repeat(np.asarray(names, dtype=object), span),
                        "mi": np.tile(np.arange(lc.first_mi, lc.last_mi + 1), len(names)),
                        **{s: n[:, i] for i, s in enumerate(STATES)},
                        "churned_signal": sig[:, STATES.index("churned")],
                        "returned_signal": sig[:, STATES.index("returned")], "cumulative": n.sum(axis=1)})
    return out


def segment_monthly(lc: Lifecycle, by: str, churn_after: int = 2, *, segment_columns=None) -> pd.DataFrame:
    """The monthly lifecycle table (``Lifecycle.monthly``'s columns) for each segment of ``by``,
    with ``segment`` first: states, MAU, the active rate and the four rates within the segment."""
    counts = segment_counts(lc, by, churn_after, segment_columns=segment_columns)
    seg = counts["segment"].to_numpy(dtype=object)
    # one pass of monthly_from_counts over every segment's months, with a row of zeros before each
    # segment (dropped after), so that no rate of a segment's first month reads another's pools
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]]) if len(seg) else np.array([], dtype=int)
    cols = {c: np.insert(counts[c].to_numpy(), starts, lc.first_mi if c == "mi" else 0)
            for c in counts.columns if c != "segment"}
    keep = np.ones(len(seg) + len(starts), dtype=bool)
    keep[starts + np.arange(len(starts))] = False
    df = monthly_from_counts(cols)[keep].reset_index(drop=True)
    df.insert(0, "segment", seg)
    return df


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
