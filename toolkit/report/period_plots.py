"""Charts of the periods section.  Each ``plot_x(df, ..., ax=None, **kwargs)`` draws on
``ax`` (a new one when None), forwards ``kwargs`` and returns the axis."""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, PercentFormatter

from . import labels as L
from ..analyses.lifecycle import RATES
from .plots import _ax, note_left_out, without_history

_T = {"daily": ("Daily active users, holiday windows shaded", "日活跃用户(阴影为节假日)"),
      "lifts": ("Daily users in each holiday window against ordinary days (95% interval)",
                "节假日日活相对平日(95% 置信区间)"),
      "last_year": ("same festival last year", "去年同节日"),
      "lift_axis": ("daily users vs ordinary days (1 = no change; left of 1 = a drop)",
                    "日活相对平日的倍数(1 = 无变化,小于 1 为下降)"),
      "rates": ("Rates by month; holiday months ▲, campaign months ●", "月度指标(▲节假日月 ●活动月)"),
      "rates_holidays": ("Rates by month; holiday months ▲", "月度指标(▲节假日月)"),
      "rates_campaigns": ("Rates by month; campaign months ●", "月度指标(●活动月)"),
      "rates_plain": ("Rates by month", "月度指标"),
      "effects": ("Campaign effect on the goal metric (treatment − control, 95% interval)",
                  "活动效果(实验组−对照组,95% 置信区间)"),
      "funnel": ("AARRR funnel by entry month (share of the cohort)", "按注册月的增长漏斗(占同期新用户)"),
      "sticky": ("Stickiness: mean DAU / MAU", "粘性:日活/月活")}
_STEP = {"activated": ("activated", "激活"), "retained": ("retained next month", "次月留存"),
         "paying": ("paid within 3 months", "3个月内付费"), "referring": ("referred", "推荐")}


def _t(key, lang):
    en, zh = _T[key]
    return zh if lang == "zh" else en


def plot_daily_with_windows(daily: pd.Series, lifts: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """The daily series with every holiday window shaded."""
    ax = _ax(ax, (12, 4))
    ax.plot(daily.index, daily.to_numpy(), lw=0.8, **kwargs)
    for _, w in lifts.iterrows():
        ax.axvspan(pd.Timestamp(w["start"]), pd.Timestamp(w["end"]) + pd.Timedelta(days=1), color="#F58518", alpha=0.25)
    ax.set_title(_t("daily", lang))
    ax.set_ylabel(L.t("users", lang))
    return ax


def plot_holiday_lifts(lifts: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """Each window's lift with its interval, last year's same festival as a marker."""
    ax = _ax(ax, (10, 4.5))
    df = lifts.dropna(subset=["lift"]).reset_index(drop=True)
    names = [f"{(r['name_zh'] if lang == 'zh' else r['name'])} {r['start']:%Y}" for _, r in df.iterrows()]
    y = np.arange(len(df))
    # bars start at 1.0 (no change): rightward for a rise, leftward for a drop; green or red only when the
    # interval says so, grey for no clear change (as the table's direction column: 元旦 was a green bar beside
    # "no clear change")
    colors = ["#54A24B" if lo > 1 else "#E45756" if hi < 1 else "#BAB0AC" for lo, hi in zip(df["ci_low"], df["ci_high"])]
    ax.barh(y, df["lift"] - 1, left=1, color=colors, **kwargs)
    ax.errorbar(df["lift"], y, xerr=[df["lift"] - df["ci_low"], df["ci_high"] - df["lift"]], fmt="none", ecolor="k")
    if df["last_year_lift"].notna().any():
        ax.scatter(df["last_year_lift"], y, marker="D", color="#4C78A8", zorder=3, label=_t("last_year", lang))
        ax.legend(loc="lower right")
    ax.axvline(1, color="grey", lw=0.8)
    ax.set_yticks(y, names)
    ax.set_xlabel(_t("lift_axis", lang))
    ax.set_title(_t("lifts", lang))
    return ax


def plot_period_rates(view: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """The active rate and the four rates per month, holiday and campaign months marked; the
    first month of the data (every user new) has no active rate drawn, and says why."""
    ax = _ax(ax, (12, 4.5))
    x = np.arange(len(view))
    skip = without_history(view)
    note_left_out(ax, skip, lang)
    for c in ["active_rate", *RATES]:
        ax.plot(x, view[c].where(~view["month"].isin(skip)), marker=".", label=L.rate(c, lang), **kwargs)
    hol = view["holidays"].fillna("") != ""
    camp = view["campaigns"].fillna("") != ""
    # the markers in a band above 100%, apart from the lines (at 2% and 7% they sat on the return rate's line
    # and read as its points)
    ax.axhspan(1.005, 1.1, color="#f2f2f2", zorder=0)
    ax.scatter(x[hol], np.full(hol.sum(), 1.03), marker="^", color="#F58518", s=50, clip_on=False)
    ax.scatter(x[camp], np.full(camp.sum(), 1.075), marker="o", color="#B279A2", s=50, clip_on=False)
    ax.set_xticks(x, view["month"], rotation=90)
    ax.set_ylim(0, 1.1)
    ax.set_yticks(np.arange(0, 1.01, 0.2))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    # the title names the markers the chart has (a shop without campaigns had "campaign months ●" and none)
    ax.set_title(_t({(True, True): "rates", (True, False): "rates_holidays", (False, True): "rates_campaigns",
                     (False, False): "rates_plain"}[(bool(hol.any()), bool(camp.any()))], lang))
    # beside the plot: inside, wherever it stood, it covered some month's points
    ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), fontsize=8, frameon=False)
    return ax


def plot_campaign_effects(effects: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """A forest plot: each campaign's difference with its interval; diff-in-diff rows hollow."""
    ax = _ax(ax, (9, 0.6 * max(len(effects), 2) + 1.5))
    y = np.arange(len(effects))
    for i, (_, r) in enumerate(effects.iterrows()):
        hollow = r["method"] != "control arm"
        ax.errorbar(r["difference"], i, xerr=[[r["difference"] - r["ci_low"]], [r["ci_high"] - r["difference"]]],
                    fmt="o", mfc="white" if hollow else "#4C78A8", color="#4C78A8", capsize=4, **kwargs)
    ax.axvline(0, color="grey", lw=0.8)
    ax.set_yticks(y, [f"{r['campaign_id']} {r['name']} ({L.method(r['method'], lang)})" for _, r in effects.iterrows()])
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:+z.1f}"))     # points, as the table
    ax.set_xlabel(L.t("difference_points", lang))
    ax.set_title(_t("effects", lang))
    return ax


def plot_funnel(funnel: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """Each step's share of the cohort, one line per step, by entry month; a step at 100% in
    every cohort (paying, where every user entered with a purchase) is no line: it is so by
    construction, and the notes under the chart say it."""
    ax = _ax(ax, (12, 4))
    for step, (en, zh) in _STEP.items():
        col = f"{step}_share"
        if col in funnel and funnel[col].notna().any() and not (funnel[col].dropna() == 1).all():
            ax.plot(funnel["cohort"], funnel[col], marker=".", label=zh if lang == "zh" else en, **kwargs)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(0, 1.05)          # a step at 100% (every payer of a shop) stays visible above the frame's edge
    ax.tick_params(axis="x", rotation=90)
    ax.set_title(_t("funnel", lang))
    ax.legend(fontsize=8)
    return ax


def plot_stickiness(sticky: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    ax = _ax(ax, (12, 3.5))
    ax.plot(sticky["month"], sticky["dau_mau"], marker="o", **kwargs)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    # from zero: a change from 4.1% to 4.8% is small, and the axis should not make it look large
    ax.set_ylim(0, max(0.05, float(sticky["dau_mau"].max()) * 1.15) if len(sticky) else 1)
    ax.tick_params(axis="x", rotation=90)
    ax.set_title(_t("sticky", lang))
    return ax
