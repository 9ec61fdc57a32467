"""The output-request workflow: submission, checks in the worker, decisions, four eyes, release log."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from ask4mdp.audit.models import AuditEvent
from outputs import services
from outputs.models import CheckStatus, OutputFile, OutputRequest, ReleasedTable, ReleaseLogEntry

pytestmark = pytest.mark.django_db(transaction=True)


def csv_file(name="table.csv", text="sex,count\nF,200\nM,200\n"):
    return ContentFile(text.encode(), name=name)


def submit(project, actor, files, **kwargs):
    return services.output_request_create(
        project=project,
        actor=actor,
        title="Wages by region",
        description="Tables for chapter 2",
        files=files,
        **kwargs,
    )


def test_it_checks_a_spec_in_the_worker_and_hands_the_request_to_checkers(project, extract, alice, olga):
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["region"], "columns": ["sector"]}
    request = submit(project, alice, [{"file": csv_file(), "kind": "table", "spec": spec}])

    request.refresh_from_db()
    output = request.files.get()
    assert request.status == OutputRequest.Status.AWAITING_REVIEW
    assert output.check_status == "fail"  # sector C is rare: small cells
    assert output.check_result["checks"]["threshold"] > 0
    assert output.parameters["safe_threshold"] == 10
    assert any(
        c["row"] == ["south"] and c["column"] == ["C"] and "threshold" in c["rules"]
        for c in output.check_result["cells"]
    )
    assert AuditEvent.objects.filter(action="outputs.request_checked").exists()
    assert olga.notifications.filter(event="outputs_to_check").exists()


def test_it_refuses_submissions_from_outside_the_team(project, charlie):
    with pytest.raises(PermissionDenied):
        submit(project, charlie, [{"file": csv_file(), "kind": "table"}])


def test_it_refuses_submissions_when_the_project_is_not_active(project, alice):
    project.status = project.Status.CLOSED
    project.save()
    with pytest.raises(PermissionDenied):
        submit(project, alice, [{"file": csv_file(), "kind": "table"}])


@pytest.mark.parametrize(
    "kind,name,message",
    [
        ("table", "results.exe", "not accepted"),
        ("figure", "plot.png", "table behind it"),
        ("table", "big.csv", "larger than"),
    ],
)
def test_it_refuses_bad_output_files_with_a_reason(project, alice, settings, kind, name, message):
    settings.OUTPUTS_MAX_FILE_SIZE = 100
    content = "x" * 200 if name == "big.csv" else "a,b\n1,2\n"
    with pytest.raises(ValidationError, match=message):
        submit(project, alice, [{"file": csv_file(name, content), "kind": kind}])


def test_it_refuses_an_invalid_spec(project, alice):
    with pytest.raises(ValidationError, match="unknown statistic"):
        submit(
            project,
            alice,
            [{"file": csv_file(), "kind": "table", "spec": {"data": "x.csv", "statistic": "avg"}}],
        )


def test_it_marks_a_spec_whose_data_is_outside_the_project_as_not_checkable(project, alice, tmp_path):
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("a\n1\n")
    spec = {"data": str(outside), "statistic": "count", "index": ["a"]}
    request = submit(project, alice, [{"file": csv_file(), "kind": "table", "spec": spec}])
    output = request.files.get()
    assert output.check_status == CheckStatus.ERROR
    assert "inside the project" in output.check_result["summary"]


def test_it_releases_a_passing_file_with_one_checker_and_logs_downloads(
    project, extract, alice, ralph, olga, charlie
):
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]}
    request = submit(project, alice, [{"file": csv_file(), "kind": "table", "spec": spec}])
    output = request.files.get()
    assert output.check_status == "pass"

    services.output_file_decide(output_file=output, action="approve", comment="fine", actor=olga)
    output.refresh_from_db()
    request.refresh_from_db()
    assert output.decision == OutputFile.Decision.APPROVED
    assert request.status == OutputRequest.Status.DECIDED
    assert ReleasedTable.objects.filter(output_file=output).exists()
    assert alice.notifications.filter(event="outputs_decided").exists()

    entry = services.output_file_download(output_file=output, actor=ralph)
    assert (entry.user, entry.file_name, entry.sha256, entry.released) == (
        ralph,
        "table.csv",
        output.sha256,
        True,
    )
    with pytest.raises(PermissionDenied):
        services.output_file_download(output_file=output, actor=charlie)


def test_it_lets_nobody_but_checkers_download_an_unreleased_file(project, extract, alice, olga, adam):
    request = submit(project, alice, [{"file": csv_file(), "kind": "table"}])
    output = request.files.get()
    with pytest.raises(PermissionDenied):
        services.output_file_download(output_file=output, actor=alice)
    with pytest.raises(PermissionDenied):
        services.output_file_download(output_file=output, actor=adam)
    entry = services.output_file_download(output_file=output, actor=olga)
    assert entry.released is False
    assert ReleaseLogEntry.objects.count() == 1


def test_it_needs_an_exception_and_two_different_checkers_to_release_a_failing_file(
    project, extract, alice, olga
):
    from ask4mdp.accounts.roles import Role
    from tests.factories import staff

    oscar = staff(Role.OUTPUT_CHECKER, "oscar@igss.lu", full_name="Oscar Thill")
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["region"], "columns": ["sector"]}
    request = submit(project, alice, [{"file": csv_file(), "kind": "table", "spec": spec}])
    output = request.files.get()
    assert output.check_status == "fail"

    with pytest.raises(ValidationError, match="exception"):
        services.output_file_decide(output_file=output, action="approve", actor=olga)
    services.output_file_request_exception(output_file=output, justification="Published totals", actor=alice)
    services.output_file_decide(output_file=output, action="approve", comment="ok", actor=olga)
    output.refresh_from_db()
    assert output.decision == OutputFile.Decision.PENDING and output.exception_first_approver == olga
    with pytest.raises(PermissionDenied):
        services.output_file_decide(output_file=output, action="approve", actor=olga)
    services.output_file_decide(output_file=output, action="approve", comment="confirmed", actor=oscar)
    output.refresh_from_db()
    assert output.decision == OutputFile.Decision.APPROVED and output.decided_by == oscar
    assert AuditEvent.objects.filter(action="outputs.exception_confirmed_and_released").exists()


def test_it_needs_a_comment_to_reject(project, extract, alice, olga):
    request = submit(project, alice, [{"file": csv_file(), "kind": "table"}])
    output = request.files.get()
    with pytest.raises(ValidationError):
        services.output_file_decide(output_file=output, action="reject", comment="", actor=olga)
    services.output_file_decide(output_file=output, action="reject", comment="Disclosive", actor=olga)
    output.refresh_from_db()
    assert output.decision == OutputFile.Decision.REJECTED


def test_it_does_not_let_researchers_decide(project, extract, alice):
    request = submit(project, alice, [{"file": csv_file(), "kind": "table"}])
    with pytest.raises(PermissionDenied):
        services.output_file_decide(output_file=request.files.get(), action="approve", actor=alice)


def test_it_flags_a_table_that_reveals_a_small_cell_by_differencing(project, extract, alice, olga):
    whole = {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]}
    first = submit(project, alice, [{"file": csv_file(), "kind": "table", "spec": whole}])
    services.output_file_decide(output_file=first.files.get(), action="approve", actor=olga)

    without_c = {**whole, "categories": {"sector": ["A", "B"]}}  # one category fewer: sector C is tiny
    second = submit(project, alice, [{"file": csv_file("t2.csv"), "kind": "table", "spec": without_c}])
    output = second.files.get()
    assert output.check_status == "review"
    assert output.check_result["checks"]["differencing"] >= 1
    assert output.check_result["differencing"][0]["released"] == "table.csv"


def test_it_revokes_every_token_of_a_project(project, alice, ralph):
    services.api_token_create(project=project, actor=alice)
    services.api_token_create(project=project, actor=ralph)
    assert services.tokens_revoke_for_project(project) == 2
    assert not project.output_api_tokens.filter(revoked_at=None).exists()
