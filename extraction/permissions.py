"""Who sees and runs extractions.

* see a project's extraction page: its extractors (principal / ad hoc), pseudonymisers and expert
  (granted from the roles table with ``grant_extraction_roles``), the datateam and administrators;
* start an extraction: the project's extractors and pseudonymisers, and administrators.

The implementation helper calls ``grant_extraction_roles(project, users)`` when the roles table
is saved; a user's capacity follows their role groups.
"""

from ask4mdp.accounts.roles import Role

from .models import ExtractionGrant

_CAPACITY = {
    str(Role.PRINCIPAL_EXTRACTOR): ExtractionGrant.Capacity.EXTRACTOR,
    str(Role.ADHOC_EXTRACTOR): ExtractionGrant.Capacity.EXTRACTOR,
    str(Role.PSEUDONYMISER): ExtractionGrant.Capacity.PSEUDONYMISER,
    str(Role.EXPERT): ExtractionGrant.Capacity.EXPERT,
}
_RUNNERS = {ExtractionGrant.Capacity.EXTRACTOR, ExtractionGrant.Capacity.PSEUDONYMISER}


def _roles(user) -> set[str]:
    return set(user.groups.values_list("name", flat=True))


def grant_extraction_roles(project, users, *, replace: bool = False) -> None:
    """Give each user the capacities their roles allow on this project (idempotent)."""
    users = list(users)
    if replace:
        ExtractionGrant.objects.filter(project=project).exclude(user__in=users).delete()
    for user in users:
        for role in _roles(user):
            capacity = _CAPACITY.get(role)
            if capacity:
                ExtractionGrant.objects.get_or_create(project=project, user=user, capacity=capacity)


def revoke_extraction_roles(project, users=None) -> None:
    qs = ExtractionGrant.objects.filter(project=project)
    if users is not None:
        qs = qs.filter(user__in=list(users))
    qs.delete()


def is_overseer(user) -> bool:
    return user.is_superuser or bool(_roles(user) & {str(Role.DATATEAM), str(Role.ADMINISTRATOR)})


def can_view(user, project) -> bool:
    if not user.is_authenticated:
        return False
    return is_overseer(user) or ExtractionGrant.objects.filter(project=project, user=user).exists()


def can_run(user, project) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser or str(Role.ADMINISTRATOR) in _roles(user):
        return True
    return ExtractionGrant.objects.filter(project=project, user=user, capacity__in=_RUNNERS).exists()


def can_see_risk(user, project) -> bool:
    """The risk report is for the expert and the datateam (and administrators)."""
    return (
        is_overseer(user)
        or ExtractionGrant.objects.filter(
            project=project, user=user, capacity=ExtractionGrant.Capacity.EXPERT
        ).exists()
    )
