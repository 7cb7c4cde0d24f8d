"""What a report notebook needs, resolved once from its parameters and the configuration."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .aggregates import build
from .config import Config, load_config
from .lifecycle import Lifecycle
from .months import add_months, last_complete_month, month_str, parse_month
from .store import Store, open_store


@dataclass
class ReportContext:
    cfg: Config
    store: Store
    month: str
    churn_after: int
    target: float
    language: str
    lifecycle: Lifecycle
    monthly: pd.DataFrame

    def plan_months(self, text: str = "") -> list[str]:
        """The months to plan: the comma-separated text, or the three months after the report month."""
        if text.strip():
            return [m.strip() for m in text.split(",") if m.strip()]
        return [month_str(add_months(parse_month(self.month), i)) for i in (1, 2, 3)]


def open_report(*, data_dir: str = "", month: str = "", churn_after: int = 0, target: float = 0.0,
                language: str = "", config: str = "") -> ReportContext:
    """Resolve notebook parameters (empty or 0 = take the configuration's value)."""
    cfg = load_config(config or None, data_dir=data_dir or None, churn_after=churn_after or None,
                      target_active_rate=target or None, language=language or None)
    store = open_store(cfg.data_dir, timezone=cfg.timezone, memory_limit=cfg.memory_limit or None,
                       threads=cfg.threads or None)
    m = month_str(parse_month(month)) if month else month_str(last_complete_month(store.con))
    # The report runner has built the aggregates before the notebooks start: this reuses them
    # (a notebook opened on its own builds or extends them first).
    agg = build(store, active_events=cfg.active_events, signal_events=cfg.signal_events,
                cache_dir=cfg.cache_dir).aggregates
    lc = Lifecycle(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events, last_month=m,
                   aggregates=agg)
    return ReportContext(cfg=cfg, store=store, month=m, churn_after=cfg.churn_after, target=cfg.target_active_rate,
                         language=cfg.language, lifecycle=lc, monthly=lc.monthly(cfg.churn_after))
