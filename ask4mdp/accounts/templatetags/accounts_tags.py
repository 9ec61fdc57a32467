import datetime

from django import template

register = template.Library()


@register.filter
def minutes(delta: datetime.timedelta | None) -> int:
    """Whole minutes in a duration, rounded up (a lockout of 59.5 minutes says 60)."""
    if not delta:
        return 0
    return int(-(-delta.total_seconds() // 60))
