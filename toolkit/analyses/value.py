"""RFM value tiers (用户价值分层, domain.md section 10; seed 003 用户分层).

Per user at the end of month M, over a window of months ending with M (default 12):

* recency: days from the last order to the last day of M (from the last qualifying
  event when the data has no orders);
* frequency: orders in the window (active days without orders);
* monetary: the order amount in the window (absent without orders).

Each dimension is scored 1 .. ``bins`` (default 5) by quantile of the users' rank, larger
is better: ``score = 1 + floor(bins * (rank - 1) / n)`` where ``rank`` is SQL ``RANK()``
in ascending order of goodness, so users with the same value always share a score (the
score of the first of them) and a value held by many users (e.g. one order) fills the
lower scores.  A dimension is *high* when its score is above ``bins / 2``.  The tier is
named by the three highs, the eight tiers analysts use (重要价值客户 ... 一般挽留客户);
without orders only R and F exist and four RF tiers are named (价值 / 发展 / 保持 / 挽留).

Scored users: with orders, users with an order in the window; without orders, users with
a qualifying event in the window.  Everyone else entered by M has no tier.
The work is one SQL query over the monthly aggregates (``sql/value_rfm.sql``).
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from .. import queries
from ..errors import ConfigError
from ..months import add_months, parse_month

# (r_high, f_high, m_high) -> tier key; the order is the order of the report's tables
TIERS = {
    (True, True, True): "important_value", (True, False, True): "important_develop",
    (False, True, True): "important_keep", (False, False, True): "important_win_back",
    (True, True, False): "general_value", (True, False, False): "general_develop",
    (False, True, False): "general_keep", (False, False, False): "general_win_back",
}
RF_TIERS = {(True, True): "value", (True, False): "develop", (False, True): "keep", (False, False): "win_back"}
TIER_ORDER = list(TIERS.values())
RF_TIER_ORDER = list(RF_TIERS.values())
TIER_ZH = {"important_value": "重要价值客户", "important_develop": "重要发展客户", "important_keep": "重要保持客户",
           "important_win_back": "重要挽留客户", "general_value": "一般价值客户", "general_develop": "一般发展客户",
           "general_keep": "一般保持客户", "general_win_back": "一般挽留客户",
           "value": "价值客户", "develop": "发展客户", "keep": "保持客户", "win_back": "挽留客户"}
TIER_EN = {"important_value": "important value", "important_develop": "important develop",
           "important_keep": "important keep", "important_win_back": "important win-back",
           "general_value": "general value", "general_develop": "general develop", "general_keep": "general keep",
           "general_win_back": "general win-back", "value": "value", "develop": "develop", "keep": "keep",
           "win_back": "win-back"}


def has_orders(con) -> bool:
    """Whether the store has any order rows (then RFM, else RF)."""
    try:
        return bool(con.execute("SELECT count(*) FROM (SELECT 1 FROM orders LIMIT 1)").fetchone()[0])
    except Exception:   # no orders view at all
        return False


def monthly_revenue(con) -> pd.DataFrame:
    """One row per month with an order: month ('YYYY-MM'), buyers (users with a purchase),
    orders (purchases: orders whose amount is not negative), revenue (the amount of every order,
    net of refunds).  Empty when the data have no orders."""
    from .lifecycle import month_label
    if not has_orders(con):
        return pd.DataFrame(columns=["month", "buyers", "orders", "revenue"])
    df = queries.frame(con, "value_monthly_revenue")
    df.insert(0, "month", [month_label(int(m)) for m in df.pop("mi")])
    return df


def rfm_scores(con, month: str, *, window: int = 12, bins: int = 5, orders: bool | None = None) -> pd.DataFrame:
    """One row per scored user at the end of ``month``: user_id, recency_days, frequency,
    monetary (NaN without orders), r_score, f_score, m_score (NaN without orders), r_high,
    f_high, m_high, tier (a key of ``TIER_ZH``).  ``orders`` None: RFM when the data has
    orders, else RF.  Needs the monthly aggregates registered in ``con``."""
    if not isinstance(window, (int, np.integer)) or not 1 <= window <= 120:
        raise ConfigError(f"--window (the RFM window in months) must be 1 to 120, got {window!r}.")
    if not isinstance(bins, (int, np.integer)) or not 2 <= bins <= 10:
        raise ConfigError(f"--bins (the RFM score bins) must be 2 to 10, got {bins!r}.")
    m = parse_month(month)
    end_mi = m.year * 12 + m.month - 1
    first = add_months(m, -(window - 1))
    nxt = add_months(m, 1)
    use_orders = has_orders(con) if orders is None else bool(orders)
    df = queries.frame(con, "value_rfm", from_mi=end_mi - window + 1, end_mi=end_mi, bins=int(bins),
                       orders=use_orders, start=pd.Timestamp(first).to_pydatetime(),
                       end=pd.Timestamp(nxt).to_pydatetime(), month_end=nxt - timedelta(days=1))
    df["tier"] = tier_names(df["r_high"], df["f_high"], df["m_high"] if use_orders else None)
    df.attrs["mode"] = "rfm" if use_orders else "rf"
    return df.sort_values("user_id", ignore_index=True)


def tier_names(r_high, f_high, m_high=None) -> np.ndarray:
    """The tier key of each user from the three (or, without orders, two) high flags."""
    r = np.asarray(r_high, dtype=bool)
    f = np.asarray(f_high, dtype=bool)
    if m_high is None:
        keys = [RF_TIERS[(a, b)] for a, b in ((True, True), (True, False), (False, True), (False, False))]
        return np.select([r & f, r & ~f, ~r & f], keys[:3], keys[3])
    mm = np.asarray(pd.Series(m_high).fillna(False), dtype=bool)
    conds, keys = [], []
    for (a, b, c), key in TIERS.items():
        conds.append((r == a) & (f == b) & (mm == c))
        keys.append(key)
    return np.select(conds, keys, "general_win_back")


def tier_order(mode: str = "rfm") -> list[str]:
    """The tiers in report order for ``mode`` (rfm or rf), then ``none`` (not scored)."""
    return (TIER_ORDER if mode == "rfm" else RF_TIER_ORDER) + ["none"]


def tier_summary(scores: pd.DataFrame) -> pd.DataFrame:
    """One row per tier (report order, empty tiers kept): users, share of scored users,
    revenue (monetary summed; NaN without orders) and share of revenue, mean recency days
    and frequency."""
    mode = scores.attrs.get("mode", "rfm" if scores["monetary"].notna().any() else "rf")
    order = TIER_ORDER if mode == "rfm" else RF_TIER_ORDER
    g = scores.groupby("tier")
    out = pd.DataFrame({"users": g.size(), "revenue": g["monetary"].sum(min_count=1),
                        "recency_days": g["recency_days"].mean(), "frequency": g["frequency"].mean()}
                       ).reindex(order)
    out["users"] = out["users"].fillna(0).astype("int64")
    n = out["users"].sum()
    out["share"] = out["users"] / n if n else np.nan
    total = out["revenue"].sum(min_count=1)
    out["revenue_share"] = out["revenue"] / total if mode == "rfm" and total else np.nan
    out.index.name = "tier"
    return out.reset_index()[["tier", "users", "share", "revenue", "revenue_share", "recency_days", "frequency"]]


def tier_state_matrix(scores: pd.DataFrame, states: pd.DataFrame) -> pd.DataFrame:
    """Users by tier (rows, report order; ``none`` = not scored) and lifecycle state
    (columns, ``STATES`` order) for the users in ``states`` (``Lifecycle.user_states``)."""
    from .lifecycle import STATES
    mode = scores.attrs.get("mode", "rfm")
    order = tier_order(mode)
    df = states[["user_id", "state"]].merge(scores[["user_id", "tier"]], on="user_id", how="left")
    df["tier"] = df["tier"].fillna("none")
    out = pd.crosstab(df["tier"], df["state"]).reindex(index=order, columns=STATES, fill_value=0)
    out.attrs["mode"] = mode
    return out


def user_tiers(lc, month: str, *, churn_after: int = 2, window: int = 12, bins: int = 5) -> pd.DataFrame:
    """One row per user entered by ``month`` (the CLI's file): user_id, state, tier (empty
    when not scored), recency_days, frequency, monetary, r_score, f_score, m_score."""
    scores = rfm_scores(lc.con, month, window=window, bins=bins)
    states = lc.user_states(month, churn_after)
    df = states[["user_id", "state"]].merge(scores.drop(columns=["r_high", "f_high", "m_high"]), on="user_id",
                                             how="left")
    df.attrs["mode"] = scores.attrs["mode"]
    return df
