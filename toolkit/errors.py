"""One error hierarchy: every problem with the user's input is a ToolkitError.

Each message says what is wrong, where (file, column, how many rows) and how
to fix it, so that nobody has to read a pandas or DuckDB traceback.
"""
from __future__ import annotations


_SHOWN_IN = {"language": "en"}


def set_language(lang: str) -> None:
    """The language a notebook's pages are in (``open_report`` sets it): in Chinese an error
    shows its kind in Chinese above the message, which stays English (it names files, columns,
    parameters and commands as they are written)."""
    _SHOWN_IN["language"] = "zh" if lang == "zh" else "en"


class ToolkitError(Exception):
    """Base of every error the toolkit raises for bad input or configuration.  Its message says
    what is wrong and how to fix it, so in a notebook it shows as that paragraph, without the
    traceback (IPython's ``_render_traceback_``; ``%debug`` still reaches the frames).
    ``zh``: the kind of problem in Chinese, the line above the message on a Chinese page."""
    zh = "输入有误"

    def _render_traceback_(self):
        return self._zh_line() + [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]

    def _zh_line(self) -> list[str]:
        if _SHOWN_IN["language"] != "zh":
            return []
        return [f"\x1b[31m{self.zh}\x1b[0m(下面的英文说明指出了所涉及的文件、列或参数,以及如何修改)"]


class ConfigError(ToolkitError):
    """The configuration file or a parameter has a value the toolkit cannot use."""
    zh = "配置或参数有误"


class MissingTableError(ToolkitError):
    """A required table (file) is not in the data directory."""
    zh = "缺少数据表"


class MissingColumnError(ToolkitError):
    """A table lacks a required column."""
    zh = "数据表缺少必需的列"


class ColumnTypeError(ToolkitError):
    """A column has a type that cannot serve its purpose (e.g. numbers in event_time)."""
    zh = "列的数据类型不对"


class TimestampParseError(ToolkitError):
    """Text in a time column that cannot be read as a timestamp."""
    zh = "时间无法识别"


class NullValueError(ToolkitError):
    """Empty (null) values in a column that must always be filled."""
    zh = "必填的列中有空值"


class EmptyTableError(ToolkitError):
    """A table that must hold rows holds none."""
    zh = "数据表没有任何行"


class DataReadError(ToolkitError):
    """A file exists but cannot be read (corrupt, wrong format)."""
    zh = "文件无法读取"


class ReportError(ToolkitError):
    """A report run failed; the previous report is left as it was."""
    zh = "报告生成失败,上一次的报告保持不变"


class EncodingError(DataReadError):
    """A text file is not in the encoding it is read with (UTF-8 unless configured)."""
    zh = "文件编码不对"


class MonthRangeError(ConfigError):
    """A month argument outside the months the data cover."""
    zh = "月份超出数据范围"


class WriteError(ReportError):
    """Output could not be written (disk full, read-only folder, permission)."""
    zh = "无法写出文件"


class EngineError(ToolkitError):
    """The configured scan engine (Spark) cannot run: not installed, no Java, no cluster."""
    zh = "计算引擎无法运行"
