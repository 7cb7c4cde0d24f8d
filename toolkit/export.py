"""Tables written for Excel, by the file's extension: ``.xlsx`` (a workbook) or ``.csv``
(UTF-8 with a byte-order mark, so that Excel shows Chinese text)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

SUFFIXES = (".csv", ".xlsx")      # the files write_table writes, by extension


def write_table(df: pd.DataFrame, out, progress=None, sheet: str = "table", number_formats: dict | None = None) -> Path:
    """CSV (UTF-8 with BOM, so Excel shows Chinese) or .xlsx with a frozen header row,
    filters and column widths fitted to the content.  ``progress`` (a ``progress.Steps``)
    shows the rows written to the workbook, the slow part of a large export.
    ``number_formats``: column -> Excel number format (e.g. ``"0%"``) for the workbook; the
    values stay numbers (Excel sorts and filters them), only their display changes."""
    out = Path(out)
    if out.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter
        wb = Workbook()
        ws = wb.active
        ws.title = sheet
        ws.append([str(c) for c in df.columns])
        cells = df.astype(object).where(df.notna(), None).itertuples(index=False, name=None)
        if progress is not None:
            cells = progress.rows(cells, len(df), "rows")
        for row in cells:
            ws.append(row)
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = ws.dimensions
        for i, col in enumerate(df.columns, 1):
            if col in (number_formats or {}):
                for (cell,) in ws.iter_rows(min_row=2, min_col=i, max_col=i):
                    cell.number_format = number_formats[col]
            sample = df[col].head(500).map(lambda v: len(str(v)) if pd.notna(v) else 0)
            width = max([len(str(col)) * (2 if any(ord(ch) > 127 for ch in str(col)) else 1)]
                        + ([int(sample.max())] if len(sample) else []))
            ws.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 8), 50)
        wb.save(out)
    else:
        df.to_csv(out, index=False, encoding="utf-8-sig")
    return out
