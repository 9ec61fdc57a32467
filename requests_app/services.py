"""Writes of the request life cycle: each one a durable transaction that checks the permission,
changes state, records the ``StateChange``, writes the audit event and notifies after commit.

Concurrency: every service starts by locking the request's row (``select_for_update``) and
comparing it with what the caller saw (state, expert, version). When someone else acted first the
service raises :class:`RequestChanged`; the view re-renders the caller's bound form with that
message, so nothing typed is lost. ``ConcurrentTransitionMixin`` guards the state column as well.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from functools import partial

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed
from guardian.shortcuts import assign_perm

from ask4mdp.accounts.roles import Role
from ask4mdp.accounts.selectors import experts_of_domain, users_with_role
from ask4mdp.audit.services import log_event
from ask4mdp.notifications.services import notify

from . import validation
from .models import (
    SECTION_KEYS,
    DataRequest,
    Decision,
    Manifest,
    Message,
    Outcome,
    RequestVariable,
    RequestVersion,
    ReviewComment,
    State,
    StateChange,
)

User = get_user_model()

ACTIVE_STATES = [
    State.ASSIGNED,
    State.PROCESSING,
    State.RETURNED,
    State.DATATEAM_REVIEW,
    State.RESEARCHER_CONFIRMATION,
]


class RequestChanged(Exception):
    """Someone else changed the request since the caller loaded it."""

    def __init__(self, state: str = "") -> None:
        if state:
            message = _(
                "Someone else has just changed this request (it is now “%(state)s”). Nothing was "
                "saved; what you typed is kept below."
            ) % {"state": state}
        else:
            message = _(
                "Someone else has just changed this request. Nothing was saved; what you typed is kept below."
            )
        super().__init__(message)


class ActionNotAllowed(PermissionDenied):
    pass


# --- the one way to fire a transition ------------------------------------------------------


def _lock(request: DataRequest) -> DataRequest:
    """Lock the row and check it is still what the caller saw (compare-and-swap on our fields)."""
    locked = DataRequest.objects.select_for_update().get(pk=request.pk)
    if (locked.state, locked.expert_id, locked.version) != (
        request.state,
        request.expert_id,
        request.version,
    ):
        raise RequestChanged(locked.get_state_display())
    return locked


def may_fire(request: DataRequest, name: str, user) -> bool:
    """The transition exists from the current state and ``user`` may fire it (conditions aside:
    unmet conditions are explained by the services, not hidden behind a 403)."""
    meta = getattr(request, name)._django_fsm
    return bool(meta.has_transition(request.state) and meta.has_transition_perm(request, request.state, user))


def request_transition(
    *, request: DataRequest, name: str, actor, comment: str = "", check_permission: bool = True, **kwargs
) -> StateChange:
    """Fire transition ``name`` on a locked request, save it and record the ``StateChange``.

    For use inside a service's transaction (the implementation helper's services call it too).
    ``actor=None`` is the system (automatic assignment, scheduled expiry).
    """
    method = getattr(request, name)
    if not can_proceed(method, check_conditions=False):
        raise ValidationError(
            _("This cannot be done on a request in the state “%(state)s”.")
            % {"state": request.get_state_display()}
        )
    if check_permission and actor is not None and not may_fire(request, name, actor):
        raise ActionNotAllowed(_("You may not do this on this request."))
    if not can_proceed(method):
        raise ValidationError(_("The request does not meet the conditions of this step yet."))
    before = request.state
    method(**kwargs)
    try:
        request.save()
    except ConcurrentTransition as exc:
        raise RequestChanged() from exc
    return StateChange.objects.create(
        request=request,
        transition=name,
        from_state=before,
        to_state=request.state,
        actor=actor if getattr(actor, "pk", None) else None,
        comment=comment,
        version=request.version,
    )


def _url(name: str, request: DataRequest) -> str:
    return reverse(f"requests_app:{name}", kwargs={"pk": request.pk})


def _ctx(request: DataRequest, **extra) -> dict:
    return {"req": request, "reference": request.reference, "acronym": request.acronym, **extra}


def _researchers(request: DataRequest) -> list:
    return [request.researcher, *request.members.all()]


def _require_owner(request: DataRequest, actor) -> None:
    if actor.pk != request.researcher_id or not actor.has_role(Role.RESEARCHER):
        raise ActionNotAllowed(_("Only the request's researcher may do this."))


def _require_editable(request: DataRequest) -> None:
    if not request.is_editable_by_researcher:
        raise ValidationError(_("The request is locked: it has been submitted."))


def _require_processing_expert(request: DataRequest, actor) -> None:
    if request.state != State.PROCESSING:
        raise ValidationError(_("The request is not being processed."))
    if not (actor.pk == request.expert_id or actor.has_role(Role.ADMINISTRATOR)):
        raise ActionNotAllowed(_("Only the request's expert may do this."))


def _grant_view(request: DataRequest, users) -> None:
    for user in users:
        if user is not None:
            assign_perm("requests_app.view_datarequest", user, request)


# --- the researcher's form ------------------------------------------------------------------

PROJECT_FIELDS = [
    "acronym",
    "title",
    "start_date",
    "end_date",
    "research_problem",
    "population",
    "period_from",
    "period_to",
]
ELIGIBILITY_FIELDS = ["purpose", "microdata_need", "experience"]
TEAM_FIELDS = ["organisation", "external_data", "external_legal_basis", "software"]
STEP_FIELDS = {"project": PROJECT_FIELDS, "eligibility": ELIGIBILITY_FIELDS, "team": TEAM_FIELDS}


@transaction.atomic(durable=True)
def request_create(*, actor, acronym: str, title: str = "") -> DataRequest:
    if not actor.has_role(Role.RESEARCHER):
        raise ActionNotAllowed(_("Only researchers draft requests."))
    request = DataRequest.objects.create(
        researcher=actor, acronym=acronym.strip(), title=title.strip(), draft_step="project"
    )
    _grant_view(request, [actor])
    assign_perm("requests_app.change_datarequest", actor, request)
    log_event("request.created", actor=actor, obj=request, data={"acronym": request.acronym})
    return request


@transaction.atomic(durable=True)
def request_save_step(*, request: DataRequest, step: str, data: dict, actor) -> DataRequest:
    """Save one step of the form (draft or returned): "Save" and "Save and continue" both land here."""
    _require_owner(request, actor)
    request = _lock(request)
    _require_editable(request)
    fields = STEP_FIELDS[step]
    for field in fields:
        if field in data:
            setattr(request, field, data[field])
    request.draft_step = step
    request.save(update_fields=[*fields, "draft_step", "updated_at"])
    if step == "team" and "members" in data:
        from guardian.shortcuts import remove_perm

        removed = set(request.members.all()) - set(data["members"])
        request.members.set(data["members"])
        _grant_view(request, data["members"])
        for user in removed:
            remove_perm("requests_app.view_datarequest", user, request)
    log_event("request.saved", actor=actor, obj=request, data={"step": step})
    return request


@transaction.atomic(durable=True)
def request_variable_save(
    *,
    request: DataRequest,
    variable,
    actor,
    justification: str,
    wants_change: bool = False,
    change_justification: str = "",
    wanted_modalities: str = "",
    need_to_know: str = "",
) -> RequestVariable:
    """Add a variable to the request, or update the researcher's answers about it."""
    _require_owner(request, actor)
    request = _lock(request)
    _require_editable(request)
    if not justification.strip():
        raise ValidationError({"justification": _("The justification is required.")})
    if wants_change and not change_justification.strip():
        raise ValidationError({"change_justification": _("Justify the change of values.")})
    if variable.padlock == 2 and not need_to_know.strip():
        raise ValidationError({"need_to_know": _("A two-padlock variable needs a need-to-know statement.")})
    if variable.status != variable.Status.ACTIVE:
        raise ValidationError(_("This variable is no longer available in the dictionary."))
    rv, created = RequestVariable.objects.update_or_create(
        request=request,
        variable=variable,
        defaults={
            "granularity": variable.default_granularity,
            "justification": justification.strip(),
            "wants_change": wants_change,
            "change_justification": change_justification.strip() if wants_change else "",
            "wanted_modalities": wanted_modalities.strip() if wants_change else "",
            "need_to_know": need_to_know.strip(),
        },
        create_defaults={
            "granularity": variable.default_granularity,
            "justification": justification.strip(),
            "wants_change": wants_change,
            "change_justification": change_justification.strip() if wants_change else "",
            "wanted_modalities": wanted_modalities.strip() if wants_change else "",
            "need_to_know": need_to_know.strip(),
            "added_in_version": request.version,
        },
    )
    log_event(
        "request.variable_saved",
        actor=actor,
        obj=request,
        data={"variable": variable.name, "register": variable.register.code, "created": created},
    )
    return rv


@transaction.atomic(durable=True)
def request_variable_remove(*, request_variable: RequestVariable, actor) -> None:
    request = request_variable.request
    _require_owner(request, actor)
    request = _lock(request)
    _require_editable(request)
    log_event(
        "request.variable_removed",
        actor=actor,
        obj=request,
        data={"variable": request_variable.variable.name},
    )
    request_variable.delete()


def _snapshot(request: DataRequest) -> dict:
    fields = {f: str(getattr(request, f) or "") for f in PROJECT_FIELDS + ELIGIBILITY_FIELDS + TEAM_FIELDS}
    fields["organisation"] = str(request.organisation or "")
    fields["members"] = ", ".join(sorted(u.get_full_name() for u in request.members.all()))
    variables = {
        f"{rv.variable.register.code}.{rv.variable.name}": {
            "justification": rv.justification,
            "wants_change": rv.wants_change,
            "change_justification": rv.change_justification,
            "wanted_modalities": rv.wanted_modalities,
            "need_to_know": rv.need_to_know,
        }
        for rv in request.variables.select_related("variable__register")
    }
    return {"fields": fields, "variables": variables}


def _primary_domain(request: DataRequest) -> tuple[str, list[str]]:
    counts = request.variable_domains()
    if not counts:
        return "", []
    ordered = [d for d, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    return ordered[0], ordered[1:]


def least_loaded_expert(domain: str):
    """The active expert of ``domain`` with the fewest requests in progress (then the oldest account)."""
    return (
        experts_of_domain(domain)
        .annotate(load=Count("assigned_requests", filter=Q(assigned_requests__state__in=ACTIVE_STATES)))
        .order_by("load", "date_joined", "pk")
        .first()
    )


@transaction.atomic(durable=True)
def request_submit(*, request: DataRequest, actor) -> DataRequest:
    """Validate everything, lock the request, notify the researcher and the experts, auto-assign."""
    request = _lock(request)
    if not may_fire(request, "submit", actor):
        raise ActionNotAllowed(_("Only the request's researcher may submit it."))
    problems = validation.problems(request)
    if any(problems.values()):
        raise ValidationError([p for step in problems.values() for p in step])
    request.domain, request.other_domains = _primary_domain(request)
    request_transition(request=request, name="submit", actor=actor)
    RequestVersion.objects.create(
        request=request, number=request.version, snapshot=_snapshot(request), created_by=actor
    )
    log_event(
        "request.submitted",
        actor=actor,
        obj=request,
        data={"version": request.version, "domain": request.domain},
    )
    notify(
        recipients=_researchers(request),
        event="request_submitted",
        context=_ctx(request),
        url=_url("detail", request),
    )
    domain_experts = list(experts_of_domain(request.domain)) if request.domain else []
    notify(
        recipients=domain_experts,
        event="request_received",
        context=_ctx(request),
        url=_url("detail", request),
    )
    expert = least_loaded_expert(request.domain) if request.domain else None
    if expert is not None:
        _assign(request, expert, actor=None, comment=_("Automatic assignment"))
    others = [u for d in request.other_domains for u in experts_of_domain(d)]
    if others:
        notify(
            recipients=others,
            event="request_other_domain",
            context=_ctx(request),
            url=_url("detail", request),
        )
    return request


def _assign(request: DataRequest, expert, *, actor, comment: str = "", name: str = "assign") -> None:
    request_transition(request=request, name=name, actor=actor, comment=comment, expert=expert)
    _grant_view(request, [expert])
    log_event(
        f"request.{'assigned' if name == 'assign' else name}",
        actor=actor,
        obj=request,
        data={"expert": expert.email, "comment": comment},
    )
    notify(
        recipients=[expert],
        event="request_assigned",
        context=_ctx(request, comment=comment),
        url=_url("processing", request),
    )


@transaction.atomic(durable=True)
def request_assign(*, request: DataRequest, expert, actor) -> DataRequest:
    """An administrator (or an expert of the domain, taking it) assigns a submitted request."""
    request = _lock(request)
    if not expert.has_role(Role.EXPERT):
        raise ValidationError({"expert": _("Choose a thematic expert.")})
    _assign(request, expert, actor=actor)
    return request


@transaction.atomic(durable=True)
def request_take(*, request: DataRequest, actor) -> DataRequest:
    """An expert of one of the request's domains takes the coordination."""
    request = _lock(request)
    if request.state == State.SUBMITTED:
        _assign(request, actor, actor=actor, comment=_("Taken by the expert"))
    else:
        if request.expert_id == actor.pk:
            raise ValidationError(_("You already coordinate this request."))
        _assign(request, actor, actor=actor, comment=_("Taken by the expert"), name="take")
    return request


@transaction.atomic(durable=True)
def request_hand_over(*, request: DataRequest, to_expert, reason: str, actor) -> DataRequest:
    """Hand the request over to another expert with a reason; they see the whole history."""
    request = _lock(request)
    if not reason.strip():
        raise ValidationError({"reason": _("Give a reason.")})
    if not to_expert.has_role(Role.EXPERT) or to_expert.pk == request.expert_id:
        raise ValidationError({"expert": _("Choose another thematic expert.")})
    previous = request.expert
    _assign(request, to_expert, actor=actor, comment=reason.strip(), name="hand_over")
    notify(
        recipients=[previous],
        event="request_handed_over",
        context=_ctx(request, comment=reason.strip(), to=to_expert.get_full_name()),
        url=_url("detail", request),
    )
    return request


@transaction.atomic(durable=True)
def request_start_processing(*, request: DataRequest, actor) -> DataRequest:
    request = _lock(request)
    request_transition(request=request, name="start_processing", actor=actor)
    log_event("request.processing_started", actor=actor, obj=request)
    return request


def _decide(request, name: str, *, actor, reason: str, event: str) -> DataRequest:
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason; the researcher will read it.")})
    request_transition(request=request, name=name, actor=actor, comment=reason.strip(), note=reason.strip())
    log_event(f"request.{event}", actor=actor, obj=request, data={"reason": reason.strip()})
    recipients = _researchers(request) + (
        [request.expert] if actor is None or actor.pk != request.expert_id else []
    )
    notify(
        recipients=recipients,
        event=f"request_{event}",
        context=_ctx(request, comment=reason.strip()),
        url=_url("detail", request),
    )
    return request


@transaction.atomic(durable=True)
def request_return_to_researcher(*, request: DataRequest, reason: str, actor) -> DataRequest:
    """Back to the researcher for more information; their resubmission becomes the next version."""
    request = _lock(request)
    request = _decide(request, "return_to_researcher", actor=actor, reason=reason, event="returned")
    Message.objects.create(request=request, author=actor, body=reason.strip(), version=request.version)
    assign_perm("requests_app.change_datarequest", request.researcher, request)
    return request


@transaction.atomic(durable=True)
def request_resubmit(*, request: DataRequest, actor) -> DataRequest:
    request = _lock(request)
    if not may_fire(request, "resubmit", actor):
        raise ActionNotAllowed(_("Only the request's researcher may resubmit it."))
    problems = validation.problems(request)
    if any(problems.values()):
        raise ValidationError([p for step in problems.values() for p in step])
    request_transition(request=request, name="resubmit", actor=actor)
    RequestVersion.objects.create(
        request=request, number=request.version, snapshot=_snapshot(request), created_by=actor
    )
    log_event("request.resubmitted", actor=actor, obj=request, data={"version": request.version})
    notify(
        recipients=[request.expert],
        event="request_resubmitted",
        context=_ctx(request),
        url=_url("processing", request),
    )
    return request


@transaction.atomic(durable=True)
def request_reject(*, request: DataRequest, reason: str, actor) -> DataRequest:
    return _decide(_lock(request), "reject", actor=actor, reason=reason, event="rejected")


@transaction.atomic(durable=True)
def request_reclassify(*, request: DataRequest, reason: str, actor) -> DataRequest:
    """Microdata are not needed: the request becomes one for aggregate statistics by the experts."""
    return _decide(_lock(request), "reclassify", actor=actor, reason=reason, event="reclassified")


@transaction.atomic(durable=True)
def request_withdraw(*, request: DataRequest, reason: str = "", actor) -> DataRequest:
    request = _lock(request)
    request_transition(
        request=request, name="withdraw", actor=actor, comment=reason.strip(), note=reason.strip()
    )
    log_event("request.withdrawn", actor=actor, obj=request, data={"reason": reason})
    if request.expert_id:
        notify(
            recipients=[request.expert],
            event="request_withdrawn",
            context=_ctx(request, comment=reason),
            url=_url("detail", request),
        )
    return request


# --- the expert's processing ----------------------------------------------------------------

ELIGIBILITY_ANSWERS = [
    "needs_microdata",
    "needs_microdata_comment",
    "is_legitimate",
    "is_legitimate_comment",
    "is_statistical",
    "is_statistical_comment",
]
PROCESSING_FIELDS = [
    "field_of_study",
    "field_filters",
    "approved_period_from",
    "approved_period_to",
    "sample_fraction",
    "sample_seed",
    "sample_justification",
    "pseudonymised_variables",
    "double_pseudonymised_registers",
    "derived_indicators",
    "other_measures",
]


@transaction.atomic(durable=True)
def processing_save(*, request: DataRequest, data: dict, actor) -> DataRequest:
    """Save the eligibility answers, the field, period, sample, measures and document sections."""
    request = _lock(request)
    _require_processing_expert(request, actor)
    changed = []
    for field in ELIGIBILITY_ANSWERS + PROCESSING_FIELDS:
        if field in data:
            setattr(request, field, data[field])
            changed.append(field)
    if "document" in data:
        request.document = {k: v for k, v in data["document"].items() if k in SECTION_KEYS}
        changed.append("document")
    if request.sample_fraction is not None and request.sample_seed is None:
        request.sample_seed = int(hashlib.sha256(request.reference.encode()).hexdigest()[:6], 16)
        changed.append("sample_seed")
    request.save(update_fields=[*set(changed), "updated_at"])
    log_event("request.processing_saved", actor=actor, obj=request, data={"fields": sorted(set(changed))})
    return request


@transaction.atomic(durable=True)
def variable_decide(
    *,
    request_variable: RequestVariable,
    actor,
    justification_decision: str,
    justification_comment: str = "",
    granularity_decision: str = "",
    granularity_comment: str = "",
    new_modalities: str = "",
    outcome: str = "",
) -> RequestVariable:
    """Record the expert's decisions on one variable (screenshots 3a/3b)."""
    from .modalities import parse_modalities

    request = _lock(request_variable.request)
    _require_processing_expert(request, actor)
    rv = RequestVariable.objects.select_for_update().get(pk=request_variable.pk)
    errors = {}
    if outcome and not justification_decision:
        errors["justification_decision"] = _("Decide on the justification first.")
    if outcome in (Outcome.APPROVED, Outcome.APPROVED_OTHER) and justification_decision == Decision.REFUSED:
        errors["outcome"] = _("A variable whose justification is refused cannot be approved.")
    if justification_decision == Decision.REFUSED and not justification_comment.strip():
        errors["justification_comment"] = _("Explain the refusal.")
    if rv.wants_change and outcome and not granularity_decision:
        errors["granularity_decision"] = _("Decide on the requested change of values.")
    if granularity_decision == Decision.ACCEPTED:
        if not new_modalities.strip():
            errors["new_modalities"] = _("Give the new modalities.")
        else:
            try:
                modalities, rule = parse_modalities(new_modalities)
            except ValidationError as exc:
                errors["new_modalities"] = exc.messages
            else:
                problems = _coding_problems(rv.variable, modalities, rule)
                if problems:
                    errors["new_modalities"] = problems
    if outcome == Outcome.APPROVED_OTHER and granularity_decision != Decision.ACCEPTED:
        errors["outcome"] = _("“Another granularity” needs an accepted change with its modalities.")
    if outcome == Outcome.APPROVED and rv.wants_change and granularity_decision != Decision.ACCEPTED:
        errors["outcome"] = _(
            "The requested change was not accepted: approve at the default granularity "
            "(“another granularity” is for an accepted change) or refuse it."
        )
    if errors:
        raise ValidationError(errors)
    rv.justification_decision = justification_decision
    rv.justification_comment = justification_comment.strip()
    rv.granularity_decision = granularity_decision if rv.wants_change else ""
    rv.granularity_comment = granularity_comment.strip()
    rv.new_modalities = new_modalities.strip() if granularity_decision == Decision.ACCEPTED else ""
    rv.outcome = outcome
    rv.decided_by, rv.decided_at = actor, timezone.now()
    rv.save()
    log_event(
        "request.variable_decided",
        actor=actor,
        obj=request,
        data={
            "variable": rv.variable.name,
            "justification": justification_decision,
            "granularity": granularity_decision,
            "outcome": outcome,
        },
    )
    return rv


def _coding_problems(variable, modalities: list[dict], rule: dict) -> list[str]:
    """Check the new coding against the detailed one now, not only when the datateam validates."""
    try:
        from dictionary.importer import check_granularity, normalise_rule
    except ImportError:  # pragma: no cover - the dictionary helper's checker is not there
        return []
    detailed = variable.detailed_granularity
    detailed_codes = list(detailed.modalities.values_list("code", flat=True)) if detailed else []
    return check_granularity(
        rule=normalise_rule(rule), codes=[m["code"] for m in modalities], detailed_codes=detailed_codes
    )


def _message_recipients(request: DataRequest, actor) -> list:
    if actor.pk in {u.pk for u in _researchers(request)}:
        return [request.expert] if request.expert_id else list(experts_of_domain(request.domain))
    return _researchers(request)


@transaction.atomic(durable=True)
def message_post(
    *, request: DataRequest, body: str, actor, variable: RequestVariable | None = None
) -> Message:
    """A message in the request's thread (or a variable's), either way, notified to the other side."""
    from .selectors import can_take_part

    if not body.strip():
        raise ValidationError({"body": _("Write a message.")})
    if not can_take_part(actor, request):
        raise ActionNotAllowed(_("You do not take part in this request's discussion."))
    if request.is_final:
        raise ValidationError(_("The request is closed."))
    message = Message.objects.create(
        request=request, variable=variable, author=actor, body=body.strip(), version=request.version
    )
    log_event(
        "request.message_posted",
        actor=actor,
        obj=request,
        data={"variable": variable.variable.name if variable else None},
    )
    notify(
        recipients=_message_recipients(request, actor),
        event="message_posted",
        context=_ctx(
            request,
            author=actor.get_full_name(),
            body=body.strip(),
            variable=variable.variable.name if variable else "",
        ),
        url=_url("detail", request) + "#messages",
    )
    return message


def prefilled_document(request: DataRequest) -> dict[str, str]:
    """The processing document's sections as far as the decisions already say them."""
    from .documents import prefill_sections

    return prefill_sections(request)


@transaction.atomic(durable=True)
def processing_send_to_datateam(*, request: DataRequest, actor) -> DataRequest:
    request = _lock(request)
    if not request.needs_microdata or not request.is_legitimate or not request.is_statistical:
        raise ValidationError(
            _(
                "Answer yes to the three eligibility questions first (otherwise reject or "
                "reclassify the request)."
            )
        )
    waiting = list(request.variables.filter(outcome="").values_list("variable__name", flat=True))
    if waiting:
        raise ValidationError(_("Decide on every variable first: %(names)s.") % {"names": ", ".join(waiting)})
    prefill = prefilled_document(request)
    request.document = {k: (request.document or {}).get(k) or prefill.get(k, "") for k in SECTION_KEYS}
    request_transition(request=request, name="send_to_datateam", actor=actor)
    log_event("request.sent_to_datateam", actor=actor, obj=request, data={"version": request.version})
    datateam = [u for u in users_with_role(Role.DATATEAM) if u.pk != request.expert_id]
    notify(
        recipients=datateam, event="request_to_datateam", context=_ctx(request), url=_url("review", request)
    )
    return request


@transaction.atomic(durable=True)
def review_comment_add(*, request: DataRequest, section: str, body: str, actor) -> ReviewComment:
    if request.state != State.DATATEAM_REVIEW or not actor.has_role(Role.DATATEAM):
        raise ActionNotAllowed(_("Only the datateam comments during the review."))
    if section not in SECTION_KEYS:
        raise ValidationError({"section": _("Choose a section.")})
    if not body.strip():
        raise ValidationError({"body": _("Write a comment.")})
    comment = ReviewComment.objects.create(
        request=request, section=section, author=actor, body=body.strip(), version=request.version
    )
    log_event("request.review_commented", actor=actor, obj=request, data={"section": section})
    return comment


@transaction.atomic(durable=True)
def datateam_send_back(*, request: DataRequest, comment: str, actor) -> DataRequest:
    request = _lock(request)
    if not comment.strip():
        raise ValidationError({"comment": _("Say what the expert should look at again.")})
    if request.expert_id == actor.pk:
        raise ActionNotAllowed(_("Four eyes: the request's own expert cannot review it."))
    request_transition(request=request, name="send_back", actor=actor, comment=comment.strip())
    log_event("request.sent_back", actor=actor, obj=request, data={"comment": comment.strip()})
    notify(
        recipients=[request.expert],
        event="request_sent_back",
        context=_ctx(request, comment=comment.strip()),
        url=_url("processing", request),
    )
    return request


def _custom_granularities(request: DataRequest, actor) -> None:
    """Accepted changes of values become granularities of the variable in the dictionary."""
    from dictionary.models import Granularity

    from .modalities import parse_modalities

    for rv in request.variables.filter(
        granularity_decision=Decision.ACCEPTED, outcome=Outcome.APPROVED_OTHER, approved_granularity=None
    ).select_related("variable"):
        modalities, recode = parse_modalities(rv.new_modalities)
        code = f"{request.reference}-v{request.version}".lower()
        origin = f"{request.reference} v{request.version}"
        try:
            from dictionary.services import granularity_add_custom
        except ImportError:  # the dictionary helper's service is not there yet
            granularity_add_custom = None
        if granularity_add_custom is not None:
            granularity = granularity_add_custom(
                variable=rv.variable,
                code=code,
                label=origin,
                modalities=modalities,
                recode=recode,
                origin=origin,
                actor=actor,
            )
        else:
            granularity, _created = Granularity.objects.get_or_create(
                variable=rv.variable,
                code=code,
                defaults={
                    "kind": Granularity.Kind.CUSTOM,
                    "label": origin,
                    "recode": recode,
                    "origin": origin,
                },
            )
            for i, m in enumerate(modalities):
                granularity.modalities.get_or_create(
                    code=m["code"], defaults={"label": m["label"], "order": i}
                )
        rv.approved_granularity = granularity
        rv.save(update_fields=["approved_granularity"])


@transaction.atomic(durable=True)
def datateam_validate(*, request: DataRequest, actor) -> DataRequest:
    """Four eyes: validate; the processing document is rendered to PDF and archived after commit."""
    from .tasks import render_processing_document

    request = _lock(request)
    if request.expert_id == actor.pk:
        raise ActionNotAllowed(_("Four eyes: the request's own expert cannot validate it."))
    request_transition(request=request, name="validate", actor=actor, by=actor)
    _custom_granularities(request, actor)
    log_event("request.validated", actor=actor, obj=request, data={"version": request.version})
    transaction.on_commit(
        partial(
            render_processing_document.delay,
            request_id=request.pk,
            version=request.version,
            actor_id=actor.pk,
        )
    )
    notify(
        recipients=_researchers(request),
        event="request_validated",
        context=_ctx(request),
        url=_url("confirmation", request),
    )
    notify(
        recipients=[request.expert],
        event="request_validated_expert",
        context=_ctx(request),
        url=_url("detail", request),
    )
    return request


@transaction.atomic(durable=True)
def request_flag_decisions(
    *, request: DataRequest, comment: str, actor, flagged: list[int] = ()
) -> DataRequest:
    """The researcher flags decisions that make the project impossible: back to the expert."""
    request = _lock(request)
    if not comment.strip():
        raise ValidationError({"comment": _("Explain why these decisions make the project impossible.")})
    request_transition(request=request, name="flag_decisions", actor=actor, comment=comment.strip())
    request.variables.update(flagged=False)
    request.variables.filter(pk__in=list(flagged)).update(flagged=True)
    Message.objects.create(request=request, author=actor, body=comment.strip(), version=request.version)
    log_event(
        "request.decisions_flagged",
        actor=actor,
        obj=request,
        data={"comment": comment.strip(), "variables": list(flagged)},
    )
    notify(
        recipients=[request.expert],
        event="request_flagged",
        context=_ctx(request, comment=comment.strip()),
        url=_url("processing", request),
    )
    return request


def project_sync(*, request: DataRequest):
    """Create or update the ``Project`` the downstream apps hang off (inside the caller's transaction)."""
    from ask4mdp.projects.models import Project, ProjectMember

    project = request.project or Project(reference=request.reference)
    project.acronym, project.title = request.acronym, request.title
    project.organisation = request.organisation
    project.start, project.end = request.start_date, request.end_date
    project.save()
    if request.project_id != project.pk:
        request.project = project
        DataRequest.objects.filter(pk=request.pk).update(project=project)
    ProjectMember.objects.get_or_create(project=project, user=request.researcher, defaults={"is_lead": True})
    for member in request.members.all():
        ProjectMember.objects.get_or_create(project=project, user=member)
    return project


@transaction.atomic(durable=True)
def request_confirm(*, request: DataRequest, actor) -> DataRequest:
    """The researcher confirms: closed list of variables, the manifest, and the project."""
    from synthetic.permissions import grant_synthetic_managers

    from .implementation.services import amendment_confirmed
    from .manifest import build_manifest, validate_manifest
    from .tasks import render_variable_list

    request = _lock(request)
    request_transition(request=request, name="confirm", actor=actor)
    request.variables.update(flagged=False)
    project = project_sync(request=request)
    # The request's expert manages the project's synthetic dummies.
    grant_synthetic_managers(project, [request.expert] if request.expert else [])
    manifest = build_manifest(request)
    validate_manifest(manifest)
    text = json.dumps(manifest, sort_keys=True, separators=(",", ":"))
    Manifest.objects.update_or_create(
        request=request,
        version=request.version,
        defaults={"data": manifest, "sha256": hashlib.sha256(text.encode()).hexdigest()},
    )
    # An amendment's confirmation returns the project to active: regenerate what it changed.
    amendment_confirmed(request=request, actor=actor)
    log_event(
        "request.confirmed",
        actor=actor,
        obj=request,
        data={"version": request.version, "project": project.reference},
    )
    transaction.on_commit(
        partial(render_variable_list.delay, request_id=request.pk, version=request.version, actor_id=actor.pk)
    )
    notify(
        recipients=[request.expert, *_researchers(request)],
        event="request_confirmed",
        context=_ctx(request),
        url=_url("detail", request),
    )
    return request


def working_days(start: datetime.datetime, end: datetime.datetime) -> float:
    from .timeinstate import working_days as wd

    return wd(start, end)
