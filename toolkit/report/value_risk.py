"""Tables, charts, findings and the recorded figures of the value-and-risk section
(用户价值与流失预警).  Each ``plot_x(df, ..., ax=None, **kwargs)`` draws on ``ax`` (a new one
when None), forwards ``kwargs`` and returns the axis.  Nothing here shows a user id."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import PercentFormatter

from . import labels as L
from .plots import _ax, label_heatmap
from .tables import METRICS_MIME, _clean
from ..analyses.value import TIER_EN, TIER_ZH
from ..months import next_month, previous_month

KPI_WORDS = {"active_rate": None, "retention_old": None, "retention_new": None, "wake_rate": None,
             "return_rate": None, "new": ("new users", "新用户"), "dau_mau": ("DAU/MAU", "日活/月活"),
             "holiday_days": ("holiday days", "节假日天数"), "campaigns": ("campaigns", "活动数"),
             "pushes": ("pushes sent", "推送数")}
MODEL_WORDS = {"logistic": ("logistic regression", "逻辑回归"), "boosting": ("gradient boosting", "梯度提升树"),
               "baseline": ("baseline: recency alone", "基线:只看最近活跃时间")}


def tier(key: str, lang: str, mode: str = "rfm") -> str:
    """A tier's name; ``none``: the users not scored, by what scores them (``mode``: orders in
    RFM, activity in RF)."""
    if key == "none":
        return L.t("vr_no_tier" if mode == "rfm" else "vr_no_tier_rf", lang)
    return (TIER_ZH if lang == "zh" else TIER_EN).get(key, key)


def kpi(key: str, lang: str) -> str:
    w = KPI_WORDS.get(key)
    return L.rate(key, lang) if w is None else (w[1] if lang == "zh" else w[0])


def model(key: str, lang: str) -> str:
    w = MODEL_WORDS[key]
    return w[1] if lang == "zh" else w[0]


def _pct(x):
    return "" if pd.isna(x) else f"{x:.1%}"


def tier_table(summary: pd.DataFrame, lang: str, currency: str = "") -> pd.DataFrame:
    rf = summary["revenue"].isna().all()
    out = pd.DataFrame({L.t("vr_tier", lang): [tier(k, lang) for k in summary["tier"]],
                        L.t("users", lang): summary["users"].map("{:,}".format),
                        L.t("vr_share", lang): summary["share"].map(_pct),
                        L.t("vr_recency", lang): summary["recency_days"].map(lambda v: "" if pd.isna(v) else f"{v:.0f}"),
                        L.t("vr_frequency", lang): summary["frequency"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")})
    if not rf:
        out[L.money(L.t("vr_revenue", lang), currency, lang)] = summary["revenue"].map(lambda v: "" if pd.isna(v) else f"{v:,.0f}")
        out[L.t("vr_revenue_share", lang)] = summary["revenue_share"].map(_pct)
    return out


def plot_tier_state(matrix: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """Heatmap of users by value tier (rows) and lifecycle state (columns)."""
    ax = _ax(ax, (9, 5))
    m = matrix.loc[matrix.sum(axis=1) > 0, matrix.sum() > 0]     # no row or column of zeros (a shop's every user scored)
    sns.heatmap(m, annot=True, fmt=",d", cmap="Blues", cbar=False, ax=ax,
                yticklabels=[tier(k, lang, matrix.attrs.get("mode", "rfm")) for k in m.index], xticklabels=[L.state(s, lang) for s in m.columns],
                **kwargs)
    ax.set_title(L.t("vr_tier_state", lang))
    return label_heatmap(ax, L.t("state", lang), L.t("vr_tier", lang))


def evaluation_table(evaluation: pd.DataFrame, lang: str, outcome_month: str | None = None) -> pd.DataFrame:
    """The models' out-of-time accuracy; ``outcome_month``: the month whose inactivity the
    evaluation month's scores are checked against, named in the expected and observed
    columns (so that they are not read as next month's forecast)."""
    if outcome_month:       # the users active the month before, counted in the outcome month
        expected, observed = (L.t(key, lang).format(month=outcome_month, before=previous_month(outcome_month))
                              for key in ("vr_expected_in", "vr_observed_in"))
    else:
        expected, observed = L.t("vr_expected", lang), L.t("vr_observed", lang)
    return pd.DataFrame({
        L.t("vr_model", lang): [model(k, lang) + (" ✓" if c else "") for k, c in zip(evaluation["model"], evaluation["chosen"])],
        "AUC": evaluation["auc"].map(lambda v: f"{v:.3f}"),
        L.t("vr_precision", lang): evaluation["precision_top"].map(_pct),
        L.t("vr_recall", lang): evaluation["recall_top"].map(_pct),
        L.t("vr_calibration_gap", lang): evaluation["calibration_error"].map(lambda v: f"{v * 100:.1f}"),
        expected: evaluation["expected"].map(lambda v: f"{v:,.0f}"),
        observed: evaluation["observed"].map("{:,}".format),
        L.t("vr_validation_auc", lang): evaluation["validation_auc"].map(lambda v: "" if pd.isna(v) else f"{v:.3f}")})


def plot_calibration(curves: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """Observed against predicted share inactive next month, per model (10 quantile bins)."""
    ax = _ax(ax, (5.5, 5))
    hi = max(0.05, float(np.nanmax(curves[["predicted", "observed"]].to_numpy())) if len(curves) else 1.0)
    ax.plot([0, hi], [0, hi], color="#999999", lw=1, ls="--", label=L.t("vr_perfect", lang))
    for name, g in curves.groupby("model", sort=False):
        ax.plot(g["predicted"], g["observed"], marker="o", label=model(name, lang), **kwargs)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(L.t("vr_predicted", lang))
    ax.set_ylabel(L.t("vr_observed_share", lang))
    ax.set_title(L.t("vr_calibration", lang))
    ax.legend(fontsize=8)
    return ax


def plot_risk_by(table: pd.DataFrame, column: str, *, lang="zh", names=None, ax=None, **kwargs):
    """Mean probability of going inactive next month per group (bars), users in the label."""
    ax = _ax(ax, (8, 4))
    names = names or (lambda k: k)
    lab = [f"{names(k)} ({n:,})" for k, n in zip(table[column], table["users"])]
    ax.barh(lab, table["mean_probability"], color="#E45756", **kwargs)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.invert_yaxis()
    ax.set_xlabel(L.t("vr_mean_risk", lang))
    return ax


def risk_table(table: pd.DataFrame, column: str, lang: str, names=None) -> pd.DataFrame:
    names = names or (lambda k: k)
    group = {"state": "state", "primary_tag": "primary_tag", "tier": "vr_tier"}.get(column, "vr_group")
    return pd.DataFrame({L.t(group, lang): [names(k) for k in table[column]],
                         L.t("users", lang): table["users"].map("{:,}".format),
                         L.t("vr_mean_risk", lang): table["mean_probability"].map(_pct),
                         L.t("vr_expected_next", lang): table["expected_inactive"].map(lambda v: f"{v:,.0f}")})


def plot_kpi_heatmap(corr: pd.DataFrame, *, lang="zh", ax=None, **kwargs):
    """Correlation heatmap of the monthly KPIs (-1 .. 1).  A KPI that never varied in the data
    (e.g. no campaigns or pushes at all) has no correlation and is left out of the chart."""
    ax = _ax(ax, (10, 8))
    corr = corr.astype(float)
    keep = [k for k in corr.columns if corr[k].notna().any()]
    corr = corr.loc[keep, keep]
    names = [kpi(k, lang) for k in corr.columns]
    sns.heatmap(corr, vmin=-1, vmax=1, center=0, cmap="RdBu_r", annot=True, fmt=".2f",
                annot_kws={"fontsize": 9}, xticklabels=names, yticklabels=names, ax=ax, **kwargs)
    return ax


def ideas_table(ranked: pd.DataFrame, lang: str) -> pd.DataFrame:
    return pd.DataFrame({
        L.t("vr_rank", lang): ranked["rank"], L.t("vr_idea", lang): ranked["idea"],
        L.t("vr_target", lang): [" · ".join(x for x in (L.state(s, lang) if s != "any" else "",
                                                         L.t("vr_tagged", lang).format(L.category(t, lang))
                                                         if t != "any" else "") if x)
                                 or L.t("vr_everyone", lang) for s, t in zip(ranked["target_state"], ranked["target_tag"])],
        L.t("vr_reach", lang): ranked["reach"].map("{:,}".format),
        L.t("vr_impact", lang): ranked["impact"].map("{:g}".format),
        L.t("vr_confidence", lang): ranked["confidence"].map("{:g}".format),
        L.t("vr_ease", lang): ranked["ease"].map("{:g}".format),
        "ICE": ranked["ice"].map("{:g}".format), L.t("vr_owner", lang): ranked["owner"]})


def training_note(risk, train_months: int, lang: str) -> str | None:
    """A warning when the final model learned from fewer months of known outcome than
    ``train_months`` asks for (a short history): its scores are then rough; None otherwise."""
    first, last = (int(m[:4]) * 12 + int(m[5:7]) for m in risk.train_months)
    n = last - first + 1
    if n >= train_months:
        return None
    return (f"⚠ 只有 {n} 个月的已知结果可供训练(train_months 为 {train_months}):数据月份较少,风险分数仅供粗略参考。"
            if lang == "zh" else
            f"⚠ Only {n} month{'' if n == 1 else 's'} of known outcome to learn from (train_months asks for "
            f"{train_months}): with this little history, read the scores as rough.")


RISKIEST_STATE = ("The riskiest group is", "风险最高的分群是")
RISKIEST_RATIO = 1.5     # a state's mean probability this many times the other active users' is a finding
RISKIEST_MIN_USERS = 30


def months_covered(monthly: pd.DataFrame, month: str, window: int) -> int:
    """The months of the RFM ``window`` to ``month`` that the data hold (``monthly``: the lifecycle
    table, a row per month from the first): the findings say "the last 9 months" of a data set
    nine months long, not the window's 12."""
    months = list(monthly["month"])
    return min(int(window), months.index(month) + 1) if month in months else int(window)


def model_trust(found: list[str]) -> list[str]:
    """The findings that say how far the churn model is to be trusted (its accuracy, or that it
    could not be tested), and the riskiest state's: the summary page quotes them."""
    return [s for s in found if "AUC" in s or s.startswith(("Too few users to test", "用户太少,无法检验", *RISKIEST_STATE))]


def riskiest_state(by_state: pd.DataFrame | None, lang: str) -> str | None:
    """The lifecycle state whose active users are likeliest to be inactive next month, when its
    mean probability is at least ``RISKIEST_RATIO`` times that of the other active users (and it
    has ``RISKIEST_MIN_USERS``): with its share of the expected inactive.  (New users at 34%
    against 11% for the rest, a quarter of the expected losses, were on the page's chart only.)"""
    if by_state is None or len(by_state) < 2:
        return None
    r = by_state.loc[by_state["mean_probability"].idxmax()]
    rest = by_state.drop(index=r.name)
    others = rest["expected_inactive"].sum() / rest["users"].sum() if rest["users"].sum() else float("nan")
    if not (r["users"] >= RISKIEST_MIN_USERS and others > 0 and r["mean_probability"] >= RISKIEST_RATIO * others):
        return None
    total = by_state["expected_inactive"].sum()
    name = L.state(r["state"], lang)
    if lang == "zh":
        return (f"{RISKIEST_STATE[1]}{name}:下月不活跃的平均概率 {r['mean_probability']:.1%},其他活跃用户为 {others:.1%};"
                f"预计不活跃的 {total:,.0f} 人中约 {r['expected_inactive']:,.0f} 人是{name}。")
    return (f"{RISKIEST_STATE[0]} the '{name}' users: a mean probability of {r['mean_probability']:.1%} of being inactive next "
            f"month, against {others:.1%} for the other active users; about {r['expected_inactive']:,.0f} of the "
            f"{total:,.0f} expected inactive.")


def findings(summary, risk, pairs_words, ranked, lang: str, mode: str, by_tier=None,
             window: int | None = None, by_state=None) -> list[str]:
    # pairs_words: the KPI pairs of month-on-month changes in words (describe_pairs(changes=True)):
    # levels correlate whenever two KPIs both trend, the finding a reader would quote as a cause
    """The section's findings in a few sentences; ``window``: the RFM window in months, named in
    the tier sentence with whom the tiers score (a manager read 已分层用户 without knowing)."""
    out = []
    zh = lang == "zh"
    if mode == "rf":
        out.append(L.t("vr_rf_note", lang))
    if len(summary) and summary["users"].sum():
        col = "revenue_share" if summary["revenue_share"].notna().any() else "share"
        top = summary.loc[summary[col].idxmax()]
        what = L.t("vr_revenue_share", lang) if col == "revenue_share" else L.t("vr_share", lang)
        if col == "revenue_share" and window:
            out.append(f"{tier(top['tier'], lang)}:近 {window} 个月{what} {top[col]:.1%}(占已分层用户 {top['share']:.1%};"
                       f"已分层即近 {window} 个月有购买的用户)。" if zh else
                       f"{tier(top['tier'], lang)} customers hold the largest {what} over the last {window} months: "
                       f"{top[col]:.1%} ({top['share']:.1%} of scored users, those with an order in them).")
        elif col == "revenue_share":
            out.append(f"{tier(top['tier'], lang)}:{what} {top[col]:.1%}(占已分层用户 {top['share']:.1%})。" if zh else
                       f"{tier(top['tier'], lang)} customers hold the largest {what}: {top[col]:.1%} ({top['share']:.1%} of "
                       "scored users).")
        else:      # no revenue: the share of users is the one number (said once)
            out.append(f"{tier(top['tier'], lang)}:{what} {top[col]:.1%}。" if zh else
                       f"{tier(top['tier'], lang)} customers hold the largest {what}: {top[col]:.1%}.")
    if risk is not None:
        nxt = next_month(risk.month)     # named: the evaluation table's columns name an earlier month
        back = risk.backtest()
        again = risk.read_as(risk.expected_inactive, back)
        after = next_month(risk.eval_month)     # "on 2011-10 ... 59%" read as October's lapses: both months named
        held = "" if again is None else (
            f"模型曾预测 {risk.eval_month} 的活跃用户中 {back['predicted']:.0%} 在 {after} 不活跃,实际为 "
            f"{back['observed']:.0%}:这一人数{'偏高' if again < risk.expected_inactive else '偏低'},宜按约 {again:,.0f} 人(而非 {risk.expected_inactive:,.0f} 人)看待。"
            if zh else
            f" Of {risk.eval_month}'s active users the model put {back['predicted']:.0%} inactive in {after}, and "
            f"{back['observed']:.0%} were: expect about {again:,.0f} rather than {risk.expected_inactive:,.0f}.")
        out.append(f"预计本月活跃用户中约 {risk.expected_inactive:,.0f} 人下月({nxt})不活跃(共 {len(risk.scores):,} 人)。"
                   + held if zh else f"About {risk.expected_inactive:,.0f} of this month's {len(risk.scores):,} active "
                   f"users are expected to be inactive next month ({nxt}).{held}")
        valued = [] if by_tier is None else by_tier[by_tier["tier"] != "none"]
        if len(valued):       # the most valuable tier with active users first: who the month could lose
            r = valued.iloc[0]
            # read at the evaluation month's rate too, as the month's forecast above (not one figure of each kind)
            scaled = "" if again is None else (f",按同样的校正约为 {r['expected_inactive'] * again / risk.expected_inactive:,.0f} 人"
                                               if zh else f"; about {r['expected_inactive'] * again / risk.expected_inactive:,.0f} "
                                               "at the same correction")
            out.append(f"{tier(r['tier'], lang, mode)}中本月活跃 {r['users']:,} 人,预计 {r['expected_inactive']:,.0f} 人"
                       f"下月不活跃(平均概率 {r['mean_probability']:.0%}{scaled})。" if zh else
                       f"{tier(r['tier'], lang, mode)} customers active this month: {r['users']:,}; expected "
                       f"inactive next month: about {r['expected_inactive']:,.0f} (mean probability "
                       f"{r['mean_probability']:.0%}{scaled}).")
        riskiest = riskiest_state(by_state, lang)
        if riskiest:
            out.append(riskiest)
        ev = risk.evaluation.set_index("model")
        c, b = ev.loc[risk.chosen], ev.loc["baseline"]
        if risk.untested:       # an AUC of six users read as a verdict
            from ..analyses.churn_risk import untested_words
            out.append(untested_words(risk, lang))
        else:
                out.append((f"流失预警模型({model(risk.chosen, lang)})在 {risk.eval_month} 的样本外 AUC 为 {c['auc']:.3f},"
                        f"只看最近活跃时间的基线为 {b['auc']:.3f};风险最高的 10% 用户中 {c['precision_top']:.1%} 次月未活跃"
                        f"(基线选出的 10% 中为 {b['precision_top']:.1%},全部活跃用户中为 {c['base_rate']:.1%})。") if zh else
                       (f"The churn model ({model(risk.chosen, lang)}) scored an out-of-time AUC of {c['auc']:.3f} on "
                        f"{risk.eval_month}, against {b['auc']:.3f} for recency alone; of its riskiest 10%, "
                        f"{c['precision_top']:.1%} were inactive the month after, against {b['precision_top']:.1%} of "
                        f"recency's riskiest 10% and {c['base_rate']:.1%} of all active users."))
    out += pairs_words[:1]
    if ranked is not None and len(ranked):
        r = ranked.iloc[0]
        out.append(f"ICE 排名第一的想法:{r['idea']}(ICE {r['ice']:g},覆盖 {r['reach']:,} 人)。" if zh else
                   f"The top idea by ICE: {r['idea']} (ICE {r['ice']:g}, reaching {r['reach']:,} users).")
    return [s[:1].upper() + s[1:] for s in out]     # a sentence starts with a capital (tier names are lower case)


def record_value_risk(ctx, summary, risk, corr, ranked, mode) -> dict:
    """The section's figures as a machine-readable output (left out of the HTML)."""
    from IPython.display import display
    data = {"section": "value_risk", "month": ctx.month, "language": ctx.language, "mode": mode,
            "tiers": [{k: _clean(v) for k, v in r.items()} for r in summary.to_dict("records")],
            "kpi_months": int(corr["n_spearman"].to_numpy().max()) if corr is not None else 0,
            "ideas": int(len(ranked)) if ranked is not None else 0}
    if risk is not None:
        data["churn"] = {"chosen": risk.chosen, "eval_month": risk.eval_month, "expected": risk.expected_inactive,
                         "active_users": int(len(risk.scores)),
                         "models": [{k: _clean(v) for k, v in r.items()} for r in risk.evaluation.to_dict("records")]}
    display({METRICS_MIME: json.loads(json.dumps(data, default=str))}, raw=True)
    return data
