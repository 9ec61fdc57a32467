"""The extraction page: who sees it, the progress partial, the risk report."""

import pytest
from django.urls import reverse

from extraction.models import Extraction
from extraction.permissions import grant_extraction_roles


@pytest.fixture
def extraction(project, manifest, paul):
    return Extraction.objects.create(
        project=project,
        manifest=manifest,
        manifest_sha256="0" * 64,
        created_by=paul,
        status=Extraction.Status.RUNNING,
        progress=42,
        step="SOCIO",
    )


@pytest.fixture
def delivered(extraction):
    report = {
        "registers": [
            {
                "register": "SOCIO",
                "quasi_identifiers": ["I_age"],
                "scope": "snapshot",
                "snapshot": "2024-12",
                "records": 3,
                "classes": 2,
                "below_k": {"2": {"records": 1, "classes": 1, "share": 1 / 3}},
                "smallest_classes": [{"values": {"I_age": "9"}, "size": 1}],
                "prosecutor": {
                    "max_risk": 1.0,
                    "mean_risk": 0.66,
                    "records_above_threshold": 3,
                    "share_above_threshold": 1.0,
                    "unique_records": 1,
                },
            }
        ],
        "k_values": [2],
        "threshold": 0.2,
    }
    Extraction.objects.filter(pk=extraction.pk).update(
        status=Extraction.Status.SUCCEEDED,
        progress=100,
        risk_report=report,
        files=[{"name": "SOCIO.parquet", "size": 10, "sha256": "ab" * 32, "rows": 3, "kind": "data"}],
    )
    return extraction


def test_it_shows_the_progress_bar_to_the_projects_extractor(verified_client, paul, project, extraction):
    grant_extraction_roles(project, [paul])
    response = verified_client(paul).get(reverse("extraction:detail", kwargs={"pk": extraction.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<progress id="extraction-progress"' in html and 'value="42"' in html
    assert 'hx-trigger="every 2s"' in html and "<h1>" in html


def test_it_answers_htmx_polls_with_the_partial(verified_client, dana, extraction):
    response = verified_client(dana).get(
        reverse("extraction:detail", kwargs={"pk": extraction.pk}), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="extraction-status"' in html and "<h1>" not in html


def test_it_hides_the_page_from_others(verified_client, charlie, olga, extraction):
    for user in (charlie, olga):
        assert (
            verified_client(user).get(reverse("extraction:detail", kwargs={"pk": extraction.pk})).status_code
            == 404
        )


def test_it_requires_a_login(client, extraction):
    response = client.get(reverse("extraction:detail", kwargs={"pk": extraction.pk}))
    assert response.status_code == 302


def test_it_shows_the_risk_report_to_the_expert_and_datateam_only(
    verified_client, project, delivered, erin, paul, dana
):
    grant_extraction_roles(project, [erin, paul])
    url = reverse("extraction:detail", kwargs={"pk": delivered.pk})
    for user, sees in ((erin, True), (dana, True), (paul, False)):
        html = verified_client(user).get(url).content.decode()
        assert ("Re-identification risk report" in html) is sees, user
        assert "SOCIO.parquet" in html
        assert "hx-trigger" not in html  # finished: no more polling


def test_it_lists_visible_extractions(verified_client, project, extraction, paul, charlie):
    grant_extraction_roles(project, [paul])
    assert project.reference in verified_client(paul).get(reverse("extraction:list")).content.decode()
    assert project.reference not in verified_client(charlie).get(reverse("extraction:list")).content.decode()
