"""Lifecycle states per month (domain.md sections 2-4): the seven states, the
churned split by the offline signal, MAU, the monthly active rate and the four
flow rates.

The events are read only by the aggregate layer (``toolkit/aggregates``): one
row per user and month with activity and signal.  The lifecycle is a state
machine over months: each user's row of month M comes from their row of M-1 and
their activity in M (``sql/lifecycle_step.sql``), folded over the months into
per-user snapshots, which the cache keeps so that a monthly run takes one step.
The seven states are read off a snapshot row for any churn window k
(``sql/lifecycle_states.sql``, one rule per state of section 3), and counted per
month (``sql/lifecycle_state_counts.sql``).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from .. import queries
from ..errors import ConfigError
from ..months import parse_month

STATES = ["new", "new_retained", "active", "woken", "returned", "dormant", "churned"]
ACTIVE_STATES = ["new", "new_retained", "active", "woken", "returned"]
RATES = ["retention_old", "retention_new", "wake_rate", "return_rate"]
COLUMNS = ["month", *STATES, "churned_signal", "churned_silent", "mau", "cumulative", "active_rate",
           *RATES, "return_rate_signal", "return_rate_silent"]
STATE_ZH = {"new": "新用户", "new_retained": "上月新用户(留存)", "active": "活跃用户", "woken": "唤醒用户",
            "returned": "回流用户", "dormant": "休眠用户", "churned": "流失用户",
            "churned_signal": "有开车无APP活跃", "churned_silent": "无开车无APP活跃"}
RATE_ZH = {"retention_old": "老用户次月留存率", "retention_new": "新用户次月留存率", "wake_rate": "唤醒率",
           "return_rate": "回流率", "active_rate": "月活率"}


WINDOW = 63          # months of the former fixed bit window, for ``Lifecycle.scan`` only
WINDOW_BEFORE = 12


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_label(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def _check_k(k) -> int:
    if not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= 12:
        raise ConfigError(f"churn_after (the churn window k) must be a whole number of months from 1 to 12, got {k!r}.")
    return int(k)


class Lifecycle:
    """The lifecycle data of one event store, ready for any churn window.

    Parameters
    ----------
    con : connection with the store's views (``Store.con``).
    active_events : event names that make a user active; empty = every event
        not in ``signal_events``.
    signal_events : offline-signal event names (not app activity).
    last_month : 'YYYY-MM' of the last month to include (default: the last month with a
        qualifying event, a signal event or a registration).
    aggregates : the monthly aggregates and snapshots already registered in ``con``
        (``toolkit.aggregates.build`` / ``open_aggregates``); None computes them in memory
        from ``con``'s events (no cache).

    ``scan`` is kept for callers of the former bit-window implementation: "window" when
    every month with a qualifying or signal event lies within 63 months from 12 months
    before the first event row, else "words" (in-memory only; results never depend on it).
    """

    def __init__(self, con, *, active_events=(), signal_events=("trip",), last_month: str | None = None,
                 aggregates=None):
        from ..aggregates import in_memory
        self.con = con
        self.active_events = list(active_events or [])
        self.signal_events = list(signal_events or [])
        if aggregates is None:
            aggregates = in_memory(con, active_events=self.active_events, signal_events=self.signal_events)
            self.scan = self._layout()
        else:
            self.scan = "months"
        self.aggregates = aggregates
        entries_from, events_from, last_data = self._horizon(aggregates)
        if entries_from is None:
            raise ConfigError("No user has a qualifying event or a registration: check active_events "
                              f"({self.active_events or 'all but ' + str(self.signal_events)}) against the event names.")
        # the data are observed from the first month with an event: registrations before
        # it (a users table older than the events export) enter the fold, but their months have no
        # activity to read and are not shown (docs/methodology.md, the start of observation)
        self.entries_from_mi = int(entries_from)
        self.first_mi = max(self.entries_from_mi, int(events_from)) \
            if events_from is not None and int(events_from) <= int(last_data) else self.entries_from_mi
        self.last_mi = month_index(parse_month(last_month, what="last month")) if last_month else int(last_data)
        self._fixed_last = bool(last_month)
        self._extended_to = aggregates.last_mi
        self._ensure(self.last_mi)

    def _horizon(self, agg) -> tuple:
        """(first entry month, first month with an event, last month with a qualifying or signal
        event or a registration), from the first and last month of the aggregates, else their
        first and last twelve months, else every month: a long history is not read for three
        numbers.  A value found in a window that starts at the first month (ends at the last)
        is the answer, since no month lies before (after) it."""
        lo, hi = agg.first_mi, agg.last_mi
        entries = events = last = None
        for width in (1, 12, hi - lo + 1):
            if entries is None or events is None or last is None:
                look = entries is None or events is None
                act_first, act_last, reg_first, reg_last, ev_first = queries.run(
                    self.con, "lifecycle_horizon", first_from=lo, first_to=lo + width - 1 if look else lo - 1,
                    last_from=hi - width + 1 if last is None else hi + 1, last_to=hi).fetchone()
                firsts = [m for m in (act_first, reg_first) if m is not None]
                lasts = [m for m in (act_last, reg_last) if m is not None]
                entries = entries if entries is not None or not look else (min(firsts) if firsts else None)
                events = events if events is not None or not look else ev_first
                last = last if last is not None else (max(lasts) if lasts else None)
        return entries, events, last

    def _layout(self) -> str:
        hint = queries.run(self.con, "first_event_month").fetchone()
        lo, hi = self.con.execute("SELECT min(mi), max(mi) FROM agg_user_month WHERE active OR signal").fetchone()
        if hint is None or lo is None:
            return "window"
        start = hint[0] - WINDOW_BEFORE
        return "window" if start <= lo and hi < start + WINDOW else "words"

    def _ensure(self, until: int) -> None:
        """Snapshots up to month ``until`` in the view ``lifecycle_current``: months after the
        aggregates are stepped with no activity (the states they would have if nothing more
        happened), in memory."""
        if until <= self._extended_to:
            self.con.execute("CREATE OR REPLACE TEMP VIEW lifecycle_current AS SELECT * FROM lifecycle_snapshots"
                             if self._extended_to == self.aggregates.last_mi else
                             "CREATE OR REPLACE TEMP VIEW lifecycle_current AS SELECT * FROM lifecycle_snapshots "
                             "UNION ALL SELECT * FROM lifecycle_extension")
            return
        from ..aggregates.fold import fold
        if self._extended_to == self.aggregates.last_mi:
            self.con.execute("CREATE OR REPLACE TEMP TABLE lifecycle_extension AS "
                             "SELECT * FROM lifecycle_snapshots WHERE false")
        prev = (f"SELECT * FROM lifecycle_snapshots WHERE mi = {int(self._extended_to)} UNION ALL "
                f"SELECT * FROM lifecycle_extension WHERE mi = {int(self._extended_to)}")
        fold(self.con, self._extended_to + 1, until, prev=prev,
             sink=lambda mi, rows: self.con.execute(f"INSERT INTO lifecycle_extension {rows}"))
        self._extended_to = until
        self._ensure(until)

    def monthly_states_ready(self) -> str:
        """Make ``lifecycle_current`` (every snapshot row up to the last month) ready for other
        queries to join; returns its name."""
        self._ensure(self.last_mi)
        return "lifecycle_current"

    def counts(self, churn_after: int = 2) -> pd.DataFrame:
        """Raw monthly counts (one row per month, ``mi`` the month index): states, signal
        splits, cumulative users."""
        k = _check_k(churn_after)
        self._ensure(self.last_mi)
        rows = self._count_rows(k)
        months = np.arange(self.first_mi, self.last_mi + 1)
        n = rows.pivot_table(index="mi", columns="state", values="n", aggfunc="sum").reindex(
            index=months, columns=STATES).fillna(0).astype("int64")
        sig = rows.pivot_table(index="mi", columns="state", values="signal", aggfunc="sum").reindex(
            index=months, columns=["churned", "returned"]).fillna(0).astype("int64")
        out = pd.DataFrame({"mi": months, **{s: n[s].to_numpy() for s in STATES},
                            "churned_signal": sig["churned"].to_numpy(), "returned_signal": sig["returned"].to_numpy()})
        out["cumulative"] = n.sum(axis=1).to_numpy()
        return out

    def _count_rows(self, k: int) -> pd.DataFrame:
        """The rows of lifecycle_state_counts.sql for every month.  With a cache, each month's
        counts for k are kept beside its snapshot (``counts-k<k>.parquet``, computed when first
        asked for), so a monthly run counts one month, not the whole history."""
        text = queries.with_cte("lifecycle_state_counts", "lifecycle_states")
        root = self.aggregates.root
        if root is None:
            return queries.execute(self.con, text, k=k, from_mi=self.first_mi, to_mi=self.last_mi).df()
        from ..aggregates.kept import cache_counts, read_kept
        cached_to = min(self.last_mi, self.aggregates.last_mi)
        files = cache_counts(self.con, root, text, k, self.first_mi, cached_to)
        parts = [self.con.execute(f"SELECT * FROM {read_kept(self.con, files, self.first_mi)}").df()] if files else []
        if self.last_mi > cached_to:
            parts.append(queries.execute(self.con, text, k=k, from_mi=cached_to + 1, to_mi=self.last_mi).df())
        return pd.concat(parts, ignore_index=True) if parts else \
            queries.execute(self.con, text, k=k, from_mi=1, to_mi=0).df()

    def settled_month(self, churn_after: int) -> str | None:
        """The first month whose flows no longer depend on what users did before the events
        begin, when registrations precede them (the first churn window of the events is a
        warm-up: users registered earlier count as dormant or churned there, whatever they did
        before the export; docs/methodology.md, the start of observation); None when the
        registrations begin with the events."""
        from ..aggregates.tables import month_label
        return month_label(self.first_mi + churn_after) if self.entries_from_mi < self.first_mi else None

    def monthly(self, churn_after: int = 2) -> pd.DataFrame:
        """The monthly table: one row per month, the columns of ``COLUMNS`` then
        ``returned_signal``, ``returned_silent``, ``old_active``.

        Rates are NaN when their pool (last month's users of that state) is empty, and in the
        first month shown (no month before it is shown: when users registered before the first
        month with events, the month before has registrations but no activity to read).
        """
        return monthly_from_counts(self.counts(churn_after))

    def _month(self, month: str) -> int:
        mi = month_index(parse_month(month))
        if self.entries_from_mi <= mi < self.first_mi:
            raise ConfigError(f"Month {month} is before the first month with events ({month_label(self.first_mi)}): "
                              "users registered then, but nothing they did is in the data; pick a month from "
                              f"{month_label(self.first_mi)} on, or add the events of {month} to the data.")
        if mi < self.first_mi or (self._fixed_last and mi > self.last_mi):
            raise ConfigError(f"Month {month} is outside the data ({month_label(self.first_mi)} to "
                              f"{month_label(self.last_mi)}): pick a month in that range.")
        self._ensure(max(mi, self.last_mi))  # a month after the data: states as if nothing more happened
        return mi

    def user_states(self, month: str, churn_after: int = 2) -> pd.DataFrame:
        """One row per user entered by ``month``: user_id, state, last_active_month,
        months_inactive, signal_recent (offline signal in the last k months).
        A month after the data gets the states it would have if nothing more happened."""
        k = _check_k(churn_after)
        mi = self._month(month)
        text = queries.with_cte("lifecycle_user_states", "lifecycle_states")
        df = queries.execute(self.con, text, k=k, mi=mi).df()
        months, at = np.unique(df.pop("last_active_mi").to_numpy(dtype="int64"), return_inverse=True)
        df["last_active_month"] = np.array([month_label(int(m)) for m in months], dtype=object)[at.ravel()] \
            if len(df) else []                                 # one label per distinct month, not per user
        return df.sort_values("user_id", ignore_index=True)


def without_history(monthly) -> list:
    """The first months of ``monthly`` in which every user counted is new (cumulative = new: the
    first month of the data): their active rate is 100% by definition, not a level to compare,
    and a chart that starts there looks like a collapse.  Empty without those columns."""
    if not {"cumulative", "new"} <= set(monthly.columns):
        return []
    out = []
    for month, cum, new in zip(monthly["month"], monthly["cumulative"], monthly["new"]):
        if cum != new:
            break
        out.append(month)
    return out


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


RATE_NUMERATORS = {"active_rate": "mau", "retention_old": "active", "retention_new": "new_retained",
                   "wake_rate": "woken", "return_rate": "returned"}   # each rate's users who counted this month


def rate_pool(rate: str, cur, prev):
    """The denominator of ``rate`` from this month's counts ``cur`` and last month's ``prev``
    (rows, or frames aligned row by row): the active rate's the cumulative users, the four
    rates' last month's old active users, new users, dormant and churned users."""
    if rate == "active_rate":
        return cur["cumulative"]
    return {"retention_old": lambda: prev["new_retained"] + prev["active"] + prev["woken"] + prev["returned"],
            "retention_new": lambda: prev["new"], "wake_rate": lambda: prev["dormant"],
            "return_rate": lambda: prev["churned"]}[rate]()


def rate_pools(monthly: pd.DataFrame) -> pd.DataFrame:
    """The denominator of each rate (:func:`rate_pool`) of a monthly table of consecutive months
    (``Lifecycle.monthly``, or one segment's rows); 0 in the first month for the four rates."""
    prev = monthly[["new_retained", "active", "woken", "returned", "new", "dormant", "churned"]].shift(1).fillna(0)
    return pd.DataFrame({r: rate_pool(r, monthly, prev).to_numpy() for r in RATE_NUMERATORS},
                        index=monthly.index).astype("int64")


def monthly_from_counts(c) -> pd.DataFrame:
    """Derive MAU, the active rate and the four rates from the monthly counts (a frame or
    a mapping of arrays with the columns of ``lifecycle_monthly.sql``)."""
    n = {s: np.asarray(c[s], dtype="int64") for s in [*STATES, "churned_signal", "returned_signal", "cumulative"]}
    mau = sum(n[s] for s in ACTIVE_STATES)
    old_active = n["new_retained"] + n["active"] + n["woken"] + n["returned"]
    churned_silent = n["churned"] - n["churned_signal"]
    returned_silent = n["returned"] - n["returned_signal"]

    def prev(a):  # last month's pool; none before the first month
        return np.concatenate([[0], a[:-1]])

    return pd.DataFrame({
        "month": [month_label(int(m)) for m in c["mi"]],
        **{s: n[s] for s in STATES},
        "churned_signal": n["churned_signal"], "churned_silent": churned_silent,
        "mau": mau, "cumulative": n["cumulative"], "active_rate": _ratio(mau, n["cumulative"]),
        "retention_old": _ratio(n["active"], prev(old_active)),
        "retention_new": _ratio(n["new_retained"], prev(n["new"])),
        "wake_rate": _ratio(n["woken"], prev(n["dormant"])),
        "return_rate": _ratio(n["returned"], prev(n["churned"])),
        "return_rate_signal": _ratio(n["returned_signal"], prev(n["churned_signal"])),
        "return_rate_silent": _ratio(returned_silent, prev(churned_silent)),
        "returned_signal": n["returned_signal"], "returned_silent": returned_silent, "old_active": old_active,
    })


def lifecycle_table(con, *, churn_after: int = 2, active_events=(), signal_events=("trip",),
                    first_month: str | None = None, last_month: str | None = None) -> pd.DataFrame:
    """The monthly lifecycle table of an opened store (see ``Lifecycle.monthly``).

    ``first_month`` only trims the output: rates of the first month shown still
    use the month before it.
    """
    df = Lifecycle(con, active_events=active_events, signal_events=signal_events,
                   last_month=last_month).monthly(churn_after)
    if first_month:
        df = df[df["month"] >= first_month].reset_index(drop=True)
    return df
