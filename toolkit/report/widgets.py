"""ipywidgets controls for JupyterLab: each section's explorer redraws its charts when a control changes.

Every explorer shows its charts as PNGs in ``ipywidgets.Image`` widgets (one per
chart, in ``images``; the last figures drawn are in ``figures``) rather than
through an ``Output`` widget, so nothing depends on capturing display output
(which can stall a notebook run without a front end).  Labels come from
:mod:`toolkit.report.labels` in the session's language; sliders report only when
released (``continuous_update=False``), so dragging does not queue a redraw
per step; PNGs are cut to their drawn extent, so no label is cut off.
"""
from __future__ import annotations

import io

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import FuncFormatter, MaxNLocator, NullFormatter, PercentFormatter

from . import labels as L
from ..analyses.decomposition import mau_bridge, transitions
from ..months import next_month
from .plots import plot_active_rate, plot_bridge, plot_rates, plot_states, plot_transitions

_STYLE = {"description_width": "initial"}


def _png(fig) -> bytes:
    """The figure as PNG bytes for an ``ipywidgets.Image``; the figure is closed."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _images(names):
    import ipywidgets as w
    # at its own size, narrower than the page when the figure is (a box would stretch it, blurred, to its width)
    return {n: w.Image(format="png", layout=w.Layout(max_width="100%", height="auto", align_self="flex-start"))
            for n in names}


def _fits(labels, least: int = 420) -> str:
    """A dropdown's width that shows its longest label whole (a CJK character counts twice)."""
    chars = max((sum(2 if ord(ch) > 0x2E80 else 1 for ch in str(x)) for x in labels), default=0)
    return f"{min(900, max(least, 130 + 8 * chars))}px"


def _grid(images, columns: int = 2):
    import ipywidgets as w
    return w.GridBox(list(images.values()), layout=w.Layout(grid_template_columns=f"repeat({columns}, 1fr)"))


def _mark_month(ax, month):
    """Shade the chosen month on a chart whose x axis is the months as categories, at the
    position the chart itself gave that month (a chart may leave months out: the active rate
    has no first month)."""
    try:
        i = float(ax.xaxis.convert_units(month))
    except (KeyError, ValueError, TypeError):   # the month is not drawn on this chart
        return ax
    ax.axvspan(i - 0.5, i + 0.5, color="grey", alpha=0.2, zorder=0)
    return ax


def lifecycle_figures(ctx, month: str, churn_after: int, monthly=None) -> dict:
    """The five lifecycle charts for one month and churn window, one figure each; each marks or is of ``month``."""
    monthly = ctx.lifecycle.monthly(churn_after) if monthly is None else monthly
    lang, out = ctx.language, {}
    fig, ax = plt.subplots(figsize=(9, 4))
    _mark_month(plot_states(monthly, lang=lang, ax=ax), month)
    out["states"] = fig
    fig, ax = plt.subplots(figsize=(9, 4))
    _mark_month(plot_active_rate(monthly, ctx.target, lang=lang, ax=ax), month)
    out["active_rate"] = fig
    fig, ax = plt.subplots(figsize=(9, 4))
    plot_bridge(mau_bridge(monthly, month), lang=lang, ax=ax)
    ax.set_title(f"{ax.get_title()} · {month}")
    out["bridge"] = fig
    fig, ax = plt.subplots(figsize=(9, 4))
    _mark_month(plot_rates(monthly, lang=lang, ax=ax), month)
    out["rates"] = fig
    fig, ax = plt.subplots(figsize=(8, 5))
    counts, shares = transitions(ctx.lifecycle, month, churn_after)
    plot_transitions(shares, counts=counts, lang=lang, ax=ax)
    ax.set_title(f"{ax.get_title()} · {month}")
    out["transitions"] = fig
    return out


class LifecycleExplorer:
    """A month dropdown and a churn-window slider; either change redraws all five charts.

    ``widget`` is what the notebook displays.
    """

    CHARTS = ("states", "active_rate", "bridge", "rates", "transitions")

    def __init__(self, ctx):
        import ipywidgets as w
        self.ctx, lang = ctx, ctx.language
        self._monthly = {ctx.churn_after: ctx.monthly}
        months = list(ctx.monthly["month"].iloc[1:])
        self.month = w.Dropdown(options=months, value=ctx.month if ctx.month in months else months[-1],
                                description=L.t("month", lang), style=_STYLE)
        self.churn_after = w.IntSlider(value=ctx.churn_after, min=1, max=12, description=L.t("churn_window", lang),
                                       continuous_update=False, style=_STYLE,
                                       layout=w.Layout(width="360px"))
        self.images = _images(self.CHARTS)
        self.figures = {}
        self.month.observe(self.redraw, "value")
        self.churn_after.observe(self.redraw, "value")
        self.widget = w.VBox([w.HBox([self.month, self.churn_after]), _grid(self.images)])
        self.redraw()

    def redraw(self, *_):
        k = self.churn_after.value
        if k not in self._monthly:
            self._monthly[k] = self.ctx.lifecycle.monthly(k)
        self.figures = lifecycle_figures(self.ctx, self.month.value, k, self._monthly[k])
        for name, fig in self.figures.items():
            self.images[name].value = _png(fig)


class PreferenceExplorer:
    """Pick a lifecycle state, a category, or both.

    - a state: its mean share of active days per category, all states' mean as markers;
    - a category: its share in each state;
    - both: the category across states with the chosen state highlighted and its share in the title.

    ``overall``: the mean share per category over the users of every state together
    (``all_states_mean_share``); without it, the states' means weighted alike.  Each bar is
    labelled with its value.
    """

    def __init__(self, mean_share, lang: str = "zh", overall=None):
        import ipywidgets as w
        from .preference_plots import cat
        # a category no user spends a day on (no event of it) has nothing to draw: not offered
        mean_share = mean_share.loc[:, mean_share.fillna(0).gt(0).any()]
        self.mean_share, self.lang = mean_share, lang
        self.overall = (mean_share.mean() if overall is None else overall).reindex(mean_share.columns)
        everything = L.t("all", lang)
        self.state = w.Dropdown(options=[(everything, "")] + [(L.state(s, lang), s) for s in mean_share.index],
                                description=L.t("state", lang), style=_STYLE)
        self.category = w.Dropdown(options=[(everything, "")] + [(cat(c, lang), c) for c in mean_share.columns],
                                   description=L.t("category", lang), style=_STYLE)
        self.images = _images(["shares"])
        self.image = self.images["shares"]
        self.figures = {}
        self.figure = None
        self.state.observe(self.redraw, "value")
        self.category.observe(self.redraw, "value")
        self.widget = w.VBox([w.HBox([self.state, self.category]), self.image])
        self.redraw()

    def redraw(self, *_):
        from .preference_plots import cat
        lang, state, category = self.lang, self.state.value, self.category.value
        fig, ax = plt.subplots(figsize=(8, 4))
        if category:
            s = self.mean_share[category]
            # the chosen state stands out in the chart's blue, the others grey (red read as a warning)
            colors = ["#4C78A8" if not state or x == state else "#BAB0AC" for x in s.index]
            bars = ax.barh([L.state(x, lang) for x in s.index], s.to_numpy(), color=colors)
            title = cat(category, lang)
            if state:
                title += f" · {L.state(state, lang)}: {s.get(state, np.nan):.1%}"     # as its bar's label
        else:
            mean = self.overall
            row = self.mean_share.loc[state] if state else mean
            labels = [cat(c, lang) for c in row.index]
            bars = ax.barh(labels, row.to_numpy(), color="#4C78A8")
            if state:
                ax.scatter(mean.to_numpy(), labels, marker="|", s=300, color="k", zorder=3,
                           label=L.t("all_states", lang))
                ax.legend(loc="lower right", fontsize=8)
            title = L.state(state, lang) if state else L.t("all_states", lang)
        # the values on the bars (a reader measured pixels to read them), past the all-states marker where
        # there is one (drawn over a label, it made 14.7% read "|4.7%")
        marks = mean.to_numpy() if not category and state else np.zeros(len(bars.datavalues))
        right = max([v for v in list(bars.datavalues) + list(marks) if v == v] or [0])
        for bar, v, m in zip(bars, bars.datavalues, marks):
            if v == v:
                ax.text(max(v, m if m == m else 0) + right * 0.02, bar.get_y() + bar.get_height() / 2, f"{v:.1%}",
                        va="center", fontsize=8)
        ax.margins(x=0.12)
        ax.set_xlabel(L.t("share_of_active_days", lang))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.invert_yaxis()
        ax.set_title(title)
        self.figure = self.figures["shares"] = fig
        self.image.value = _png(fig)


class PeriodExplorer:
    """Pick a holiday window (its daily users against its baseline, last year's same festival beside it)
    and a campaign (its arms, the difference with its interval, the sample-ratio check)."""

    def __init__(self, daily, lifts, effects, *, lang: str = "zh", country: str = "CN", weeks: int = 3):
        import ipywidgets as w
        from .period_detail import window_label
        self.daily, self.lifts, self.effects = daily, lifts.reset_index(drop=True), effects.reset_index(drop=True)
        self.lang, self.country, self.weeks = lang, country, weeks
        windows = [(window_label(r, lang), i) for i, r in self.lifts.iterrows()]
        self.window = w.Dropdown(options=windows, value=windows[-1][1] if windows else None,
                                 description=L.t("holiday_window", lang), style=_STYLE,
                                 layout=w.Layout(width=_fits(x for x, _ in windows)))
        camps = [(f"{r['campaign_id']} {r['name']}", i) for i, r in self.effects.iterrows()]
        self.campaign = w.Dropdown(options=camps, value=camps[-1][1] if camps else None,
                                   description=L.t("campaign", lang), style=_STYLE,
                                   layout=w.Layout(width=_fits(x for x, _ in camps)))
        self.images = _images(["window", "campaign"])
        self.figures = {}
        self.window.observe(self.redraw_window, "value")
        self.campaign.observe(self.redraw_campaign, "value")
        # a part with nothing to pick is one line of text: no empty dropdown over a picture of a sentence
        parts = [[self.window, self.images["window"]] if windows else [w.HTML(f"<p>{L.t('no_windows', lang)}</p>")],
                 [self.campaign, self.images["campaign"]] if camps else
                 [w.HTML(f"<p>{L.t('no_campaigns', lang)}</p>")]]
        self.widget = w.VBox(parts[0] + parts[1])
        self.redraw_window()
        self.redraw_campaign()

    def _note(self, key):
        fig, ax = plt.subplots(figsize=(6, 0.8))
        ax.axis("off")
        ax.text(0, 0.5, L.t(key, self.lang), va="center")
        return fig

    def redraw_window(self, *_):
        from .period_detail import last_year_index, plot_window_detail, window_detail
        i = self.window.value
        if i is None:
            fig = self._note("no_windows")
        else:
            j = last_year_index(self.lifts, i)
            # last year's window beside this one; without one, this one alone and a line saying so
            # (not half the picture left empty)
            fig, axes = plt.subplots(1, 2 if j is not None else 1, figsize=(14 if j is not None else 8, 4),
                                     sharey=True, squeeze=False)
            a = axes[0, 0]
            plot_window_detail(window_detail(self.daily, self.lifts, i, country=self.country, weeks=self.weeks),
                               lang=self.lang, ax=a)
            if j is None:
                a.set_xlabel(L.t("no_last_year", self.lang), color="#555555")
            else:
                b = axes[0, 1]
                plot_window_detail(window_detail(self.daily, self.lifts, j, country=self.country,
                                                 weeks=self.weeks), lang=self.lang, ax=b)
                # the title keeps its room above the legend (set again, it lost it and the two overprinted);
                # the legend is the left chart's
                b.set_title(f"{L.t('last_year', self.lang)}: {b.get_title()}", fontsize=10, pad=34)
                b.get_legend().remove()
            fig.tight_layout()
        self.figures["window"] = fig
        self.images["window"].value = _png(fig)

    def redraw_campaign(self, *_):
        from .period_detail import plot_campaign_arms, plot_campaign_difference
        i = self.campaign.value
        if i is None:
            fig = self._note("no_campaigns")
        else:
            row = self.effects.loc[i]
            fig, (a, b) = plt.subplots(1, 2, figsize=(12, 3.8), gridspec_kw={"width_ratios": [1, 1.4]})
            plot_campaign_arms(row, lang=self.lang, ax=a)
            plot_campaign_difference(row, lang=self.lang, ax=b)
            fig.tight_layout()
        self.figures["campaign"] = fig
        self.images["campaign"].value = _png(fig)


class SegmentExplorer:
    """Pick the users column to break down by (of the offered ``columns``) and a rate: one line per
    segment of the rate over the months, and each segment's retention curve (share of its
    cohorts active by months since entry).  Segments below ``min_users`` are drawn as 'other'.
    Each column's breakdown is computed once (SQL over the snapshots) and kept."""

    RATE_CHOICES = ("active_rate", "retention_new", "retention_old", "wake_rate", "return_rate")

    def __init__(self, ctx, columns, by: str | None = None, *, min_users: int = 0, follow=None):
        """``follow``: a LifecycleExplorer whose month and churn window this one follows (the
        segments' rates then change with the slider above, and the marker with its month)."""
        import ipywidgets as w
        self.ctx, lang = ctx, ctx.language
        self.min_users = min_users
        self.follow = follow
        self._data = {}
        columns = list(columns)
        names = ctx.cfg.segment_names       # the column as the charts' titles name it (渠道, not channel)
        self.by = w.Dropdown(options=[(L.segment_column(c, lang, names), c) for c in columns],
                             value=by if by in columns else columns[0],
                             description=L.t("breakdown", lang), style=_STYLE)
        self.rate = w.Dropdown(options=[(L.rate(r, lang), r) for r in self.RATE_CHOICES], value="active_rate",
                               description=L.t("rate", lang), style=_STYLE)
        self.images = _images(["rate", "retention"])
        self.figures = {}
        self.by.observe(self.redraw, "value")
        self.rate.observe(self.redraw, "value")
        if follow is not None:
            follow.month.observe(self.redraw, "value")
            follow.churn_after.observe(self.redraw, "value")
        self.widget = w.VBox([w.HBox([self.by, self.rate]), _grid(self.images)])
        self.redraw()

    def _month_and_k(self) -> tuple[str, int]:
        if self.follow is not None:
            return self.follow.month.value, self.follow.churn_after.value
        return self.ctx.month, self.ctx.churn_after

    def data(self, by: str, k: int | None = None):
        """(segment monthly table, retention curves) of ``by`` for churn window ``k`` (default
        the context's); retention does not depend on k."""
        k = self.ctx.churn_after if k is None else k
        from ..analyses.cohorts import cohort_table, segment_monthly
        from .cohort_plots import retention_curves
        cols = self.ctx.cfg.segment_columns
        if (by, k) not in self._data:
            self._data[(by, k)] = segment_monthly(self.ctx.lifecycle, by, k, segment_columns=cols)
        if by not in self._data:
            counts = cohort_table(self.ctx.lifecycle, by=by, counts=True, segment_columns=cols)
            self._data[by] = retention_curves(counts, self.min_users)
        return self._data[(by, k)], self._data[by]

    def redraw(self, *_):
        from .cohort_plots import plot_segment_rate, plot_segment_retention
        by, lang = self.by.value, self.ctx.language
        month, k = self._month_and_k()
        seg, curves = self.data(by, k)
        fig, ax = plt.subplots(figsize=(9, 4))
        names = self.ctx.cfg.segment_names
        ax = plot_segment_rate(seg, by, rate=self.rate.value, min_users=self.min_users, lang=lang, names=names, ax=ax)
        ax.set_title(f"{ax.get_title()} (k = {k})")
        _mark_month(ax, month)
        self.figures["rate"] = fig
        fig, ax = plt.subplots(figsize=(8, 4))
        plot_segment_retention(curves, by, lang=lang, names=names, ax=ax)
        self.figures["retention"] = fig
        for name, f in self.figures.items():
            self.images[name].value = _png(f)


class RiskExplorer:
    """Whom to reach before they go quiet: pick a value tier, a lifecycle state, a primary tag
    and the lowest churn probability.  The chart shows the probabilities of the users of the
    tier, state and tag (the chosen part coloured; users on a log scale when thousands stand
    beside a few, so that the few still show), the text how many are chosen and how many of
    them are expected inactive next month, the table the riskiest of them with the model's
    reasons, and *Save the list* writes every chosen user to a .csv or .xlsx file (a path
    relative to the notebook's folder).

    ``risk`` a ``ChurnRisk``; ``scored`` its ``scores`` with ``tier`` (NaN: not scored) and
    ``primary_tag`` columns; ``mode`` the RFM mode (its unscored tier's name).  Without two
    primary tags (no feature_map) there is no tag control and no tag column."""

    SHOWN = 20

    def __init__(self, risk, scored, *, lang: str = "zh", mode: str = "rfm"):
        import ipywidgets as w
        from ..analyses.churn_risk import ACTIVE_STATES
        from ..analyses.preferences import UNKNOWN
        from ..analyses.value import tier_order
        from .value_risk import tier
        self.risk, self.lang, self.mode = risk, lang, mode
        self.next_month = next_month(risk.month)          # the month the probabilities are about
        self.scored = scored.assign(tier=scored["tier"].fillna("none"), primary_tag=scored["primary_tag"].fillna(UNKNOWN))
        everything = (L.t("all", lang), "")
        present = set(self.scored["tier"])
        order = [k for k in tier_order(mode) if k in present]
        self.tier = w.Dropdown(options=[everything] + [(tier(k, lang, mode), k) for k in order],
                               description=L.t("vr_tier", lang), style=_STYLE)
        states = [s for s in ACTIVE_STATES if s in set(self.scored["state"])]
        self.state = w.Dropdown(options=[everything] + [(L.state(s, lang), s) for s in states],
                                description=L.t("state", lang), style=_STYLE)
        counts = self.scored["primary_tag"].value_counts()
        self.tags = len(counts) > 1
        self.tag = w.Dropdown(options=[everything] + [(L.category(c, lang), c) for c in counts.index],
                              description=L.t("primary_tag", lang), style=_STYLE)
        first = self.start(self.scored["probability"])
        # in whole percent: the box beside a slider of fractions showed "30%" and took "50" as 95%, and 5-point
        # steps listed 113 users more than the riskiest tenth
        # up to 99%: a box that took 99 and showed 95 listed users below the probability typed
        self.min_probability = w.IntSlider(value=round(first * 100), min=0, max=99, step=1, readout_format="d",
                                           continuous_update=False, description=L.t("vr_min_probability", lang),
                                             style=_STYLE, layout=w.Layout(width="420px"))
        start_note = w.HTML(f"<small>{L.t('vr_start', lang).format(p=f'{first:.0%}')}</small>")
        self.file = w.Text(value=f"contact_list_{self.next_month}.csv", description=L.t("vr_file", lang), style=_STYLE,
                           layout=w.Layout(width="420px"))
        self.save = w.Button(description=L.t("vr_save", lang), icon="download")
        self.summary, self.table, self.message = w.HTML(), w.HTML(), w.HTML()
        self.images = _images(["probabilities"])
        self.figures = {}
        controls = [self.tier, self.state] + ([self.tag] if self.tags else [])
        for c in controls + [self.min_probability]:
            c.observe(self.redraw, "value")
        self.save.on_click(self.write)
        self.widget = w.VBox([w.HBox(controls), w.HBox([self.min_probability, start_note]),
                              self.images["probabilities"], self.summary, self.table,
                              w.HBox([self.file, self.save]), self.message])
        self.redraw()

    @staticmethod
    def start(probability) -> float:
        """The slider's first value: the probability above which the riskiest tenth of the month's
        users lie (the share the model's precision and recall are measured on), rounded down to
        the slider's whole percent."""
        from ..analyses.churn_risk import TOP_SHARE
        if not len(probability):
            return 0.0
        return float(min(np.floor(np.quantile(probability, 1 - TOP_SHARE) * 100) / 100, 0.99))

    @property
    def cut(self) -> float:
        """The lowest probability chosen, as a share (the slider is in whole percent)."""
        return self.min_probability.value / 100

    def group(self):
        """The users of the chosen tier, state and tag, at any probability."""
        from ..analyses.churn_risk import contact_list
        return contact_list(self.scored, tier=self.tier.value, state=self.state.value, primary_tag=self.tag.value)

    def chosen(self):
        """The users of the chosen tier, state and tag at or above the lowest probability, riskiest first."""
        from ..analyses.churn_risk import contact_list
        return contact_list(self.group(), min_probability=self.cut)

    def rows(self, df):
        """``df`` (some chosen users) as the table and the saved file show them, reasons in words."""
        import pandas as pd
        from .value_risk import tier
        lang = self.lang      # a saved list names its months: it is read away from the notebook, weeks later
        out = pd.DataFrame({L.t("user", lang): df["user_id"].to_numpy(),
                            L.t("vr_tier", lang): [tier(k, lang, self.mode) for k in df["tier"]],
                            L.t("state", lang): [L.state(s, lang) for s in df["state"]],
                            L.t("primary_tag", lang): [L.category(c, lang) for c in df["primary_tag"]],
                            self._probability: df["probability"].round(4).to_numpy(),
                            L.t("vr_reasons_of", lang).format(month=self.risk.month): self.risk.explain(df, lang)})
        return out if self.tags else out.drop(columns=L.t("primary_tag", lang))

    @property
    def _probability(self) -> str:
        return L.t("vr_probability_of", self.lang).format(month=self.next_month)

    def redraw(self, *_):
        lang, cut = self.lang, self.cut
        group = self.group()
        chosen = group[group["probability"] >= cut]
        fig, ax = plt.subplots(figsize=(8, 3.4))
        p = group["probability"].to_numpy()
        ax.hist([p[p >= cut], p[p < cut]], bins=np.linspace(0, 1, 21), stacked=True, color=["#E45756", "#BAB0AC"],
                label=[L.t("vr_at_or_above", lang).format(p=f"{cut:.0%}"), L.t("vr_below", lang).format(p=f"{cut:.0%}")])
        ax.axvline(cut, color="k", lw=1)
        log = bool(len(p)) and np.histogram(p, bins=20, range=(0, 1))[0].max() >= 20
        if log:      # thousands beside a few: bars of one user stand on the axis; ticks as plain counts (1, 10, ...)
            ax.set_yscale("log")
            ax.set_ylim(bottom=0.7)
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
        else:
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(L.t("vr_probability_in", lang).format(month=self.next_month))
        ax.set_ylabel(L.t("vr_users_log" if log else "users", lang))
        ax.set_title(L.t("vr_risk_hist", lang))
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False, fontsize=9)
        self.figures["probabilities"] = fig
        self.images["probabilities"].value = _png(fig)
        self.message.value = ""          # a saved file's line is about the choice it was saved from
        if len(chosen):
            from ..analyses.churn_risk import CALIBRATION_POINTS
            e = float(chosen["probability"].sum())
            self.summary.value = "<p>" + L.t("vr_chosen", lang).format(
                n=f"{len(chosen):,}", e=f"{e:,.0f}", share=f"{e / len(chosen):.0%}", month=self.next_month) + "</p>"
            back = self.risk.backtest(cut, self.state.value)    # how such probabilities held on a month with outcomes
            if back["users"]:
                gap = round(back["predicted"] * 100) - round(back["observed"] * 100)
                # the evaluation month's users have no tier or tag of that month: said when the choice has one
                who = L.t("vr_backtest_all", lang) if self.tier.value or self.tag.value else ""
                self.summary.value += "<p><small>" + L.t("vr_backtest", lang).format(
                    month=self.risk.eval_month, n=f"{back['users']:,}", p=f"{cut:.0%}", pred=f"{back['predicted']:.0%}",
                    obs=f"{back['observed']:.0%}", who=who) + (
                    L.t("vr_backtest_high" if gap > 0 else "vr_backtest_low", lang) if abs(gap) >= CALIBRATION_POINTS else "") + \
                    "</small></p>"
            self.shown = self.rows(chosen.head(self.SHOWN))
            column = self._probability
            shown = self.shown.assign(**{column: self.shown[column].map("{:.0%}".format)})
            html = (shown.style.hide(axis="index").format(escape="html")
                    .set_table_styles([{"selector": "th, td", "props": "text-align: left; padding: 2px 8px;"},
                                       {"selector": "th", "props": "word-break: keep-all;"}])
                    .to_html())
            self.table.value = f"<p>{L.t('vr_top_shown', lang).format(n=len(shown))}</p>" + html
        else:      # nobody of the tier, state and tag, or nobody of them at or above the line
            said = L.t("vr_none_above", lang).format(n=f"{len(group):,}", p=f"{cut:.0%}") if len(group) else \
                L.t("vr_none_chosen", lang)
            self.summary.value = f"<p>{said}</p>"
            self.shown, self.table.value = self.rows(chosen), ""

    def _say(self, key, **values):
        import html
        self.message.value = f"<p>{html.escape(L.t(key, self.lang).format(**values))}</p>"

    def write(self, *_):
        """Save every chosen user (not only the rows shown) to the file named above; the outcome
        in a line below (also when nothing is written: no traceback in the notebook)."""
        import errno
        from pathlib import Path
        from ..export import SUFFIXES, write_table
        lang, name = self.lang, self.file.value.strip()
        path = Path(name).expanduser()
        if path.suffix.lower() not in SUFFIXES:
            return self._say("vr_bad_file", name=name or L.t("vr_empty_name", lang))
        chosen = self.chosen()
        if chosen.empty:
            return self._say("vr_nothing_to_save")
        where = path.resolve()
        if not where.parent.is_dir():
            return self._say("vr_no_folder", path=where, folder=where.parent)
        replaced = where.exists()
        self._say("vr_saving", n=f"{len(chosen):,}", path=where)     # a large workbook takes seconds
        self.save.disabled = True
        try:
            write_table(self.rows(chosen), where, sheet=L.t("vr_sheet", lang), number_formats={self._probability: "0%"})
        except OSError as e:
            reason = (L.t("vr_no_permission", lang) if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS)
                      else e.strerror or str(e))
            return self._say("vr_not_saved", path=where, reason=reason)
        finally:
            self.save.disabled = False
        self._say("vr_replaced" if replaced else "vr_saved", n=f"{len(chosen):,}", path=where)
        return where
