"""The aggregate queries, written once in DuckDB's dialect, turned into Spark SQL with sqlglot.

:func:`to_spark` parses a query with ``read="duckdb"``, puts the values of its ``$name``
parameters in as literals (Spark has no bound parameters of list type), and writes it with
``write="spark"``, after a few rewrites of constructs that sqlglot leaves in a form Spark does
not run or runs with another meaning:

* unsigned integer types (DuckDB's UTINYINT .. UBIGINT, used for day masks) become the next
  signed type; UBIGINT becomes BIGINT, so a mask must use bits 0-62 only (the aggregate
  layer's masks do: 31 day bits, 1 flag bit, 31 day bits);
* ``list_position(list, x)`` (NULL when absent) becomes ``nullif(array_position(list, x), 0)``
  and ``list_extract(list, i)`` (NULL out of range) becomes ``try_element_at(list, i)`` (the
  position cast to INT, which Spark's element_at requires);
* ``len(list)`` becomes ``size(list)``; an empty list literal is typed ``array<string>``.

The result types of the Spark run may differ (Spark has no unsigned types); the files it writes
are re-typed to the DuckDB query's columns when placed in the cache (``place`` in staging.py).
"""
from __future__ import annotations

from datetime import date, datetime

try:
    import sqlglot
    from sqlglot import exp
except ImportError:   # the spark extra is not installed: say how to install it, no traceback
    from ...errors import EngineError
    raise EngineError("engine: spark needs sqlglot and pyspark, which are not installed. Install the extra: "
                      "pip install -e '.[spark]' (`make test` does), or set engine: duckdb.") from None

_UNSIGNED = {
    exp.DataType.Type.UTINYINT: exp.DataType.Type.SMALLINT,
    exp.DataType.Type.USMALLINT: exp.DataType.Type.INT,
    exp.DataType.Type.UINT: exp.DataType.Type.BIGINT,
    exp.DataType.Type.UBIGINT: exp.DataType.Type.BIGINT,
}


def _literal(value) -> exp.Expression:
    """A Spark literal of a parameter value (lists of text, numbers, booleans, dates, times)."""
    if isinstance(value, (list, tuple)):
        if not value:
            return exp.cast(exp.Array(expressions=[]), exp.DataType.build("ARRAY<STRING>", dialect="spark"))
        return exp.Array(expressions=[_literal(v) for v in value])
    if isinstance(value, datetime):
        return exp.cast(exp.Literal.string(value.isoformat(sep=" ")), exp.DataType.build("TIMESTAMP_NTZ",
                                                                                         dialect="spark"))
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    return exp.convert(value)


def _name(node: exp.Expression) -> str:
    return node.name if isinstance(node, (exp.Placeholder, exp.Parameter)) else ""


def _bind(node: exp.Expression, params: dict) -> exp.Expression:
    if isinstance(node, (exp.Placeholder, exp.Parameter)) and _name(node) in params:
        return _literal(params[_name(node)])
    return node


def _rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.DataType) and node.this in _UNSIGNED:
        return exp.DataType(this=_UNSIGNED[node.this])
    if isinstance(node, exp.Anonymous):
        fn = node.name.lower()
        args = node.expressions
        if fn in ("list_position", "list_indexof") and len(args) == 2:
            position = exp.cast(exp.Anonymous(this="ARRAY_POSITION", expressions=args), exp.DataType.build("INT"))
            return exp.Nullif(this=position, expression=exp.Literal.number(0))
        if fn in ("list_extract", "list_element") and len(args) == 2:
            return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=args)
        if fn in ("len", "array_length") and len(args) == 1 and _is_list(args[0]):
            return exp.ArraySize(this=args[0])
    if isinstance(node, exp.Length) and _is_list(node.this):
        return exp.ArraySize(this=node.this)
    return node


def _is_list(node) -> bool:
    return isinstance(node, exp.Array) or (isinstance(node, exp.Cast) and node.to.is_type("array"))


def to_spark(text: str, params: dict | None = None) -> str:
    """The Spark SQL of DuckDB query ``text``, with the parameters it mentions put in as literals."""
    tree = sqlglot.parse_one(text, read="duckdb")
    params = params or {}
    tree = tree.transform(lambda n: _bind(n, params))     # values first: the rewrites see list literals
    for _ in range(8):       # to a fixed point: a rewritten call may hold another one
        before = tree.sql(dialect="spark")
        tree = tree.transform(_rewrite)
        if tree.sql(dialect="spark") == before:
            break
    return tree.sql(dialect="spark")
