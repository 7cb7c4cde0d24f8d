"""DuckDB and Arrow errors turned into toolkit errors that keep their cause.

DuckDB's messages put the useful fact on a later line (``This file is not
utf-8 encoded``, ``Error when converting column "user_id". Could not convert
string "u-77"``) and then a block of reader settings.  :func:`translate` keeps
the cause lines, drops the settings block and the echoed data line, and adds
what the user can do.
"""
from __future__ import annotations

import re

from ..errors import ColumnTypeError, DataReadError, EncodingError, ToolkitError

_SETTINGS = re.compile(r"^\s*[a-z_]+ = ")
MEMORY_HINT = ("raise memory_limit in toolkit.yaml (or `toolkit --memory-limit 4GB ...`), use fewer threads "
               "(threads: 1 needs the least memory), or run the report's sections one at a time (--jobs 1)")


def out_of_memory(exc_or_text) -> bool:
    """Whether an engine error is DuckDB running out of its memory_limit (the data are not at fault)."""
    text = str(exc_or_text)
    return "Out of Memory Error" in text or "OutOfMemoryException" in text


def memory_message(exc_or_text) -> str:
    """One line for an out-of-memory error: what happened, the limit DuckDB names, and the fix."""
    m = re.search(r"\(([\d.]+ ?[KMGT]i?B)/([\d.]+ ?[KMGT]i?B) used\)", str(exc_or_text))
    used = f" (it had used {m.group(1)} of {m.group(2)})" if m else ""
    return f"DuckDB ran out of memory{used}: {MEMORY_HINT}"


def disk_message(exc_or_text) -> str | None:
    """One line for an engine error that is the disk's, not the data's (full, read-only, no
    permission): the path it names, the cause and the fix; None for any other error."""
    text = str(exc_or_text)
    why = next((w for w in ("No space left on device", "Permission denied", "Read-only file system",
                            "Disk quota exceeded") if w in text), None)
    if why is None:
        return None
    m = re.search(r'"(/[^"]+)"', text) or re.search(r"'(/[^']+)'", text) or re.search(r"(/\S+)", text)
    where = m.group(1) if m else "a file"
    if ".staging-" in where or "/.toolkit-cache" in where or "user-ops-toolkit" in where:
        where = where.split("/.staging-")[0]
        fix = ("free space there, or set cache_dir: in toolkit.yaml to a folder with room and write access "
               "(the monthly aggregates are kept there; the data are not at fault)")
    else:
        fix = "free space there or fix the folder's permissions (the data are not at fault)"
    return f"cannot write {where}: {why.lower()}. {fix[:1].upper()}{fix[1:]}"


def cause(exc: BaseException, limit: int = 600) -> str:
    """Every line of an engine message that says what went wrong, joined into one line."""
    lines = []
    for line in str(exc).splitlines():
        line = line.strip()
        if (not line or _SETTINGS.match(line) or set(line) <= {"^", " "}
                or line.startswith(("Possible Solution", "* ", "Possible solutions", "LINE "))):
            continue   # reader settings, suggestions meant for SQL users, the echoed query
        line = re.sub(r"\s*Possible fixes:.*$", "", line)   # DuckDB's list of reader options follows
        if line.startswith("Original Line:"):
            line = line if len(line) <= 120 else line[:117] + "..."
        lines.append(line)
    text = re.sub(r"\s+", " ", " ".join(lines)).strip() or type(exc).__name__
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _ends_mid_line(where: str) -> bool:
    """Whether ``where`` is a text file whose last byte is not a line end: cut short (a copy or an
    export that did not finish), which the CSV reader reports as an unterminated quote or a layout
    it cannot work out."""
    try:
        with open(where, "rb") as fh:
            fh.seek(-1, 2)
            return fh.read(1) not in (b"\n", b"\r")
    except OSError:      # not a single file (a pattern, a table), or empty
        return False


def translate(exc: BaseException, where: str, *, table: str = "", kind: str = "") -> ToolkitError:
    """A ToolkitError for an engine error raised while reading ``where`` (a file or table)."""
    text = str(exc)
    why = cause(exc)
    if out_of_memory(text):      # the file is fine: the limit is too small for it
        return DataReadError(f"Cannot read {where}: {memory_message(text)}.")
    m = re.search(r'In file "([^"]+)" the column "([^"]+)" has type (\w+), but we are trying to read it as type (\w+)',
                  text)
    if m:        # one file of a folder differs from the first file's schema
        path, col, has, want = m.groups()
        epoch = (" Epoch numbers must be converted first, e.g. to_timestamp(ms / 1000) for milliseconds."
                 if want.startswith("TIMESTAMP") and has in ("BIGINT", "INTEGER", "DOUBLE", "UBIGINT") else "")
        return ColumnTypeError(
            f"{path}: column {col!r} has type {has}, where the other files of {where} have {want}: a column must "
            f"have one type in every file. Write this file with {col} as {want}.{epoch}")
    if kind == "csv" and _ends_mid_line(where):
        return DataReadError(
            f"Cannot read {where}: it ends in the middle of a line, so it looks cut short (a copy or an export "
            f"that did not finish; the reader says: {why}). Deliver the file again, whole"
            + (", or move it out of the data folder." if table in ("", "events") else "."))
    if "not utf-8 encoded" in text or "Invalid unicode" in text or "invalid UTF8" in text.lower():
        return EncodingError(
            f"{where} is not UTF-8 ({why}). Re-save it as UTF-8, or set `encoding:` for this table in the "
            f"configuration, e.g. csv_options: {{{table or 'events'}: {{encoding: gb18030}}}} for a GBK/GB18030 "
            "export from Excel.")
    m = re.search(r'converting column "([^"]+)"\. Could not convert string "([^"]*)" to \'?(\w+)', text)
    if m:
        col, value, typ = m.groups()
        line = re.search(r"Line: (\d+)", text)
        at = f" at line {int(line.group(1)):,}" if line else ""
        return ColumnTypeError(
            f"{where}: column {col!r} holds {value!r}{at}, which is not {typ}; the first rows looked like "
            f"{typ}. Correct the value, or give the column's type explicitly: "
            f"csv_options: {{{table or 'TABLE'}: {{types: {{{col}: VARCHAR}}}}}}.")
    m = re.search(r"Could not convert string '([^']*)' to (\w+)", text) or \
        re.search(r'Could not convert string "([^"]*)" to \'?(\w+)', text)
    if m:
        col = re.search(r'column "([^"]+)"', text)
        return ColumnTypeError(
            f"{where}: {'column ' + repr(col.group(1)) + ' holds' if col else 'a value'} {m.group(1)!r}, which is "
            f"not {m.group(2)}. Correct the value at the source ({why}).")
    if "sniff" in text.lower() or "Maximum line size" in text or "max_line_size" in text:
        example = (f"csv_options: {{{table or 'events'}: {{max_line_size: 20000000, types: "
                   "{user_id: VARCHAR, event_time: VARCHAR, event_name: VARCHAR}}}")
        return DataReadError(
            f"Cannot work out the layout of {where} ({why}). Give the reader explicit settings in the "
            f"configuration, e.g. {example}, or re-export the file with one header row and no field "
            "longer than 2 MB.")
    if kind == "parquet" and re.search(r"magic bytes|footer|too small to be a Parquet|Invalid Input Error: File",
                                       text, re.I):
        return DataReadError(
            f"Cannot read {where}: {why}. The file is not a complete Parquet file (cut short while copying, or "
            "another format under a .parquet name): copy or export it again"
            + (", or move it out of the data folder." if table in ("", "events") else
               f", or remove it if the {table} table is not needed."))
    return DataReadError(f"Cannot read {where}: {why}. Check that it is a valid {kind or 'data'} file"
                         f"{' with a header row' if kind == 'csv' else ''}, or export it again.")
