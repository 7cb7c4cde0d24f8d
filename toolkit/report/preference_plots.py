"""Charts of the preferences section.  Each ``plot_x(df, ..., ax=None, **kwargs)`` draws
on ``ax`` (a new one when None), forwards ``kwargs`` and returns the axis."""
from __future__ import annotations

import seaborn as sns
from matplotlib.ticker import PercentFormatter

from . import labels as L
from .plots import _ax, label_heatmap



def cat(name: str, lang: str = "zh") -> str:
    """A category's label in the report language (labels.category)."""
    return L.category(name, lang)


def plot_tag_distribution(dist, *, lang="zh", ax=None, **kwargs):
    """Share of the users of a feature (in the window) who carry each tag."""
    ax = _ax(ax, (8, 4))
    d = dist.dropna(subset=["tagged_share"])
    d = d[d["category"] != "other"] if (d.loc[d["category"] == "other", "tagged"] == 0).all() else d
    ax.barh([cat(c, lang) for c in d["category"]], d["tagged_share"], color="#4C78A8", **kwargs)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.invert_yaxis()
    ax.set_title("各偏好标签的用户占比(近三个月使用过功能的用户)" if lang == "zh"
                 else "Users carrying each tag (of the users of a feature in the last three months)")
    return ax


def plot_state_category(matrix, *, lang="zh", ax=None, **kwargs):
    """Heatmap of the state x category matrix (群体偏好)."""
    ax = _ax(ax, (9, 5))
    m = matrix.loc[:, [c for c in matrix.columns if not (c == "other" and (matrix[c].fillna(0) == 0).all())]].copy()
    m.index = [L.state(s, lang) for s in m.index]
    m.columns = [cat(c, lang) for c in m.columns]
    sns.heatmap(m, annot=True, fmt=".0%", cmap="Greens", vmin=0, vmax=1, cbar=False, ax=ax, **kwargs)
    ax.set_title("群体偏好:各分群的平均使用天数占比" if lang == "zh" else "Mean share of active days by state and category")
    return label_heatmap(ax)


def plot_tag_movement(moves, *, lang="zh", ax=None, **kwargs):
    """Users by primary tag last month (rows) and this month (columns), row shares; each row
    names its users, so that a 100% of one user is not read as a 100% of thousands."""
    ax = _ax(ax, (9, 5.5))
    totals = moves.sum(axis=1)
    shares = moves.div(totals, axis=0)
    shares.index = [f"{cat(c, lang)} ({int(totals[c]):,})" for c in shares.index]
    shares.columns = [cat(c, lang) for c in shares.columns]
    sns.heatmap(shares, annot=True, fmt=".0%", cmap="Purples", vmin=0, vmax=1, cbar=False, ax=ax, **kwargs)
    ax.set_title("主标签迁移(行占比)" if lang == "zh" else "How primary tags moved since last month (row shares)")
    return label_heatmap(ax, "本月" if lang == "zh" else "this month", "上月" if lang == "zh" else "last month")
