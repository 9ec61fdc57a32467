"""Dictionary objects and requests in every state, built through the services (one helper per state)."""

from __future__ import annotations

import datetime

from dictionary.models import DictionaryVersion, Granularity, Padlock, Register, Variable
from requests_app import services
from requests_app.models import DataRequest, Decision, Outcome, State


def dictionary() -> dict[str, Variable]:
    """A small dictionary: a sociodemographic register (labour market) and a health register."""
    DictionaryVersion.objects.get_or_create(number=1, defaults={"label": "test"})
    socio, _ = Register.objects.get_or_create(
        code="SOCIO",
        defaults={
            "label": "Individual sociodemographic characteristics",
            "domain": "labour_market",
            "order": 1,
        },
    )
    health, _ = Register.objects.get_or_create(
        code="ABS", defaults={"label": "Work absences", "domain": "health", "order": 2}
    )
    out = {}

    def var(register, name, padlock=Padlock.NONE, **kw):
        v, _ = Variable.objects.get_or_create(
            register=register,
            name=name,
            defaults={
                "label": kw.pop("label", name),
                "format": kw.pop("format", Variable.Format.CHARACTER),
                "domain": register.domain,
                "padlock": padlock,
                **kw,
            },
        )
        out[name] = v
        return v

    person = var(
        socio,
        "person_id",
        format=Variable.Format.IDENTIFIER,
        identifier_kind="person",
        label="Person identifier",
    )
    Granularity.objects.get_or_create(
        variable=person, code="detailed", defaults={"kind": "detailed", "label": "As held"}
    )
    age = var(socio, "i_age", Padlock.ONE, label="Age at the end of the month", is_quasi_identifier=True)
    Granularity.objects.get_or_create(
        variable=age, code="detailed", defaults={"kind": "detailed", "label": "Years"}
    )
    default, created = Granularity.objects.get_or_create(
        variable=age,
        code="age5",
        defaults={
            "kind": "default",
            "label": "5-year groups",
            "recode": {"type": "intervals", "breaks": [20, 60], "codes": ["0", "1", "9"]},
        },
    )
    if created:
        for i, (code, label) in enumerate(
            [("0", "less than 20 years"), ("1", "20-59"), ("9", "60 years and more")]
        ):
            default.modalities.create(code=code, label=label, order=i)
    sex = var(socio, "sex", label="Sex", is_quasi_identifier=True)
    Granularity.objects.get_or_create(
        variable=sex, code="detailed", defaults={"kind": "detailed", "label": "As held"}
    )
    var(
        health,
        "person_id",
        format=Variable.Format.IDENTIFIER,
        identifier_kind="person",
        label="Person identifier",
    )
    diag = var(health, "diagnosis", Padlock.TWO, label="Diagnosis of the absence")
    Granularity.objects.get_or_create(
        variable=diag, code="detailed", defaults={"kind": "detailed", "label": "ICD"}
    )
    out["abs_person_id"] = Variable.objects.get(register=health, name="person_id")
    return out


def draft(researcher, *, members=(), variables=None, acronym="CLD") -> DataRequest:
    """A complete draft, ready to submit."""
    d = dictionary()
    request = services.request_create(
        actor=researcher, acronym=acronym, title="Career choices of the long-term unemployed"
    )
    org = researcher.affiliations.first().organisation
    request = services.request_save_step(
        request=request,
        step="project",
        actor=researcher,
        data={
            "acronym": acronym,
            "title": "Career choices of the long-term unemployed",
            "start_date": datetime.date(2026, 1, 1),
            "end_date": datetime.date(2027, 12, 31),
            "research_problem": "Why do the long-term unemployed choose the careers they choose?",
            "population": "Persons registered as unemployed for more than a year.",
            "period_from": datetime.date(2007, 7, 1),
            "period_to": datetime.date(2024, 12, 1),
        },
    )
    request = services.request_save_step(
        request=request,
        step="eligibility",
        actor=researcher,
        data={
            "purpose": "Scientific research",
            "microdata_need": "Individual careers",
            "experience": "Ten years",
        },
    )
    request = services.request_save_step(
        request=request,
        step="team",
        actor=researcher,
        data={
            "organisation": org,
            "external_data": "",
            "external_legal_basis": "",
            "software": "R, Stata",
            "members": list(members),
        },
    )
    for name in variables or ["i_age", "sex"]:
        v = d[name]
        services.request_variable_save(
            request=request,
            variable=v,
            actor=researcher,
            justification=f"Needed: {name}",
            wants_change=(name == "i_age"),
            change_justification="I need a 60-64 class" if name == "i_age" else "",
            wanted_modalities="60-64" if name == "i_age" else "",
            need_to_know="Only absences longer than a month" if v.padlock == 2 else "",
        )
    return DataRequest.objects.get(pk=request.pk)


def submitted(researcher, **kw) -> DataRequest:
    """Submitted and automatically assigned when an expert of the domain exists."""
    request = draft(researcher, **kw)
    services.request_submit(request=request, actor=researcher)
    return DataRequest.objects.get(pk=request.pk)


def processing(researcher, expert, **kw) -> DataRequest:
    request = submitted(researcher, **kw)
    assert request.expert_id == expert.pk, "the expert should have been assigned automatically"
    services.request_start_processing(request=request, actor=expert)
    return DataRequest.objects.get(pk=request.pk)


def decide_all(request: DataRequest, expert) -> DataRequest:
    services.processing_save(
        request=request,
        actor=expert,
        data={
            "needs_microdata": True,
            "needs_microdata_comment": "Individual paths",
            "is_legitimate": True,
            "is_legitimate_comment": "LISER is authorised",
            "is_statistical": True,
            "is_statistical_comment": "Purely statistical",
            "field_of_study": "Private-sector employees",
        },
    )
    for rv in request.variables.select_related("variable"):
        if rv.wants_change:
            services.variable_decide(
                request_variable=rv,
                actor=expert,
                justification_decision=Decision.ACCEPTED,
                granularity_decision=Decision.ACCEPTED,
                granularity_comment="OK",
                new_modalities="0;less than 20;0-19\n1;20-59;20-59\n2;60-64;60-64\n9;65+;65+",
                outcome=Outcome.APPROVED_OTHER,
            )
        else:
            services.variable_decide(
                request_variable=rv,
                actor=expert,
                justification_decision=Decision.ACCEPTED,
                outcome=Outcome.APPROVED,
            )
    return DataRequest.objects.get(pk=request.pk)


def in_review(researcher, expert, **kw) -> DataRequest:
    request = decide_all(processing(researcher, expert, **kw), expert)
    services.processing_send_to_datateam(request=request, actor=expert)
    return DataRequest.objects.get(pk=request.pk)


def awaiting_confirmation(researcher, expert, datateam, **kw) -> DataRequest:
    request = in_review(researcher, expert, **kw)
    services.datateam_validate(request=request, actor=datateam)
    return DataRequest.objects.get(pk=request.pk)


def confirmed(researcher, expert, datateam, **kw) -> DataRequest:
    request = awaiting_confirmation(researcher, expert, datateam, **kw)
    services.request_confirm(request=request, actor=researcher)
    return DataRequest.objects.get(pk=request.pk)


def force_state(request: DataRequest, state: str) -> DataRequest:
    """For unit tests of later transitions only: put a request in ``state`` without the path."""
    DataRequest.objects.filter(pk=request.pk).update(state=state)
    return DataRequest.objects.get(pk=request.pk)


__all__ = [
    "State",
    "dictionary",
    "draft",
    "submitted",
    "processing",
    "decide_all",
    "in_review",
    "awaiting_confirmation",
    "confirmed",
    "force_state",
]
