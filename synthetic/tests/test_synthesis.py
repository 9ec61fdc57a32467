import numpy as np
import pandas as pd
import pytest

from synthetic.synthesis import (
    _leaf_sample,
    default_quasi_identifiers,
    synthesise,
    synthesise_marginals,
    train_holdout_split,
    unique_on,
)


def test_it_is_reproducible_with_a_seed(people):
    a = synthesise(people, seed=42).data
    b = synthesise(people, seed=42).data
    c = synthesise(people, seed=43).data
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_it_keeps_columns_types_and_size(people):
    result = synthesise(people, seed=1, quasi_identifiers=["sex", "canton"])
    syn = result.data
    assert list(syn.columns) == list(people.columns)
    assert len(syn) == len(people)
    assert syn["age"].dtype == people["age"].dtype
    assert pd.api.types.is_datetime64_any_dtype(syn["job_start"])
    assert set(syn["sex"]) <= {"F", "M"}


def test_it_draws_values_only_from_observed_ones(people):
    syn = synthesise(people, seed=3).data
    assert set(syn["age"]) <= set(people["age"])
    assert set(syn["wage"].dropna()) <= set(people["wage"].dropna())
    assert set(syn["job_start"]) <= set(people["job_start"])


def test_it_models_missing_values(people):
    syn = synthesise(people, seed=5).data
    share = syn["wage"].isna().mean()
    assert 0.03 < share < 0.2  # the real share is 0.1; not lost, not everywhere


def test_it_keeps_a_strong_relationship_that_marginals_lose():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, 2000)
    df = pd.DataFrame({"x": x, "y": 3 * x + rng.normal(0, 0.2, 2000)})
    cart = synthesise(df, seed=1, quasi_identifiers=[]).data
    marg = synthesise_marginals(df, seed=1, quasi_identifiers=[]).data
    assert np.corrcoef(cart["x"], cart["y"])[0, 1] > 0.9
    assert abs(np.corrcoef(marg["x"], marg["y"])[0, 1]) < 0.1


def test_it_removes_records_unique_on_the_quasi_identifiers_and_says_how_many():
    # 60 records share (F, LUX); 2 records are alone on their combination
    df = pd.DataFrame(
        {
            "sex": ["F"] * 60 + ["M", "F"],
            "canton": ["LUX"] * 60 + ["ESC", "CAP"],
            "wage": list(range(60)) + [10_000, 20_000],
        }
    )
    assert unique_on(df, ["sex", "canton"]).sum() == 2
    result = synthesise(df, seed=1, quasi_identifiers=["sex", "canton"], min_leaf_size=5, remove_copies=False)
    assert result.removed_unique == 2
    assert result.n_fitted == 60
    assert set(result.data["canton"]) == {"LUX"}
    assert not {10_000, 20_000} & set(result.data["wage"])


def test_it_refuses_unknown_quasi_identifiers(people):
    with pytest.raises(ValueError, match="unknown quasi-identifier"):
        synthesise(people, quasi_identifiers=["nope"])


def test_it_guesses_quasi_identifiers_from_names(people):
    assert default_quasi_identifiers(people) == ["age", "sex", "canton"]


def test_it_drops_copies_of_unique_training_records():
    rng = np.random.default_rng(1)
    b = rng.normal(size=300)
    df = pd.DataFrame({"a": rng.integers(0, 3, 300), "b": b, "c": b + rng.normal(size=300)})
    # c is drawn among the ~20 records of b's leaf: about one synthetic record in 20 copies a real one
    result = synthesise(df, seed=2, quasi_identifiers=[], min_leaf_size=20)
    assert result.removed_copies > 0
    merged = result.data.merge(df, on=["a", "b", "c"])
    assert merged.empty
    assert len(result.data) == len(df)


def test_leaf_sampling_draws_from_the_same_leaf():
    rng = np.random.default_rng(0)
    leaves = np.array([1, 1, 2, 2, 2])
    values = np.array([10.0, 11.0, 20.0, 21.0, 22.0])
    drawn = _leaf_sample(leaves, values, np.array([2] * 50 + [1] * 50), rng)
    assert set(drawn[:50]) <= {20.0, 21.0, 22.0}
    assert set(drawn[50:]) <= {10.0, 11.0}


def test_the_split_is_seeded_and_disjoint(people):
    train, hold = train_holdout_split(people.reset_index(), seed=9, holdout=0.25)
    again, _ = train_holdout_split(people.reset_index(), seed=9, holdout=0.25)
    assert len(hold) == 100 and len(train) == 300
    assert not set(train["index"]) & set(hold["index"])
    pd.testing.assert_frame_equal(train, again)
