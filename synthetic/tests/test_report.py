"""Each measure against values computed by hand on small crafted data."""

import math

import numpy as np
import pandas as pd
import pytest

from synthetic.report import (
    ci_overlap,
    cramers_v,
    dcr_comparison,
    disco,
    distance_to_closest_record,
    exact_copy_share,
    ks_distance,
    ols,
    pmse,
    propensity_utility,
    regression_comparison,
    rep_u,
    tcap,
    thresholds,
    total_variation,
)
from synthetic.synthesis import column_kinds


def test_it_computes_pmse_from_propensities():
    # 2 synthetic, 2 real: c = 0.5; scores 0.9, 0.7, 0.3, 0.5 → ((.4)²+(.2)²+(.2)²+0²)/4 = 0.06
    assert pmse(np.array([0.9, 0.7, 0.3, 0.5]), np.array([1, 1, 0, 0])) == pytest.approx(0.06)


def test_pmse_is_c_times_one_minus_c_when_the_model_separates_perfectly():
    real = pd.DataFrame({"x": ["a"] * 30})
    synthetic = pd.DataFrame({"x": ["b"] * 10})
    result = propensity_utility(real, synthetic, permutations=3, min_leaf=1)
    c = 10 / 40
    assert result["pMSE"] == pytest.approx(c * (1 - c))  # 0.1875
    assert result["pMSE_max"] == pytest.approx(0.1875)


def test_pmse_is_zero_when_the_two_sets_are_identical():
    df = pd.DataFrame({"x": ["a", "b"] * 20, "y": list(range(40))})
    result = propensity_utility(df, df.copy(), permutations=3, min_leaf=5)
    assert result["pMSE"] == pytest.approx(0.0)


def test_s_pmse_is_near_one_for_two_samples_of_one_population():
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.normal(size=2000), "g": rng.choice(list("abc"), 2000)})
    b = pd.DataFrame({"x": rng.normal(size=2000), "g": rng.choice(list("abc"), 2000)})
    shifted = b.assign(x=b["x"] + 1.0)
    same = propensity_utility(a, b, permutations=10, seed=1)["S_pMSE"]
    different = propensity_utility(a, shifted, permutations=10, seed=1)["S_pMSE"]
    assert 0.5 < same < 2
    assert different > 5


def test_it_computes_total_variation_and_ks():
    a = pd.Series(["x", "x", "y", None])  # x .5, y .25, missing .25
    b = pd.Series(["x", "y", "y", "y"])  # x .25, y .75
    assert total_variation(a, b) == pytest.approx(0.5 * (0.25 + 0.5 + 0.25))
    assert ks_distance(np.array([1.0, 2, 3, 4]), np.array([3.0, 4, 5, 6])) == pytest.approx(0.5)
    assert ks_distance(np.array([1.0, np.nan]), np.array([1.0])) == 0


def test_it_computes_cramers_v_by_hand():
    assert cramers_v(pd.Series(list("aabb")), pd.Series(list("xxyy"))) == pytest.approx(1.0)
    assert cramers_v(pd.Series(list("aabb")), pd.Series(list("xyxy"))) == pytest.approx(0.0)
    # table [[3,1],[1,3]]: expected 2 everywhere, χ² = 4·(1/2) = 2, V = sqrt(2/8) = 0.5
    x = pd.Series(list("aaaabbbb"))
    y = pd.Series(list("xxxyxyyy"))
    assert cramers_v(x, y) == pytest.approx(0.5)


def test_it_computes_the_ci_overlap_formula():
    assert ci_overlap(0, 2, 0, 2) == pytest.approx(1.0)
    # real [0, 2], synthetic [1, 5]: L=1, U=2 → ½ (1/2 + 1/4) = 0.375
    assert ci_overlap(0, 2, 1, 5) == pytest.approx(0.375)
    # disjoint: [0, 1] and [3, 4]: U−L = −2 → ½ (−2 − 2) = −2
    assert ci_overlap(0, 1, 3, 4) == pytest.approx(-2.0)


def test_ols_recovers_known_coefficients():
    X = np.column_stack([np.ones(5), np.array([0.0, 1, 2, 3, 4])])
    y = 1 + 2 * X[:, 1] + np.array([0.1, -0.1, 0.0, 0.1, -0.1])
    beta, se, dof = ols(X, y)
    assert beta == pytest.approx([1.0, 2.0], abs=0.05)
    assert dof == 3
    assert se[1] > 0


def test_the_regression_comparison_is_perfect_on_identical_data(people):
    kinds = column_kinds(people)
    result = regression_comparison(people, people.copy(), kinds, "wage", ["age", "sex"])
    assert result["outcome"] == "wage"
    assert [c["term"] for c in result["coefficients"]] == ["(Intercept)", "age", "sex=M"]
    assert all(c["ci_overlap"] == pytest.approx(1.0) for c in result["coefficients"])
    assert result["mean_ci_overlap"] == pytest.approx(1.0)


def test_it_counts_exact_copies():
    train = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    synthetic = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": ["x", "z", None, "x"]})
    # (1, x) and (3, missing) copy a training record; an int 1 equals a float 1.0
    assert exact_copy_share(synthetic, train) == pytest.approx(0.5)
    assert exact_copy_share(train, train) == 1.0


def test_it_computes_distances_to_closest_record():
    reference = np.array([[0.0, 0.0], [3.0, 4.0]])
    query = np.array([[0.0, 1.0], [3.0, 4.0], [6.0, 8.0]])
    assert distance_to_closest_record(query, reference) == pytest.approx([1.0, 0.0, 5.0])


def test_dcr_compares_synthetic_with_holdout():
    train = pd.DataFrame({"x": [0.0, 10.0], "g": ["a", "b"]})
    synthetic = train.copy()  # copies: distance 0
    holdout = pd.DataFrame({"x": [5.0, 5.0], "g": ["a", "a"]})  # half the range away: 0.5
    result = dcr_comparison(train, holdout, synthetic, column_kinds(train), sample=10)
    assert result["DCR_synthetic_train_median"] == 0
    assert result["DCR_holdout_train_median"] == pytest.approx(0.5)
    assert result["DCR_zero_share_synthetic"] == 1.0


def test_it_computes_rep_u_by_hand():
    original = pd.DataFrame({"k": ["a", "b", "c", "c"]})  # a, b unique: UiO = 50 %
    synthetic = pd.DataFrame({"k": ["a", "c", "b", "b"]})  # a unique in both; b twice in synthetic
    result = rep_u(original, synthetic, ["k"])
    assert result["UiO"] == pytest.approx(50.0)
    assert result["repU"] == pytest.approx(25.0)


def test_it_computes_disco_by_hand():
    original = pd.DataFrame({"k": ["a", "a", "b", "b", "c"], "t": ["x", "y", "x", "x", "z"]})
    synthetic = pd.DataFrame({"k": ["a", "a", "b", "c", "c"], "t": ["x", "x", "x", "z", "y"]})
    # synthetic: a → always x (disclosive), b → always x (disclosive), c → z and y (not)
    # original records with key a: 2 (DiSO), one is x (DiSCO); key b: 2, both x → DiSO 4, DiSCO 3 of 5
    result = disco(original, synthetic, ["k"], "t")
    assert result["DiSO"] == pytest.approx(80.0)
    assert result["DiSCO"] == pytest.approx(60.0)


def test_thresholds_pass_or_warn():
    settings_synthetic = {"max_s_pmse": 3.0, "max_exact_copy_ratio": 1.0}
    good = {"S_pMSE": 1.2, "exact_copies": 0.01, "exact_copies_holdout": 0.02}
    bad = {"S_pMSE": 4.0, "exact_copies": 0.05, "exact_copies_holdout": 0.02}
    assert [t["status"] for t in thresholds(good, settings_synthetic)] == ["pass", "pass"]
    assert [t["status"] for t in thresholds(bad, settings_synthetic)] == ["warn", "warn"]
    assert not any(math.isnan(t["value"]) for t in thresholds(good, settings_synthetic))


def test_it_computes_tcap_by_hand():
    original = pd.DataFrame({"k": ["a", "a", "a", "a", "b", "b"], "t": ["x", "x", "x", "y", "y", "z"]})
    synthetic = pd.DataFrame({"k": ["a", "a", "b", "b", "c"], "t": ["x", "x", "y", "z", "x"]})
    # WEAP = 1: the two (a, x) records (original Pr(x | a) = 3/4) and (c, x) (c absent: 0);
    # b has two target values in the synthetic data, so it does not count
    result = tcap(original, synthetic, ["k"], "t")
    assert result["records_with_WEAP_1"] == 3
    assert result["TCAP"] == pytest.approx((0.75 + 0.75 + 0) / 3)
    assert result["baseline"] == pytest.approx(3 / 6)
