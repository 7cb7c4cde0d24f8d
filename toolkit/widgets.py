"""ipywidgets controls for JupyterLab: pick a month and a churn window, the charts redraw."""
from __future__ import annotations

import io

import matplotlib.pyplot as plt

from .decomposition import mau_bridge, transitions
from .plots import plot_active_rate, plot_bridge, plot_rates, plot_states, plot_transitions


def lifecycle_figure(ctx, month: str, churn_after: int):
    """The lifecycle charts for one month and churn window, on one figure."""
    monthly = ctx.lifecycle.monthly(churn_after)
    fig, axes = plt.subplots(3, 2, figsize=(14, 13))
    plot_states(monthly, lang=ctx.language, ax=axes[0, 0])
    plot_active_rate(monthly, ctx.target, lang=ctx.language, ax=axes[0, 1])
    plot_bridge(mau_bridge(monthly, month), lang=ctx.language, ax=axes[1, 0])
    plot_rates(monthly, lang=ctx.language, ax=axes[1, 1])
    _, shares = transitions(ctx.lifecycle, month, churn_after)
    plot_transitions(shares, lang=ctx.language, ax=axes[2, 0])
    axes[2, 1].axis("off")
    fig.tight_layout()
    return fig


def _png(fig) -> bytes:
    """The figure as PNG bytes for an ``ipywidgets.Image``; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=80)
    plt.close(fig)
    return buf.getvalue()


class LifecycleExplorer:
    """A month dropdown and a churn-window slider; every change redraws the charts.

    ``widget`` is what the notebook displays; ``figure`` is the last figure drawn.
    The charts are shown as a PNG in an ``ipywidgets.Image`` rather than through
    an ``Output`` widget, so nothing depends on capturing display output (which
    can stall a notebook run without a front end).
    """

    def __init__(self, ctx):
        import ipywidgets as w
        self.ctx = ctx
        months = list(ctx.monthly["month"].iloc[1:])
        self.month = w.Dropdown(options=months, value=ctx.month if ctx.month in months else months[-1],
                                description="month / 月份")
        self.churn_after = w.IntSlider(value=ctx.churn_after, min=1, max=6, description="k / 流失标准")
        self.image = w.Image(format="png")
        self.figure = None
        self.month.observe(self.redraw, "value")
        self.churn_after.observe(self.redraw, "value")
        self.widget = w.VBox([w.HBox([self.month, self.churn_after]), self.image])
        self.redraw()

    def redraw(self, *_):
        self.figure = lifecycle_figure(self.ctx, self.month.value, self.churn_after.value)
        self.image.value = _png(self.figure)


class PreferenceExplorer:
    """Pick a lifecycle state (its category shares) or a category (its share across states)."""

    def __init__(self, mean_share, lang: str = "zh"):
        import ipywidgets as w
        from . import labels as L
        self.mean_share, self.lang = mean_share, lang
        self.state = w.Dropdown(options=[("(all)", "")] + [(L.state(s, lang), s) for s in mean_share.index],
                                description="state / 分群")
        self.category = w.Dropdown(options=[("(all)", "")] + [(c, c) for c in mean_share.columns],
                                   description="category / 类别")
        self.image = w.Image(format="png")
        self.figure = None
        self.state.observe(self.redraw, "value")
        self.category.observe(self.redraw, "value")
        self.widget = w.VBox([w.HBox([self.state, self.category]), self.image])
        self.redraw()

    def redraw(self, *_):
        from .preference_plots import cat
        from . import labels as L
        fig, ax = plt.subplots(figsize=(8, 4))
        if self.category.value:
            s = self.mean_share[self.category.value]
            ax.barh([L.state(x, self.lang) for x in s.index], s.to_numpy(), color="#54A24B")
            ax.set_title(cat(self.category.value, self.lang))
        else:
            row = self.mean_share.loc[self.state.value] if self.state.value else self.mean_share.mean()
            ax.barh([cat(c, self.lang) for c in row.index], row.to_numpy(), color="#4C78A8")
            ax.set_title(L.state(self.state.value, self.lang) if self.state.value else "all states")
        ax.invert_yaxis()
        self.figure = fig
        self.image.value = _png(fig)
