"""Turn a transactions file (one row per purchase/invoice) into the event layout.

Each transaction becomes an event (default name ``purchase``) and an order;
the first transaction of a customer is their entry month (there is no users
table).  The work is done by DuckDB, file to file.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from .csv_sources import reader_sql
from .engine_errors import cause, translate

from ..errors import DataReadError, EncodingError, MissingColumnError, MissingTableError


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def _q(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def _head_and_tail(path: Path, tail: int = 65536) -> tuple[bytes, bytes] | None:
    """The first line and the last ``tail`` bytes of a file; None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            head = fh.readline()
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - tail))
            return head, fh.read()
    except OSError:
        return None


def _last_line_short(path: Path) -> bool:
    """Whether a text file ends without a line end in a line with fewer fields than its header
    (a CSV cut short: one cut after a comma converted with an order of no amount and exit 0, one
    cut mid-line read as a single column).  A last line without a line end but whole is fine."""
    read = _head_and_tail(path)
    if read is None or not read[1] or read[1].endswith((b"\n", b"\r")):
        return False
    head, end = read
    last = end.splitlines()[-1] if end.splitlines() else b""
    sep = max((b",", b";", b"\t", b"|"), key=head.count)
    # fewer separators than the header, or a last field cut to nothing
    return last != head.rstrip(b"\r\n") and (last.count(sep) < head.count(sep) or last.endswith(sep))


def _last_line_unended(path: Path) -> str | None:
    """The last line of a text file whose other lines end in a line end and it does not: it may be
    cut inside its last value (an invoice of 197.52 cut to 1 converted as an order of 1.00), which
    no count of fields can tell; None when the file ends in a line end."""
    read = _head_and_tail(path, 4096)
    if read is None or not read[1] or read[1].endswith((b"\n", b"\r")) or len(read[1].splitlines()) < 2:
        return None
    return read[1].splitlines()[-1].decode("utf-8", "replace")


def convert_transactions(source, out, *, user_col: str, time_col: str, amount_col: str | None = None,
                         id_col: str | None = None, event_name: str = "purchase", encoding: str | None = None) -> dict:
    """Write ``out/events.parquet`` (and ``out/orders.parquet`` when amounts are given).

    Parameters
    ----------
    source : CSV (or Parquet) file with one row per transaction.
    out : folder to write.
    user_col, time_col : the customer id and the transaction time (date or timestamp, business-local).
    amount_col : the amount paid; makes ``orders.parquet`` too.
    id_col : the transaction id, kept as ``order_id`` / the order's ``item``.
    event_name : name given to every event.
    encoding : the CSV file's encoding when it is not UTF-8 (e.g. gb18030).

    Returns
    -------
    dict with the counts written (events, users, skipped rows without a user, refunds: rows of a
    negative amount, written as orders but not as events: a refund lowers revenue, it is not a visit).
    """
    source, out = Path(source), Path(out)
    if not source.is_file():
        raise MissingTableError(f"Transactions file {source} does not exist.")
    reader = (f"read_parquet({_lit(source)})" if source.suffix == ".parquet"
              else reader_sql(str(source), {"encoding": encoding} if encoding else {}))
    if source.suffix != ".parquet" and _last_line_short(source):
        raise DataReadError(f"Cannot read {source}: its last line ends before its last column, without a line end, "
                            "so it looks cut short (a copy or an export that did not finish). Deliver the file "
                            "again, whole.")
    con = duckdb.connect()
    try:
        cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()]
    except duckdb.Error as exc:
        err = translate(exc, str(source), table="transactions", kind="csv" if "read_csv" in reader else "parquet")
        if isinstance(err, EncodingError):
            err = EncodingError(f"{source} is not UTF-8 ({cause(exc)}). Re-save it as UTF-8, or pass the encoding it "
                                "was saved in, e.g. --encoding gb18030 for a GBK export from Excel.")
        raise err from None
    wanted = {"--user-col": user_col, "--time-col": time_col, "--amount-col": amount_col, "--id-col": id_col}
    missing = {flag: c for flag, c in wanted.items() if c and c not in cols}
    if missing:
        raise MissingColumnError(f"{source}: no column(s) {missing}; the file has {cols}. "
                                 "Name the right columns with the flags shown.")
    out.mkdir(parents=True, exist_ok=True)
    extra = ""
    if amount_col:
        extra += f", CAST({_q(amount_col)} AS DOUBLE) AS amount"
    if id_col:
        extra += f", CAST({_q(id_col)} AS VARCHAR) AS order_id"
    con.execute(f"""CREATE TEMP VIEW tx AS
        SELECT {_q(user_col)} AS user_id, CAST({_q(time_col)} AS TIMESTAMP) AS event_time,
               {_lit(event_name)} AS event_name {extra}
        FROM {reader} WHERE {_q(user_col)} IS NOT NULL""")
    # a row of a negative amount is a refund or a cancellation: an order (revenue is net of it), not a visit
    refund = "coalesce(amount < 0, false)" if amount_col else "false"
    try:
        con.execute(f"COPY (SELECT * FROM tx WHERE NOT {refund} ORDER BY event_time, user_id) "
                    f"TO {_lit(out / 'events.parquet')} (FORMAT parquet)")
        if amount_col:
            item = "order_id AS item, " if id_col else ""
            con.execute(f"COPY (SELECT user_id, event_time AS order_time, amount, {item} 1 AS quantity "
                        f"FROM tx ORDER BY order_time, user_id) TO {_lit(out / 'orders.parquet')} (FORMAT parquet)")
    except duckdb.Error as exc:
        raise DataReadError(f"Cannot convert {source}: {cause(exc)}. Check that {time_col!r} holds "
                            f"dates or timestamps and {amount_col!r} numbers.") from None
    events, users, refunds = con.execute(f"SELECT count(*) FILTER (WHERE NOT {refund}), count(DISTINCT user_id) "
                                         f"FILTER (WHERE NOT {refund}), count(*) FILTER (WHERE {refund}) FROM tx").fetchone()
    skipped = con.execute(f"SELECT count(*) FROM {reader} WHERE {_q(user_col)} IS NULL").fetchone()[0]
    return {"events": events, "users": users, "skipped_without_user": skipped, "refunds": refunds, "out": str(out),
            "last_line": _last_line_unended(source) if source.suffix != ".parquet" else None}
