"""What the store leaves out of the events, counted once per opened store.

The analyses read the view ``events``, which holds only the rows they can use:
a user_id, a parseable event_time and an event_name, no later than the data
horizon (the run's "now").  The view ``events_all`` keeps every row for
``toolkit validate``.  This module counts what was left out, per source file,
in one scan, and turns the counts into one warning line (stderr, run log,
report page) or, above ``max_unusable_share`` of all rows or of one file's, into an error.
Events after the horizon are reported but do not count towards the share:
they are usable later, when the clock has caught up with them.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

from ..errors import NullValueError, TimestampParseError

DEFAULT_MAX_UNUSABLE_SHARE = 0.01

_CAUSES = [  # (count field, example field, column, what is wrong)
    ("null_user_id", None, "user_id", "empty"),
    ("bad_user_id", "bad_user_id_example", "user_id", "not whole numbers"),
    ("null_event_time", None, "event_time", "empty"),
    ("bad_event_time", "bad_event_time_example", "event_time", "not timestamps"),
    ("null_event_name", None, "event_name", "empty"),
]


_WHAT_ZH = {"empty": "为空", "not whole numbers": "不是整数", "not timestamps": "不是时间"}


@dataclass
class FileCount:
    """Counts for one source file (or the one table of a .duckdb source)."""
    file: str
    rows: int
    null_user_id: int = 0
    bad_user_id: int = 0
    bad_user_id_example: str | None = None
    null_event_time: int = 0
    bad_event_time: int = 0
    bad_event_time_example: str | None = None
    null_event_name: int = 0
    unusable: int = 0
    future: int = 0

    def causes(self, lang: str = "en") -> list[str]:
        out = []
        for key, example, column, what in _CAUSES:
            n = getattr(self, key)
            if n:
                ex = getattr(self, example) if example else None
                if lang == "zh":
                    out.append(f"列 {column!r} 有 {n:,} 个值{_WHAT_ZH[what]}" + (f"(例如 {ex!r})" if ex is not None else ""))
                else:
                    out.append(f"column {column!r} has {n:,} value(s) that are {what}"
                               + (f" (e.g. {ex!r})" if ex is not None else ""))
        return out


@dataclass
class EventChecks:
    """The rows left out of ``events``: per file, the horizon and the allowed share."""
    source: str
    horizon: datetime
    timezone: str
    max_unusable_share: float = DEFAULT_MAX_UNUSABLE_SHARE
    files: list[FileCount] = field(default_factory=list)
    future_users: int = 0          # users rows registered after the horizon (left out of ``users``)
    users_source: str = ""
    span: tuple = (None, None)     # earliest and latest time of the rows ``events`` keeps


    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def unusable(self) -> int:
        return sum(f.unusable for f in self.files)

    @property
    def future(self) -> int:
        return sum(f.future for f in self.files)

    @property
    def share(self) -> float:
        return self.unusable / self.rows if self.rows else 0.0

    def _unusable_text(self, lang: str = "en") -> str:
        parts = [f"{f.file}: {', '.join(f.causes(lang))}" for f in self.files if f.unusable]
        return "; ".join(parts)

    def _future_text(self, lang: str = "en") -> str:
        files = [f"{f.file} ({f.future:,})" for f in self.files if f.future]
        more = len(files) - 5
        return ", ".join(files[:5]) + ((f" 等另外 {more} 个文件" if lang == "zh" else f" and {more} more file(s)")
                                       if more > 0 else "")

    def warning(self, lang: str = "en") -> str | None:
        """One line saying what was left out and what to do, or None when nothing was; ``lang``
        zh for a Chinese report page (the command line and the run log keep English)."""
        if lang == "zh":
            return self._warning_zh()
        parts = []
        if self.unusable:
            parts.append(f"{self.unusable:,} of {self.rows:,} events ({self.share:.2%}) cannot be used and are left "
                         f"out: {self._unusable_text()}. Fill or drop those rows at the source (`toolkit validate` "
                         f"lists them); above {self.max_unusable_share:.0%} of all rows or of one file's "
                         "(max_unusable_share) the run stops")
        if self.future:
            parts.append(f"{self.future:,} event(s) later than the data horizon {self.horizon:%Y-%m-%d %H:%M} "
                         f"({self.timezone}) are left out: {self._future_text()}. Check the source system's clock "
                         "and time zone, or set `now:` in the configuration")
        if self.future_users:
            parts.append(f"{self.future_users:,} user(s) of {self.users_source} registered after the data horizon "
                         f"{self.horizon:%Y-%m-%d %H:%M} are left out; check registered_at at the source")
        return ("; ".join(parts) + ".") if parts else None

    def _warning_zh(self) -> str | None:
        parts, at = [], f"{self.horizon:%Y-%m-%d %H:%M}"
        if self.unusable:
            parts.append(f"{self.rows:,} 条事件中有 {self.unusable:,} 条({self.share:.2%})无法使用,已剔除:"
                         f"{self._unusable_text('zh')}。请在源头补全或删除这些行(`toolkit validate` 会逐一列出);"
                         f"全部行或任一文件的行中超过 {self.max_unusable_share:.0%}(max_unusable_share)"
                         "时运行会停止")
        if self.future:
            parts.append(f"{self.future:,} 条事件晚于数据截止时间 {at}({self.timezone}),已剔除:"
                         f"{self._future_text('zh')}。请检查源系统的时钟和时区,或在配置中设置 `now:`")
        if self.future_users:
            parts.append(f"{self.users_source} 中有 {self.future_users:,} 位用户的注册时间晚于数据截止时间 {at},"
                         "已剔除;请在源头检查 registered_at")
        return (";".join(parts) + "。") if parts else None

    def page_note(self, lang: str = "en") -> str | None:
        """What a report's reader needs of ``warning``: what was left out of the numbers, without
        the files, the settings and the fixes, which are for whoever runs the report (stderr and
        run.log keep the whole warning); None when nothing was left out."""
        at, parts = f"{self.horizon:%Y-%m-%d %H:%M}", []
        zh = lang == "zh"
        if self.unusable:
            parts.append(f"全部月份的 {self.rows:,} 条事件中有 {self.unusable:,} 条({self.share:.2%})含空值或无法读取的值"
                         if zh else f"{self.unusable:,} of the {self.rows:,} events of all months ({self.share:.2%}) had "
                                    "empty or unreadable values")
        if self.future:
            parts.append(f"{self.future:,} 条事件的时间晚于 {at}" if zh
                         else f"{self.future:,} event(s) were dated after {at}")
        if self.future_users:
            parts.append(f"{self.future_users:,} 位用户的注册时间晚于 {at}" if zh
                         else f"{self.future_users:,} registration(s) were dated after {at}")
        if not parts:
            return None
        if zh:
            return ";".join(parts) + ":均未计入本报告的数字。详情见报告文件夹的运行日志(run.log)。"
        return ("; ".join(parts) + ": they are left out of these numbers. The details are in the reports folder's "
                "run log (run.log).")

    def over_limit(self) -> list[FileCount]:
        """The files more than ``max_unusable_share`` of whose rows cannot be used: the limit holds
        for each file as well as for all of them, so a month's file with 5% bad rows stops the run
        however long the history beside it (as a share of every event it was 0.46% at two years).
        A file smaller than the median file is measured against the median's rows, so that a small
        extra file with a few bad rows is warned about, not a reason to stop."""
        sizes = sorted(f.rows for f in self.files if f.rows)
        typical = sizes[len(sizes) // 2] if sizes else 0
        return [f for f in self.files if f.unusable and f.unusable > self.max_unusable_share * max(f.rows, typical)]

    def check(self) -> None:
        """Raise when more than ``max_unusable_share`` of the rows, or of one file's rows, cannot be used."""
        if not self.unusable:
            return
        bad_files = self.over_limit()
        if self.share <= self.max_unusable_share and not bad_files:
            return
        bad_time = sum(f.bad_event_time for f in self.files)
        cls = TimestampParseError if bad_time * 2 >= self.unusable else NullValueError
        hint = ("Write times as 'YYYY-MM-DD HH:MM:SS' (business-local time) or with a zone offset such as '+08:00'. "
                if bad_time else "")
        if self.share > self.max_unusable_share or len(self.files) == 1:
            what = f"{self.unusable:,} of {self.rows:,} events ({self.share:.1%}) cannot be used"
        else:
            what = "; ".join(f"{f.file}: {f.unusable:,} of its {f.rows:,} events ({f.unusable / f.rows:.1%}) cannot "
                             "be used" for f in bad_files[:5])
        raise cls(f"{self.source}: {what}, more than the {self.max_unusable_share:.0%} allowed (max_unusable_share, "
                  f"of all events and of each file's): {self._unusable_text()}. "
                  f"{hint}Fill or drop those rows at the source, or raise max_unusable_share in the configuration "
                  "to leave them out.")

    def as_dict(self) -> dict:
        """For the run log and the report pages."""
        return {"source": self.source, "horizon": self.horizon.isoformat(sep=" ", timespec="minutes"),
                "rows": self.rows, "unusable": self.unusable, "future": self.future, "future_users": self.future_users,
                "max_unusable_share": self.max_unusable_share, "warning": self.warning(),
                "warning_zh": self.warning("zh"), "page_note": self.page_note(), "page_note_zh": self.page_note("zh"),
                "files": [asdict(f) for f in self.files if f.unusable or f.future]}
