"""The web side: who may create, see and submit synthetic dummies, and the guard on the way out."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from ask4mdp.audit.models import AuditEvent
from synthetic import services
from synthetic.models import JobStatus, LinkageRun, SyntheticDataset


def test_it_runs_the_task_and_stores_the_report(done_dataset):
    assert done_dataset.status == JobStatus.DONE
    assert done_dataset.progress == 100
    assert {"pMSE", "S_pMSE", "exact_copies", "exact_copies_holdout"} <= set(done_dataset.report)
    assert done_dataset.output_file.exists()
    assert done_dataset.output_file.parent.parent.name == "synthetic"  # inside the desktop folder
    assert done_dataset.report_pdf.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"synthetic.dataset_requested", "synthetic.dataset_created"} <= actions


def test_a_task_delivered_twice_runs_once(done_dataset):
    assert services.synthetic_dataset_run(synthetic_dataset_id=done_dataset.pk) is None


def test_only_managers_may_create(project, delivered, alice, erin, dana, adam):
    with pytest.raises(PermissionDenied):
        services.synthetic_dataset_create(project=project, source=delivered, actor=alice)
    with pytest.raises(PermissionDenied):  # an expert, but not this request's
        services.synthetic_dataset_create(project=project, source=delivered, actor=erin)
    for actor in (dana, adam):
        assert services.synthetic_dataset_create(project=project, source=delivered, actor=actor).pk


def test_it_refuses_unknown_files_and_columns(project, delivered, project_expert):
    with pytest.raises(ValidationError) as exc:
        services.synthetic_dataset_create(project=project, source="../other/secret.csv", actor=project_expert)
    assert "source" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.synthetic_dataset_create(
            project=project, source=delivered, target="nope", actor=project_expert
        )
    assert "target" in exc.value.message_dict


def test_a_failure_is_recorded_on_the_job(
    project, delivered, project_expert, django_capture_on_commit_callbacks
):
    (project.delivery_dir / delivered).write_text("age,sex\n1,F\n")  # too small once the task runs
    with django_capture_on_commit_callbacks(execute=True):
        dataset = services.synthetic_dataset_create(project=project, source=delivered, actor=project_expert)
    dataset.refresh_from_db()
    assert dataset.status == JobStatus.FAILED
    assert "at least 50" in dataset.error


def test_the_synthetic_file_leaves_only_through_output_checking(done_dataset, alice, project):
    from outputs.models import OutputRequest

    output_request = services.synthetic_submit_for_checking(dataset=done_dataset, actor=alice)
    assert isinstance(output_request, OutputRequest)
    assert output_request.project == project
    names = set(output_request.files.values_list("name", flat=True))
    assert names == {"persons_synthetic.csv", "report.pdf", "report.json"}  # the checker sees the report
    assert "NOT VALID FOR INFERENCE" in output_request.description
    done_dataset.refresh_from_db()
    assert done_dataset.output_request == output_request
    with pytest.raises(ValidationError, match="already"):
        services.synthetic_submit_for_checking(dataset=done_dataset, actor=alice)


def test_the_expert_cannot_submit_outputs_for_the_researchers(done_dataset, project_expert):
    with pytest.raises(PermissionDenied):
        services.synthetic_submit_for_checking(dataset=done_dataset, actor=project_expert)


def test_no_url_serves_a_synthetic_data_file(done_dataset, verified_client, project_expert, alice):
    """The guard: figures and the PDF report only (never to researchers); no route for the data file."""
    from synthetic import urls

    assert {p.name for p in urls.urlpatterns} == {
        "index",
        "project",
        "dataset_create",
        "linkage_create",
        "dataset",
        "dataset_submit",
        "linkage",
        "report_pdf",
        "figure",
    }
    client = verified_client(project_expert)
    stem = done_dataset.output_file.stem
    assert client.get(f"/synthetic/dataset/{done_dataset.pk}/figures/{stem}.png").status_code == 404
    assert (
        client.get(f"/synthetic/dataset/{done_dataset.pk}/figures/..%2Fpersons_synthetic.png").status_code
        == 404
    )
    response = client.get(reverse("synthetic:report_pdf", args=["dataset", done_dataset.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    researcher = verified_client(alice)
    assert (
        researcher.get(reverse("synthetic:report_pdf", args=["dataset", done_dataset.pk])).status_code == 403
    )


def test_the_linkage_lab_runs_from_the_service(
    project, delivered, project_expert, fast, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = services.linkage_run_create(
            project=project,
            source=delivered,
            common=["sex", "canton", "age"],
            part_a=["sector"],
            part_b=["wage"],
            actor=project_expert,
            seed=2,
        )
    run.refresh_from_db()
    assert run.status == JobStatus.DONE
    assert run.report["accuracy_exact"] > 0
    assert (run.folder / "linked_synthetic.csv").exists()


def test_the_linkage_lab_refuses_overlapping_groups(project, delivered, project_expert):
    with pytest.raises(ValidationError) as exc:
        services.linkage_run_create(
            project=project,
            source=delivered,
            common=["sex"],
            part_a=["sex"],
            part_b=["wage"],
            actor=project_expert,
        )
    assert "part_b" in exc.value.message_dict
    assert not LinkageRun.objects.exists()
    assert not SyntheticDataset.objects.exists()


def test_it_lists_the_files_an_extraction_delivered(project, delivered):
    from extraction.models import Extraction
    from synthetic.selectors import delivered_files

    folder = project.delivery_dir / "extraction-2"
    folder.mkdir()
    (folder / "JOBS.parquet").write_bytes(b"PAR1")
    (folder / "codebook.pdf").write_bytes(b"%PDF")
    Extraction.objects.create(
        project=project,
        manifest={},
        manifest_sha256="0" * 64,
        status=Extraction.Status.SUCCEEDED,
        delivery_path=str(folder),
        files=[{"name": "JOBS.parquet", "kind": "data"}, {"name": "codebook.pdf", "kind": "document"}],
    )
    (project.delivery_dir / "synthetic").mkdir()
    (project.delivery_dir / "synthetic" / "old_synthetic.csv").write_text("a\n1\n")
    assert delivered_files(project) == ["extraction-1/persons.csv", "extraction-2/JOBS.parquet"]


def test_the_demo_makes_one_dummy_per_project_and_is_idempotent(project, delivered, dana, fast):
    import io

    from synthetic.demo import load

    out = io.StringIO()
    load(stdout=out)
    load(stdout=out)
    dataset = SyntheticDataset.objects.get()
    assert dataset.status == JobStatus.DONE and dataset.created_by == dana
    assert "nothing to do" in out.getvalue()
