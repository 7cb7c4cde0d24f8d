"""Charts of retention cohorts and of breakdowns by segment.  Each ``plot_x(df, ..., ax=None,
**kwargs)`` draws on ``ax`` (a new one when None), forwards ``kwargs`` and returns the axis."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from . import labels as L
from ..analyses.cohorts import OTHER, group_small
from ..aggregates.segments import UNKNOWN
from .plots import note_left_out, without_history


def _ax(ax, figsize=(9, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def _gap(column: str, lang: str) -> str:
    """The space before a column's name after 按: none before Chinese (月活率,按渠道), one before
    Latin letters (按 colour) and in English."""
    return "" if lang == "zh" and not column[:1].isascii() else " "


def segment_label(name, lang: str = "zh", *, alone: bool = False) -> str:
    """A segment's name as shown: the data's value, or the words for 'unknown' and 'other';
    ``alone``: 'other' is every segment (each was small), the whole drawn as one line."""
    if alone and name == OTHER:
        return L.t("segment_all_small", lang)
    return {UNKNOWN: L.t("segment_unknown", lang), OTHER: L.t("segment_other", lang)}.get(name, str(name))


def _ages(table: pd.DataFrame) -> list[str]:
    return [c for c in table.columns if c.startswith("m") and c[1:].isdigit()]


def plot_cohort_heatmap(table: pd.DataFrame, *, lang="zh", ax=None, last: int = 12, annotate: bool = True, **kwargs):
    """The retention triangle of :func:`toolkit.analyses.cohorts.cohort_table` (shares) as a
    heatmap: the last ``last`` cohorts (rows, with their size) by months since entry (columns)."""
    t = table.tail(last)
    ages = [a for a in _ages(t) if t[a].notna().any()]
    values = t[ages].to_numpy(dtype=float)
    ax = _ax(ax, (min(2 + 0.75 * len(ages), 14), 0.45 * len(t) + 1.5))
    im = ax.imshow(np.ma.masked_invalid(values), cmap=kwargs.pop("cmap", "Blues"), vmin=0, vmax=1, aspect="auto",
                   **kwargs)
    ax.set_xticks(range(len(ages)), [a[1:] for a in ages])
    ax.set_yticks(range(len(t)), [f"{c}  ({n:,})" for c, n in zip(t["cohort"], t["size"])])
    if annotate:
        for i in range(values.shape[0]):
            for j in range(values.shape[1]):
                if not np.isnan(values[i, j]):
                    ax.text(j, i, f"{values[i, j]:.0%}", ha="center", va="center", fontsize=7,
                            color="white" if values[i, j] > 0.6 else "black")
    ax.set_xlabel(L.t("months_since_entry", lang))
    ax.set_ylabel(f"{L.t('entry_month', lang)} ({L.t('cohort_size', lang)})")
    title = L.t("cohort_heatmap", lang)
    if len(table) > len(t):      # the earlier cohorts are in the export (toolkit cohorts), not in the chart
        title += "\n" + L.t("cohort_heatmap_last", lang).format(n=len(t), of=len(table))
    ax.set_title(title)
    ax.figure.colorbar(im, ax=ax, format=PercentFormatter(1.0), fraction=0.03)
    return ax


def plot_layer_cake(cake: pd.DataFrame, *, lang="zh", ax=None, last: int = 12, **kwargs):
    """Active users per month stacked by entry cohort (:func:`toolkit.analyses.cohorts.layer_cake`);
    cohorts before the last ``last`` are one layer ("earlier").  Each month is a step (a month's
    users are one number, not a slope from the month before: a June cohort began as a wedge in May)."""
    ax = _ax(ax, (11, 4.5))
    kwargs.setdefault("step", "mid")
    cohorts = [c for c in cake.columns if c != "month"]
    recent, early = cohorts[-last:], cohorts[:-last]
    layers = ([(L.t("earlier_cohorts", lang), cake[early].sum(axis=1).to_numpy())] if early else []) + \
        [(c, cake[c].to_numpy()) for c in recent]
    x = np.arange(len(cake))
    ax.stackplot(x, *[v for _, v in layers], labels=[n for n, _ in layers],
                 colors=plt.get_cmap("viridis")(np.linspace(0, 1, len(layers))), **kwargs)
    ax.set_xticks(x, cake["month"], rotation=90)
    ax.set_ylabel(L.t("users", lang))
    ax.set_title(L.t("layer_cake", lang))
    ax.legend(ncol=2, fontsize=7, loc="upper left", title=L.t("entry_month", lang), title_fontsize=8)
    return ax


def _line_style(i: int, kwargs: dict) -> dict:
    """The ``i``-th segment's line: the ten colours of the cycle, then the same colours dashed and
    dotted (the eleventh of ten cities and 'unknown' were the same blue line)."""
    style = {"color": f"C{i % 10}", "linestyle": ("-", "--", ":")[i // 10 % 3]}
    return {**style, **kwargs}


def plot_segment_rate(seg_monthly: pd.DataFrame, by: str, *, rate="active_rate", min_users: int = 0, lang="zh",
                      names: dict | None = None, ax=None, **kwargs):
    """One line per segment of a rate of :func:`toolkit.analyses.cohorts.segment_monthly` (small
    segments drawn together as 'other').  ``names``: the configuration's ``segment_names``, for
    the column's name in the title (:func:`labels.segment_column`)."""
    ax = _ax(ax, (11, 4))
    df = group_small(seg_monthly, min_users) if min_users else seg_monthly
    if rate == "active_rate" and {"new", "cumulative"} <= set(df.columns):   # the data's first month: 100% everywhere
        whole = df.groupby("month", sort=True)[["new", "cumulative"]].sum().reset_index()
        skip = without_history(whole)
        df = df[~df["month"].isin(skip)]
        note_left_out(ax, skip, lang)
    alone = set(df["segment"]) == {OTHER}      # every segment small: the line is the whole, said in the legend
    for i, (seg, g) in enumerate(df.groupby("segment", sort=False)):
        ax.plot(g["month"], g[rate], marker=".", label=segment_label(seg, lang, alone=alone), **_line_style(i, kwargs))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.tick_params(axis="x", rotation=90)
    column = L.segment_column(by, lang, names)     # one form for every rate: 月活率,按渠道 / new-user retention by ...
    if lang == "en" and f"segment_column_{by}" in L.TEXT and not ((names or {}).get(by) or {}).get(lang):
        column = column[:1].lower() + column[1:]    # the toolkit's own word mid-sentence: "by channel"
    name = L.rate(rate, lang)
    ax.set_title(f"{name},按{_gap(column, lang)}{column}" if lang == "zh" else
                 f"{name[:1].upper() + name[1:]} by {column}")
    ax.legend(fontsize=8, ncol=2)
    return ax


def retention_curves(counts_table: pd.DataFrame, min_users: int = 0) -> pd.DataFrame:
    """Per segment, the share of the users of every cohort old enough that is active at each
    month since entry (pooled over cohorts): one row per segment, columns ``m0``, ``m1``, ...
    From :func:`cohort_table` with ``counts=True`` and ``by``."""
    t = group_small(counts_table, min_users) if min_users else counts_table
    out = {}
    for seg, g in t.groupby("segment", sort=False):
        row = {}
        for a in _ages(g):
            seen = g[a].notna()
            row[a] = g.loc[seen, a].astype(float).sum() / g.loc[seen, "size"].sum() if seen.any() else np.nan
        out[seg] = row
    return pd.DataFrame.from_dict(out, orient="index").rename_axis("segment").reset_index()


def plot_segment_retention(curves: pd.DataFrame, by: str, *, lang="zh", names: dict | None = None, ax=None,
                           max_age: int = 12, **kwargs):
    """One retention curve per segment (:func:`retention_curves`), months since entry 0..``max_age``;
    ``names`` as in :func:`plot_segment_rate`."""
    ax = _ax(ax, (9, 4))
    ages = _ages(curves)[:max_age + 1]
    alone = set(curves["segment"]) == {OTHER}
    for i, (_, r) in enumerate(curves.iterrows()):
        ax.plot(range(len(ages)), r[ages].to_numpy(dtype=float), marker=".",
                label=segment_label(r["segment"], lang, alone=alone),
                **_line_style(i, kwargs))
    ax.set_xticks(range(len(ages)), [a[1:] for a in ages])
    ax.set_xlabel(L.t("months_since_entry", lang))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    column = L.segment_column(by, lang, names)
    ax.set_title(f"{L.t('segment_retention', lang)}{_gap(column, lang)}{column}")
    ax.legend(fontsize=8, ncol=2)
    return ax
