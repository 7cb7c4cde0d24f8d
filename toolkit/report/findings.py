"""Plain-language findings computed from the numbers (no hand-written claims)."""
from __future__ import annotations

import math

import pandas as pd

from . import labels as L
from .tables import campaign_months

FLOWS = [("new", None), ("active", "retention_old"), ("new_retained", "retention_new"), ("woken", "wake_rate"),
         ("returned", "return_rate")]


def _pct(x):
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.1%}"


def flow_changes(monthly: pd.DataFrame, month: str) -> pd.DataFrame:
    """Per flow of the identity: users this month, last month, and the change, largest move first."""
    m = monthly.set_index("month")
    i = list(m.index).index(month)
    if i == 0:
        return pd.DataFrame(columns=["flow", "rate", "users", "users_prev", "change"])
    cur, prev = m.iloc[i], m.iloc[i - 1]
    rows = [{"flow": s, "rate": r, "users": int(cur[s]), "users_prev": int(prev[s]), "change": int(cur[s] - prev[s]),
             "rate_now": cur[r] if r else None, "rate_prev": prev[r] if r else None} for s, r in FLOWS]
    df = pd.DataFrame(rows)
    return df.reindex(df["change"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def lifecycle_findings(monthly: pd.DataFrame, month: str, target: float, lang: str = "zh",
                       default_target: bool = False) -> list[str]:
    """Three to four sentences on the month: the rate against target and last month,
    the flow that moved MAU most, and the rate that changed most.  ``default_target``: the
    target is the package default, not one the team set (the sentence says so)."""
    m = monthly.set_index("month")
    cur = m.loc[month]
    i = list(m.index).index(month)
    prev = m.iloc[i - 1] if i > 0 else None
    out = []
    gap = L.shown_change(cur["active_rate"], target) / 100     # as the two rates are shown
    if lang == "zh":
        s = f"{month} 月活率 {_pct(cur['active_rate'])}(月活 {int(cur['mau']):,} / 累计 {int(cur['cumulative']):,})"
        s += f",比目标({_pct(target)}){'高' if gap >= 0 else '低'} {abs(gap) * 100:.1f} 个百分点"
        s += "(默认目标,可在配置文件的 target_active_rate 中设定)" if default_target else ""
        if prev is not None:
            d = L.shown_change(cur["active_rate"], prev["active_rate"]) / 100
            s += f",较上月{'上升' if d >= 0 else '下降'} {abs(d) * 100:.1f} 个百分点"
        out.append(s + "。")
    else:
        s = f"In {month} the monthly active rate was {_pct(cur['active_rate'])} ({int(cur['mau']):,} active of " \
            f"{int(cur['cumulative']):,}), {abs(gap) * 100:.1f} points {'above' if gap >= 0 else 'below'} the " \
            f"{_pct(target)} target" + (" (the package default: set target_active_rate in the configuration file)"
                                        if default_target else "")
        if prev is not None:
            d = L.shown_change(cur["active_rate"], prev["active_rate"]) / 100
            s += f", {'up' if d >= 0 else 'down'} {abs(d) * 100:.1f} points on last month"
        out.append(s + ".")
    fc = flow_changes(monthly, month)
    if len(fc):
        top = fc.iloc[0]
        name = L.state(top["flow"], lang)
        has_rate = isinstance(top["rate"], str)    # new users have no rate (a missing value, not text)
        # a part of this month's MAU, said as whom it counts ("active" alone was read as all of MAU)
        whom = _FLOW_WHOM.get(top["flow"], ("", ""))[lang == "zh"]
        if lang == "zh":
            who = f"「{name}」({whom})" if whom else f"「{name}」"
            s = (f"月活的组成中较上月变化最大的是{who}:{top['users']:,} 人,比上月"
                 f"{'增加' if top['change'] >= 0 else '减少'} {abs(top['change']):,} 人")
            if has_rate:
                s += f"({L.rate(top['rate'], lang)} {_pct(top['rate_prev'])} → {_pct(top['rate_now'])})"
            out.append(s + "。")
        else:
            who = f"'{name}' ({whom})" if whom else f"'{name}'"
            s = f"The part of MAU that changed most on last month was {who}: {top['users']:,} users, {top['change']:+,}"
            if has_rate:
                s += f" ({L.rate(top['rate'], lang)} {_pct(top['rate_prev'])} → {_pct(top['rate_now'])})"
            out.append(s + ".")
        rates = fc.dropna(subset=["rate"]).copy()
        rates["d"] = (rates["rate_now"].astype(float) - rates["rate_prev"].astype(float))
        rates = rates.dropna(subset=["d"])
        if len(rates):
            rates["clear"] = [_beyond_chance(monthly, month, x) for x in rates["rate"]]
            r = rates.loc[rates["d"].abs().idxmax()]
            d = L.shown_change(r["rate_now"], r["rate_prev"])
            clear = bool(r["clear"])
            base = _pool(monthly, month, r["rate"])      # "normal variation" of 25 points needs its few users said
            if not clear and rates["clear"].any():
                # a smaller move on a larger base can be beyond chance: "every rate within variation" was
                # said beside a return rate's -0.7 points the summary rightly listed as a movement
                out.append(_beyond_chance_rate(rates[rates["clear"]], r, lang))
            elif lang == "zh":
                out.append(f"变化最大的指标是{L.rate(r['rate'], lang)}:{_pct(r['rate_prev'])} → {_pct(r['rate_now'])}"
                           f"({d:+.1f} 个百分点)。" if clear else
                           f"各项比率的变化都在月度正常波动之内(变化最大的是{L.rate(r['rate'], lang)}:"
                           f"{_pct(r['rate_prev'])} → {_pct(r['rate_now'])},{d:+.1f} 个百分点"
                           + (f",基数仅 {base:,} 人" if base is not None else "") + ")。")
            else:
                out.append(f"The rate that changed most was {L.rate(r['rate'], lang)}: {_pct(r['rate_prev'])} → "
                           f"{_pct(r['rate_now'])} ({d:+.1f} points)." if clear else
                           "No rate moved beyond ordinary month-to-month variation (the largest move: "
                           f"{L.rate(r['rate'], lang)} {_pct(r['rate_prev'])} → {_pct(r['rate_now'])}, {d:+.1f} points"
                           + (f", on a base of only {base:,} user{'s' if base != 1 else ''}" if base is not None else "")
                           + ").")
    return out


def _beyond_chance_rate(clear: pd.DataFrame, largest, lang: str) -> str:
    """The sentence for a month whose largest rate move is ordinary variation while a smaller
    one (``clear``: the rows beyond chance, of ``flow_changes``) is not: the largest of those,
    with the larger ordinary move named beside it."""
    r = clear.loc[clear["d"].abs().idxmax()]
    d = L.shown_change(r["rate_now"], r["rate_prev"])
    d0 = L.shown_change(largest["rate_now"], largest["rate_prev"])
    if lang == "zh":
        return (f"超出月度正常波动的变化是{L.rate(r['rate'], lang)}:{_pct(r['rate_prev'])} → {_pct(r['rate_now'])}"
                f"({d:+.1f} 个百分点);{L.rate(largest['rate'], lang)}变化更大({d0:+.1f} 个百分点),"
                "但其基数较小,仍在正常波动之内。")
    return (f"The rate that moved beyond ordinary month-to-month variation was {L.rate(r['rate'], lang)}: "
            f"{_pct(r['rate_prev'])} → {_pct(r['rate_now'])} ({d:+.1f} points); {L.rate(largest['rate'], lang)} "
            f"moved more ({d0:+.1f} points) but on a smaller base, within ordinary variation.")


def _pool(monthly: pd.DataFrame, month: str, rate: str) -> int | None:
    """The users ``rate`` of ``month`` is a share of (its pool), when fewer than ``SMALL_MAU``
    (a base worth naming beside a move called ordinary), else None."""
    from ..analyses.lifecycle import rate_pools
    from .summary import SMALL_MAU
    need = {"cumulative", "new_retained", "active", "woken", "returned", "new", "dormant", "churned"}
    if not need <= set(monthly.columns):
        return None
    m = monthly.reset_index(drop=True)
    n = int(rate_pools(m)[rate].iloc[int(m.index[m["month"] == month][0])])
    return n if n < SMALL_MAU else None


def small_numbers_note(monthly: pd.DataFrame, month: str, lang: str) -> str | None:
    """The summary page's small-numbers caveat for the lifecycle page (its findings and plan rest
    on the same few users), or None with ``SMALL_MAU`` active users or more."""
    from .summary import few_users_note
    row = monthly[monthly["month"] == month]
    return few_users_note(float(row["mau"].iloc[0]), lang) if len(row) else None


def _beyond_chance(monthly: pd.DataFrame, month: str, rate: str) -> bool:
    """Whether ``rate``'s move into ``month`` is beyond chance (``summary.beyond_chance``), from
    its pools in ``monthly`` (True when the table lacks the counts)."""
    from ..analyses.lifecycle import rate_pools
    from .summary import beyond_chance
    need = {"cumulative", "new_retained", "active", "woken", "returned", "new", "dormant", "churned"}
    if not need <= set(monthly.columns):
        return True
    m = monthly.reset_index(drop=True)
    i = int(m.index[m["month"] == month][0])
    if i == 0:
        return True
    pools = rate_pools(m)[rate]
    return beyond_chance(float(m.loc[i, rate]), float(m.loc[i - 1, rate]), pools.iloc[i], pools.iloc[i - 1])


TREND_MONTHS = 3     # months in a row of moves one way before the active rate's trend is a finding


def active_rate_trend(monthly: pd.DataFrame, month: str, lang: str = "zh", min_months: int = TREND_MONTHS,
                      campaigns: pd.DataFrame | None = None) -> list[str]:
    """One sentence when the monthly active rate has moved the same way (as shown, to a tenth of
    a point) for ``min_months`` months or more in a row up to ``month``: a slow slide of 0.4 points
    a month was in no finding and never the month's largest movement.  The data's first months
    (every user new, ``without_history``) are not a start.  A start in a campaign's month (of
    ``campaigns``) is said, with the change from the month before it: the sample's slide began at
    its churn-recall campaign's high."""
    from ..analyses.periods import campaigns_in
    from ..analyses.lifecycle import without_history
    m = monthly[~monthly["month"].isin(without_history(monthly)) & (monthly["month"] <= month)]
    m = m.dropna(subset=["active_rate"])
    if m.empty or m["month"].iloc[-1] != month:
        return []
    rates, months = m["active_rate"].tolist(), m["month"].tolist()
    signs = [(d > 0) - (d < 0) for d in (L.shown_change(a, b) for a, b in zip(rates[1:], rates[:-1]))]
    n = 0
    while n < len(signs) and signs[-1 - n] == signs[-1] != 0:
        n += 1
    if n < min_months:
        return []
    a, b, start = rates[-1 - n], rates[-1], months[-1 - n]
    d = L.shown_change(b, a)
    ran = ", ".join(campaigns_in(campaigns, start))
    before = (rates[-2 - n], months[-2 - n]) if ran and n + 1 < len(rates) else None
    why = _falling_while_growing(m, start, month, lang) if d < 0 else ""
    if lang == "zh":
        said = (f"{start} 有活动 {ran}" + (f";从活动前的 {before[1]}({_pct(before[0])})算起"
                                             f"{'上升' if L.shown_change(b, before[0]) > 0 else '下降'} "
                                             f"{abs(L.shown_change(b, before[0])):.1f} 个百分点" if before else "")) if ran else ""
        return [f"月活率已连续 {n} 个月{'上升' if d > 0 else '下降'}:从 {start} 的 {_pct(a)} "
                f"{'升至' if d > 0 else '降至'} {month} 的 {_pct(b)}(累计{'上升' if d > 0 else '下降'} {abs(d):.1f} 个百分点"
                + (f";{said}" if said else "") + ")。" + why]
    said = (f"; {start} was the month of campaign {ran}" + (f": from {_pct(before[0])} in {before[1]}, the month "
                                                             f"before, {L.shown_change(b, before[0]):+.1f} points"
                                                             if before else "")) if ran else ""
    return [f"The monthly active rate has {'risen' if d > 0 else 'fallen'} for {n} months in a row: from "
            f"{_pct(a)} in {start} to {_pct(b)} in {month} ({d:+.1f} points{said})." + why]


def _falling_while_growing(m: pd.DataFrame, start: str, month: str, lang: str) -> str:
    """When the active rate fell while MAU grew (the sample: 59.9% and falling beside MAU +6%, read
    as a contradiction), why: its denominator, every user who ever entered, churned ones too,
    grew faster.  '' otherwise, or without the counts."""
    if not {"mau", "cumulative", "churned"} <= set(m.columns):
        return ""
    first, last = m[m["month"] == start].iloc[0], m[m["month"] == month].iloc[0]
    if not last["mau"] > first["mau"]:
        return ""
    mau = (int(first["mau"]), int(last["mau"]))
    cum = (int(first["cumulative"]), int(last["cumulative"]))
    if lang == "zh":
        return (f"同期月活从 {mau[0]:,} 增至 {mau[1]:,},月活率仍下降,是因为其分母累计用户(所有进入过的用户,"
                f"含流失用户,{month} 有 {int(last['churned']):,} 位流失用户)从 {cum[0]:,} 增至 {cum[1]:,},增长更快。")
    return (f" MAU grew over the same months, from {mau[0]:,} to {mau[1]:,}: the rate falls because it is divided by "
            f"every user who ever entered, churned users included ({int(last['churned']):,} churned in {month}), "
            f"which grew faster, from {cum[0]:,} to {cum[1]:,}.")


_POOL_WORDS = {"active_rate": ("users", "累计用户"), "retention_old": ("old active users last month", "上月老活跃用户"),
               "retention_new": ("new users last month", "上月新用户"),
               "wake_rate": ("dormant users last month", "上月休眠用户"),
               "return_rate": ("churned users last month", "上月流失用户")}
SEGMENT_MIN_POINTS = 3.0   # a segment's rate this far from the other users' ...
SEGMENT_MIN_Z = 4.0        # ... and this many standard errors (several segments x five rates are compared)


def segment_finding(seg_monthly: pd.DataFrame, month: str, column: str, lang: str = "zh") -> list[str]:
    """One sentence on the segment whose rate departs most from the other users' in ``month``
    (the channel whose new users stay least), when the gap is at least ``SEGMENT_MIN_POINTS``
    and ``SEGMENT_MIN_Z`` standard errors of the two-proportion difference: a breakdown table
    held the ad channel's 52.6% new-user retention against about 69% for the others, and no
    finding said it.  ``column``: the breakdown's name as pages show it."""
    from ..aggregates.segments import UNKNOWN
    from .cohort_plots import segment_label
    months = sorted(seg_monthly["month"].unique())
    if month not in months or months.index(month) == 0:
        return []
    prev_month = months[months.index(month) - 1]
    cur = seg_monthly[seg_monthly["month"] == month].set_index("segment")
    prev = seg_monthly[seg_monthly["month"] == prev_month].set_index("segment").reindex(cur.index, fill_value=0)
    best = None
    from ..analyses.lifecycle import RATE_NUMERATORS, rate_pool
    for rate, numerator in RATE_NUMERATORS.items():
        num, pool = cur[numerator].astype(float), rate_pool(rate, cur, prev).astype(float)
        for seg in cur.index:
            if seg == UNKNOWN or len(cur.index) < 2:
                continue
            n1, x1 = pool[seg], num[seg]
            n2, x2 = pool.sum() - n1, num.sum() - x1
            if n1 <= 0 or n2 <= 0:
                continue
            p1, p2, pp = x1 / n1, x2 / n2, (x1 + x2) / (n1 + n2)
            se = math.sqrt(pp * (1 - pp) * (1 / n1 + 1 / n2))
            gap = L.shown_change(p1, p2)
            z = abs(p1 - p2) / se if se > 0 else 0.0
            if abs(gap) >= SEGMENT_MIN_POINTS and z >= SEGMENT_MIN_Z and (best is None or z > best[0]):
                best = (z, rate, seg, p1, p2, gap, int(n1))
    if best is None:
        return []
    _, rate, seg, p1, p2, gap, n1 = best
    name, who = segment_label(seg, lang), _POOL_WORDS[rate][lang == "zh"]
    if lang == "zh":
        return [f"{column}「{name}」的{L.rate(rate, lang)}为 {_pct(p1)},其余用户为 {_pct(p2)}"
                f"({'高' if gap > 0 else '低'} {abs(gap):.1f} 个百分点;其{who} {n1:,} 人),是各{column}中差异最明显的。"]
    return [f"{column} '{name}' had a {L.rate(rate, lang)} of {_pct(p1)} against {_pct(p2)} for the other users "
            f"({gap:+.1f} points; {n1:,} of its {who}), the clearest difference by {column[:1].lower() + column[1:]}."]


_FLOW_WHOM = {  # flow -> (English, Chinese): whom the part of MAU counts
    "new": ("entered this month", "本月新进入"),
    "active": ("last month's older active users who stayed", "上月老活跃用户中本月仍活跃的"),
    "new_retained": ("last month's new users who stayed", "上月新用户中本月仍活跃的"),
    "woken": ("dormant users back this month", "休眠后本月回来的"),
    "returned": ("churned users back this month", "流失后本月回来的"),
}

_HEADS = {"up": ("The holiday that lifted daily users most was", "日活提升最大的节假日是"),
          "down": ("The holiday in which daily users fell most was", "日活下降最多的节假日是"),
          "this": ("This month's holiday,", "本月节假日为")}


def _holiday_sentence(r, direction: str, lang: str, head: str | None = None, span: tuple | None = None) -> str:
    """One window's lift in words: 'lifted … to 1.35x' or 'fell to 0.21x of ordinary days';
    ``head``: a key of ``_HEADS`` other than the direction's ('this': the report month's);
    ``span``: (first, last) month of the windows it was chosen from, said first ("the holiday
    that lifted most" beside a table whose top row, a year before, lifted more read as an error)."""
    name = r["name_zh"] if lang == "zh" else r["name"]
    ly = r["last_year_lift"]
    en, zh = _HEADS[head or direction]
    if span is not None and head is None:
        en = f"Of the holidays from {span[0]} to {span[1]}, the one " + (
            "that lifted daily users most was" if direction == "up" else "in which daily users fell most was")
        zh = f"{span[0]} 至 {span[1]} 的节假日中," + ("日活提升最大的是" if direction == "up" else "日活下降最多的是")
    if r["lift"] == 0:      # not a single active user on any day of the window: a closed shop, or days without data
        return (f"{zh}{r['start']:%Y}年{name}({r['start']:%m-%d}至{r['end']:%m-%d}):窗口内每天都没有"
                "活跃用户(停业,或缺少这几天的数据)。" if lang == "zh" else
                f"{en} {name} {r['start']:%Y} ({r['start']:%m-%d} to "
                f"{r['end']:%m-%d}): no user was active on any of its days (closed, or no data for those days).")
    if lang == "zh":
        verb = "升至" if direction == "up" else "降至"
        s = (f"{zh}{r['start']:%Y}年{name}({r['start']:%m-%d}至{r['end']:%m-%d}):日活{verb}平日的 "
             f"{L.times(r['lift'], lang)}(95% 置信区间 {r['ci_low']:.2f}–{r['ci_high']:.2f}{_provisional(r, lang)})")
        return s + (f",去年同节日为 {L.times(ly, lang)}。" if not pd.isna(ly) else "。")
    verb = "rose to" if direction == "up" else "fell to"
    s = (f"{en} {name} {r['start']:%Y} ({r['start']:%m-%d} to {r['end']:%m-%d}): daily users {verb} "
         f"{L.times(r['lift'], lang)} ordinary days (95% interval {r['ci_low']:.2f}–{r['ci_high']:.2f}{_provisional(r, lang)})")
    return s + (f"; the same festival last year: {L.times(ly, lang)}." if not pd.isna(ly) else ".")


def _provisional(r, lang: str) -> str:
    """'; provisional' inside a lift's brackets when the weeks after its window are not all in the data yet."""
    if r.get("provisional") != True:   # noqa: E712 - numpy's True, or NaN
        return ""
    return ";暂定,下月报告中可能变化" if lang == "zh" else "; provisional until the weeks after it are in"


def _this_month_sentence(r, lang: str) -> str:
    """The report month's own holiday window in words, whichever way its interval points (a
    window without an active user in words too, never as "no clear change (0.00x)")."""
    if r["lift"] == 0 or r["ci_low"] > 1 or r["ci_high"] < 1:
        return _holiday_sentence(r, "up" if r["ci_low"] > 1 else "down", lang, head="this")
    name = r["name_zh"] if lang == "zh" else r["name"]
    en, zh = _HEADS["this"]
    return (f"{zh}{r['start']:%Y}年{name}({r['start']:%m-%d}至{r['end']:%m-%d}):日活与平日相比无明显变化"
            f"({L.times(r['lift'], lang)},95% 置信区间 {r['ci_low']:.2f}–{r['ci_high']:.2f}{_provisional(r, lang)})。"
            if lang == "zh" else
            f"{en} {name} {r['start']:%Y} ({r['start']:%m-%d} to {r['end']:%m-%d}): no clear change "
            f"in daily users from ordinary days ({L.times(r['lift'], lang)}, 95% interval "
            f"{r['ci_low']:.2f}–{r['ci_high']:.2f}{_provisional(r, lang)}).")


RECENT_MONTHS = 3   # the summary page quotes the holidays and campaigns of the last three months


def coming_finding(coming: pd.DataFrame, lang: str = "zh", top: int = 2) -> list[str]:
    """The next year's holidays that lifted daily users most the last time they were measured
    (their interval above 1), the largest first, with their coming dates: what to prepare for.
    Empty when none of them lifted it."""
    zh = lang == "zh"
    out = _coming_closures(coming, lang)
    up = coming[coming["last_ci_low"] > 1].sort_values("last_lift", ascending=False).head(top)
    if not len(up):
        return out
    parts = []
    for _, r in up.iterrows():
        est = r["calendar"] == "estimated"
        if zh:
            parts.append(f"{r['name_zh']}({r['start']} 至 {r['end']}{',日期为估计' if est else ''};"
                         f"上次 {pd.Timestamp(r['last_start']):%Y-%m} 为平日的 {L.times(r['last_lift'], lang)})")
        else:
            parts.append(f"{r['name']} ({r['start']} to {r['end']}{', dates estimated' if est else ''}; "
                         f"{L.times(r['last_lift'], lang)} ordinary days last time, {pd.Timestamp(r['last_start']):%Y-%m})")
    return ["未来 12 个月中,上次日活提升最大的节假日:" + "、".join(parts) + "。" if zh else
            "Coming in the next 12 months, the holidays that lifted daily users most last time: "
            + "; ".join(parts) + "."] + out


SOON_DAYS = 92     # coming closures are named for the next three months (a shop's Christmas)


def _coming_closures(coming: pd.DataFrame, lang: str) -> list[str]:
    """The coming windows of the next three months with no activity at all last time (a shop
    closed over Christmas): one line, or none."""
    if not len(coming):
        return []
    soon = pd.Timestamp(coming.attrs.get("from", coming["start"].min())) + pd.Timedelta(days=SOON_DAYS)
    shut = coming[(coming["last_lift"] == 0) & (pd.to_datetime(coming["start"]) < soon)]
    if not len(shut):
        return []
    zh = lang == "zh"
    names = [f"{r['name_zh']}({r['start']} 至 {r['end']})" if zh else f"{r['name']} ({r['start']} to {r['end']})"
             for _, r in shut.iterrows()]
    return [("即将到来、上次整个假期没有任何用户活跃(可能停业)的节假日:" + "、".join(names) + "。") if zh else
            ("Coming soon, with no active user on any of their days last time (closed?): " + "; ".join(names) + ".")]


def recent(lifts: pd.DataFrame, effects: pd.DataFrame, month: str, months: int = RECENT_MONTHS):
    """(lifts, effects) of the holiday windows and campaigns that touch the ``months`` months to
    ``month``: what a month's summary quotes (the section keeps the year; an August summary
    quoting February's festival and campaigns, month after month, read as news)."""
    first = (pd.Period(month, "M") - (months - 1)).start_time.date()

    def ends(col):
        return pd.to_datetime(col).dt.date >= first if len(col) else pd.Series(dtype=bool)

    return (lifts[ends(lifts["end"])] if len(lifts) else lifts,
            effects[ends(effects["end_date"])] if len(effects) else effects)


def period_findings(lifts: pd.DataFrame, effects: pd.DataFrame, lang: str = "zh", month: str | None = None,
                    months: int = 12) -> list[str]:
    """With the report ``month``: first the holiday of that month, if any; then which festival of
    the ``months`` months to ``month`` (of every window without it) lifted daily users most, among
    the windows whose interval is above 1 (and against last year), and which campaigns had an
    effect that their interval supports.  A sentence about the windows names their months: the
    summary (three months) and the page (twelve) once seemed to contradict each other."""
    out = []
    ok = lifts.dropna(subset=["lift"])
    span = None
    if month is not None and len(ok):
        first = (pd.Period(month, "M") - (months - 1)).start_time.date()
        span = (f"{first:%Y-%m}", month)
        last = pd.Period(month, "M").end_time.date()
        this = ok[(ok["start"].map(lambda d: f"{d:%Y-%m}") == month)]
        ok = ok[(ok["end"] >= first) & (ok["start"] <= last)]
        for _, r in this.iterrows():
            out.append(_this_month_sentence(r, lang))
        ok = ok.drop(index=this.index)
    if len(ok):
        rises = ok[ok["ci_low"] > 1]     # a lift the interval supports (the table's "rise")
        if len(rises):
            out.append(_holiday_sentence(rises.loc[rises["lift"].idxmax()], "up", lang, span=span))
        elif not out:      # no clear rise (and no holiday this month said first): say how many the intervals put below
            below, n = int((ok["ci_high"] < 1).sum()), len(ok)
            if lang == "zh":
                rest = ("每个节假日窗口的日活都明显低于平日。" if below == n else
                        f"{below} 个节假日窗口的日活明显低于平日,其余 {n - below} 个无明显变化。" if below else
                        "各节假日窗口的日活与平日相比均无明显变化。")
                out.append((f"{span[0]} 至 {span[1]} " if span else "") + "没有一个节假日提升了日活:" + rest)
            else:
                rest = ("every window was clearly below ordinary days." if below == n else
                        f"{below} of {n} windows {'was' if below == 1 else 'were'} clearly below ordinary days, "
                        f"the {'other' if n - below == 1 else 'others'} showed no clear "
                        "change." if below else "no window showed a clear change from ordinary days.")
                out.append("No holiday window " + (f"from {span[0]} to {span[1]} " if span else "")
                           + "lifted daily users: " + rest)
        low = ok.loc[ok["lift"].idxmin()]
        if low["ci_high"] < 1:
            out.append(_holiday_sentence(low, "down", lang, span=span))
    for _, r in effects.iterrows():
        up, down = (not pd.isna(r["ci_low"]) and r["ci_low"] > 0), (not pd.isna(r["ci_high"]) and r["ci_high"] < 0)
        weak = r["method"] != "control arm"
        metric = L.metric(r["metric"], lang)
        # when it ran: a summary of October quoting February's campaign was read as this month's result
        when = campaign_months(r.get("start_date"), r.get("end_date"))
        running = bool(r.get("running")) if pd.notna(r.get("running")) else False   # still running: a partial result
        if lang == "zh":
            verdict = ("提升显著(95% 置信区间不含 0)" if up else "区间显示活动反而降低了该指标" if down else
                       "区间包含0,未见可确认的效果" + _too_small(r, lang))
            # without a control arm the two numbers are changes (members, everyone else), not rates
            arms = (f"成员变化 {r['treatment'] * 100:+z.1f} 个百分点,其他用户变化 {r['control'] * 100:+z.1f} 个百分点" if weak
                    else f"实验组 {_pct(r['treatment'])},对照组 {_pct(r['control'])}")
            s = (f"活动 {r['campaign_id']}({r['name']}{',' + when if when else ''}{',仍在进行' if running else ''}):"
                 f"{metric} {arms},差 {r['difference'] * 100:+z.1f} 个百分点"
                 f"(95% 置信区间 {r['ci_low'] * 100:+z.1f}~{r['ci_high'] * 100:+z.1f}),{verdict}")
            s += "(双重差分,证据较弱)" if weak else ""
            s += ";分组比例异常(SRM),结果需复核。" if r["srm_flag"] else "。"
        else:
            verdict = ("a rise the interval supports" if up else "the interval shows the campaign lowered it" if down
                       else "the interval includes zero: no confirmed effect" + _too_small(r, lang))
            arms = (f"members {r['treatment'] * 100:+z.1f} points vs everyone else {r['control'] * 100:+z.1f} points"
                    if weak else f"{_pct(r['treatment'])} treatment vs {_pct(r['control'])} control")
            s = (f"Campaign {r['campaign_id']} ({r['name']}{', ' + when if when else ''}"
                 f"{', still running' if running else ''}): {metric} {arms}, "
                 f"{r['difference'] * 100:+z.1f} points (95% interval "
                 f"{r['ci_low'] * 100:+z.1f} to {r['ci_high'] * 100:+z.1f}): {verdict}")
            s += " (difference-in-differences, weaker evidence)" if weak else ""
            s += "; the arms are off their planned split (SRM), check the assignment." if r["srm_flag"] else "."
        out.append(s)
    return out


LEAN_MIN_POINTS = 3.0    # a state's lean to a category this far above the states' average is a finding
WIDE_INTERVAL_POINTS = 5.0   # "no confirmed effect" with an interval wider than this either side: too small a test


def _too_small(r, lang: str) -> str:
    """For a result with no confirmed effect, when its 95% interval reaches ``WIDE_INTERVAL_POINTS``
    or more either side of the difference: that the test could not have seen an effect smaller
    than that (a pilot of 60 against 60 read "no confirmed effect" in the words of a test whose
    interval was 1.4 points wide)."""
    half = (r["ci_high"] - r["ci_low"]) / 2 * 100
    if pd.isna(half) or half < WIDE_INTERVAL_POINTS:
        return ""
    return (f"(样本太小:小于约 {half:.0f} 个百分点的效果无法识别)" if lang == "zh" else
            f" (too small a test to see an effect under about {half:.0f} points)")


def _lean(mean_share: pd.DataFrame, lang: str) -> str:
    """The state that leans most to a category (its mean share furthest above the states'
    average), when that is ``LEAN_MIN_POINTS`` or more; else that no state leans clearly (the
    summary quoted "returned users lean most to after-sales, +1.1 points", and another state
    and category the next month)."""
    from .preference_plots import cat
    dev = mean_share - mean_share.mean()
    s, c = dev.stack().idxmax()
    if dev.loc[s, c] * 100 < LEAN_MIN_POINTS:
        spread = float(dev.abs().to_numpy().max()) * 100
        return (f"各分群的功能偏好相近:每个分群在各类别上的平均占比与各分群平均相差不超过 {spread:.1f} 个百分点。"
                if lang == "zh" else
                f"No state leans clearly to a category: every state's mean share of each is within {spread:.1f} "
                "points of the states' average.")
    # the share said as what it is (a mean share read alone on the summary meant nothing)
    return (f"与其他分群相比,「{L.state(s, lang)}」最偏重{cat(c, lang)}:其用户平均 {mean_share.loc[s, c]:.1%} "
            f"的活跃天数使用{cat(c, lang)},高于各分群平均 {dev.loc[s, c] * 100:.1f} 个百分点。" if lang == "zh" else
            f"Compared with the other states, '{L.state(s, lang)}' users lean most to {cat(c, lang)}: on "
            f"{mean_share.loc[s, c]:.1%} of their active days on average, {dev.loc[s, c] * 100:.1f} points "
            "above the average of the states.")


def preference_findings(dist: pd.DataFrame, mean_share: pd.DataFrame, evaluation: pd.DataFrame,
                        lang: str = "zh") -> list[str]:
    """The most common tag, each scene rule's measured lift (a manager's first question about the
    pushes, so right after it: the summary quotes the first three lines), the state that leans
    most to a category, and the pushes not evaluated yet."""
    from .preference_plots import cat
    out = []
    d = dist.dropna(subset=["tagged_share"])
    d = d[d["category"] != "other"]
    if len(d):
        top = d.loc[d["tagged_share"].idxmax()]
        # of the users who used a feature in the three months of the tags (those with a tag to have),
        # not of this month's active users
        out.append(f"最常见的偏好标签是{cat(top['category'], lang)}:近三个月使用过功能的用户中 {top['tagged_share']:.1%} "
                   "带有该标签。" if lang == "zh" else      # one decimal, as the table beside it
                   f"The most common tag is {cat(top['category'], lang)}: {top['tagged_share']:.1%} of the users of a "
                   "feature in the last three months carry it.")
    lean = _lean(mean_share, lang) if not mean_share.empty else None

    for _, r in evaluation[evaluation["month"] == "all"].iterrows():
        if pd.isna(r["difference"]):
            continue
        span = (r["first_month"] if r["first_month"] == r["last_month"] else
                f"{r['first_month']} 至 {r['last_month']}" if lang == "zh" else f"{r['first_month']} to {r['last_month']}")
        k = int(r.get("months", 1) or 1)
        # the months with pushes, counted: a month without pushes in the span (a missing file) shows
        months = (f"{span} 的推送" if k == 1 else f"{span} 共 {k} 个月的推送") if lang == "zh" else \
            (span if k == 1 else f"{k} months, {span}")
        n = f"{int(r['n_treatment']):,} / {int(r['n_control']):,}"       # pushes: a user of two months counts twice
        verdict = ("效果显著(95% 置信区间不含 0)" if r["ci_low"] > 0 else "区间显示推送反而降低了回访" if r["ci_high"] < 0
                   else "未见可确认的效果" + _too_small(r, lang)) if lang == "zh" else \
            ("an effect the interval supports" if r["ci_low"] > 0 else
             "the interval shows the push lowered reactivation" if r["ci_high"] < 0 else
             "no confirmed effect" + _too_small(r, lang))
        out.append(f"场景 {r['rule_id']}({months},实验组/对照组 {n} 次):30天内回访率 实验组 "
                   f"{_pct(r['treatment'])},对照组 {_pct(r['control'])},差异 {r['difference'] * 100:+z.1f} 个百分点"
                   f"(95% 置信区间 {r['ci_low'] * 100:+z.1f}~{r['ci_high'] * 100:+z.1f}),{verdict}。" if lang == "zh" else
                   f"Scene {r['rule_id']} (pushes of {months}: {n} in treatment / control): reactivation within "
                   f"30 days {_pct(r['treatment'])} treatment vs {_pct(r['control'])} control, "
                   f"{r['difference'] * 100:+z.1f} points (95% interval {r['ci_low'] * 100:+z.1f} to "
                   f"{r['ci_high'] * 100:+z.1f}): {verdict}.")
    if lean:
        out.append(lean)
    pending = evaluation.attrs.get("pending") or {}
    if pending:
        what = ", ".join((f"{m}({n:,} 次)" if lang == "zh" else f"{m} ({n:,} pushes)") for m, n in pending.items())
        out.append(f"推送后 30 天尚未结束的推送暂不评估:{what};待其 30 天结束后的报告再计入。" if lang == "zh" else
                   f"Pushes whose 30 days have not ended are not evaluated yet: {what}; a later month's report "
                   "counts them.")
    return out
