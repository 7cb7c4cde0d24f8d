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
           "srm_flag", "method", "n_treatment", "n_control", "start_date", "end_date", "running"]
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


ARMS = {"treatment", "control"}


def _share(value, campaign_id, where: str) -> float:
    """``planned_treatment_share`` of a campaign as a number in (0, 1); empty: 0.5."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or str(value).strip() == "":
        return 0.5
    text = str(value).strip()
    try:
        share = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
        ok = not text.endswith("%") and 0 < share < 1
    except ValueError:
        share, ok = None, False
    if not ok:
        hint = f"; write {share:g}" if share is not None and 0 < share < 1 else ""
        raise ConfigError(f"{where}: campaign {campaign_id!r} has planned_treatment_share {text!r}: it must be the "
                          f"treatment arm's planned share of the members, a number between 0 and 1 such as 0.5 "
                          f"(not a percentage){hint}.")
    return share


def check_campaigns(con, where: str = "the campaigns table (campaigns.csv in the data folder)",
                    members_where: str = "the campaign_members table") -> list[str]:
    """Raise ConfigError for what would make a campaign's numbers wrong: a goal that is no known
    goal (``check_goals``), a start or end date that is empty or no date (2026-09-31), an end
    before the start, a planned_treatment_share that is no share (50%, 50), members whose arm is
    neither treatment nor control (实验组 / 对照组 were left out in silence, and the campaign
    with them).  Returns notes (one line each) on what cannot be evaluated: campaigns without
    members, members of campaigns not in the table, campaigns outside the events."""
    from ..months import event_span
    camps = con.execute("SELECT * FROM campaigns ORDER BY campaign_id").df()
    if camps.empty:
        return []
    check_goals(camps, where)
    for col in ("start_date", "end_date"):    # dates (pandas reads DATE columns as timestamps)
        camps[col] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in camps[col]]
    for _, c in camps.iterrows():
        for col in ("start_date", "end_date"):
            if pd.isna(c[col]):
                raise ConfigError(f"{where}: campaign {c['campaign_id']!r} has no readable {col} (empty, or not a "
                                  "date such as 2026-09-31): write the date as YYYY-MM-DD, e.g. 2026-09-01.")
        if c["end_date"] < c["start_date"]:
            raise ConfigError(f"{where}: campaign {c['campaign_id']!r} ends ({c['end_date']:%Y-%m-%d}) before it "
                              f"starts ({c['start_date']:%Y-%m-%d}): swap the two dates, or correct the one that "
                              "is wrong.")
        if "planned_treatment_share" in c:
            _share(c["planned_treatment_share"], c["campaign_id"], where)
    found = queries.run(con, "campaign_member_checks").fetchall()
    arms = [(key, n) for kind, key, n in found if kind == "arm"]
    if arms:
        listed = ", ".join(f"{a if a is not None else '(empty)'!r} ({n:,} members)" for a, n in arms)
        raise ConfigError(f"{members_where}: the arm column must say treatment or control for every member; it "
                          f"also has {listed}. Replace them in the file (for example 实验组 -> treatment, 对照组 -> "
                          "control); a member without an arm cannot be counted in either.")
    both = sorted((key, n) for kind, key, n in found if kind == "both")
    if both:
        listed = ", ".join(f"{n:,} in {c}" for c, n in both)
        raise ConfigError(f"{members_where}: users are members of both arms of a campaign ({listed}): each member "
                          "belongs to one arm, and such users would be counted in both. Keep each user's row of the "
                          "arm they were assigned to.")
    notes = []
    held = {key: n for kind, key, n in found if kind == "held"}
    empty = [str(c) for c in camps["campaign_id"] if c not in held]
    if empty:
        notes.append(f"campaign{'s' if len(empty) > 1 else ''} {', '.join(empty)} ha{'ve' if len(empty) > 1 else 's'} "
                     f"no members in {members_where}: not evaluated; add the members (campaign_id, user_id, arm).")
    unknown = {k: n for k, n in held.items() if k not in set(camps["campaign_id"])}
    if unknown:
        notes.append(f"{sum(unknown.values()):,} members of campaign(s) {', '.join(map(str, sorted(unknown)))} in "
                     f"{members_where} have no row in {where}: not evaluated; add the campaign's dates and goal there.")
    first, last = event_span(con)
    if first is not None:
        for _, c in camps.iterrows():
            if _outside(c, (first, last)):
                notes.append(f"campaign {c['campaign_id']} ({c['start_date']:%Y-%m-%d} to {c['end_date']:%Y-%m-%d}) "
                             f"lies outside the events ({first:%Y-%m-%d} to {last:%Y-%m-%d}): not evaluated.")
            elif c["end_date"] > last.date():
                notes.append(f"campaign {c['campaign_id']} runs to {c['end_date']:%Y-%m-%d}, after the last events "
                             f"({last:%Y-%m-%d}): its numbers cover it only that far.")
    return notes


def _outside(c, span) -> bool:
    first, last = span
    return first is None or pd.Timestamp(c["start_date"]).date() > last.date() or \
        pd.Timestamp(c["end_date"]).date() < first.date()


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
    """One row per campaign with members that overlaps the events (columns ``COLUMNS``);
    ``attrs["notes"]``: what could not be evaluated, in a line each (``check_campaigns``, which
    refuses input that would make the numbers wrong); ``attrs["skipped"]``: {campaign_id:
    "no_members" | "outside"} of the campaigns left out (for the pages).

    Activity comes from the day masks of the monthly aggregates (computed in memory first
    when ``con`` has none), never from the events.
    """
    from ..aggregates import ensure
    from ..months import event_span
    camps = con.execute("SELECT * FROM campaigns ORDER BY campaign_id").df()
    if camps.empty:
        return pd.DataFrame(columns=COLUMNS)
    notes = check_campaigns(con)
    span = event_span(con)
    ensure(con, active_events=active_events, signal_events=signal_events)
    queries.run(con, "day_span_mask")
    queries.create_temp(con, "campaign_periods", "campaign_periods")
    lo, hi = con.execute("SELECT min(mi), max(mi) FROM campaign_periods").fetchone()
    arms = queries.frame(con, "campaign_arms", from_mi=lo if lo is not None else 0, to_mi=hi if hi is not None else -1)
    rows, skipped = [], {}
    for _, c in camps.iterrows():
        a = arms[arms["campaign_id"] == c["campaign_id"]].set_index("arm")
        if a.empty or _outside(c, span):      # said in the notes: no zeros for a campaign nobody could act in
            skipped[str(c["campaign_id"])] = "outside" if _outside(c, span) else "no_members"
            continue
        goal = str(c["goal_metric"]).strip().lower()
        outcome = "ordered" if goal in ORDER_GOALS else "converted"
        base = {"campaign_id": c["campaign_id"], "name": c["name"], "metric": goal,
                "start_date": c["start_date"], "end_date": c["end_date"],
                "running": bool(pd.Timestamp(c["end_date"]).date() > span[1].date())}   # a partial result
        if "treatment" in a.index and "control" in a.index:
            t, k = a.loc["treatment"], a.loc["control"]
            r = two_proportions(int(t[outcome]), int(t["members"]), int(k[outcome]), int(k["members"]), alpha)
            share = _share(c.get("planned_treatment_share"), c["campaign_id"], "campaigns")
            srm = sample_ratio_mismatch(int(t["members"]), int(k["members"]), share, srm_alpha)
            rows.append({**base, **r, "srm_flag": srm["srm_flag"], "method": "control arm"})
        else:
            r = _did(con, c["campaign_id"], alpha) if outcome == "converted" else None
            if r is None:
                continue
            rows.append({**base, **r, "srm_flag": False, "method": "diff-in-diff"})
    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs.update(notes=notes, skipped=skipped)
    return out
