"""Starting and running extractions (tasks eager here; the real worker is in test_worker.py)."""

import json

import pytest
from django.core.exceptions import PermissionDenied

from ask4mdp.audit.models import AuditEvent
from extraction.models import Extraction
from extraction.permissions import grant_extraction_roles
from extraction.services import extraction_start
from pseudonym.services import project_key_destroy


@pytest.fixture
def grants(project, paul, pia, erin):
    grant_extraction_roles(project, [paul, pia, erin])


def test_it_runs_an_extraction_and_records_the_delivery(
    project, manifest, paul, grants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        extraction = extraction_start(project=project, manifest=manifest, actor=paul)
    extraction.refresh_from_db()
    assert extraction.status == Extraction.Status.SUCCEEDED and extraction.progress == 100
    assert extraction.attempts == 1 and extraction.rows > 0
    assert {f["name"] for f in extraction.data_files} == {"SOCIO.parquet", "JOBS.parquet", "WAGES.parquet"}
    assert extraction.delivery_path.startswith(str(project.delivery_dir))
    assert extraction.risk_report["registers"][0]["register"] == "SOCIO"
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert "extraction.started" in actions and "extraction.delivered" in actions


def test_it_refuses_people_who_may_not_extract(project, manifest, erin, charlie, grants):
    for user in (erin, charlie):
        with pytest.raises(PermissionDenied):
            extraction_start(project=project, manifest=manifest, actor=user)
    assert not Extraction.objects.exists()


def test_it_refuses_a_manifest_for_another_project(project, manifest, paul, grants):
    from extraction.engine import ManifestInvalid

    manifest["project"]["reference"] = "PRJ-OTHER"
    with pytest.raises(ManifestInvalid):
        extraction_start(project=project, manifest=manifest, actor=paul)


def test_it_records_a_failure_after_key_destruction(
    project, manifest, paul, adam, grants, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        extraction = extraction_start(project=project, manifest=manifest, actor=paul)
    project_key_destroy(project=project, actor=adam, reason="breach")
    for callback in callbacks:
        callback()
    extraction.refresh_from_db()
    assert extraction.status == Extraction.Status.FAILED and "destroyed" in extraction.error
    assert not project.delivery_dir.exists() or not any(project.delivery_dir.iterdir())


def test_it_sends_only_the_id_in_the_task_message(
    project, manifest, paul, grants, master_secret, django_capture_on_commit_callbacks
):
    """The serialized Celery message of a real extraction start: the id, no key, no secret, no salt."""
    from ask4mdp.celery import app
    from pseudonym.models import ProjectKey

    published = []
    with app.producer_or_acquire() as producer:
        original = producer.publish

        def capture(body, **kwargs):
            published.append(json.dumps(body, default=str))

        producer.publish = capture
        app.conf.task_always_eager = False
        try:
            import extraction.tasks as tasks

            real_delay = tasks.run_extraction.delay
            tasks.run_extraction.delay = lambda pk: tasks.run_extraction.apply_async(
                args=[pk], producer=producer
            )
            with django_capture_on_commit_callbacks(execute=True):
                extraction = extraction_start(project=project, manifest=manifest, actor=paul)
        finally:
            tasks.run_extraction.delay = real_delay
            app.conf.task_always_eager = True
            producer.publish = original
    assert len(published) == 1
    body = published[0]
    assert f"[{extraction.pk}]" in body.replace(" ", "")
    salt = bytes(ProjectKey.objects.get(project=project).salt)
    for needle in (master_secret, salt.hex(), __import__("base64").b64encode(salt).decode()):
        assert needle not in body
