"""Reads of the request life cycle: who sees what, the dashboards' lists, precedents."""

from __future__ import annotations

from collections import Counter, defaultdict

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from ask4mdp.accounts.roles import Role

from .models import DataRequest, Outcome, RequestVariable, State


def visible_requests(user) -> QuerySet[DataRequest]:
    """Every request ``user`` may see.

    Per-object rights (guardian: the researcher, the team members, the assigned expert, and
    whoever the implementation phase grants) plus what the roles see: experts the submitted
    requests of their domains, the datateam every submitted request, administrators everything.
    """
    if not user.is_authenticated or not user.is_active:
        return DataRequest.objects.none()
    granted = get_objects_for_user(
        user,
        "requests_app.view_datarequest",
        klass=DataRequest,
        accept_global_perms=False,
        with_superuser=False,
    )
    condition = Q(pk__in=granted.values("pk"))
    if user.is_superuser or user.has_role(Role.ADMINISTRATOR):
        return DataRequest.objects.all()
    if user.has_role(Role.EXPERT):
        domains = list(user.expert_domains.values_list("domain", flat=True))
        domain_q = Q(domain__in=domains)
        for d in domains:
            domain_q |= Q(other_domains__icontains=f'"{d}"')
        condition |= (domain_q & ~Q(state=State.DRAFT)) | Q(expert=user)
    if user.has_role(Role.DATATEAM):
        condition |= ~Q(state=State.DRAFT)
    return DataRequest.objects.filter(condition).distinct()


def get_visible_request(user, pk: int) -> DataRequest:
    """The request, or 404 when ``user`` may not see it (not 403: its existence is not revealed)."""
    request = (
        visible_requests(user).select_related("researcher", "expert", "organisation").filter(pk=pk).first()
    )
    if request is None:
        raise Http404
    return request


def can_take_part(user, request: DataRequest) -> bool:
    """May write in the request's discussion: the researchers, the request's expert, administrators."""
    if user.pk == request.researcher_id or request.members.filter(pk=user.pk).exists():
        return True
    return bool(user.pk == request.expert_id or user.has_role(Role.ADMINISTRATOR))


def researcher_requests(user) -> QuerySet[DataRequest]:
    return (
        DataRequest.objects.filter(Q(researcher=user) | Q(members=user)).distinct().select_related("expert")
    )


def expert_todo(user) -> dict[str, QuerySet[DataRequest]]:
    domains = list(user.expert_domains.values_list("domain", flat=True))
    mine = DataRequest.objects.filter(expert=user).select_related("researcher", "organisation")
    other_q = Q()
    for d in domains:
        other_q |= Q(other_domains__icontains=f'"{d}"')
    return {
        "todo": mine.filter(state__in=[State.ASSIGNED, State.PROCESSING]),
        "waiting": mine.filter(
            state__in=[State.RETURNED, State.DATATEAM_REVIEW, State.RESEARCHER_CONFIRMATION]
        ),
        "unassigned": DataRequest.objects.filter(state=State.SUBMITTED, domain__in=domains),
        "other_domains": DataRequest.objects.filter(
            other_q, state__in=[State.ASSIGNED, State.PROCESSING]
        ).exclude(expert=user)
        if domains
        else DataRequest.objects.none(),
        "done": mine.exclude(
            state__in=[
                State.ASSIGNED,
                State.PROCESSING,
                State.RETURNED,
                State.DATATEAM_REVIEW,
                State.RESEARCHER_CONFIRMATION,
            ]
        ),
    }


def datateam_queue(user) -> QuerySet[DataRequest]:
    return DataRequest.objects.filter(state=State.DATATEAM_REVIEW).select_related("expert", "researcher")


def precedents(request: DataRequest) -> dict[int, dict]:
    """Per variable of ``request``: how it was decided in earlier requests (counts and links)."""
    variable_ids = list(request.variables.values_list("variable_id", flat=True))
    rows = (
        RequestVariable.objects.filter(variable_id__in=variable_ids)
        .exclude(request=request)
        .exclude(outcome="")
        .select_related("request")
        .order_by("-request__created_at")
    )
    out: dict[int, dict] = defaultdict(lambda: {"counts": Counter(), "requests": []})
    for rv in rows:
        entry = out[rv.variable_id]
        entry["counts"][rv.outcome] += 1
        if len(entry["requests"]) < 5:
            entry["requests"].append((rv.request, rv.get_outcome_display()))
    labels = dict(Outcome.choices)
    return {
        vid: {"counts": [(labels[k], n) for k, n in e["counts"].most_common()], "requests": e["requests"]}
        for vid, e in out.items()
    }


def dictionary_warnings(request: DataRequest) -> list[RequestVariable]:
    """Variables of the request renamed or withdrawn in a newer dictionary version."""
    return list(
        request.variables.exclude(variable__status="active").select_related(
            "variable__replaced_by", "variable__changed_in"
        )
    )


def state_counts(qs: QuerySet[DataRequest] | None = None) -> list[tuple[str, str, int]]:
    qs = DataRequest.objects.all() if qs is None else qs
    counts = dict(qs.values_list("state").annotate(n=Count("pk")).values_list("state", "n"))
    return [(value, label, counts.get(value, 0)) for value, label in State.choices]
