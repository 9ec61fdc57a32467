"""Who may do what with a project's outputs and inputs (guardian object permissions plus role groups)."""

from ask4mdp.accounts.roles import Role
from ask4mdp.projects.selectors import is_project_researcher


def is_administrator(user) -> bool:
    return user.is_active and (user.is_superuser or user.has_role(Role.ADMINISTRATOR))


def is_output_checker(user, project=None) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    if user.has_role(Role.OUTPUT_CHECKER) or user.is_superuser:
        return True
    return project is not None and user.has_perm("projects.check_outputs", project)


def is_researcher_of(user, project) -> bool:
    """A team member whose access was not removed (or who holds the guardian permission)."""
    if not (user.is_authenticated and user.is_active):
        return False
    return is_project_researcher(user, project) or user.has_perm("projects.view_project_outputs", project)


def can_view_outputs(user, project) -> bool:
    return is_researcher_of(user, project) or is_output_checker(user, project) or is_administrator(user)


def can_submit_outputs(user, project) -> bool:
    if not (user.is_authenticated and user.is_active and project.is_active):
        return False
    return is_project_researcher(user, project) or user.has_perm("projects.submit_outputs", project)


def can_download_released(user, project) -> bool:
    """Released files go to the project's researchers only."""
    return is_researcher_of(user, project)


def can_manage_inputs(user, project=None) -> bool:
    """Input checkers and administrators, never the project's own researchers."""
    if not (user.is_authenticated and user.is_active):
        return False
    if project is not None and is_project_researcher(user, project):
        return False
    if user.has_role(Role.INPUT_CHECKER, Role.ADMINISTRATOR) or user.is_superuser:
        return True
    return project is not None and user.has_perm("projects.manage_project_inputs", project)
