"""The token API: valid, expired, revoked and foreign tokens; the OpenAPI schema."""

import datetime
import json

import pytest
import yaml
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ask4mdp.audit.models import AuditEvent
from outputs import services
from outputs.models import ApiToken, OutputRequest

pytestmark = pytest.mark.django_db(transaction=True)


def post(client, raw, **data):
    files = data.pop("files", [SimpleUploadedFile("t.csv", b"sex,n\nF,20\nM,20\n", "text/csv")])
    headers = {"Authorization": f"Bearer {raw}"} if raw else {}
    return client.post(
        "/projects/api/outputs/",
        {"title": "From the desktop", "description": "Tables", "files": files, **data},
        headers=headers,
    )


def test_it_accepts_a_submission_with_a_valid_token(client, project, extract, alice):
    token, raw = services.api_token_create(project=project, actor=alice, name="desktop")
    spec = {"data": "data/extract.csv", "statistic": "count", "index": ["sex"]}
    response = post(client, raw, metadata=json.dumps({"t.csv": {"kind": "table", "spec": spec}}))

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["project"] == project.reference
    assert body["status"] == "awaiting_review"
    assert body["files"][0]["check_status"] == "pass"
    request = OutputRequest.objects.get(pk=body["id"])
    assert request.via_api and request.created_by == alice
    assert (
        client.get(f"/projects/api/outputs/{request.pk}/", headers={"Authorization": f"Bearer {raw}"}).json()[
            "id"
        ]
        == request.pk
    )
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_it_stores_only_a_hash_of_the_token(project, alice):
    token, raw = services.api_token_create(project=project, actor=alice)
    assert raw not in token.token_hash and raw.startswith(token.prefix)
    assert not AuditEvent.objects.filter(data__icontains=raw).exists()


def test_it_refuses_a_missing_or_unknown_token(client, project):
    assert post(client, "").status_code == 401
    assert post(client, "a4o_not-a-real-token").status_code == 401


def test_it_refuses_an_expired_token(client, project, alice):
    token, raw = services.api_token_create(project=project, actor=alice)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert post(client, raw).status_code == 401


def test_it_refuses_tokens_once_the_project_ended(client, project, alice):
    _token, raw = services.api_token_create(project=project, actor=alice)
    services.tokens_revoke_for_project(project)
    assert post(client, raw).status_code == 401


def test_it_keeps_a_foreign_token_out_of_another_projects_requests(
    client, project, other_project, alice, charlie
):
    mine = services.output_request_create(
        project=project,
        actor=alice,
        title="t",
        description="d",
        files=[SimpleUploadedFile("a.csv", b"a\n1\n")],
    )
    _token, foreign = services.api_token_create(project=other_project, actor=charlie)
    response = client.get(f"/projects/api/outputs/{mine.pk}/", headers={"Authorization": f"Bearer {foreign}"})
    assert response.status_code == 404
    response = post(client, foreign)
    assert response.status_code == 201 and response.json()["project"] == other_project.reference


def test_it_refuses_a_token_whose_researcher_left_the_team(client, project, alice):
    _token, raw = services.api_token_create(project=project, actor=alice)
    project.memberships.filter(user=alice).update(access_removed_at=timezone.now())
    assert post(client, raw).status_code == 403


def test_it_explains_a_bad_submission(client, project, alice):
    _token, raw = services.api_token_create(project=project, actor=alice)
    response = post(client, raw, files=[SimpleUploadedFile("virus.exe", b"MZ")])
    assert response.status_code == 400 and "not accepted" in response.json()["error"]
    response = post(client, raw, metadata="{oops")
    assert response.status_code == 400 and "metadata" in response.json()["error"]


def test_it_serves_the_committed_openapi_schema(client):
    response = client.get("/projects/api/openapi.yaml")
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/outputs/" in schema["paths"] and "bearerAuth" in schema["components"]["securitySchemes"]
