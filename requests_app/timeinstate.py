"""Time in each state, in working days, from the ``StateChange`` rows.

Working days are Monday to Friday (fractions of a day count). The clock stops while the request
waits for the researcher (returned, researcher's confirmation): that time is reported apart and
left out of the time to decision.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.utils import timezone

from .models import WAITING_FOR_RESEARCHER, DataRequest, State


def working_days(start: datetime.datetime, end: datetime.datetime) -> float:
    """Working days (Mon–Fri, fractional) between two instants, in the current time zone."""
    if end <= start:
        return 0.0
    start, end = timezone.localtime(start), timezone.localtime(end)
    total = 0.0
    cursor = start
    while cursor < end:
        next_midnight = (cursor + datetime.timedelta(days=1)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        segment_end = min(next_midnight, end)
        if cursor.weekday() < 5:
            total += (segment_end - cursor).total_seconds() / 86400
        cursor = segment_end
    return round(total, 2)


def time_in_states(request: DataRequest, now: datetime.datetime | None = None) -> dict[str, float]:
    """State → working days spent in it (the current state counted until ``now``)."""
    now = now or timezone.now()
    changes = list(request.state_changes.all())
    out: dict[str, float] = defaultdict(float)
    for i, change in enumerate(changes):
        if change.at >= now:
            break
        until = changes[i + 1].at if i + 1 < len(changes) else (None if request.is_final else now)
        if until is not None:
            out[change.to_state] += working_days(change.at, min(until, now))
    return dict(out)


def clock_days(request: DataRequest, now: datetime.datetime | None = None) -> float:
    """Working days on the IGSS side since submission (waiting for the researcher excluded)."""
    return round(
        sum(
            d
            for s, d in time_in_states(request, now).items()
            if s not in WAITING_FOR_RESEARCHER and s != State.DRAFT
        ),
        2,
    )


def time_to_decision(request: DataRequest) -> float | None:
    """Working days from the first submission to the decision (confirmation, rejection, reclassification),
    the researcher's time excluded; None while undecided."""
    decided = [
        c
        for c in request.state_changes.all()
        if c.to_state in (State.CONFIRMED, State.REJECTED, State.RECLASSIFIED)
    ]
    if not decided:
        return None
    return clock_days(request, now=decided[0].at)
