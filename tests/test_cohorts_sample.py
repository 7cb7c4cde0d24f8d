"""On the generated sample, the breakdowns recover the planted segment effects (truth.json
"segments"): new-user retention of each channel and city, relative to all users, is the
planted factor.

Tolerance: the ratio of a segment's pooled new-user retention (or cohort month-1 share) to
that of all users lies within 0.05 of the planted factor.  With 20,000 users the smallest
segment (one of eight cities) has about 2,500 new users over the months, so the standard
error of the ratio is about 0.015 and 0.05 is more than three of them.  The campaign month of
C1 (a planted lift on new-user retention for its treatment arm) is left out.
"""
import pytest

from toolkit.analyses.cohorts import cohort_table, segment_monthly
from toolkit.analyses.lifecycle import Lifecycle
from toolkit.data.store import open_store
from toolkit.months import add_months, month_str, parse_month

TOL = 0.05


@pytest.fixture(scope="module")
def lc(sample_dir):
    return Lifecycle(open_store(sample_dir).con)


def _c1_month(truth):
    return next(c["month"] for c in truth["campaigns"] if c["goal_metric"] == "retention_new")


@pytest.mark.parametrize("by", ["channel", "city"])
def test_breakdown_recovers_the_planted_retention_factors(lc, truth, by):
    planted = truth["segments"]["retention_new_factor"][by]
    s = segment_monthly(lc, by, 2)
    s["prev_new"] = s.groupby("segment")["new"].shift(1)
    s = s[s["month"] != _c1_month(truth)]
    pooled = s.groupby("segment")[["new_retained", "prev_new"]].sum()
    overall = pooled["new_retained"].sum() / pooled["prev_new"].sum()
    ratio = pooled["new_retained"] / pooled["prev_new"] / overall
    assert set(ratio.index) == set(planted)                  # every user has a value: no 'unknown' here
    for value, factor in planted.items():
        assert ratio[value] == pytest.approx(factor, abs=TOL), (by, value, ratio[value], factor)
    lower, higher = truth["segments"]["lower"].get(by), truth["segments"]["higher"].get(by)
    named = lower or higher
    assert ratio.idxmin() == named if lower else ratio.idxmax() == named


@pytest.mark.parametrize("by", ["channel", "city"])
def test_cohort_month_one_recovers_the_planted_factors(lc, truth, by):
    planted = truth["segments"]["retention_new_factor"][by]
    c = cohort_table(lc, by=by, counts=True)
    c1_cohort = month_str(add_months(parse_month(_c1_month(truth)), -1))   # C1 lifts the cohort before its month
    c = c[c["m1"].notna() & (c["cohort"] != c1_cohort)]
    g = c.groupby("segment")[["m1", "size"]].sum()
    ratio = (g["m1"] / g["size"]) / (g["m1"].sum() / g["size"].sum())
    for value, factor in planted.items():
        assert ratio[value] == pytest.approx(factor, abs=TOL), (by, value, ratio[value], factor)
