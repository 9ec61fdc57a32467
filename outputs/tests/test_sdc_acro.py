"""Our engine and ACRO 1.0.2 itself, at its default configuration, on the same DataFrames.

Each test runs ``acro`` (crosstab, pivot_table, olsr/logitr/probitr, hist) and our engine, and compares
the verdicts and the flagged cells rule by rule.
"""

import logging

import numpy as np
import pandas as pd
import pytest

from outputs.sdc import SDCParams
from outputs.sdc.histogram import check_histogram
from outputs.sdc.regression import check_regression
from outputs.sdc.result import ACRO_CHECK_TO_RULE, label
from outputs.sdc.tables import compute_table

PARAMS = SDCParams()  # ACRO's defaults


@pytest.fixture(scope="module")
def acro_session(tmp_path_factory):
    import acro

    logging.getLogger("acro").setLevel(logging.WARNING)
    session = acro.ACRO(suppress=False)
    logging.getLogger("acro").setLevel(logging.WARNING)
    return session


def last_record(session):
    return session.results.results[list(session.results.results)[-1]]


def acro_flags(record, *, negatives: bool, with_columns: bool) -> dict:
    flags = {}
    outcome = record.outcome
    for row in outcome.index:
        for col in outcome.columns:
            text = str(outcome.loc[row, col])
            rules = set()
            for name in [part.strip() for part in text.split(";") if part.strip() and part.strip() != "ok"]:
                if name in ("NKCheck", "PPercentCheck") and negatives:
                    rules.add("negatives")
                elif name in ACRO_CHECK_TO_RULE and name != "MinimumDoFCheck":
                    rules.add(ACRO_CHECK_TO_RULE[name])
            if rules:
                key_row = tuple(label(v) for v in (row if isinstance(row, tuple) else (row,)))
                key_col = (
                    tuple(label(v) for v in (col if isinstance(col, tuple) else (col,)))
                    if with_columns
                    else ()
                )
                flags[(key_row, key_col)] = rules
    return flags


def our_flags(result) -> dict:
    return {
        (tuple(c.row), tuple(c.column)): set(c.rules) - {"dof"}
        for c in result.cells
        if set(c.rules) - {"dof"}
    }


def make_data(
    seed: int, *, negative: bool = False, dominant: bool = True, empty_cell: bool = True
) -> pd.DataFrame:
    """A 3 × 3 table whose cells have between 0 and 30 rows, one dominated cell, one empty cell."""
    rng = np.random.default_rng(seed)
    rows = []
    for a in ["north", "centre", "south"]:
        for b in [1, 2, 3]:
            size = int(rng.integers(3, 30))
            if empty_cell and (a, b) == ("south", 3):
                size = 0
            for i in range(size):
                value = float(rng.integers(1, 50))
                if dominant and (a, b) == ("north", 1) and i == 0:
                    value = 5000.0
                rows.append({"a": a, "b": b, "c": "k" if i % 2 else "m", "v": value})
    df = pd.DataFrame(rows)
    if negative:
        df.loc[3, "v"] = -7.0
    return df


TABLE_STATISTICS = ["count", "sum", "mean", "median", "std", "min", "max", "mode"]


@pytest.mark.parametrize("statistic", TABLE_STATISTICS)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_it_agrees_with_acro_crosstab(acro_session, statistic, seed):
    df = make_data(seed)
    if statistic == "count":
        acro_session.crosstab(df.a, df.b)
    else:
        acro_session.crosstab(df.a, df.b, values=df.v, aggfunc=statistic)
    record = last_record(acro_session)
    ours = compute_table(df, statistic=statistic, index=["a"], columns=["b"], values="v", params=PARAMS)

    assert ours.status == record.status
    if statistic != "std":
        assert our_flags(ours) == acro_flags(record, negatives=False, with_columns=True)
    else:
        assert f"dof={ours.dof}" in record.summary


@pytest.mark.parametrize("statistic", ["sum", "mean", "median", "min", "max", "mode", "std"])
def test_it_agrees_with_acro_pivot_table_with_two_row_variables(acro_session, statistic):
    df = make_data(7)
    acro_session.pivot_table(df, index=["a", "c"], columns=["b"], values="v", aggfunc=statistic)
    record = last_record(acro_session)
    ours = compute_table(df, statistic=statistic, index=["a", "c"], columns=["b"], values="v", params=PARAMS)

    assert ours.status == record.status
    if statistic != "std":
        assert our_flags(ours) == acro_flags(record, negatives=False, with_columns=True)


@pytest.mark.parametrize("statistic", ["sum", "mean", "max"])
def test_it_agrees_with_acro_on_negative_values(acro_session, statistic):
    df = make_data(4, negative=True, empty_cell=False)
    acro_session.pivot_table(df, index="a", values="v", aggfunc=statistic)
    record = last_record(acro_session)
    ours = compute_table(df, statistic=statistic, index=["a"], values="v", params=PARAMS)

    assert ours.status == record.status
    assert our_flags(ours) == acro_flags(record, negatives=True, with_columns=False)
    if statistic != "max":
        assert ours.status == "review" and ours.checks["negatives"] == 1


@pytest.mark.parametrize(
    "values,expected",
    [
        ([45, 44] + [1] * 11, "pass"),  # top 2 = 89/100: just below k
        ([45, 45] + [1] * 10, "fail"),  # exactly k = 0.9: ACRO fails it
        ([46, 45] + [1] * 9, "fail"),  # just above
    ],
)
def test_it_agrees_with_acro_on_dominance_at_k(acro_session, values, expected):
    df = pd.DataFrame({"g": ["A"] * len(values), "v": [float(v) for v in values]})
    acro_session.pivot_table(df, index="g", values="v", aggfunc="sum")
    record = last_record(acro_session)
    ours = compute_table(df, statistic="sum", index=["g"], values="v", params=PARAMS)

    assert record.status == expected
    assert ours.status == expected
    assert our_flags(ours) == acro_flags(record, negatives=False, with_columns=False)


@pytest.mark.parametrize("statistic", ["ols", "logit", "probit"])
@pytest.mark.parametrize("nobs", [12, 13, 14, 40])
def test_it_agrees_with_acro_regressions(acro_session, statistic, nobs):
    rng = np.random.default_rng(nobs)
    df = pd.DataFrame({"x1": rng.normal(size=nobs), "x2": rng.normal(size=nobs)})
    df["y"] = (df.x1 + rng.normal(size=nobs) > 0).astype(int)
    formula = "y ~ x1 + x2"
    getattr(acro_session, f"{statistic}r")(formula, data=df)
    record = last_record(acro_session)
    ours = check_regression(df, statistic=statistic, formula=formula, params=PARAMS)

    assert ours.status == record.status
    assert ours.dof == record.properties["dof"] == nobs - 3


@pytest.mark.parametrize("bins", [5, 10, [0, 25, 50, 75, 100]])
@pytest.mark.parametrize("seed", [1, 2])
def test_it_agrees_with_acro_histograms(acro_session, tmp_path, monkeypatch, bins, seed):
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"age": np.concatenate([rng.integers(20, 80, 200), [99, 100]]).astype(float)})
    acro_session.hist(df, "age", bins=bins, filename="age.png")
    record = last_record(acro_session)
    ours = check_histogram(df, column="age", bins=bins, params=PARAMS)

    assert ours.status == record.status
    assert ours.checks["threshold"] == record.sdc["summary"]["MinimumThresholdCheck"]
