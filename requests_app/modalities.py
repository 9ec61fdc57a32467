"""The expert's "new modalities" text → modalities and a recode rule (dictionary/recode.py).

One modality per line: ``code;label;detailed values``. The detailed values are either numeric
ranges (``60-64``, ``65+``) — every line must then have one and the rule is ``intervals`` — or a
comma-separated list of detailed codes (``LU,DE``) giving a ``map`` rule. Without a third part the
code is taken as the detailed value.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RANGE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*(?:-\s*(-?\d+(?:\.\d+)?)|\+)?\s*$")


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_modalities(text: str) -> tuple[list[dict], dict]:
    """Return ``(modalities, recode rule)`` or raise ``ValidationError`` naming the bad line."""
    lines = [line for line in (text or "").splitlines() if line.strip()]
    if not lines:
        raise ValidationError(_("Give at least one modality."))
    modalities, sources = [], []
    seen = set()
    for number, line in enumerate(lines, start=1):
        parts = [p.strip() for p in line.split(";")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise ValidationError(_('Line %(n)s: write "code;label;values".') % {"n": number})
        if parts[0] in seen:
            raise ValidationError(
                _("Line %(n)s: the code %(code)s is repeated.") % {"n": number, "code": parts[0]}
            )
        seen.add(parts[0])
        modalities.append({"code": parts[0], "label": parts[1]})
        sources.append(parts[2] if len(parts) > 2 and parts[2] else parts[0])
    ranges = [RANGE.match(s) for s in sources]
    if all(ranges) and any(("-" in s[1:] or s.endswith("+")) for s in sources):
        lowers = [_number(m.group(1)) for m in ranges]
        order = sorted(range(len(lowers)), key=lambda i: lowers[i])
        if len(set(lowers)) != len(lowers):
            raise ValidationError(_("Two ranges start at the same value."))
        modalities = [modalities[i] for i in order]
        sorted_lowers = [lowers[i] for i in order]
        rule = {"type": "intervals", "breaks": sorted_lowers[1:], "codes": [m["code"] for m in modalities]}
        return modalities, rule
    table = {}
    for modality, source in zip(modalities, sources, strict=True):
        for detailed in (s.strip() for s in source.split(",")):
            if detailed:
                table[detailed] = modality["code"]
    return modalities, {"type": "map", "map": table, "default": None}
