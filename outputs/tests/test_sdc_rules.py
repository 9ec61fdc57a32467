"""Each rule just below, at and just above its threshold, for each statistic it applies to."""

import numpy as np
import pandas as pd
import pytest

from outputs.sdc import SDCParams
from outputs.sdc.histogram import check_histogram
from outputs.sdc.regression import check_regression
from outputs.sdc.tables import TableError, compute_table

DEFAULT = SDCParams()


def one_cell(n: int, values=None) -> pd.DataFrame:
    return pd.DataFrame({"g": ["A"] * n, "v": values if values is not None else [1.0] * n})


@pytest.mark.parametrize("statistic", ["count", "sum", "mean", "median", "min", "max"])
@pytest.mark.parametrize("n,expected", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_it_applies_the_threshold(statistic, n, expected):
    result = compute_table(one_cell(n), statistic=statistic, index=["g"], values="v", params=DEFAULT)
    assert result.status == expected
    assert result.checks["threshold"] == (1 if expected == "fail" else 0)


@pytest.mark.parametrize("statistic", ["mode", "std"])
def test_it_does_not_apply_the_threshold_to_modes_and_standard_deviations(statistic):
    result = compute_table(one_cell(11), statistic=statistic, index=["g"], values="v", params=DEFAULT)
    assert result.checks["threshold"] == 0


@pytest.mark.parametrize("statistic", ["count", "median", "min", "max", "mode"])
@pytest.mark.parametrize("size_of_b_y,expected_zeros", [(0, 1), (1, 0), (2, 0)])
def test_it_flags_zero_cells(statistic, size_of_b_y, expected_zeros):
    rows = [("a", "x")] * 12 + [("a", "y")] * 12 + [("b", "x")] * 12 + [("b", "y")] * size_of_b_y
    df = pd.DataFrame(rows, columns=["g", "h"]).assign(v=1.0)
    result = compute_table(df, statistic=statistic, index=["g"], columns=["h"], values="v", params=DEFAULT)
    assert result.checks["zeros"] == expected_zeros
    if expected_zeros:
        assert result.status == "fail"
        assert (result.cells[-1].row, result.cells[-1].column) == (["b"], ["y"])
    if statistic == "mode":  # modes are checked for zeros only
        assert result.status == ("fail" if expected_zeros else "pass")


def test_it_does_not_flag_zeros_when_the_platform_says_they_are_not_disclosive():
    rows = [("a", "x")] * 12 + [("a", "y")] * 12 + [("b", "x")] * 12
    df = pd.DataFrame(rows, columns=["g", "h"])
    result = compute_table(
        df, statistic="count", index=["g"], columns=["h"], params=SDCParams(zeros_are_disclosive=False)
    )
    assert result.checks["zeros"] == 0 and result.checks["threshold"] == 1


@pytest.mark.parametrize("statistic", ["sum", "mean"])
@pytest.mark.parametrize("top,expected", [(44.0, "pass"), (45.0, "fail"), (46.0, "fail")])
def test_it_applies_nk_dominance(statistic, top, expected):
    # two largest: 45 + top; the other 10 values sum to 100 - 45 - 45 = 10 → share (45+top)/(55+top)
    values = [45.0, top] + [1.0] * 10
    result = compute_table(one_cell(12, values), statistic=statistic, index=["g"], values="v", params=DEFAULT)
    assert result.status == expected
    assert result.checks["nk_dominance"] == (1 if expected == "fail" else 0)


def test_it_can_pass_dominance_at_exactly_k_as_the_handbook_words_it():
    values = [45.0, 45.0] + [1.0] * 10  # exactly 0.9
    at_k = compute_table(
        one_cell(12, values),
        statistic="sum",
        index=["g"],
        values="v",
        params=SDCParams(dominance_at_exactly_k_fails=False),
    )
    assert at_k.checks["nk_dominance"] == 0
    assert at_k.parameters["dominance_at_exactly_k_fails"] is False


@pytest.mark.parametrize("rest,expected", [(9.9, "fail"), (10.0, "pass"), (10.1, "pass")])
def test_it_applies_the_p_ratio(rest, expected):
    # (sum - largest - second) / largest compared with p = 0.1; nk relaxed to isolate the p%-rule
    values = [100.0, 50.0] + [rest / 10] * 10
    result = compute_table(
        one_cell(12, values), statistic="sum", index=["g"], values="v", params=SDCParams(safe_nk_k=0.999)
    )
    assert result.checks["p_ratio"] == (1 if expected == "fail" else 0)
    assert result.status == expected


@pytest.mark.parametrize("smallest,expected", [(-0.01, "review"), (0.0, "pass"), (0.01, "pass")])
def test_it_asks_for_review_when_values_are_negative(smallest, expected):
    values = [smallest] + [10.0] * 11
    result = compute_table(one_cell(12, values), statistic="sum", index=["g"], values="v", params=DEFAULT)
    assert result.status == expected
    assert result.checks["negatives"] == (1 if expected == "review" else 0)


@pytest.mark.parametrize("check_missing,expected", [(False, "pass"), (True, "review")])
def test_it_reports_missing_values_when_the_platform_asks(check_missing, expected):
    values = [np.nan] + [10.0] * 11
    result = compute_table(
        one_cell(12, values),
        statistic="mean",
        index=["g"],
        values="v",
        params=SDCParams(check_missing_values=check_missing),
    )
    assert result.status == expected


@pytest.mark.parametrize("n,expected", [(10, "fail"), (11, "pass"), (12, "pass")])
def test_it_checks_the_degrees_of_freedom_of_standard_deviations(n, expected):
    values = list(np.arange(n, dtype=float))
    result = compute_table(one_cell(n, values), statistic="std", index=["g"], values="v", params=DEFAULT)
    assert result.status == expected
    assert result.dof == n - 1


@pytest.mark.parametrize("statistic", ["ols", "logit", "probit"])
@pytest.mark.parametrize("nobs,expected", [(12, "fail"), (13, "pass"), (14, "pass")])
def test_it_checks_the_residual_degrees_of_freedom_of_regressions(statistic, nobs, expected):
    rng = np.random.default_rng(nobs)
    df = pd.DataFrame({"x1": rng.normal(size=nobs), "x2": rng.normal(size=nobs)})
    df["y"] = (df.x1 + rng.normal(size=nobs) > 0).astype(int)
    result = check_regression(df, statistic=statistic, formula="y ~ x1 + x2", params=DEFAULT)
    assert result.dof == nobs - 3
    assert result.status == expected


@pytest.mark.parametrize("in_first_bin,expected", [(9, "fail"), (10, "pass"), (11, "pass")])
def test_it_checks_every_histogram_bin(in_first_bin, expected):
    values = [0.5] * in_first_bin + [1.5] * 20 + [2.5] * 20 + [3.0]  # the maximum falls in no bin, as in ACRO
    df = pd.DataFrame({"x": values})
    result = check_histogram(df, column="x", bins=[0, 1, 2, 3], params=DEFAULT)
    assert result.status == expected
    assert result.table["counts"][0] == [in_first_bin]


def test_it_keeps_every_combination_of_categories_and_labels_cells():
    df = pd.DataFrame({"g": ["a"] * 12 + ["b"] * 12, "h": ["x"] * 12 + ["y"] * 12, "k": ["u", "w"] * 12})
    result = compute_table(df, statistic="count", index=["g", "k"], columns=["h"], params=DEFAULT)
    assert len(result.table["rows"]) == 4 and len(result.table["columns"]) == 2
    empty = next(c for c in result.cells if c.row == ["a", "u"] and c.column == ["y"])
    assert empty.count == 0 and set(empty.rules) == {"zeros", "threshold"}


@pytest.mark.parametrize(
    "kwargs,message",
    [
        ({"statistic": "sum", "index": ["g"], "values": "nope"}, "unknown column"),
        ({"statistic": "sum", "index": ["g"]}, "needs a 'values'"),
        ({"statistic": "sum", "index": ["g"], "values": "label"}, "not numeric"),
        ({"statistic": "count", "index": []}, "at least one row variable"),
        ({"statistic": "count", "index": ["g"], "columns": ["g"]}, "appears twice"),
    ],
)
def test_it_explains_what_is_wrong_with_a_table(kwargs, message):
    df = pd.DataFrame({"g": ["a"], "v": [1.0], "label": ["x"]})
    with pytest.raises(TableError, match=message):
        compute_table(df, params=DEFAULT, **kwargs)


def test_it_fits_plain_ols_like_statsmodels():
    import statsmodels.formula.api as smf

    rng = np.random.default_rng(5)
    df = pd.DataFrame({"x1": rng.normal(size=200), "x2": rng.normal(size=200)})
    df["y"] = 1.5 + 2 * df.x1 - df.x2 + rng.normal(size=200)
    df.loc[3, "x2"] = np.nan  # dropped, as statsmodels does
    ours = check_regression(df, statistic="ols", formula="y ~ x1 + x2", params=DEFAULT)
    reference = smf.ols("y ~ x1 + x2", data=df).fit()
    assert ours.dof == int(reference.df_resid) == 196
    np.testing.assert_allclose(
        [row[0] for row in ours.table["values"]], reference.params.to_numpy(), rtol=1e-8
    )
    np.testing.assert_allclose([row[1] for row in ours.table["values"]], reference.bse.to_numpy(), rtol=1e-6)
