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
    """The data files delivered into the project's folder (paths relative to it).

    The extraction engine's succeeded ``Extraction`` rows list their data files (``data_files``);
    any other data file in the folder (an external file delivered after input checking) counts too.
    The synthetic folder itself is left out.
    """
    root = Path(project.delivery_dir)
    if not root.is_dir():
        return []
    resolved_root = root.resolve()
    files: set[str] = set()
    try:
        from extraction.models import Extraction
    except ImportError:  # the extraction app is not installed in this configuration
        Extraction = None
    if Extraction is not None:
        for extraction in Extraction.objects.filter(project=project, status=Extraction.Status.SUCCEEDED):
            for item in extraction.data_files:
                path = Path(extraction.delivery_path) / str(item.get("name", ""))
                try:
                    rel = path.resolve().relative_to(resolved_root)
                except ValueError:  # delivered elsewhere: not this project's desktop
                    continue
                if path.is_file():
                    files.add(rel.as_posix())
    for path in root.rglob("*"):
        rel = path.relative_to(root)
        if path.is_file() and path.suffix.lower() in DATA_SUFFIXES and rel.parts[0] != "synthetic":
            files.add(rel.as_posix())
    return sorted(files)


def visible_projects(user) -> QuerySet[Project]:
    if not (user.is_authenticated and user.is_active):
        return Project.objects.none()
    if user.is_superuser or user.has_role(Role.ADMINISTRATOR, Role.DATATEAM, Role.OUTPUT_CHECKER):
        return Project.objects.all()
    ids = set(projects_of_researcher(user).values_list("pk", flat=True))
    if user.has_role(Role.EXPERT):
        ids |= set(
            get_objects_for_user(
                user, MANAGER_PERMISSION, klass=Project, accept_global_perms=False
            ).values_list("pk", flat=True)
        )
    return Project.objects.filter(pk__in=ids)


def datasets_of(project: Project) -> QuerySet[SyntheticDataset]:
    return SyntheticDataset.objects.filter(project=project).select_related("created_by", "output_request")


def linkage_runs_of(project: Project) -> QuerySet[LinkageRun]:
    return LinkageRun.objects.filter(project=project).select_related("created_by")
