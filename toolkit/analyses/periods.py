"""Period analysis over months (domain.md sections 9-10): the rates with holiday and
campaign months marked and their changes, the AARRR funnel per entry cohort, and
DAU/MAU stickiness."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import queries
from .holiday_calendar import holiday_windows
from .lifecycle import RATES, Lifecycle, month_label
from ..months import parse_month

def month_markers(months: list[str], campaigns: pd.DataFrame, *, country: str = "CN", lang: str = "en") -> pd.DataFrame:
    """Per month: the holidays of the calendar (``country``) that fall in it, in date order (a
    window of days off across two months marks the month of the holiday it is named for: New
    Year's Day's window of 2023-12-30 .. 2024-01-01 marks January), and the campaigns that touch
    it (text, empty when none)."""
    first, last = parse_month(months[0]), parse_month(months[-1])
    wins = holiday_windows(first, pd.Timestamp(last).to_period("M").end_time.date(), country)
    out = []
    for m in months:
        fest = list(dict.fromkeys((w.name_zh if lang == "zh" else w.name) for w in sorted(wins, key=lambda w: w.start)
                                  if f"{w.day or w.start:%Y-%m}" == m))
        out.append({"month": m, "holidays": ("、" if lang == "zh" else ", ").join(fest),
                    "campaigns": ", ".join(campaigns_in(campaigns, m))})
    return pd.DataFrame(out)


def campaigns_in(campaigns: pd.DataFrame, month: str) -> list[str]:
    """The ids of the campaigns of ``campaigns`` that touch ``month`` (YYYY-MM), sorted."""
    if campaigns is None or not len(campaigns):
        return []
    return sorted(str(c["campaign_id"]) for _, c in campaigns.iterrows()
                  if f"{pd.Timestamp(c['start_date']):%Y-%m}" <= month <= f"{pd.Timestamp(c['end_date']):%Y-%m}")


def period_view(monthly: pd.DataFrame, markers: pd.DataFrame) -> pd.DataFrame:
    """The active rate and the four rates per month with the markers, and each one's
    month-on-month and year-on-year change in points (columns ``<rate>_mom``, ``<rate>_yoy``)."""
    df = monthly[["month", "active_rate", *RATES, *[c for c in ("new", "cumulative") if c in monthly]]].merge(
        markers, on="month", how="left")
    for c in ["active_rate", *RATES]:
        df[f"{c}_mom"] = df[c] - df[c].shift(1)
        df[f"{c}_yoy"] = df[c] - df[c].shift(12)
    return df


def stickiness(daily: pd.Series, monthly: pd.DataFrame) -> pd.DataFrame:
    """Per month: mean daily active users (over the days of the month the data cover, days
    without any user counting as zero), MAU and DAU/MAU."""
    dau = daily.groupby(daily.index.strftime("%Y-%m")).mean().rename("mean_dau")
    df = monthly[["month", "mau"]].merge(dau, left_on="month", right_index=True, how="left")
    df["dau_mau"] = np.where(df["mau"] > 0, df["mean_dau"] / df["mau"].where(df["mau"] > 0, 1), np.nan)
    return df


def _funnel_rows(lc: Lifecycle, referring: bool) -> pd.DataFrame:
    """The rows of cohort_funnel.sql for the cohorts up to ``lc.last_mi``.  With a cache, a
    cohort's row is final once the two months after it are in the aggregates: it is kept in
    its month folder (``funnel-<digest of the query>.parquet``, removed when the fold steps
    any of its three months) and only the last cohorts are computed each run.  Referring
    counts events up to the report month, so with referral events every row is computed."""
    text = queries.load("cohort_funnel")
    root, first, last = lc.aggregates.root, lc.first_mi, lc.last_mi
    if root is None or referring:
        return queries.execute(lc.con, text, from_mi=first, to_mi=last).df()
    import hashlib
    from ..aggregates.kept import KEPT_AFTER_SPAN, cache_months, read_kept
    final = min(last, lc.aggregates.last_mi - KEPT_AFTER_SPAN)
    name = "funnel-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    kept = root / "months"
    # the usual monthly run: the cohort that just became final and the last ones, in one query
    missing = [m for m in range(first, final + 1) if not (kept / month_label(m) / f"{name}.parquet").is_file()]
    fresh_from = missing[0] if missing and missing == list(range(missing[0], final + 1)) else max(final + 1, first)
    con = lc.con
    if last >= fresh_from:
        queries.execute(con, f"CREATE OR REPLACE TEMP TABLE funnel_fresh AS {text}", from_mi=fresh_from, to_mi=last)
    parts = []
    if final >= first:
        fill = text if fresh_from > final else "SELECT * FROM funnel_fresh WHERE mi BETWEEN $from_mi AND $to_mi"
        files = cache_months(con, root, name, fill, first, final)
        parts.append(con.execute(f"SELECT * FROM {read_kept(con, files, first)} ORDER BY mi").df())
    if last > max(final, first - 1):
        parts.append(con.execute(f"SELECT * FROM funnel_fresh WHERE mi > {int(final)} ORDER BY mi").df())
    con.execute("DROP TABLE IF EXISTS temp.funnel_fresh")
    return pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]


def cohort_funnel(lc: Lifecycle, *, referral_events=()) -> pd.DataFrame:
    """AARRR per entry-month cohort: acquired, activated, retained, paying, revenue, referring,
    each step's share of the cohort, and revenue per user and per payer.

    Retained (active the month after entry) is empty for the last cohort; paying and revenue
    (orders within the entry month and the two after, ``orders.amount``) for the last two:
    their windows are not over yet.  Referring counts users with an event of
    ``referral_events`` (the configuration's list) since entry, from the monthly aggregate of
    event names; without referral events it is not defined.  Steps the data cannot express
    are NaN and named in ``attrs["undefined"]`` (step: label key of the reason).
    """
    from ..aggregates.build import ensure_monthly
    lc.monthly_states_ready()
    if referral_events:
        ensure_monthly(lc.con, "user_events", lc.first_mi, lc.last_mi, active_events=lc.active_events,
                       signal_events=lc.signal_events)
        queries.create_temp(lc.con, "funnel_referring", "funnel_referring", referral_events=list(referral_events),
                            to_mi=lc.last_mi)
    else:
        lc.con.execute("CREATE OR REPLACE TEMP TABLE funnel_referring AS SELECT user_id FROM agg_registrations WHERE false")
    df = _funnel_rows(lc, bool(referral_events))
    mi = df.pop("mi").astype(int)
    df.insert(0, "cohort", [month_label(m) for m in mi])
    # steps not yet observable for the latest cohorts are empty, not zero
    df["retained"] = df["retained"].astype(float).where(mi + 1 <= lc.last_mi)
    for c in ("paying", "revenue"):
        df[c] = df[c].astype(float).where(mi + 2 <= lc.last_mi)
    # steps the data cannot express are not defined, not 0%: activation needs feature_map categories,
    # paying and revenue an orders table, referring the referral events
    undefined = {}
    if not lc.con.execute("SELECT count(*) FROM feature_map WHERE coalesce(trim(category), '') <> ''").fetchone()[0]:
        undefined["activated"] = "activated_undefined"
    if not lc.con.execute("SELECT count(*) FROM orders").fetchone()[0]:
        undefined["paying"] = "paying_undefined"
        undefined["revenue"] = "paying_undefined"
    if not referral_events:
        undefined["referring"] = "referring_undefined"
    for c in undefined:
        df[c] = np.nan
    for c in ("activated", "retained", "paying", "referring"):
        df[f"{c}_share"] = np.where(df["acquired"] > 0, df[c].astype(float) / df["acquired"], np.nan)
    df["revenue_per_user"] = np.where(df["acquired"] > 0, df["revenue"] / df["acquired"].where(df["acquired"] > 0, 1),
                                      np.nan)
    df["revenue_per_payer"] = np.where(df["paying"] > 0, df["revenue"] / df["paying"].where(df["paying"] > 0, 1),
                                       np.nan)
    df.attrs["undefined"] = undefined
    return df
