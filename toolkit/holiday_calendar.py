"""Holiday windows from the maintained `holidays` calendar (China by default).

A day is *off* when it is a public holiday, or a Saturday/Sunday that is not a
make-up working day (调休, ``weekend_workdays`` of the calendar).  A holiday
window is a run of consecutive days off that contains at least one public
holiday, e.g. National Day 2025: 10-01 .. 10-08 (09-28 and 10-11 are worked).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

import holidays

from .errors import ConfigError

# Festival keys: one stable name per festival, so lunar festivals compare year on year.
_FESTIVALS = [
    ("spring_festival", "Spring Festival", "春节", ("Spring Festival", "Chinese New Year")),
    ("national_day", "National Day", "国庆节", ("National Day",)),
    ("labour_day", "Labour Day", "劳动节", ("Labor Day", "Labour Day")),
    ("new_year", "New Year's Day", "元旦", ("New Year's Day",)),
    ("qingming", "Tomb-Sweeping Day", "清明节", ("Tomb-Sweeping",)),
    ("dragon_boat", "Dragon Boat Festival", "端午节", ("Dragon Boat",)),
    ("mid_autumn", "Mid-Autumn Festival", "中秋节", ("Mid-Autumn",)),
]
_PRIORITY = [f[0] for f in _FESTIVALS]


@dataclass(frozen=True)
class HolidayWindow:
    """A run of days off around a public holiday."""
    festival: str      # stable key, e.g. 'national_day'
    name: str          # English name
    name_zh: str       # Chinese name
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def calendar_version() -> str:
    """The version of the holiday library, shown in reports."""
    return f"holidays {holidays.__version__}"


def _festival_of(holiday_name: str):
    if holiday_name.startswith("Day off"):
        return None
    for key, en, zh, needles in _FESTIVALS:
        if any(n in holiday_name for n in needles):
            return key, en, zh
    clean = re.sub(r"\s*\(.*\)$", "", holiday_name)
    return re.sub(r"\W+", "_", clean.lower()).strip("_"), clean, clean


def country_calendar(country: str, years):
    try:
        return holidays.country_holidays(country, years=years)
    except NotImplementedError:
        raise ConfigError(f"holiday_country {country!r} is not known to the holidays library; use an ISO code "
                          "such as CN, HK, TW, SG or GB.") from None


def holiday_windows(start: date, end: date, country: str = "CN") -> list[HolidayWindow]:
    """Every holiday window that overlaps [start, end], in date order.

    Windows are computed on whole runs (a window crossing ``start`` or
    ``end`` keeps its full extent).  When a run holds two festivals (e.g.
    National Day and Mid-Autumn in 2025) it is named for the major one.
    """
    cal = country_calendar(country, range(start.year - 1, end.year + 2))
    workdays = set(getattr(cal, "weekend_workdays", set()))
    lo, hi = start - timedelta(days=20), end + timedelta(days=20)

    def off(d: date) -> bool:
        return d in cal or (d.weekday() >= 5 and d not in workdays)

    windows, d = [], lo
    while d <= hi:
        if not off(d):
            d += timedelta(days=1)
            continue
        run_start = d
        while d + timedelta(days=1) <= hi and off(d + timedelta(days=1)):
            d += timedelta(days=1)
        festivals = Counter()
        for x in (run_start + timedelta(days=i) for i in range((d - run_start).days + 1)):
            for name in cal.get_list(x) if x in cal else []:
                f = _festival_of(name)
                if f:
                    festivals[f] += 1
        if festivals:
            key, en, zh = min(festivals, key=lambda f: (_PRIORITY.index(f[0]) if f[0] in _PRIORITY else 99,
                                                        -festivals[f]))
            if d >= start and run_start <= end:
                windows.append(HolidayWindow(key, en, zh, run_start, d))
        d += timedelta(days=1)
    return windows


def is_day_off(d: date, country: str = "CN") -> bool:
    cal = country_calendar(country, [d.year])
    return d in cal or (d.weekday() >= 5 and d not in set(getattr(cal, "weekend_workdays", set())))
