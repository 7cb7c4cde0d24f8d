"""On the generated sample, the lifecycle rates recover the planted probabilities.

Tolerance: each pooled estimate lies within 4 standard errors (binomial, from
its pool size) plus 0.005 of the value the generator planted for that pool's
mix of drivers and non-drivers.
"""
import numpy as np
import pandas as pd
import pytest

from toolkit.analyses.lifecycle import Lifecycle
from toolkit.months import add_months, month_range, month_str, parse_month
from toolkit.data.store import open_store

POOL_OF = {"retention_old": ("new_retained", "active", "woken", "returned"), "retention_new": ("new",),
           "wake_rate": ("dormant",), "return_rate": ("churned",)}
TARGET_OF = {"retention_old": ("active",), "retention_new": ("new_retained",), "wake_rate": ("woken",),
             "return_rate": ("returned",)}


@pytest.fixture(scope="module")
def lc(sample_dir):
    return Lifecycle(open_store(sample_dir).con)


def test_rates_recover_planted_probabilities(lc, sample_dir, truth):
    tu = pd.read_parquet(sample_dir / "truth_users.parquet").set_index("user_id").driver
    last_clean = truth["scene_rules"][0]["first_month"]          # before scenes and campaigns
    months = [month_str(m) for m in month_range(parse_month(truth["months"][2]), add_months(parse_month(last_clean), -1))]
    mo = lc.monthly(2).set_index("month")
    for rate, pool_states in POOL_OF.items():
        expected_sum, n_sum, hits = 0.0, 0, 0
        for m in months:
            prev = lc.user_states(month_str(add_months(parse_month(m), -1)), 2)
            pool = prev[prev.state.isin(pool_states)]
            drv = tu.reindex(pool.user_id).to_numpy()
            p = np.where(drv, truth["lifecycle"][rate]["driver"], truth["lifecycle"][rate]["non_driver"])
            expected_sum += p.sum()
            n_sum += len(pool)
            hits += sum(mo.loc[m, s] for s in TARGET_OF[rate])
        est, exp = hits / n_sum, expected_sum / n_sum
        se = np.sqrt(exp * (1 - exp) / n_sum)
        assert abs(est - exp) < 4 * se + 0.005, (rate, est, exp, n_sum)


def test_signal_split_separates_drivers(lc, truth):
    mo = lc.monthly(2)
    clean = mo[(mo.month > truth["months"][3]) & (mo.month < truth["scene_rules"][0]["first_month"])]
    sig = clean.returned_signal.sum() / clean.churned_signal.shift(1).fillna(0).sum()
    assert sig == pytest.approx(truth["lifecycle"]["return_rate"]["driver"], abs=0.02)
    sil = clean.returned_silent.sum() / clean.churned_silent.shift(1).fillna(0).sum()
    assert sil == pytest.approx(truth["lifecycle"]["return_rate"]["non_driver"], abs=0.015)


def test_campaign_months_show_the_planted_rises(lc, truth):
    mo = lc.monthly(2).set_index("month")
    for cid, rate in (("C1", "retention_new"), ("C2", "return_rate")):
        c = next(x for x in truth["campaigns"] if x["campaign_id"] == cid)
        others = mo[rate].drop(c["month"]).iloc[2:]
        rise = mo.loc[c["month"], rate] - others.median()
        planted = c["lift"] * c["treatment_share"]
        assert rise == pytest.approx(planted, abs=0.05), (cid, rise, planted)
        assert mo.loc[c["month"], rate] > others.max()
