"""Reads of the data dictionary, shared by the public browser and the request form's variable picker.

Every list prefetches what it shows, so that the number of queries does not grow with the number of
rows listed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet

from .models import DictionaryVersion, Granularity, Modality, Register, Variable


def _granularities_prefetch(with_modalities: bool = True) -> Prefetch:
    queryset = Granularity.objects.order_by("kind", "code")
    if with_modalities:
        queryset = queryset.prefetch_related(
            Prefetch("modalities", queryset=Modality.objects.order_by("order", "code"))
        )
    return Prefetch("granularities", queryset=queryset)


def search_variables(
    query: str = "",
    register=None,
    padlock=None,
    domain=None,
    *,
    include_inactive: bool = False,
    with_modalities: bool = True,
) -> QuerySet[Variable]:
    """Variables matching every word of ``query`` in their name, labels (EN and FR) or descriptions.

    ``register`` is a Register, its pk or its code; ``padlock`` 0, 1 or 2; ``domain`` a Domain value.
    Renamed and withdrawn variables are left out unless ``include_inactive``. The result has its
    register, granularities and (unless ``with_modalities=False``) their modalities prefetched.
    """
    variables = Variable.objects.select_related("register")
    if not include_inactive:
        variables = variables.active()
    for word in (query or "").split():
        variables = variables.filter(
            Q(name__icontains=word)
            | Q(label__icontains=word)
            | Q(label_fr__icontains=word)
            | Q(description__icontains=word)
            | Q(description_fr__icontains=word)
        )
    if register not in (None, ""):
        if isinstance(register, Register):
            variables = variables.filter(register=register)
        elif isinstance(register, int) or (isinstance(register, str) and register.isdigit()):
            variables = variables.filter(register_id=int(register))
        else:
            variables = variables.filter(register__code=register)
    if padlock not in (None, ""):
        variables = variables.filter(padlock=int(padlock))
    if domain:
        variables = variables.filter(domain=domain)
    return variables.prefetch_related(_granularities_prefetch(with_modalities)).order_by(
        "register__order", "register__code", "order", "name"
    )


def registers_with_counts() -> QuerySet[Register]:
    """Registers with ``variable_count`` (available variables) and ``padlocked_count``."""
    active = Q(variables__status=Variable.Status.ACTIVE)
    return Register.objects.annotate(
        variable_count=Count("variables", filter=active),
        padlocked_count=Count("variables", filter=active & Q(variables__padlock__gt=0)),
    ).order_by("order", "code")


def get_variable(register_code: str, name: str) -> Variable:
    """One variable with everything its page shows; ``Variable.DoesNotExist`` when unknown."""
    return (
        Variable.objects.select_related("register", "introduced_in", "changed_in", "replaced_by__register")
        .prefetch_related(
            _granularities_prefetch(),
            Prefetch("replaces", queryset=Variable.objects.select_related("register", "changed_in")),
        )
        .get(register__code=register_code, name=name)
    )


def versions() -> QuerySet[DictionaryVersion]:
    """Versions, newest first, with the variables introduced and changed in each."""
    return DictionaryVersion.objects.prefetch_related(
        Prefetch(
            "introduced_variables", queryset=Variable.objects.select_related("register").order_by("name")
        ),
        Prefetch(
            "changed_variables",
            queryset=Variable.objects.select_related("register", "replaced_by").order_by("name"),
        ),
    ).order_by("-number")


@dataclasses.dataclass(frozen=True)
class VariableChange:
    register: str
    name: str
    status: str  # Variable.Status.RENAMED or WITHDRAWN
    version: int
    renamed_to: str = ""  # the new name (REGISTER.name when it moved to another register)
    label: str = ""


def changes_since(version_number: int, variable_names: Iterable) -> list[VariableChange]:
    """The variables among ``variable_names`` renamed or withdrawn in a version after ``version_number``.

    ``variable_names`` holds names (``"W_overtime_hours"``) or ``(register_code, name)`` pairs; a
    request drafted against dictionary version N calls ``changes_since(N, its variables)``.
    """
    names, pairs = set(), set()
    for item in variable_names:
        if isinstance(item, tuple | list):
            pairs.add((str(item[0]), str(item[1])))
        else:
            names.add(str(item))
    wanted = Q(name__in=names | {name for _, name in pairs})
    changed = (
        Variable.objects.filter(wanted, changed_in__number__gt=version_number)
        .exclude(status=Variable.Status.ACTIVE)
        .select_related("register", "changed_in", "replaced_by__register")
        .order_by("changed_in__number", "name")
    )
    result = []
    for v in changed:
        if v.name not in names and (v.register.code, v.name) not in pairs:
            continue
        renamed_to = ""
        if v.replaced_by_id:
            renamed_to = (
                v.replaced_by.name
                if v.replaced_by.register_id == v.register_id
                else f"{v.replaced_by.register.code}.{v.replaced_by.name}"
            )
        result.append(
            VariableChange(
                register=v.register.code,
                name=v.name,
                status=v.status,
                version=v.changed_in.number,
                renamed_to=renamed_to,
                label=v.label,
            )
        )
    return result
