"""The analyst's own small tables (scene rules, ideas): read as CSV with one clear message
for each way a hand-kept file goes wrong, and a name typed as the pages show it matched to
the key it stands for."""
from __future__ import annotations

import difflib
from pathlib import Path

import pandas as pd

from ..errors import ConfigError


def read_csv_table(path: Path, columns: list[str], *, what: str, dtype=None) -> pd.DataFrame:
    """``path`` as a table; a ConfigError naming the file and the fix when it is not UTF-8 text
    (Excel saves Chinese CSV as GBK), is empty or not a table, or is separated by semicolons
    (Excel in many European locales).  ``columns``: the header the file should have; ``what``:
    what a row is ("one row per rule")."""
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=dtype)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path} is not UTF-8 text (byte {exc.start + 1} cannot be read; Excel saves Chinese CSV "
                          "as GBK): save it as CSV UTF-8 (Excel: Save As > CSV UTF-8).") from None
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise ConfigError(f"{path} cannot be read as a CSV table ({str(exc).strip().splitlines()[-1]}): it needs a "
                          f"header row with the columns {', '.join(columns)} and {what}.") from None
    if len(df.columns) == 1 and ";" in str(df.columns[0]):
        raise ConfigError(f"{path} is separated by semicolons: separate its columns with commas ({', '.join(columns)}), "
                          "or save it from Excel as CSV UTF-8 with a comma list separator.")
    return df


def known_name(given: str, keys: list[str], label) -> str:
    """What to say after "``given`` is not one of ``keys``": the key it names as a page shows it
    (``label(key, lang)`` in Chinese or English, e.g. 休眠用户 for dormant), or the closest
    spelling, else nothing."""
    named = [k for k in keys if given in (label(k, "zh"), label(k, "en"))]
    if named:
        return f"; {given!r} is how pages name {named[0]!r}: write {named[0]}"
    close = difflib.get_close_matches(given, keys, n=1, cutoff=0.75)
    return f"; the closest is {close[0]}" if close else ""
