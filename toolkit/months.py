"""Months as 'YYYY-MM' strings and the month arithmetic every module shares."""
from __future__ import annotations

import re
from datetime import date, timedelta

from .errors import ConfigError, MonthRangeError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, *, what: str = "month") -> date:
    """'2026-02' -> date(2026, 2, 1); a clear ConfigError otherwise."""
    m = _MONTH.match(str(text).strip())
    if not m:
        raise ConfigError(f"{what} must be written YYYY-MM (e.g. 2026-02), got {text!r}.")
    if not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"{what} {text!r} has no month {m.group(2)}: the month is 01 to 12 (e.g. 2026-02).")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_str(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    idx = d.year * 12 + d.month - 1 + n
    return date(idx // 12, idx % 12 + 1, 1)


def next_month(month: str) -> str:
    """The month after ``month`` (YYYY-MM), as YYYY-MM."""
    return month_str(add_months(parse_month(month), 1))


def previous_month(month: str) -> str:
    """The month before ``month`` (YYYY-MM), as YYYY-MM."""
    return month_str(add_months(parse_month(month), -1))


def last_day(month: str) -> date:
    """The last day of ``month`` (YYYY-MM)."""
    return add_months(parse_month(month), 1) - timedelta(days=1)


def month_range(start: date, end: date) -> list[date]:
    """Every first-of-month from start to end inclusive."""
    out, cur = [], date(start.year, start.month, 1)
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def inner_gaps(months) -> list[int]:
    """The month indexes (year * 12 + month - 1) missing between the first and the last of
    ``months``: a month without events inside the data (a missing file?).  The build, validate
    and the report pages each say so from what they read."""
    have = set(months)
    return [m for m in range(min(have), max(have)) if m not in have] if have else []


def months_between(a: date, b: date) -> int:
    """Whole months from a to b (b later gives a positive number)."""
    return (b.year - a.year) * 12 + b.month - a.month


def event_span(con) -> tuple:
    """(first, last) event time of the cleaned ``events`` (business-local; (None, None) when empty).

    A store opened by ``toolkit.data.store`` knows them from its event checks (the
    ``events_span`` table, kept per file with the counts), so no scan is needed; any
    other connection with an ``events`` view is scanned once."""
    from . import queries
    has = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'events_span' "
                      "AND temporary").fetchone()[0]
    return tuple(queries.run(con, "event_span" if has else "event_span_scan").fetchone())


def last_complete_month(con) -> date:
    """The latest month whose last day the events reach (business-local).

    A month counts as complete when the data has events on its last day or
    later; otherwise the month before the last event is the last complete one.
    """
    last = event_span(con)[1]
    if last is None:
        raise ConfigError("The events table is empty, so it has no complete month.")
    return _last_complete(last.date())


def _last_complete(last_day: date) -> date:
    first = date(last_day.year, last_day.month, 1)
    if add_months(first, 1).toordinal() - 1 == last_day.toordinal():
        return first
    return add_months(first, -1)


def data_months(con) -> tuple[date, date]:
    """(first month with events, last complete month) of the cleaned events, as first-of-month dates."""
    first, last = event_span(con)
    if first is None:
        raise ConfigError("The events table has no usable rows, so it has no complete month.")
    return date(first.year, first.month, 1), _last_complete(last.date())


def check_month(text: str | None, con, *, what: str = "--month", shift: int = 0, skip_first: bool = False,
                partial: bool = False) -> str:
    """The month ``text`` (default: the last complete month + ``shift``) checked against the data.

    The accepted months run from the first month with events (the one after it with
    ``skip_first``, for reports, which compare with the month before) to the last complete
    month (with ``partial``, the month of the last event, complete or not), both moved by
    ``shift`` (a push month is the month after the state it selects on).  A month outside
    raises MonthRangeError naming the available range, earliest first; a month with events
    that is not complete yet is called that.
    """
    first, last_event = event_span(con)
    if first is None:
        raise ConfigError("The events table has no usable rows, so it has no complete month.")
    first, last = date(first.year, first.month, 1), _last_complete(last_event.date())
    newest = date(last_event.year, last_event.month, 1)
    if partial:
        last = newest
    lo, hi = add_months(first, shift + (1 if skip_first else 0)), add_months(last, shift)
    only_first = skip_first and first <= last and hi < lo     # one complete month: nothing to compare with
    compare = ("a report compares each month with the month before, so it starts with the second month of "
               "the data")
    if not text:
        if only_first:
            raise MonthRangeError(f"The data hold one month ({month_str(first)}, events up to {last_event:%Y-%m-%d}): "
                                  f"{compare}. Add the events of the month before, or report again when the "
                                  "next month is complete.")
        if hi < lo:
            raise MonthRangeError(f"The data ({month_str(first)} to {month_str(last)}) have no complete month "
                                  f"to use for {what}; they need events up to the last day of a month.")
        return month_str(hi)
    m = parse_month(text, what=what)
    if hi < m <= add_months(newest, shift):
        available = f"{month_str(lo)} to {month_str(hi)}" if lo <= hi else "none"
        raise MonthRangeError(f"{what} {month_str(m)} is not complete yet (events up to {last_event:%Y-%m-%d}): "
                              f"the available months are {available}. Pick one of them, or run again when the "
                              "month's data are in.")
    if skip_first and m == add_months(first, shift) and m <= add_months(last, shift):
        available = f"{month_str(lo)} to {month_str(hi)}" if lo <= hi else "none yet"
        raise MonthRangeError(f"{what} {month_str(m)} is the first month of the data, and a report compares each "
                              f"month with the month before: the available months are {available}. Add the events "
                              f"of the month before to report {month_str(m)}.")
    if not lo <= m <= hi:
        available = f"{month_str(lo)} to {month_str(hi)}" if lo <= hi else "none"
        raise MonthRangeError(f"{what} {month_str(m)} is outside the data: the available months are {available} "
                              f"(events from {month_str(first)} to {last_event:%Y-%m-%d}). "
                              "Pick a month in that range, or add the data for the month.")
    return month_str(m)
