"""The management summary page of a month (reports/YYYY-MM/index.html) and the
list of rendered months (reports/index.html).  Numbers come from the metrics the
section notebooks recorded, so the summary and the sections cannot disagree."""
from __future__ import annotations

import html
import math
from pathlib import Path

from . import labels as L
from ..analyses.lifecycle import RATES
from .tables import read_metrics

CSS = """body{font-family:'Noto Sans CJK SC','PingFang SC','Microsoft YaHei',sans-serif;margin:2em auto;max-width:60em;
color:#222}table{border-collapse:collapse}td,th{padding:.35em .8em;border-bottom:1px solid #ddd;text-align:right}
th:first-child,td:first-child{text-align:left}.means{text-align:left;color:#555;font-size:13px;max-width:22em}.meta{color:#555;font-size:13px}.up{color:#2a7d2a}.down{color:#b22}h1{font-weight:500}"""

HEAD = {"title": ("Monthly operations report", "用户运营月报"), "metric": ("metric", "指标"),
        "value": ("this month", "本月"), "mom": ("vs last month", "环比"), "yoy": ("vs last year", "同比"),
        "moves": ("Largest movements", "本月最大变化"), "found": ("What the sections found", "各章节要点"),
        "sections": ("Sections", "报告章节"),
        "months": ("Rendered months", "已生成的月份"), "previous": ("Previous month", "上个月"), "target": ("target", "目标"), "default": ("default", "默认"),
        "lifecycle": L.TEXT["sec_lifecycle"], "periods": L.TEXT["sec_periods"],
        "preferences": L.TEXT["sec_preferences"], "value_risk": L.TEXT["sec_value_risk"], "na": ("not available", "无数据"),
        "mau": ("monthly active users (MAU)", "月活跃用户"), "new": ("new users", "新用户"),
        "means": ("what it counts", "口径"),
        "means_mau": ("users active this month (a user who entered this month counts, with or without an event).",
                      "本月有活跃的用户(本月新进入的用户都计入,无论有无事件)。"),
        "means_new": ("users who entered this month.", "本月新进入的用户。"),
        "means_revenue": ("the amount of this month's orders.", "本月订单金额合计。"),
        "no_yoy": ("vs last year: the data start in {first}, less than a year before this month.",
                   "同比:数据从 {first} 开始,不足一年,暂无同比。"),
        "few_users": ("Small numbers: with {mau:,} active users this month, moves of up to about {points} points from "
                      "one month to the next can be chance (more in a rate of fewer users); read them as direction, "
                      "not size.",
                      "样本较小:本月活跃用户仅 {mau:,} 人,月度之间约 {points} 个百分点以内的变化都可能只是偶然"
                      "(用户更少的比率更甚),只宜看方向,不宜看幅度。")}


def _h(key, lang):
    en, zh = HEAD[key]
    return zh if lang == "zh" else en


def _num(v):
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _start(metrics: dict) -> str:
    """The first month the key numbers compare with: the data's first, or the first month with
    events when registrations start earlier (the months before hold no activity at all)."""
    return max(metrics["months"][0], metrics.get("events_from") or "")


def _change(series, months, month, back, is_rate, lang="en", first: str = ""):
    """(text, sign) of the change from ``back`` months earlier, or ('', 0) when unknown (before
    the data, or before ``first``)."""
    if month not in months:
        return "", 0
    i = months.index(month)
    if i - back < 0 or months[i - back] < first:
        return "", 0
    a, b = series[i], series[i - back]
    if not (_num(a) and _num(b)):
        return "", 0
    if is_rate:
        d = L.shown_change(a, b)
        return f"{d:+.1f} {L.t('points', lang)}", (d > 0) - (d < 0)
    if b == 0:
        return "", 0
    d = (a / b - 1) * 100
    return f"{d:+.1f}%", (d > 0) - (d < 0)


# the glossary term that defines each rate of the summary (the lifecycle page's glossary)
_TERM = {"active_rate": "monthly active rate", "retention_old": "old-user retention",
         "retention_new": "new-user retention", "wake_rate": "wake rate", "return_rate": "return rate"}


def key_numbers(metrics: dict) -> list[dict]:
    """The summary rows: name, value, what it counts (of whom: a manager met 唤醒率 here and its
    definition only at the foot of the lifecycle page), change on last month and on the same
    month last year."""
    lang, months, month, s = metrics["language"], metrics["months"], metrics["month"], metrics["series"]
    rows = []
    for key, is_rate in (("active_rate", True), ("mau", False), ("new", False), *[(r, True) for r in RATES]):
        v = s[key][months.index(month)]
        name = L.rate(key, lang) if is_rate else _h(key, lang)
        value = (f"{v:.1%}" if is_rate else f"{int(v):,}") if _num(v) else _h("na", lang)
        if key == "active_rate":
            default = f" · {_h('default', lang)}" if metrics.get("target_default") else ""
            value += f" ({_h('target', lang)} {metrics['target']:.0%}{default})"
        mom, sign = _change(s[key], months, month, 1, is_rate, lang, _start(metrics))
        yoy, ysign = _change(s[key], months, month, 12, is_rate, lang, _start(metrics))
        means = L.definition("lifecycle", _TERM[key], lang) if key in _TERM else _h(f"means_{key}", lang)
        rows.append({"key": key, "name": name, "value": value, "means": means, "mom": mom, "yoy": yoy, "sign": sign,
                     "ysign": ysign})
    if any(_num(v) for v in s.get("revenue", [])):      # a data set with orders: its first number for a shop
        v = s["revenue"][months.index(month)]
        mom, sign = _change(s["revenue"], months, month, 1, False, lang, _start(metrics))
        yoy, ysign = _change(s["revenue"], months, month, 12, False, lang, _start(metrics))
        rows.append({"key": "revenue", "name": L.money(L.t("revenue", lang), metrics.get("currency", ""), lang),
                     "value": f"{v:,.0f}" if _num(v) else _h("na", lang), "means": _h("means_revenue", lang),
                     "mom": mom, "yoy": yoy, "sign": sign, "ysign": ysign})
    return rows


SMALL_MAU = 200      # below it, the largest movements come with a small-numbers caveat
MOVE_Z = 2.0         # a rate's move counts as a movement at this many standard errors of the difference


def few_users_note(mau, lang: str) -> str | None:
    """The small-numbers caveat of a month with fewer than ``SMALL_MAU`` active users, with the
    move a rate of that many users can make by chance (``MOVE_Z`` standard errors of the difference
    of two shares of 50%, the widest): about 50 points at 8 users, 10 at 199 (it said "several
    points" beside a 25-point move of 8 users); None for more users."""
    if not _num(mau) or not 0 < mau < SMALL_MAU:
        return None
    points = round(MOVE_Z * math.sqrt(0.5 / mau) * 100)
    return _h("few_users", lang).format(mau=int(mau), points=points)


def beyond_chance(a: float, b: float, n_a: float, n_b: float, z: float = MOVE_Z) -> bool:
    """Whether a rate's move from ``b`` (of ``n_b`` users) to ``a`` (of ``n_a``) is more than the
    month-to-month variation of two independent shares: |a - b| at least ``z`` standard errors.
    (The sample's wake rate went -1.3 and +1.3 points in turn on about 3,900 dormant users: 1.2
    standard errors, and it was the month's largest movement twice.)"""
    if not (n_a and n_b):
        return True          # no pool known (an older report's record): as before
    se = math.sqrt(a * (1 - a) / n_a + b * (1 - b) / n_b)
    return a != b and (se == 0 or abs(a - b) >= z * se)      # 100% -> 100% is no move, though its se is 0


def largest_movements(metrics: dict, n: int = 3) -> list[str]:
    """The ``n`` largest month-on-month moves among the rates (in points; only moves beyond chance,
    :func:`beyond_chance`) and MAU, new users (beyond chance as counts: ``MOVE_Z`` times the square
    root of their sum) and revenue (in %)."""
    lang, months, month, s = metrics["language"], metrics["months"], metrics["month"], metrics["series"]
    i = months.index(month)
    if i == 0:
        return []
    cands = []
    for key in ("active_rate", *RATES):
        a, b = s[key][i], s[key][i - 1]
        pool = s.get(f"pool_{key}")
        if _num(a) and _num(b) and beyond_chance(a, b, pool[i] if pool else 0, pool[i - 1] if pool else 0):
            cands.append((abs(a - b) * 100, key, a, b, True))
    for key in ("mau", "new", "revenue"):
        series = s.get(key)
        a, b = (series[i], series[i - 1]) if series else (None, None)
        # a count of users moves by chance too: new users 3,141 -> 3,157 (+0.5%) was a "largest movement"
        # beside a wake rate left out as chance (counts: MOVE_Z standard errors of a difference of two counts)
        if _num(a) and _num(b) and b and (key == "revenue" or abs(a - b) >= MOVE_Z * math.sqrt(a + b)):
            cands.append((abs(a / b - 1) * 100 / 5, key, a, b, False))  # 5% of users (or money) weighs as 1 point
    out = []
    for _, key, a, b, is_rate in sorted(cands, key=lambda c: -c[0])[:n]:
        # the same move a year before, when the data hold it: a seasonal rise (revenue +20.9% in an
        # October that rose 27% the year before) read as news without it
        a0, b0 = (s[key][i - 12], s[key][i - 13]) if i >= 13 else (None, None)
        seasonal = _num(a0) and _num(b0) and (is_rate or b0)
        if is_rate:
            name = L.rate(key, lang)
            d = L.shown_change(a, b)
            ago = (f";去年同期 {L.shown_change(a0, b0):+.1f} 个百分点" if lang == "zh" else
                   f"; a year before, {L.shown_change(a0, b0):+.1f} points") if seasonal else ""
            out.append(f"{name}从 {b:.1%} {'升至' if a >= b else '降至'} {a:.1%}({d:+.1f} 个百分点{ago})。"
                       if lang == "zh" else
                       f"{name[0].upper() + name[1:]} {'rose' if a >= b else 'fell'} from {b:.1%} to {a:.1%} "
                       f"({d:+.1f} points{ago}).")
        else:
            name = _h(key, lang) if key != "revenue" else L.money(L.t("revenue", lang), metrics.get("currency", ""), lang)
            ago = (f";去年同期 {(a0 / b0 - 1):+.1%}" if lang == "zh" else f"; a year before, {(a0 / b0 - 1):+.1%}"
                   ) if seasonal else ""
            out.append(f"{name}从 {b:,.0f} {'增至' if a >= b else '减至'} {a:,.0f}({(a / b - 1):+.1%}{ago})。"
                       if lang == "zh" else
                       f"{name[0].upper() + name[1:]} {'grew' if a >= b else 'shrank'} from {b:,.0f} to "
                       f"{a:,.0f} ({(a / b - 1):+.1%}{ago}).")
    return out


def write_month_index(folder: Path, month: str, out_dir: Path, language: str | None = None,
                      header: dict | None = None, notes: list[str] | None = None) -> Path:
    """reports/YYYY-MM/index.html: key numbers, what each section found (its findings, quoted
    under its link), the three largest movements, links to the sections.

    ``header`` (report.page_header) is shown under the title; ``notes``: lines the reader must
    see first (rows left out of the data, estimated holiday calendars)."""
    sections = sorted(folder.glob("[0-9][0-9]_*.html"))
    metrics, found = {}, []
    for nb in sorted(folder.glob("[0-9][0-9]_*.ipynb")):
        for m in read_metrics(nb):
            if m["section"] == "findings":       # a section's findings, quoted under its link (show_findings)
                found.append((nb.with_suffix(".html").name, nb.stem.split("_", 1)[1], m["lines"]))
            else:
                metrics[m["section"]] = m
    lc = metrics.get("lifecycle")
    lang = language or (lc or {}).get("language", "zh")
    e = html.escape
    parts = [f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>",
             f"<title>{e(_h('title', lang))} {month}</title><style>{CSS}</style></head><body>",
             f"<h1>{e(_h('title', lang))} · {month}</h1>"]
    if header:
        parts.append("<p class='meta'>" + " · ".join(f"{e(k)}: {e(v)}" for k, v in header["fields"]) + "</p>")
    parts += [f"<p class='data-note'>⚠ {e(n)}</p>" for n in notes or []]
    found_parts = []
    by_page = {}
    for page, key, lines in found:            # the plan's lines join the lifecycle page's
        by_page.setdefault(page, (key, []))[1].extend(lines)
    if any(lines for _, lines in by_page.values()):
        found_parts.append(f"<h2>{e(_h('found', lang))}</h2>")
        for page, (key, lines) in by_page.items():
            if lines and (folder / page).exists():
                title = _h(key, lang) if key in HEAD else key
                found_parts.append(f"<h3><a href='{e(page)}'>{e(title)}</a></h3><ul>"
                                   + "".join(f"<li>{e(x)}</li>" for x in lines) + "</ul>")
    if lc:
        parts.append(f"<table><tr><th>{e(_h('metric', lang))}</th><th>{e(_h('value', lang))}</th>"
                     f"<th>{e(_h('mom', lang))}</th><th>{e(_h('yoy', lang))}</th>"
                     f"<th class='means'>{e(_h('means', lang))}</th></tr>")
        for r in key_numbers(lc):
            cls = {1: "up", -1: "down"}.get(r["sign"], "")
            ycls = {1: "up", -1: "down"}.get(r["ysign"], "")     # coloured as the change on last month
            parts.append(f"<tr><td>{e(r['name'])}</td><td>{e(r['value'])}</td><td class='{cls}'>{e(r['mom'])}</td>"
                         f"<td class='{ycls}'>{e(r['yoy'])}</td><td class='means'>{e(r['means'])}</td></tr>")
        parts.append("</table>")
        start = lc["months"].index(_start(lc)) if _start(lc) in lc["months"] else 0
        if lc["months"] and lc["month"] in lc["months"] and lc["months"].index(lc["month"]) - start < 12:
            parts.append(f"<p class='meta'>{e(_h('no_yoy', lang).format(first=_start(lc)))}</p>")
        parts += found_parts      # what the sections found, before the largest movements
        moves = largest_movements(lc)
        if moves:
            parts.append(f"<h2>{e(_h('moves', lang))}</h2><ol>" + "".join(f"<li>{e(x)}</li>" for x in moves) + "</ol>")
            mau = lc["series"]["mau"][lc["months"].index(lc["month"])]
            note = few_users_note(mau, lang)      # a few users: moves of many points are ordinary noise
            if note:
                parts.append(f"<p class='meta'>{e(note)}</p>")
    else:
        parts += found_parts
    parts.append(f"<h2>{e(_h('sections', lang))}</h2><ul>")
    for s in sections:
        key = s.stem.split("_", 1)[1]
        title = _h(key, lang) if key in HEAD else key
        parts.append(f"<li><a href='{e(s.name)}'>{e(title)}</a></li>")
    from ..months import add_months, month_str, parse_month
    prev = month_str(add_months(parse_month(month), -1))
    back = (f"<a href='../{prev}/index.html'>← {e(_h('previous', lang))} {prev}</a> · "
            if (Path(out_dir) / prev / "index.html").is_file() else "")   # last month's report, when rendered
    parts.append(f"</ul><p>{back}<a href='../index.html'>" + e(_h("months", lang)) + "</a></p></body></html>")
    path = folder / "index.html"
    text = "".join(parts)
    if lang == "zh":      # Chinese punctuation beside Chinese text (zh_punctuation.py)
        from .zh_punctuation import page as zh_page
        text = zh_page(text)
    path.write_text(text, encoding="utf-8")
    return path


def link_next_month(out_dir: Path, month: str) -> None:
    """Give the next month's summary page, rendered before ``month``'s (a run of --missing that
    filled in past months after the latest), its link back to ``month``: it had none, since last
    month's report did not exist when it was written.  Nothing else on that page changes."""
    import os
    from ..months import add_months, month_str, parse_month
    page = Path(out_dir) / month_str(add_months(parse_month(month), 1)) / "index.html"
    end = "<a href='../index.html'>"
    try:
        text = page.read_text(encoding="utf-8")
    except OSError:
        return
    if f"../{month}/index.html" in text or end not in text:
        return
    lang = "zh" if "<html lang='zh-CN'" in text else "en"
    back = f"<a href='../{month}/index.html'>← {html.escape(_h('previous', lang))} {month}</a> · "
    at = text.rindex(end)
    tmp = page.with_name(f".index.{os.getpid()}.html")
    try:
        tmp.write_text(text[:at] + back + text[at:], encoding="utf-8")
        os.replace(tmp, page)
    except OSError:        # only the link is lost; the page stands
        tmp.unlink(missing_ok=True)


def write_top_index(out_dir: Path, language: str | None = None, dataset: str = "") -> Path:
    """reports/index.html: every rendered month, newest first, in the language of the latest run;
    ``dataset`` (the data set's name) in its title: two folders' lists looked the same."""
    months = sorted((p.name for p in out_dir.iterdir() if p.is_dir() and len(p.name) == 7 and p.name[4] == "-"
                     and (p / "index.html").exists()), reverse=True)
    lang = language or "zh"
    title = html.escape(_h("title", lang) + (f" · {dataset}" if dataset else ""))
    items = "".join(f"<li><a href='{m}/index.html'>{m}</a></li>" for m in months)
    page = (f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            f"<title>{title}</title><style>{CSS}</style></head><body><h1>{title}</h1>"
            f"<h2>{html.escape(_h('months', lang))}</h2><ul>{items}</ul></body></html>")
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
