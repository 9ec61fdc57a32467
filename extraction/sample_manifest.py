"""A realistic manifest over the warehouse, for the demo, the tests and the benchmark.

Three registers, about a dozen variables, person, company and job pseudonyms, recodes to the
default granularities (age in 5-year groups, nationality in 7 groups, residence by canton, wages
rounded to 100 EUR), a field of study (employees with an ordinary employment contract) and the
period 2010–2024. Column names are read from the warehouse's metadata, so the manifest fits
warehouses generated with or without the dictionary.
"""

import datetime

from .warehouse import EU_OTHER

AGE_GROUPS = {
    "type": "intervals",
    "breaks": [20, 25, 30, 35, 40, 45, 50, 55, 60],
    "codes": ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
}
NATIONALITY_GROUPS = {
    "type": "map",
    "default": "6",
    "map": {"LU": "0", "DE": "1", "BE": "2", "FR": "3", "PT": "4", **dict.fromkeys(sorted(EU_OTHER), "5")},
}
CANTON = {"type": "prefix", "length": 2}  # commune CCMM → canton CC; FR/BE/DE stay as they are
ALIASES = {
    "period": ["reference_period", "period"],
    "wage": ["W_gross_wage", "W_wage"],
    "hours": ["W_paid_hours", "W_hours_paid"],
    "contract": ["J_contract_type", "J_contract"],
    "status": ["J_employee_status", "J_status"],
    "working_time": ["J_working_time", "J_full_time"],
}


def _pick(columns: set[str], key: str) -> str:
    return next((c for c in ALIASES[key] if c in columns), ALIASES[key][0])


def var(
    name,
    label="",
    *,
    recode=None,
    identifier_kind="",
    pseudonymise=False,
    padlock=0,
    qi=False,
    granularity="detailed",
    modalities=None,
):
    return {
        "name": name,
        "label": label or name,
        "padlock": padlock,
        "granularity": granularity,
        "differs_from_default": False,
        "recode": recode or {"type": "identity"},
        "modalities": modalities or [],
        "identifier_kind": identifier_kind,
        "pseudonymise": bool(pseudonymise or identifier_kind),
        "quasi_identifier": qi,
    }


def build(
    meta: dict,
    *,
    project_ref: str = "PRJ-DEMO-001",
    period=("2010-01", "2024-12"),
    formats=("parquet",),
    field_of_study: bool = True,
    sample: dict | None = None,
) -> dict:
    cols = {code: {c for c, _ in reg["columns"]} for code, reg in meta["registers"].items()}
    socio, jobs, wages = cols.get("SOCIO", set()), cols.get("JOBS", set()), cols.get("WAGES", set())
    period_s = _pick(socio, "period")
    registers = [
        {
            "code": "SOCIO",
            "label": "Individual sociodemographic characteristics",
            "pseudonymisation_stage": 1,
            "variables": [
                var("I_person_id", "Person", identifier_kind="person"),
                var(period_s, "Reference month"),
                var(
                    "I_age",
                    "Age (5-year groups)",
                    recode=AGE_GROUPS,
                    padlock=1,
                    qi=True,
                    granularity="default",
                    modalities=[{"code": c, "label": c} for c in AGE_GROUPS["codes"]],
                ),
                var("I_gender", "Gender", qi=True),
                var(
                    "I_nationality",
                    "Nationality (7 groups)",
                    recode=NATIONALITY_GROUPS,
                    padlock=1,
                    qi=True,
                    granularity="default",
                    modalities=[{"code": str(i), "label": str(i)} for i in range(7)],
                ),
                var(
                    "I_commune",
                    "Residence (canton)",
                    recode=CANTON,
                    padlock=1,
                    qi=True,
                    granularity="default",
                ),
            ],
        },
        {
            "code": "JOBS",
            "label": "Jobs",
            "pseudonymisation_stage": 1,
            "variables": [
                var("J_job_id", "Job", identifier_kind="job"),
                var("I_person_id", "Person", identifier_kind="person"),
                var("E_company_id", "Employer", identifier_kind="company"),
                var(_pick(jobs, "period"), "Reference month"),
                var(_pick(jobs, "contract"), "Contract type"),
            ],
        },
        {
            "code": "WAGES",
            "label": "Wages and working time",
            "pseudonymisation_stage": 1,
            "variables": [
                var("J_job_id", "Job", identifier_kind="job"),
                var("I_person_id", "Person", identifier_kind="person"),
                var(_pick(wages, "period"), "Reference month"),
                var(
                    _pick(wages, "wage"),
                    "Gross wage (rounded to 100 EUR)",
                    recode={"type": "round", "base": 100},
                    granularity="default",
                ),
                var(_pick(wages, "hours"), "Paid hours"),
            ],
        },
    ]
    filters = (
        [{"register": "JOBS", "variable": _pick(jobs, "status"), "op": "in", "values": ["1"]}]
        if field_of_study
        else []
    )
    return {
        "manifest_version": "1.0",
        "generated_at": datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC).isoformat(),
        "request": {
            "reference": "ASK-2026-0001",
            "version": 1,
            "acronym": "DEMO",
            "title": "Demo extraction",
            "organisation": "LISER",
            "expert": "erin@igss.lu",
        },
        "project": {"reference": project_ref, "start": "2026-01-01", "end": "2028-12-31"},
        "dictionary_version": 1,
        "period": {"from": period[0], "to": period[1]},
        "field_of_study": {
            "description": "Employees (employee status 1)" if field_of_study else "",
            "filters": filters,
        },
        "sample": sample,
        "registers": registers,
        "identifiers": [{"kind": k, "stages": [1]} for k in ("person", "company", "job")],
        "protection_measures": [],
        "output_formats": list(formats),
    }
