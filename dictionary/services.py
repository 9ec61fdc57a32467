"""Writes to the data dictionary outside the file import."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from ask4mdp.accounts.roles import Role
from ask4mdp.audit.services import log_event

from . import recode as recode_rules
from .importer import check_granularity, normalise_rule
from .models import Granularity, Modality, Variable

# Who may add a coding to the dictionary: the expert who accepts a granularity change on a request,
# the datateam and the administrators.
CAN_ADD_GRANULARITY = (Role.EXPERT, Role.DATATEAM, Role.ADMINISTRATOR)


def _modality_rows(modalities) -> list[tuple[str, str, str]]:
    rows = []
    for item in modalities or []:
        if isinstance(item, dict):
            code, label, label_fr = item.get("code"), item.get("label"), item.get("label_fr", "")
        elif isinstance(item, list | tuple) and len(item) in (2, 3):
            code, label, label_fr = item[0], item[1], item[2] if len(item) == 3 else ""
        else:
            raise ValidationError(
                {
                    "modalities": _("a modality must be (code, label[, label_fr]), not %(item)r")
                    % {"item": item}
                }
            )
        if code in (None, "") or not label:
            raise ValidationError({"modalities": _("every modality needs a code and a label")})
        rows.append((str(code), str(label), str(label_fr or "")))
    codes = [r[0] for r in rows]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise ValidationError(
            {"modalities": _("duplicate modality codes: %(codes)s") % {"codes": ", ".join(duplicates)}}
        )
    return rows


def granularity_add_custom(
    *,
    variable: Variable,
    code: str,
    label: str,
    modalities,
    recode: dict,
    origin: str,
    actor,
    label_fr: str = "",
) -> Granularity:
    """Add a coding approved on a request (e.g. an extra age class "60-64 years") to a variable.

    ``modalities`` is a list of ``(code, label[, label_fr])`` or of ``{"code", "label"}`` mappings;
    ``recode`` a rule of ``dictionary/recode.py`` from the detailed coding, checked against the
    detailed modalities and the new ones. An empty ``code`` gets ``custom<n>``. Not durable on
    purpose: the request's decision service calls it inside its own transaction.
    """
    if not (
        getattr(actor, "is_superuser", False) or (actor is not None and actor.has_role(*CAN_ADD_GRANULARITY))
    ):
        raise PermissionDenied(_("only thematic experts, the datateam and administrators add codings"))
    rows = _modality_rows(modalities)
    if not isinstance(recode or {}, dict):
        raise ValidationError({"recode": _("a recode rule must be a mapping")})
    rule = normalise_rule(dict(recode or {"type": "identity"}))
    try:
        recode_rules.validate_rule(rule)
    except recode_rules.RecodeError as exc:
        raise ValidationError({"recode": str(exc)}) from None
    if not label:
        raise ValidationError({"label": _("a coding needs a label")})
    with transaction.atomic():
        variable = Variable.objects.select_for_update().get(pk=variable.pk)
        existing = set(variable.granularities.values_list("code", flat=True))
        if not code:
            n = 1
            while f"custom{n}" in existing:
                n += 1
            code = f"custom{n}"
        if code in existing:
            raise ValidationError(
                {
                    "code": _("%(variable)s already has a coding %(code)r")
                    % {"variable": variable.name, "code": code}
                }
            )
        detailed = variable.granularities.filter(kind=Granularity.Kind.DETAILED).first()
        detailed_codes = list(detailed.modalities.values_list("code", flat=True)) if detailed else []
        problems = check_granularity(rule=rule, codes=[r[0] for r in rows], detailed_codes=detailed_codes)
        if problems:
            raise ValidationError({"recode": problems})
        granularity = Granularity.objects.create(
            variable=variable,
            code=code,
            kind=Granularity.Kind.CUSTOM,
            label=label,
            label_fr=label_fr,
            recode=rule,
            origin=origin,
        )
        Modality.objects.bulk_create(
            [
                Modality(granularity=granularity, code=c, label=lab, label_fr=fr, order=i)
                for i, (c, lab, fr) in enumerate(rows, start=1)
            ]
        )
        log_event(
            "dictionary.granularity_added",
            actor=actor,
            obj=granularity,
            data={
                "variable": variable.name,
                "register": variable.register.code,
                "code": code,
                "recode": rule,
                "modalities": [r[0] for r in rows],
                "origin": origin,
            },
        )
    return granularity
