"""Who may do what with synthetic dummies and linkage runs.

- *Managers* create them and read their reports: the request's thematic expert (an expert holding
  the guardian permission ``projects.view_project`` on the project, which
  ``grant_synthetic_managers`` gives), the datateam and administrators.
- Output checkers read the reports too (they judge what leaves).
- The project's researchers see the list and the status and may submit a synthetic file for output
  checking; the figures and the files themselves reach them only through that workflow.
- Everyone else gets a 404.
"""

from guardian.shortcuts import assign_perm

from ask4mdp.accounts.roles import Role
from ask4mdp.projects.selectors import is_project_researcher

MANAGER_PERMISSION = "projects.view_project"


def grant_synthetic_managers(project, users) -> None:
    """For requests_app: make the request's expert(s) managers of the project's synthetic data."""
    for user in users:
        assign_perm(MANAGER_PERMISSION, user, project)


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_manage(user, project) -> bool:
    if not _active(user):
        return False
    if user.is_superuser or user.has_role(Role.ADMINISTRATOR, Role.DATATEAM):
        return True
    return user.has_role(Role.EXPERT) and user.has_perm(MANAGER_PERMISSION, project)


def can_read_reports(user, project) -> bool:
    return can_manage(user, project) or (_active(user) and user.has_role(Role.OUTPUT_CHECKER))


def can_view(user, project) -> bool:
    return can_read_reports(user, project) or (_active(user) and is_project_researcher(user, project))
