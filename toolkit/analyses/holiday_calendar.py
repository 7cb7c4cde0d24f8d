"""Holiday windows from the maintained `holidays` calendar (China by default).

Calendar truth: China publishes each year's schedule (holidays and the make-up
working days, 调休) in November of the year before.  For a later year the
library only applies its rules: the festival days are right or nearly so, the
make-up working days are missing.  :class:`HolidayCalendar` says per year
whether its days are ``official`` (from the library's published schedules),
``supplied`` (from the user's schedule table, which wins) or ``estimated``; a
report that uses an estimated year says so.  The schedule table is a CSV with
columns ``date, kind, name`` (kind ``holiday`` or ``workday``), one row per
day, e.g. ``2027-02-06,holiday,春节`` and ``2027-02-20,workday,春节``; every year
it lists replaces the library's days of that year.

A day is *off* when it is a public holiday, or a Saturday/Sunday that is not a
make-up working day (调休, ``weekend_workdays`` of the calendar).  A holiday
window is a run of consecutive days off that contains at least one public
holiday, e.g. National Day 2025: 10-01 .. 10-08 (09-28 and 10-11 are worked).
A window is keyed by its major festival and named for all of them
(National Day + Mid-Autumn Festival, 国庆节及中秋节).
"""
from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import holidays

from ..errors import ConfigError

# Festival keys: one stable name per festival, so lunar festivals compare year on year.
_FESTIVALS = [
    ("spring_festival", "Spring Festival", "春节", ("Spring Festival", "Chinese New Year", "春节", "除夕")),
    ("national_day", "National Day", "国庆节", ("National Day", "国庆")),
    ("labour_day", "Labour Day", "劳动节", ("Labor Day", "Labour Day", "劳动节")),
    ("new_year", "New Year's Day", "元旦", ("New Year's Day", "元旦")),
    ("qingming", "Tomb-Sweeping Day", "清明节", ("Tomb-Sweeping", "清明")),
    ("dragon_boat", "Dragon Boat Festival", "端午节", ("Dragon Boat", "端午")),
    ("mid_autumn", "Mid-Autumn Festival", "中秋节", ("Mid-Autumn", "中秋")),
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
    day: date | None = None    # the first public holiday of the festival the window is named for

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def dates(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range(self.days)]


def calendar_version() -> str:
    """The version of the holiday library, shown in reports."""
    return f"holidays {holidays.__version__}"


# Chinese names of the holidays of countries whose calendar has no Chinese (the UK, the US, ...);
# a calendar in Chinese (HK, TW, ...) names its own, and any other name stays as the library gives it.
_ZH_NAMES = {
    "Christmas Day": "圣诞节", "Christmas Eve": "平安夜", "Boxing Day": "节礼日", "New Year's Eve": "跨年夜",
    "New Year Holiday": "新年假期", "Good Friday": "耶稣受难日", "Easter Sunday": "复活节",
    "Easter Monday": "复活节星期一", "May Day": "五月初银行假日", "Early May Bank Holiday": "五月初银行假日",
    "Spring Bank Holiday": "春季银行假日", "Summer Bank Holiday": "夏季银行假日",
    "Late Summer Bank Holiday": "夏末银行假日", "Saint Andrew's Day": "圣安德鲁日",
    "Saint Patrick's Day": "圣帕特里克节", "Battle of the Boyne": "博因河战役纪念日",
    "Wedding of William and Catherine": "威廉王子婚礼", "Diamond Jubilee of Elizabeth II": "伊丽莎白二世登基钻禧",
    "Platinum Jubilee of Elizabeth II": "伊丽莎白二世登基白金禧", "Coronation of Charles III": "查尔斯三世加冕",
    "State Funeral of Queen Elizabeth II": "伊丽莎白二世国葬",
    "Martin Luther King Jr. Day": "马丁·路德·金纪念日", "Washington's Birthday": "华盛顿诞辰纪念日",
    "Memorial Day": "阵亡将士纪念日", "Juneteenth National Independence Day": "六月节",
    "Independence Day": "独立日", "Columbus Day": "哥伦布日", "Veterans Day": "退伍军人节",
    "Thanksgiving Day": "感恩节", "Thanksgiving": "感恩节",
}


def _festival_of(holiday_name: str, name_zh: str | None = None):
    """(key, English name, Chinese name) of a holiday named ``holiday_name`` by the calendar
    (``name_zh``: its name in the calendar's Chinese, when it has one); None for a day off in
    lieu of a worked day."""
    if holiday_name.startswith("Day off"):
        return None
    for key, en, zh, needles in _FESTIVALS:
        if any(n in holiday_name for n in needles):
            return key, en, zh
    clean = re.sub(r"\s*\(.*\)$", "", holiday_name)
    zh = re.sub(r"\s*[（(].*[)）]$", "", name_zh) if name_zh else _ZH_NAMES.get(clean, clean)
    return re.sub(r"\W+", "_", clean.lower()).strip("_"), clean, zh


@dataclass
class YearSchedule:
    """One year of a supplied schedule: the holidays (date -> name) and the make-up working days."""
    holidays: dict = field(default_factory=dict)
    workdays: set = field(default_factory=set)


def load_schedule(path) -> dict[int, YearSchedule]:
    """The schedule table (CSV: date, kind, name) by year; a ConfigError names a bad row."""
    path = Path(path)
    return _load_schedule(str(path.resolve()), path.stat().st_mtime_ns) if path.is_file() else {}


@lru_cache(maxsize=8)
def _load_schedule(path: str, _mtime: int) -> dict[int, YearSchedule]:
    out: dict[int, YearSchedule] = {}
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"date", "kind", "name"} - set(reader.fieldnames or [])
        if missing:
            raise ConfigError(f"The holiday schedule {path} lacks column(s) {sorted(missing)}; it needs date, kind "
                              "(holiday or workday) and name, e.g. 2027-02-06,holiday,春节.")
        for i, row in enumerate(reader, 2):
            try:
                d = date.fromisoformat((row["date"] or "").strip())
            except ValueError:
                raise ConfigError(f"{path}, line {i}: date {row['date']!r} is not YYYY-MM-DD.") from None
            kind = (row["kind"] or "").strip().lower()
            year = out.setdefault(d.year, YearSchedule())
            if kind == "holiday":
                year.holidays[d] = (row["name"] or "").strip() or "holiday"
            elif kind == "workday":
                year.workdays.add(d)
            else:
                raise ConfigError(f"{path}, line {i}: kind {row['kind']!r} must be 'holiday' or 'workday' "
                                  "(a make-up working day, 调休).")
    return out


class HolidayCalendar:
    """The days off of a country over some years: the library's calendar, with the supplied
    schedule's years replacing it, and per year whether the days are official."""

    def __init__(self, country: str, years, schedule: dict[int, YearSchedule] | None = None):
        years = sorted(set(years))
        # a region's own days: ISO 3166-2, e.g. GB-ENG (England's Easter Monday and August bank holiday)
        code, _, subdiv = str(country).partition("-")
        try:
            base = holidays.country_holidays(code, subdiv=subdiv or None, years=years)
        except NotImplementedError:
            raise ConfigError(f"holiday_country {country!r} is not known to the holidays library; use an ISO "
                              "code such as CN, HK, TW, SG or GB, or a region such as GB-ENG or US-CA.") from None
        schedule = schedule or {}
        self.country = country
        self.supplied = {y for y in years if y in schedule}
        self._days = {d: base.get_list(d) for d in base if d.year not in self.supplied}
        self._zh = self._names_in_chinese(base, code, subdiv, years)
        for y in self.supplied:
            for d, name in schedule[y].holidays.items():
                self._days[d] = [name]
                self._zh.pop(d, None)
        base_work = set(getattr(base, "weekend_workdays", set()))
        self.weekend_workdays = {d for d in base_work if d.year not in self.supplied}
        for y in self.supplied:
            self.weekend_workdays |= schedule[y].workdays
        until = official_until(base)
        self.estimated = {y for y in years if y not in self.supplied and until is not None and y > until}

    def _names_in_chinese(self, base, code: str, subdiv: str, years) -> dict:
        """{day: the library's Chinese names of its holidays, in the order of ``get_list``} when
        the country's calendar speaks Chinese (zh_CN, else zh_TW or zh_HK), else {}."""
        lang = next((x for x in ("zh_CN", "zh_TW", "zh_HK") if x in getattr(base, "supported_languages", ())), None)
        if lang is None:
            return {}
        zh = holidays.country_holidays(code, subdiv=subdiv or None, years=years, language=lang)
        out = {}
        for d, names in self._days.items():
            local = zh.get_list(d) if d in zh else []
            if len(local) == len(names):
                out[d] = local
        return out

    def __contains__(self, d) -> bool:
        return d in self._days

    def get_list(self, d) -> list[str]:
        return list(self._days.get(d, []))

    def names(self, d) -> list[tuple[str, str | None]]:
        """(English name, Chinese name or None) of each holiday on ``d``."""
        zh = self._zh.get(d)
        return [(name, zh[i] if zh else None) for i, name in enumerate(self._days.get(d, []))]

    def status(self, year: int) -> str:
        """'supplied', 'estimated' or 'official'."""
        return "supplied" if year in self.supplied else "estimated" if year in self.estimated else "official"


def official_until(cal) -> int | None:
    """The last year of the library's published schedules, for a country with make-up working
    days (whose later years are estimates); None when the rules are the whole truth."""
    if not getattr(cal, "weekend_workdays", None):
        return None
    special = getattr(cal, "special_public_holidays", {}) or {}
    return max(special) if special else None


def schedule_file(configured, data_dir) -> Path | None:
    """The schedule table in use: the configured file, else ``holiday_schedule.csv`` in the data folder."""
    if configured:
        if not Path(configured).is_file():
            raise ConfigError(f"holiday_schedule names {configured}, which does not exist; point it at a CSV with "
                              "columns date, kind, name or remove the setting.")
        return Path(configured)
    default = Path(data_dir) / "holiday_schedule.csv"
    return default if default.is_file() else None


def country_calendar(country: str, years, schedule=None) -> HolidayCalendar:
    """The calendar of ``country`` for ``years``; ``schedule`` is a schedule table path or loaded table."""
    if schedule is not None and not isinstance(schedule, dict):
        schedule = load_schedule(schedule)
    return HolidayCalendar(country, years, schedule)


def calendar_notes(first: date, last: date, country: str = "CN", schedule=None, lang: str = "en") -> list[str]:
    """A warning per year in [first, last] whose calendar is estimated, in the report's language."""
    cal = country_calendar(country, range(first.year, last.year + 1), schedule)
    years = sorted(cal.estimated)
    if not years:
        return []
    ys = ", ".join(map(str, years))
    if lang == "zh":
        return [f"{ys} 年的节假日安排为推算（{calendar_version()} 尚无官方安排）：缺少调休上班日，假期日期可能有误，"
                "相关节日效应仅供参考。发布后请将官方安排写入数据目录的 holiday_schedule.csv（见 docs/data.md）。"]
    return [f"The holiday calendar for {ys} is estimated ({calendar_version()} has no official schedule): make-up "
            "working days are missing and holiday dates may be off, so those holiday lifts are provisional. Put the "
            "official schedule in holiday_schedule.csv in the data folder once published (docs/data.md)."]


def holiday_windows(start: date, end: date, country: str = "CN", schedule=None) -> list[HolidayWindow]:
    """Every holiday window that overlaps [start, end], in date order.

    Windows are computed on whole runs (a window crossing ``start`` or
    ``end`` keeps its full extent).  When a run holds two festivals (e.g.
    National Day and Mid-Autumn in 2025) it is keyed by the major one and named for both.
    """
    cal = country_calendar(country, range(start.year - 1, end.year + 2), schedule)
    workdays = cal.weekend_workdays
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
        festivals, first_day = Counter(), {}
        for x in (run_start + timedelta(days=i) for i in range((d - run_start).days + 1)):
            for name, name_zh in cal.names(x):
                f = _festival_of(name, name_zh)
                if f:
                    festivals[f] += 1
                    first_day.setdefault(f, x)
        if festivals:
            major = min(festivals, key=lambda f: (_PRIORITY.index(f[0]) if f[0] in _PRIORITY else 99,
                                                  -festivals[f]))
            # keyed by the major festival (last year's same festival is found by it), named for every
            # one in the run, the others in date order: 国庆节及中秋节, Good Friday + Easter Monday
            others = sorted((f for f in festivals if f[0] != major[0]), key=lambda f: first_day[f])
            key, en, zh = major
            en = " + ".join([en] + list(dict.fromkeys(f[1] for f in others)))
            zh = "及".join([zh] + list(dict.fromkeys(f[2] for f in others)))
            if d >= start and run_start <= end:
                windows.append(HolidayWindow(key, en, zh, run_start, d, first_day[major]))
        d += timedelta(days=1)
    return windows


def is_day_off(d: date, country: str = "CN", schedule=None) -> bool:
    cal = country_calendar(country, [d.year], schedule)
    return d in cal or (d.weekday() >= 5 and d not in cal.weekend_workdays)
