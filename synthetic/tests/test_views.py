from django.urls import reverse

from synthetic.models import SyntheticDataset


def test_it_hides_projects_from_outsiders(verified_client, charlie, erin, project, delivered):
    for user in (charlie, erin):  # erin is an expert, but not this request's
        client = verified_client(user)
        assert client.get(reverse("synthetic:project", args=[project.pk])).status_code == 404
        assert client.get(reverse("synthetic:linkage_create", args=[project.pk])).status_code == 404


def test_the_expert_sees_the_files_and_the_form(verified_client, project_expert, project, delivered):
    response = verified_client(project_expert).get(reverse("synthetic:project", args=[project.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert delivered in html and "wage" in html  # the file and its variables
    assert 'name="seed"' in html
    assert "not valid for inference" in html.lower()


def test_a_bad_column_is_an_error_next_to_the_field(verified_client, project_expert, project, delivered):
    response = verified_client(project_expert).post(
        reverse("synthetic:dataset_create", args=[project.pk]),
        {
            "source": delivered,
            "seed": "1",
            "target": "salary",
            "quasi_identifiers": "",
            "regression_outcome": "",
            "regression_predictors": "",
        },
    )
    assert response.status_code == 400
    assert "Unknown column(s): salary." in response.content.decode()
    assert not SyntheticDataset.objects.exists()


def test_a_researcher_may_not_create(verified_client, alice, project, delivered):
    client = verified_client(alice)
    response = client.post(
        reverse("synthetic:dataset_create", args=[project.pk]), {"source": delivered, "seed": "1"}
    )
    assert response.status_code == 403
    page = client.get(reverse("synthetic:project", args=[project.pk])).content.decode()
    assert 'name="seed"' not in page


def test_the_report_page_shows_metrics_thresholds_and_figures(verified_client, project_expert, done_dataset):
    client = verified_client(project_expert)
    html = client.get(reverse("synthetic:dataset", args=[done_dataset.pk])).content.decode()
    assert "S_pMSE" in html and "DiSCO" in html and "repU" in html
    assert reverse("synthetic:figure", args=["dataset", done_dataset.pk, "distributions"]) in html
    assert reverse("synthetic:report_pdf", args=["dataset", done_dataset.pk]) in html
    assert 'data-chart="bar"' in html
    assert "style=" not in html
    image = client.get(reverse("synthetic:figure", args=["dataset", done_dataset.pk, "tradeoff"]))
    assert image.status_code == 200 and image["Content-Type"] == "image/png"


def test_the_researcher_sees_the_status_and_submits(verified_client, alice, done_dataset):
    client = verified_client(alice)
    html = client.get(reverse("synthetic:dataset", args=[done_dataset.pk])).content.decode()
    assert "Submit for output checking" in html
    assert reverse("synthetic:report_pdf", args=["dataset", done_dataset.pk]) not in html
    assert (
        client.get(reverse("synthetic:figure", args=["dataset", done_dataset.pk, "tradeoff"])).status_code
        == 403
    )
    response = client.post(reverse("synthetic:dataset_submit", args=[done_dataset.pk]))
    done_dataset.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("outputs:request_detail", args=[done_dataset.output_request_id])


def test_the_progress_fragment_polls_while_running(verified_client, project_expert, project, delivered):
    dataset = SyntheticDataset.objects.create(
        project=project, source=delivered, created_by=project_expert, status="running", progress=40
    )
    response = verified_client(project_expert).get(
        reverse("synthetic:dataset", args=[dataset.pk]), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert 'hx-trigger="every 2s"' in html and 'value="40"' in html
    assert "<h1" not in html


def test_the_linkage_form_validates(verified_client, project_expert, project, delivered):
    client = verified_client(project_expert)
    assert client.get(reverse("synthetic:linkage_create", args=[project.pk])).status_code == 200
    response = client.post(
        reverse("synthetic:linkage_create", args=[project.pk]),
        {"source": delivered, "seed": "1", "common": "sex", "part_a": "nope", "part_b": "wage"},
    )
    assert response.status_code == 400
    assert "Unknown column(s): nope." in response.content.decode()
