"""The one configuration file of a deployment, with documented defaults.

Lookup order, the same for the CLI, the report runner and the notebooks
(see :func:`find_config`):

1. an explicit path (``--config FILE`` / the ``config`` notebook parameter);
2. the ``TOOLKIT_CONFIG`` environment variable;
3. a ``toolkit.yaml`` in the data folder named on the command line or as the
   ``data_dir`` notebook parameter (a data set's own settings: its event
   names, time zone and calendar, whichever folder the command runs from);
4. the nearest ``toolkit.yaml`` in the working folder or one of its parents
   (so a notebook whose kernel starts in ``notebooks/`` finds the project's
   file, and an analyst's folder with its own ``toolkit.yaml`` uses that one);
5. the package defaults (``toolkit/defaults.yaml``, where every key is documented).

Keyword overrides (CLI flags, notebook parameters) win over the file.
Relative paths in a file are relative to that file's folder; a file in a folder
that holds an events table and names no ``data_dir`` reads that folder.

When the file found is not the data folder's own (an analyst's folder whose
``toolkit.yaml`` names ``data_dir: path/to/retail``, or ``--config FILE``), the
data folder's own ``toolkit.yaml`` is read beneath it: the data set keeps its
settings (time zone, calendar, currency, language ...), and every key the chosen file sets wins
(defaults < the data folder's file < the chosen file < flags and parameters).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from .errors import ConfigError

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")


@dataclass(frozen=True)
class Config:
    data_dir: Path = Path("data/sample")
    timezone: str = "Asia/Shanghai"
    active_events: tuple[str, ...] = ()
    signal_events: tuple[str, ...] = ("trip",)
    churn_after: int = 2
    language: str = "zh"
    target_active_rate: float = 0.85
    holiday_country: str = "CN"
    reports_dir: Path = Path("reports")
    cache_dir: Path | None = None
    memory_limit: str = ""
    threads: int = 0
    now: str = ""
    max_unusable_share: float = 0.01
    csv_options: dict = field(default_factory=dict)
    holiday_schedule: Path | None = None
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    spark_conf: dict = field(default_factory=dict)
    events_table: str = ""
    events_path: str = ""
    segment_columns: tuple[str, ...] = ("channel", "city")
    segment_min_users: int = 100
    segment_names: dict = field(default_factory=dict)
    referral_events: tuple[str, ...] = ()
    currency: str = ""
    source: str = field(default="defaults", compare=False)
    data_source: str = field(default="", compare=False)     # the data folder's own file, read beneath source
    target_set: bool = field(default=False, compare=False)   # target_active_rate given (file, flag or parameter)

    def with_overrides(self, _file: str = "", **overrides) -> "Config":
        """A copy with every override that is not None applied and checked; ``_file``: the file
        they come from, named in the message about a setting that does not exist."""
        import difflib
        clean = {k: v for k, v in overrides.items() if v is not None}
        known = sorted(f.name for f in fields(self) if f.name not in ("source", "target_set", "data_source"))
        unknown = set(clean) - {f.name for f in fields(self)}
        if unknown:      # a typo (holiday_contry) said with the setting it was meant to be
            meant = {k: difflib.get_close_matches(k, known, n=1) for k in sorted(unknown)}
            hints = "; ".join(f"{k!r}: did you mean {m[0]!r}?" for k, m in meant.items() if m)
            raise ConfigError(f"{_file + ': ' if _file else ''}Unknown setting(s) {sorted(unknown)}"
                              f"{' (' + hints + ')' if hints else ''}; known: {known}.")
        return _checked(replace(self, **_coerce(clean)))


def _mapping(out: dict, key: str, what: str) -> bool:
    """Check that setting ``key`` (when given) is a mapping of ``what``; empty means {}."""
    if key not in out:
        return False
    if out[key] is None:
        out[key] = {}
    if not isinstance(out[key], dict):
        raise ConfigError(f"{key} must map {what}; got {out[key]!r}.")
    return True


def _coerce(values: dict) -> dict:
    out = dict(values)
    for key in ("active_events", "signal_events", "segment_columns", "referral_events"):
        if key in out:
            v = out[key]
            if isinstance(v, str):
                v = [s.strip() for s in v.split(",") if s.strip()]
            out[key] = tuple(v or ())
    for key in ("data_dir", "reports_dir", "holiday_schedule"):
        if key in out and out[key] not in (None, ""):
            out[key] = Path(out[key])
    if "cache_dir" in out:
        out["cache_dir"] = Path(out["cache_dir"]) if out["cache_dir"] else None
    if "memory_limit" in out:
        out["memory_limit"] = str(out["memory_limit"] or "").strip()
    if "threads" in out:
        try:
            out["threads"] = int(out["threads"] or 0)
        except (TypeError, ValueError):
            raise ConfigError(f"threads must be a whole number (0 = DuckDB's default), got {out['threads']!r}.") from None
    if "now" in out:
        out["now"] = "" if out["now"] is None else str(out["now"]).strip()
    _mapping(out, "csv_options", "table names to reader settings, e.g. {events: {encoding: gb18030}}")
    for key in ("engine", "spark_master", "events_table", "events_path"):
        if key in out:
            out[key] = "" if out[key] is None else str(out[key]).strip()
    if "engine" in out:
        out["engine"] = out["engine"].lower() or "duckdb"
    if _mapping(out, "segment_names", "users columns to their names in charts, per language, "
                                      "e.g. {channel: {zh: 渠道, en: Channel}}"):
        names = {}
        for col, v in out["segment_names"].items():
            if isinstance(v, str):
                v = {"zh": v, "en": v}
            if not isinstance(v, dict) or not all(isinstance(x, str) and x.strip() for x in v.values()):
                raise ConfigError(f"segment_names: the name of {col!r} must be a text or a mapping of languages "
                                  f"to texts, e.g. {{zh: 渠道, en: Channel}}; got {v!r}.")
            names[str(col)] = {str(lang): x.strip() for lang, x in v.items()}
        out["segment_names"] = names
    if _mapping(out, "spark_conf", "Spark settings to values, e.g. {spark.executor.memory: 4g}"):
        out["spark_conf"] = {str(k): str(v) for k, v in out["spark_conf"].items()}
    if "max_unusable_share" in out:
        try:
            out["max_unusable_share"] = float(out["max_unusable_share"])
        except (TypeError, ValueError):
            raise ConfigError(f"max_unusable_share must be a share like 0.01, got {out['max_unusable_share']!r}.") from None
    if "segment_min_users" in out:
        try:
            out["segment_min_users"] = int(out["segment_min_users"] or 0)
        except (TypeError, ValueError):
            raise ConfigError(f"segment_min_users must be a whole number of users, got {out['segment_min_users']!r}.") from None
    if "churn_after" in out:
        try:
            out["churn_after"] = int(out["churn_after"])
        except (TypeError, ValueError):
            raise ConfigError(f"churn_after must be a whole number of months, got {out['churn_after']!r}.") from None
    if "target_active_rate" in out:
        try:
            out["target_active_rate"] = float(out["target_active_rate"])
        except (TypeError, ValueError):
            raise ConfigError(f"target_active_rate must be a number like 0.85, got {out['target_active_rate']!r}.") from None
    return out


# the master URLs Spark accepts (its own check prints a Java stack trace and stops the launcher)
SPARK_MASTER = re.compile(r"local(\[(\d+|\*)(,\s*\d+)?\])?|local-cluster\[.+\]|yarn|(spark|k8s|mesos)://\S+")


def _checked(cfg: Config) -> Config:
    try:
        ZoneInfo(cfg.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"timezone {cfg.timezone!r} ({cfg.source}) is not an IANA time zone; "
                          "use a name such as Asia/Shanghai or Europe/London.") from None
    if not 1 <= cfg.churn_after <= 12:
        raise ConfigError(f"churn_after (the churn window k, {cfg.source}) must be 1 to 12 months, got {cfg.churn_after}.")
    if cfg.language not in ("zh", "en"):
        raise ConfigError(f"language ({cfg.source}) must be 'zh' or 'en', got {cfg.language!r}.")
    if not 0 < cfg.target_active_rate <= 1:
        raise ConfigError(f"target_active_rate ({cfg.source}) must be a share in (0, 1], e.g. 0.85 for 85%; got {cfg.target_active_rate}.")
    if cfg.threads < 0:
        raise ConfigError(f"threads ({cfg.source}) must be 0 (DuckDB's default: every core) or more, got {cfg.threads}.")
    if cfg.memory_limit and not re.fullmatch(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)", cfg.memory_limit, re.I):
        raise ConfigError(f"memory_limit ({cfg.source}) must be a size such as 2GB or 512MB, got {cfg.memory_limit!r}.")
    if not 0 <= cfg.max_unusable_share <= 1:
        raise ConfigError(f"max_unusable_share ({cfg.source}) must be a share in [0, 1], e.g. 0.01 for 1%; "
                          f"got {cfg.max_unusable_share}.")
    if cfg.now:
        from datetime import datetime
        try:
            datetime.fromisoformat(cfg.now)
        except ValueError:
            raise ConfigError(f"now ({cfg.source}) must be a date or time such as 2026-11-02 or "
                              f"'2026-11-02 06:00', got {cfg.now!r}.") from None
    if cfg.holiday_country:      # checked with the settings: a typo (GB-EGN) passed the daily run and validate
        import holidays
        code, _, subdiv = str(cfg.holiday_country).partition("-")
        try:
            holidays.country_holidays(code, subdiv=subdiv or None, years=[])
        except NotImplementedError:
            raise ConfigError(f"holiday_country ({cfg.source}) {cfg.holiday_country!r} is not known to the holidays "
                              "library; use an ISO code such as CN, HK, TW, SG or GB, or a region such as GB-ENG or "
                              "US-CA.") from None
    if cfg.engine not in ("duckdb", "spark"):
        raise ConfigError(f"engine ({cfg.source}) must be duckdb (the default, on this machine) or spark "
                          f"(the event scans on a Spark session), got {cfg.engine!r}.")
    if (cfg.events_table or cfg.events_path) and cfg.engine != "spark":
        raise ConfigError(f"events_table / events_path are read by Spark only, and engine is {cfg.engine} "
                          f"({cfg.source}): set engine: spark (and give no --engine {cfg.engine}), or remove them and "
                          "put the events in data_dir.")
    if cfg.engine == "spark" and not SPARK_MASTER.fullmatch(str(cfg.spark_master or "local[2]")):
        raise ConfigError(f"spark_master ({cfg.source}) {cfg.spark_master!r} is not a Spark master: use local[N] (this "
                          "machine, N cores), yarn, spark://host:7077 or k8s://https://host:port.")
    if cfg.events_table and cfg.events_path:
        raise ConfigError(f"Give either events_table or events_path ({cfg.source}), not both.")
    overlap = set(cfg.active_events) & set(cfg.signal_events)
    if overlap:
        raise ConfigError(f"Events {sorted(overlap)} are listed both as active_events and signal_events ({cfg.source}); "
                          "an offline signal is not app activity: keep each event in one list.")
    return cfg


class _UniqueKeyLoader(yaml.SafeLoader):
    """YAML's safe loader, refusing a key given twice in one mapping (YAML keeps the last in
    silence: a second `churn_after: 3` further down changed a month's report without a word)."""

    def construct_mapping(self, node, deep=False):
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:       # an unhashable key: YAML's own error follows
                continue
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the setting {key!r} is given twice (lines {first} and "
                    f"{key_node.start_mark.line + 1}); keep one", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader) or {}
    except yaml.constructor.ConstructorError as exc:
        if "given twice" not in str(exc.problem):
            raise ConfigError(f"{path} is not valid YAML: {exc}") from None
        raise ConfigError(f"{path}: {exc.problem}.") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    except ValueError as exc:     # a date YAML reads as one but the calendar has not (now: 2011-13-10)
        raise ConfigError(f"{path}: a value that looks like a date is not one ({exc}); write dates as YYYY-MM-DD, "
                          "e.g. now: 2026-11-02 or now: '2026-11-02 06:00'.") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of setting: value (see toolkit/defaults.yaml).")
    return data


def _holds_events(folder: Path) -> bool:
    """Whether ``folder`` holds an events table the store can open (a file the store finds, or
    a .duckdb file)."""
    from .data.store import file_source
    return file_source(folder, "events") is not None or any(folder.glob("*.duckdb"))


CONFIG_NAME = "toolkit.yaml"
CONFIG_ENV = "TOOLKIT_CONFIG"
# the engine settings given on a command line (--memory-limit, --threads, --engine), as JSON: set
# by `toolkit report` for its notebook kernels, which read the configuration themselves
SETTINGS_ENV = "TOOLKIT_SETTINGS"
PASSED_SETTINGS = ("memory_limit", "threads", "engine")


def passed_settings() -> dict:
    """The settings a report run hands to its kernels (``SETTINGS_ENV``); {} when none."""
    import json
    try:
        got = json.loads(os.environ.get(SETTINGS_ENV) or "{}")
    except ValueError:
        return {}
    return {k: v for k, v in got.items() if k in PASSED_SETTINGS and v is not None} if isinstance(got, dict) else {}


def find_config(path: str | os.PathLike | None = None, start: str | os.PathLike | None = None,
                data_dir: str | os.PathLike | None = None) -> Path | None:
    """The configuration file to read, by the lookup order above; None = package defaults only.

    ``data_dir``: the data folder given on the command line or as a notebook parameter (its
    own ``toolkit.yaml`` comes before the working folder's).  ``start`` is the folder the
    upward search begins in (default: the working folder).  The returned path is absolute.
    """
    if path:
        p = Path(path).expanduser()
        if not p.is_file():
            raise ConfigError(f"Configuration file {p} does not exist; pass an existing file or omit it to use "
                              f"the nearest {CONFIG_NAME} (or the defaults).")
        return p.resolve()
    env = os.environ.get(CONFIG_ENV)
    if env:
        p = Path(env).expanduser()
        if not p.is_file():
            raise ConfigError(f"${CONFIG_ENV} names {p}, which does not exist; point it at a {CONFIG_NAME} "
                              "or unset it.")
        return p.resolve()
    if data_dir:
        own = Path(data_dir).expanduser() / CONFIG_NAME
        if own.is_file():
            return own.resolve()
    here = Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def _file_values(p: Path) -> dict:
    """The settings of the file ``p``, its relative paths resolved against its folder."""
    values = _read_yaml(p)
    if values.get("data_dir") is None and _holds_events(p.parent):
        values["data_dir"] = "."        # a data folder's own file names no data_dir: the folder itself
    for key in ("data_dir", "reports_dir", "cache_dir", "holiday_schedule"):
        if key in values and values[key] is not None and not Path(values[key]).is_absolute():
            values[key] = os.path.normpath(p.resolve().parent / values[key])    # shown without "..": the folder it names
    return values


def load_config(path: str | os.PathLike | None = None, **overrides) -> Config:
    """Read the configuration and apply keyword overrides.

    Parameters
    ----------
    path : file to read; None looks it up with :func:`find_config`.
    **overrides : any Config field; None values are ignored.  The engine settings a report run
        passed to its notebooks (``SETTINGS_ENV``) come before them, after the file.

    Returns
    -------
    Config, with paths resolved against the file's folder.
    """
    base = _read_yaml(DEFAULTS_FILE)
    cfg = Config(source=str(DEFAULTS_FILE)).with_overrides(**base)
    p = find_config(path, data_dir=overrides.get("data_dir"))
    if p is not None:
        values = _file_values(p)
        data = overrides.get("data_dir") or values.get("data_dir")
        own = Path(data).expanduser() / CONFIG_NAME if data is not None else None
        if (own is not None and own.is_file() and own.resolve() != p.resolve()
                and p.resolve() != DEFAULTS_FILE.resolve()):
            beneath = _file_values(own.resolve())
            beneath.pop("data_dir", None)       # the folder is the one named above
            cfg = replace(cfg, data_source=str(own.resolve()),
                          target_set="target_active_rate" in beneath).with_overrides(str(own.resolve()), **beneath)
        cfg = replace(cfg, source=str(p), target_set=cfg.target_set or "target_active_rate" in values
                      ).with_overrides(str(p), **values)
    overrides = {**passed_settings(), **{k: v for k, v in overrides.items() if v is not None}}
    if any(v is not None for v in overrides.values()):
        file_source = cfg.source
        cfg = replace(cfg, source="flag or parameter").with_overrides(**overrides)
        cfg = replace(cfg, source=file_source,
                      target_set=cfg.target_set or overrides.get("target_active_rate") is not None)
    return cfg
