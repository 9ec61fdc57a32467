"""Demo data: a synthetic dummy (with its report) of the first data file delivered to each project.

Idempotent: a project that already has a synthetic dummy is left alone; a project without delivered
files is skipped (the extraction step of ``load_demo`` delivers them). Runs the work in-process.
"""

from django.contrib.auth import get_user_model

from ask4mdp.accounts.roles import Role
from ask4mdp.projects.models import Project

from .models import SyntheticDataset
from .selectors import delivered_files
from .services import synthetic_dataset_create, synthetic_dataset_run


def load(*, stdout) -> None:
    User = get_user_model()
    actor = (
        User.objects.filter(groups__name=str(Role.DATATEAM), is_active=True).order_by("pk").first()
        or User.objects.filter(is_superuser=True).order_by("pk").first()
    )
    if actor is None:
        stdout.write("synthetic: no datateam member or superuser to act as; skipped")
        return
    made = 0
    for project in Project.objects.order_by("pk"):
        if SyntheticDataset.objects.filter(project=project).exists():
            continue
        files = delivered_files(project)
        if not files:
            continue
        dataset = synthetic_dataset_create(project=project, source=files[0], seed=1, actor=actor)
        dataset = synthetic_dataset_run(synthetic_dataset_id=dataset.pk) or SyntheticDataset.objects.get(
            pk=dataset.pk
        )
        stdout.write(
            f"synthetic: {project.reference} {files[0]} → {dataset.get_status_display()}"
            + (f" (S_pMSE {dataset.report.get('S_pMSE', 0):.2f})" if dataset.status == "done" else "")
        )
        made += 1
    if not made:
        stdout.write("synthetic: nothing to do (no project with a delivered file and no dummy yet)")
