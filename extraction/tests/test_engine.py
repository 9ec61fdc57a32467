"""The extraction engine on a small generated warehouse."""
# ruff: noqa: S608 - DuckDB SQL over the warehouse, from identifiers checked against its columns (quote_ident)
# and quoted literals (literal); no text reaches it unquoted.

import copy
import hashlib
import json
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from extraction import engine, risk
from pseudonym.services import project_key_ensure, pseudonymise_distinct


@pytest.fixture
def pseudonymise(project, pia):
    project_key_ensure(project=project, actor=pia)

    def call(domain, stage, values):
        return pseudonymise_distinct(project=project, domain=domain, values=values, stage=stage)

    return call


def _run(manifest, warehouse, out, pseudonymise, **kwargs):
    return engine.run(
        manifest,
        warehouse=warehouse,
        out_dir=out,
        pseudonymise=pseudonymise,
        memory_limit="512MB",
        threads=2,
        **kwargs,
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_it_delivers_every_file_and_the_same_bytes_on_a_rerun(manifest, warehouse, pseudonymise, tmp_path):
    manifest["output_formats"] = ["parquet", "csv", "dta"]
    steps = []
    first = _run(manifest, warehouse, tmp_path / "a", pseudonymise, progress=lambda v, s: steps.append(v))
    _run(manifest, warehouse, tmp_path / "b", pseudonymise)
    names = {f.name for f in first.files}
    for reg in ("SOCIO", "JOBS", "WAGES"):
        assert {f"{reg}.parquet", f"{reg}.csv", f"{reg}.dta"} <= names
    assert {
        "codebook.json",
        "codebook.md",
        "manifest.json",
        "risk_report.json",
        "risk_report.html",
        "SHA256SUMS",
    } <= names
    data = [f.name for f in first.files if f.kind == "data"]
    assert [_digest(tmp_path / "a" / n) for n in data] == [_digest(tmp_path / "b" / n) for n in data]
    sums = dict(line.split("  ")[::-1] for line in (tmp_path / "a" / "SHA256SUMS").read_text().splitlines())
    assert all(sums[n] == _digest(tmp_path / "a" / n) for n in sums)
    assert json.loads((tmp_path / "a" / "manifest.json").read_text()) == manifest
    assert steps == sorted(steps) and steps[-1] == 99
    assert not list(tmp_path.glob(".*partial*"))


def test_it_filters_the_field_of_study_and_the_period(manifest, warehouse, pseudonymise, tmp_path):
    out = tmp_path / "d"
    _run(manifest, warehouse, out, pseudonymise)
    con = duckdb.connect()
    months = con.execute(
        f"SELECT min(reference_period), max(reference_period) FROM '{out}/SOCIO.parquet'"
    ).fetchone()
    assert str(months[0]) >= "2010-01-01" and str(months[1]) <= "2024-12-01"
    # Every delivered person has a job with employee status 1 in the period (the field of study).
    src = f"read_parquet('{warehouse}/JOBS/*/*.parquet', hive_partitioning = true)"
    expected = con.execute(
        f"SELECT count(DISTINCT I_person_id) FROM {src} WHERE J_employee_status = '1' "
        "AND reference_period BETWEEN DATE '2010-01-01' AND DATE '2024-12-01'"
    ).fetchone()[0]
    delivered = con.execute(f"SELECT count(DISTINCT I_person_id) FROM '{out}/SOCIO.parquet'").fetchone()[0]
    all_persons = con.execute(
        f"SELECT count(DISTINCT I_person_id) FROM read_parquet('{warehouse}/SOCIO/*/*.parquet')"
    ).fetchone()[0]
    assert 0 < delivered <= expected < all_persons


def test_it_pseudonymises_once_per_identifier_and_links_the_registers(
    manifest, warehouse, pseudonymise, tmp_path
):
    out = tmp_path / "d"
    _run(manifest, warehouse, out, pseudonymise)
    con = duckdb.connect()
    socio = {r[0] for r in con.execute(f"SELECT DISTINCT I_person_id FROM '{out}/SOCIO.parquet'").fetchall()}
    jobs = {r[0] for r in con.execute(f"SELECT DISTINCT I_person_id FROM '{out}/JOBS.parquet'").fetchall()}
    assert jobs <= socio and all(len(p) == 16 for p in socio)
    wage_jobs = {r[0] for r in con.execute(f"SELECT DISTINCT J_job_id FROM '{out}/WAGES.parquet'").fetchall()}
    job_jobs = {r[0] for r in con.execute(f"SELECT DISTINCT J_job_id FROM '{out}/JOBS.parquet'").fetchall()}
    assert wage_jobs <= job_jobs
    raw = {
        str(r[0])
        for r in con.execute(
            f"SELECT DISTINCT I_person_id FROM read_parquet('{warehouse}/SOCIO/*/*.parquet')"
        ).fetchall()
    }
    assert not raw & socio
    # Recoded to the default codings.
    ages = {r[0] for r in con.execute(f"SELECT DISTINCT I_age FROM '{out}/SOCIO.parquet'").fetchall()}
    assert ages <= {str(i) for i in range(10)}
    nat = {r[0] for r in con.execute(f"SELECT DISTINCT I_nationality FROM '{out}/SOCIO.parquet'").fetchall()}
    assert nat <= {str(i) for i in range(7)} and "0" in nat
    wages = con.execute(
        f"SELECT count(*) FROM '{out}/WAGES.parquet' WHERE W_gross_wage % 100 <> 0"
    ).fetchone()[0]
    assert wages == 0


def test_it_gives_the_same_pseudonyms_in_two_deliveries_and_draws_a_stable_sample(
    manifest, warehouse, pseudonymise, tmp_path
):
    _run(manifest, warehouse, tmp_path / "full", pseudonymise)
    sampled = copy.deepcopy(manifest)
    sampled["sample"] = {"unit": "person", "fraction": 0.3, "seed": 11}
    _run(sampled, warehouse, tmp_path / "s1", pseudonymise)
    _run(sampled, warehouse, tmp_path / "s2", pseudonymise)
    con = duckdb.connect()

    def persons(d):
        return {
            r[0]
            for r in con.execute(
                f"SELECT DISTINCT I_person_id FROM '{tmp_path / d}/SOCIO.parquet'"
            ).fetchall()
        }

    full, s1, s2 = persons("full"), persons("s1"), persons("s2")
    assert s1 == s2 and s1 < full
    assert 0.15 < len(s1) / len(full) < 0.45


def test_it_double_pseudonymises_and_replaces_base_variables_by_the_indicator(
    manifest, warehouse, pseudonymise, tmp_path
):
    """Seed 000, Box 1 example 2: absences under the second key, the indicator linkable under the first."""
    from extraction.sample_manifest import var

    m = copy.deepcopy(manifest)
    m["registers"].append(
        {
            "code": "ABSENCE",
            "label": "Work absences",
            "pseudonymisation_stage": 2,
            "variables": [
                var("I_person_id", identifier_kind="person"),
                var("A_start_date"),
                var("A_duration", padlock=2),
                var("A_type", padlock=2),
            ],
        }
    )
    m["identifiers"] = [
        {"kind": "person", "stages": [1, 2]},
        {"kind": "company", "stages": [1]},
        {"kind": "job", "stages": [1]},
    ]
    m["protection_measures"] = [
        {
            "type": "derived_indicator",
            "description": "health indicator",
            "register": "ABSENCE",
            "indicator": {
                "name": "H_absence_days",
                "label": "Days of absence per year",
                "aggregate": "sum",
                "of": "A_duration",
                "per": "person_year",
                "base_variables": ["A_duration", "A_type"],
            },
        }
    ]
    result = _run(m, warehouse, tmp_path / "d", pseudonymise)
    out = tmp_path / "d"
    absence = pq.read_table(out / "ABSENCE.parquet")
    assert absence.column_names == ["I_person_id", "A_start_date"]  # base variables dropped
    indicator = pq.read_table(out / "ABSENCE__H_absence_days.parquet")
    assert indicator.column_names == ["I_person_id", "year", "H_absence_days"]
    socio = set(pq.read_table(out / "SOCIO.parquet", columns=["I_person_id"]).column(0).to_pylist())
    stage2 = set(absence.column("I_person_id").to_pylist())
    stage1 = set(indicator.column("I_person_id").to_pylist())
    assert not stage2 & socio  # the absence file does not link to the other registers
    assert stage1 & socio  # the indicator does
    codebook = json.loads((out / "codebook.json").read_text())
    assert any(f["file"] == "ABSENCE__H_absence_days" for f in codebook["files"])
    assert result.counts["person/2"] > 0


def test_it_splits_stata_files_by_year(manifest, warehouse, pseudonymise, tmp_path, monkeypatch):
    monkeypatch.setattr(engine, "DTA_MAX_ROWS", 1000)
    manifest["output_formats"] = ["dta"]
    manifest["period"] = {"from": "2020-01", "to": "2021-12"}
    result = _run(manifest, warehouse, tmp_path / "d", pseudonymise)
    names = {f.name for f in result.files}
    assert {"SOCIO.2020.dta", "SOCIO.2021.dta"} <= names and "SOCIO.parquet" not in names
    import pyreadstat

    df, _meta = pyreadstat.read_dta(str(tmp_path / "d" / "SOCIO.2020.dta"))
    assert df["I_person_id"].str.len().eq(16).all()


def test_it_refuses_an_invalid_manifest_and_says_why(manifest, warehouse, pseudonymise, tmp_path):
    bad = copy.deepcopy(manifest)
    bad["registers"][0]["variables"].append({**bad["registers"][0]["variables"][-1], "name": "I_shoe_size"})
    bad["period"]["from"] = "2010-13"
    with pytest.raises(engine.ManifestInvalid) as info:
        _run(bad, warehouse, tmp_path / "d", pseudonymise)
    assert any("period/from" in e for e in info.value.errors)
    del bad["period"]["from"]
    bad["period"]["from"] = "2010-01"
    with pytest.raises(engine.ManifestInvalid, match="I_shoe_size"):
        _run(bad, warehouse, tmp_path / "d", pseudonymise)
    assert not (tmp_path / "d").exists()


def test_it_leaves_no_partial_delivery_when_it_fails(manifest, warehouse, pseudonymise, tmp_path):
    out = tmp_path / "d"
    _run(manifest, warehouse, out, pseudonymise)
    before = {p.name: _digest(p) for p in out.iterdir()}

    def broken(domain, stage, values):
        if domain == "person":
            raise RuntimeError("pseudonymiser down")
        return pseudonymise(domain, stage, values)

    with pytest.raises(RuntimeError):
        _run(manifest, warehouse, out, broken)
    assert {p.name: _digest(p) for p in out.iterdir()} == before  # the previous delivery is intact
    assert not list(tmp_path.glob(".d.partial-*"))


def test_it_reports_known_rare_combinations(tmp_path):
    """A crafted file: 10 records share one combination, 3 another, and 2 are unique."""
    import pyarrow as pa

    rows = ([("1", "0", "01")] * 10) + ([("2", "4", "02")] * 3) + [("3", "6", "03"), ("9", "1", "FR")]
    table = pa.table(
        {
            "I_age": [r[0] for r in rows],
            "I_nationality": [r[1] for r in rows],
            "I_commune": [r[2] for r in rows],
        }
    )
    path = tmp_path / "crafted.parquet"
    pq.write_table(table, path)
    report = risk.assess(duckdb.connect(), path, ["I_age", "I_nationality", "I_commune"], register="X")
    assert report["records"] == 15 and report["classes"] == 4
    assert report["below_k"]["2"] == {"records": 2, "classes": 2, "share": 2 / 15}
    assert report["below_k"]["3"]["records"] == 2
    assert report["below_k"]["5"]["records"] == 5
    assert report["below_k"]["10"]["records"] == 5
    assert report["below_k"]["10"]["classes"] == 3
    assert report["smallest_classes"][0] == {
        "values": {"I_age": "3", "I_nationality": "6", "I_commune": "03"},
        "size": 1,
    }
    assert report["smallest_classes"][-1]["size"] == 10
    p = report["prosecutor"]
    assert p["max_risk"] == 1.0 and p["mean_risk"] == pytest.approx(4 / 15)
    assert p["records_above_threshold"] == 5 and p["unique_records"] == 2
    html = risk.render_html({"registers": [report], "k_values": [2, 3, 5, 10], "threshold": 0.2})
    assert "I_nationality" in html and "<table" in html


def test_it_assesses_the_delivered_quasi_identifiers_on_the_last_month(
    manifest, warehouse, pseudonymise, tmp_path
):
    result = _run(manifest, warehouse, tmp_path / "d", pseudonymise)
    (socio,) = [r for r in result.risk_report["registers"] if r["register"] == "SOCIO"]
    assert socio["quasi_identifiers"] == ["I_age", "I_gender", "I_nationality", "I_commune"]
    assert socio["snapshot"] == "2024-12"
    con = duckdb.connect()
    persons = con.execute(
        f"SELECT count(DISTINCT I_person_id) FROM '{tmp_path}/d/SOCIO.parquet' "
        "WHERE reference_period = DATE '2024-12-01'"
    ).fetchone()[0]
    assert socio["records"] == persons


def test_it_delivers_empty_files_for_a_period_without_data(manifest, warehouse, pseudonymise, tmp_path):
    manifest["period"] = {"from": "2030-01", "to": "2030-06"}
    manifest["field_of_study"] = {"description": "", "filters": []}
    result = _run(manifest, warehouse, tmp_path / "d", pseudonymise)
    assert result.rows == 0
    assert pq.read_table(tmp_path / "d" / "SOCIO.parquet").num_rows == 0
