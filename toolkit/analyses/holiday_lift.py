"""Holiday peaks (domain.md section 9): daily users in each holiday window against
comparable ordinary days around it.

Baseline: the days in the ``weeks`` weeks before and after the window that fall
on the window's weekdays, outside any holiday window and not a make-up working
day.  The lift is exp(b) of a quasi-Poisson fit (log link, Pearson scale; statsmodels
GLM) of daily users on a window indicator, a linear trend and weekday effects (statsmodels), so growth of the
user base over the weeks does not pass for a holiday effect; the interval is
exp of b's confidence interval.
"""
from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import statsmodels.api as sm

from .. import queries
from ..errors import ConfigError
from .holiday_calendar import country_calendar, holiday_windows

MIN_WEEKS = 2      # the fewest weeks of ordinary days on each side of a window (see holiday_lift)
COLUMNS = ["festival", "name", "name_zh", "start", "end", "days", "lift", "ci_low", "ci_high", "baseline_days", "calendar",
           "provisional", "last_year_lift"]


def daily_users(con, *, active_events=(), signal_events=("trip",), event_names=None) -> pd.Series:
    """Users per business-local day (index: day, every day from the first to the last, zeros included).

    ``event_names`` counts users of those events instead of active users (e.g. the offline signal).
    Read from the daily aggregate (``agg_daily``); other event lists than the offline signal
    are counted from the events.
    """
    from ..aggregates import ensure
    if event_names and set(event_names) != set(signal_events):
        df = queries.frame(con, "daily_event_users", event_names=list(event_names))
    else:
        ensure(con, active_events=active_events, signal_events=signal_events, daily=True)
        col = "signal_users" if event_names else "active_users"
        df = con.execute(f"SELECT day, {col} AS users FROM agg_daily WHERE {col} > 0 ORDER BY day").df()
    s = df.set_index(pd.to_datetime(df["day"]))["users"].astype(float)
    if s.empty:
        return s
    return s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="D"), fill_value=0.0)


def baseline_days(daily: pd.Series, window, off_days: set, workdays: set, weeks: int) -> pd.Series:
    """The window's baseline: days within ``weeks`` weeks of it on its weekdays, neither off nor make-up workdays."""
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    wds = {d.weekday() for d in window.dates()}
    lo, hi = start - timedelta(days=7 * weeks), end + timedelta(days=7 * weeks)
    near = daily[(daily.index >= lo) & (daily.index <= hi)]
    return near[[(d.date() not in off_days) and (d.date() not in workdays) and d.weekday() in wds
                 and not (start <= d <= end) for d, v in near.items()]]


def _fit(daily: pd.Series, window, off_days: set, workdays: set, weeks: int, alpha: float,
         with_expected: bool = False):
    """(lift, ci_low, ci_high, baseline days) of ``window``, or None when it cannot be estimated;
    ``with_expected``: a fifth element, the daily users the fit expects on the window's days
    without the holiday (its fitted values with the window indicator off; their sum times the
    lift is the window's users, since a Poisson fit matches the window's total)."""
    start, end = pd.Timestamp(window.start), pd.Timestamp(window.end)
    inside = daily[(daily.index >= start) & (daily.index <= end)]
    if len(inside) < window.days:
        return None
    wds = {d.weekday() for d in window.dates()}
    base = baseline_days(daily, window, off_days, workdays, weeks)
    if len(base) < 4 or base.sum() <= 0:
        return None
    if inside.sum() == 0:
        # no user at all in the window (e.g. a shop closed for the holiday): the fit has no
        # finite estimate; the lift is 0 with the exact Poisson upper bound for zero events
        # (-ln(alpha/2) expected events) against the baseline's mean.
        hi = float(-np.log(alpha / 2) / (base.mean() * len(inside)))
        return (0.0, 0.0, hi, len(base)) + ((pd.Series(base.mean(), index=inside.index),) if with_expected else ())
    obs = pd.concat([inside, base])
    X = pd.DataFrame({"const": 1.0, "window": [1.0] * len(inside) + [0.0] * len(base),
                      "day_of_month": [(d.day - 1) / 30.0 for d in obs.index]}, index=obs.index)
    months = sorted({d.strftime("%Y-%m") for d in obs.index})
    for m in months[1:]:
        X[f"m{m}"] = [1.0 if d.strftime("%Y-%m") == m else 0.0 for d in obs.index]
    for wd in sorted(wds)[1:]:
        X[f"wd{wd}"] = [1.0 if d.weekday() == wd else 0.0 for d in obs.index]
    if np.linalg.matrix_rank(X.to_numpy()) < X.shape[1]:
        # the window indicator is not told apart from a month or weekday (e.g. every ordinary day
        # of the window's month is another holiday's): no estimate (weeks=1 gave National Day 3.25x)
        return None
    fit = sm.GLM(obs.to_numpy(), X.to_numpy(), family=sm.families.Poisson()).fit(scale="X2")
    b = fit.params[1]
    lo_b, hi_b = fit.conf_int(alpha)[1]
    out = float(np.exp(b)), float(np.exp(lo_b)), float(np.exp(hi_b)), len(base)
    if not with_expected:
        return out
    without = X.iloc[:len(inside)].assign(window=0.0)
    return out + (pd.Series(fit.predict(without.to_numpy()), index=inside.index),)


def expected_without_holiday(daily: pd.Series, window, off_days: set, workdays: set, weeks: int) -> pd.Series | None:
    """The daily users the lift's fit expects on the days of ``window`` had they been ordinary
    days (its month, day of the month and weekday kept): what the lift compares the window with,
    for the window's chart (the plain mean of the baseline days ignores the month's shape, and a
    window at a month's low start could sit under that mean at a lift above 1).  None when the
    window gets no estimate."""
    r = _fit(daily, window, off_days, workdays, weeks, 0.05, with_expected=True)
    return None if r is None else r[4]


def holiday_lift(daily: pd.Series, *, country: str = "CN", weeks: int = 3, alpha: float = 0.05,
                 schedule=None) -> pd.DataFrame:
    """One row per holiday window inside the daily series (columns ``COLUMNS``), in date order.

    ``schedule``: the official schedule table (path), whose years replace the library's.
    ``calendar`` says whether the window's year is official, supplied or estimated.

    ``last_year_lift`` is the lift of the same festival's window a year earlier
    (by festival, not by date, since lunar festivals move).

    A window that starts within ``MIN_WEEKS`` weeks of the series' first day gets no estimate
    (no ordinary days before it, and a new product's first weeks are its ramp).

    ``provisional``: the weeks of ordinary days after the window reach past the end of the
    series (a report month's last days): its baseline lacks them, and the figure may change
    when they arrive (Mid-Autumn 2026 read 1.16x in September's report, 1.18x in October's).
    """
    if isinstance(weeks, bool) or not isinstance(weeks, (int, np.integer)) or weeks < MIN_WEEKS:
        raise ConfigError(f"weeks (--weeks on the command line) must be a whole number of weeks, {MIN_WEEKS} or more; "
                          f"got {weeks!r}. The baseline of a holiday is the ordinary days on its weekdays that many "
                          "weeks before and after it: with one week, a holiday week leaves too few of them to tell the "
                          "holiday from its month (National Day came out at 3.25x). Use 3, the default.")
    if daily.empty:
        return pd.DataFrame(columns=COLUMNS)
    # a month without a single active user is a gap in the data (a missing events file), not a
    # month of zero activity: its days are no evidence, and a window or baseline needing them
    # gets no estimate (it once read as a rise over zeros)
    totals = daily.groupby(daily.index.to_period("M")).transform("sum")
    daily = daily[totals > 0]
    if daily.empty:
        return pd.DataFrame(columns=COLUMNS)
    first, last = daily.index.min().date(), daily.index.max().date()
    windows = holiday_windows(first, last, country, schedule)
    cal = country_calendar(country, range(first.year - 1, last.year + 2), schedule)
    workdays = cal.weekend_workdays
    off = {d for w in windows for d in w.dates()}
    rows = []
    for w in windows:
        if w.start < first or w.end > last:
            continue
        # a window in the data's first MIN_WEEKS weeks has ordinary days on one side only: an app's
        # launch ramp (4 to 200 daily users over its first January) made New Year's 01-01 a "fall to 0.31x"
        early = w.start - timedelta(days=7 * MIN_WEEKS) < first
        r = None if early else _fit(daily, w, off, workdays, weeks, alpha)
        lift, lo, hi, nb = r if r else (np.nan, np.nan, np.nan, 0)
        rows.append({"festival": w.festival, "name": w.name, "name_zh": w.name_zh, "start": w.start, "end": w.end,
                     "days": w.days, "lift": lift, "ci_low": lo, "ci_high": hi, "baseline_days": nb,
                     "calendar": cal.status(w.start.year),
                     "provisional": w.end + timedelta(days=7 * weeks) > last})
    df = pd.DataFrame(rows, columns=COLUMNS[:-1])
    df["last_year_lift"] = np.nan
    for i, r in df.iterrows():
        prev = df[(df["festival"] == r["festival"]) & (df["start"] < r["start"])
                  & (df["start"] >= r["start"] - timedelta(days=400))]
        if len(prev):
            df.at[i, "last_year_lift"] = prev.iloc[-1]["lift"]
    return df


def coming_holidays(lifts: pd.DataFrame, month: str, *, country: str = "CN", schedule=None,
                    months: int = 12) -> pd.DataFrame:
    """The holiday windows of the ``months`` months after ``month`` (the next year's calendar, for
    planning), in date order, each with the last lift measured for its festival in ``lifts`` (the
    latest window of the same festival with an estimate, else the latest window whose name holds
    the holiday's, as a festival merged into another's; NaN when none): columns festival, name,
    name_zh, start, end, days, calendar (official, supplied or estimated dates), last_lift,
    last_ci_low, last_ci_high, last_start."""
    from ..months import add_months, last_day
    first = last_day(month) + timedelta(days=1)
    last = add_months(first, months) - timedelta(days=1)
    cal = country_calendar(country, range(first.year, last.year + 1), schedule)
    measured = lifts.dropna(subset=["lift"]).sort_values("start") if len(lifts) else lifts
    rows = []
    for w in holiday_windows(first, last, country, schedule):
        if w.start < first:             # a window begun in the report month is the report's, not a coming one
            continue
        prev = measured[measured["festival"] == w.festival] if len(measured) else measured
        if not len(prev) and len(measured) and "name" in measured:   # last time inside another's window (May Day 2011)
            prev = measured[measured["name"].str.contains(w.name, regex=False)]
        p = prev.iloc[-1] if len(prev) else None
        rows.append({"festival": w.festival, "name": w.name, "name_zh": w.name_zh, "start": w.start, "end": w.end,
                     "days": w.days, "calendar": cal.status(w.start.year),
                     "last_lift": p["lift"] if p is not None else np.nan,
                     "last_ci_low": p["ci_low"] if p is not None else np.nan,
                     "last_ci_high": p["ci_high"] if p is not None else np.nan,
                     "last_start": p["start"] if p is not None else None})
    out = pd.DataFrame(rows, columns=["festival", "name", "name_zh", "start", "end", "days", "calendar", "last_lift",
                                      "last_ci_low", "last_ci_high", "last_start"])
    out.attrs["from"] = first          # the first day after the month
    return out
