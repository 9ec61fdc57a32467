"""Synthetic data in a real browser; every page visited is kept as a screenshot.

The request's expert creates a synthetic dummy of a delivered file and reads its report (metrics,
thresholds, figures); the lead researcher, who cannot download it, submits it for output checking,
and lands on the output request the checker will see (with the report attached). The expert also
runs the linkage laboratory.
"""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from synthetic.models import LinkageRun, SyntheticDataset
from tests.browser.helpers import login

pytestmark = pytest.mark.browser


@pytest.fixture
def project(alice, liser, erin, settings):
    import numpy as np
    import pandas as pd

    from ask4mdp.projects.models import Project, ProjectMember
    from synthetic.permissions import grant_synthetic_managers

    settings.SYNTHETIC = {**settings.SYNTHETIC, "permutations": 3}
    today = timezone.localdate()
    project = Project.objects.create(
        reference="P-2026-077",
        acronym="DUMMY",
        title="Wages and careers",
        organisation=liser,
        status=Project.Status.ACTIVE,
        start=today - datetime.timedelta(days=5),
        end=today + datetime.timedelta(days=200),
    )
    ProjectMember.objects.create(project=project, user=alice, is_lead=True)
    grant_synthetic_managers(project, [erin])
    rng = np.random.default_rng(0)
    n = 300
    age = rng.integers(18, 70, n)
    sex = rng.choice(["F", "M"], n)
    folder = project.delivery_dir / "extraction-1"
    folder.mkdir(parents=True)
    pd.DataFrame(
        {
            "age": age,
            "sex": sex,
            "canton": rng.choice(["LUX", "ESC", "CAP"], n),
            "wage": np.round(1500 + 60 * age + rng.normal(0, 300, n), 2),
            "sector": rng.choice(["F", "G", "K"], n),
        }
    ).to_csv(folder / "persons.csv", index=False)
    return project


def _as(page, live_server, user, screenshot):
    page.context.clear_cookies()
    login(page, live_server, user, screenshot=screenshot)


def test_it_creates_a_synthetic_dummy_and_submits_it_for_output_checking(
    page, live_server, screenshot, project, erin, alice
):
    _as(page, live_server, erin, screenshot)
    page.get_by_role("link", name="Synthetic data").first.click()
    screenshot(page, "synthetic-index")
    page.get_by_role("link", name="P-2026-077 DUMMY").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Synthetic data for P-2026-077")
    screenshot(page, "project-files-and-form")
    page.get_by_label("Delivered file").select_option("extraction-1/persons.csv")
    page.get_by_label("Seed").fill("7")
    page.get_by_label("Target variable for DiSCO").fill("salary")  # a typo: an error next to the field
    page.get_by_role("button", name="Create the synthetic dummy").click()
    expect(page.get_by_text("Unknown column(s): salary.")).to_be_visible()
    screenshot(page, "form-error")
    page.get_by_label("Target variable for DiSCO").fill("sector")
    page.get_by_role("button", name="Create the synthetic dummy").click()
    expect(page.get_by_role("heading", name="Thresholds")).to_be_visible(timeout=120_000)
    expect(page.get_by_text("Synthetic — not valid for inference").first).to_be_visible()
    expect(page.get_by_role("rowheader", name="S_pMSE").first).to_be_visible()
    image = page.get_by_role(
        "img", name="Distributions of each variable, real holdout and synthetic side by side"
    )
    expect(image).to_be_visible()
    assert page.evaluate("img => img.naturalWidth", image.element_handle()) > 100
    screenshot(page, "report")
    dataset = SyntheticDataset.objects.get()
    assert dataset.status == "done" and dataset.seed == 7 and dataset.target == "sector"

    _as(page, live_server, alice, screenshot)
    page.goto(live_server.url + reverse("synthetic:dataset", args=[dataset.pk]))
    expect(page.get_by_role("link", name="Download the report (PDF)")).to_have_count(0)
    screenshot(page, "researcher-view")
    page.get_by_role("button", name="Submit for output checking").click()
    expect(page.get_by_text("persons_synthetic.csv").first).to_be_visible()
    expect(page.get_by_text("report.pdf").first).to_be_visible()
    screenshot(page, "output-request")
    dataset.refresh_from_db()
    assert dataset.output_request is not None


def test_it_runs_the_linkage_laboratory(page, live_server, screenshot, project, erin):
    _as(page, live_server, erin, screenshot)
    page.goto(live_server.url + reverse("synthetic:linkage_create", args=[project.pk]))
    screenshot(page, "linkage-form")
    page.get_by_label("Delivered file").select_option("extraction-1/persons.csv")
    page.get_by_label("Shared variables").fill("sex, canton, age")
    page.get_by_label("Variables of part A").fill("sector")
    page.get_by_label("Variables of part B").fill("wage")
    page.get_by_role("button", name="Run the linkage laboratory").click()
    expect(page.get_by_role("heading", name="1. Baseline: linking the original parts")).to_be_visible(
        timeout=120_000
    )
    expect(page.get_by_role("heading", name="4. Influence of each shared variable")).to_be_visible()
    screenshot(page, "linkage-report")
    run = LinkageRun.objects.get()
    assert run.status == "done" and run.common == ["sex", "canton", "age"]
