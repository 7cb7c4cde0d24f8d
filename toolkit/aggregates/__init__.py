"""The monthly aggregate layer: the only code that reads the events.

One scan per month of source turns the events into small per-month tables
(``agg_user_month``, ``agg_user_categories``, ``agg_daily``, ``agg_orders``,
``agg_registrations``), and the lifecycle step folds them into per-user state
snapshots (``lifecycle_snapshots``).  :func:`build` keeps them on disk as
Parquet, one folder per month with a fingerprint of its source, and extends
them incrementally; :func:`in_memory` computes the same tables in a connection
without a cache.  Every analysis reads these tables, never the events.
"""
from .build import BuildResult, build, ensure, in_memory, open_aggregates  # noqa: F401
from .cache import cache_root  # noqa: F401
from .tables import Aggregates  # noqa: F401
