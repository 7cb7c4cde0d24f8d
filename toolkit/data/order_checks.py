"""Checks of the orders a report month's revenue is read from, for the scheduled run: orders
delivered twice, and a month whose orders stop days before its events do.

The events are checked file by file when the store opens (event_checks); the orders are a table
of their own, so a resent month or a cut-short orders file changed the revenue of a report with
exit 0 and no word (a shop's November at £440,010 instead of £1,161,817).  A run that picks its
months itself stops on them (:func:`check_run`); otherwise they are warnings: the stderr of the
run, the run log and a note on the month's summary page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from .. import queries
from ..months import last_day, parse_month

CUT_SHORT_CHANCE = 1e-3    # no order in the month's last days this unlikely at the month's pace: cut short
CUT_SHORT_MIN_DAYS = 2     # ... and at least this many days without one


@dataclass
class OrderNotes:
    """What the orders of the months of a run may lack, in words (English for the command line and
    the run log; the page notes in both languages)."""
    warnings: list
    page_en: list
    page_zh: list
    cut: tuple | None = None      # the month's orders cut short (``cut_short``), when they are

    def __bool__(self) -> bool:
        return bool(self.warnings)

    def into(self, checks: dict | None) -> dict | None:
        """``checks`` (EventChecks.as_dict, or None) with these notes: the warnings under
        ``month_checks`` (the run log), the page notes after the events' (the summary page)."""
        if not self:
            return checks
        out = dict(checks or {})
        out["month_checks"] = self.warnings
        for key, parts, sep, end in (("page_note", self.page_en, "; ", "."), ("page_note_zh", self.page_zh, ";", "。")):
            said = sep.join(parts) + end
            out[key] = f"{out[key]} {said}" if out.get(key) else said
        return out


def _bounds(month: str) -> tuple[datetime, datetime, int]:
    """The month's first moment, the first moment after it, and its index (year * 12 + month - 1)."""
    d = parse_month(month)
    return (datetime.combine(d, datetime.min.time()),
            datetime.combine(last_day(month) + timedelta(days=1), datetime.min.time()), d.year * 12 + d.month - 1)


def duplicate_orders(con) -> tuple[int, float, str | None]:
    """(surplus rows, their amount, an example 'user at time') of orders that repeat another exactly."""
    _, surplus, amount, example = queries.run(con, "duplicate_orders").fetchone()
    return int(surplus), float(amount or 0), example


def cut_short(con, month: str, events_end: datetime | None) -> tuple[datetime, datetime, int] | None:
    """(last order, where the month's events end, orders) when the month's orders stop so long
    before its events end that the month's pace of orders makes the gap implausible (chance
    under ``CUT_SHORT_CHANCE``, at least ``CUT_SHORT_MIN_DAYS``): an orders file cut short.
    None otherwise, or when the month has no events to compare with."""
    start, end, _ = _bounds(month)
    reach = _events_reach(con, month, min(events_end, end) if events_end is not None else None)
    if reach is None or reach <= start:
        return None
    n, first, last = queries.run(con, "orders_in_month", start=start, end=end).fetchone()
    if not n:
        return None
    gap = (reach - last).total_seconds() / 86400
    covered = (reach - start).total_seconds() / 86400
    if gap < CUT_SHORT_MIN_DAYS or covered <= 0:
        return None
    chance = (1 - gap / covered) ** n     # no order in the last `gap` days, orders spread evenly
    return (last, reach, int(n)) if chance < CUT_SHORT_CHANCE else None


def _events_reach(con, month: str, fallback: datetime | None) -> datetime | None:
    """The end of the last day of ``month`` with a qualifying event, from the monthly aggregates
    (a shop closed for Christmas has no events after the 23rd either: its orders are not cut
    short); ``fallback`` when the aggregates are not there."""
    import duckdb
    start, _, mi = _bounds(month)
    try:
        days = queries.run(con, "month_event_days", mi=mi).fetchone()[0]
    except duckdb.Error:          # no aggregates on this connection
        return fallback
    if not days:
        return None
    return start + timedelta(days=int(days).bit_length())     # the end of the last day with a bit set


def events_cut_short(con, month: str, events_end: datetime | None) -> tuple[datetime, datetime] | None:
    """(where the month's events end, its last order) when the month's orders go on two days or
    more past its last day with events while the data go on after the month: the events file
    cut short (a shop's November replaced by its first half, December already in, rendered again
    with MAU -28% and no word).  A closure stops both; None then, or without orders."""
    start, end, _ = _bounds(month)
    if events_end is None or events_end < end:
        return None              # the data end in the month: the month is not complete, said elsewhere
    reach = _events_reach(con, month, None)
    n, _, last = queries.run(con, "orders_in_month", start=start, end=end).fetchone()
    if reach is None or not n or last is None:
        return None
    return (reach, last) if (last - reach).total_seconds() >= 2 * 86400 else None


def order_notes(con, month: str, events_end: datetime | None, duplicates: tuple | None = None) -> OrderNotes:
    """The notes for the report of ``month``: orders repeated anywhere (they count in every
    month's revenue; ``duplicates``: :func:`duplicate_orders` computed once for a run of several
    months), and the month's orders stopping early."""
    warnings, en, zh = [], [], []
    surplus, amount, example = duplicates if duplicates is not None else duplicate_orders(con)
    if surplus:
        warnings.append(f"{surplus:,} order(s) repeat another order exactly (same user, time and amount, e.g. user "
                        f"{example}), {amount:,.2f} of revenue: a file delivered twice? Revenue counts each copy; "
                        "remove the copies at the source (the months' reports are rendered again when they go)")
        en.append(f"{surplus:,} order(s) repeat another order exactly, and revenue counts each copy "
                  f"({amount:,.2f})")
        zh.append(f"{surplus:,} 笔订单与另一笔完全相同(同一用户、时间和金额),收入把每份都计入了({amount:,.2f})")
    found = cut_short(con, month, events_end)
    if found:
        last, reach, n = found
        reach = reach - timedelta(microseconds=1)       # the last moment the events reach (an end is exclusive)
        warnings.append(f"{month}'s {n:,} orders end on {last:%Y-%m-%d %H:%M} while its events reach "
                        f"{reach:%Y-%m-%d}: an orders file cut short? The month's revenue is then partial; "
                        "deliver the whole file (the month is rendered again when it changes)")
        en.append(f"{month}'s orders end on {last:%Y-%m-%d} while its events reach {reach:%Y-%m-%d}: its revenue "
                  "is likely partial")
        zh.append(f"{month} 的订单止于 {last:%Y-%m-%d},而事件一直到 {reach:%Y-%m-%d}:该月收入很可能不完整")
    return OrderNotes(warnings, en, zh, found)


GAP_MIN_DAYS = 3      # days without any qualifying event at a month's end, later months in ...
GAP_MIN_USERS = 100   # ... in a month of this many active users or more: said (events_gap)


def events_gap(con, month: str, events_end: datetime | None) -> tuple[datetime, int] | None:
    """(the month's last day with events, the days after it without any) when a month of
    ``GAP_MIN_USERS`` active users or more has no qualifying event in its last ``GAP_MIN_DAYS``
    days or more while the data go on after it: an events file cut short or replaced by a
    partial copy, or a closure (a shop's Christmas); a data set without orders has nothing else
    to tell them apart by.  None otherwise."""
    _, end, mi = _bounds(month)
    if events_end is None or events_end < end:
        return None
    reach = _events_reach(con, month, None)
    if reach is None:
        return None
    gap = (end - reach).days
    if gap < GAP_MIN_DAYS or queries.run(con, "month_active_users", mi=mi).fetchone()[0] < GAP_MIN_USERS:
        return None
    return reach - timedelta(days=1), gap


def gap_notes(con, month: str, events_end: datetime | None) -> OrderNotes:
    """The month's ``events_gap`` in words (a warning and the page's note), or no notes."""
    found = events_gap(con, month, events_end)
    if not found:
        return OrderNotes([], [], [])
    day, gap = found
    return OrderNotes([f"{month}'s events stop on {day:%Y-%m-%d}, {gap} days before its end, while the data go on "
                       "to a later month: an events file cut short or replaced by a partial copy, or a closure? "
                       "Check the month's file; the month is rendered again when it changes"],
                      [f"{month}'s events stop on {day:%Y-%m-%d}, {gap} days before its end (a closure, or data "
                       "missing)"],
                      [f"{month} 的事件止于 {day:%Y-%m-%d},距月末还有 {gap} 天(停业,或数据缺失)"])


def check_run(store, months: list[str], max_share: float, *, stop: bool) -> dict:
    """The orders a report run's months read their revenue from, checked before any month is
    rendered; {month: OrderNotes}.  Without orders, each month's ``events_gap`` is its warning.  Orders repeated whole beyond ``max_share`` of them (a resent
    month) raise DataReadError; a month whose orders stop implausibly early (``cut_short``) or
    whose events stop days before its orders (``events_cut_short``) raise it too when ``stop``
    (a run that picked its months itself, the scheduled --missing, which would replace a good
    report with half the revenue or users), and are the month's warning otherwise."""
    from ..errors import DataReadError
    events_end = store.checks.span[1] if store.checks else None
    if not months or not store.has("orders") or store.sources["orders"].kind == "external":
        # no orders to tell a cut events file by: a month's silent end is a warning
        return {m: gap_notes(store.con, m, events_end) for m in months} if store.checks else {}
    repeated = duplicate_orders(store.con)
    total = store.con.execute("SELECT count(*) FROM orders").fetchone()[0]
    where = store.sources["orders"].describe()
    if repeated[0] and repeated[0] > max_share * total:
        raise DataReadError(f"{where}: {repeated[0]:,} of {total:,} orders ({repeated[0] / total:.1%}) repeat another "
                            f"order exactly (same user, time and amount, e.g. user {repeated[2]}), more than the "
                            f"{max_share:.0%} allowed (max_unusable_share): a file delivered twice? Revenue would "
                            "count each copy. Remove the copies at the source; no report was changed.")
    notes = {m: order_notes(store.con, m, events_end, repeated) for m in months}
    for m in months if stop else []:
        gone = events_cut_short(store.con, m, events_end)
        if gone:
            reach, last = gone
            raise DataReadError(f"{store.sources['events'].describe()}: {m}'s events stop on "
                                f"{reach - timedelta(microseconds=1):%Y-%m-%d} while its orders go on to "
                                f"{last:%Y-%m-%d} and the data to a later month: an events file cut short or replaced "
                                f"by a partial copy? {m} is not rendered and no report was changed. Deliver the whole "
                                f"file; if the events really stopped, render it by hand with --month {m}.")
        if notes[m].cut:
            last, reach, n = notes[m].cut
            raise DataReadError(f"{where}: {m}'s {n:,} orders end on {last:%Y-%m-%d %H:%M} while its events go on to "
                                "the month's end: an orders file cut short? Its revenue would be partial, so "
                                f"{m} is not rendered and no report was changed. Deliver the whole orders file; if "
                                f"the orders really stopped, render it by hand with --month {m}.")
    return notes
