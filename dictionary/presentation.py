"""How a coding is derived from the detailed one, in words and as a table, for the variable page."""

from __future__ import annotations

import dataclasses

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from . import recode
from .models import Granularity


@dataclasses.dataclass
class RecodeRow:
    code: str
    label: str
    sources: list  # detailed modalities (code, label) that recode into this code
    text: str = ""  # a description when the sources are a range, not a list


def _num(value) -> str:
    return number_format(value, use_l10n=True)


def rule_text(rule: dict) -> str:
    kind = (rule or {}).get("type", "identity")
    if kind == "identity":
        return _("The values as held.")
    if kind == "map":
        return _("Each detailed value is recoded with the table below.")
    if kind == "intervals":
        return _("Numeric values grouped into classes (each class includes its lower bound).")
    if kind == "prefix":
        return _("The first %(n)s characters of the detailed code.") % {"n": rule["length"]}
    if kind == "round":
        return _("Rounded to the nearest multiple of %(base)s (halves away from zero).") % {
            "base": _num(rule["base"])
        }
    if kind == "date_trunc":
        return _("The date cut to the year.") if rule["unit"] == "year" else _("The date cut to the month.")
    return ""


def recode_table(granularity: Granularity, detailed: Granularity | None) -> list[RecodeRow]:
    """One row per modality of ``granularity`` with the detailed values it comes from."""
    rule = granularity.recode or {"type": "identity"}
    kind = rule.get("type", "identity")
    modalities = list(granularity.modalities.all())
    detailed_mods = list(detailed.modalities.all()) if detailed else []
    rows = {m.code: RecodeRow(m.code, m.display_label, []) for m in modalities}
    if kind == "intervals":
        breaks, codes = rule["breaks"], rule["codes"]
        for i, code in enumerate(codes):
            if i == 0:
                text = _("less than %(max)s") % {"max": _num(breaks[0])}
            elif i == len(codes) - 1:
                text = _("%(min)s or more") % {"min": _num(breaks[-1])}
            else:
                text = _("from %(min)s to less than %(max)s") % {
                    "min": _num(breaks[i - 1]),
                    "max": _num(breaks[i]),
                }
            if code in rows:
                rows[code].text = text if not rows[code].text else f"{rows[code].text}; {text}"
        return list(rows.values())
    if not detailed_mods:
        return list(rows.values()) if kind != "identity" else []
    for mod in detailed_mods:
        try:
            target = recode.apply(rule, mod.code)
        except (ValueError, TypeError, ArithmeticError):
            continue
        if target is not None and str(target) in rows:
            rows[str(target)].sources.append((mod.code, mod.display_label))
    return list(rows.values())
