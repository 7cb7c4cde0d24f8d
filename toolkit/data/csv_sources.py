"""Reading CSV tables: reader settings from the configuration, encodings, and time/id columns as text.

``csv_options`` in the configuration gives, per table, settings of DuckDB's
``read_csv`` (``encoding``, ``delim``, ``quote``, ``escape``, ``max_line_size``,
``sample_size``, ``nullstr``, ``types``), and ``rename``: the file's column names to the
data model's ({用户ID: user_id, 事件时间: event_time}), for an export whose headers are
its own.  DuckDB reads UTF-8, UTF-16 and
Latin-1 itself; any other encoding Python knows (``gb18030``, ``gbk``,
``big5``, ``shift_jis`` ...) is converted once to a UTF-8 copy in the system's
temporary folder, kept while the source file's size and time stay the same.

The sniffer guesses column types from the first 20,480 rows; a bad value
further down would then stop every query.  Time and id columns of the data
model are therefore read as text and normalised by the store, where values
that do not parse are counted (events) or reported (other tables).
"""
from __future__ import annotations

import gzip
import hashlib
import re
import shutil
import tempfile
from pathlib import Path

from ..errors import ConfigError, EncodingError

NATIVE_ENCODINGS = {"utf-8": "utf-8", "utf8": "utf-8", "utf-16": "utf-16", "latin-1": "latin-1",
                    "latin1": "latin-1"}
ALLOWED = {"encoding", "delim", "quote", "escape", "max_line_size", "sample_size", "nullstr", "types", "rename"}
_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_(), ]*$")


def _lit(text) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def check_options(table: str, options) -> dict:
    """The settings for one table, checked; a ConfigError names a key or value that is wrong."""
    if options is None:
        return {}
    if not isinstance(options, dict):
        raise ConfigError(f"csv_options.{table} must be a mapping such as {{encoding: gb18030}}, got {options!r}.")
    unknown = set(options) - ALLOWED
    if unknown:
        raise ConfigError(f"csv_options.{table} has unknown setting(s) {sorted(unknown)}; known: {sorted(ALLOWED)}.")
    rename = options.get("rename")
    if rename is not None and (not isinstance(rename, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                                       for k, v in rename.items())):
        raise ConfigError(f"csv_options.{table}.rename must map the file's column names to the toolkit's, e.g. "
                          f"{{用户ID: user_id, 事件时间: event_time, 事件名称: event_name}}; got {rename!r}.")
    types = options.get("types")
    if types is not None and (not isinstance(types, dict)
                              or not all(isinstance(v, str) and _TYPE.match(v) for v in types.values())):
        raise ConfigError(f"csv_options.{table}.types must map column names to DuckDB types, e.g. "
                          f"{{user_id: VARCHAR}}; got {types!r}.")
    return dict(options)


def utf8_copy(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a CSV file in another encoding (cached by path, size and modification time)."""
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|{encoding}".encode()).hexdigest()[:20]
    folder = Path(tempfile.gettempdir()) / "toolkit-utf8"
    target = folder / f"{key}.csv"
    if target.exists():
        return target
    folder.mkdir(parents=True, exist_ok=True)
    part = target.with_suffix(".part")
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt", encoding=encoding, newline="") as src, \
                open(part, "w", encoding="utf-8", newline="") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except LookupError:
        raise ConfigError(f"csv_options: encoding {encoding!r} (for {path}) is not an encoding Python knows; "
                          "use e.g. gb18030, gbk, big5, utf-16.") from None
    except UnicodeDecodeError as exc:
        part.unlink(missing_ok=True)
        raise EncodingError(f"{path} is not {encoding} either: byte {exc.start:,} cannot be decoded ({exc.reason}). "
                            "Re-save the file as UTF-8, or set the encoding it was saved in.") from None
    part.replace(target)
    return target


def reader_sql(path: str, options: dict, types: dict | None = None) -> str:
    """The read_csv(...) call for a file with the table's settings and column types."""
    opts = dict(options)
    enc = str(opts.pop("encoding", "utf-8")).lower()
    location = path
    if enc in NATIVE_ENCODINGS:
        if NATIVE_ENCODINGS[enc] != "utf-8":
            opts["encoding"] = NATIVE_ENCODINGS[enc]
    else:
        location = str(utf8_copy(Path(path), enc))
    rename = opts.pop("rename", None) or {}
    in_file = {new: old for old, new in rename.items()}        # types are given by the toolkit's names
    merged = {in_file.get(c, c): t for c, t in {**(types or {}), **(opts.pop("types", None) or {})}.items()}
    args = [_lit(location), "header = true"]
    for k, v in opts.items():
        args.append(f"{k} = {int(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else _lit(v)}")
    if merged:
        args.append("types = {" + ", ".join(f"{_lit(c)}: {_lit(t)}" for c, t in merged.items()) + "}")
    call = f"read_csv({', '.join(args)})"
    if not rename:
        return call
    pairs = ", ".join(f'"{old.replace(chr(34), chr(34) * 2)}" AS "{new.replace(chr(34), chr(34) * 2)}"'
                      for old, new in rename.items())
    return f"(SELECT * RENAME ({pairs}) FROM {call})"
