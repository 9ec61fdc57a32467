"""The checks run in a real Celery worker process (PostgreSQL, Redis), not in the web process."""

import datetime
import shutil
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from conftest import wait_for
from outputs import services
from outputs.models import OutputRequest

from .conftest import extract_frame


@pytest.fixture
def shared_folders(settings):
    """The root conftest already points integration tests and the worker at the same folders."""
    return settings


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_checks_an_output_request_in_the_worker(celery_worker_process, shared_folders, alice, liser):
    from ask4mdp.projects.models import Project, ProjectMember

    reference = f"P-WORKER-{timezone.now():%H%M%S%f}"
    project = Project.objects.create(
        reference=reference,
        acronym="WORKER",
        title="Worker test",
        organisation=liser,
        status=Project.Status.ACTIVE,
        start=timezone.localdate() - datetime.timedelta(days=1),
    )
    ProjectMember.objects.create(project=project, user=alice, is_lead=True)
    folder = project.delivery_dir / "data"
    folder.mkdir(parents=True, exist_ok=True)
    extract_frame().to_csv(folder / "extract.csv", index=False)
    try:
        spec = {"data": "data/extract.csv", "statistic": "count", "index": ["region"], "columns": ["sector"]}
        request = services.output_request_create(
            project=project,
            actor=alice,
            title="Worker",
            description="Checked by the worker",
            files=[{"file": ContentFile(b"a,b\n1,2\n", name="t.csv"), "kind": "table", "spec": spec}],
        )
        checked = OutputRequest.Status.AWAITING_REVIEW
        wait_for(
            lambda: OutputRequest.objects.get(pk=request.pk).status == checked,
            timeout=120,
            message="the worker to check the request",
        )
        output = request.files.get()
        assert output.check_status == "fail"
        assert output.check_result["checks"]["threshold"] > 0
    finally:
        shutil.rmtree(project.delivery_dir, ignore_errors=True)
        shutil.rmtree(Path(shared_folders.MEDIA_ROOT) / "outputs" / reference, ignore_errors=True)
