"""The manifest: built from the decisions only, valid against docs/manifest.schema.json."""

import copy

import jsonschema
import pytest

from requests_app import services
from requests_app.manifest import build_manifest, validate_manifest
from requests_app.tests import factories as f


def test_it_builds_a_valid_manifest_from_the_decisions(alice, erin, dana):
    req = f.confirmed(alice, erin, dana)
    manifest = req.manifests.get().data
    validate_manifest(manifest)
    (socio,) = manifest["registers"]
    names = [v["name"] for v in socio["variables"]]
    assert names[0] == "person_id"  # the linking identifier always travels, pseudonymised
    assert set(names) == {"person_id", "i_age", "sex"}
    age = next(v for v in socio["variables"] if v["name"] == "i_age")
    assert age["differs_from_default"] is True
    assert age["recode"]["type"] == "intervals"
    assert [m["code"] for m in age["modalities"]] == ["0", "1", "2", "9"]
    assert manifest["identifiers"] == [{"kind": "person", "stages": [1]}]
    assert manifest["period"] == {"from": "2007-07", "to": "2024-12"}
    assert "dta" in manifest["output_formats"]  # Stata was asked for


def test_it_carries_the_protection_measures(alice, erin, dana):
    req = f.decide_all(f.processing(alice, erin, variables=["i_age", "sex", "diagnosis"]), erin)
    services.processing_save(
        request=req,
        actor=erin,
        data={
            "approved_period_from": __import__("datetime").date(2010, 1, 1),
            "sample_fraction": __import__("decimal").Decimal("0.2"),
            "sample_justification": "Need-to-know",
            "pseudonymised_variables": ["SOCIO.sex"],
            "double_pseudonymised_registers": ["ABS"],
            "derived_indicators": [
                {
                    "register": "ABS",
                    "name": "n_abs",
                    "label": "Number of absences",
                    "aggregate": "count",
                    "of": None,
                    "per": "person",
                    "base_variables": ["diagnosis"],
                }
            ],
        },
    )
    req = type(req).objects.get(pk=req.pk)
    manifest = build_manifest(req)
    validate_manifest(manifest)
    types = {m["type"] for m in manifest["protection_measures"]}
    assert types == {
        "pseudonymised_variable",
        "double_pseudonymisation",
        "derived_indicator",
        "period_shortened",
        "field_restricted",
        "sample",
    }
    registers = {r["code"]: r for r in manifest["registers"]}
    assert registers["ABS"]["pseudonymisation_stage"] == 2
    assert "diagnosis" not in [v["name"] for v in registers["ABS"]["variables"]]  # base variable removed
    assert {"kind": "person", "stages": [1, 2]} in manifest["identifiers"]
    assert manifest["sample"]["fraction"] == 0.2 and manifest["period"]["from"] == "2010-01"
    sex = next(v for v in registers["SOCIO"]["variables"] if v["name"] == "sex")
    assert sex["pseudonymise"] is True


def test_it_refuses_a_manifest_that_breaks_the_contract(alice, erin, dana):
    manifest = f.confirmed(alice, erin, dana).manifests.get().data
    for breaker in (
        lambda m: m.pop("registers"),
        lambda m: m["period"].update({"from": "2010-13"}),
        lambda m: m.update({"unexpected": 1}),
        lambda m: m["registers"][0]["variables"][0].update({"padlock": 3}),
    ):
        broken = copy.deepcopy(manifest)
        breaker(broken)
        with pytest.raises(jsonschema.ValidationError):
            validate_manifest(broken)
