"""Template helpers of the request pages: the step bar, state badges."""

from django import template
from django.utils.translation import gettext_lazy as _

from requests_app.models import FINAL_STATES, State

register = template.Library()

S = State
STEP_ORDER = [
    ("request", _("Request"), {S.DRAFT, S.SUBMITTED, S.ASSIGNED, S.RETURNED}),
    ("processing", _("Processing"), {S.PROCESSING}),
    ("datateam", _("Datateam validation"), {S.DATATEAM_REVIEW}),
    ("confirmation", _("Researcher's confirmation"), {S.RESEARCHER_CONFIRMATION}),
    ("desktop", _("Desktop"), {S.CONFIRMED, S.IMPLEMENTATION}),
    ("contract", _("Contract"), {S.CONFIRMED, S.IMPLEMENTATION}),
    ("finalisation", _("Finalisation"), {S.FINALISED}),
]
AFTER = {S.ACTIVE, S.CLOSED}
BADGES = {
    S.DRAFT: "secondary",
    S.SUBMITTED: "info",
    S.ASSIGNED: "info",
    S.PROCESSING: "primary",
    S.DATATEAM_REVIEW: "primary",
    S.RESEARCHER_CONFIRMATION: "warning",
    S.CONFIRMED: "success",
    S.IMPLEMENTATION: "success",
    S.FINALISED: "success",
    S.ACTIVE: "success",
    S.CLOSED: "dark",
    S.RETURNED: "warning",
    S.REJECTED: "danger",
    S.RECLASSIFIED: "secondary",
    S.WITHDRAWN: "secondary",
    S.REVOKED: "danger",
}


def steps_for(req) -> list[dict]:
    """Each step: done, current or to do. A request that stopped (rejected…) shows where it stopped."""
    state = req.state
    last_reached = 0
    for i, (_key, _label, states) in enumerate(STEP_ORDER):
        if state in states:
            last_reached = i
    if state in AFTER or state == S.REVOKED:
        last_reached = len(STEP_ORDER)
    if state in FINAL_STATES and state not in AFTER and state != S.REVOKED:
        # Where did it stop? The last state before the final one.
        previous = [c.from_state for c in req.state_changes.all() if c.to_state == state]
        before = previous[-1] if previous else S.DRAFT
        last_reached = next((i for i, (_k, _l, states) in enumerate(STEP_ORDER) if before in states), 0)
    validated_tasks = set()
    if state == S.IMPLEMENTATION and hasattr(req, "implementation_tasks"):
        # The implementation phase's tasks run side by side: each step shows its own status.
        validated_tasks = set(
            req.implementation_tasks.filter(status="validated").values_list("kind", flat=True)
        )
    out = []
    for i, (key, label, _states) in enumerate(STEP_ORDER):
        if key == "request" and req.version > 1:
            label = f"{label} (v{req.version})"
        status = (
            "done"
            if i < last_reached
            else ("current" if i == last_reached and state not in AFTER else "todo")
        )
        if key in ("desktop", "contract") and state in (S.CONFIRMED, S.IMPLEMENTATION):
            status = "done" if key in validated_tasks else "current"
        if status == "current" and state in FINAL_STATES:
            status = "stopped"
        out.append({"key": key, "label": label, "status": status})
    return out


@register.simple_tag
def stepbar_steps(req) -> list[dict]:
    """Used by ``{% include "requests_app/_stepbar.html" with req=… %}``."""
    return steps_for(req)


@register.simple_tag
def state_badge_class(state) -> str:
    return BADGES.get(state, "secondary")


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None
