"""Demo requests in every state of the first half of the life cycle, driven through the services.

Acronyms are those of seed 000's Annex 1. Needs the accounts demo users and the demo dictionary.
Idempotent: a request whose acronym already exists (for the demo researcher) is left alone.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from ask4mdp.accounts.roles import Domain, Role
from ask4mdp.accounts.selectors import experts_of_domain, users_with_role

from . import services
from .models import DataRequest, Decision, Outcome, State

User = get_user_model()

RESEARCHER = "anna.becker@liser.lu"
RESEARCHER_2 = "marc.feller@liser.lu"

# acronym, title, target state, [(register, variable)], problem
PLAN = [
    (
        "CLD",
        "Analysis of career choices of long-term unemployed",
        "confirmed",
        [
            ("SOCIO", "I_age"),
            ("SOCIO", "I_gender"),
            ("JOBSEEK", "U_spell_duration"),
            ("JOBSEEK", "U_measure"),
        ],
    ),
    (
        "EVAL_CP",
        "Evaluation of the effects of parental leave reform",
        "researcher_confirmation",
        [("SOCIO", "I_age"), ("SOCIO", "I_gender"), ("FAMILY", None)],
    ),
    (
        "WISE",
        "Determinants of exit from social minima",
        "datateam_review",
        [("SOCIO", "I_age"), ("MININC", None), ("SOCIO", "I_nationality")],
    ),
    (
        "MIGAPE",
        "Analysis of the gender pension gap",
        "processing",
        [("SOCIO", "I_gender"), ("PENSIONS", None)],
    ),
    (
        "Eval_CAI",
        "Analysis of the beneficiaries of a welcome and integration contract",
        "returned_v2",
        [("SOCIO", "I_nationality"), ("SOCIO", "I_age"), ("JOBS", None)],
    ),
    (
        "Workageing",
        "Evaluation of measures to assist older workers",
        "returned",
        [("SOCIO", "I_age"), ("JOBS", None)],
    ),
    (
        "FPL",
        "Analysis of fathers' parental leave behaviour",
        "assigned",
        [("SOCIO", "I_gender"), ("FAMILY", None)],
    ),
    (
        "TEVA",
        "School-to-work transition after technical secondary education",
        "submitted",
        [("SOCIO", "I_age"), ("JOBS", None)],
    ),
    (
        "Commute_absent",
        "Impact of length of journey to work on work absences",
        "rejected",
        [("ABSENCE", None), ("SOCIO", "I_commune")],
    ),
    (
        "RACISM",
        "Analysis of opinions on perception of racism in Luxembourg",
        "reclassified",
        [("SOCIO", "I_nationality")],
    ),
    ("OSS", "Socio-economic observatory in the town of Schifflange", "withdrawn", [("SOCIO", "I_commune")]),
    (
        "ChilDEV",
        "Public and private investment in young childhood and wellbeing in children",
        "draft",
        [("FAMILY", None)],
    ),
]


def _variables(pairs):
    from dictionary.models import Variable

    out = []
    for register, name in pairs:
        qs = Variable.objects.active().filter(register__code=register)
        qs = qs.filter(name=name) if name else qs.filter(identifier_kind="").exclude(name="reference_period")
        v = qs.order_by("order", "name").first()
        if v is not None and v not in out:
            out.append(v)
    return out


def _draft(researcher, acronym, title, pairs, members=()):
    req = services.request_create(actor=researcher, acronym=acronym, title=title)
    org = next((a.responsible_organisation for a in researcher.affiliations.all()), None)
    services.request_save_step(
        request=req,
        step="project",
        actor=researcher,
        data={
            "title": title,
            "start_date": datetime.date.today(),
            "end_date": datetime.date.today() + datetime.timedelta(days=730),
            "research_problem": f"{title}. The project follows individual trajectories over time to measure "
            "the effect of the policy, comparing beneficiaries with a control group.",
            "population": "Residents and cross-border workers affiliated to the social security.",
            "period_from": datetime.date(2010, 1, 1),
            "period_to": datetime.date(2023, 12, 1),
        },
    )
    req = DataRequest.objects.get(pk=req.pk)
    services.request_save_step(
        request=req,
        step="eligibility",
        actor=researcher,
        data={
            "purpose": "Scientific research commissioned by a ministry; results published as aggregates.",
            "microdata_need": "Individual careers must be followed month by month.",
            "experience": "The team has analysed administrative microdata in secure environments since 2015.",
        },
    )
    services.request_save_step(
        request=DataRequest.objects.get(pk=req.pk),
        step="team",
        actor=researcher,
        data={
            "organisation": org,
            "software": "R, Stata",
            "external_data": "",
            "external_legal_basis": "",
            "members": list(members),
        },
    )
    req = DataRequest.objects.get(pk=req.pk)
    for v in _variables(pairs):
        wants = v.name == "I_age"
        services.request_variable_save(
            request=req,
            variable=v,
            actor=researcher,
            justification=f"{v.label}: an explanatory factor of the research question.",
            wants_change=wants,
            change_justification="To study the active population aged 16-64 I need a 60-64 age group."
            if wants
            else "",
            wanted_modalities="60-64" if wants else "",
            need_to_know="Only the spells of the persons in the field of study, aggregated per year."
            if v.padlock == 2
            else "",
        )
    return DataRequest.objects.get(pk=req.pk)


AGE_MODALITIES = (
    "0;less than 20 years;0-19\n1;20-29 years;20-29\n2;30-39 years;30-39\n3;40-49 years;40-49\n"
    "4;50-59 years;50-59\n5;60-64 years;60-64\n6;65 years and more;65+"
)


def _decide(req, expert):
    services.processing_save(
        request=req,
        actor=expert,
        data={
            "needs_microdata": True,
            "needs_microdata_comment": "Individual trajectories are needed.",
            "is_legitimate": True,
            "is_legitimate_comment": "An authorised research institute.",
            "is_statistical": True,
            "is_statistical_comment": "Purely statistical purpose.",
            "field_of_study": "Persons affiliated during the period",
        },
    )
    req = DataRequest.objects.get(pk=req.pk)
    for rv in req.variables.select_related("variable"):
        if rv.wants_change:
            services.variable_decide(
                request_variable=rv,
                actor=expert,
                justification_decision=Decision.ACCEPTED,
                justification_comment="Justified by the research question.",
                granularity_decision=Decision.ACCEPTED,
                granularity_comment="10-year groups with a 60-64 class.",
                new_modalities=AGE_MODALITIES,
                outcome=Outcome.APPROVED_OTHER,
            )
        else:
            services.variable_decide(
                request_variable=rv,
                actor=expert,
                justification_decision=Decision.ACCEPTED,
                outcome=Outcome.APPROVED,
            )
    return DataRequest.objects.get(pk=req.pk)


def _fresh(req):
    return DataRequest.objects.get(pk=req.pk)


def _drive(req, target, *, researcher, datateam):
    if target == "draft":
        return req
    if target == "submitted":
        with transaction.atomic():  # no automatic assignment: leave it for an expert to take
            locked = DataRequest.objects.select_for_update().get(pk=req.pk)
            locked.domain, locked.other_domains = services._primary_domain(locked)
            services.request_transition(request=locked, name="submit", actor=researcher)
            services.RequestVersion.objects.create(
                request=locked, number=1, snapshot=services._snapshot(locked), created_by=researcher
            )
        return _fresh(req)
    if target == "withdrawn":
        services.request_submit(request=req, actor=researcher)
        services.request_withdraw(
            request=_fresh(req), reason="The funding was not granted.", actor=researcher
        )
        return _fresh(req)
    services.request_submit(request=req, actor=researcher)
    req = _fresh(req)
    expert = req.expert
    if expert is None or target == "assigned":
        return req
    services.request_start_processing(request=req, actor=expert)
    req = _fresh(req)
    if target == "processing":
        first = req.variables.first()
        services.message_post(
            request=req,
            variable=first,
            actor=expert,
            body="Could the analysis work with yearly data instead of monthly data?",
        )
        return _fresh(req)
    if target == "rejected":
        return services.request_reject(
            request=req, actor=expert, reason="The project does not need individual data on absences."
        )
    if target == "reclassified":
        return services.request_reclassify(
            request=req, actor=expert, reason="Aggregate tables by nationality answer the question."
        )
    if target in ("returned", "returned_v2"):
        services.request_return_to_researcher(
            request=req, actor=expert, reason="Please describe the control group and the period needed."
        )
        if target == "returned":
            return _fresh(req)
        services.request_save_step(
            request=_fresh(req),
            step="project",
            actor=researcher,
            data={
                "population": "Signatories of the welcome contract and, as a control group, newcomers who "
                "did not sign it, 2016-2023.",
                "period_from": datetime.date(2016, 1, 1),
            },
        )
        services.request_resubmit(request=_fresh(req), actor=researcher)
        return _fresh(req)
    req = _decide(req, expert)
    services.processing_send_to_datateam(request=req, actor=expert)
    if target == "datateam_review":
        return _fresh(req)
    services.datateam_validate(request=_fresh(req), actor=datateam)
    if target == "researcher_confirmation":
        return _fresh(req)
    services.request_confirm(request=_fresh(req), actor=researcher)
    return _fresh(req)


def load(*, stdout) -> None:
    researcher = User.objects.filter(email=RESEARCHER).first() or users_with_role(Role.RESEARCHER).first()
    datateam = users_with_role(Role.DATATEAM).first()
    if researcher is None or datateam is None or not experts_of_domain(Domain.LABOUR_MARKET).exists():
        stdout.write("  requests: the accounts demo (researchers, experts, datateam) is missing; skipped")
        return
    colleague = User.objects.filter(email=RESEARCHER_2).first()
    made = 0
    for acronym, title, target, pairs in PLAN:
        if DataRequest.objects.filter(researcher=researcher, acronym=acronym).exists():
            continue
        members = [colleague] if colleague and acronym in ("CLD", "EVAL_CP") else []
        req = _draft(researcher, acronym, title, pairs, members=members)
        req = _drive(req, target, researcher=researcher, datateam=datateam)
        made += 1
        stdout.write(f"  {req.reference} {acronym}: {req.get_state_display()} (v{req.version})")
    stdout.write(f"  requests: {made} created, {DataRequest.objects.count()} in all")


__all__ = ["load", "State"]
