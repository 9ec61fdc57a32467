import json

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from .conftest import person_table


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "people.csv"
    person_table(n=300).to_csv(path, index=False)
    return path


def test_it_synthesises_a_csv_with_its_report(csv_file, tmp_path, capsys):
    out, report_dir = tmp_path / "synthetic.csv", tmp_path / "report"
    call_command(
        "synthesize",
        "--input",
        str(csv_file),
        "--output",
        str(out),
        "--report",
        str(report_dir),
        "--seed",
        "7",
        "--target",
        "sector",
    )
    synthetic = pd.read_csv(out)
    assert list(synthetic.columns) == list(pd.read_csv(csv_file).columns)
    assert len(synthetic) == 300
    report = json.loads((report_dir / "report.json").read_text())
    for key in ("pMSE", "S_pMSE", "exact_copies", "exact_copies_holdout"):
        assert isinstance(report[key], float)
    assert report["privacy"]["DiSCO"]["target"] == "sector"
    assert {"repU", "DCR_synthetic_train_median", "DCR_holdout_train_median"} <= set(report["privacy"])
    assert report["utility"]["regression"]["outcome"] == "age"
    assert report["synthesis"]["seed"] == 7
    assert report["label"] == "synthetic — not valid for inference"
    assert (report_dir / "report.pdf").read_bytes().startswith(b"%PDF")
    printed = capsys.readouterr().out
    assert "NOT VALID FOR INFERENCE" in printed
    assert json.loads(printed.strip().splitlines()[-1])["S_pMSE"] == report["S_pMSE"]


def test_the_same_seed_gives_the_same_file(csv_file, tmp_path):
    for name in ("a", "b"):
        call_command(
            "synthesize",
            "--input",
            str(csv_file),
            "--output",
            str(tmp_path / f"{name}.csv"),
            "--report",
            str(tmp_path / name),
            "--seed",
            "3",
            "--permutations",
            "2",
        )
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.mark.parametrize("suffix", [".parquet", ".dta"])
def test_it_writes_the_input_format(tmp_path, suffix):
    df = person_table(n=200)
    source = tmp_path / f"in{suffix}"
    if suffix == ".parquet":
        df.to_parquet(source)
    else:
        df.to_stata(source, write_index=False)
    out = tmp_path / f"out{suffix}"
    call_command(
        "synthesize",
        "--input",
        str(source),
        "--output",
        str(out),
        "--report",
        str(tmp_path / "r"),
        "--permutations",
        "2",
    )
    back = pd.read_parquet(out) if suffix == ".parquet" else pd.read_stata(out)
    assert set(back.columns) == set(df.columns)
    assert len(back) == 200


@pytest.mark.parametrize(
    "args,message",
    [
        (["--input", "missing.csv", "--output", "o.csv"], "no such file"),
        (["--input", "{csv}", "--output", "o.parquet"], "same format"),
        (["--input", "{csv}", "--output", "o.xlsx"], "unsupported file type"),
        (["--input", "{csv}", "--output", "o.csv", "--target", "nope"], "unknown column"),
        (["--input", "{csv}", "--output", "o.csv", "--quasi-identifiers", "sex,nope"], "unknown column"),
        (["--input", "{csv}", "--output", "o.csv", "--min-leaf", "0"], "at least 1"),
    ],
)
def test_it_refuses_bad_arguments_with_a_clear_message(csv_file, tmp_path, args, message):
    args = [a.replace("{csv}", str(csv_file)) for a in args]
    args = [
        str(tmp_path / a) if a.endswith((".csv", ".parquet", ".xlsx")) and "/" not in a else a for a in args
    ]
    with pytest.raises(CommandError, match=message):
        call_command("synthesize", *args, "--report", str(tmp_path / "r"))


def test_it_refuses_a_too_small_file(tmp_path):
    source = tmp_path / "tiny.csv"
    person_table(n=20).to_csv(source, index=False)
    with pytest.raises(CommandError, match="at least 50"):
        call_command(
            "synthesize",
            "--input",
            str(source),
            "--output",
            str(tmp_path / "o.csv"),
            "--report",
            str(tmp_path / "r"),
        )


def test_the_linkage_lab_command_writes_its_report(csv_file, tmp_path, capsys):
    call_command(
        "linkage_lab",
        "--input",
        str(csv_file),
        "--common",
        "sex,canton,age",
        "--part-a",
        "sector",
        "--part-b",
        "wage",
        "--report",
        str(tmp_path / "lab"),
        "--seed",
        "2",
    )
    report = json.loads((tmp_path / "lab" / "report.json").read_text())
    assert report["common"] == ["sex", "canton", "age"]
    assert set(report["baseline_original_parts"]) >= {"exact", "nearest_neighbour", "propensity_score"}
    assert (tmp_path / "lab" / "report.pdf").exists()
    assert (tmp_path / "lab" / "linked_synthetic.csv").exists()
    assert "baseline" in capsys.readouterr().out


@pytest.mark.parametrize(
    "common,part_a,message",
    [
        ("sex,nope", "sector", "unknown column"),
        ("sex", "sex", "only one"),
    ],
)
def test_the_linkage_lab_command_refuses_bad_arguments(csv_file, tmp_path, common, part_a, message):
    with pytest.raises(CommandError, match=message):
        call_command(
            "linkage_lab",
            "--input",
            str(csv_file),
            "--common",
            common,
            "--part-a",
            part_a,
            "--part-b",
            "wage",
            "--report",
            str(tmp_path / "lab"),
        )


def test_the_linkage_lab_command_needs_its_arguments(csv_file):
    with pytest.raises(CommandError, match="--common"):
        call_command(
            "linkage_lab", "--input", str(csv_file), "--part-a", "x", "--part-b", "y", "--report", "r"
        )
