"""Lifecycle states per month (domain.md sections 2-4): the seven states, the
churned split by the offline signal, MAU, the monthly active rate and the four
flow rates.

The events are scanned once (``sql/user_months.sql``) into one row per (user,
month) with activity or signal; everything after works on that
small table (``sql/lifecycle_rows.sql``, ``sql/lifecycle_monthly.sql``).  No
user x month grid is built: inactive stretches are counted as intervals.
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from . import queries
from .errors import ConfigError
from .months import parse_month

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

    Creates the temporary tables ``user_months`` and ``lifecycle_rows`` in ``con``
    (one Lifecycle per connection at a time).
    """

    def __init__(self, con, *, active_events=(), signal_events=("trip",), last_month: str | None = None):
        self.con = con
        self.active_events = list(active_events or [])
        self.signal_events = list(signal_events or [])
        con.execute("CREATE OR REPLACE TEMP TABLE user_months AS " + queries.load("user_months"),
                    {"active_events": self.active_events, "signal_events": self.signal_events})
        first, last_data = con.execute(queries.load("lifecycle_horizon")).fetchone()
        if first is None:
            raise ConfigError("No user has a qualifying event or a registration: check active_events "
                              f"({self.active_events or 'all but ' + str(self.signal_events)}) against the event names.")
        self.first_mi = first
        self.last_mi = month_index(parse_month(last_month, what="last month")) if last_month else last_data
        con.execute("CREATE OR REPLACE TEMP TABLE lifecycle_rows AS " + queries.load("lifecycle_rows"),
                    {"last_mi": self.last_mi})

    def counts(self, churn_after: int = 2) -> pd.DataFrame:
        """Raw monthly counts (one row per month): states, signal splits, cumulative."""
        k = _check_k(churn_after)
        df = queries.frame(self.con, "lifecycle_monthly", k=k, first_mi=self.first_mi, last_mi=self.last_mi)
        for c in df.columns:
            df[c] = df[c].astype("int64")
        return df

    def monthly(self, churn_after: int = 2) -> pd.DataFrame:
        """The monthly table: one row per month, the columns of ``COLUMNS`` then
        ``returned_signal``, ``returned_silent``, ``old_active``.

        Rates are NaN when their pool (last month's users of that state) is empty.
        """
        return monthly_from_counts(self.counts(churn_after))


    def user_states(self, month: str, churn_after: int = 2) -> pd.DataFrame:
        """One row per user entered by ``month``: user_id, state, last_active_month,
        months_inactive, signal_recent (offline signal in the last k months)."""
        k = _check_k(churn_after)
        mi = month_index(parse_month(month))
        df = queries.frame(self.con, "user_states", mi=mi, k=k)
        df["last_active_month"] = [month_label(int(m)) for m in df.pop("last_active_mi")]
        return df.sort_values("user_id", ignore_index=True)


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def monthly_from_counts(c: pd.DataFrame) -> pd.DataFrame:
    """Derive MAU, the active rate and the four rates from the monthly counts."""
    df = pd.DataFrame({"month": [month_label(int(m)) for m in c["mi"]]})
    for s in STATES + ["churned_signal"]:
        df[s] = c[s].to_numpy()
    df["churned_silent"] = df["churned"] - df["churned_signal"]
    df["mau"] = df[ACTIVE_STATES].sum(axis=1)
    df["cumulative"] = c["cumulative"].to_numpy()
    df["active_rate"] = _ratio(df["mau"], df["cumulative"])
    old_active = df["new_retained"] + df["active"] + df["woken"] + df["returned"]
    prev = lambda s: s.shift(1).fillna(0).to_numpy()  # noqa: E731  (no pool before the first month)
    returned_signal = c["returned_signal"].to_numpy()
    df["retention_old"] = _ratio(df["active"], prev(old_active))
    df["retention_new"] = _ratio(df["new_retained"], prev(df["new"]))
    df["wake_rate"] = _ratio(df["woken"], prev(df["dormant"]))
    df["return_rate"] = _ratio(df["returned"], prev(df["churned"]))
    df["return_rate_signal"] = _ratio(returned_signal, prev(df["churned_signal"]))
    df["return_rate_silent"] = _ratio(df["returned"] - returned_signal, prev(df["churned_silent"]))
    df["returned_signal"] = returned_signal
    df["returned_silent"] = df["returned"] - returned_signal
    df["old_active"] = old_active
    return df


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
