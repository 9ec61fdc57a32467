"""Who may fire a transition of a request: a role *and* a relation to the request.

Each transition of :class:`requests_app.models.DataRequest` carries ``permission=Allowed(...)``.
The object is a callable (django-fsm-2 calls ``permission(instance, user)``) and it also describes
itself, so ``manage.py generate_docs`` can write the permission matrix (state × role → actions)
straight from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ask4mdp.accounts.roles import Role

if TYPE_CHECKING:  # pragma: no cover
    from ask4mdp.accounts.models import User

    from .models import DataRequest


class Relation:
    """How the user must stand to the request, besides holding the role."""

    ANY = "any"  # every holder of the role
    OWNER = "owner"  # the researcher who drafted the request
    ASSIGNED = "assigned"  # the request's expert
    DOMAIN = "domain"  # an expert of one of the request's domains
    NOT_ASSIGNED = "not_assigned"  # anyone but the request's expert (four eyes)

    LABELS = {
        ANY: "",
        OWNER: "own request",
        ASSIGNED: "assigned expert",
        DOMAIN: "expert of the request's domains",
        NOT_ASSIGNED: "not the request's expert",
    }


def holds(user: User, relation: str, request: DataRequest) -> bool:
    if relation == Relation.ANY:
        return True
    if relation == Relation.OWNER:
        return request.researcher_id == user.pk
    if relation == Relation.ASSIGNED:
        return request.expert_id is not None and request.expert_id == user.pk
    if relation == Relation.DOMAIN:
        mine = set(user.expert_domains.values_list("domain", flat=True))
        return bool(mine & set(request.all_domains))
    if relation == Relation.NOT_ASSIGNED:
        return request.expert_id != user.pk
    raise ValueError(relation)


@dataclass(frozen=True)
class Clause:
    role: str
    relation: str = Relation.ANY


class Allowed:
    """``Allowed((Role.EXPERT, Relation.ASSIGNED), Role.ADMINISTRATOR)``: any clause suffices."""

    def __init__(self, *clauses: Clause | tuple | str) -> None:
        parsed = []
        for clause in clauses:
            if isinstance(clause, Clause):
                parsed.append(clause)
            elif isinstance(clause, tuple):
                parsed.append(Clause(str(clause[0]), clause[1]))
            else:
                parsed.append(Clause(str(clause)))
        self.clauses: tuple[Clause, ...] = tuple(parsed)

    def __call__(self, instance: DataRequest, user: User) -> bool:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return False
        return any(user.has_role(c.role) and holds(user, c.relation, instance) for c in self.clauses)

    def roles(self) -> list[str]:
        return [c.role for c in self.clauses]

    def describe(self, role: str) -> str | None:
        """The relation required of ``role`` ("" = any holder), or None if the role may not."""
        for c in self.clauses:
            if c.role == str(role):
                return Relation.LABELS[c.relation]
        return None

    def __repr__(self) -> str:
        return "Allowed(" + ", ".join(f"{c.role}:{c.relation}" for c in self.clauses) + ")"


R = Role
OWNER = Allowed((R.RESEARCHER, Relation.OWNER))
ASSIGNED_EXPERT = Allowed((R.EXPERT, Relation.ASSIGNED), R.ADMINISTRATOR)
DOMAIN_EXPERT = Allowed((R.EXPERT, Relation.DOMAIN), R.ADMINISTRATOR)
FOUR_EYES_DATATEAM = Allowed((R.DATATEAM, Relation.NOT_ASSIGNED))
ADMINISTRATOR = Allowed(R.ADMINISTRATOR)
OWNER_OR_EXPERT = Allowed((R.RESEARCHER, Relation.OWNER), (R.EXPERT, Relation.ASSIGNED), R.ADMINISTRATOR)
