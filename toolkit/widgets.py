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
        if self.figure is not None:
            plt.close(self.figure)
        self.figure = lifecycle_figure(self.ctx, self.month.value, self.churn_after.value)
        buf = io.BytesIO()
        self.figure.savefig(buf, format="png", dpi=80)
        plt.close(self.figure)
        self.image.value = buf.getvalue()
