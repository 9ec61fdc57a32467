from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from dictionary.forms import PADLOCK_SHORT
from dictionary.models import Padlock

register = template.Library()

_LOCK = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="14" height="14" viewBox="0 0 16 16" focusable="false" '
    'class="align-baseline"><path d="{path}" fill="none" stroke="currentColor" stroke-width="1.8"/>'
    '<rect x="2.5" y="7" width="11" height="8.5" rx="1.5" fill="currentColor"/></svg>'
)
CLOSED = _LOCK.format(path="M5 7.5V5a3 3 0 0 1 6 0v2.5")
OPEN = _LOCK.format(path="M5 7.5V5a3 3 0 0 1 5.9-.8")
_cache: dict = {}


@register.filter
def variable_total(registers) -> int:
    """The number of variables of ``registers`` (annotated with ``variable_count``), as a real int:
    plural formulas need one (French's uses ``%``, which a lazy object does not support)."""
    return sum(r.variable_count for r in registers)


@register.simple_tag
def padlock(level, mode="short"):
    """The padlock as icons (hidden from screen readers) plus text: ``short`` (text for screen readers
    only, for tables), ``legend`` (visible short text) or ``long`` (visible meaning).

    Plain Python rather than an inclusion template: it is rendered on every row of every list."""
    level = int(level or 0)
    key = (level, mode, get_language())
    if key not in _cache:
        short, meaning = str(PADLOCK_SHORT[Padlock(level)]), str(Padlock(level).label)
        icons = mark_safe(CLOSED * level if level else OPEN)  # noqa: S308 - constant markup
        if mode == "short":
            visible = icons if level else mark_safe('<span class="text-body-secondary">—</span>')  # noqa: S308
            html = format_html(
                '<span class="padlock padlock-{} text-nowrap" title="{}"><span aria-hidden="true">{}'
                '</span><span class="visually-hidden">{}</span></span>',
                level,
                meaning,
                visible,
                short,
            )
        else:
            html = format_html(
                '<span class="padlock padlock-{}{}"><span aria-hidden="true" class="me-1">{}</span>{}</span>',
                level,
                " text-wrap" if mode == "long" else "",
                icons,
                meaning if mode == "long" else short,
            )
        _cache[key] = html
    return _cache[key]


@register.filter
def code_list(pairs, css="list-unstyled small mb-0"):
    """``[(code, label), …]`` or modalities as a ``<ul>`` (Python, not a template loop: lists of
    countries or postal codes have hundreds of entries)."""
    items = ((p.code, p.display_label) if hasattr(p, "code") else p for p in pairs)
    return format_html(
        '<ul class="{}">{}</ul>', css, format_html_join("", "<li><code>{}</code> {}</li>", items)
    )


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
