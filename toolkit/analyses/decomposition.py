"""The active-rate identity (domain.md section 4) as tables: the decomposition of
a month's MAU into its flows, the bridge from last month's MAU, and the matrix of
state transitions between two consecutive months."""
from __future__ import annotations

import pandas as pd

from ..errors import ConfigError
from .lifecycle import STATES, Lifecycle
from ..months import add_months, month_str, parse_month

TERMS = [  # term, Chinese, pool column (month M-1), rate column, users column (month M)
    ("new users", "当月新用户", None, None, "new"),
    ("old users retained", "老活跃用户×老用户次月留存率", "old_active", "retention_old", "active"),
    ("new users retained", "上月新用户×新用户次月留存率", "new", "retention_new", "new_retained"),
    ("dormant users woken", "休眠用户×唤醒率", "dormant", "wake_rate", "woken"),
    ("churned users returned", "流失用户×回流率", "churned", "return_rate", "returned"),
    ("  of which with offline signal", "  其中有开车无APP活跃", "churned_signal", "return_rate_signal", "returned_signal"),
    ("  of which silent", "  其中无开车无APP活跃", "churned_silent", "return_rate_silent", "returned_silent"),
]


def _row(monthly: pd.DataFrame, month: str) -> tuple[pd.Series, pd.Series | None]:
    idx = monthly.index[monthly["month"] == month]
    if len(idx) == 0:
        raise ConfigError(f"Month {month} is not in the lifecycle table ({monthly['month'].iloc[0]} .. "
                          f"{monthly['month'].iloc[-1]}); choose one of those months.")
    i = idx[0]
    return monthly.loc[i], (monthly.loc[i - 1] if i - 1 in monthly.index else None)


def decomposition(monthly: pd.DataFrame, month: str) -> pd.DataFrame:
    """One row per term of the identity for ``month``.

    Columns: term, term_zh, pool (users of that state in M-1), rate, users
    (pool x rate, exactly the users of month M it brings).  The last row is MAU;
    the sub-rows 'of which' split the returned users by the offline signal and
    are not added into MAU.
    """
    cur, prev = _row(monthly, month)
    rows = []
    for term, zh, pool_col, rate_col, users_col in TERMS:
        pool = None if pool_col is None or prev is None else int(prev[pool_col])
        rate = None if rate_col is None else cur[rate_col]
        rows.append({"term": term, "term_zh": zh, "pool": pool, "rate": rate, "users": int(cur[users_col])})
    rows.append({"term": "MAU", "term_zh": "当月活跃用户", "pool": None, "rate": None, "users": int(cur["mau"])})
    return pd.DataFrame(rows)


def mau_bridge(monthly: pd.DataFrame, month: str) -> pd.DataFrame:
    """The walk from last month's MAU to this month's: one row per step.

    Steps: MAU(M-1); minus active users of M-1 not active in M; plus new,
    woken and returned users; equals MAU(M).  Columns: step, step_zh, change, level.
    """
    cur, prev = _row(monthly, month)
    prev_mau = int(prev["mau"]) if prev is not None else 0
    lost = prev_mau - int(cur["active"]) - int(cur["new_retained"])
    steps = [("MAU last month", "上月活跃", prev_mau),
             ("active last month, inactive now", "上月活跃本月未活跃", -lost),
             ("new users", "新用户", int(cur["new"])),
             ("woken", "唤醒", int(cur["woken"])),
             ("returned", "回流", int(cur["returned"]))]
    level, rows = 0, []
    for name, zh, change in steps:
        level += change
        rows.append({"step": name, "step_zh": zh, "change": change, "level": level})
    assert level == int(cur["mau"]), "the bridge must end at this month's MAU"
    rows.append({"step": "MAU this month", "step_zh": "本月活跃", "change": int(cur["mau"]), "level": level})
    return pd.DataFrame(rows)


def transitions(lc: Lifecycle, month: str, churn_after: int = 2) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Users by state in the month before ``month`` (rows) and in ``month`` (columns).

    Returns (counts, row shares).  A row 'not entered' holds the users who enter
    in ``month`` (all of them are new).  Per-user states come from
    ``Lifecycle.user_states``, so the matrix is exact for every churn window.
    """
    prev_month = month_str(add_months(parse_month(month), -1))
    cur = lc.user_states(month, churn_after)[["user_id", "state"]]
    prev = lc.user_states(prev_month, churn_after)[["user_id", "state"]] if prev_month >= _first(lc) else \
        cur.iloc[:0]
    m = cur.merge(prev, on="user_id", how="left", suffixes=("", "_prev")).fillna({"state_prev": "not entered"})
    order_from = ["not entered"] + STATES
    counts = pd.crosstab(m["state_prev"], m["state"]).reindex(index=order_from, columns=STATES, fill_value=0)
    counts.index.name, counts.columns.name = "from (last month)", "to (this month)"
    shares = counts.div(counts.sum(axis=1).where(lambda s: s > 0), axis=0)
    return counts, shares


def _first(lc: Lifecycle) -> str:
    from .lifecycle import month_label
    return month_label(lc.first_mi)
