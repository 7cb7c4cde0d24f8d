"""Tables as shown in the reports (formatted, headers in the report language) and the
numbers a notebook records for tests and for the management summary."""
from __future__ import annotations

import json
import math

import pandas as pd

from . import labels as L
from ..analyses.lifecycle import RATES, STATES

METRICS_MIME = "application/vnd.toolkit.metrics+json"


_TABLES_READY = False
_DOWNLOAD_MONTH = ""      # the report month, in the name of every table's CSV download (lifecycle-2026-10.csv)


def name_downloads(month: str) -> None:
    """Name the CSV files the tables download for ``month`` (``open_report`` calls it): a manager's
    downloads of two months were both lifecycle.csv."""
    global _DOWNLOAD_MONTH
    _DOWNLOAD_MONTH = month or ""


def reset_tables() -> None:
    """The next :func:`styled` table outputs the DataTables library again.  Called by
    ``open_report`` at the start of every run of a notebook: in JupyterLab the library lives in
    the output of the first table, which a reloaded page has lost (the project's notebooks are
    saved without outputs), so a second "Run All" in the same kernel showed every table as
    "Loading ITables ..." until the kernel was restarted."""
    global _TABLES_READY
    _TABLES_READY = False


def styled(df: pd.DataFrame, lang: str = "zh", name: str = "table"):
    """A table for the report: sortable in the page and downloadable as CSV (UTF-8 with a byte
    order mark, as Excel wants it; the cells as shown), with no network.

    itables in its offline mode: the first table of a notebook also outputs the
    DataTables library inline, so the rendered page needs nothing from another host;
    where scripts do not run (a mail client), the plain table shows instead.
    Returns an object for ``display``.
    """
    global _TABLES_READY
    import itables.options as opt
    from IPython.display import HTML
    from itables.javascript import generate_init_offline_itables_html, to_html_datatable
    opt.display_logo_when_loading = False
    opt.warn_on_undocumented_option = False
    head = ""
    if not _TABLES_READY:
        head = generate_init_offline_itables_html(opt.dt_bundle)
        _TABLES_READY = True
    # a table of measures by month (rows: a rate, its change on last month, ...) is not sortable: sorting by a
    # month's column put "+0.3" beside "+13.3" as text and tore each change from its rate
    sortable = not df.attrs.get("transposed", False)
    html = head + to_html_datatable(df.reset_index(drop=True), showIndex=False, paging=False, connected=False,
                             ordering=sortable,
                             classes="display compact", order=[], autoWidth=False,
                             # a click on a column's title sorts it (itables' default left that to the small arrow:
                             # a manager clicked the title and nothing happened)
                             text_in_header_can_be_selected=False,
                             layout={"topStart": "buttons", "topEnd": None, "bottomStart": None, "bottomEnd": None},
                             # bom: Excel reads a UTF-8 file without it in the system's code page (Chinese
                             # headers garbled)
                             buttons=[{"extend": "csvHtml5", "text": L.t("download_csv", lang), "title": name,
                                       "filename": f"{name}-{_DOWNLOAD_MONTH}" if _DOWNLOAD_MONTH else name,
                                       "bom": True}])
    return HTML(html)


def _fmt_pct(x):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def _fmt_int(x):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{int(round(x)):,}"


def _by_month(rows: list[tuple[str, pd.Series]], months: pd.Series, lang: str) -> pd.DataFrame:
    """A table with one row per measure and one column per month, so that it stays narrow
    however many measures it has (it fits a 1,280-pixel window and an A4 page in landscape)."""
    rows = [(name, vals) for name, vals in rows if (vals.astype(str) != "").any()]   # no row of blanks
    out = pd.DataFrame({L.t("metric", lang): [name for name, _ in rows]})
    for i, m in enumerate(months):
        out[m] = [vals.iloc[i] for _, vals in rows]
    out.attrs["transposed"] = True     # rows are measures: sorting by a month would tear them apart (see styled)
    return out


def lifecycle_summary_table(monthly: pd.DataFrame, lang: str = "zh", last: int = 6, revenue=None,
                            currency: str = "") -> pd.DataFrame:
    """The last months (columns): the seven states, MAU, cumulative users, active rate and the four rates
    (rows); with ``revenue`` (``value.monthly_revenue``, when the data have orders) also the buyers, orders
    and revenue of each month (0 in a month without orders)."""
    df = monthly.tail(last).reset_index(drop=True)
    labels = df["month"]
    # the same month a year before, first, when the data hold it: the summary's "vs last year" stands on it
    year_before = f"{int(df['month'].iloc[-1][:4]) - 1}{df['month'].iloc[-1][4:]}" if len(df) else ""
    if year_before in set(monthly["month"]) and year_before not in set(df["month"]):
        df = pd.concat([monthly[monthly["month"] == year_before], df], ignore_index=True)
        labels = pd.Series([L.t("year_before_column", lang).format(month=year_before), *labels])
    rows = [(L.state(s, lang), df[s].map(_fmt_int)) for s in STATES]
    rows += [(L.t("mau", lang), df["mau"].map(_fmt_int)), (L.t("cumulative", lang), df["cumulative"].map(_fmt_int))]
    rows += [(L.rate(c, lang), df[c].map(_fmt_pct)) for c in ["active_rate", *RATES]]
    if revenue is not None and len(revenue):
        r = df[["month"]].merge(revenue, on="month", how="left").fillna(0)
        rows += [(L.t("buyers", lang), r["buyers"].map(_fmt_int)), (L.t("orders", lang), r["orders"].map(_fmt_int)),
                 (L.money(L.t("revenue", lang), currency, lang), r["revenue"].map(_fmt_int))]
    return _by_month(rows, labels, lang)


def decomposition_table(dec: pd.DataFrame, lang: str = "zh", signal: bool = True) -> pd.DataFrame:
    """The terms of the identity; without an offline signal configured, no 'of which' rows."""
    if not signal:
        dec = dec[~dec["term"].str.startswith("  of which")]
    return pd.DataFrame({
        L.t("term", lang): dec["term_zh"] if lang == "zh" else dec["term"],
        L.t("users_last_month", lang): dec["pool"].map(_fmt_int), L.t("rate", lang): dec["rate"].map(_fmt_pct),
        L.t("users_this_month", lang): dec["users"].map(_fmt_int)})


def plan_tables(plan, lang: str = "zh") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The projection (months as columns, whole users) and the rise each rate needs, with the
    verdict: met already, a rise, implausible (beyond the best seen by more than the margin), not reachable."""
    from ..analyses.planning import shown_needed
    p = plan.projection.reset_index(drop=True)
    rows = [(L.state("new", lang), p["new"].map(_fmt_int)), (L.t("mau", lang), p["mau"].map(_fmt_int)),
            (L.rate("active_rate", lang), p["active_rate"].map(_fmt_pct))]
    rows += [(L.rate(c, lang), p[c].map(_fmt_pct)) for c in RATES]
    proj = _by_month(rows, p["month"], lang)
    u = plan.uplifts
    names = [(" + " if lang != "zh" else "、").join(L.rate(x, lang) for x in r.split("+")) for r in u["rates"]]

    def verdict(r):
        if not r["reachable"]:
            return L.t("not_reachable", lang)
        if r.get("implausible"):
            return L.t("implausible", lang)
        if r["uplift"] is not None and not pd.isna(r["uplift"]) and r["uplift"] <= 0:
            return L.t("met_already", lang)       # the projection at its rates (best of six months, by default) reaches the target
        return L.t("plausible", lang)      # a rise to no more than PLAUSIBLE_MARGIN above the best month (it was blank)
    ups = pd.DataFrame({
        L.t("rates_raised", lang): names,
        L.t("rise_needed", lang): [f"{x * 100:.1f}" if x is not None and not pd.isna(x) else ""
                                   for x in u["uplift"]],
        L.t("rate_needed", lang): [_fmt_pct(shown_needed(x, d)) + (f" ({L.rate(c, lang)})" if "+" in r and
                                                                   isinstance(c, str) else "")
                                   for x, d, c, r in zip(u.get("needed_max", pd.Series([None] * len(u))), u["uplift"],
                                                         u.get("needed_rate", pd.Series([None] * len(u))), u["rates"])],
        L.t("best_seen", lang): [_fmt_pct(x) for x in u.get("best_seen", pd.Series([None] * len(u)))],
        L.t("average_rate", lang): u["average_rate"].map(_fmt_pct),
        L.t("verdict", lang): [verdict(r) for _, r in u.iterrows()]})
    # a rate that cannot meet the target: its rise and rate say why, not blank cells (the average is at 100%)
    out = ~u["reachable"].astype(bool).to_numpy()
    ups.loc[out, L.t("rise_needed", lang)] = "—"
    ups.loc[out, L.t("rate_needed", lang)] = L.t("even_100", lang)
    ups.loc[out & (ups[L.t("best_seen", lang)] == "").to_numpy(), L.t("best_seen", lang)] = "—"
    return proj, ups


def _clean(v):
    if isinstance(v, float) and math.isnan(v):
        return None
    if hasattr(v, "item"):
        return v.item()
    return v


def record(ctx, monthly: pd.DataFrame, revenue: pd.DataFrame | None = None) -> dict:
    """Display the month's key numbers as a machine-readable output of the notebook.

    The output has only the mime type METRICS_MIME, so nbconvert's HTML leaves it
    out; the report runner and the tests read it from the executed notebook.  With
    ``revenue`` (``value.monthly_revenue`` of data with orders) the series carry each month's
    revenue too (0 in a month without orders).
    """
    from IPython.display import display
    m = monthly.set_index("month")
    row = m.loc[ctx.month]
    series = {c: [_clean(x) for x in m[c]] for c in ["mau", "active_rate", "new", *RATES]}
    from ..analyses.lifecycle import rate_pools      # each rate's denominator: is a month's move beyond chance?
    series.update({f"pool_{c}": [int(x) for x in v] for c, v in rate_pools(monthly).items()})
    if revenue is not None and len(revenue):
        by_month = dict(zip(revenue["month"], revenue["revenue"]))
        series["revenue"] = [float(by_month.get(month, 0.0)) for month in m.index]
    data = {"section": "lifecycle", "month": ctx.month, "churn_after": ctx.churn_after, "target": ctx.target,
            "events_from": ctx.events_from,
            "target_default": not ctx.cfg.target_set,
            "language": ctx.language, "currency": ctx.cfg.currency,
            "current": {k: _clean(row[k]) for k in m.columns},
            "series": series,
            "months": list(m.index), "notes": [n for n in [ctx.history_note()] if n]}
    display({METRICS_MIME: json.loads(json.dumps(data))}, raw=True)
    return data


def show_findings(section: str, lines: list[str], summary: list[str] | None = None) -> None:
    """Display ``lines`` as the section's list of findings, and record ``summary`` (default: all
    of them) for the month's summary page, which quotes each section's findings under its link
    (METRICS_MIME, left out of the HTML)."""
    from IPython.display import Markdown, display
    display(Markdown("\n".join(f"- {L.for_page(s)}" for s in lines)))
    # the summary page is the manager's: what is missing, without the analyst's set-up
    data = {"section": "findings", "of": section,
            "lines": [L.for_summary(s) for s in (lines if summary is None else summary)]}
    display({METRICS_MIME: json.loads(json.dumps(data))}, raw=True)


def read_metrics(notebook_path) -> list[dict]:
    """Every METRICS_MIME output of an executed notebook, in notebook order, the section's own
    figures first and its findings (``show_findings``, section ``findings``) after them."""
    import nbformat
    nb = nbformat.read(str(notebook_path), as_version=4)
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if METRICS_MIME in o.get("data", {}):
                out.append(o["data"][METRICS_MIME])
    return sorted(out, key=lambda m: m.get("section") == "findings")


def _last_year_cell(r, lifts: pd.DataFrame, lang: str) -> str:
    """Last year's lift of the festival of row ``r``; when the festival had no window of its own
    a year before because it fell inside another's (Mid-Autumn 2025 inside National Day: one
    window), that window's name (it read "none in the data")."""
    from .period_detail import last_year_index
    if pd.notna(r["last_year_lift"]):
        return L.times(r['last_year_lift'], lang)
    if not {"festival", "name", "start"} <= set(lifts.columns):     # a table of windows without their festivals
        return L.t("none_in_data", lang)
    j = last_year_index(lifts, r.name)
    if j is not None and lifts.loc[j, "festival"] != r["festival"]:
        w = lifts.loc[j]
        return L.t("last_year_within", lang).format(name=w["name_zh"] if lang == "zh" else w["name"])
    return L.t("none_in_data", lang)


def holiday_table(lifts: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Holiday windows ranked by daily users against ordinary days, last year's same festival beside."""
    df = lifts.dropna(subset=["lift"]).sort_values("lift", ascending=False)
    zh = lang == "zh"
    table = pd.DataFrame({
        ("节假日" if zh else "holiday"): df["name_zh"] if zh else df["name"],
        ("开始" if zh else "start"): df["start"].astype(str), ("结束" if zh else "end"): df["end"].astype(str),
        ("天数" if zh else "days"): df["days"],
        ("日活/平日" if zh else "daily users vs ordinary days"): [      # a closed shop: no user on any day
            L.t("no_activity", lang) if v == 0 else L.times(v, lang) + (L.t("provisional", lang) if p == True else "")  # noqa: E712
            for v, p in zip(df["lift"], df.get("provisional", pd.Series(False, index=df.index)))],
        ("95% 置信区间" if zh else "95% interval"): [f"{a:.2f}–{b:.2f}" for a, b in zip(df["ci_low"], df["ci_high"])],
        ("方向" if zh else "direction"): [L.t("rise" if lo > 1 else "drop" if hi < 1 else "no_change", lang)
                                        for lo, hi in zip(df["ci_low"], df["ci_high"])],
        ("去年同节日" if zh else "last year"): [_last_year_cell(r, lifts, lang) for _, r in df.iterrows()]})
    # data of a year or less: no window has last year's beside it, and an empty column says nothing
    return table if df["last_year_lift"].notna().any() else table.iloc[:, :-1]


def coming_table(coming: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """The next year's holiday windows in date order (``coming_holidays``): dates, whether they
    are official, and the festival's last lift measured in the data (for planning)."""
    zh = lang == "zh"
    last = [L.t("not_measured", lang) if pd.isna(v) else
            L.t("no_activity", lang) if v == 0 else L.times(v, lang) + f" ({pd.Timestamp(when):%Y-%m}, "
            + L.t("rise" if lo > 1 else "drop" if hi < 1 else "no_change", lang) + ")"
            for v, lo, hi, when in zip(coming["last_lift"], coming["last_ci_low"], coming["last_ci_high"],
                                       coming["last_start"])]
    return pd.DataFrame({("节假日" if zh else "holiday"): coming["name_zh"] if zh else coming["name"],
                         ("开始" if zh else "start"): coming["start"].astype(str),
                         ("结束" if zh else "end"): coming["end"].astype(str),
                         ("天数" if zh else "days"): coming["days"],
                         ("日期" if zh else "dates"): [L.t(f"calendar_{c}", lang) for c in coming["calendar"]],
                         ("上次的日活/平日" if zh else "last time, daily users vs ordinary days"): last})


def period_table(view: pd.DataFrame, lang: str = "zh", last: int = 6) -> pd.DataFrame:
    """The last months (columns): each rate, its change on last month and on last year (points), the markers."""
    df = view.tail(last).reset_index(drop=True)
    zh = lang == "zh"
    def pts(now, change):      # the change in points as the two rates are shown (now - change: the rate before)
        return "" if pd.isna(now) or pd.isna(change) else f"{L.shown_change(now, now - change):+.1f}"
    rows = []
    for c in ["active_rate", *RATES]:
        rows.append((L.rate(c, lang), df[c].map(_fmt_pct)))
        rows.append((("  环比(百分点)" if zh else "  vs last month (points)"), pd.Series(list(map(pts, df[c], df[f"{c}_mom"])))))
        rows.append((("  同比(百分点)" if zh else "  vs last year (points)"), pd.Series(list(map(pts, df[c], df[f"{c}_yoy"])))))
    rows.append((("节假日" if zh else "holidays"), df["holidays"].fillna("")))
    rows.append((("活动" if zh else "campaigns"), df["campaigns"].fillna("")))
    return _by_month(rows, df["month"], lang)


def campaign_months(start, end) -> str:
    """The months a campaign ran, YYYY-MM or YYYY-MM–YYYY-MM ('' when its dates are unknown)."""
    a, b = (f"{pd.Timestamp(x):%Y-%m}" if x is not None and pd.notna(x) else "" for x in (start, end))
    return a if a == b or not b else f"{a}–{b}"


def campaign_table(effects: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """One row per campaign: when it ran, its goal metric per arm, the difference with its
    interval and p-value, whether the arms split as planned, the method and the arms' sizes."""
    zh = lang == "zh"

    ran = ([campaign_months(a, b) for a, b in zip(effects["start_date"], effects["end_date"])]
           if {"start_date", "end_date"} <= set(effects.columns) else [""] * len(effects))
    if "running" in effects:      # still running at the end of the data: a partial result, said in the cell
        ran = [m + (L.t("still_running", lang) if pd.notna(r) and bool(r) else "") for m, r in zip(ran, effects["running"])]
    return pd.DataFrame({
        ("活动" if zh else "campaign"): effects["campaign_id"].astype(str) + " " + effects["name"].astype(str),
        ("月份" if zh else "month"): ran,
        ("目标指标" if zh else "goal metric"): effects["metric"].map(lambda m: L.metric(m, lang)),
        # without a control arm the two are changes of the members and of everyone else (diff-in-diff), not rates
        ("实验组" if zh else "treatment"): [_fmt_pct(v) if m == "control arm" else L.t("did_change_cell", lang).format(
            v=v * 100) for v, m in zip(effects["treatment"], effects["method"])],
        ("对照组" if zh else "control"): [_fmt_pct(v) if m == "control arm" else L.t("did_change_cell", lang).format(
            v=v * 100) for v, m in zip(effects["control"], effects["method"])],
        ("差异(百分点)" if zh else "difference (points)"): effects["difference"].map(lambda v: f"{v * 100:+z.1f}"),
        ("95% 置信区间" if zh else "95% interval"): [f"{a * 100:+z.1f} ~ {b * 100:+z.1f}" for a, b in
                                               zip(effects["ci_low"], effects["ci_high"])],
        ("p值" if zh else "p-value"): effects["p_value"].map(L.p_value),
        ("分组比例(SRM)" if zh else "arm split (SRM)"): [
            "—" if m != "control arm" else L.t("srm_off_cell" if v else "srm_ok_cell", lang)
            for v, m in zip(effects["srm_flag"], effects["method"])],
        ("方法" if zh else "method"): effects["method"].map(lambda m: L.method(m, lang)),
        ("样本量(实验组 / 对照组)" if zh else "users (treatment / control)"): [
            f"{a:,} / {b:,}" for a, b in zip(effects["n_treatment"], effects["n_control"])]})


def campaigns_skipped(skipped: dict, lang: str = "zh") -> str | None:
    """One line naming the campaigns left out of the table and why (``campaign_effects``'s
    ``attrs["skipped"]``), or None."""
    if not skipped:
        return None
    sep = "、" if lang == "zh" else "; "
    items = sep.join(L.t(f"campaign_{why}", lang).format(id=cid) for cid, why in skipped.items())
    return L.t("campaigns_skipped", lang).format(items=items)


FUNNEL_STEPS = {"activated": ("activated", "激活"), "retained": ("retained next month", "次月留存"),
                "paying": ("paid within 3 months", "3个月内付费"), "referring": ("referred", "推荐")}


FUNNEL_REVENUE = {"revenue_per_user": ("revenue per user (3 months)", "人均收入(3个月内)"),
                  "revenue_per_payer": ("revenue per payer (3 months)", "付费用户人均收入(3个月内)")}


def funnel_table(funnel: pd.DataFrame, lang: str = "zh", currency: str = "") -> pd.DataFrame:
    """Each cohort's steps as shares; a step the data cannot express reads 'not defined';
    revenue headers carry the ``currency`` of the configuration."""
    zh = lang == "zh"
    undefined = funnel.attrs.get("undefined", {})
    open_ = L.t("window_open", lang)     # a defined step of a cohort whose window is not over: said, not blank
    out = pd.DataFrame({("注册月" if zh else "cohort"): funnel["cohort"],
                        ("新用户" if zh else "acquired"): funnel["acquired"].map(_fmt_int)})
    for c, (en, cn) in FUNNEL_STEPS.items():
        if c in undefined:
            out[cn if zh else en] = L.t("not_defined", lang)
        elif funnel[c].notna().any():
            out[cn if zh else en] = funnel[f"{c}_share"].map(lambda v: open_ if pd.isna(v) else _fmt_pct(v))
    # every user a payer (a shop's customers enter with a purchase): revenue per payer is revenue per user again
    paying = funnel["paying_share"].dropna() if "paying_share" in funnel else pd.Series(dtype=float)
    trivial = "paying" not in undefined and len(paying) and (paying == 1).all()
    if "revenue_per_user" in funnel:
        for c, (en, cn) in FUNNEL_REVENUE.items():
            if trivial and c == "revenue_per_payer":
                continue
            head = L.money(cn if zh else en, currency, lang)
            if "revenue" in undefined:
                out[head] = L.t("not_defined", lang)
            elif funnel[c].notna().any():      # open while paying's window is; a closed one without payers: blank
                out[head] = [open_ if pd.isna(p) else "" if pd.isna(v) else f"{v:,.2f}"
                             for v, p in zip(funnel[c], funnel["paying_share"])]
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


def funnel_notes(funnel: pd.DataFrame, lang: str = "zh", *, blank: bool = False) -> list[str]:
    """One line per funnel step the data cannot express, and for a paying step that is 100% by construction;
    ``blank``: a file's cells of an open window are empty (the page writes "not over yet" in them)."""
    undefined = funnel.attrs.get("undefined", {})
    out = [L.note(key, lang) for key in dict.fromkeys(undefined.values())]
    paying = funnel["paying_share"].dropna()
    if "paying" not in undefined and len(paying) and (paying == 1).all():
        out.append(L.note("paying_trivial", lang))
    steps = [c for c in ("retained", "paying") if c not in undefined and funnel[c].notna().any()]
    if any(funnel[c].isna().any() for c in steps):
        out.append(L.note("funnel_window_empty" if blank else "funnel_window_open", lang))
    return out


def tag_table(dist: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """Per category: users tagged, their share, users with it as primary tag, mean share; the
    users without a tag (no feature used in the window) have a row of their own, with only their
    count (a "0 users tagged" beside thousands whose primary tag it is read as a contradiction)."""
    zh = lang == "zh"
    d = dist[~((dist["category"] == "other") & (dist["tagged"] == 0))]
    none = d["category"] == "unknown"
    return pd.DataFrame({("类别" if zh else "category"): [L.t("no_tag_row", lang) if c == "unknown" else
                                                          L.category(c, lang) for c in d["category"]],
                         ("带标签用户" if zh else "users tagged"): d["tagged"].map(_fmt_int).where(~none, ""),
                         ("占近三个月使用功能用户" if zh else "share of users of a feature (3 months)"): d["tagged_share"].map(_fmt_pct),
                         ("主标签用户" if zh else "primary tag of"): d["primary"].map(_fmt_int),
                         # of the same users as the tag share (the state chart's are of every user active in the window)
                         ("使用功能用户的平均占比" if zh else "mean share, users of a feature"):
                             d["mean_share"].map(_fmt_pct)})


def scene_table(rules: pd.DataFrame, evaluation: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    zh = lang == "zh"
    ev = evaluation[evaluation["month"] == "all"].set_index("rule_id") if len(evaluation) else pd.DataFrame()

    def lift(rule):      # an empty cell read as a missing number: say why there is none
        if rule not in ev.index:
            return L.t("scene_not_pushed", lang)
        if pd.isna(ev.loc[rule, "difference"]):
            return L.t("scene_too_few", lang)
        r = ev.loc[rule]
        return f"{r['difference'] * 100:+z.1f} ({r['ci_low'] * 100:+z.1f} ~ {r['ci_high'] * 100:+z.1f})"
    return pd.DataFrame({
        ("规则" if zh else "rule"): rules["rule_id"],
        ("分群" if zh else "state"): [L.state(s, lang) for s in rules["state"]],
        ("未活跃月数" if zh else "months inactive"): rules["months_inactive"].map(
            lambda v: L.t("any_months", lang) if pd.isna(v) else int(v)),
        ("标签" if zh else "tag"): [L.category(t, lang) for t in rules["tag"]],
        ("推送内容" if zh else "content"): rules["content"],
        ("对照组比例" if zh else "control share"): rules["control_share"].map(_fmt_pct),
        ("下月受众" if zh else "audience next month"): rules["audience"].map(_fmt_int),
        ("回访提升(百分点, 95% 置信区间)" if zh else "lift in points (95% interval)"): rules["rule_id"].map(lift)})


def scene_months_table(evaluation: pd.DataFrame, lang: str = "zh", last: int = 6) -> pd.DataFrame:
    """Each rule's result per push month, the last ``last`` months evaluated (the pooled line
    alone hid a rule that stopped working): reactivation of each arm, the difference with its
    interval, users per arm."""
    zh = lang == "zh"
    ev = evaluation[evaluation["month"] != "all"] if len(evaluation) else evaluation
    if not len(ev):
        return pd.DataFrame()
    ev = ev.sort_values(["rule_id", "month"]).groupby("rule_id", sort=True).tail(last)
    return pd.DataFrame({
        ("规则" if zh else "rule"): ev["rule_id"].to_numpy(),
        ("推送月份" if zh else "push month"): ev["month"].to_numpy(),
        ("实验组回访率" if zh else "treatment"): ev["treatment"].map(_fmt_pct).to_numpy(),
        ("对照组回访率" if zh else "control"): ev["control"].map(_fmt_pct).to_numpy(),
        ("差异(百分点, 95% 置信区间)" if zh else "difference in points (95% interval)"): [
            "" if pd.isna(d) else f"{d * 100:+z.1f} ({a * 100:+z.1f} ~ {b * 100:+z.1f})"
            for d, a, b in zip(ev["difference"], ev["ci_low"], ev["ci_high"])],
        ("样本量(实验组 / 对照组)" if zh else "users (treatment / control)"): [
            f"{int(a):,} / {int(b):,}" for a, b in zip(ev["n_treatment"], ev["n_control"])]})


def record_preferences(ctx, dist: pd.DataFrame, evaluation: pd.DataFrame) -> dict:
    from IPython.display import display
    data = {"section": "preferences", "month": ctx.month, "language": ctx.language,
            "tags": [{k: _clean(v) for k, v in r.items()} for r in dist.to_dict("records")],
            "scenes": [{k: _clean(v) for k, v in r.items()} for r in evaluation.to_dict("records")]}
    display({METRICS_MIME: json.loads(json.dumps(data, default=str))}, raw=True)
    return data


def segment_table(seg_monthly: pd.DataFrame, month: str, lang: str = "zh") -> pd.DataFrame:
    """One row per segment for ``month``: users (cumulative), MAU, the active rate and the four
    rates within the segment (every segment, small ones too: this is the export view)."""
    from .cohort_plots import segment_label
    m = seg_monthly[seg_monthly["month"] == month]
    out = pd.DataFrame({L.t("segment", lang): [segment_label(s, lang) for s in m["segment"]],
                        L.t("cumulative", lang): m["cumulative"].map(_fmt_int),
                        L.t("mau", lang): m["mau"].map(_fmt_int),
                        L.rate("active_rate", lang): m["active_rate"].map(_fmt_pct)})
    for r in RATES:
        out[L.rate(r, lang)] = m[r].map(_fmt_pct)
    return out.reset_index(drop=True)


def record_cohorts(ctx, table: pd.DataFrame, seg_monthly: pd.DataFrame | None, by: str) -> dict:
    """Record the cohort triangle (sizes and shares) and the report month's numbers per segment
    (METRICS_MIME, left out of the HTML), for the tests and the runner."""
    from IPython.display import display
    ages = [c for c in table.columns if c.startswith("m") and c[1:].isdigit()]
    data = {"section": "cohorts", "month": ctx.month, "language": ctx.language, "by": by,
            "cohorts": {r["cohort"]: {"size": int(r["size"]), **{a: _clean(r[a]) for a in ages}}
                        for r in table.to_dict("records")},
            "segments": {} if seg_monthly is None else
            {r["segment"]: {k: _clean(r[k]) for k in ("cumulative", "mau", "active_rate", *RATES)}
             for r in seg_monthly[seg_monthly["month"] == ctx.month].to_dict("records")}}
    display({METRICS_MIME: json.loads(json.dumps(data))}, raw=True)
    return data
