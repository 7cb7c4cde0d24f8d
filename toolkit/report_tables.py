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
