"""Writes of the implementation phase and of the project's active period.

Seed 000, steps 7–8: once the researcher has confirmed, the request's expert fills in the table of
roles; three tasks then run side by side — the virtual desktop, the extraction and the contract —
and "dispatch of the contract is triggered by validation of the last task". When all three are
validated the request is finalised; the expert then opens the project for its access period
(possibly shortened). At the end date, or at once on a breach, access is removed and the key
material destroyed.

Each public service is one durable transaction that checks the actor's right, changes state, writes
the audit event and schedules side effects (Celery tasks, e-mails) on commit. The state machine is
the requests helper's (``DataRequest``): transitions go through ``request_transition``.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from guardian.shortcuts import assign_perm, remove_perm

from ask4mdp.accounts.models import Sanction, User, add_years
from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import users_with_role
from ask4mdp.audit.services import log_event
from ask4mdp.notifications.services import notify
from ask4mdp.projects.models import Project, ProjectMember
from requests_app.models import DataRequest, Manifest, State

from . import contract as contract_doc
from .models import (
    REQUIRED_ROLES,
    ROLE_GROUP,
    SINGLE_ROLES,
    Breach,
    Contract,
    ContractDetails,
    ContractSignature,
    ContractTemplate,
    Desktop,
    ExpiryReminder,
    ImplementationRole,
    ImplementationTask,
    ProvisioningStep,
    RoleAssignment,
    SignatureParty,
)
from .provisioner import desktop_login, get_provisioner

logger = logging.getLogger(__name__)

Kind = ImplementationTask.Kind
TaskStatus = ImplementationTask.Status
IR = ImplementationRole

IMPLEMENTATION_STATES = (State.IMPLEMENTATION, State.FINALISED, State.ACTIVE)
ROLES_EDITABLE_STATES = (State.CONFIRMED, State.IMPLEMENTATION, State.FINALISED, State.ACTIVE)
REMINDER_DAYS = (30, 7)
OPEN_STATES_TO_BLOCK = (
    State.SUBMITTED,
    State.ASSIGNED,
    State.PROCESSING,
    State.RETURNED,
    State.DATATEAM_REVIEW,
    State.RESEARCHER_CONFIRMATION,
    State.CONFIRMED,
)

DESKTOP_ITEMS: list[tuple[str, object]] = [
    ("desktop_created", gettext_lazy("Desktop created")),
    ("accounts_created", gettext_lazy("One account per researcher created")),
    ("software_installed", gettext_lazy("Requested software installed")),
    ("delivery_mounted", gettext_lazy("Delivery folder mounted")),
    ("inputs_checked", gettext_lazy("External files input-checked")),
]
DESKTOP_KEYS = [k for k, _label in DESKTOP_ITEMS]


class ActionNotAllowed(PermissionDenied):
    """The actor may see the request but not do this (a 403)."""


# --- who may do what -----------------------------------------------------------------------------


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR)))


def is_coordinator(user, request: DataRequest) -> bool:
    """The request's expert (who has the complete overview) or an administrator."""
    if is_administrator(user):
        return True
    return bool(
        user and user.is_authenticated and request.expert_id == user.pk and user.has_role(Role.EXPERT)
    )


def roles_of(user, request: DataRequest) -> set[str]:
    if not (user and user.is_authenticated and user.is_active):
        return set()
    return set(RoleAssignment.objects.filter(request=request, user=user).values_list("role", flat=True))


def researchers_of(request: DataRequest) -> list[User]:
    return [request.researcher, *request.members.all()]


def can_view(user, request: DataRequest) -> bool:
    """The implementation page: the coordinators, the people of the table of roles, the team."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if is_coordinator(user, request) or roles_of(user, request):
        return True
    return any(u.pk == user.pk for u in researchers_of(request))


def _has(user, request, *roles: str) -> bool:
    mine = roles_of(user, request)
    return any(str(r) in mine for r in roles)


def _require(condition: bool, message: str | None = None) -> None:
    if not condition:
        raise ActionNotAllowed(message or _("You may not do this on this request."))


def _lock(request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=request.pk)


def _transition(request: DataRequest, name: str, actor, comment: str = "", **kwargs):
    from requests_app.services import request_transition

    # Our services check their own, finer rights (e.g. the principal extractor's validation that
    # finalises the request); the transition's coarse permission is for direct use.
    return request_transition(
        request=request, name=name, actor=actor, comment=comment, check_permission=False, **kwargs
    )


def _url(name: str, request: DataRequest) -> str:
    return reverse(f"requests_app:{name}", kwargs={"pk": request.pk})


def _ctx(request: DataRequest, **extra) -> dict:
    return {"req": request, "reference": request.reference, "acronym": request.acronym, **extra}


def _now_item(actor, note: str = "", done: bool = True) -> dict:
    return {
        "done": done,
        "at": timezone.now().isoformat(),
        "by": actor.get_full_name() if actor else "system",
        "note": note,
    }


def assigned_people(request: DataRequest, *roles: str) -> list[User]:
    qs = RoleAssignment.objects.filter(request=request)
    if roles:
        qs = qs.filter(role__in=[str(r) for r in roles])
    return list(User.objects.filter(pk__in=qs.values("user")).order_by("full_name"))


def everyone(request: DataRequest) -> list[User]:
    return [*researchers_of(request), *assigned_people(request), request.expert]


def current_manifest(request: DataRequest) -> Manifest | None:
    return request.manifests.order_by("-version").first()


def _project(request: DataRequest) -> Project:
    if request.project_id is None:
        from requests_app.services import project_sync

        return project_sync(request=request)
    return request.project


# --- the table of roles --------------------------------------------------------------------------


def roles_save(*, request: DataRequest, assignments: dict[str, list[User]], actor) -> DataRequest:
    """The expert's table of roles (screenshot 4): grant, notify, and start the three tasks.

    Saving again during the implementation replaces the table: people taken off lose their rights
    on this request; people added get them and are told.
    """
    _require(is_coordinator(actor, request), _("Only the request's expert may fill in the table of roles."))
    if request.state not in ROLES_EDITABLE_STATES:
        raise ValidationError(
            _("The table of roles is filled in once the researcher has confirmed the request.")
        )
    _require_no_excluded_researcher(request)
    cleaned: dict[str, set[int]] = {}
    errors: dict[str, str] = {}
    for role in IR:
        users = list(assignments.get(role.value, []) or [])
        eligible = set(users_with_role(ROLE_GROUP[role]).values_list("pk", flat=True))
        if any(u.pk not in eligible for u in users):
            errors[role.value] = _("Choose among the people who hold this role.")
        if role in REQUIRED_ROLES and not users:
            errors[role.value] = _("At least one person is required.")
        if role in SINGLE_ROLES and len(users) > 1:
            errors[role.value] = _("Choose exactly one person.")
        cleaned[role.value] = {u.pk for u in users}
    if errors:
        raise ValidationError(errors)

    with transaction.atomic(durable=True):
        request = _lock(request)
        existing = {(a.role, a.user_id): a for a in RoleAssignment.objects.filter(request=request)}
        wanted = {(role, pk) for role, pks in cleaned.items() for pk in pks}
        removed = [a for key, a in existing.items() if key not in wanted]
        added = sorted(wanted - set(existing))
        for assignment in removed:
            assignment.delete()
        RoleAssignment.objects.bulk_create(
            [RoleAssignment(request=request, user_id=pk, role=role, assigned_by=actor) for role, pk in added]
        )
        project = _project(request)
        still = set(RoleAssignment.objects.filter(request=request).values_list("user_id", flat=True))
        for user in User.objects.filter(pk__in={a.user_id for a in removed} - still):
            if user.pk not in {u.pk for u in researchers_of(request)} and user.pk != request.expert_id:
                remove_perm("requests_app.view_datarequest", user, request)
        _grant_roles(request, project)
        started = request.state == State.CONFIRMED
        if started:
            _transition(request, "start_implementation", actor)
        _ensure_tasks(request)
        log_event(
            "request.roles_saved",
            actor=actor,
            obj=request,
            data={
                "added": [{"role": r, "user": pk} for r, pk in added],
                "removed": [{"role": a.role, "user": a.user_id} for a in removed],
            },
        )
        newly = User.objects.filter(pk__in={pk for _r, pk in added})
        notify(
            recipients=newly,
            event="implementation_role_assigned",
            context=_ctx(request),
            url=_url("implementation_detail", request),
        )
        if started:
            notify(
                recipients=researchers_of(request),
                event="implementation_started",
                context=_ctx(request),
                url=_url("implementation_detail", request),
            )
    return request


def _require_no_excluded_researcher(request: DataRequest) -> None:
    """A request whose team includes an excluded person is blocked (seed 002: exclusion after a breach)."""
    from ask4mdp.accounts.selectors import is_excluded

    excluded = [u.get_full_name() for u in researchers_of(request) if is_excluded(u)]
    if excluded:
        raise ValidationError(
            _("Blocked: %(names)s excluded from the platform.") % {"names": ", ".join(excluded)}
        )


def _grant_roles(request: DataRequest, project: Project) -> None:
    """Object permissions on this request only (and on its project where a downstream app needs them)."""
    by_role: dict[str, list[User]] = {}
    for a in RoleAssignment.objects.filter(request=request).select_related("user"):
        by_role.setdefault(a.role, []).append(a.user)
        assign_perm("requests_app.view_datarequest", a.user, request)
    for user in by_role.get(IR.INPUT_CHECKER, []):
        assign_perm("projects.manage_project_inputs", user, project)
    extraction_people = [
        *by_role.get(IR.PRINCIPAL_EXTRACTOR, []),
        *by_role.get(IR.ADHOC_EXTRACTOR, []),
        *by_role.get(IR.PSEUDONYMISER, []),
        *by_role.get(IR.THEMATIC_EXPERT, []),
        *([request.expert] if request.expert else []),
    ]
    try:
        from extraction.permissions import grant_extraction_roles
    except ImportError:  # the extraction engine is not installed in this configuration
        return
    grant_extraction_roles(project, extraction_people, replace=True)


def _ensure_tasks(request: DataRequest) -> None:
    """The three tasks with their owners: first desktop preparer, principal extractor, the expert."""
    owners = {
        Kind.DESKTOP: next(iter(assigned_people(request, IR.DESKTOP_PREPARER)), None),
        Kind.EXTRACTION: next(iter(assigned_people(request, IR.PRINCIPAL_EXTRACTOR)), None),
        Kind.CONTRACT: request.expert,
    }
    for kind, owner in owners.items():
        task, created = ImplementationTask.objects.get_or_create(
            request=request, kind=kind, defaults={"owner": owner}
        )
        if not created and not task.is_validated:
            assigned = {u.pk for u in assigned_people(request)} | {request.expert_id}
            if task.owner_id not in assigned:
                task.owner = owner
                task.save(update_fields=["owner", "updated_at"])


def tasks_of(request: DataRequest) -> dict[str, ImplementationTask]:
    return {t.kind: t for t in request.implementation_tasks.select_related("owner", "validated_by")}


def _task(request: DataRequest, kind: str) -> ImplementationTask:
    task = ImplementationTask.objects.select_for_update().filter(request=request, kind=kind).first()
    if task is None:
        raise ValidationError(_("The table of roles has not been saved yet."))
    return task


def _require_open(request: DataRequest, *states) -> None:
    if request.state not in (states or (State.IMPLEMENTATION,)):
        raise ValidationError(
            _("This cannot be done on a request in the state “%(state)s”.")
            % {"state": request.get_state_display()}
        )


def _start(task: ImplementationTask) -> None:
    if task.status == TaskStatus.TODO:
        task.status = TaskStatus.IN_PROGRESS
        task.started_at = timezone.now()


def _validate(task: ImplementationTask, request: DataRequest, actor) -> None:
    """Mark a task validated, then do what the last validation triggers (contract sent, finalised)."""
    if task.is_validated:
        raise ValidationError(_("This task is already validated."))
    _start(task)
    task.status = TaskStatus.VALIDATED
    task.validated_at = timezone.now()
    task.validated_by = actor if getattr(actor, "pk", None) else None
    task.save()
    log_event(f"implementation.{task.kind}_validated", actor=actor, obj=request, data={"task": task.pk})
    notify(
        recipients=[request.expert, *assigned_people(request)],
        event="implementation_task_validated",
        context=_ctx(request, task=task.get_kind_display()),
        url=_url("implementation_detail", request),
    )
    _after_validation(request, actor)


def _after_validation(request: DataRequest, actor) -> None:
    tasks = {t.kind: t for t in ImplementationTask.objects.filter(request=request)}
    others_done = all(tasks.get(k) and tasks[k].is_validated for k in (Kind.DESKTOP, Kind.EXTRACTION))
    if others_done:
        latest = latest_contract(request)
        if latest is not None and latest.status == Contract.Status.GENERATED:
            _send_contract(latest, request, actor)
    if request.state == State.IMPLEMENTATION and all(
        tasks.get(k) and tasks[k].is_validated for k in Kind.values
    ):
        _transition(request, "finalise", actor, comment=_("The three implementation tasks are validated."))
        log_event("request.finalised", actor=actor, obj=request, data={"version": request.version})
        notify(
            recipients=[request.expert, *researchers_of(request)],
            event="implementation_finalised",
            context=_ctx(request),
            url=_url("implementation_detail", request),
        )


def task_take(*, request: DataRequest, kind: str, actor) -> ImplementationTask:
    """Another person of the same row of the table of roles takes over a task."""
    allowed = {
        Kind.DESKTOP: [IR.DESKTOP_PREPARER],
        Kind.EXTRACTION: [IR.PRINCIPAL_EXTRACTOR],
        Kind.CONTRACT: [],
    }[kind]
    _require(_has(actor, request, *allowed) or is_coordinator(actor, request))
    with transaction.atomic(durable=True):
        request = _lock(request)
        task = _task(request, kind)
        if task.is_validated:
            raise ValidationError(_("This task is already validated."))
        task.owner = actor
        _start(task)
        task.save()
        log_event("implementation.task_taken", actor=actor, obj=request, data={"task": kind})
    return task


# --- desktop ---------------------------------------------------------------------------------------


def software_list(request: DataRequest) -> list[str]:
    text = request.software or ""
    items = [s.strip() for s in text.replace(";", "\n").replace(",", "\n").splitlines()]
    return [s for s in items if s]


def inputs_validated(project: Project) -> bool | None:
    """The outputs helper's answer on external input files; None when that app does not say."""
    try:
        from outputs.selectors import project_inputs_all_validated
    except ImportError:
        return None
    return bool(project_inputs_all_validated(project))


def desktop_step(*, request: DataRequest, item: str, note: str = "", actor) -> ImplementationTask:
    """One checklist item of the desktop: the provisioner acts (or records what an operator did)."""
    _require(
        _has(actor, request, IR.DESKTOP_PREPARER), _("Only the request's desktop preparers may do this.")
    )
    if item not in DESKTOP_KEYS:
        raise ValidationError({"item": _("Unknown checklist item.")})
    provisioner = get_provisioner()
    if provisioner.manual and not note.strip() and item != "inputs_checked":
        raise ValidationError({"note": _("Say what you did (a manual step is recorded with your note).")})
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request)
        task = _task(request, Kind.DESKTOP)
        if task.is_validated:
            raise ValidationError(_("This task is already validated."))
        project = _project(request)
        desktop, _created = Desktop.objects.get_or_create(
            project=project,
            defaults={
                "name": f"BV-{project.reference}",
                "provisioner": provisioner.name,
                "software": software_list(request),
            },
        )
        if item != "desktop_created" and not task.item_done("desktop_created"):
            raise ValidationError({"item": _("Create the desktop first.")})
        results = []
        ref, delivery = project.reference, str(project.delivery_dir)
        if item == "desktop_created":
            results.append(
                (
                    "create_desktop",
                    provisioner.create_desktop(project_reference=ref, delivery_dir=delivery, note=note),
                )
            )
        elif item == "accounts_created":
            for user in researchers_of(request):
                member, _c = ProjectMember.objects.get_or_create(
                    project=project, user=user, defaults={"is_lead": user.pk == request.researcher_id}
                )
                if not member.desktop_login:
                    member.desktop_login = desktop_login(user.email, ref)
                    member.save(update_fields=["desktop_login"])
                results.append(
                    (
                        "create_account",
                        provisioner.create_account(
                            project_reference=ref,
                            login=member.desktop_login,
                            full_name=user.get_full_name(),
                            email=user.email,
                            note=note,
                        ),
                    )
                )
        elif item == "software_installed":
            desktop.software = software_list(request)
            desktop.save(update_fields=["software"])
            results.append(
                (
                    "install_software",
                    provisioner.install_software(project_reference=ref, software=desktop.software, note=note),
                )
            )
        elif item == "delivery_mounted":
            results.append(
                (
                    "mount_delivery",
                    provisioner.mount_delivery(project_reference=ref, delivery_dir=delivery, note=note),
                )
            )
        elif item == "inputs_checked":
            answer = inputs_validated(project)
            if answer is False:
                raise ValidationError({"item": _("Some external input files are not validated yet.")})
            if answer is None and not note.strip():
                raise ValidationError(
                    {"note": _("Say which external files were checked (or that there are none).")}
                )
            results.append(("inputs_checked", None))
        for action, result in results:
            ProvisioningStep.objects.create(
                desktop=desktop,
                action=action,
                done=True if result is None else result.done,
                performed_by=actor,
                note=note or (result.detail if result else ""),
                data=result.data if result else {},
            )
        task.checklist = {**(task.checklist or {}), item: _now_item(actor, note)}
        if task.owner_id is None:
            task.owner = actor
        _start(task)
        task.save()
        log_event("implementation.desktop_step", actor=actor, obj=request, data={"item": item, "note": note})
    return task


def desktop_validate(*, request: DataRequest, actor) -> ImplementationTask:
    _require(
        _has(actor, request, IR.DESKTOP_PREPARER), _("Only the request's desktop preparers may do this.")
    )
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request)
        task = _task(request, Kind.DESKTOP)
        missing = [str(label) for key, label in DESKTOP_ITEMS if not task.item_done(key)]
        if missing:
            raise ValidationError(_("Still to do: %(items)s.") % {"items": ", ".join(missing)})
        Desktop.objects.filter(project=request.project).update(
            status=Desktop.Status.READY, ready_at=timezone.now()
        )
        _validate(task, request, actor)
    return task


# --- extraction ------------------------------------------------------------------------------------


def extraction_checklist(manifest: dict | None) -> list[dict]:
    """The manifest as the extractor's checklist: one row per variable, non-default codings flagged."""
    rows = []
    for register in (manifest or {}).get("registers", []):
        for var in register.get("variables", []):
            rows.append(
                {
                    "key": f"{register['code']}.{var['name']}",
                    "register": register["code"],
                    "register_label": register.get("label", ""),
                    "name": var["name"],
                    "label": var.get("label", ""),
                    "granularity": var.get("granularity_label") or var.get("granularity", ""),
                    "differs_from_default": bool(var.get("differs_from_default")),
                    "modalities": var.get("modalities", []),
                    "pseudonymise": bool(var.get("pseudonymise")),
                    "padlock": var.get("padlock", 0),
                    "stage": register.get("pseudonymisation_stage", 1),
                }
            )
    return rows


def _extractor(actor, request) -> bool:
    return _has(actor, request, IR.PRINCIPAL_EXTRACTOR, IR.ADHOC_EXTRACTOR)


def extraction_check(*, request: DataRequest, keys: list[str], actor) -> ImplementationTask:
    """The extractors tick the manifest's variables they have extracted as specified."""
    _require(_extractor(actor, request), _("Only the request's extractors may do this."))
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request)
        task = _task(request, Kind.EXTRACTION)
        if task.is_validated:
            raise ValidationError(_("This task is already validated."))
        valid = {row["key"] for row in extraction_checklist(getattr(current_manifest(request), "data", None))}
        unknown = set(keys) - valid
        if unknown:
            raise ValidationError(
                _("These are not variables of the manifest: %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
            )
        checklist = {k: v for k, v in (task.checklist or {}).items() if not k.startswith("var:")}
        previous = task.checklist or {}
        for key in sorted(set(keys)):
            checklist[f"var:{key}"] = previous.get(f"var:{key}") or _now_item(actor)
        task.checklist = checklist
        _start(task)
        task.save()
        log_event(
            "implementation.extraction_checked", actor=actor, obj=request, data={"variables": sorted(keys)}
        )
    return task


def extraction_engine_available() -> bool:
    try:
        from extraction.services import extraction_start  # noqa: F401
    except ImportError:
        return False
    return True


def extraction_run(*, request: DataRequest, actor):
    """Start the extraction engine on the current manifest; the task then shows its progress."""
    _require(_extractor(actor, request), _("Only the request's extractors may do this."))
    if request.state != State.IMPLEMENTATION:
        _require_open(request)
    if not extraction_engine_available():
        raise ValidationError(_("The extraction engine is not installed: record the delivery by hand."))
    from extraction.services import extraction_start

    manifest = current_manifest(request)
    if manifest is None:
        raise ValidationError(_("The request has no manifest."))
    extraction = extraction_start(project=_project(request), manifest=manifest.data, actor=actor)
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        task = _task(request, Kind.EXTRACTION)
        task.extraction_id = extraction.pk
        _start(task)
        task.save()
        log_event(
            "implementation.extraction_started", actor=actor, obj=request, data={"extraction": extraction.pk}
        )
    return extraction


def extraction_of(task: ImplementationTask):
    if not task.extraction_id:
        return None
    try:
        from extraction.models import Extraction
    except ImportError:
        return None
    return Extraction.objects.filter(pk=task.extraction_id).first()


def _extraction_succeeded(extraction) -> bool:
    status = str(getattr(extraction, "status", "")).lower()
    return status in {"done", "succeeded", "success", "completed", "finished", "delivered"}


def extraction_record_delivery(*, request: DataRequest, note: str, actor) -> ImplementationTask:
    """Until (or instead of) the engine: the extractor records what was delivered, by hand."""
    _require(_extractor(actor, request), _("Only the request's extractors may do this."))
    if not note.strip():
        raise ValidationError({"note": _("Describe the delivery (files, rows, location).")})
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request)
        task = _task(request, Kind.EXTRACTION)
        if task.is_validated:
            raise ValidationError(_("This task is already validated."))
        task.checklist = {**(task.checklist or {}), "delivered": _now_item(actor, note.strip())}
        _start(task)
        task.save()
        log_event("implementation.delivery_recorded", actor=actor, obj=request, data={"note": note.strip()})
    return task


def extraction_validate(*, request: DataRequest, actor) -> ImplementationTask:
    """The principal extractor validates: every variable checked and the data delivered."""
    _require(
        _has(actor, request, IR.PRINCIPAL_EXTRACTOR),
        _("Only the principal extractor validates the extraction."),
    )
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request)
        task = _task(request, Kind.EXTRACTION)
        rows = extraction_checklist(getattr(current_manifest(request), "data", None))
        missing = [r["key"] for r in rows if not task.item_done(f"var:{r['key']}")]
        if missing:
            raise ValidationError(_("Variables not checked yet: %(keys)s.") % {"keys": ", ".join(missing)})
        extraction = extraction_of(task)
        if not task.item_done("delivered") and not (extraction and _extraction_succeeded(extraction)):
            raise ValidationError(_("The delivery is not recorded and no extraction run has finished."))
        _validate(task, request, actor)
    return task


# --- contract --------------------------------------------------------------------------------------

CONTRACT_FIELDS = [
    "organisation_legal_name",
    "organisation_address",
    "registration_number",
    "signatory_name",
    "signatory_position",
    "signatory_email",
    "contact_name",
    "contact_email",
    "language",
]


def contract_details_initial(request: DataRequest) -> dict:
    """Prefill the researcher's contract screen from the responsible organisation."""
    org = responsible_organisation(request)
    initial = {"language": request.researcher.language}
    if org is not None:
        initial.update(
            organisation_legal_name=org.legal_name or org.name,
            organisation_address=org.address,
            registration_number=org.registration_number,
        )
        if org.signatory:
            initial.update(signatory_name=org.signatory.get_full_name(), signatory_email=org.signatory.email)
        if org.contact_person:
            initial.update(
                contact_name=org.contact_person.get_full_name(), contact_email=org.contact_person.email
            )
    return initial


def responsible_organisation(request: DataRequest):
    """The domestic organisation the agreement is with (the sponsor of a foreign researcher's affiliation)."""
    affiliation = _affiliation(request.researcher, request.organisation)
    if affiliation is not None:
        return affiliation.responsible_organisation
    return request.organisation


def _affiliation(user, organisation=None):
    qs = user.affiliations.select_related("organisation", "sponsor")
    current = [a for a in qs if a.is_current()]
    preferred = [
        a for a in current if organisation is None or organisation.pk in (a.organisation_id, a.sponsor_id)
    ]
    return (preferred or current or [None])[0]


def contract_details_save(*, request: DataRequest, data: dict, actor) -> ContractDetails:
    """The researcher's contract screen; saving it (re)generates the contract."""
    _require(
        actor.pk == request.researcher_id, _("Only the request's researcher fills in the contract details.")
    )
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.IMPLEMENTATION, State.FINALISED, State.ACTIVE)
        details, _c = ContractDetails.objects.get_or_create(
            request=request, defaults={**{f: data.get(f, "") for f in CONTRACT_FIELDS}, "updated_by": actor}
        )
        for field in CONTRACT_FIELDS:
            setattr(details, field, data.get(field, getattr(details, field)))
        details.updated_by = actor
        details.full_clean(exclude=["request"])
        details.save()
        task = _task(request, Kind.CONTRACT)
        _start(task)
        task.checklist = {**(task.checklist or {}), "details": _now_item(actor)}
        task.save()
        log_event(
            "implementation.contract_details_saved",
            actor=actor,
            obj=request,
            data={f: getattr(details, f) for f in CONTRACT_FIELDS},
        )
        if not task.is_validated:
            _contract_start(request, actor)
    return details


def contract_generate(*, request: DataRequest, actor) -> Contract:
    """Generate a new version of the contract (the expert, e.g. after an amendment or a template change)."""
    _require(is_coordinator(actor, request), _("Only the request's expert may regenerate the contract."))
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.IMPLEMENTATION, State.FINALISED, State.ACTIVE)
        if not ContractDetails.objects.filter(request=request).exists():
            raise ValidationError(_("The researcher has not filled in the contract details yet."))
        return _contract_start(request, actor)


def latest_contract(request: DataRequest) -> Contract | None:
    return (
        Contract.objects.filter(request=request)
        .exclude(status=Contract.Status.SUPERSEDED)
        .order_by("-number")
        .first()
    )


def _contract_start(request: DataRequest, actor) -> Contract:
    """A new contract row; the Celery task renders it after commit."""
    from .tasks import generate_contract

    Contract.objects.filter(request=request).exclude(status=Contract.Status.SIGNED).exclude(
        status=Contract.Status.SUPERSEDED
    ).update(status=Contract.Status.SUPERSEDED)
    number = (Contract.objects.filter(request=request).aggregate(n=Max("number"))["n"] or 0) + 1
    contract = Contract.objects.create(
        request=request, number=number, request_version=request.version, template=choose_template(request)
    )
    log_event("implementation.contract_requested", actor=actor, obj=request, data={"contract": number})
    transaction.on_commit(partial(generate_contract.delay, contract_id=contract.pk))
    return contract


def choose_template(request: DataRequest) -> ContractTemplate | None:
    """The most specific active template: sponsored researchers and the organisation's type."""
    org = responsible_organisation(request)
    sponsored = bool(sponsored_researchers(request))
    candidates = ContractTemplate.objects.filter(is_active=True).filter(
        Q(org_type="") | Q(org_type=getattr(org, "org_type", ""))
    )
    if not sponsored:
        candidates = candidates.filter(for_sponsored=False)
    best = sorted(candidates, key=lambda t: (not (t.for_sponsored and sponsored), t.org_type == "", -t.pk))
    return best[0] if best else None


def sponsored_researchers(request: DataRequest) -> list[tuple[User, object]]:
    """Team members from a foreign organisation, with the domestic organisation answering for them."""
    result = []
    for user in researchers_of(request):
        affiliation = _affiliation(user)
        if affiliation is not None and affiliation.sponsor_id and not affiliation.organisation.is_domestic:
            result.append((user, affiliation.sponsor))
    return result


def contract_merge_data(contract: Contract) -> dict:
    """Everything the DOCX and the PDF say, as plain data (stored with the contract)."""
    request = contract.request
    details = ContractDetails.objects.get(request=request)
    language = details.language or "en"
    manifest = current_manifest(request)
    project = request.project
    start = project.start if project and project.start else request.start_date
    end = project.end if project and project.end else request.end_date
    sponsored = sponsored_researchers(request)
    template = contract.template
    with translation.override(language):
        researchers = []
        for user in researchers_of(request):
            affiliation = _affiliation(user)
            researchers.append(
                {
                    "name": user.get_full_name(),
                    "email": user.email,
                    "organisation": str(affiliation.organisation) if affiliation else "",
                }
            )
        sponsor_name = sponsored[0][1].legal_name or sponsored[0][1].name if sponsored else ""
        data = {
            "labels": contract_doc.labels(),
            "platform": {
                "name": getattr(
                    settings,
                    "ASK4MDP_PLATFORM_NAME",
                    "Inspection générale de la sécurité sociale (IGSS) – Microdata Platform",
                ),
                "address": getattr(
                    settings, "ASK4MDP_PLATFORM_ADDRESS", "26, rue Ste Zithe, L-2763 Luxembourg"
                ),
            },
            "organisation": {
                "legal_name": details.organisation_legal_name,
                "address": " ".join(details.organisation_address.split()),
                "registration_number": details.registration_number,
            },
            "signatory": {
                "name": details.signatory_name,
                "position": details.signatory_position,
                "email": details.signatory_email,
            },
            "contact": {"name": details.contact_name, "email": details.contact_email},
            "sponsored": bool(sponsored),
            "project": {
                "reference": project.reference if project else request.reference,
                "acronym": request.acronym,
                "title": request.title,
            },
            "period": {
                "start": start.isoformat() if start else "",
                "end": end.isoformat() if end else "",
                "start_display": date_format(start, "DATE_FORMAT") if start else "",
                "end_display": date_format(end, "DATE_FORMAT") if end else "",
            },
            "researchers": researchers,
            "clauses": contract_doc.clauses_for(
                template_clauses=template.clauses if template else "",
                sponsor=sponsor_name,
                sponsored_researchers=[u.get_full_name() for u, _s in sponsored],
            ),
            "signatories": [
                {
                    "party": str(SignatureParty.PLATFORM.label),
                    "name": getattr(settings, "ASK4MDP_PLATFORM_SIGNATORY", str(request.expert or "")),
                },
                {"party": str(SignatureParty.RESEARCHER.label), "name": request.researcher.get_full_name()},
                {
                    "party": str(SignatureParty.ORGANISATION.label),
                    "name": f"{details.signatory_name}, {details.signatory_position}",
                },
            ],
            "variables": [
                {
                    "register": r["register"],
                    "name": r["name"],
                    "label": r["label"],
                    "granularity": r["granularity"],
                    "differs_from_default": r["differs_from_default"],
                }
                for r in extraction_checklist(manifest.data if manifest else None)
            ],
            "contract": {
                "number": contract.number,
                "request_version": contract.request_version,
                "version_label": _("contract %(n)s, request version %(v)s")
                % {"n": contract.number, "v": contract.request_version},
                "generated_display": date_format(timezone.localtime(), "DATETIME_FORMAT"),
                "template": template.name if template else "repository",
            },
            "language": language,
        }
    return data


def contract_render(*, contract_id: int) -> Contract:
    """The Celery task's body: mail-merge the DOCX, render the PDF, store both with their hashes."""
    contract = Contract.objects.select_related("request", "template").get(pk=contract_id)
    if contract.status != Contract.Status.GENERATING:
        return contract  # superseded meanwhile, or already rendered (a retried task)
    try:
        data = contract_merge_data(contract)
        template_path = None
        if contract.template and contract.template.docx:
            template_path = contract.template.docx.path
        docx_bytes = contract_doc.render_docx(data, template_path)
        pdf_bytes = contract_doc.render_pdf(data, data["language"])
    except Exception as exc:
        logger.exception("contract %s could not be generated", contract_id)
        Contract.objects.filter(pk=contract.pk).update(status=Contract.Status.FAILED, error=str(exc)[:2000])
        raise
    name = f"{contract.request.reference}-contract-{contract.number}"
    with transaction.atomic(durable=True):
        request = _lock(contract.request)
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status != Contract.Status.GENERATING:
            return contract
        contract.data = data
        contract.docx.save(f"{name}.docx", ContentFile(docx_bytes), save=False)
        contract.pdf.save(f"{name}.pdf", ContentFile(pdf_bytes), save=False)
        contract.docx_sha256 = contract_doc.sha256(docx_bytes)
        contract.pdf_sha256 = contract_doc.sha256(pdf_bytes)
        contract.status = Contract.Status.GENERATED
        contract.generated_at = timezone.now()
        contract.save()
        log_event(
            "implementation.contract_generated",
            actor=None,
            obj=request,
            data={
                "contract": contract.number,
                "docx_sha256": contract.docx_sha256,
                "pdf_sha256": contract.pdf_sha256,
            },
        )
        tasks = {t.kind: t for t in ImplementationTask.objects.filter(request=request)}
        if request.state != State.IMPLEMENTATION or all(
            tasks.get(k) and tasks[k].is_validated for k in (Kind.DESKTOP, Kind.EXTRACTION)
        ):
            _send_contract(contract, request, None)
        else:
            notify(
                recipients=[request.researcher],
                event="implementation_contract_generated",
                context=_ctx(request, contract=contract),
                url=_url("implementation_contract", request),
            )
    return contract


def _send_contract(contract: Contract, request: DataRequest, actor) -> None:
    """Dispatch for signature (seed 000: triggered by the validation of the last task)."""
    contract.status = Contract.Status.SENT
    contract.sent_at = timezone.now()
    contract.save(update_fields=["status", "sent_at"])
    log_event("implementation.contract_sent", actor=actor, obj=request, data={"contract": contract.number})
    signatory = User.objects.filter(
        email__iexact=request.contract_details.signatory_email, is_active=True
    ).first()
    notify(
        recipients=[*researchers_of(request), request.expert, signatory],
        event="implementation_contract_sent",
        context=_ctx(request, contract=contract),
        url=_url("implementation_contract", request),
    )


def can_sign_for(user, request: DataRequest, party: str) -> bool:
    if party == SignatureParty.PLATFORM:
        return is_coordinator(user, request)
    if party == SignatureParty.RESEARCHER:
        return user.pk == request.researcher_id
    if party == SignatureParty.ORGANISATION:
        details = getattr(request, "contract_details", None)
        is_signatory = bool(details and user.email.lower() == details.signatory_email.lower())
        return user.pk == request.researcher_id or is_signatory
    return False


def signature_upload(
    *, contract: Contract, party: str, signer_name: str, content: bytes, actor
) -> ContractSignature:
    """A party's signed copy: a real PDF, at most 20 MB, stored with its SHA-256."""
    request = contract.request
    if party not in SignatureParty.values:
        raise ValidationError({"party": _("Unknown party.")})
    _require(can_sign_for(actor, request, party), _("You may not upload this party's signature."))
    problems = contract_doc.pdf_problems(content)
    if problems:
        raise ValidationError({"file": problems})
    if not signer_name.strip():
        raise ValidationError({"signer_name": _("Who signed?")})
    with transaction.atomic(durable=True):
        request = _lock(request)
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.status not in (Contract.Status.GENERATED, Contract.Status.SENT):
            raise ValidationError(_("This contract is not waiting for signatures."))
        if contract.signatures.filter(party=party).exists():
            raise ValidationError({"party": _("This party's signed copy is already uploaded.")})
        signature = ContractSignature(
            contract=contract,
            party=party,
            signer_name=signer_name.strip(),
            sha256=contract_doc.sha256(content),
            size=len(content),
            uploaded_by=actor,
        )
        signature.file.save("signed.pdf", ContentFile(content), save=False)
        signature.save()
        log_event(
            "implementation.contract_signed",
            actor=actor,
            obj=request,
            data={
                "contract": contract.number,
                "party": party,
                "sha256": signature.sha256,
                "size": signature.size,
            },
        )
        if set(contract.signatures.values_list("party", flat=True)) == set(SignatureParty.values):
            contract.status = Contract.Status.SIGNED
            contract.signed_at = timezone.now()
            contract.save(update_fields=["status", "signed_at"])
            log_event(
                "implementation.contract_fully_signed",
                actor=actor,
                obj=request,
                data={"contract": contract.number},
            )
            task = _task(request, Kind.CONTRACT)
            if not task.is_validated:
                _validate(task, request, actor)
            else:
                notify(
                    recipients=[request.expert, *researchers_of(request)],
                    event="implementation_contract_signed",
                    context=_ctx(request, contract=contract),
                    url=_url("implementation_contract", request),
                )
    return signature


# --- finalisation and the active period ------------------------------------------------------------


def project_open(*, request: DataRequest, start: datetime.date, end: datetime.date, actor) -> Project:
    """The expert opens the finalised project for its access period (possibly shortened)."""
    _require(is_coordinator(actor, request), _("Only the request's expert may open the project."))
    errors = {}
    if end < start:
        errors["end"] = _("The end cannot be before the start.")
    if request.end_date and end > request.end_date:
        errors["end"] = _("The period may be shortened, not extended (an extension is an amendment).")
    if request.start_date and start < request.start_date:
        errors["start"] = _("The period may be shortened, not extended (an extension is an amendment).")
    if end < timezone.localdate():
        errors["end"] = _("The end is in the past.")
    if errors:
        raise ValidationError(errors)
    _require_no_excluded_researcher(request)
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.FINALISED)
        project = Project.objects.select_for_update().get(pk=_project(request).pk)
        project.status = Project.Status.ACTIVE
        project.start, project.end = start, end
        project.opened_at = timezone.now()
        project.save()
        for user in researchers_of(request):
            ProjectMember.objects.get_or_create(
                project=project, user=user, defaults={"is_lead": user.pk == request.researcher_id}
            )
        for user in researchers_of(request):
            assign_perm("projects.view_project_outputs", user, project)
            assign_perm("projects.submit_outputs", user, project)
        _transition(request, "activate", actor, comment=f"{start} – {end}")
        log_event(
            "project.opened",
            actor=actor,
            obj=project,
            data={
                "request": request.reference,
                "start": start,
                "end": end,
                "shortened": bool(
                    (request.end_date and end < request.end_date)
                    or (request.start_date and start > request.start_date)
                ),
            },
        )
        notify(
            recipients=everyone(request),
            event="implementation_project_opened",
            context=_ctx(request, project=project),
            url=_url("implementation_detail", request),
        )
    return project


def amendment_start(*, request: DataRequest, reason: str, actor) -> DataRequest:
    """An extension or an added variable: a new version, through processing, datateam, confirmation."""
    _require(actor.pk == request.researcher_id or is_coordinator(actor, request))
    if not reason.strip():
        raise ValidationError({"reason": _("Say what the amendment is for (an extension, a variable…).")})
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.ACTIVE)
        _transition(request, "start_amendment", actor, comment=reason.strip())
        log_event(
            "request.amendment_started",
            actor=actor,
            obj=request,
            data={"version": request.version, "reason": reason.strip()},
        )
        notify(
            recipients=[request.expert, *researchers_of(request)],
            event="implementation_amendment_started",
            context=_ctx(request, reason=reason.strip()),
            url=_url("implementation_detail", request),
        )
    return request


def amendment_confirmed(*, request: DataRequest, actor=None) -> Contract | None:
    """After an amendment's confirmation (back to active): reopen what changed, regenerate the contract.

    Runs inside the caller's transaction (``request_confirm`` may call it) or in its own. Idempotent:
    nothing happens when the latest contract already covers this version of the request.
    """
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        request = _lock(request)
        if request.state != State.ACTIVE:
            return None
        latest = Contract.objects.filter(request=request).order_by("-number").first()
        if latest is not None and latest.request_version >= request.version:
            return None
        manifests = list(request.manifests.order_by("-version")[:2])
        changed_variables = len(manifests) == 2 and (
            {r["key"] for r in extraction_checklist(manifests[0].data)}
            != {r["key"] for r in extraction_checklist(manifests[1].data)}
        )
        if changed_variables:
            task = (
                ImplementationTask.objects.select_for_update()
                .filter(request=request, kind=Kind.EXTRACTION)
                .first()
            )
            if task is not None:
                task.status = TaskStatus.IN_PROGRESS
                task.validated_at, task.validated_by = None, None
                task.checklist = {
                    k: v for k, v in task.checklist.items() if not k.startswith("var:") and k != "delivered"
                }
                task.extraction_id = None
                task.save()
                notify(
                    recipients=assigned_people(request, IR.PRINCIPAL_EXTRACTOR, IR.ADHOC_EXTRACTOR),
                    event="implementation_extraction_reopened",
                    context=_ctx(request),
                    url=_url("implementation_extraction", request),
                )
        contract = None
        if ContractDetails.objects.filter(request=request).exists():
            task = (
                ImplementationTask.objects.select_for_update()
                .filter(request=request, kind=Kind.CONTRACT)
                .first()
            )
            if task is not None:
                task.status = TaskStatus.IN_PROGRESS
                task.validated_at, task.validated_by = None, None
                task.save()
            contract = _contract_start(request, actor)
        log_event(
            "request.amendment_applied",
            actor=actor,
            obj=request,
            data={
                "version": request.version,
                "variables_changed": changed_variables,
                "contract": contract.number if contract else None,
            },
        )
    return contract


def _remove_access(project: Project, request: DataRequest | None, reason: str, actor) -> None:
    """Everyone's access ends: members, desktop (provisioner), key material, API tokens."""
    now = timezone.now()
    members = list(project.memberships.select_related("user"))
    project.memberships.filter(access_removed_at=None).update(access_removed_at=now)
    for member in members:
        for perm in ("projects.view_project_outputs", "projects.submit_outputs"):
            remove_perm(perm, member.user, project)
    desktop = Desktop.objects.select_for_update().filter(project=project).first()
    if desktop is not None:
        provisioner = get_provisioner()
        logins = [m.desktop_login for m in members if m.desktop_login]
        removed = provisioner.remove_access(project_reference=project.reference, logins=logins, reason=reason)
        destroyed = provisioner.destroy(project_reference=project.reference, reason=reason)
        for action, result in (("remove_access", removed), ("destroy", destroyed)):
            ProvisioningStep.objects.create(
                desktop=desktop,
                action=action,
                done=result.done,
                performed_by=actor if getattr(actor, "pk", None) else None,
                note=result.detail,
                data=result.data,
            )
        desktop.status = (
            Desktop.Status.CLOSED
            if removed.done and destroyed.done
            else Desktop.Status.ACCESS_REMOVAL_PENDING
        )
        desktop.access_removed_at = now if removed.done else None
        desktop.save(update_fields=["status", "access_removed_at"])
        if not (removed.done and destroyed.done) and request is not None:
            notify(
                recipients=assigned_people(request, IR.DESKTOP_PREPARER),
                event="implementation_remove_desktop",
                context=_ctx(request, project=project, reason=reason, logins=logins),
                url=_url("implementation_desktop", request),
            )
    from pseudonym.services import project_key_destroy

    project_key_destroy(project=project, actor=actor, reason=reason)
    system_or_actor = actor if getattr(actor, "pk", None) else None
    try:
        from outputs.services import tokens_revoke_for_project
    except ImportError:
        tokens_revoke_for_project = None
    if tokens_revoke_for_project is not None:
        tokens_revoke_for_project(project, actor=system_or_actor)
    try:
        from extraction.permissions import revoke_extraction_roles
    except ImportError:
        revoke_extraction_roles = None
    if revoke_extraction_roles is not None:
        revoke_extraction_roles(project)


def desktop_confirm_removed(*, request: DataRequest, note: str, actor) -> Desktop:
    """An operator confirms that the desktop's access was removed by hand (manual provisioner)."""
    _require(_has(actor, request, IR.DESKTOP_PREPARER) or is_administrator(actor))
    with transaction.atomic(durable=True):
        desktop = Desktop.objects.select_for_update().get(project=request.project)
        if desktop.status != Desktop.Status.ACCESS_REMOVAL_PENDING:
            raise ValidationError(_("No access removal is waiting."))
        ProvisioningStep.objects.create(
            desktop=desktop, action="remove_access_confirmed", done=True, performed_by=actor, note=note
        )
        desktop.status = Desktop.Status.CLOSED
        desktop.access_removed_at = timezone.now()
        desktop.save(update_fields=["status", "access_removed_at"])
        log_event(
            "implementation.desktop_access_removed", actor=actor, obj=request.project, data={"note": note}
        )
    return desktop


def project_close(*, request: DataRequest, reason: str, actor=None) -> Project:
    """End of the access period: access removed, key destroyed, tokens revoked, everyone told."""
    if actor is not None:
        _require(is_coordinator(actor, request), _("Only the request's expert may close the project."))
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.ACTIVE)
        project = Project.objects.select_for_update().get(pk=request.project_id)
        project.status = Project.Status.CLOSED
        project.ended_at = timezone.now()
        project.end_reason = reason
        project.save(update_fields=["status", "ended_at", "end_reason"])
        _remove_access(project, request, reason, actor)
        _transition(request, "close", actor, comment=reason, note=reason)
        log_event(
            "project.closed", actor=actor, obj=project, data={"request": request.reference, "reason": reason}
        )
        notify(
            recipients=everyone(request),
            event="implementation_project_closed",
            context=_ctx(request, project=project, reason=reason),
            url=_url("implementation_detail", request),
        )
    return project


def close_expired_projects(*, today: datetime.date | None = None) -> list[str]:
    """The daily job: close every active project whose end date has passed; send the reminders."""
    today = today or timezone.localdate()
    closed = []
    expired = DataRequest.objects.filter(state=State.ACTIVE, project__end__lt=today).select_related("project")
    for request in expired:
        try:
            project_close(
                request=request,
                reason=_("The access period ended on %(end)s.") % {"end": request.project.end},
                actor=None,
            )
            closed.append(request.project.reference)
        except Exception:  # one failure must not keep the others open
            logger.exception("could not close the project of %s", request.reference)
    send_expiry_reminders(today=today)
    apply_pending_amendments()
    return closed


def apply_pending_amendments() -> list[str]:
    """Active requests whose amendment was confirmed but whose contract is older: catch up.

    ``request_confirm`` may call ``amendment_confirmed`` itself; the daily job makes sure none is
    forgotten, and the expert has a button for it on the implementation page.
    """
    done = []
    for request in DataRequest.objects.filter(state=State.ACTIVE, version__gt=1):
        latest = Contract.objects.filter(request=request).order_by("-number").first()
        if latest is not None and latest.request_version < request.version:
            try:
                if amendment_confirmed(request=request, actor=None) is not None:
                    done.append(request.reference)
            except Exception:
                logger.exception("could not apply the amendment of %s", request.reference)
    return done


def send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Reminders 30 and 7 days before the end (each sent once per end date)."""
    today = today or timezone.localdate()
    sent = 0
    for days in REMINDER_DAYS:
        for request in DataRequest.objects.filter(
            state=State.ACTIVE, project__end=today + datetime.timedelta(days=days)
        ).select_related("project"):
            with transaction.atomic(durable=True):
                _reminder, created = ExpiryReminder.objects.get_or_create(
                    project=request.project, end=request.project.end, days_before=days
                )
                if created:
                    notify(
                        recipients=[*researchers_of(request), request.expert],
                        event="implementation_expiry_reminder",
                        context=_ctx(request, project=request.project, days=days),
                        url=_url("implementation_detail", request),
                    )
                    sent += 1
    return sent


# --- breach ----------------------------------------------------------------------------------------


def breach_record(
    *,
    request: DataRequest,
    description: str,
    persons: list[User],
    actor,
    exclusion_years: int = 3,
    withdraw_organisation_until: datetime.date | None = None,
) -> Breach:
    """Seed 000: a breach closes the desktop at once *for the whole project*; seed 002: the person in
    breach is excluded for at least three years, and the organisation's authorisation may be
    withdrawn for a period. Any other open request of an excluded person is blocked.
    """
    from ask4mdp.accounts.services import organisation_withdraw_authorisation, person_exclude

    _require(is_administrator(actor), _("Only an administrator records a breach."))
    errors = {}
    if not description.strip():
        errors["description"] = _("Describe the breach.")
    if exclusion_years < 3:
        errors["exclusion_years"] = _("A breach excludes for at least three years.")
    today = timezone.localdate()
    if withdraw_organisation_until is not None and withdraw_organisation_until <= today:
        errors["withdraw_organisation_until"] = _("The withdrawal must end in the future.")
    team = {u.pk for u in researchers_of(request)}
    if any(p.pk not in team for p in persons):
        errors["persons"] = _("Choose the persons in breach among the project's team.")
    if errors:
        raise ValidationError(errors)
    until = add_years(today, exclusion_years)
    with transaction.atomic(durable=True):
        request = _lock(request)
        _require_open(request, State.IMPLEMENTATION, State.FINALISED, State.ACTIVE)
        project = Project.objects.select_for_update().get(pk=_project(request).pk)
        project.status = Project.Status.REVOKED
        project.ended_at = timezone.now()
        project.end_reason = description.strip()
        project.save(update_fields=["status", "ended_at", "end_reason"])
        _remove_access(project, request, _("Breach of the agreement"), actor)
        _transition(request, "revoke", actor, comment=description.strip(), note=description.strip())
        breach = Breach.objects.create(
            project=project,
            request=request,
            description=description.strip(),
            recorded_by=actor,
            exclusion_until=until if persons else None,
            organisation_withdrawn_until=withdraw_organisation_until,
        )
        breach.persons.set(persons)
        log_event(
            "project.revoked",
            actor=actor,
            obj=project,
            data={"request": request.reference, "breach": breach.pk, "persons": [p.pk for p in persons]},
        )
        notify(
            recipients=everyone(request),
            event="implementation_project_revoked",
            context=_ctx(request, project=project),
            url=_url("implementation_detail", request),
        )
    # The sanctions are the accounts app's services (each its own durable transaction).
    for person in persons:
        if (
            not Sanction.objects.active()
            .filter(kind=Sanction.Kind.EXCLUSION, user=person, is_breach=True, reference=request.reference)
            .exists()
        ):
            person_exclude(
                user=person,
                start=today,
                end=until,
                reason=description.strip(),
                is_breach=True,
                reference=request.reference,
                actor=actor,
            )
    organisation = responsible_organisation(request)
    if withdraw_organisation_until is not None and organisation is not None:
        organisation_withdraw_authorisation(
            organisation=organisation,
            start=today,
            end=withdraw_organisation_until,
            reason=description.strip(),
            actor=actor,
        )
    blocked = block_open_requests(persons=persons, reason=description.strip(), actor=actor, exclude=request)
    Breach.objects.filter(pk=breach.pk).update(blocked_requests=blocked)
    breach.blocked_requests = blocked
    return breach


def block_open_requests(
    *, persons: list[User], reason: str, actor, exclude: DataRequest | None = None
) -> list[str]:
    """Stop every other open request of excluded persons: revoke those in implementation or active,
    reject those still being examined (an excluded person is not eligible)."""
    pks = [p.pk for p in persons]
    if not pks:
        return []
    others = DataRequest.objects.filter(Q(researcher__in=pks) | Q(members__in=pks)).distinct()
    if exclude is not None:
        others = others.exclude(pk=exclude.pk)
    blocked = []
    for other in others.filter(state__in=[*IMPLEMENTATION_STATES, *OPEN_STATES_TO_BLOCK]):
        with transaction.atomic(durable=True):
            other = _lock(other)
            note = _("Blocked: a member of the team is excluded after a breach (%(reason)s).") % {
                "reason": reason
            }
            if other.state in IMPLEMENTATION_STATES:
                if other.project_id:
                    project = Project.objects.select_for_update().get(pk=other.project_id)
                    project.status = Project.Status.REVOKED
                    project.ended_at = timezone.now()
                    project.end_reason = note
                    project.save(update_fields=["status", "ended_at", "end_reason"])
                    _remove_access(project, other, note, actor)
                _transition(other, "revoke", actor, comment=note, note=note)
            elif other.state in (State.SUBMITTED, State.ASSIGNED, State.PROCESSING):
                _transition(other, "reject", actor, comment=note, note=note)
            else:
                # Waiting for the researcher, the datateam or the roles: the request's decision note
                # records the block, and its people are told; the eligibility checks of the life
                # cycle refuse an excluded person from here on.
                DataRequest.objects.filter(pk=other.pk).update(decision_note=note)
            log_event("request.blocked_after_breach", actor=actor, obj=other, data={"state": other.state})
            notify(
                recipients=[other.expert, other.researcher],
                event="implementation_request_blocked",
                context=_ctx(other, reason=reason),
                url="",
            )
            blocked.append(other.reference)
    return blocked


# --- delivery folder -------------------------------------------------------------------------------


def delivery_files(project: Project) -> list[Path]:
    folder = Path(project.delivery_dir)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file())
