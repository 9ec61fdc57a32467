from django import template
from dictionary.forms import PADLOCK_SHORT
from dictionary.models import Padlock

register = template.Library()


@register.inclusion_tag("dictionary/_padlock.html")
def padlock(level, mode="short"):
    """The padlock as icons (hidden from screen readers) plus text: ``short`` (text for screen readers
    only, for tables), ``legend`` (visible short text) or ``long`` (visible meaning)."""
    level = int(level or 0)
    return {"level": level, "icons": "🔒" * level, "short": PADLOCK_SHORT[Padlock(level)],
            "meaning": Padlock(level).label, "mode": mode}


@register.simple_tag
def query_string(request, **changes):
    """The current query string with some parameters replaced (pagination keeps the filters)."""
    params = request.GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def month(value):
    """A month as 'January 2002' in the active language."""
    from django.utils.dateformat import format as date_format

    return date_format(value, "F Y") if value else ""
