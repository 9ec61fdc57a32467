"""Pages: who sees what (404), who may act (403), and the release log's CSV export."""

import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from outputs import services
from outputs.models import OutputFile, OutputRequest, ReleaseLogEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def submitted(project, extract, alice):
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]}
    return services.output_request_create(
        project=project,
        actor=alice,
        title="Counts",
        description="By sex",
        files=[
            {"file": ContentFile(b"sex,n\nF,200\nM,200\n", name="by_sex.csv"), "kind": "table", "spec": spec}
        ],
    )


def test_it_lists_the_researchers_projects(verified_client, project, alice):
    page = verified_client(alice).get("/projects/")
    assert page.status_code == 200 and project.reference.encode() in page.content


def test_it_hides_a_project_from_outsiders(verified_client, project, charlie):
    assert verified_client(charlie).get(f"/projects/{project.pk}/").status_code == 404


def test_it_hides_a_request_from_outsiders(verified_client, submitted, charlie):
    assert verified_client(charlie).get(f"/projects/outputs/{submitted.pk}/").status_code == 404


def test_it_submits_an_output_request_from_the_form(verified_client, project, extract, alice):
    client = verified_client(alice)
    spec = json.dumps({"data": "data/extract.csv", "statistic": "count", "index": ["region"]})
    response = client.post(
        f"/projects/{project.pk}/outputs/new/",
        {
            "title": "Regions",
            "description": "Counts by region",
            "files-TOTAL_FORMS": "3",
            "files-INITIAL_FORMS": "0",
            "files-MIN_NUM_FORMS": "0",
            "files-MAX_NUM_FORMS": "20",
            "files-0-file": SimpleUploadedFile("regions.csv", b"region,n\nnorth,1\n"),
            "files-0-kind": "table",
            "files-0-spec": spec,
            "files-1-kind": "table",
            "files-2-kind": "table",
        },
    )
    request = OutputRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/projects/outputs/{request.pk}/"
    page = client.get(response["Location"])
    assert b"regions.csv" in page.content and b"badge" in page.content


def test_it_shows_form_errors_instead_of_failing(verified_client, project, alice):
    client = verified_client(alice)
    response = client.post(
        f"/projects/{project.pk}/outputs/new/",
        {
            "title": "x",
            "description": "y",
            "files-TOTAL_FORMS": "1",
            "files-INITIAL_FORMS": "0",
            "files-MIN_NUM_FORMS": "0",
            "files-MAX_NUM_FORMS": "20",
            "files-0-file": SimpleUploadedFile("a.csv", b"a\n1\n"),
            "files-0-kind": "table",
            "files-0-spec": "{bad json",
        },
    )
    assert response.status_code == 200 and b"not valid JSON" in response.content
    assert not OutputRequest.objects.exists()


def test_it_keeps_researchers_out_of_the_checker_queue(verified_client, alice, olga, submitted):
    assert verified_client(alice).get("/projects/checking/").status_code == 403
    page = verified_client(olga).get("/projects/checking/")
    assert page.status_code == 200 and b"Counts" in page.content


def test_it_forbids_researchers_to_decide(verified_client, submitted, alice):
    output = submitted.files.get()
    response = verified_client(alice).post(f"/projects/files/{output.pk}/decide/", {"action": "approve"})
    assert response.status_code == 403


def test_it_releases_downloads_and_logs(verified_client, client, submitted, olga, alice, adam, charlie):
    output = submitted.files.get()
    verified_client(olga).post(f"/projects/files/{output.pk}/decide/", {"action": "approve", "comment": ""})
    output.refresh_from_db()
    assert output.decision == OutputFile.Decision.APPROVED

    client.logout()
    response = verified_client(alice).get(f"/projects/files/{output.pk}/download/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"sex,n\nF,200\nM,200\n"
    assert ReleaseLogEntry.objects.filter(user=alice, released=True).count() == 1

    client.logout()
    assert verified_client(charlie).get(f"/projects/files/{output.pk}/download/").status_code == 404
    client.logout()
    admin = verified_client(adam)
    page = admin.get("/projects/release-log/")
    assert page.status_code == 200 and b"by_sex.csv" in page.content
    export = admin.get("/projects/release-log/?format=csv")
    lines = export.content.decode().splitlines()
    assert lines[0] == "when,who,project,file,sha256,released"
    assert "alice@liser.lu" in lines[1] and output.sha256 in lines[1]


def test_it_keeps_the_release_log_for_administrators(verified_client, alice, olga):
    assert verified_client(alice).get("/projects/release-log/").status_code == 403


def test_it_refuses_an_unreleased_download_to_the_researcher(verified_client, submitted, alice):
    output = submitted.files.get()
    assert verified_client(alice).get(f"/projects/files/{output.pk}/download/").status_code == 403


def test_it_shows_a_new_token_once(verified_client, project, alice):
    client = verified_client(alice)
    response = client.post(
        f"/projects/{project.pk}/tokens/new/", {"name": "desktop", "days": "30"}, follow=True
    )
    token = project.output_api_tokens.get()
    assert b"a4o_" in response.content and token.prefix.encode() in response.content
    again = client.get(f"/projects/{project.pk}/")
    assert b"Copy your new token now" not in again.content


def test_it_lets_input_checkers_upload_and_validate(verified_client, project, ian):
    client = verified_client(ian)
    assert client.get("/projects/inputs/").status_code == 200
    response = client.post(
        f"/projects/{project.pk}/inputs/new/",
        {
            "file": SimpleUploadedFile("scores.csv", b"person,score\n1985031512345,3\n1990120154321,4\n"),
            "legal_basis": "Law of 2 August 2002",
            "description": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert b"national identification number" in page.content and b"1985031512345" not in page.content


def test_it_refuses_a_bad_upload_next_to_the_field(verified_client, project, ian):
    response = verified_client(ian).post(
        f"/projects/{project.pk}/inputs/new/",
        {
            "file": SimpleUploadedFile("scores.exe", b"MZ"),
            "legal_basis": "Law",
            "description": "",
        },
    )
    assert response.status_code == 200 and b"not allowed" in response.content


def test_it_keeps_researchers_out_of_input_checking(verified_client, project, alice):
    assert verified_client(alice).get("/projects/inputs/").status_code == 403
    assert verified_client(alice).get(f"/projects/{project.pk}/inputs/new/").status_code == 403


def test_it_shows_the_table_behind_a_figure(verified_client, project, alice, olga):
    png = ContentFile(b"\x89PNG\r\n\x1a\n" + b"0" * 20, name="wages.png")
    request = services.output_request_create(
        project=project,
        actor=alice,
        title="Figure",
        description="Wage histogram",
        files=[
            {
                "file": png,
                "kind": "figure",
                "supporting_table": ContentFile(
                    b"bin,count\n0-1000,1234\n1000-2000,5678\n", name="wages.csv"
                ),
            }
        ],
    )
    page = verified_client(olga).get(f"/projects/outputs/{request.pk}/")
    assert page.status_code == 200 and b"5,678" in page.content


def test_it_speaks_french(verified_client, project, alice, settings):
    client = verified_client(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get(f"/projects/{project.pk}/")
    assert "Résultats et décisions".encode() in page.content
    assert b"Jetons d'API pour le bureau virtuel" in page.content
