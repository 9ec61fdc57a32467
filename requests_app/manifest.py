"""The manifest: exactly what may be delivered for one confirmed version of a request.

Built from the expert's decisions only, validated against ``docs/manifest.schema.json`` (the
contract with the extraction engine). Nothing downstream reads the request's rows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema
from django.conf import settings
from django.utils import timezone

from .models import DataRequest, RequestVariable

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "manifest.schema.json"
MANIFEST_VERSION = "1.0"


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text())


def validate_manifest(manifest: dict) -> None:
    """Raise ``jsonschema.ValidationError`` when the manifest breaks the contract."""
    validator = jsonschema.Draft202012Validator(schema(), format_checker=jsonschema.FormatChecker())
    validator.validate(manifest)


def _month(day) -> str:
    return f"{day:%Y-%m}"


def _granularity_of(rv: RequestVariable):
    variable = rv.variable
    if rv.approved_granularity_id:
        return rv.approved_granularity
    return rv.granularity or variable.default_granularity


def _variable_entry(variable, granularity, *, pseudonymise_names: set[str]) -> dict:
    from dictionary.models import Granularity

    modalities = (
        [{"code": m.code, "label": m.label} for m in granularity.modalities.all()] if granularity else []
    )
    entry = {
        "name": variable.name,
        "label": variable.label,
        "padlock": int(variable.padlock),
        "granularity": granularity.code if granularity else "detailed",
        "granularity_label": granularity.label if granularity else "",
        "differs_from_default": bool(granularity and granularity.kind == Granularity.Kind.CUSTOM),
        "recode": (granularity.recode if granularity and granularity.recode else {"type": "identity"}),
        "modalities": modalities,
        "identifier_kind": variable.identifier_kind or "",
        "pseudonymise": bool(variable.identifier_kind)
        or f"{variable.register.code}.{variable.name}" in pseudonymise_names,
        "quasi_identifier": bool(variable.is_quasi_identifier),
    }
    return entry


def build_manifest(request: DataRequest) -> dict:
    from dictionary.models import DictionaryVersion, Variable

    pseudonymised = set(request.pseudonymised_variables or [])
    double = set(request.double_pseudonymised_registers or [])
    indicators = request.derived_indicators or []
    removed = {(ind.get("register"), base) for ind in indicators for base in ind.get("base_variables", [])}

    approved = [
        rv
        for rv in request.variables.select_related(
            "variable__register", "granularity", "approved_granularity"
        ).prefetch_related(
            "variable__granularities__modalities",
            "approved_granularity__modalities",
            "granularity__modalities",
        )
        if rv.is_approved
    ]
    registers: dict[str, dict] = {}
    for rv in approved:
        register = rv.variable.register
        reg = registers.setdefault(
            register.code,
            {
                "code": register.code,
                "label": register.label,
                "pseudonymisation_stage": 2 if register.code in double else 1,
                "variables": [],
                "_register": register,
            },
        )
        if (register.code, rv.variable.name) in removed:
            continue  # a derived indicator is delivered instead, computed by the extraction
        reg["variables"].append(
            _variable_entry(rv.variable, _granularity_of(rv), pseudonymise_names=pseudonymised)
        )
    # The pseudonymised identifiers that link the registers always travel with them.
    for reg in registers.values():
        present = {v["name"] for v in reg["variables"]}
        for variable in (
            Variable.objects.active()
            .filter(register=reg["_register"])
            .exclude(identifier_kind="")
            .prefetch_related("granularities__modalities")
            .select_related("register")
        ):
            if variable.name not in present:
                reg["variables"].insert(
                    0,
                    _variable_entry(
                        variable,
                        variable.detailed_granularity or variable.default_granularity,
                        pseudonymise_names=pseudonymised,
                    ),
                )
    identifiers: dict[str, set[int]] = {}
    for reg in registers.values():
        del reg["_register"]
        for v in reg["variables"]:
            if v["identifier_kind"]:
                identifiers.setdefault(v["identifier_kind"], set()).add(reg["pseudonymisation_stage"])
            elif v["pseudonymise"]:
                identifiers.setdefault(v["name"], set()).add(1)

    measures = []
    for item in sorted(pseudonymised):
        register, _, name = item.partition(".")
        measures.append(
            {
                "type": "pseudonymised_variable",
                "description": f"{item} is pseudonymised",
                "register": register,
                "variable": name,
            }
        )
    for code in sorted(double):
        measures.append(
            {
                "type": "double_pseudonymisation",
                "description": f"{code} is pseudonymised with a second key",
                "register": code,
            }
        )
    for ind in indicators:
        measures.append(
            {
                "type": "derived_indicator",
                "description": ind.get("description") or ind.get("label", ""),
                "register": ind.get("register", ""),
                "indicator": {
                    "name": ind["name"],
                    "label": ind.get("label", ind["name"]),
                    "aggregate": ind.get("aggregate", "count"),
                    "of": ind.get("of"),
                    "per": ind.get("per", "person"),
                    "base_variables": ind.get("base_variables", []),
                },
            }
        )
    period_from, period_to = request.effective_period
    if (request.approved_period_from and request.approved_period_from != request.period_from) or (
        request.approved_period_to and request.approved_period_to != request.period_to
    ):
        measures.append(
            {"type": "period_shortened", "description": f"{_month(period_from)} – {_month(period_to)}"}
        )
    if request.field_filters or request.field_of_study:
        measures.append({"type": "field_restricted", "description": request.field_of_study or "filters"})
    sample = None
    if request.sample_fraction is not None:
        sample = {
            "unit": "person",
            "fraction": float(request.sample_fraction),
            "seed": int(request.sample_seed or 0),
        }
        measures.append(
            {
                "type": "sample",
                "description": request.sample_justification
                or f"{float(request.sample_fraction):.2%} sample of persons",
            }
        )
    if request.other_measures.strip():
        measures.append({"type": "other", "description": request.other_measures.strip()})

    formats = ["parquet", "csv"]
    if "stata" in (request.software or "").lower():
        formats.append("dta")
    version = DictionaryVersion.current()
    project = request.project
    return {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": timezone.now().isoformat(),
        "request": {
            "reference": request.reference,
            "version": request.version,
            "acronym": request.acronym,
            "title": request.title,
            "organisation": str(request.organisation or ""),
            "expert": request.expert.get_full_name() if request.expert_id else "",
        },
        "project": {
            "reference": project.reference if project else request.reference,
            "start": request.start_date.isoformat(),
            "end": request.end_date.isoformat(),
        },
        "dictionary_version": version.number if version else 1,
        "period": {"from": _month(period_from), "to": _month(period_to)},
        "field_of_study": {
            "description": request.field_of_study,
            "filters": list(request.field_filters or []),
        },
        "sample": sample,
        "registers": list(registers.values()),
        "identifiers": [{"kind": k, "stages": sorted(v)} for k, v in sorted(identifiers.items())],
        "protection_measures": measures,
        "output_formats": formats,
    }
