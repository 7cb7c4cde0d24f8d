"""Charts of the lifecycle section.  Each ``plot_x(df, ..., ax=None, **kwargs)``
draws on ``ax`` (a new one when None), forwards ``kwargs`` and returns the axis."""
from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns
from matplotlib import font_manager
from matplotlib.ticker import PercentFormatter

from . import labels as L
from ..analyses.lifecycle import RATES, STATES, without_history

PALETTE = dict(zip(STATES, ["#4C78A8", "#72B7B2", "#54A24B", "#EECA3B", "#F58518", "#B279A2", "#9D755D"]))
_CJK = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei", "Source Han Sans SC",
        "SimHei", "Microsoft YaHei", "PingFang SC")


def use_cjk_font() -> str | None:
    """Put an installed CJK font first in matplotlib's sans-serif list; returns its name (None if none found)."""
    have = {f.name for f in font_manager.fontManager.ttflist}
    for name in _CJK:
        if name in have:
            matplotlib.rcParams["font.sans-serif"] = [name, *matplotlib.rcParams["font.sans-serif"]]
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["axes.unicode_minus"] = False
            return name
    return None


def _ax(ax, figsize=(9, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def plot_states(monthly, *, lang="zh", ax=None, **kwargs):
    """Stacked bars of the seven states per month (the users of each month add up to the cumulative users)."""
    ax = _ax(ax)
    bottom = np.zeros(len(monthly))
    for s in STATES:
        ax.bar(monthly["month"], monthly[s], bottom=bottom, label=L.state(s, lang), color=PALETTE[s], **kwargs)
        bottom += monthly[s].to_numpy()
    ax.set_title(L.t("states_over_time", lang))
    ax.set_ylabel(L.t("users", lang))
    ax.tick_params(axis="x", rotation=90)
    ax.legend(ncol=4, fontsize=8, loc="upper left")
    return ax


def note_left_out(ax, months, lang):
    """A line under the chart naming the first month of the data, left out (``without_history``)."""
    if months:
        ax.text(0, -0.32, L.t("first_month_out", lang).format(month=", ".join(months)), transform=ax.transAxes,
                fontsize=8, color="#555555", va="top")
    return ax


def plot_active_rate(monthly, target=None, *, lang="zh", ax=None, **kwargs):
    """The monthly active rate as a line, with the target as a dashed line; the first month of
    the data (every user new, 100% by definition) is left out and named under the chart."""
    ax = _ax(ax)
    skip = without_history(monthly)
    monthly = monthly[~monthly["month"].isin(skip)]
    note_left_out(ax, skip, lang)
    ax.plot(monthly["month"], monthly["active_rate"], marker="o", label=L.rate("active_rate", lang), **kwargs)
    if target is not None:
        ax.axhline(target, color="#E45756", linestyle="--", label=f"{L.t('target', lang)} {target:.0%}")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(L.t("active_rate_vs_target", lang))
    ax.tick_params(axis="x", rotation=90)
    ax.legend()
    return ax


def _wrap(label: str, lang: str) -> str:
    """A bar's name on lines short enough to stand upright under it: five characters of Chinese,
    or about twelve letters of English, a line."""
    if lang == "zh":
        return "\n".join(label[i:i + 5] for i in range(0, len(label), 5))
    import textwrap
    return textwrap.fill(label, 12)


def plot_bridge(bridge, *, lang="zh", ax=None, **kwargs):
    """Waterfall from last month's MAU to this month's (rows of ``decomposition.mau_bridge``)."""
    ax = _ax(ax, (8, 4))
    names = bridge["step_zh"] if lang == "zh" else bridge["step"]
    starts, heights, colors = [], [], []
    for i, r in bridge.reset_index(drop=True).iterrows():
        if i == 0 or i == len(bridge) - 1:
            starts.append(0)
            heights.append(r["level"])
            colors.append("#4C78A8")
        else:
            starts.append(r["level"] - r["change"] if r["change"] >= 0 else r["level"])
            heights.append(abs(r["change"]))
            colors.append("#54A24B" if r["change"] >= 0 else "#E45756")
    ax.bar(range(len(bridge)), heights, bottom=starts, color=colors, **kwargs)
    for i, (s, h, c) in enumerate(zip(starts, heights, bridge["change"])):
        ax.text(i, s + h, f"{c:+,}" if 0 < i < len(bridge) - 1 else f"{h:,}", ha="center", va="bottom", fontsize=8)
    top = max((s + h for s, h in zip(starts, heights)), default=0)
    ax.set_ylim(0, top * 1.15 if top > 0 else 1)        # room for the labels above the tallest bar
    # upright and wrapped: turned 20 degrees, 上月活跃本月未活跃 ran into 上月活跃 beside it
    ax.set_xticks(range(len(bridge)), [_wrap(str(n), lang) for n in names])
    ax.set_title(L.t("mau_bridge", lang))
    ax.set_ylabel(L.t("users", lang))
    return ax


def plot_rates(monthly, *, lang="zh", ax=None, **kwargs):
    """The four rates over time, one line each; a rate of one month between months without it (no
    pool) is a dot that must be seen, and 0% and 100% sit inside the frame, not half on it."""
    ax = _ax(ax)
    for r in RATES:
        ax.plot(monthly["month"], monthly[r], marker="o", markersize=4, label=L.rate(r, lang), **kwargs)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(L.t("four_rates", lang))
    ax.tick_params(axis="x", rotation=90)
    ax.legend(ncol=2, fontsize=8)
    return ax


def label_heatmap(ax, xlabel: str | None = None, ylabel: str | None = None):
    """A heatmap's labels for reading: row names upright (seaborn turns them on end when it
    thinks they crowd, and 控车 / 内容 then read top to bottom), and the axis titles bold and
    set apart from the tick labels, so that "this month" is not read as part of the middle
    column's name."""
    ax.tick_params(axis="y", rotation=0)
    if xlabel is not None:
        ax.set_xlabel(xlabel, labelpad=10, fontweight="bold")
    if ylabel is not None:
        ax.set_ylabel(ylabel, labelpad=10, fontweight="bold")
    return ax


def plot_transitions(shares, *, counts=None, lang="zh", ax=None, **kwargs):
    """Heatmap of the transition matrix (row shares from ``decomposition.transitions``), without
    the row of users not yet entered: every one of them is new by definition (100%, always).
    ``counts`` (the matrix of counts beside the shares): each row's users named with its state,
    so that a 100% of one user is not read as a 100% of thousands."""
    ax = _ax(ax, (8, 5))
    data = shares.drop(index="not entered", errors="ignore").copy()
    totals = None if counts is None else counts.sum(axis=1)
    data.index = [L.state(s, lang) + ("" if totals is None else f" ({int(totals.get(s, 0)):,})") for s in data.index]
    data.columns = [L.state(s, lang) for s in data.columns]
    sns.heatmap(data, annot=True, fmt=".0%", cmap="Blues", vmin=0, vmax=1, cbar=False, ax=ax, **kwargs)
    ax.set_title(L.t("transitions", lang))
    return label_heatmap(ax, L.t("to", lang), L.t("from", lang))
