"""What a report notebook needs, resolved once from its parameters and the configuration."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from ..aggregates import build
from ..config import Config, find_config, load_config
from ..errors import MissingTableError, set_language
from ..analyses.lifecycle import Lifecycle
from ..months import add_months, check_month, month_str, parse_month
from ..data.store import Store, store_from_config


class NoDataError(MissingTableError):
    """No data where the configuration points; in a notebook it shows as one paragraph, not a traceback."""

    zh = "找不到要分析的数据"

    def _render_traceback_(self):  # IPython shows these lines instead of the traceback
        return self._zh_line() + [str(self)]


def stop_run_all_on_error(seconds: float = 2.0) -> None:
    """In a Jupyter kernel: the cells that "Run All" queued after a failing cell are cancelled
    even when they reach the kernel up to ``seconds`` after the error.  Without this, a
    parameter error found at once (a data folder that does not exist) let the cells still in
    transit run on the variables of the previous run, and the page showed the last data set's
    charts under the error (seen in JupyterLab 4 with ipykernel 7).

    ipykernel 7 ends the cancelling with a message it queues behind the requests already
    there (``_post_dummy_stop_aborting_message``): it is posted ``seconds`` later instead.
    Older kernels wait ``stop_on_error_timeout`` (0 s by default) for late requests.  A kernel
    with neither is left as it is."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return
    if getattr(kernel, "stop_on_error_timeout", seconds) < seconds:
        kernel.stop_on_error_timeout = seconds
    post = getattr(kernel, "_post_dummy_stop_aborting_message", None)
    thread = getattr(kernel, "shell_channel_thread", None)
    if post is None or thread is None or getattr(post, "_toolkit_delayed", False):
        return

    def later(subshell_id=None):
        thread.io_loop.call_later(seconds, post, subshell_id)
    later._toolkit_delayed = True
    kernel._post_dummy_stop_aborting_message = later


def _no_data(cfg: Config, detail: str, from_parameter: bool) -> NoDataError:
    where = ("the data_dir parameter" if from_parameter
             else "data_dir of the package defaults" if cfg.source.endswith("defaults.yaml")
             else f"data_dir of {cfg.source}")
    return NoDataError(f"No data to analyse: {detail} ({where}). To explore the bundled sample, "
                       "run `make sample` in the project folder; for your own data, set data_dir in a toolkit.yaml "
                       "in your working folder (or the data_dir parameter of this notebook) to the folder holding "
                       "your events table.")


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
        """What the store left out of the events and what to do (one line, with the files), for
        the analyst; None when nothing."""
        return self.store.checks.warning(self.language) if self.store.checks else None

    @property
    def data_note(self) -> str | None:
        """What the numbers leave out, for a report's reader (no files, settings or fixes: those
        are in the run log); None when nothing."""
        return self.store.checks.page_note(self.language) if self.store.checks else None

    def source_line(self) -> str:
        """Which data folder and configuration file this notebook reads, in a line for the
        analyst (an own toolkit.yaml in the data folder changes the settings)."""
        from .runner import _shown_config, _shown_path
        data, conf = _shown_path(self.store.data_dir), _shown_config(self.cfg, self.language)
        if self.language == "zh":
            return f"数据:`{data}` · 配置:`{conf}` · 月份 {self.month}"
        return f"Data: `{data}` · configuration: `{conf}` · month {self.month}"

    @cached_property
    def months_with_events(self) -> list[int]:
        """The months (index) with an event, in order, from the monthly aggregates (asked once)."""
        return sorted(r[0] for r in self.store.con.execute("SELECT DISTINCT mi FROM agg_user_month").fetchall())

    @cached_property
    def events_from(self) -> str | None:
        """The first month with events, YYYY-MM (registrations may start earlier), or None."""
        from ..aggregates.tables import month_label
        return month_label(self.months_with_events[0]) if self.months_with_events else None

    def history_note(self) -> str | None:
        """What the page (and the summary page) must say about the data's months, or None: months
        without events between months with events; registrations before the first month with
        events (users inactive there by construction); configured offline-signal events that
        never occur (see aggregates.build.BuildResult.notes, the same for the command line).
        Worked out once per context (the page shows it and records it for the summary)."""
        return self._history_note

    @cached_property
    def _history_note(self) -> str | None:
        from . import labels as L
        from ..aggregates.tables import month_label
        from ..months import inner_gaps
        lang, out = self.language, []
        gaps = [month_label(m) for m in inner_gaps(self.months_with_events)]   # a missing file? all inactive there
        if gaps:
            out.append(L.t("month_gaps", lang).format(months=", ".join(gaps)))
        lc = self.lifecycle
        if lc.entries_from_mi < lc.first_mi:     # registrations before the first month with events: not shown
            out.append(L.t("before_events", lang).format(
                first=month_label(lc.entries_from_mi), start=month_label(lc.first_mi),
                n=lc.first_mi - lc.entries_from_mi, k=self.churn_after, settled=month_label(lc.first_mi + self.churn_after)))
        if self.lifecycle.signal_events and not self.store.con.execute(
                "SELECT count(*) FROM (SELECT 1 FROM agg_user_month WHERE signal LIMIT 1)").fetchone()[0]:
            out.append(L.t("signal_absent", lang).format(names=", ".join(self.lifecycle.signal_events)))
        return " ".join(out) if out else None

    @property
    def holiday_schedule(self):
        """The official holiday schedule table: the configuration's ``holiday_schedule``, else
        ``holiday_schedule.csv`` in the data folder when there is one, else None."""
        from ..analyses.holiday_calendar import schedule_file
        return schedule_file(self.cfg.holiday_schedule, self.store.data_dir)

    def calendar_notes(self, first, last) -> list[str]:
        """Warnings for the years in [first, last] whose holiday calendar is an estimate."""
        from ..analyses.holiday_calendar import calendar_notes
        return calendar_notes(first, last, self.cfg.holiday_country, self.holiday_schedule, self.language)

    def plan_months(self, text: str = "") -> list[str]:
        """The months to plan: the comma-separated text, or the three months after the report month."""
        if text.strip():
            return [m.strip() for m in text.split(",") if m.strip()]
        return [month_str(add_months(parse_month(self.month), i)) for i in (1, 2, 3)]


def open_report(*, data_dir: str = "", month: str = "", churn_after: int = 0, target: float = 0.0,
                language: str = "", config: str = "") -> ReportContext:
    """Resolve notebook parameters (empty or 0 = take the configuration's value)."""
    stop_run_all_on_error()      # a wrong parameter stops "Run All" here, not two cells later
    from .tables import reset_tables
    reset_tables()               # a run's first table carries the table library again (see there)
    set_language(language or "en")     # an error in the configuration itself: in the parameter's language
    cfg = load_config(config or None, data_dir=data_dir or None, churn_after=churn_after or None,
                      target_active_rate=target or None, language=language or None)
    set_language(cfg.language)         # errors from here on: their kind in the pages' language
    found = find_config(config or None, data_dir=data_dir or None)
    if not cfg.data_dir.exists():
        raise _no_data(cfg, f"the data folder {cfg.data_dir} does not exist", bool(data_dir))
    try:
        store = store_from_config(cfg, memory_limit=cfg.memory_limit or None, threads=cfg.threads or None,
                                  built_id_type=True)
    except MissingTableError as exc:
        raise _no_data(cfg, str(exc).rstrip("."), bool(data_dir)) from None
    # The report runner has built the aggregates before the notebooks start and says so (BUILT_ENV):
    # they are attached as they are; a notebook opened on its own builds or extends them first.
    # Events another engine reads (Spark with events_table or events_path) are not looked at from
    # a notebook: it reads the last build (`toolkit build` or `toolkit report` refresh it), with the
    # data period kept in it.
    import os

    from ..aggregates import engines
    from ..aggregates.build import BUILT_ENV, attach_built, open_built
    engine = engines.from_config(cfg, store)
    kw = dict(active_events=cfg.active_events, signal_events=cfg.signal_events, cache_dir=cfg.cache_dir)
    agg = attach_built(store, os.environ.get(BUILT_ENV), engine=engine, **kw)
    if agg is None and getattr(engine, "external", False):
        agg = open_built(store, **kw)
    if agg is None:
        if not getattr(engine, "external", False):     # the period is known before a build: a wrong month fails fast
            check_month(month, store.con, what="month", skip_first=True)
        agg = build(store, engine=engine, **kw).aggregates
    m = check_month(month, store.con, what="month", skip_first=True)
    from .tables import name_downloads
    name_downloads(m)            # a table's CSV is named for the month: two months' downloads do not collide
    lc = Lifecycle(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events, last_month=m,
                   aggregates=agg)
    return ReportContext(cfg=cfg, store=store, month=m, churn_after=cfg.churn_after, target=cfg.target_active_rate,
                         language=cfg.language, lifecycle=lc, monthly=lc.monthly(cfg.churn_after),
                         config_file=str(found) if found else "package defaults")
