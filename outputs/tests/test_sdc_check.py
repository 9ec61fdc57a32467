"""``manage.py sdc_check SPEC.json``: one JSON object out; a clear error and non-zero exit for a bad spec."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .conftest import extract_frame

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def data_dir(tmp_path):
    df = extract_frame()
    df.to_csv(tmp_path / "extract.csv", index=False)
    df.to_parquet(tmp_path / "extract.parquet", index=False)
    df.assign(sex=df.sex.astype(str), region=df.region.astype(str), sector=df.sector.astype(str)).to_stata(
        tmp_path / "extract.dta", write_index=False
    )
    return tmp_path


def run(spec: dict, folder: Path, capsys) -> dict:
    path = folder / "spec.json"
    path.write_text(json.dumps(spec))
    call_command("sdc_check", str(path))
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("data", ["extract.csv", "extract.parquet", "extract.dta"])
def test_it_prints_the_verdict_for_each_data_format(data_dir, capsys, data):
    out = run(
        {"data": data, "statistic": "sum", "index": ["region"], "columns": ["sector"], "values": "wage"},
        data_dir,
        capsys,
    )
    assert out["status"] == "fail"
    assert set(out) >= {"status", "summary", "checks", "cells", "parameters"}
    assert out["checks"]["threshold"] >= 1
    small = [c for c in out["cells"] if c["row"] == ["south"] and c["column"] == ["C"]]
    assert small and "threshold" in small[0]["rules"]


def test_it_checks_a_regression(data_dir, capsys):
    out = run({"data": "extract.csv", "statistic": "ols", "formula": "wage ~ age + C(sex)"}, data_dir, capsys)
    assert out["status"] == "pass"
    assert out["dof"] == 400 - 3
    assert out["checks"]["dof"] == 0


def test_it_checks_a_histogram(data_dir, capsys):
    out = run({"data": "extract.csv", "statistic": "histogram", "values": "age", "bins": 5}, data_dir, capsys)
    assert out["status"] == "pass" and out["statistic"] == "histogram"


def test_it_applies_filters(data_dir, capsys):
    out = run(
        {
            "data": "extract.csv",
            "statistic": "count",
            "index": ["sex"],
            "filters": [{"column": "age", "op": ">=", "value": 64}],
        },
        data_dir,
        capsys,
    )
    assert out["status"] == "fail"  # few people are 64


@pytest.mark.parametrize(
    "spec,message",
    [
        ({"data": "missing.csv", "statistic": "count", "index": ["sex"]}, "data file not found"),
        ({"data": "extract.csv", "statistic": "average", "index": ["sex"]}, "unknown statistic"),
        ({"data": "extract.csv", "statistic": "count", "index": ["nope"]}, "unknown column"),
        ({"data": "extract.csv", "statistic": "sum", "index": ["sex"], "values": "sex"}, "not numeric"),
        ({"data": "extract.csv", "statistic": "ols", "formula": "wage ~ nope"}, "cannot be fitted"),
        ({"data": "extract.csv", "statistic": "ols"}, "formula"),
        ({"data": "extract.csv", "statistic": "count", "index": ["sex"], "colour": 1}, "unknown key"),
        ({"data": "extract.txt", "statistic": "count", "index": ["sex"]}, "not found|unsupported"),
        ({"data": "extract.csv", "statistic": "histogram", "values": "age", "bins": 0}, "bins"),
    ],
)
def test_it_rejects_a_wrong_spec_with_a_clear_message(data_dir, spec, message):
    path = data_dir / "spec.json"
    path.write_text(json.dumps(spec))
    with pytest.raises(CommandError, match=message):
        call_command("sdc_check", str(path))


def test_it_exits_non_zero_with_the_message_on_stderr(tmp_path):
    bad = tmp_path / "spec.json"
    bad.write_text("{not json")
    proc = subprocess.run(
        [sys.executable, "manage.py", "sdc_check", str(bad)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"ASK4MDP_EMBEDDED": "1", "DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode != 0
    assert "not valid JSON" in proc.stderr
    assert proc.stdout == ""


def test_it_rejects_a_missing_spec_file(tmp_path):
    with pytest.raises(CommandError, match="spec file not found"):
        call_command("sdc_check", str(tmp_path / "none.json"))
