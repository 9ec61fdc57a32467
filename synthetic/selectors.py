"""Reads: the delivered data files of a project, the projects and jobs a user may see."""

from pathlib import Path

from django.db.models import QuerySet
from guardian.shortcuts import get_objects_for_user

from ask4mdp.accounts.roles import Role
from ask4mdp.projects.models import Project
from ask4mdp.projects.selectors import projects_of_researcher

from .models import LinkageRun, SyntheticDataset
from .permissions import MANAGER_PERMISSION

DATA_SUFFIXES = {".csv", ".parquet", ".dta"}


def delivered_files(project: Project) -> list[str]:
    """The data files the extraction engine delivered into the project's folder (paths relative to it);
    the synthetic folder itself is left out."""
    root = Path(project.delivery_dir)
    if not root.is_dir():
        return []
    files = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix.lower() in DATA_SUFFIXES and rel.parts[0] != "synthetic":
            files.append(rel.as_posix())
    return files


def visible_projects(user) -> QuerySet[Project]:
    if not (user.is_authenticated and user.is_active):
        return Project.objects.none()
    if user.is_superuser or user.has_role(Role.ADMINISTRATOR, Role.DATATEAM, Role.OUTPUT_CHECKER):
        return Project.objects.all()
    ids = set(projects_of_researcher(user).values_list("pk", flat=True))
    if user.has_role(Role.EXPERT):
        ids |= set(get_objects_for_user(user, MANAGER_PERMISSION, klass=Project, accept_global_perms=False)
                   .values_list("pk", flat=True))
    return Project.objects.filter(pk__in=ids)


def datasets_of(project: Project) -> QuerySet[SyntheticDataset]:
    return SyntheticDataset.objects.filter(project=project).select_related("created_by", "output_request")


def linkage_runs_of(project: Project) -> QuerySet[LinkageRun]:
    return LinkageRun.objects.filter(project=project).select_related("created_by")
