"""Months as 'YYYY-MM' strings and the month arithmetic every module shares."""
from __future__ import annotations

import re
from datetime import date

from .errors import ConfigError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, *, what: str = "month") -> date:
    """'2026-02' -> date(2026, 2, 1); a clear ConfigError otherwise."""
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ConfigError(f"{what} must be written YYYY-MM (e.g. 2026-02), got {text!r}.")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_str(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def add_months(d: date, n: int) -> date:
    idx = d.year * 12 + d.month - 1 + n
    return date(idx // 12, idx % 12 + 1, 1)


def month_range(start: date, end: date) -> list[date]:
    """Every first-of-month from start to end inclusive."""
    out, cur = [], date(start.year, start.month, 1)
    while cur <= end:
        out.append(cur)
        cur = add_months(cur, 1)
    return out


def months_between(a: date, b: date) -> int:
    """Whole months from a to b (b later gives a positive number)."""
    return (b.year - a.year) * 12 + b.month - a.month


def last_complete_month(con) -> date:
    """The latest month whose last day the events reach (business-local).

    A month counts as complete when the data has events on its last day or
    later; otherwise the month before the last event is the last complete one.
    """
    last_day = con.execute("SELECT CAST(max(event_time) AS DATE) FROM events").fetchone()[0]
    if last_day is None:
        raise ConfigError("The events table is empty, so it has no complete month.")
    first = date(last_day.year, last_day.month, 1)
    if add_months(first, 1).toordinal() - 1 == last_day.toordinal():
        return first
    return add_months(first, -1)
