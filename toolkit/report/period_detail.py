"""Detail of one holiday window or one campaign, for the periods explorer.

A window's detail is its daily users from ``weeks`` weeks before to ``weeks``
weeks after it, with the baseline days the lift is measured against
(:func:`toolkit.analyses.holiday_lift.baseline_days`); last year's window of the same
festival is the latest earlier row of ``lifts`` with that festival within 400
days.  A campaign's detail is its row of ``campaign_effects``: the goal metric
per arm (Wilson 95% interval for a control-arm test), the difference with its
interval, the p-value and the sample-ratio check.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter
from statsmodels.stats.proportion import proportion_confint

from . import labels as L
from ..analyses.holiday_calendar import HolidayWindow, country_calendar, holiday_windows
from ..analyses.holiday_lift import baseline_days, expected_without_holiday
from .plots import _ax


@dataclass
class WindowDetail:
    row: pd.Series            # the window's row of holiday_lift
    days: pd.Series           # daily users from weeks before to weeks after the window
    baseline: pd.Series       # the baseline days among them
    expected: pd.Series | None = None   # what the lift's fit expects on the window's days without the holiday


def window_label(row, lang: str = "zh") -> str:
    name = row["name_zh"] if lang == "zh" else row["name"]
    return f"{name} {row['start']:%Y} ({row['start']:%m-%d}–{row['end']:%m-%d})"


def last_year_index(lifts: pd.DataFrame, i: int):
    """Index of the same festival's window a year before row ``i`` of ``lifts``; when the
    festival had no window of its own then because it fell inside another's (Mid-Autumn 2025
    inside National Day: one window), that window's; else None."""
    r = lifts.loc[i]
    start = pd.to_datetime(lifts["start"])
    near = (start < pd.Timestamp(r["start"])) & (start >= pd.Timestamp(r["start"]) - timedelta(days=400))
    prev = lifts[near & (lifts["festival"] == r["festival"])]
    if not len(prev) and "name" in lifts:
        prev = lifts[near & (lifts["festival"] != r["festival"]) & lifts["name"].str.contains(str(r["name"]), regex=False)]
    return prev.index[-1] if len(prev) else None


def window_detail(daily: pd.Series, lifts: pd.DataFrame, i: int, *, country: str = "CN",
                  weeks: int = 3) -> WindowDetail:
    """The daily users around window ``i`` of ``lifts`` and its baseline days."""
    r = lifts.loc[i]
    w = HolidayWindow(r["festival"], r["name"], r["name_zh"], r["start"], r["end"])
    first, last = daily.index.min().date(), daily.index.max().date()
    windows = holiday_windows(first, last, country)
    cal = country_calendar(country, range(first.year - 1, last.year + 2))
    off = {d for x in windows for d in x.dates()}
    workdays = set(getattr(cal, "weekend_workdays", set()))
    lo = pd.Timestamp(w.start) - timedelta(days=7 * weeks)
    hi = pd.Timestamp(w.end) + timedelta(days=7 * weeks)
    return WindowDetail(row=r, days=daily[(daily.index >= lo) & (daily.index <= hi)],
                        baseline=baseline_days(daily, w, off, workdays, weeks),
                        expected=expected_without_holiday(daily, w, off, workdays, weeks))


def plot_window_detail(detail: WindowDetail, *, lang: str = "zh", ax=None, **kwargs):
    """Daily users around one window: the window shaded, baseline days marked, and on the window's
    days what the lift's fit expects without the holiday (the lift is the window's users over it;
    without it, the baseline days' mean as a line)."""
    ax = _ax(ax, (7, 3.5))
    r = detail.row
    ax.plot(detail.days.index, detail.days.to_numpy(), color="#4C78A8", lw=1, label=L.t("daily_users", lang),
            **kwargs)
    ax.axvspan(pd.Timestamp(r["start"]), pd.Timestamp(r["end"]) + pd.Timedelta(days=1), color="#F58518",
               alpha=0.25, label=L.t("holiday_window", lang))
    if len(detail.baseline):
        ax.scatter(detail.baseline.index, detail.baseline.to_numpy(), s=14, color="#54A24B", zorder=3,
                   label=L.t("baseline_days", lang))
        if detail.expected is None or not len(detail.expected):
            ax.axhline(detail.baseline.mean(), color="#54A24B", ls="--", lw=1)
    if detail.expected is not None and len(detail.expected):
        # a window at a month's low start sat under the baseline days' mean at a lift of 1.19: the
        # comparison the number makes is drawn instead
        ax.plot(detail.expected.index, detail.expected.to_numpy(), color="#E45756", ls="--", marker="o", ms=3,
                lw=1.2, label=L.t("expected_without", lang), zorder=4)
    # "lift" would call a fall (a shop closed at Christmas, 0.00x) a lift: the ratio says either way
    shown = L.t("no_activity", lang) if r["lift"] == 0 else L.times(r["lift"], lang)
    lift = (L.t("lift", lang).format(lift=shown, lo=r["ci_low"], hi=r["ci_high"])
            if pd.notna(r["lift"]) else L.t("no_lift", lang))
    ax.set_title(f"{window_label(r, lang)} · {lift}", pad=34)
    ax.set_ylabel(L.t("users", lang))
    ax.tick_params(axis="x", rotation=30)
    # above the plot, under the title: inside it, it hid days of some windows wherever it stood
    ax.legend(fontsize=8, loc="lower left", bbox_to_anchor=(0, 1.0), ncol=2, frameon=False, borderaxespad=0.2)
    return ax


def arm_intervals(row: pd.Series, alpha: float = 0.05) -> pd.DataFrame:
    """The goal metric of each arm with its interval (Wilson for a control-arm test; none for diff-in-diff)."""
    out = []
    for arm in ("treatment", "control"):
        value, n = float(row[arm]), int(row[f"n_{arm}"])
        lo = hi = np.nan
        if row["method"] == "control arm" and n > 0 and np.isfinite(value):
            lo, hi = proportion_confint(round(value * n), n, alpha=alpha, method="wilson")
        out.append({"arm": arm, "value": value, "ci_low": lo, "ci_high": hi, "n": n})
    return pd.DataFrame(out)


def plot_campaign_arms(row: pd.Series, *, lang: str = "zh", ax=None, **kwargs):
    """The goal metric of the two arms with their intervals and sizes; without a control arm
    (diff-in-diff) the change of the members and of everyone else, in points (they are no rates,
    and no split was planned to check).  The title says when the campaign ran."""
    from .tables import campaign_months
    ax = _ax(ax, (5, 3.5))
    arms = arm_intervals(row)
    did = row["method"] != "control arm"
    names = [f"{L.t(('did_' + a) if did else a, lang)}\nn = {n:,}" for a, n in zip(arms["arm"], arms["n"])]
    ax.bar(names, arms["value"], color=["#4C78A8", "#BAB0AC"], **kwargs)
    if arms["ci_low"].notna().all():
        ax.errorbar(range(2), arms["value"], yerr=[arms["value"] - arms["ci_low"], arms["ci_high"] - arms["value"]],
                    fmt="none", ecolor="k", capsize=4)
    if did:
        ax.axhline(0, color="grey", lw=0.8)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+z.1f}"))
        ax.set_ylabel(L.t("pts_unit", lang))
    else:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
    when = campaign_months(row.get("start_date"), row.get("end_date"))
    check = L.t("did_no_split", lang) if did else L.t("srm_flag" if row["srm_flag"] else "srm_ok", lang)
    ax.set_title(f"{row['campaign_id']} {row['name']}{' · ' + when if when else ''} · {L.metric(row['metric'], lang)}"
                 f"\n{check}", fontsize=10)
    return ax


def plot_campaign_difference(row: pd.Series, *, lang: str = "zh", ax=None, **kwargs):
    """The difference treatment − control with its interval and p-value."""
    ax = _ax(ax, (5, 3.5))
    d = row["difference"]
    ax.errorbar([d], [0], xerr=[[d - row["ci_low"]], [row["ci_high"] - d]], fmt="o", color="#4C78A8", capsize=6,
                mfc="white" if row["method"] != "control arm" else "#4C78A8", **kwargs)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks([])
    # in points, as the table and the findings give it (a difference of two rates)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+z.1f}"))
    ax.set_xlabel(f"{L.t('difference', lang)} ({L.t('treatment', lang)} − {L.t('control', lang)}, "
                  f"{L.t('pts_unit', lang)})")
    p = L.p_value(row["p_value"])
    ax.set_title(f"{L.points(d, lang)} [{row['ci_low'] * 100:+z.1f}, {row['ci_high'] * 100:+z.1f}]"
                 + (f" · p {p}" if p.startswith("<") else f" · p = {p}" if p else "")
                 + f" · {L.t(row['method'], lang)}", fontsize=10)
    return ax
