"""Output checking and input checking in a real browser; every page visited is kept as a screenshot.

A researcher submits an output request with two tables, an output checker releases one and refuses
the other, the researcher downloads the released one (logged); an input checker validates an
external file whose linking identifier is pseudonymised with the project's key.
"""

import datetime
import json

import pandas as pd
import pytest
from django.urls import reverse
from django.utils import timezone

from outputs.models import InputFile, OutputFile, ReleaseLogEntry
from tests.browser.helpers import login

pytestmark = pytest.mark.browser


@pytest.fixture
def active_project(alice, ralph, liser):
    from ask4mdp.projects.models import Project, ProjectMember

    today = timezone.localdate()
    project = Project.objects.create(
        reference="P-2026-042",
        acronym="CAREERS",
        title="Careers after a first job",
        organisation=liser,
        status=Project.Status.ACTIVE,
        start=today - datetime.timedelta(days=10),
        end=today + datetime.timedelta(days=200),
    )
    ProjectMember.objects.create(project=project, user=alice, is_lead=True)
    ProjectMember.objects.create(project=project, user=ralph)
    folder = project.delivery_dir / "data"
    folder.mkdir(parents=True, exist_ok=True)
    rows = (
        [("F", "north", "A")] * 120
        + [("M", "north", "B")] * 130
        + [("F", "south", "C")] * 3
        + [("M", "south", "A")] * 40
    )
    pd.DataFrame(rows, columns=["sex", "region", "sector"]).to_csv(folder / "extract.csv", index=False)
    return project


def _as(page, live_server, user, screenshot):
    page.context.clear_cookies()
    login(page, live_server, user, screenshot=screenshot)


def test_it_checks_releases_and_refuses_outputs(
    page, live_server, screenshot, tmp_path, active_project, alice, olga
):
    passing = tmp_path / "by_sex.csv"
    passing.write_text("sex,n\nF,123\nM,170\n")
    failing = tmp_path / "by_region_sector.csv"
    failing.write_text("region,A,B,C\nnorth,120,130,0\nsouth,40,0,3\n")

    _as(page, live_server, alice, screenshot)
    page.goto(live_server.url + reverse("outputs:my_projects"))
    screenshot(page, "researcher-projects")
    page.get_by_role("link", name="P-2026-042 CAREERS").click()
    screenshot(page, "researcher-project")
    page.get_by_role("link", name="New output request").click()
    page.get_by_label("Title").fill("Chapter 2 tables")
    page.get_by_label("Description").fill("Counts by sex, and by region and sector.")
    page.locator("#id_files-0-file").set_input_files(str(passing))
    page.locator("#id_files-0-spec").fill(
        json.dumps({"data": "data/extract.csv", "statistic": "count", "index": ["sex"]})
    )
    page.locator("#id_files-1-file").set_input_files(str(failing))
    page.locator("#id_files-1-spec").fill(
        json.dumps(
            {"data": "data/extract.csv", "statistic": "count", "index": ["region"], "columns": ["sector"]}
        )
    )
    screenshot(page, "researcher-new-request")
    page.get_by_role("button", name="Submit for checking").click()
    page.wait_for_load_state()
    screenshot(page, "researcher-request-checked")
    assert page.locator(".sdc-flagged").count() >= 1

    _as(page, live_server, olga, screenshot)
    page.goto(live_server.url + reverse("outputs:checker_queue"))
    screenshot(page, "checker-queue")
    page.get_by_role("link", name="Chapter 2 tables").click()
    screenshot(page, "checker-request")
    sex_card = page.locator("section.card", has=page.get_by_role("heading", name="by_sex.csv"))
    sex_card.get_by_label("Comment").fill("Counts above the threshold.")
    sex_card.get_by_role("button", name="Approve and release").click()
    page.wait_for_load_state()
    screenshot(page, "checker-released-one")
    region_card = page.locator("section.card", has=page.get_by_role("heading", name="by_region_sector.csv"))
    region_card.get_by_label("Comment").fill("Two cells below 10 and zeros.")
    region_card.get_by_role("button", name="Reject").click()
    page.wait_for_load_state()
    screenshot(page, "checker-refused-other")

    released = OutputFile.objects.get(name="by_sex.csv")
    refused = OutputFile.objects.get(name="by_region_sector.csv")
    assert released.decision == OutputFile.Decision.APPROVED
    assert refused.decision == OutputFile.Decision.REJECTED

    _as(page, live_server, alice, screenshot)
    page.goto(live_server.url + reverse("outputs:request_detail", kwargs={"pk": released.output_request_id}))
    screenshot(page, "researcher-decided")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download (logged)").click()
    path = download_info.value.path()
    assert path.read_text() == passing.read_text()
    assert page.get_by_role("link", name="Download (logged)").count() == 1  # the refused file has none
    entry = ReleaseLogEntry.objects.get()
    assert (entry.user, entry.file_name, entry.sha256) == (alice, "by_sex.csv", released.sha256)


def test_it_validates_an_external_file(
    page, live_server, screenshot, tmp_path, monkeypatch, active_project, ian
):
    from pseudonym.services import project_key_ensure

    monkeypatch.setenv("ASK4MDP_MASTER_SECRET", "browser-test-master-secret-" + "y" * 32)
    project_key_ensure(project=active_project, actor=ian)
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "matricule,email,score\n1985031512345,a@b.lu,3\n1990120154321,c@d.lu,4\n1979070711111,e@f.lu,5\n"
    )

    _as(page, live_server, ian, screenshot)
    page.goto(live_server.url + reverse("outputs:input_queue"))
    screenshot(page, "input-queue")
    page.get_by_role("row", name="P-2026-042").get_by_role("link", name="Upload an external file").click()
    page.get_by_label("File").set_input_files(str(survey))
    page.get_by_label("Legal basis").fill("Respondents' consent to linkage (survey 2025, question 41).")
    screenshot(page, "input-upload")
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_load_state()
    screenshot(page, "input-checked")
    assert (
        page.get_by_role("row", name="matricule").get_by_text("national identification number").count() == 1
    )
    page.get_by_label("Linking identifier (pseudonymised with the project's key)").select_option("matricule")
    page.get_by_role("button", name="Validate and deliver").click()
    page.wait_for_load_state()
    screenshot(page, "input-validated")

    item = InputFile.objects.get()
    assert item.status == InputFile.Status.VALIDATED
    delivered = pd.read_parquet(item.delivered_path)
    assert list(delivered.columns) == ["matricule", "score"]
    assert "1985031512345" not in delivered.matricule.tolist()
