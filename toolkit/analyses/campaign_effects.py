"""Campaign effects (活动效果, domain.md section 9).

With a control arm: the goal metric per arm (the share of members active during
the campaign, or with an order for an order goal), the difference with a 95%
interval and p-value (statsmodels), and a sample-ratio-mismatch check against
the planned split (``campaigns.planned_treatment_share``, default 0.5).

Without a control arm: a difference-in-differences, members against every other
user who had entered before the campaign, activity in the campaign period
against the period of equal length before it; OLS with an interaction and
standard errors clustered by user.  It is labelled ``diff-in-diff``: weaker
evidence, since members were chosen, not randomised.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .. import queries
from ..errors import ConfigError
from .abtest import sample_ratio_mismatch, two_proportions
from .lifecycle import RATES

COLUMNS = ["campaign_id", "name", "metric", "treatment", "control", "difference", "ci_low", "ci_high", "p_value",
           "srm_flag", "method", "n_treatment", "n_control", "start_date", "end_date"]
ORDER_GOALS = {"order", "orders", "purchase", "revenue", "conversion"}
# every other goal counts members active during the campaign; the pages name each of these
ACTIVITY_GOALS = {"active", "activity", "retention", "trip", *RATES, "active_rate"}


def check_goals(camps: pd.DataFrame, where: str = "the campaigns table (campaigns.csv in the data folder)") -> None:
    """Raise ConfigError for a campaign whose goal_metric is none of the known goals (a typo,
    retention_neww, was counted as activity and shown raw on the pages), naming the campaign,
    the goals and the closest one."""
    from ..data.small_tables import known_name
    known = sorted(ORDER_GOALS | ACTIVITY_GOALS)
    for _, c in camps.iterrows():
        goal = str(c["goal_metric"]).strip().lower()
        if goal not in ORDER_GOALS and goal not in ACTIVITY_GOALS:
            hint = known_name(goal, known, lambda k, lang: k)
            orders = ", ".join(sorted(ORDER_GOALS))
            raise ConfigError(f"{where}: campaign {c['campaign_id']!r} has goal_metric {c['goal_metric']!r}, which "
                              f"is not one of {', '.join(known)}{hint}. An order goal ({orders}) counts members with "
                              "an order during the campaign; every other counts members active during it.")


def _did(con, campaign_id, alpha):
    df = queries.frame(con, "did_user_periods", campaign_id=campaign_id)
    if df.empty or df["treated"].all() or not df["treated"].any():
        return None
    long = pd.DataFrame({"user": np.repeat(np.arange(len(df)), 2),
                         "treated": np.repeat(df["treated"].astype(float).to_numpy(), 2),
                         "post": np.tile([0.0, 1.0], len(df)),
                         "y": np.column_stack([df["before"], df["after"]]).astype(float).ravel()})
    X = np.column_stack([np.ones(len(long)), long["treated"], long["post"], long["treated"] * long["post"]])
    fit = sm.OLS(long["y"].to_numpy(), X).fit(cov_type="cluster", cov_kwds={"groups": long["user"].to_numpy()})
    lo, hi = fit.conf_int(alpha)[3]
    t = df[df["treated"]]
    return {"treatment": float(t["after"].mean() - t["before"].mean()),
            "control": float(df[~df["treated"]]["after"].mean() - df[~df["treated"]]["before"].mean()),
            "difference": float(fit.params[3]), "ci_low": float(lo), "ci_high": float(hi),
            "p_value": float(fit.pvalues[3]), "n_treatment": int(len(t)), "n_control": int((~df["treated"]).sum())}


def campaign_effects(con, *, active_events=(), signal_events=("trip",), alpha: float = 0.05,
                     srm_alpha: float = 0.001) -> pd.DataFrame:
    """One row per campaign with members (columns ``COLUMNS``).

    Activity comes from the day masks of the monthly aggregates (computed in memory first
    when ``con`` has none), never from the events.
    """
    from ..aggregates import ensure
    camps = con.execute("SELECT * FROM campaigns ORDER BY campaign_id").df()
    if camps.empty:
        return pd.DataFrame(columns=COLUMNS)
    check_goals(camps)
    ensure(con, active_events=active_events, signal_events=signal_events)
    queries.run(con, "day_span_mask")
    queries.create_temp(con, "campaign_periods", "campaign_periods")
    lo, hi = con.execute("SELECT min(mi), max(mi) FROM campaign_periods").fetchone()
    arms = queries.frame(con, "campaign_arms", from_mi=lo if lo is not None else 0, to_mi=hi if hi is not None else -1)
    rows = []
    for _, c in camps.iterrows():
        a = arms[arms["campaign_id"] == c["campaign_id"]].set_index("arm")
        if a.empty:
            continue
        goal = str(c["goal_metric"]).strip().lower()
        outcome = "ordered" if goal in ORDER_GOALS else "converted"
        base = {"campaign_id": c["campaign_id"], "name": c["name"], "metric": goal,
                "start_date": c["start_date"], "end_date": c["end_date"]}
        if "treatment" in a.index and "control" in a.index:
            t, k = a.loc["treatment"], a.loc["control"]
            r = two_proportions(int(t[outcome]), int(t["members"]), int(k[outcome]), int(k["members"]), alpha)
            share = c.get("planned_treatment_share", 0.5)
            share = 0.5 if share is None or pd.isna(share) else float(share)
            srm = sample_ratio_mismatch(int(t["members"]), int(k["members"]), share, srm_alpha)
            rows.append({**base, **r, "srm_flag": srm["srm_flag"], "method": "control arm"})
        else:
            r = _did(con, c["campaign_id"], alpha) if outcome == "converted" else None
            if r is None:
                continue
            rows.append({**base, **r, "srm_flag": False, "method": "diff-in-diff"})
    return pd.DataFrame(rows, columns=COLUMNS)
