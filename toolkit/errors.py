"""One error hierarchy: every problem with the user's input is a ToolkitError.

Each message says what is wrong, where (file, column, how many rows) and how
to fix it, so that nobody has to read a pandas or DuckDB traceback.
"""
from __future__ import annotations


class ToolkitError(Exception):
    """Base of every error the toolkit raises for bad input or configuration.  Its message says
    what is wrong and how to fix it, so in a notebook it shows as that paragraph, without the
    traceback (IPython's ``_render_traceback_``; ``%debug`` still reaches the frames)."""

    def _render_traceback_(self):
        return [f"\x1b[31m{type(self).__name__}\x1b[0m: {self}"]


class ConfigError(ToolkitError):
    """The configuration file or a parameter has a value the toolkit cannot use."""


class MissingTableError(ToolkitError):
    """A required table (file) is not in the data directory."""


class MissingColumnError(ToolkitError):
    """A table lacks a required column."""


class ColumnTypeError(ToolkitError):
    """A column has a type that cannot serve its purpose (e.g. numbers in event_time)."""


class TimestampParseError(ToolkitError):
    """Text in a time column that cannot be read as a timestamp."""


class NullValueError(ToolkitError):
    """Empty (null) values in a column that must always be filled."""


class EmptyTableError(ToolkitError):
    """A table that must hold rows holds none."""


class DataReadError(ToolkitError):
    """A file exists but cannot be read (corrupt, wrong format)."""


class ReportError(ToolkitError):
    """A report run failed; the previous report is left as it was."""


class EncodingError(DataReadError):
    """A text file is not in the encoding it is read with (UTF-8 unless configured)."""


class MonthRangeError(ConfigError):
    """A month argument outside the months the data cover."""


class WriteError(ReportError):
    """Output could not be written (disk full, read-only folder, permission)."""


class EngineError(ToolkitError):
    """The configured scan engine (Spark) cannot run: not installed, no Java, no cluster."""
