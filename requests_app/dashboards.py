"""The administrator's view: filters, time in each state (working days), charts' data."""

from __future__ import annotations

import statistics

from django.db.models import Min

from .models import DataRequest, State
from .timeinstate import clock_days, time_in_states, time_to_decision

SHOWN_STATES = list(State)


def admin_data(form) -> dict:
    qs = DataRequest.objects.select_related("researcher", "expert", "organisation").prefetch_related(
        "state_changes"
    )
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        if d.get("state"):
            qs = qs.filter(state=d["state"])
        if d.get("domain"):
            qs = qs.filter(domain=d["domain"])
        if d.get("expert"):
            qs = qs.filter(expert=d["expert"])
        if d.get("submitted_from"):
            qs = qs.filter(submitted_at__date__gte=d["submitted_from"])
        if d.get("submitted_to"):
            qs = qs.filter(submitted_at__date__lte=d["submitted_to"])
    qs = qs.annotate(first_submitted=Min("state_changes__at")).order_by("-created_at")
    rows = []
    per_state = {s.value: 0 for s in State}
    decisions = []
    for req in qs:
        days = time_in_states(req)
        rows.append(
            {
                "req": req,
                "days": [round(days.get(s.value, 0), 1) for s in SHOWN_STATES],
                "clock": clock_days(req),
                "decision": time_to_decision(req),
            }
        )
        per_state[req.state] += 1
        if rows[-1]["decision"] is not None:
            decisions.append((req.acronym, rows[-1]["decision"]))
    states_chart = {
        "labels": [str(s.label) for s in State],
        "datasets": [{"label": str(State.__name__), "data": [per_state[s.value] for s in State]}],
        "options": {"plugins": {"legend": {"display": False}}},
    }
    decision_chart = {
        "labels": [a for a, _d in decisions],
        "datasets": [{"label": "working days", "data": [d for _a, d in decisions]}],
        "options": {"plugins": {"legend": {"display": False}}},
    }
    return {
        "rows": rows,
        "states": SHOWN_STATES,
        "per_state": [(s.label, per_state[s.value]) for s in State],
        "states_chart": states_chart,
        "decision_chart": decision_chart,
        "decisions": decisions,
        "median_decision": statistics.median([d for _a, d in decisions]) if decisions else None,
    }
