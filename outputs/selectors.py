"""Reads for the outputs app."""

import hashlib

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ask4mdp.projects.models import Project

from .models import ApiToken, InputFile, OutputFile, OutputRequest, ReleasedTable
from .permissions import can_manage_inputs, is_output_checker


def projects_for_researcher(user) -> QuerySet[Project]:
    from ask4mdp.projects.selectors import projects_of_researcher

    return projects_of_researcher(user).annotate(n_requests=Count("output_requests"))


def checker_queue(user) -> QuerySet[OutputRequest]:
    """Requests waiting for a checker, oldest first."""
    qs = OutputRequest.objects.filter(
        status__in=[OutputRequest.Status.AWAITING_REVIEW, OutputRequest.Status.CHECKING]
    )
    qs = (
        qs.select_related("project", "created_by")
        .annotate(
            n_files=Count("files"),
            n_pending=Count("files", filter=Q(files__decision=OutputFile.Decision.PENDING)),
        )
        .order_by("checks_finished_at", "created_at")
    )
    if is_output_checker(user):
        return qs
    return qs.none()


def decided_requests(since=None) -> QuerySet[OutputRequest]:
    qs = OutputRequest.objects.filter(status=OutputRequest.Status.DECIDED).exclude(decided_at=None)
    if since is not None:
        qs = qs.filter(decided_at__gte=since)
    return qs.select_related("project").order_by("decided_at")


def turnaround_chart(requests) -> dict:
    """Hours from submission to decision, per decided request (Chart.js data)."""
    labels, hours = [], []
    for r in requests:
        labels.append(f"{r.project.reference} #{r.pk}")
        hours.append(round((r.decided_at - r.created_at).total_seconds() / 3600, 1))
    return {"labels": labels, "datasets": [{"label": "hours", "data": hours}]}


def released_tables_for(project, data_sha256: str) -> QuerySet[ReleasedTable]:
    return ReleasedTable.objects.filter(project=project, data_sha256=data_sha256).select_related(
        "output_file"
    )


def token_from_raw(raw: str) -> ApiToken | None:
    """The usable token matching this raw value, or None (expired, revoked or unknown)."""
    if not raw:
        return None
    digest = hashlib.sha256(raw.encode()).hexdigest()
    token = ApiToken.objects.select_related("project", "user").filter(token_hash=digest).first()
    if token is None or token.revoked_at is not None or token.expires_at <= timezone.now():
        return None
    return token


def input_projects(user) -> QuerySet[Project]:
    qs = Project.objects.filter(status__in=[Project.Status.PREPARING, Project.Status.ACTIVE])
    return (
        qs.annotate(n_inputs=Count("input_files")).order_by("reference")
        if can_manage_inputs(user)
        else qs.none()
    )


def project_inputs_all_validated(project) -> bool:
    """True when no external file of the project is waiting to be checked or validated.

    (A project with no external file at all has nothing to check: True.) Read by the desktop
    checklist's "external files input-checked" item.
    """
    return not InputFile.objects.filter(
        project=project,
        status__in=[InputFile.Status.UPLOADED, InputFile.Status.CHECKED, InputFile.Status.VALIDATING],
    ).exists()
