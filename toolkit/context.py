"""What a report notebook needs, resolved once from its parameters and the configuration."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .config import Config, find_config, load_config
from .lifecycle import Lifecycle
from .months import add_months, check_month, month_str, parse_month
from .store import Store, store_from_config


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
    config_file: str = "package defaults"

    @property
    def data_warning(self) -> str | None:
        """What the store left out of the events (one line), for the page header; None when nothing."""
        return self.store.checks.warning() if self.store.checks else None

    @property
    def holiday_schedule(self):
        """The official holiday schedule table: the configuration's ``holiday_schedule``, else
        ``holiday_schedule.csv`` in the data folder when there is one, else None."""
        from .holiday_calendar import schedule_file
        return schedule_file(self.cfg.holiday_schedule, self.store.data_dir)

    def calendar_notes(self, first, last) -> list[str]:
        """Warnings for the years in [first, last] whose holiday calendar is an estimate."""
        from .holiday_calendar import calendar_notes
        return calendar_notes(first, last, self.cfg.holiday_country, self.holiday_schedule, self.language)

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
    found = find_config(config or None)
    store = store_from_config(cfg)
    m = check_month(month, store.con, what="month", skip_first=True)
    lc = Lifecycle(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events, last_month=m)
    return ReportContext(cfg=cfg, store=store, month=m, churn_after=cfg.churn_after, target=cfg.target_active_rate,
                         language=cfg.language, lifecycle=lc, monthly=lc.monthly(cfg.churn_after),
                         config_file=str(found) if found else "package defaults")
