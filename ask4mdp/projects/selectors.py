from django.db.models import QuerySet

from .models import Project


def projects_of_researcher(user) -> QuerySet[Project]:
    """The projects in which this user is a team member whose access has not been removed."""
    return Project.objects.filter(memberships__user=user, memberships__access_removed_at=None).distinct()


def is_project_researcher(user, project: Project) -> bool:
    return project.memberships.filter(user=user, access_removed_at=None).exists()
