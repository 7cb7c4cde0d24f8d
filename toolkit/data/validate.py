"""`toolkit validate DIR`: a health summary of a data directory, errors and warnings.

Errors (the data cannot be analysed as it is) make the command exit non-zero;
warnings are facts an analyst should know before trusting the numbers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from .. import queries
from ..errors import ConfigError, EmptyTableError, NullValueError, ToolkitError
from ..months import inner_gaps, month_str
from .store import TABLES, Store


@dataclass
class Health:
    """What validation found: a summary, errors (ToolkitError instances) and warnings (text)."""
    summary: dict = field(default_factory=dict)
    per_month: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    unmapped: list = field(default_factory=list)
    not_features: list = field(default_factory=list)     # (event name, events) with an empty category in feature_map
    unused_categories: list = field(default_factory=list)   # feature_map categories none of whose events occur
    errors: list[ToolkitError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_first(self) -> None:
        """Raise the first error, if any (for code that wants an exception)."""
        if self.errors:
            raise self.errors[0]

    def render(self) -> str:
        s = self.summary
        lines = ["Data health", "===========", "Tables:"]
        for name, info in self.tables.items():
            lines.append(f"  {name:<17} {info}")
        if s:
            lines += [
                f"Events: {s['rows']:,} rows, {s['users']:,} users, "
                f"{s['first_event']} .. {s['last_event']}",
                f"Duplicate rows: {s['duplicate_rows']:,}; events before registration: "
                f"{s['before_registration']:,}; events in the future: {s['future_events']:,}",
            ]
        if self.per_month:
            lines.append("Events per month (users: with any event, offline signals included; not the MAU):")
            lines += [f"  {m}  {e:>12,} events  {u:>10,} users" for m, e, u in self.per_month]
        if self.unmapped:
            lines.append("Event names missing from feature_map (counted as 'other'):")
            lines += [f"  {n}: {c:,}" for n, c in self.unmapped[:20]]
        if self.not_features:      # a category left empty by mistake drops a feature from every tag
            lines.append("Not features (an empty category in feature_map): "
                         + ", ".join(f"{n} ({c:,} events)" for n, c in self.not_features[:20]))
        if self.unused_categories:
            lines.append("feature_map categories with no event in the data (shown at 0): "
                         + ", ".join(self.unused_categories))
        for w in self.warnings:
            lines.append(f"WARNING: {w}")
        for e in self.errors:
            lines.append(f"ERROR: {e}")
        lines.append("OK" if self.ok else f"{len(self.errors)} error(s)")
        return "\n".join(lines)


_AS_READ = {"events": "events_all", "users": "users_all"}

# The key of each small table: a value that occurs twice makes joins count a row twice.
KEYS = {"users": ["user_id"], "feature_map": ["event_name"], "campaigns": ["campaign_id"],
        "campaign_members": ["campaign_id", "user_id"], "pushes": ["push_id"]}


def _duplicate_keys(store: Store, h: Health) -> None:
    """One finding per small table whose key is not unique."""
    for name, key in KEYS.items():
        if not store.has(name):
            continue
        if name == "feature_map":      # one name, two categories: an error; the same row twice changes nothing
            from ..aggregates.build import feature_map_conflict
            conflict = queries.run(store.con, "feature_map_conflicts").fetchall()
            if conflict:
                h.errors.append(ConfigError(f"{store.sources[name].describe()}: {feature_map_conflict(conflict)}"))
            continue
        k = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
        store.con.execute(f"CREATE OR REPLACE TEMP VIEW keyed AS SELECT {k} AS k FROM {_AS_READ.get(name, name)}")
        keys, surplus, example = queries.run(store.con, "duplicate_keys").fetchone()
        if keys:
            h.warnings.append(
                f"{store.sources[name].describe()}: {keys:,} {'/'.join(key)} value(s) occur more than once "
                f"({surplus:,} surplus row(s), e.g. {example}); a {name} row must be unique by {'/'.join(key)}. "
                "Remove the repeated rows at the source: joins count such a row twice"
                + (" and events before registered_at are judged against the wrong row." if name == "users" else "."))


def tag_file_errors(store: Store) -> list[ConfigError]:
    """The errors of the data folder's scene rules and ideas files (scene_rules.csv, ideas.csv), each
    checked in full, their tags against the feature_map's categories included: a renamed category
    passed validate, then failed the report's preferences section, and its value-and-risk section
    only in run.log."""
    from ..analyses.ideas import check_idea_tags, ideas_file, load_ideas
    from ..analyses.preferences import categories
    from ..analyses.scenes import load_rules, rules_for
    out = []
    rules, ideas = rules_for(store.data_dir), ideas_file(store.data_dir)
    for path, check in ((rules, lambda p: load_rules(p, categories(store.con))),
                        (ideas, lambda p: check_idea_tags(load_ideas(p), store.con, p))):
        if path is None:
            continue
        try:
            check(path)
        except ConfigError as exc:
            out.append(exc)
    return out


def validate(store: Store, *, now: datetime | None = None, signal_events=()) -> Health:
    """Check a store's tables and summarise the events.

    Parameters
    ----------
    store : an opened store (schema errors were already raised by open_store).
    now : the moment after which events count as 'in the future'
        (default: the current time in the store's business time zone).
    signal_events : the configured offline-signal events: none of them in the events is said.
    """
    con, h = store.con, Health()
    if now is None:
        now = store.checks.horizon if store.checks else datetime.now(ZoneInfo(store.timezone)).replace(tzinfo=None)
    for name in TABLES:
        src = store.sources[name]
        if src.kind == "missing":
            h.tables[name] = "not present (optional)" if name != "events" else "MISSING"
            continue
        view = _AS_READ.get(name, name)   # every row, also those the analyses leave out
        n = con.execute(f"SELECT count(*) FROM {view}").fetchone()[0]
        h.tables[name] = f"{n:,} rows from {src.location}"
        if n == 0 and name != "events":
            h.warnings.append(f"{src.describe()} has no rows; it is treated as absent.")
        if "user_id" in TABLES[name] and name != "events" and n:
            nulls = con.execute(f"SELECT count(*) FROM {view} WHERE user_id IS NULL").fetchone()[0]
            if nulls:
                h.warnings.append(f"{src.describe()}: {nulls:,} row(s) have a user_id that is empty or not of the "
                                  "events' id type; they are ignored. Use the same ids as the events table.")
    ev = store.sources["events"].describe()
    if store.sources["events"].kind == "external":
        # engine: spark with events_table / events_path: DuckDB does not see those events
        h.tables["events"] = f"read by Spark from {store.sources['events'].location}: not checked here"
        h.warnings.append(f"The events ({store.sources['events'].location}) are read by Spark only, so their rows "
                          "are not checked here. To check them, export a month to Parquet and run `toolkit "
                          "--engine duckdb validate` on a folder that holds it.")
        _duplicate_keys(store, h)
        return h
    row = queries.run(con, "health_events", now=now).fetchone()
    cols = ["rows", "users", "first_event", "last_event", "null_user_id", "null_event_time",
            "null_event_name", "duplicate_rows", "future_events"]
    s = dict(zip(cols, row))
    if s["rows"] == 0:
        h.errors.append(EmptyTableError(f"{ev} has no rows."))
    files = store.checks.files if store.checks else []
    for col in ("user_id", "event_time", "event_name"):   # empty as read; values that do not parse come below
        if files:
            s[f"null_{col}"] = sum(getattr(f, f"null_{col}") for f in files)
    for col in ("user_id", "event_time", "event_name"):
        if s[f"null_{col}"]:
            where = [f"{f.file} ({getattr(f, 'null_' + col):,})" for f in files if getattr(f, "null_" + col)]
            in_files = f" Files: {', '.join(where[:5])}{' ...' if len(where) > 5 else ''}." if where else ""
            h.errors.append(NullValueError(
                f"{ev}: column {col!r} is empty in {s[f'null_{col}']:,} of {s['rows']:,} rows.{in_files} "
                f"Every event needs {'an' if col.startswith('event') else 'a'} {col}; drop or fill those rows before loading."))
    for f in files:
        for col in ("user_id", "event_time"):
            n = getattr(f, f"bad_{col}")
            if n:
                h.errors.append(NullValueError(
                    f"{f.file}: column {col!r} has {n:,} value(s) that cannot be read (e.g. "
                    f"{getattr(f, f'bad_{col}_example')!r}); the analyses leave those rows out. "
                    + ("Write times as 'YYYY-MM-DD HH:MM:SS' or with a zone offset such as '+08:00'."
                       if col == "event_time" else "Use whole numbers for every id, or text ids throughout.")))
    _duplicate_keys(store, h)
    if store.has("orders"):        # a month's orders delivered twice: revenue counts each copy
        from .order_checks import duplicate_orders
        surplus, amount, example = duplicate_orders(con)
        if surplus:
            h.warnings.append(f"{store.sources['orders'].describe()}: {surplus:,} order(s) repeat another order "
                              f"exactly (same user, time and amount, e.g. user {example}), {amount:,.2f} of "
                              "revenue: a file delivered twice? Revenue counts each copy; remove the copies at the "
                              "source.")
        n, amount, users = queries.run(con, "refund_orders").fetchone()
        if n:
            h.warnings.append(f"{store.sources['orders'].describe()}: {n:,} order(s) of {users:,} user(s) have a negative "
                              f"amount ({amount:,.2f} in all): read as refunds or cancellations, they lower revenue "
                              "and are not purchases (buyers, order counts, RFM frequency). If they are not refunds, "
                              "correct the amounts at the source.")
    if store.has("campaigns"):
        from ..analyses.campaign_effects import check_campaigns
        try:
            h.warnings += check_campaigns(con, store.sources["campaigns"].describe(),
                                          store.sources["campaign_members"].describe())
        except ConfigError as exc:
            h.errors.append(exc)
    h.errors += tag_file_errors(store)
    if store.has("pushes"):       # a second rules file run for a month pushed R1's users again under R9
        for month, n, rules in queries.run(con, "pushes_of_two_rules").fetchall():
            h.warnings.append(f"{n:,} user(s) have pushes of more than one rule in {month} ({', '.join(rules)}) in "
                              f"{store.sources['pushes'].describe()}: a user gets one rule a month (the first by "
                              "priority), and their results mix the rules; write the month again with `toolkit scenes "
                              f"--month {month} --replace` and all the month's rules in one file.")
    before = queries.run(con, "events_before_registration").fetchone()
    s["before_registration"] = before[0]
    h.summary = s
    h.per_month = [tuple(r) for r in queries.run(con, "events_per_month").fetchall()]
    if store.has("feature_map"):
        h.unmapped = [tuple(r) for r in queries.run(con, "unmapped_event_names").fetchall()]
        if h.unmapped:
            h.warnings.append(f"{len(h.unmapped)} event name(s) are not in feature_map and count as category "
                              f"'other' (e.g. {h.unmapped[0][0]!r}); add them to feature_map.")
        use = queries.run(con, "feature_map_use").fetchall()
        h.not_features = [(n, int(c)) for n, cat, c in use if cat == ""]
        seen = {}
        for _, cat, c in use:
            if cat:
                seen[cat] = seen.get(cat, 0) + int(c)
        h.unused_categories = [cat for cat, c in seen.items() if c == 0]
    if signal_events:
        seen = con.execute("SELECT count(*) FROM (SELECT 1 FROM events WHERE list_contains($names, event_name) "
                           "LIMIT 1)", {"names": list(signal_events)}).fetchone()[0]
        if not seen:
            h.warnings.append(f"None of the signal_events of the configuration ({', '.join(signal_events)}) occurs in "
                              f"{ev}, so every event counts as activity and no user is counted by an offline signal: "
                              "if the data name the signal otherwise (e.g. 行程结束 for trip), set signal_events to "
                              "that name, or to [] when there is none.")
    if s["duplicate_rows"]:
        h.warnings.append(f"{ev}: {s['duplicate_rows']:,} duplicate row(s) (equal in every column). "
                          "They do not change who is active, but inflate event counts (times cut to the minute, as "
                          "Excel saves them, can make two real events equal).")
    if before[0]:
        h.warnings.append(f"{before[0]:,} event(s) of {before[1]:,} user(s) happen before registered_at; a qualifying "
                          "event in a month before the registration's moves the user's entry to that month, an "
                          "offline-signal event does not (documented in docs/methodology.md).")
    gaps = [month_str(date(m // 12, m % 12 + 1, 1))
            for m in inner_gaps(int(m[:4]) * 12 + int(m[5:7]) - 1 for m, *_ in h.per_month)]
    if gaps:
        h.warnings.append(f"No events in {', '.join(gaps[:6])}{', ...' if len(gaps) > 6 else ''}, between months "
                          "with events: if an events file (or a month of the export) is missing, add it; the "
                          "lifecycle counts every user as inactive in a month without events.")
    if store.sources["users"].kind != "missing" and h.per_month:
        first_reg = con.execute("SELECT min(registered_at) FROM users").fetchone()[0]
        first_ev = min(str(m)[:7] for m, *_ in h.per_month)
        if first_reg is not None and f"{first_reg:%Y-%m}" < first_ev:
            h.warnings.append(f"The registrations in {store.sources['users'].describe()} start in {first_reg:%Y-%m}, "
                              f"the events only in {first_ev}: the lifecycle begins in {first_ev}, and for one churn window "
                              "users registered earlier count as woken or returned when active (churned when not), "
                              "so read the flows from after it. If the events export starts "
                              f"later than the users table, export the events from {first_reg:%Y-%m} too.")
    if store.sources["users"].kind != "missing":
        orphans, example = queries.run(con, "users_without_row").fetchone()
        s["users_without_row"] = orphans
        if orphans:
            h.warnings.append(f"{orphans:,} user(s) with events have no row in {store.sources['users'].describe()} "
                              f"(e.g. user_id {example}): they enter in the month of their first qualifying event, and "
                              "their segment columns (channel, city) are unknown. Add their rows if the export missed "
                              "them.")
    if s["future_events"]:
        h.warnings.append(f"{ev}: {s['future_events']:,} event(s) are later than now ({now:%Y-%m-%d %H:%M}, "
                          f"{store.timezone}); check the time zone or the clock of the source system.")
    return h
