"""Correlation between the monthly KPIs (指标相关性, domain.md section 10; seed 000 挖掘相关性).

The KPIs per month: the monthly active rate, the four rates, new users, DAU/MAU, the
holiday days in the month (days of holiday windows), the campaigns touching the month
and the pushes sent.  Two views, each with the number of months behind every pair:

* Spearman rank correlation of the monthly levels (robust to a trend's shape);
* Pearson correlation of the month-on-month changes (takes the common trend out).

A KPI that never varies has no correlation (empty).  With fewer than ``MIN_MONTHS`` months
behind a pair the figure is flagged: a dozen points make chance correlations of 0.5
common.  The three strongest pairs are stated as associations, never as causes.
"""
from __future__ import annotations

import pandas as pd

from .. import queries
from .lifecycle import RATES, month_index, without_history
from ..months import parse_month

KPIS = ["active_rate", *RATES, "new", "dau_mau", "holiday_days", "campaigns", "pushes"]
MIN_MONTHS = 12


def monthly_kpis(lc, monthly: pd.DataFrame, daily: pd.Series, *, campaigns: pd.DataFrame | None = None,
                 country: str = "CN", schedule=None, until: str | None = None,
                 from_month: str | None = None) -> pd.DataFrame:
    """One row per month of ``monthly`` (``Lifecycle.monthly``) up to ``until``, without
    the data's first month (``without_history``) and, given ``from_month``
    (``Lifecycle.settled_month``), without the warm-up months before it: month and the
    columns of ``KPIS``.
    ``daily``: daily active users (``holiday_lift.daily_users``)."""
    from .holiday_calendar import holiday_windows
    from .periods import stickiness
    df = stickiness(daily, monthly)[["month", "dau_mau"]].merge(
        monthly[["month", "active_rate", *RATES, "new"]], on="month")
    if until:
        df = df[df["month"] <= until].reset_index(drop=True)
    # the data's first month (every user new): its active rate is 100% by definition and its
    # new users are everyone already there, so its levels and its change to the next month
    # would be the strongest 'correlations' of any history; left out, as on the charts
    df = df[~df["month"].isin(without_history(monthly))].reset_index(drop=True)
    if from_month:     # the warm-up of an events export shorter than the users table: rates of users' past
        df = df[df["month"] >= from_month].reset_index(drop=True)
    if df.empty:
        return df.reindex(columns=["month", *KPIS])
    first, last = parse_month(df["month"].iloc[0]), parse_month(df["month"].iloc[-1])
    days = pd.Series(0, index=df["month"], dtype=float)
    for w in holiday_windows(first, pd.Timestamp(last).to_period("M").end_time.date(), country, schedule):
        for d in w.dates():
            key = f"{d:%Y-%m}"
            if key in days.index:
                days[key] += 1
    df["holiday_days"] = days.to_numpy()
    n_camp = pd.Series(0, index=df["month"], dtype=float)
    if campaigns is not None:
        for _, c in campaigns.dropna(subset=["start_date", "end_date"]).iterrows():
            a, b = f"{pd.Timestamp(c['start_date']):%Y-%m}", f"{pd.Timestamp(c['end_date']):%Y-%m}"
            n_camp[(n_camp.index >= a) & (n_camp.index <= b)] += 1
    df["campaigns"] = n_camp.to_numpy()
    pushes = queries.frame(lc.con, "kpi_pushes")
    by_mi = dict(zip(pushes["mi"].astype(int), pushes["pushes"]))
    df["pushes"] = [float(by_mi.get(month_index(parse_month(m)), 0)) for m in df["month"]]
    return df[["month", *KPIS]]


def _pairwise(df: pd.DataFrame, method: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    cols = list(df.columns)
    varying = [c for c in cols if df[c].dropna().nunique() > 1]
    corr = df[varying].corr(method=method, min_periods=3).reindex(index=cols, columns=cols)
    ok = df.notna().astype(int)
    n = ok.T @ ok
    return corr, n.reindex(index=cols, columns=cols)


def correlations(kpis: pd.DataFrame) -> dict:
    """{"spearman": levels' rank correlation, "pearson_change": Pearson of month-on-month
    changes, "n_spearman" / "n_change": months behind each pair} (KPI x KPI frames)."""
    levels = kpis.set_index("month")[KPIS].astype(float)
    changes = levels.diff().iloc[1:]
    s, ns = _pairwise(levels, "spearman")
    p, nc = _pairwise(changes, "pearson")
    return {"spearman": s, "pearson_change": p, "n_spearman": ns, "n_change": nc}


def strongest_pairs(corr: pd.DataFrame, n_months: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The ``top`` pairs with the largest absolute correlation (each pair once): a, b,
    correlation, months, few_months (below ``MIN_MONTHS``)."""
    rows = []
    cols = list(corr.columns)
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            v = corr.loc[a, b]
            if pd.notna(v):
                rows.append({"a": a, "b": b, "correlation": float(v), "months": int(n_months.loc[a, b])})
    out = pd.DataFrame(rows, columns=["a", "b", "correlation", "months"])
    if out.empty:
        return out.assign(few_months=pd.Series(dtype=bool))
    out = out.reindex(out["correlation"].abs().sort_values(ascending=False, kind="stable").index).head(top)
    out["few_months"] = out["months"] < MIN_MONTHS
    return out.reset_index(drop=True)


def describe_pairs(pairs: pd.DataFrame, lang: str = "en", name=lambda k, lang: k, *,
                   changes: bool = False) -> list[str]:
    """The pairs in words, as association.  Levels (``changes`` False): 'X and Y trended
    together over the months (correlation +0.82, 20 months)': two series that both trend
    correlate whatever the cause, so the words say trend, not co-movement.  Month-on-month
    changes (``changes``): 'the monthly changes of X and Y went together', the reading that a
    shared trend does not produce."""
    out = []
    for _, r in pairs.iterrows():
        a, b, v = name(r["a"], lang), name(r["b"], lang), r["correlation"]
        if lang == "zh":
            way = (("环比变化同向" if v > 0 else "环比变化反向") if changes else
                   ("月度走势同向" if v > 0 else "月度走势相反"))
            warn = ",月份太少,可能是偶然" if r["few_months"] else ""
            out.append(f"{a}与{b}{way}(相关系数 {v:+.2f},{r['months']} 个月{warn});这是相关,不代表因果。")
        else:
            if changes:
                way = "went together" if v > 0 else "went in opposite directions"
                text = f"the monthly changes of {a} and {b} {way}"
            else:
                way = "trended together" if v > 0 else "trended in opposite directions"
                text = f"{a} and {b} {way} over the months"
            warn = "; too few months, possibly chance" if r["few_months"] else ""
            out.append(f"{text[:1].upper()}{text[1:]} (correlation {v:+.2f}, {r['months']} months{warn}): an "
                       "association, not a cause.")
    return out
