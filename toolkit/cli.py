"""The `toolkit` command.  Every command reads toolkit.yaml (or --config) and
lets its flags override it.  Bad input ends with one clear line and exit code 2,
never a traceback."""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import click
import duckdb

from .config import find_config, load_config
from .errors import ConfigError, MissingTableError, ToolkitError


class _OutFile(click.Path):
    """A file to write: its folder must exist and its extension name a format the command
    writes, checked before any work (not after minutes of it)."""

    def __init__(self, suffixes=(".csv", ".xlsx", ".json")):
        super().__init__(dir_okay=False)
        self.suffixes = suffixes

    def convert(self, value, param, ctx):
        path = Path(super().convert(value, param, ctx))
        if path.suffix.lower() not in self.suffixes:
            self.fail(f"{path.name}: the extension chooses the format; end the name in "
                      f"{', '.join(self.suffixes[:-1])} or {self.suffixes[-1]}.", param, ctx)
        if not path.parent.is_dir():
            self.fail(f"the folder {path.parent} does not exist: create it, or write the file elsewhere.", param, ctx)
        return str(path)


OUT_FILE = _OutFile()
OUT_SHEET = _OutFile((".csv", ".xlsx"))


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except ToolkitError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except duckdb.Error as exc:  # a query failed on data that passed the checks: still no traceback
            from .data.engine_errors import cause, disk_message, memory_message, out_of_memory
            if out_of_memory(exc):
                click.echo(f"error: {memory_message(exc)}.", err=True)
                sys.exit(2)
            if disk_message(exc):
                click.echo(f"error: {disk_message(exc)}.", err=True)
                sys.exit(2)
            hint = "" if ctx.invoked_subcommand == "validate" else " Run `toolkit validate DIR` to check the data."
            click.echo(f"error: the query engine failed: {cause(exc)}.{hint}", err=True)
            sys.exit(2)
        except OSError as exc:  # a file could not be read or written: say which and why
            where = exc.filename or "a file"
            click.echo(f"error: cannot use {where}: {exc.strerror or exc}. Check the free space and the "
                       "permissions of that folder.", err=True)
            sys.exit(2)
        except Exception as exc:
            if not type(exc).__module__.startswith(("py4j", "pyspark")):
                raise
            # Spark failed where the engine did not expect it: one line, not a Java stack
            text = " ".join(str(exc).split("\n")[0].split())[:300]
            click.echo(f"error: Spark failed: {text}. Check the events Spark reads (events_path / events_table) "
                       "and the Spark settings; `toolkit --engine duckdb ...` runs without Spark.", err=True)
            sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
              help="Configuration file (default: $TOOLKIT_CONFIG, else a toolkit.yaml in the data folder "
                   "given, else the nearest toolkit.yaml in this folder or a parent, else the package defaults).")
@click.option("--memory-limit", default=None, help="DuckDB memory limit, e.g. 2GB (overrides memory_limit).")
@click.option("--threads", type=int, default=None, help="DuckDB threads (overrides threads; 0 = one per core).")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default=None,
              help="Where the event scans (the monthly aggregates) run (overrides engine): duckdb on this "
                   "machine, or spark on the configured spark_master.")
@click.pass_context
def main(ctx, config_path, memory_limit, threads, engine):
    """User operations analytics over event data (用户运营分析)."""
    _terminate_as_interrupt()
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path
    ctx.obj["engine"] = {"memory_limit": memory_limit, "threads": threads, "engine": engine}


def _terminate_as_interrupt() -> None:
    """A termination signal (SIGTERM: systemd stopping a job, `timeout`, `kill`) stops a command as
    Ctrl-C does, so that what it holds is released and said ("Aborted!", a report run's
    run.log), instead of the process vanishing with its lock and temporary folder left."""
    import signal
    import threading
    if threading.current_thread() is not threading.main_thread():
        return

    def stop(signum, frame):
        raise KeyboardInterrupt
    try:
        signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):      # not settable here (an embedding host): the default stays
        pass


def _cfg(ctx, **overrides):
    return load_config(ctx.obj.get("config_path"), **{**ctx.obj.get("engine", {}), **overrides})


def _open(ctx, data_dir, timezone=None, *, max_unusable_share=None, build_now=True, **overrides):
    """The configuration and the opened store; what the store left out of the events is said once, on stderr."""
    from .config import DEFAULTS_FILE
    from .data.store import store_from_config
    cfg = _cfg(ctx, data_dir=data_dir, timezone=timezone, **overrides)
    if data_dir is None and cfg.source == str(DEFAULTS_FILE) and not Path(cfg.data_dir).exists():
        # run from another folder: "create a sample" was the wrong fix; the project's toolkit.yaml was not found
        raise MissingTableError(
            f"No toolkit.yaml in {Path.cwd()} or the folders above it, and no data folder given, so the package "
            f"default {cfg.data_dir} is used, which does not exist there. Run from the project folder (where "
            "toolkit.yaml is), name the data folder (`toolkit <command> DIR`) or the configuration (`toolkit "
            "--config FILE <command>`).")
    store = store_from_config(cfg.with_overrides(max_unusable_share=max_unusable_share),
                              memory_limit=cfg.memory_limit or None, threads=cfg.threads or None)
    if store.sources["events"].kind == "external" and build_now:
        _build(cfg, store)       # events another engine reads: their period (the months commands accept) comes from the build
    warning = store.checks.warning() if store.checks else None
    if warning and max_unusable_share is None:   # validate (which lifts the threshold) lists them itself
        click.echo(f"warning: {warning}", err=True)
    return cfg, store


def _spark_start() -> str:
    """' Spark session start: Ns.' when this process started one (a cron log then shows where the time went)."""
    spark = sys.modules.get("toolkit.aggregates.engines.spark")
    seconds = spark.STARTED.get("seconds") if spark else None
    return f" Spark session start: {seconds:.0f}s." if seconds is not None else ""


def _build(cfg, store, *, rebuild=False, quiet=True):
    """Bring the aggregates up to date (once per command); returns them."""
    from .aggregates import build, engines
    done = getattr(store, "built", None)
    if done is not None and not rebuild:
        if not quiet:
            click.echo(done.describe(_spark_start()))
        return done.aggregates
    res = build(store, active_events=cfg.active_events, signal_events=cfg.signal_events,
                cache_dir=cfg.cache_dir, rebuild=rebuild, engine=engines.from_config(cfg, store))
    store.built = res
    if not quiet:
        click.echo(res.describe(_spark_start()))
    else:       # what the data lack (a month without events, rows left out) is said by every command
        for line in res.notes():
            click.echo(line, err=True)
    return res.aggregates


def _lifecycle(cfg, store, last_month=None, aggregates=None):
    from .analyses.lifecycle import Lifecycle
    agg = aggregates or _build(cfg, store)
    return Lifecycle(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events,
                     last_month=last_month, aggregates=agg)


@main.command("build")
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--rebuild", is_flag=True, help="Recompute every month, ignoring what the cache holds.")
@click.pass_context
def build_cmd(ctx, data_dir, rebuild):
    """Bring the monthly aggregates and lifecycle snapshots of DATA_DIR up to date and say what was done."""
    cfg, store = _open(ctx, data_dir, build_now=False)
    _build(cfg, store, rebuild=rebuild, quiet=False)


@main.command()
@click.option("--out", "out", type=click.Path(file_okay=False), default=None,
              help="Folder to write (default: data_dir of the configuration).")
@click.option("--users", type=int, default=50_000, show_default=True, help="Users registering over the period.")
@click.option("--months", type=int, default=24, show_default=True, help="Months of data.")
@click.option("--end", default="2026-10", show_default=True, help="Last month, YYYY-MM.")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed (same seed, same bytes).")
@click.pass_context
def sample(ctx, out, users, months, end, seed):
    """Write the synthetic car-app sample with planted effects (truth.json)."""
    from .data.sample import generate_sample
    out = Path(out) if out else _cfg(ctx).data_dir
    t0 = time.perf_counter()
    truth = generate_sample(out, users=users, months=months, end=end, seed=seed)
    click.echo(f"Wrote {truth['events']:,} events of {users:,} users, {truth['months'][0]} .. {truth['months'][-1]}, "
               f"to {out} in {time.perf_counter() - t0:.1f}s (planted effects: {out / 'truth.json'}).")


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--timezone", default=None, help="Business time zone (overrides the configuration).")
@click.pass_context
def validate(ctx, data_dir, timezone):
    """Print a health summary of DATA_DIR; exit non-zero on errors."""
    from .data.validate import validate as run_validate
    cfg, store = _open(ctx, data_dir, timezone, max_unusable_share=1.0, build_now=False)   # lists every problem itself
    health = run_validate(store, signal_events=cfg.signal_events)
    click.echo(health.render())
    if not health.ok:
        sys.exit(1)


@main.command("convert-transactions")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder to write the event layout to.")
@click.option("--user-col", required=True, help="Column with the customer id.")
@click.option("--time-col", required=True, help="Column with the transaction date or time.")
@click.option("--amount-col", default=None, help="Column with the amount (writes orders.parquet too).")
@click.option("--id-col", default=None, help="Column with the transaction id.")
@click.option("--event-name", default="purchase", show_default=True, help="Name given to each event.")
@click.option("--encoding", default=None, help="Encoding of a CSV that is not UTF-8, e.g. gb18030.")
def convert_transactions_cmd(source, out, user_col, time_col, amount_col, id_col, event_name, encoding):
    """Turn a transactions file (one row per purchase) into the event layout."""
    from .data.convert import convert_transactions
    r = convert_transactions(source, out, user_col=user_col, time_col=time_col, amount_col=amount_col,
                             id_col=id_col, event_name=event_name, encoding=encoding)
    click.echo(f"Wrote {r['events']:,} events of {r['users']:,} users to {r['out']} "
               f"({r['skipped_without_user']:,} rows without a user skipped).")
    if r.get("refunds"):
        click.echo(f"{r['refunds']:,} rows have a negative amount (refunds or cancellations): they are in "
                   "orders.parquet, lowering revenue, and are not events or purchases (a refund is not a visit).")
    if r.get("last_line"):
        click.echo(f"warning: {source} does not end with a line end, as its other lines do: if the copy was cut, its "
                   f"last row ({r['last_line'][:80]!r}) may be cut inside its last value and was converted as it "
                   "stands. Compare it with the source, or deliver the file again.", err=True)


def _tidy(df):
    """The frame as an analyst reads it in Excel: counts that pandas holds as floats (a column
    with gaps, or summed) written as whole numbers, other numbers to 6 decimals (amounts to a
    millionth) and below 1 to 6 significant digits (shares, p-values), instead of 17 digits."""
    import pandas as pd
    df = df.copy()
    for col in df.columns:
        s = df[col]
        if not pd.api.types.is_float_dtype(s):
            continue
        known = s.dropna()
        share = re.search(r"share|rate|^m\d+$", str(col))        # shares and rates stay decimals, even 0 and 1
        if not share and len(known) and (known == known.round()).all() and known.abs().max() < 2 ** 53:
            df[col] = s.astype("Int64")
        else:       # six decimals, and six significant digits below 1 (a p-value of 0.0000012 stays one)
            df[col] = s.map(lambda v: v if pd.isna(v) else (round(v, 6) if abs(v) >= 1 else float(f"{v:.6g}")))
    return df


# Chinese headers of the per-user files, for an Excel workbook written with --lang zh (a
# workbook is read by people; CSV and JSON keep the keys, for tools that read them)
_ZH_HEADERS = {"user_id": "用户ID", "state": "用户分群", "probability": "流失概率", "reasons": "原因",
               "scene_rule": "触达规则", "recency_days": "最近购买间隔(天)", "frequency": "频次",
               "monetary": "金额", "r_score": "R得分", "f_score": "F得分", "m_score": "M得分", "tier": "价值分层"}


_EN_HEADERS = {"user_id": "user", "state": "lifecycle state", "probability": "probability inactive next month",
               "reasons": "reasons", "scene_rule": "scene rule", "recency_days": "days since last order",
               "frequency": "orders", "monetary": "amount", "r_score": "R score", "f_score": "F score",
               "m_score": "M score", "r_high": "R high", "f_high": "F high", "m_high": "M high", "tier": "value tier",
               "rule_id": "scene rule", "arm": "arm", "sent_day": "push day", "reactivated": "back within 30 days"}


def _for_people(df, out, language: str, segment: str = "分群", headers: dict | None = None, drop=(),
                segment_en: str = "segment", headers_en: dict | None = None):
    """``df`` as an Excel workbook for a reader shows it: with an .xlsx file, headers as the pages
    name them (the lifecycle table's states and rates; its segment column by the name of the
    column broken down by: ``segment`` in Chinese, ``segment_en`` in English), states and tiers in
    words; ``headers`` / ``headers_en`` add to the Chinese / English names.  CSV and JSON keep
    the keys, for tools."""
    if out is None or not str(out).lower().endswith(".xlsx"):
        return df
    from .analyses.lifecycle import RATES, STATES
    from .analyses.value import TIER_EN, TIER_ZH
    from .report import labels as L
    df = df.drop(columns=list(drop), errors="ignore")
    if language != "zh":      # an English workbook had the keys as headers (user_id, r_score, important_value)
        if "state" in df:
            df["state"] = df["state"].map(lambda s: L.state(s, "en") if isinstance(s, str) else s)
        if "tier" in df:
            df["tier"] = df["tier"].map(lambda t: TIER_EN.get(t, t) if isinstance(t, str) else "not scored")
        for flag in ("reactivated", "r_high", "f_high", "m_high"):
            if flag in df and df[flag].dtype == bool:
                df[flag] = df[flag].map({True: "yes", False: "no"})
        names = {**_EN_HEADERS, "month": "month", "segment": segment_en, "mau": L.t("mau", "en"),
                 "cumulative": L.t("cumulative", "en"),
                 **{s: L.state(s, "en") for s in (*STATES, "churned_signal", "churned_silent")},
                 **{r: L.rate(r, "en") for r in ("active_rate", *RATES)},
                 **{f"return_rate_{k}": f"{L.rate('return_rate', 'en')} ({L.state(f'churned_{k}', 'en')})"
                    for k in ("signal", "silent")}, **(headers_en or {})}
        return df.rename(columns=names)
    if "state" in df:
        df["state"] = df["state"].map(lambda s: L.state(s, "zh") if isinstance(s, str) else s)
    if "tier" in df:
        df["tier"] = df["tier"].map(lambda t: TIER_ZH.get(t, t) if isinstance(t, str) else "未分层")   # as export-users
    if "arm" in df:
        df["arm"] = df["arm"].map({"treatment": "实验组", "control": "对照组"}).fillna(df["arm"])
    for flag in ("reactivated", "r_high", "f_high", "m_high"):
        if flag in df and df[flag].dtype == bool:
            df[flag] = df[flag].map({True: "是", False: "否"})
    headers = {**_ZH_HEADERS, "month": L.t("month", "zh"), "segment": segment, "mau": L.t("mau", "zh"),
               "cumulative": L.t("cumulative", "zh"),
               **{s: L.state(s, "zh") for s in (*STATES, "churned_signal", "churned_silent")},
               **{r: L.rate(r, "zh") for r in ("active_rate", *RATES)},
               **{f"return_rate_{k}": f"{L.rate('return_rate', 'zh')}({L.state(f'churned_{k}', 'zh')})"
                  for k in ("signal", "silent")}, **(headers or {})}
    return df.rename(columns=headers)


def _write_frame(df, out, number_formats: dict | None = None, sheet: str = "table"):
    """CSV (with a byte-order mark, for Excel), an Excel workbook or JSON, by the extension of
    ``out``; CSV to stdout when out is None (see _tidy).  ``number_formats``: column -> Excel
    number format of a workbook's column (shares as percentages)."""
    from .export import write_table
    df = _tidy(df)
    if out is None:
        click.echo(df.to_csv(index=False), nl=False)
    elif str(out).lower().endswith(".json"):     # 15 digits: the default 10 decimals turn a p-value of 8.6e-10 into 1e-9
        Path(out).write_text(df.to_json(orient="records", force_ascii=False, indent=1, double_precision=15),
                             encoding="utf-8")
    else:
        write_table(df, out, number_formats=number_formats, sheet=sheet)
    if out is not None:
        click.echo(f"Wrote {len(df):,} rows to {out}.")


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--churn-after", "churn_after", type=int, default=None, help="Churn window k in months (1-12).")
@click.option("--month", default=None,
              help="Last month YYYY-MM of the table (default: every month with data, an unfinished last one included; "
                   "its stderr note names the last complete month).")
@click.option("--by", "by", default=None,
              help="Break the table down by a column of the users table (one of segment_columns, e.g. channel).")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None,
              help="The language of an .xlsx file's headers (CSV and JSON keep the keys, for tools); default: the "
                   "configuration's language.")
@click.pass_context
def lifecycle(ctx, data_dir, churn_after, month, by, out, language):
    """Write the monthly lifecycle table: states, MAU, active rate and the four rates (per segment with --by)."""
    from .analyses.lifecycle import COLUMNS
    cfg, store = _open(ctx, data_dir, churn_after=churn_after)
    if month:      # the unfinished last month too: the table without --month shows it
        from .months import check_month
        month = check_month(month, store.con, partial=True)
    lc = _lifecycle(cfg, store, last_month=month)
    if not month:
        _note_unfinished_month(store, lc)
    if by:
        from .analyses.cohorts import segment_monthly
        df = segment_monthly(lc, by, cfg.churn_after, segment_columns=cfg.segment_columns)
        from .report.labels import segment_column
        _write_frame(_for_people(df[["segment", *COLUMNS]], out, language or cfg.language,
                                 segment=segment_column(by, "zh", cfg.segment_names),
                                 segment_en=segment_column(by, "en", cfg.segment_names)), out)
        return
    _write_frame(_for_people(lc.monthly(cfg.churn_after)[COLUMNS], out, language or cfg.language), out)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Last month YYYY-MM (default: the last complete month).")
@click.option("--by", "by", default=None,
              help="One triangle per value of a users column (one of segment_columns, e.g. city).")
@click.option("--counts", is_flag=True, help="Active users instead of shares of the cohort.")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def cohorts(ctx, data_dir, month, by, counts, out):
    """Retention cohorts (留存矩阵): one row per entry month, its size and the share active m0, m1, ... months after entry."""
    from .analyses.cohorts import cohort_table
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    _write_frame(cohort_table(lc, by=by, counts=counts, segment_columns=cfg.segment_columns), out)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Last month YYYY-MM (default: the last complete month).")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def funnel(ctx, data_dir, month, out):
    """AARRR funnel per entry month: acquired, activated, retained, paying, referring (counts and shares), revenue per user and per payer."""
    from .analyses.periods import cohort_funnel
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    df = cohort_funnel(lc, referral_events=cfg.referral_events)
    cols = ["cohort", "acquired", "activated", "retained", "paying", "referring", "activated_share", "retained_share",
            "paying_share", "referring_share", "revenue", "revenue_per_user", "revenue_per_payer"]
    from .report.tables import funnel_notes
    for line in funnel_notes(df, "en", blank=True):       # steps the data cannot express; paying 100% by construction
        click.echo(f"note: {line}", err=True)
    _write_frame(df[cols], out)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--target", type=float, default=None, help="Target average active rate, e.g. 0.85 (default: config).")
@click.option("--months", required=True, help="Consecutive plan months, comma-separated: 2026-07,2026-08,2026-09.")
@click.option("--churn-after", "churn_after", type=int, default=None, help="Churn window k in months (1-12).")
@click.option("--new-users", default=None, help="Planned new users: one number, or one per month comma-separated.")
@click.option("--rate-method", type=click.Choice(["best6", "last_year"]), default="best6", show_default=True,
              help="Default rates: best of the last six months, or the same month last year.")
@click.option("--retention-old", type=float, default=None, help="Override the old-user retention rate.")
@click.option("--retention-new", type=float, default=None, help="Override the new-user retention rate.")
@click.option("--wake-rate", type=float, default=None, help="Override the wake rate.")
@click.option("--return-rate", type=float, default=None, help="Override the return rate.")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the plan's sentences; default: the configuration's language.")
@click.pass_context
def plan(ctx, data_dir, target, months, churn_after, new_users, rate_method, retention_old, retention_new,
         wake_rate, return_rate, language):
    """Project the active rate for the plan months and what it takes to meet the target."""
    from .analyses.planning import make_plan
    cfg, store = _open(ctx, data_dir, churn_after=churn_after, target_active_rate=target)
    from .months import parse_month
    month_list = [m.strip() for m in months.split(",") if m.strip()]
    for m in month_list:        # the flag named: "month must be written ..." did not say which
        parse_month(m, what="--months")
    nu = None
    if new_users:
        try:
            nu = [float(x) for x in new_users.split(",")]
        except ValueError:
            raise ToolkitError(f"--new-users must be numbers, got {new_users!r}.") from None
        nu = nu[0] if len(nu) == 1 else nu
        if isinstance(nu, list) and len(nu) != len(month_list):
            raise ToolkitError(f"--new-users has {len(nu)} numbers for {len(month_list)} months.")
    lc = _lifecycle(cfg, store)
    monthly = lc.monthly(cfg.churn_after)
    p = make_plan(lc, monthly, month_list, cfg.target_active_rate, churn_after=cfg.churn_after, new_users=nu,
                  rates={"retention_old": retention_old, "retention_new": retention_new, "wake_rate": wake_rate,
                         "return_rate": return_rate}, method=rate_method,
                  campaigns=store.con.execute("SELECT * FROM campaigns").df())
    cols = ["month", "new", "mau", "cumulative", "active_rate", "retention_old", "retention_new", "wake_rate",
            "return_rate"]
    shown = p.projection[cols].copy()
    for c in ("new", "mau", "cumulative"):       # users are whole people
        shown[c] = shown[c].round().astype(int).map("{:,}".format)
    for c in cols[4:]:
        shown[c] = shown[c].map("{:.1%}".format)
    click.echo(shown.to_string(index=False))
    click.echo()
    click.echo(p.summary(language or cfg.language))


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.option("--events", "event_names", default=None,
              help="Count daily users of these events (comma-separated, e.g. trip) instead of active users.")
@click.option("--weeks", type=int, default=3, show_default=True, help="Weeks before and after each window for the baseline.")
@click.option("--coming", is_flag=True,
              help="Instead: the holiday windows of the 12 months after the last complete month, each with its "
                   "festival's last lift measured in the data (for planning next year's peaks).")
@click.pass_context
def holidays(ctx, data_dir, out, event_names, weeks, coming):
    """One row per holiday window: its lift in daily users over comparable days, with a 95% interval."""
    from .analyses.holiday_calendar import calendar_notes, schedule_file
    from .analyses.holiday_lift import coming_holidays, daily_users, holiday_lift
    cfg, store = _open(ctx, data_dir)
    _build(cfg, store)
    names = [x.strip() for x in event_names.split(",") if x.strip()] if event_names else None
    daily = daily_users(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events,
                        event_names=names)
    if names and daily.empty:
        raise ToolkitError(f"--events {event_names}: the data in {store.data_dir} have no event named "
                           f"{' or '.join(repr(n) for n in names)} (names match exactly, case included): nothing to "
                           "count. Give an event name of the data, or leave --events out to count active users.")
    schedule = schedule_file(cfg.holiday_schedule, store.data_dir)
    df = holiday_lift(daily, country=cfg.holiday_country, weeks=weeks, schedule=schedule)
    if len(daily):
        for note in calendar_notes(daily.index.min().date(), daily.index.max().date(), cfg.holiday_country, schedule):
            click.echo(f"warning: {note}", err=True)
    if coming:
        month = _month_or_last(store, None)
        df = coming_holidays(df, month, country=cfg.holiday_country, schedule=schedule)
        click.echo(f"note: the holiday windows after {month} (the last complete month), {cfg.holiday_country}'s "
                   "calendar; last_lift: the festival's latest window measured in the data.", err=True)
        df = df[["name", "start", "end", "days", "calendar", "last_lift", "last_ci_low", "last_ci_high", "last_start",
                 "festival", "name_zh"]]
        df["last_start"] = df["last_start"].map(lambda d: d.isoformat() if hasattr(d, "isoformat") else "")
    else:
        df = df[["name", "start", "end", "days", "lift", "ci_low", "ci_high", "festival", "name_zh", "last_year_lift",
                 "calendar"]]
    for c in ("start", "end"):
        df[c] = df[c].map(lambda d: d.isoformat())
    _write_frame(df, out)


@main.command("scene-results")
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="As of the end of this month YYYY-MM (default: the last complete month): "
                                            "pushes whose 30 days ended by then.")
@click.option("--users", "per_user", is_flag=True,
              help="One row per push instead: user, rule, push month, arm, push day and whether the user came back "
                   "(reactivated) within its 30 days: the users behind the counts.")
@click.option("--push-month", "push_month", default=None,
              help="Only the pushes of this month YYYY-MM (with --users: e.g. last month's pushed users).")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None,
              help="The language of an .xlsx file's headers and words (CSV and JSON keep the keys, for tools); "
                   "default: the configuration's language.")
@click.pass_context
def scene_results(ctx, data_dir, month, per_user, push_month, out, language):
    """Each scene rule's result per push month and pooled ('all'): reactivation within 30 days per arm,
    difference, 95% interval, p-value, pushes per arm; pushes still within their 30 days are listed on stderr.
    With --users, the pushes one by one."""
    from .analyses.scenes import EVALUATION_COLUMNS, evaluate, push_outcomes
    from .months import last_day
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    if push_month:
        from .months import month_str, parse_month
        push_month = month_str(parse_month(push_month, what="--push-month"))
    _build(cfg, store)
    if not store.con.execute("SELECT count(*) FROM pushes").fetchone()[0]:
        click.echo("note: the data have no pushes (no pushes table, or an empty one): `toolkit scenes` writes a "
                   "month's pushes from the scene rules; there is nothing to evaluate.", err=True)
    if per_user:
        ev = push_outcomes(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events,
                           until=last_day(month))
        _pending_notes(ev, month)
        if push_month:
            pending = ev.attrs.get("pending", {})
            ev = ev[ev["month"] == push_month].reset_index(drop=True)
            if ev.empty:
                why = (f"its pushes are still within their 30 days on {last_day(month)}" if push_month in pending
                       else "it has no pushes")
                click.echo(f"note: no push of {push_month} to list: {why}.", err=True)
        _write_frame(_for_people(ev, out, language or cfg.language, headers=_ZH_PUSH_HEADERS,
                                 headers_en={"month": "push month"}), out)
        return
    ev = evaluate(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events, until=last_day(month))
    _pending_notes(ev, month)
    if push_month:
        ev = ev[ev["month"] == push_month]
    if ev.empty and store.con.execute("SELECT count(*) FROM pushes").fetchone()[0]:
        click.echo(f"note: no push{' of ' + push_month if push_month else ''} has ended its 30 days by "
                   f"{last_day(month)}: nothing to evaluate.", err=True)
    _write_frame(ev[EVALUATION_COLUMNS], out)


_ZH_PUSH_HEADERS = {"rule_id": "触达规则", "month": "推送月份", "arm": "组别", "sent_day": "推送日期",
                    "reactivated": "30天内是否回访"}


def _pending_notes(ev, month: str) -> None:
    from .months import last_day
    for m, n in (ev.attrs.get("pending") or {}).items():
        click.echo(f"note: {n:,} pushes of {m} are still within their 30 days on {last_day(month)}: not evaluated yet.",
                   err=True)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def campaigns(ctx, data_dir, out):
    """One row per campaign: goal metric per arm, difference, 95% interval, p-value, SRM flag, method."""
    from .analyses.campaign_effects import campaign_effects
    cfg, store = _open(ctx, data_dir)
    _build(cfg, store)
    df = campaign_effects(store.con, active_events=cfg.active_events, signal_events=cfg.signal_events)
    for line in df.attrs.get("notes", []):
        click.echo(f"note: {line}", err=True)
    cols = ["campaign_id", "name", "metric", "start_date", "end_date", "treatment", "control", "difference", "ci_low",
            "ci_high", "p_value", "srm_flag", "method", "n_treatment", "n_control"]
    _write_frame(df[cols], out)


@main.command()
@click.option("--treatment", default=None, help="Treatment successes/users, e.g. 120/1000.")
@click.option("--control", default=None, help="Control successes/users, e.g. 100/1000.")
@click.option("--baseline", type=float, default=None, help="For a sample size: the control rate, e.g. 0.10.")
@click.option("--mde", type=float, default=None, help="For a sample size: the minimum detectable lift, e.g. 0.02.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.05, show_default=True,
              help="Significance level, a share between 0 and 1 (0.05: a 95% interval).")
@click.option("--power", type=click.FloatRange(0, 1, min_open=True, max_open=True), default=0.8, show_default=True,
              help="With --baseline and --mde: the chance of detecting an effect of that size (0.8: 80%).")
def ab(treatment, control, baseline, mde, alpha, power):
    """A/B test on two proportions (difference, interval, p-value), or the users needed per arm."""
    from .analyses.abtest import sample_size, two_proportions

    def parse(text, flag):
        try:
            a, b = (int(x) for x in text.split("/"))
            return a, b
        except (ValueError, AttributeError):
            raise ToolkitError(f"{flag} must be successes/users, e.g. 120/1000; got {text!r}.") from None
    if treatment or control:
        (st, nt), (sc, nc) = parse(treatment, "--treatment"), parse(control, "--control")
        for flag, n in (("--treatment", nt), ("--control", nc)):
            if n == 0:
                raise ToolkitError(f"{flag} has no users (…/0): there is nothing to compare; give successes/users "
                                   "with at least one user in each arm.")
        r = two_proportions(st, nt, sc, nc, alpha)
        level = f"{1 - alpha:.1%}".replace(".0%", "%")
        click.echo(f"treatment {r['treatment']:.2%} ({st}/{nt}), control {r['control']:.2%} ({sc}/{nc})\n"
                   f"difference {r['difference'] * 100:+.2f} points, {level} interval "
                   f"{r['ci_low'] * 100:+.2f} to {r['ci_high'] * 100:+.2f} (Newcombe), p-value {r['p_value']:.4g} "
                   "(z-test)")
        p = r["p_exact"] if r["small"] else r["p_value"]
        if r["small"]:
            click.echo(f"note: an arm has fewer than 5 successes or failures, where the z-test is rough: Fisher's "
                       f"exact test gives p-value {p:.4g}, used below.")
        click.echo(f"significant at alpha {alpha:g}: the treatment is {'higher' if r['difference'] > 0 else 'lower'}."
                   if p < alpha else f"not significant at alpha {alpha:g}: the data do not show a difference "
                   "(more users per arm may; --baseline and --mde give how many).")
    if baseline is not None or mde is not None:
        if baseline is None or mde is None:
            raise ToolkitError("A sample size needs both --baseline and --mde.")
        n = sample_size(baseline, mde, alpha, power)
        click.echo(f"users needed per arm to detect {mde * 100:+.1f} points over {baseline:.1%} "
                   f"(alpha {alpha}, power {power}): {n['control']:,}")
    if not (treatment or control or baseline is not None or mde is not None):
        raise ToolkitError("Give --treatment and --control for a test, or --baseline and --mde for a sample size.")


def _note_unfinished_month(store, lc) -> None:
    """A note (stderr) when the table's last month is after the last complete month of the
    events: its rates are those of a partial month and will change."""
    from .analyses.lifecycle import month_index, month_label
    from .months import data_months, event_span
    try:
        _, complete = data_months(store.con)
    except ToolkitError:
        return
    if lc.last_mi > month_index(complete):
        last_event = event_span(store.con)[1]
        click.echo(f"note: the last month, {month_label(lc.last_mi)}, is not complete (events up to "
                   f"{last_event:%Y-%m-%d}): its numbers will change as its data arrive; --month "
                   f"{month_label(month_index(complete))} ends the table with the last complete month.", err=True)


def _note_default_month(store, chosen: str) -> None:
    """A note (stderr) when a report run without --month reports the last complete month while
    the events go on into a month not complete yet: a job owner expecting that month learns why
    it is not the one reported."""
    from .months import event_span
    last_event = event_span(store.con)[1]
    if last_event is not None and f"{last_event:%Y-%m}" > chosen:
        click.echo(f"note: reporting {chosen}, the last complete month: {last_event:%Y-%m} is not complete (events "
                   f"up to {last_event:%Y-%m-%d}); its report is made when its data are in.", err=True)


def _month_or_last(store, month):
    """--month checked against the data's months (default: the last complete month)."""
    from .months import check_month
    return check_month(month, store.con)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Month YYYY-MM (default: the last complete month).")
@click.option("--threshold", type=float, default=0.3, show_default=True, help="Share of active days that makes a tag.")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def preferences(ctx, data_dir, month, threshold, out):
    """Per user: the share of active days on which each category was used (last 3 months), tags, primary tag."""
    from .analyses.preferences import month_preferences
    if not 0 < threshold <= 1:
        raise ToolkitError(f"--threshold must be a share in (0, 1], got {threshold}.")
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    prefs, _ = month_preferences(lc, month, cfg.churn_after, threshold=threshold)
    _write_frame(prefs.drop(columns=["active_days"]), out)


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", required=True, help="Push month YYYY-MM: users are selected on their state at the end of the month before.")
@click.option("--rules", default=None, type=click.Path(dir_okay=False), help="Rules table (default: scene_rules.csv in the data folder).")
@click.option("--seed", type=int, default=2024, show_default=True, help="Seed of the held-out control draw.")
@click.option("--dry-run", is_flag=True, help="List the pushes without writing them to the pushes table.")
@click.option("--out", "out", default=None, type=OUT_FILE, help="With --dry-run: a .csv, .xlsx or .json file.")
@click.option("--replace", is_flag=True,
              help="Write a month that already has pushes again, replacing all of them (they may have been sent).")
@click.pass_context
def scenes(ctx, data_dir, month, rules, seed, dry_run, out, replace):
    """Select each scene rule's users for the month, hold out a control share, write the pushes."""
    from .months import check_month
    from .analyses.preferences import categories
    from .analyses.scenes import load_rules, month_pushes, rule_warnings, rules_for, select, write_pushes
    cfg, store = _open(ctx, data_dir)
    month = check_month(month, store.con, shift=1)   # a push month follows the month whose state it selects on
    path = rules_for(cfg.data_dir, rules)
    if path is None:
        raise ToolkitError(f"No scene rules for {cfg.data_dir}: put scene_rules.csv (or .yaml) in that folder or "
                           "pass --rules FILE (data/scene_rules.csv shows the columns).")
    rule_table = load_rules(path, categories(store.con))
    for line in rule_warnings(rule_table, cfg.churn_after):
        click.echo(f"note: {line}", err=True)
    lc = _lifecycle(cfg, store)
    pushes = select(lc, rule_table, month, churn_after=cfg.churn_after, seed=seed)
    summary = pushes.groupby(["rule_id", "arm"]).size().unstack(fill_value=0)
    table = summary.to_string() if len(summary) else "(no rule selects anyone)"     # not pandas' "Empty DataFrame"
    for rule in rule_table["rule_id"]:      # a rule left out of the summary without a word looked forgotten
        if rule not in summary.index:
            click.echo(f"note: rule {rule} selects nobody for {month}: no user matches it, or every user it matches "
                       "goes to a rule of higher priority (lower number) first.", err=True)
    if dry_run:
        if out:
            _write_frame(pushes, out)
        else:
            click.echo(pushes.to_csv(index=False), nl=False)
        click.echo(f"(dry run) {len(pushes):,} pushes for {month}:\n{table}", err=True)
        return
    from .months import data_months, month_str, next_month
    complete = month_str(data_months(store.con)[1])
    if month <= complete and not replace:   # a month already lived: nothing was sent by this run
        raise ToolkitError(f"{month} has passed (the data are complete to {complete}): pushes written for it now would "
                           "be evaluated as if they had been sent then. Nothing was written. The push month is "
                           f"normally the one after the data ({next_month(complete)}); to "
                           f"record pushes that were sent in {month}, add --replace; to see whom the rules would "
                           "have selected, add --dry-run.")
    held = month_pushes(store, month)
    if len(held) and not replace:    # already sent, perhaps: a new draw would change who was held out
        rules_held = ", ".join(f"{r} {n:,}" for r, n in held.items())
        raise ToolkitError(f"The pushes table ({store.sources['pushes'].describe()}) already holds {held.sum():,} "
                           f"pushes of {month} (rules {rules_held}): they may have been sent, and writing the month "
                           "again draws the control group anew (and a second rules file would push the same users "
                           "twice). Nothing was written. To write the month again, add --replace (it replaces every "
                           f"push of {month}); to look without writing, add --dry-run.")
    path, kept = write_pushes(store, month, pushes)
    click.echo(f"Wrote {len(pushes):,} pushes for {month} to {path}"
               + (f" (replacing the {held.sum():,} the month had; they are kept in {kept})" if kept else "")
               + f":\n{table}")


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Month YYYY-MM (default: the last complete month).")
@click.option("--window", type=int, default=12, show_default=True, help="Months of orders (or activity) scored.")
@click.option("--bins", type=int, default=5, show_default=True, help="Quantile bins of each score (2-10).")
@click.option("--out", "out", default=None, type=OUT_FILE,
              help="A .csv, .xlsx or .json file for the per-user tiers (user ids); without it only the summary is printed.")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None,
              help="The language of the tiers on screen and of an .xlsx file's headers, states and tiers (CSV and "
                   "JSON keep the keys, for tools).")
@click.pass_context
def rfm(ctx, data_dir, month, window, bins, out, language):
    """RFM value tiers (用户价值分层) at the end of the month: a summary per tier, and per user with --out."""
    import pandas as pd
    from .analyses.value import TIER_ZH, tier_summary, user_tiers
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    df = user_tiers(lc, month, churn_after=cfg.churn_after, window=window, bins=bins)
    scored = df[df["tier"].notna()].copy()
    scored.attrs = dict(df.attrs)
    summary = tier_summary(scored)
    if (language or cfg.language) == "zh":
        summary.insert(1, "tier_zh", summary["tier"].map(TIER_ZH))
    elif language == "en":       # a person reads the screen: the tiers named as the pages name them
        from .analyses.value import TIER_EN
        summary["tier"] = summary["tier"].map(lambda k: TIER_EN.get(k, k))
    mode = "RFM" if df.attrs["mode"] == "rfm" else "RF (no orders in the data: recency and frequency of activity)"
    click.echo(f"{mode} tiers of {month}, window {window} months, {bins} bins:")
    what = "an order" if df.attrs["mode"] == "rfm" else "activity"
    click.echo(f"(share: of the {len(scored):,} users scored, those with {what} in the {window} months; "
               f"{len(df) - len(scored):,} of the {len(df):,} users entered by {month} have none and no tier)")
    shown = summary.copy()     # for reading: shares as percentages, money to cents, days and counts to one decimal
    fmt = {"share": "{:.1%}", "revenue_share": "{:.1%}", "revenue": "{:,.2f}", "recency_days": "{:.1f}",
           "frequency": "{:.1f}"}
    for col, f in fmt.items():
        shown[col] = shown[col].map(lambda v, f=f: "" if pd.isna(v) else f.format(v))
    click.echo(shown.to_string(index=False))
    if out:
        # without orders (RF) recency and frequency are of activity, and there is no money
        rf = {"recency_days": "最近活跃间隔(天)", "frequency": "活跃天数"} if df.attrs["mode"] != "rfm" else None
        rf_en = {"recency_days": "days since last active", "frequency": "active days"} if rf else None
        _write_frame(_for_people(df, out, language or cfg.language, headers=rf, headers_en=rf_en,
                                 drop=("monetary", "m_score") if rf else ()), out, sheet=f"tiers {month}")


@main.command("churn-risk")
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Month YYYY-MM whose active users are scored (default: the last complete month).")
@click.option("--train-months", type=int, default=6, show_default=True, help="Months of known outcome each model learns from.")
@click.option("--rules", default=None, type=click.Path(dir_okay=False), help="Scene rules (default: scene_rules.csv in the data folder).")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the reasons and of an .xlsx file's headers and states (CSV and "
                   "JSON keep the keys, for tools that read them).")
@click.option("--top", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Only the riskiest share of the month's active users, e.g. 0.1 for the riskiest tenth (the share "
                   "the model's precision is measured on); default: every active user.")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def churn_risk_cmd(ctx, data_dir, month, train_months, rules, language, top, out):
    """Per user active in the month: the probability of being inactive next month, the three features
    that raise it most and the scene rule that would reach the user, riskiest first; the model's out-of-time
    accuracy on stderr."""
    import math
    from .analyses.churn_risk import describe, user_risk
    from .months import next_month
    from .analyses.preferences import categories
    from .analyses.scenes import load_rules, rules_for
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    path = rules_for(cfg.data_dir, rules)
    df, r = user_risk(lc, month, churn_after=cfg.churn_after, rules=load_rules(path, categories(store.con)) if path else None,
                      lang=language or cfg.language, train_months=train_months)
    click.echo(describe(r, asked=train_months), err=True)
    if top is not None:
        df = df.head(max(1, math.ceil(top * len(df))))
        back = r.backtest(float(df["probability"].min()))
        expected = float(df["probability"].sum())
        again = r.read_as(expected, back)
        held = (f" Read the expected number as too {'high' if again < expected else 'low'}: at {r.eval_month}'s "
                f"rate, about {again:,.0f}." if again is not None else "")
        cut = math.floor(float(df["probability"].min()) * 1000) / 1000     # rounded down: every row is at or above it
        click.echo(f"note: the riskiest {top:.0%} of {month}'s active users: {len(df):,} of {len(r.scores):,}, at or "
                   f"above {cut:.1%}; expected inactive in {next_month(month)}: {expected:,.0f}. "
                   f"On {r.eval_month} the users at or above it were predicted at {back['predicted']:.0%} and "
                   f"{back['observed']:.0%} were inactive the month after.{held}", err=True)
    lang = language or cfg.language
    _write_frame(_for_people(df, out, lang), out, sheet=f"{month} risk {next_month(month)}",   # the months, in the file
                 number_formats={(_ZH_HEADERS if lang == "zh" else _EN_HEADERS)["probability"]: "0.0%"})


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Month YYYY-MM whose users give the reach (default: the last complete month).")
@click.option("--file", "ideas_path", default=None, type=click.Path(dir_okay=False),
              help="Ideas table (default: ideas.csv in the data folder).")
@click.option("--out", "out", default=None, type=OUT_FILE, help="A .csv, .xlsx or .json file (default: CSV on stdout).")
@click.pass_context
def ideas(ctx, data_dir, month, ideas_path, out):
    """ICE ranking (ICE 排序法): each idea's reach this month beside impact, confidence, ease and their product."""
    from .analyses.ideas import COLUMNS, ideas_file, month_ideas
    cfg, store = _open(ctx, data_dir)
    path = ideas_file(cfg.data_dir, ideas_path)
    if path is None:
        raise ToolkitError(f"No ideas for {cfg.data_dir}: put ideas.csv (columns {', '.join(COLUMNS)}) in that "
                           "folder or pass --file FILE.")
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    _write_frame(month_ideas(lc, month, path, churn_after=cfg.churn_after), out)


@main.command("export-users")
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Month YYYY-MM (default: the last complete month).")
@click.option("--out", "out", required=True, type=OUT_SHEET, help="File to write: .csv or .xlsx.")
@click.option("--lang", "language", type=click.Choice(["zh", "en", "keys"]), default=None,
              help="Headers and state names in Chinese, English, or the column keys (default: the configuration's).")
@click.option("--core-category", default="car_control", show_default=True,
              help="The category whose last event is reported (最近一次控车功能).")
@click.pass_context
def export_users(ctx, data_dir, month, out, language, core_category):
    """One row per user for the month (state, last activity, tags, purchases, campaigns): CSV or Excel."""
    from .analyses.user_detail import user_detail
    from .export import write_table
    cfg, store = _open(ctx, data_dir)
    month = _month_or_last(store, month)
    lc = _lifecycle(cfg, store, last_month=month)
    lang = language or cfg.language
    from .progress import Steps
    with Steps(5, "export-users") as steps:
        df = user_detail(lc, month, churn_after=cfg.churn_after, core_category=core_category,
                         lang=None if lang == "keys" else lang, progress=steps,
                         segment_columns=cfg.segment_columns, segment_names=cfg.segment_names)
        steps.step(f"writing {len(df):,} rows to {Path(out).name}")
        write_table(df, out, progress=steps, sheet="users")
    if df.attrs.get("note"):
        click.echo(f"note: {df.attrs['note']}.", err=True)
    click.echo(f"Wrote {len(df):,} users of {month} to {out}.")


def _log_failed_start(ctx, data_dir, out, month, exc) -> None:
    """A line in the reports folder's run.log for a report run that failed before any month
    started (data or configuration that cannot be opened); nothing when that folder is unknown."""
    from datetime import datetime
    from .report.runner import log_run
    cfg = None
    try:
        cfg = _cfg(ctx, data_dir=data_dir)
        out_dir, data_dir = Path(out) if out else cfg.reports_dir, data_dir or cfg.data_dir   # the folders it read
    except Exception:      # the configuration itself is what failed: the folder it names, or the default
        out_dir = Path(out) if out else _reports_dir_of_broken_config(ctx, data_dir)
        if out_dir is None:
            return
    if not Path(out_dir).is_dir():
        return
    text = " ".join(str(exc).split()) or type(exc).__name__
    log_run(Path(out_dir), {"started": datetime.now().isoformat(timespec="seconds"), "month": month,
                            "data_dir": str(data_dir or ""), **({"engine": _engine_said(cfg)} if cfg else {}),
                            "outcome": "failed", "error": text[:1000]},
            progress=lambda m: click.echo(m, err=True))


def _engine_said(cfg) -> str:
    """Where a run's scans ran, for its run.log line: duckdb, or spark with its master."""
    return f"spark ({cfg.spark_master})" if cfg.engine == "spark" else cfg.engine


def _reports_dir_of_broken_config(ctx, data_dir) -> Path | None:
    """The reports folder of a configuration that cannot be loaded (an unknown setting, a bad
    value): its ``reports_dir`` when the file still reads as YAML, else the default; None when
    the file is not even YAML (nothing tells where its reports go)."""
    from .config import Config, _file_values
    path = find_config(ctx.obj.get("config_path"), data_dir=data_dir)
    try:
        given = _file_values(path).get("reports_dir") if path is not None else None   # resolved as the file's paths are
    except ToolkitError:
        return None
    return Path(given) if given else Config().reports_dir


@main.command()
@click.argument("data_dir", required=False, type=click.Path())
@click.option("--month", default=None, help="Reporting month YYYY-MM (default: the last complete month).")
@click.option("--missing", is_flag=True, help="Render every complete month that has no report yet, or whose data "
              "changed since its report was rendered.")
@click.option("--expect-latest", is_flag=True,
              help="Exit with code 3 when the last month that has ended by the clock (in the configured time "
                   "zone, or by `now:`) has no report after the run: its data are late or short (for cron).")
@click.option("--out", "out", default=None, type=click.Path(file_okay=False), help="Reports folder (default: reports/).")
@click.option("--lang", "language", type=click.Choice(["zh", "en"]), default=None, help="Report language.")
@click.option("--wait", type=float, default=0.0, show_default=True,
              help="Seconds to wait for another run of the same month to finish.")
@click.option("--notebooks", "notebooks_dir", default=None, type=click.Path(file_okay=False),
              help="Folder of report notebooks NN_name.ipynb (default: the toolkit's own).")
@click.option("--jobs", type=int, default=None,
              help="Sections run at once, each in its own kernel (default: one per core, up to 2; "
                   "1 on a small machine: each section has its own memory_limit).")
@click.pass_context
def report(ctx, data_dir, month, missing, expect_latest, out, language, wait, notebooks_dir, jobs):
    """Render the monthly HTML reports of DATA_DIR into reports/YYYY-MM/."""
    from datetime import datetime
    from .aggregates.build import data_digest
    from .aggregates.cache import read_manifest
    from .report.runner import (changed_since_rendered, check_dataset, log_run, render_month, report_months,
                                required_notebooks, settings_changed)
    # a scheduled run's log line (on stderr, where the run's errors go: stdout stays empty on an error)
    click.echo(f"toolkit report, started {datetime.now():%Y-%m-%d %H:%M:%S}", err=True)
    required_notebooks(notebooks_dir)
    agg = None
    try:
        cfg, store = _open(ctx, data_dir, language=language)
        out_dir = Path(out) if out else cfg.reports_dir
        check_dataset(out_dir, cfg.data_dir)
        if store.has("campaigns"):   # a goal typo would fail the periods section after the others ran: said first
            from .analyses.campaign_effects import check_campaigns
            check_campaigns(store.con, store.sources["campaigns"].describe(),
                            store.sources["campaign_members"].describe())
        from .data.validate import tag_file_errors
        wrong = tag_file_errors(store)     # the rules' and ideas' tags, every file at once, before any section
        if wrong:
            raise ConfigError(" ".join(str(e) for e in wrong)
                              + ("" if len(wrong) == 1 else f" ({len(wrong)} files to correct.)"))
        if missing:   # the data are looked at on every such run: a month whose data changed is rendered again
            agg = _build(cfg, store, quiet=False)
        digest_of = (lambda m: data_digest(agg.root, m)) if agg is not None and agg.root is not None else None
        months = report_months(store.con, out_dir, month=month, missing=missing, digest_of=digest_of)
        if digest_of:
            key = read_manifest(agg.root).get("settings")
            for m in changed_since_rendered(out_dir, months, digest_of):
                click.echo(f"{m}: the settings its numbers depend on changed since its report was rendered (active or "
                           "signal events, time zone or feature_map): rendering it again." if
                           settings_changed(out_dir, m, key) else
                           f"{m}: its data changed since its report was rendered (late or corrected rows in it or "
                           "a month before): rendering it again.")
        if month is None and not missing:
            _note_default_month(store, months[0])
        config_file = find_config(ctx.obj.get("config_path"), data_dir=data_dir)
        under = f", over the data folder's {cfg.data_source}" if cfg.data_source else ""
        click.echo(f"Configuration: {config_file or 'package defaults (no toolkit.yaml found)'}{under}")
        if months:
            import json
            from .config import SETTINGS_ENV
            given = {k: v for k, v in ctx.obj.get("engine", {}).items() if v is not None}
            if given:      # --memory-limit / --threads / --engine reach the sections' kernels too
                os.environ[SETTINGS_ENV] = json.dumps(given)
            agg = agg or _build(cfg, store, quiet=False)   # once per run: the notebooks open the result
            if agg.root is not None:                        # as it is, without checking the sources again
                from .aggregates.build import BUILT_ENV, built_marker
                os.environ[BUILT_ENV] = built_marker(agg)
            settings_key = read_manifest(agg.root).get("settings") if agg.root is not None else None
            from .data.order_checks import check_run
            order_notes = check_run(store, months, cfg.max_unusable_share, stop=month is None)
    except Exception as exc:      # before any month started: the run log says so too (a cron reader looks there)
        _log_failed_start(ctx, data_dir, out, month, exc)
        raise
    short = _short_last_day(store)
    if short:
        click.echo(short, err=True)
    if not months:
        beyond = _reported_beyond_data(store, out_dir)
        click.echo(f"Every complete month already has a report in {out_dir}"
                   + ("" if beyond else ", from the data as they are now") + f". {_data_end(store)}")
        if beyond:      # "up to date" beside a data end before a reported month read as a contradiction
            click.echo(f"warning: {', '.join(beyond)} {'has a report' if len(beyond) == 1 else 'have reports'} "
                       "rendered when the data reached further than they do now (an events file replaced by a "
                       "partial copy?): kept as rendered.", err=True)
        log_run(Path(out_dir), {"started": datetime.now().isoformat(timespec="seconds"),
                                "data_dir": str(cfg.data_dir), "outcome": "up to date", "data_end": _data_end(store)},
                progress=lambda m: click.echo(m, err=True))
        _expect_latest(ctx, cfg, store, out_dir, expect_latest)
        return
    started = time.perf_counter()
    for i, m in enumerate(months, 1):
        if len(months) > 1:
            done = time.perf_counter() - started
            eta = f", about {done / (i - 1) * (len(months) - i + 1) / 60:.1f} min left" if i > 1 else ""
            click.echo(f"Month {i} of {len(months)}: {m}{eta}")
        checks = store.checks.as_dict() if store.checks else None
        notes = order_notes.get(m)
        if notes:
            for line in notes.warnings:
                click.echo(f"warning: {line}.", err=True)
            checks = notes.into(checks)
        render_month(cfg.data_dir, m, out_dir=out_dir, language=language, config=config_file, wait=wait,
                     notebooks_dir=notebooks_dir, progress=click.echo, data_checks=checks, store=store, jobs=jobs,
                     data_digest=data_digest(agg.root, m) if agg.root is not None else None,
                     settings_key=settings_key, engine=_engine_said(cfg))
    _expect_latest(ctx, cfg, store, out_dir, expect_latest)


def _short_last_day(store) -> str | None:
    """A note when the last complete month's last day has under half the active users of the
    seven days before it (their median): a file cut a few hours short still reaches the last
    day, so the month counts as complete and is rendered; when the whole file arrives, --missing
    renders it again."""
    from .months import event_span, last_complete_month, month_str
    last_event = event_span(store.con)[1]
    if last_event is None:
        return None
    month = month_str(last_complete_month(store.con))
    try:
        days = store.con.execute("SELECT day, active_users FROM agg_daily WHERE strftime(day, '%Y-%m') = $m "
                                 "ORDER BY day", {"m": month}).fetchall()
    except duckdb.Error:      # no daily aggregate attached (nothing built in this run)
        return None
    if len(days) < 8:
        return None
    last_day, last_users = days[-1]
    week = sorted(u for _, u in days[-8:-1])
    typical = week[len(week) // 2]
    if not typical or last_users >= typical / 2:
        return None
    return (f"note: {month}'s last day ({last_day}) has {last_users:,} active users, under half of the "
            f"{typical:,} of a day of the week before: if its events file is cut short, the report shows fewer "
            "users than there were; when the whole file arrives, `report --missing` renders the month again.")


def _reported_beyond_data(store, out_dir) -> list[str]:
    """The months with a report in ``out_dir`` after the data's last complete month."""
    from .months import last_complete_month, month_str
    if not Path(out_dir).is_dir():
        return []
    complete = month_str(last_complete_month(store.con))
    return sorted(p.name for p in Path(out_dir).iterdir() if re.fullmatch(r"\d{4}-\d{2}", p.name)
                  and (p / "index.html").exists() and p.name > complete)


def _data_end(store) -> str:
    """Where the data end, in words: the last complete month and the last event."""
    from .months import event_span, last_complete_month, month_str
    last_event = event_span(store.con)[1]
    if last_event is None:
        return ""
    return (f"The data's last complete month is {month_str(last_complete_month(store.con))} (events up to "
            f"{last_event:%Y-%m-%d %H:%M}).")


def _expect_latest(ctx, cfg, store, out_dir, expect: bool) -> None:
    """With --expect-latest: exit 3, with one line on stderr and in the run log, when the last
    month that has ended by the clock (the data horizon: the configured time zone's wall clock,
    or ``now``) has no report: its events are late or short, so the month is not complete in
    the data."""
    if not expect:
        return
    from datetime import date, datetime
    from .data.store import data_horizon
    from .months import add_months, last_complete_month, month_str
    from .report.runner import log_run
    now = data_horizon(cfg.now or None, cfg.timezone)
    due = month_str(add_months(date(now.year, now.month, 1), -1))
    if (Path(out_dir) / due / "index.html").exists():
        if month_str(last_complete_month(store.con)) >= due:
            return
        # its report was rendered from complete data, which are short now: a file replaced by a partial copy
        text = (f"the events of {due} no longer reach its end, though its report was rendered when they did. "
                f"{_data_end(store)} An events file of {due} replaced by a partial copy? The report is kept as it "
                "was; deliver the whole file.")
    else:
        text = (f"no report for {due}, the last month that has ended by {now:%Y-%m-%d %H:%M} ({cfg.timezone}). "
                f"{_data_end(store)} If an events file of {due} is late, missing or short, add it; the next run "
                "renders the month.")
    click.echo(f"error: {text}", err=True)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    log_run(Path(out_dir), {"started": datetime.now().isoformat(timespec="seconds"), "month": due,
                            "data_dir": str(cfg.data_dir), "outcome": "data not in", "error": text},
            progress=lambda m: click.echo(m, err=True))
    ctx.exit(3)


if __name__ == "__main__":  # pragma: no cover
    main()
