"""Tables as shown in the reports (formatted, headers in the report language) and the
numbers a notebook records for tests and for the management summary."""
from __future__ import annotations

import json
import math

import pandas as pd

from . import labels as L
from .lifecycle import RATES

METRICS_MIME = "application/vnd.toolkit.metrics+json"


def styled(df: pd.DataFrame):
    """A table for display without the row numbers."""
    return df.style.hide(axis="index")


def _fmt_pct(x):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _fmt_int(x):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{int(round(x)):,}"


def lifecycle_summary_table(monthly: pd.DataFrame, lang: str = "zh", last: int = 6) -> pd.DataFrame:
    """The last months: MAU, cumulative users, active rate and the four rates."""
    df = monthly.tail(last)
    out = pd.DataFrame({L.t("month", lang): df["month"]})
    for c in ("new", "mau", "cumulative"):
        name = {"new": L.state("new", lang), "mau": "MAU 月活" if lang == "zh" else "MAU",
                "cumulative": "累计用户" if lang == "zh" else "cumulative users"}[c]
        out[name] = df[c].map(_fmt_int)
    for c in ["active_rate", *RATES]:
        out[L.rate(c, lang)] = df[c].map(_fmt_pct)
    return out.reset_index(drop=True)


def decomposition_table(dec: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    cols = {"term": ("term", "项目"), "pool": ("users last month", "上月人数"), "rate": ("rate", "比率"),
            "users": ("users this month", "本月人数")}
    name = lambda c: cols[c][1] if lang == "zh" else cols[c][0]  # noqa: E731
    return pd.DataFrame({
        name("term"): dec["term_zh"] if lang == "zh" else dec["term"],
        name("pool"): dec["pool"].map(_fmt_int), name("rate"): dec["rate"].map(_fmt_pct),
        name("users"): dec["users"].map(_fmt_int)})


def plan_tables(plan, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    p = plan.projection
    proj = pd.DataFrame({L.t("month", lang): p["month"], L.state("new", lang): p["new"].map(_fmt_int),
                         "MAU": p["mau"].map(_fmt_int), L.rate("active_rate", lang): p["active_rate"].map(_fmt_pct)})
    for c in RATES:
        proj[L.rate(c, lang)] = p[c].map(_fmt_pct)
    u = plan.uplifts
    names = [" + ".join(L.rate(x, lang) for x in r.split("+")) for r in u["rates"]]
    ups = pd.DataFrame({
        ("提升的指标" if lang == "zh" else "rates raised"): names,
        ("所需提升(百分点)" if lang == "zh" else "rise needed (points)"):
            [f"{x * 100:.1f}" if x is not None and not pd.isna(x) else ("无法达成" if lang == "zh" else "not reachable")
             for x in u["uplift"]],
        ("平均月活率" if lang == "zh" else "average active rate"): u["average_rate"].map(_fmt_pct)})
    return proj, ups


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def record(ctx, monthly: pd.DataFrame) -> dict:
    """Display the month's key numbers as a machine-readable output of the notebook.

    The output has only the mime type METRICS_MIME, so nbconvert's HTML leaves it
    out; the report runner and the tests read it from the executed notebook.
    """
    from IPython.display import display
    m = monthly.set_index("month")
    row = m.loc[ctx.month]
    data = {"section": "lifecycle", "month": ctx.month, "churn_after": ctx.churn_after, "target": ctx.target,
            "language": ctx.language,
            "current": {k: _clean(row[k]) for k in m.columns},
            "series": {c: [_clean(x) for x in m[c]] for c in ["mau", "active_rate", "new", *RATES]},
            "months": list(m.index)}
    display({METRICS_MIME: json.loads(json.dumps(data))}, raw=True)
    return data


def read_metrics(notebook_path) -> list[dict]:
    """Every METRICS_MIME output of an executed notebook."""
    import nbformat
    nb = nbformat.read(str(notebook_path), as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if METRICS_MIME in o.get("data", {}):
                out.append(o["data"][METRICS_MIME])
    return out


def holiday_table(lifts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Holiday windows ranked by lift, last year's same festival beside."""
    df = lifts.dropna(subset=["lift"]).sort_values("lift", ascending=False)
    zh = lang == "zh"
    return pd.DataFrame({
        ("节假日" if zh else "holiday"): df["name_zh"] if zh else df["name"],
        ("开始" if zh else "start"): df["start"].astype(str), ("结束" if zh else "end"): df["end"].astype(str),
        ("天数" if zh else "days"): df["days"],
        ("日活提升" if zh else "lift"): df["lift"].map(lambda v: f"{v:.2f}x"),
        ("95%区间" if zh else "95% interval"): [f"{a:.2f}–{b:.2f}" for a, b in zip(df["ci_low"], df["ci_high"])],
        ("去年同节日" if zh else "last year"): df["last_year_lift"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}x")})


def period_table(view: pd.DataFrame, lang: str = "zh", last: int = 6) -> pd.DataFrame:
    df = view.tail(last)
    zh = lang == "zh"
    out = pd.DataFrame({L.t("month", lang): df["month"]})
    for c in ["active_rate", *RATES]:
        out[L.rate(c, lang)] = df[c].map(_fmt_pct)
        out[(L.rate(c, lang) + (" 环比" if zh else " MoM"))] = df[f"{c}_mom"].map(
            lambda v: "" if pd.isna(v) else f"{v * 100:+.1f}")
        out[(L.rate(c, lang) + (" 同比" if zh else " YoY"))] = df[f"{c}_yoy"].map(
            lambda v: "" if pd.isna(v) else f"{v * 100:+.1f}")
    out["节假日" if zh else "holidays"] = df["holidays"].fillna("")
    out["活动" if zh else "campaigns"] = df["campaigns"].fillna("")
    return out.reset_index(drop=True)


def campaign_table(effects: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    zh = lang == "zh"
    return pd.DataFrame({
        ("活动" if zh else "campaign"): effects["campaign_id"] + " " + effects["name"],
        ("目标指标" if zh else "goal metric"): effects["metric"],
        ("实验组" if zh else "treatment"): effects["treatment"].map(_fmt_pct),
        ("对照组" if zh else "control"): effects["control"].map(_fmt_pct),
        ("差异(百分点)" if zh else "difference (points)"): effects["difference"].map(lambda v: f"{v * 100:+.1f}"),
        ("95%区间" if zh else "95% interval"): [f"{a * 100:+.1f} ~ {b * 100:+.1f}" for a, b in
                                               zip(effects["ci_low"], effects["ci_high"])],
        ("p值" if zh else "p-value"): effects["p_value"].map(lambda v: "" if pd.isna(v) else f"{v:.3g}"),
        ("分组比例异常" if zh else "SRM"): effects["srm_flag"].map(lambda v: ("是" if zh else "yes") if v else ""),
        ("方法" if zh else "method"): effects["method"],
        ("样本量" if zh else "n"): [f"{a:,} / {b:,}" for a, b in zip(effects["n_treatment"], effects["n_control"])]})


def funnel_table(funnel: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    zh = lang == "zh"
    out = pd.DataFrame({("注册月" if zh else "cohort"): funnel["cohort"],
                        ("新用户" if zh else "acquired"): funnel["acquired"].map(_fmt_int)})
    for c, (en, cn) in {"activated": ("activated", "激活"), "retained": ("retained", "次月留存"),
                        "paying": ("paying", "付费"), "referring": ("referring", "推荐")}.items():
        if funnel[c].notna().any():
            out[cn if zh else en] = funnel[f"{c}_share"].map(_fmt_pct)
    return out.reset_index(drop=True)


def record_periods(ctx, lifts: pd.DataFrame, effects: pd.DataFrame, notes: list[str] | None = None) -> dict:
    """Record the holiday lifts and campaign effects (METRICS_MIME, left out of the HTML);
    ``notes`` are warnings the summary page repeats (e.g. an estimated holiday calendar)."""
    from IPython.display import display
    data = {"section": "periods", "month": ctx.month, "language": ctx.language, "notes": list(notes or []),
            "holidays": [{k: (str(v) if k in ("start", "end") else _clean(v)) for k, v in r.items()}
                         for r in lifts.to_dict("records")],
            "campaigns": [{k: (str(v) if k in ("start_date", "end_date") else _clean(v)) for k, v in r.items()}
                          for r in effects.to_dict("records")]}
    display({METRICS_MIME: json.loads(json.dumps(data, default=str))}, raw=True)
    return data


def tag_table(dist: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    from .preference_plots import cat
    zh = lang == "zh"
    d = dist[~((dist["category"] == "other") & (dist["tagged"] == 0))]
    return pd.DataFrame({("类别" if zh else "category"): [cat(c, lang) for c in d["category"]],
                         ("带标签用户" if zh else "users tagged"): d["tagged"].map(_fmt_int),
                         ("占活跃用户" if zh else "share of users with activity"): d["tagged_share"].map(_fmt_pct),
                         ("主标签用户" if zh else "primary tag of"): d["primary"].map(_fmt_int),
                         ("平均占比" if zh else "mean share"): d["mean_share"].map(_fmt_pct)})


def scene_table(rules: pd.DataFrame, evaluation: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    from .preference_plots import cat
    zh = lang == "zh"
    ev = evaluation[evaluation["month"] == "all"].set_index("rule_id") if len(evaluation) else pd.DataFrame()
    def lift(rule):
        if rule not in ev.index or pd.isna(ev.loc[rule, "difference"]):
            return ""
        r = ev.loc[rule]
        return f"{r['difference'] * 100:+.1f} ({r['ci_low'] * 100:+.1f} ~ {r['ci_high'] * 100:+.1f})"
    return pd.DataFrame({
        ("规则" if zh else "rule"): rules["rule_id"],
        ("分群" if zh else "state"): [L.state(s, lang) if s != "any" else s for s in rules["state"]],
        ("未活跃月数" if zh else "months inactive"): rules["months_inactive"].map(lambda v: "" if pd.isna(v) else int(v)),
        ("标签" if zh else "tag"): [cat(t, lang) if t != "any" else t for t in rules["tag"]],
        ("推送内容" if zh else "content"): rules["content"],
        ("对照组比例" if zh else "control share"): rules["control_share"].map(_fmt_pct),
        ("下月受众" if zh else "audience next month"): rules["audience"].map(_fmt_int),
        ("回访提升(百分点, 95%区间)" if zh else "lift in points (95% interval)"): rules["rule_id"].map(lift)})


def record_preferences(ctx, dist: pd.DataFrame, evaluation: pd.DataFrame) -> dict:
    from IPython.display import display
    data = {"section": "preferences", "month": ctx.month, "language": ctx.language,
            "tags": [{k: _clean(v) for k, v in r.items()} for r in dist.to_dict("records")],
            "scenes": [{k: _clean(v) for k, v in r.items()} for r in evaluation.to_dict("records")]}
    display({METRICS_MIME: json.loads(json.dumps(data, default=str))}, raw=True)
    return data
