import numpy as np
import pandas as pd
import pytest

from synthetic.linkage import accuracy, link_exact, link_nearest, link_propensity, run_linkage_lab
from synthetic.pipeline import InputError


def _parts(n=200, seed=0):
    rng = np.random.default_rng(seed)
    a = pd.DataFrame({"k": np.arange(n), "g": rng.choice(list("xy"), n)})
    order = rng.permutation(n)
    b = a.iloc[order].reset_index(drop=True)
    return a, b, np.argsort(order)


def test_exact_matching_on_a_unique_key_is_perfect():
    a, b, truth = _parts()
    assert accuracy(link_exact(a, b, ["k"], np.random.default_rng(1)), truth) == 1.0


def test_exact_matching_in_groups_is_one_to_one_and_finds_about_one_per_group():
    a, b, truth = _parts(n=1000)
    link = link_exact(a, b, ["g"], np.random.default_rng(1))
    assert len(set(link)) == 1000  # a permutation within each group
    assert (a["g"].to_numpy() == b["g"].to_numpy()[link]).all()  # always the same key
    assert accuracy(link, truth) < 0.02  # 2 groups of ~500: ≈ 2/1000 correct


def test_exact_matching_leaves_unmatched_keys_unlinked():
    a = pd.DataFrame({"k": [1, 2, 3]})
    b = pd.DataFrame({"k": [3, 1]})
    assert link_exact(a, b, ["k"], np.random.default_rng(0)).tolist() == [1, -1, 0]


def test_nearest_neighbour_finds_the_closest_record():
    a = pd.DataFrame({"x": [0.0, 10.0, 4.9]})
    b = pd.DataFrame({"x": [10.0, 0.2, 5.0]})
    assert link_nearest(a, b, ["x"], np.random.default_rng(0)).tolist() == [1, 0, 2]


def test_propensity_scores_cannot_tell_two_parts_of_one_population_apart():
    rng = np.random.default_rng(0)
    a = pd.DataFrame({"x": rng.normal(size=500), "g": rng.choice(list("abc"), 500)})
    order = rng.permutation(500)
    b = a.iloc[order].reset_index(drop=True)
    link = link_propensity(a, b, ["x", "g"], rng)
    assert accuracy(link, np.argsort(order)) < accuracy(
        link_nearest(a, b, ["x", "g"], rng), np.argsort(order)
    )


def test_the_lab_reports_baseline_synthetic_parts_influence_and_rebuilds(people, tmp_path):
    report = run_linkage_lab(
        people,
        common=["sex", "canton", "age"],
        part_a=["sector"],
        part_b=["wage"],
        report_dir=tmp_path,
        seed=3,
    )
    assert 0 < report["accuracy_exact"] <= 1
    assert report["baseline_original_parts"]["exact"]["link_rate"] == 1.0
    assert report["synthetic_parts"]["exact"]["accuracy"] is None  # synthetic records are nobody
    assert "cross_association_mean_abs_difference" in report["synthesise_after_linking"]
    assert [row["variable"] for row in report["variable_influence"]] == ["sex", "canton", "age"]
    assert report["rebuilt"]["records"] == len(people)
    rebuilt = pd.read_csv(tmp_path / "linked_synthetic.csv")
    assert list(rebuilt.columns) == ["sex", "canton", "age", "sector", "wage"]
    assert (tmp_path / "report.pdf").read_bytes().startswith(b"%PDF")
    assert report["label"] == "synthetic — not valid for inference"


def test_the_lab_is_deterministic(people, tmp_path):
    one = run_linkage_lab(
        people,
        common=["sex", "canton"],
        part_a=["sector"],
        part_b=["wage"],
        report_dir=tmp_path / "1",
        seed=4,
    )
    two = run_linkage_lab(
        people,
        common=["sex", "canton"],
        part_a=["sector"],
        part_b=["wage"],
        report_dir=tmp_path / "2",
        seed=4,
    )
    assert one["baseline_original_parts"] == two["baseline_original_parts"]
    assert one["synthetic_parts"] == two["synthetic_parts"]


@pytest.mark.parametrize(
    "common,part_a,part_b,message",
    [
        ([], ["sector"], ["wage"], "at least one shared"),
        (["sex"], [], ["wage"], "each part"),
        (["sex"], ["nope"], ["wage"], "unknown column"),
        (["sex"], ["sex"], ["wage"], "only one"),
    ],
)
def test_the_lab_refuses_bad_splits(people, tmp_path, common, part_a, part_b, message):
    with pytest.raises(InputError, match=message):
        run_linkage_lab(people, common=common, part_a=part_a, part_b=part_b, report_dir=tmp_path)
