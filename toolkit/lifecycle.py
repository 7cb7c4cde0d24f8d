"""Lifecycle states per month (domain.md sections 2-4): the seven states, the
churned split by the offline signal, MAU, the monthly active rate and the four
flow rates.

The events are scanned once into a small table of bits, two per month
(qualifying event, offline signal): grouped by user alone, with the entry
month joined in, when every history fits a 63-month window
(``sql/user_window_bits.sql``), else by user and 32-month "word"
(``sql/user_month_bits.sql``).  Everything after works on that table: a row
per user and word up to the last month (``sql/lifecycle_words_from_window.sql``
or ``sql/lifecycle_words.sql``; for the monthly table, identical rows grouped),
then the states of every word's months worked out on bit masks and read month
by month (``sql/lifecycle_user_months.sql``), counted per month
(``sql/lifecycle_monthly.sql``) or taken for one month (``sql/user_states.sql``).
"""
from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from . import queries
from .errors import ConfigError
from .months import parse_month

STATES = ["new", "new_retained", "active", "woken", "returned", "dormant", "churned"]
ACTIVE_STATES = ["new", "new_retained", "active", "woken", "returned"]
RATES = ["retention_old", "retention_new", "wake_rate", "return_rate"]
COLUMNS = ["month", *STATES, "churned_signal", "churned_silent", "mau", "cumulative", "active_rate",
           *RATES, "return_rate_signal", "return_rate_silent"]
STATE_ZH = {"new": "新用户", "new_retained": "上月新用户(留存)", "active": "活跃用户", "woken": "唤醒用户",
            "returned": "回流用户", "dormant": "休眠用户", "churned": "流失用户",
            "churned_signal": "有开车无APP活跃", "churned_silent": "无开车无APP活跃"}
RATE_ZH = {"retention_old": "老用户次月留存率", "retention_new": "新用户次月留存率", "wake_rate": "唤醒率",
           "return_rate": "回流率", "active_rate": "月活率"}


WORD = 32                          # months per word of bits (two bits per month in a UBIGINT)
ACT_BITS = int("01" * WORD, 2)     # the qualifying bit (2p) of every month p of a word
WINDOW_BEFORE = 12                 # the fast scan's 63-month window starts this many months
                                   # before the month of the first event row read


def smear_params(k: int) -> dict[str, int]:
    """The parameters of lifecycle_user_months.sql for churn window k: for K = k and K = k - 1,
    the largest power of two m <= K (0 for K = 0) and the shift 2 (K - m) that, ORed with the
    m-month smear, covers the K months before each month."""
    def part(K):
        m = 1 << (K.bit_length() - 1) if K else 0
        return m, 2 * (K - m)
    (m_k, sh_k), (m_k1, sh_k1) = part(k), part(k - 1)
    return {"m_k": m_k, "sh_k": sh_k, "m_k1": m_k1, "sh_k1": sh_k1}


def _lowest_bit(x: int) -> int:
    x = int(x)
    return (x & -x).bit_length() - 1


def month_index(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_label(mi: int) -> str:
    return f"{mi // 12:04d}-{mi % 12 + 1:02d}"


def _check_k(k) -> int:
    if not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= 12:
        raise ConfigError(f"churn_after (the churn window k) must be a whole number of months from 1 to 12, got {k!r}.")
    return int(k)


class Lifecycle:
    """The lifecycle data of one event store, ready for any churn window.

    Parameters
    ----------
    con : connection with the store's views (``Store.con``).
    active_events : event names that make a user active; empty = every event
        not in ``signal_events``.
    signal_events : offline-signal event names (not app activity).
    last_month : 'YYYY-MM' of the last month to include (default: the last month with a
        qualifying event, a signal event or a registration).

    Creates the temporary table ``user_window_bits`` (or ``user_month_bits``, see
    ``scan``) in ``con``, and ``lifecycle_words`` when per-user states are first asked
    for (one Lifecycle per connection at a time).
    """

    def __init__(self, con, *, active_events=(), signal_events=("trip",), last_month: str | None = None):
        self.con = con
        self.active_events = list(active_events or [])
        self.signal_events = list(signal_events or [])
        # Words of 32 months start at the month of the first event row read, so a history of
        # up to 32 months usually fits one word per user (a choice of speed, not of result).
        hint = queries.run(con, "first_event_month").fetchone()
        self.phase = (hint[0] % WORD if hint else 0) - WORD
        first_mi, last_event, last_reg = self._scan_events(None if hint is None else hint[0] - WINDOW_BEFORE)
        if first_mi is None:
            raise ConfigError("No user has a qualifying event or a registration: check active_events "
                              f"({self.active_events or 'all but ' + str(self.signal_events)}) against the event names.")
        self.first_mi = first_mi
        last_data = max(m for m in (last_event, last_reg) if m is not None)
        self.last_mi = month_index(parse_month(last_month, what="last month")) if last_month else last_data
        self._fixed_last = bool(last_month)
        self._words_until = None

    def _scan_events(self, window_start: int | None):
        """Scan the events once: grouped by user alone into ``user_window_bits`` when every
        user's events fit the 63 months from ``window_start``, else (or without a window)
        by user and word into ``user_month_bits``, the general scan.  ``self.scan`` says
        which ran ("window" or "words").  Returns the horizon: the first entry month, the
        months of the last event and the last registration (each None without)."""
        kinds = dict(active_events=self.active_events, signal_events=self.signal_events)
        if window_start is not None:
            queries.create_temp(self.con, "user_window_bits", "user_window_bits", "lifecycle_event_kinds",
                                window_start=window_start, act_bits=ACT_BITS, **kinds)
            outside, bits, first_mi, last_reg = queries.run(self.con, "lifecycle_window_horizon").fetchone()
            if not outside:
                self.scan = "window"
                first_w = (window_start - self.phase) // WORD
                self._words = ("lifecycle_words_from_window",
                               dict(first_w=first_w, offset=WORD * first_w + self.phase - window_start))
                bits = int(bits or 0)
                return first_mi, window_start + (bits.bit_length() - 1) // 2 if bits else None, last_reg
            self.con.execute("DROP TABLE temp.user_window_bits")
        self.scan = "words"
        self._words = ("lifecycle_words", {})
        queries.create_temp(self.con, "user_month_bits", "user_month_bits", "lifecycle_event_kinds",
                            phase=self.phase, **kinds)
        first_w, first_bits, last_w, last_bits, first_reg, last_reg = \
            queries.run(self.con, "lifecycle_horizon", act_bits=ACT_BITS).fetchone()
        first_act = None if first_w is None else self._month(first_w, _lowest_bit(first_bits))
        return (min((m for m in (first_act, first_reg) if m is not None), default=None),
                None if last_w is None else self._month(last_w, int(last_bits).bit_length() - 1), last_reg)

    def _words_params(self, until: int) -> dict:
        return dict(self._words[1], phase=self.phase, last_mi=until, act_bits=ACT_BITS)

    def words_table(self, until: int | None = None) -> str:
        """Materialise ``lifecycle_words`` (for per-user queries) up to month index ``until``
        (default and at least: the last month) once; returns its name.  The monthly table
        does not need it: it reads the same query inline."""
        until = max(self.last_mi, until or self.last_mi)
        if self._words_until is None or self._words_until < until:
            queries.create_temp(self.con, "lifecycle_words", self._words[0], grouped=False, **self._words_params(until))
            self._words_until = until
        return "lifecycle_words"

    def _month(self, w: int, bit: int) -> int:
        """The month of bit ``bit`` (either of its two) of word ``w``."""
        return WORD * int(w) + self.phase + bit // 2

    def counts(self, churn_after: int = 2) -> pd.DataFrame:
        """Raw monthly counts (one row per month, ``mi`` the month index): states, signal
        splits, cumulative users."""
        k = _check_k(churn_after)
        text = queries.with_cte("lifecycle_monthly", ("lifecycle_words", self._words[0]), "lifecycle_user_months")
        rows = queries.execute(self.con, text, from_mi=self.first_mi, to_mi=self.last_mi, grouped=True,
                               **self._words_params(self.last_mi), **smear_params(k)).fetchnumpy()
        # one column per code of lifecycle_user_months.sql, after the entries (code -1)
        n = np.zeros((self.last_mi - self.first_mi + 1, 10), dtype="int64")
        np.add.at(n, (np.asarray(rows["mi"], dtype="int64") - self.first_mi, np.asarray(rows["code"]) + 1),
                  np.asarray(rows["n"], dtype="int64"))
        return pd.DataFrame({
            "mi": np.arange(self.first_mi, self.last_mi + 1), "new": n[:, 1], "new_retained": n[:, 2],
            "active": n[:, 3], "woken": n[:, 4], "returned": n[:, 5] + n[:, 6], "dormant": n[:, 7],
            "churned": n[:, 8] + n[:, 9], "churned_signal": n[:, 8], "returned_signal": n[:, 5],
            "cumulative": np.cumsum(n[:, 0])})

    def monthly(self, churn_after: int = 2) -> pd.DataFrame:
        """The monthly table: one row per month, the columns of ``COLUMNS`` then
        ``returned_signal``, ``returned_silent``, ``old_active``.

        Rates are NaN when their pool (last month's users of that state) is empty.
        """
        return monthly_from_counts(self.counts(churn_after))


    def user_states(self, month: str, churn_after: int = 2) -> pd.DataFrame:
        """One row per user entered by ``month``: user_id, state, last_active_month,
        months_inactive, signal_recent (offline signal in the last k months).
        A month after the data gets the states it would have if nothing more happened."""
        k = _check_k(churn_after)
        mi = month_index(parse_month(month))
        if mi < self.first_mi or (self._fixed_last and mi > self.last_mi):
            raise ConfigError(f"Month {month} is outside the data ({month_label(self.first_mi)} to "
                              f"{month_label(self.last_mi)}): pick a month in that range.")
        pos = (mi - self.phase) % WORD
        self.words_table(mi)  # a month after the data: states as if nothing more happened
        text = queries.with_cte("user_states", "lifecycle_user_months")
        df = queries.execute(self.con, text, mi=mi, from_mi=mi, to_mi=mi, phase=self.phase, act_bits=ACT_BITS,
                             upto_bits=ACT_BITS & ((1 << (2 * pos + 2)) - 1), **smear_params(k)).df()
        df["last_active_month"] = [month_label(int(m)) for m in df.pop("last_active_mi")]
        return df.sort_values("user_id", ignore_index=True)


def _ratio(num, den):
    num, den = np.asarray(num, dtype=float), np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)


def monthly_from_counts(c) -> pd.DataFrame:
    """Derive MAU, the active rate and the four rates from the monthly counts (a frame or
    a mapping of arrays with the columns of ``lifecycle_monthly.sql``)."""
    n = {s: np.asarray(c[s], dtype="int64") for s in [*STATES, "churned_signal", "returned_signal", "cumulative"]}
    mau = sum(n[s] for s in ACTIVE_STATES)
    old_active = n["new_retained"] + n["active"] + n["woken"] + n["returned"]
    churned_silent = n["churned"] - n["churned_signal"]
    returned_silent = n["returned"] - n["returned_signal"]

    def prev(a):  # last month's pool; none before the first month
        return np.concatenate([[0], a[:-1]])

    return pd.DataFrame({
        "month": [month_label(int(m)) for m in c["mi"]],
        **{s: n[s] for s in STATES},
        "churned_signal": n["churned_signal"], "churned_silent": churned_silent,
        "mau": mau, "cumulative": n["cumulative"], "active_rate": _ratio(mau, n["cumulative"]),
        "retention_old": _ratio(n["active"], prev(old_active)),
        "retention_new": _ratio(n["new_retained"], prev(n["new"])),
        "wake_rate": _ratio(n["woken"], prev(n["dormant"])),
        "return_rate": _ratio(n["returned"], prev(n["churned"])),
        "return_rate_signal": _ratio(n["returned_signal"], prev(n["churned_signal"])),
        "return_rate_silent": _ratio(returned_silent, prev(churned_silent)),
        "returned_signal": n["returned_signal"], "returned_silent": returned_silent, "old_active": old_active,
    })


def lifecycle_table(con, *, churn_after: int = 2, active_events=(), signal_events=("trip",),
                    first_month: str | None = None, last_month: str | None = None) -> pd.DataFrame:
    """The monthly lifecycle table of an opened store (see ``Lifecycle.monthly``).

    ``first_month`` only trims the output: rates of the first month shown still
    use the month before it.
    """
    df = Lifecycle(con, active_events=active_events, signal_events=signal_events,
                   last_month=last_month).monthly(churn_after)
    if first_month:
        df = df[df["month"] >= first_month].reset_index(drop=True)
    return df
