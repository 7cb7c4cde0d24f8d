"""A/B tests on two proportions (the common case in operations), from statsmodels."""
from __future__ import annotations

import math

import numpy as np
from scipy import stats
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_effectsize, proportions_ztest

from ..errors import ConfigError


def two_proportions(success_t: int, n_t: int, success_c: int, n_c: int, alpha: float = 0.05) -> dict:
    """Treatment vs control conversion: rates, difference (t - c), its (1 - alpha) interval
    (Newcombe's hybrid score interval: inside [-1, 1] and close to its level for small arms,
    where the Wald interval ran past 100 points) and the two-sided z-test p-value (1 when both
    arms convert all or none).  ``small``: a cell (successes or failures of an arm) under 5,
    where the z-test is rough; ``p_exact``: Fisher's exact test then.  NaN where an arm is
    empty."""
    if not 0 < alpha < 1:
        raise ConfigError(f"alpha must be a share between 0 and 1, e.g. 0.05; got {alpha}.")
    for name, s, n in (("treatment", success_t, n_t), ("control", success_c, n_c)):
        if s < 0 or n < 0 or s > n:
            raise ConfigError(f"{name}: {s} successes of {n} is not a proportion.")
    out = {"treatment": np.nan, "control": np.nan, "difference": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "p_value": np.nan, "n_treatment": int(n_t), "n_control": int(n_c), "small": False, "p_exact": np.nan}
    if n_t == 0 or n_c == 0:
        return out
    pt, pc = success_t / n_t, success_c / n_c
    out.update(treatment=pt, control=pc, difference=pt - pc)
    lo, hi = confint_proportions_2indep(success_t, n_t, success_c, n_c, method="newcomb", compare="diff", alpha=alpha)
    p = proportions_ztest([success_t, success_c], [n_t, n_c])[1] if 0 < success_t + success_c < n_t + n_c else 1.0
    out.update(ci_low=float(lo), ci_high=float(hi), p_value=float(p))
    if min(success_t, n_t - success_t, success_c, n_c - success_c) < 5:
        table = [[success_t, n_t - success_t], [success_c, n_c - success_c]]
        out.update(small=True, p_exact=float(stats.fisher_exact(table)[1]))
    return out


def sample_ratio_mismatch(n_t: int, n_c: int, planned_treatment_share: float = 0.5, alpha: float = 0.001) -> dict:
    """Chi-square test of the arms' sizes against the planned split; flagged when p < alpha."""
    total = n_t + n_c
    if total == 0 or not 0 < planned_treatment_share < 1:
        return {"srm_p_value": np.nan, "srm_flag": False, "observed_share": np.nan}
    _, p = stats.chisquare([n_t, n_c], f_exp=[total * planned_treatment_share, total * (1 - planned_treatment_share)])
    return {"srm_p_value": float(p), "srm_flag": bool(p < alpha), "observed_share": n_t / total}


def sample_size(baseline: float, mde: float, alpha: float = 0.05, power: float = 0.8, ratio: float = 1.0) -> dict:
    """Users needed per arm to detect an absolute lift of ``mde`` over ``baseline``.

    ``ratio`` is treatment size / control size.  Returns {'control': n, 'treatment': n}.
    """
    if mde == 0:
        raise ConfigError("the minimum detectable effect (--mde) is 0: no number of users detects no difference; "
                          "give the smallest lift worth detecting, e.g. 0.02 for 2 points.")
    if not 0 < baseline < 1:
        raise ConfigError(f"the baseline (--baseline) must be a rate between 0 and 1 (0.10 for 10%), got {baseline}.")
    if not 0 < baseline + mde <= 1:
        raise ConfigError(f"baseline {baseline} plus the minimum detectable effect {mde} is {baseline + mde:g}, "
                          "not a rate in (0, 1]: give --mde as an absolute lift in rate, e.g. 0.02 for 2 points.")
    es = abs(proportion_effectsize(baseline + mde, baseline))
    n_c = NormalIndPower().solve_power(effect_size=es, alpha=alpha, power=power, ratio=ratio, alternative="two-sided")
    return {"control": math.ceil(n_c), "treatment": math.ceil(n_c * ratio)}
