"""The request life cycle in a real browser, through every role, with a screenshot of every page.

Alice (researcher) drafts and submits; Erin (labour-market expert) processes; Dana (datateam)
validates or sends back; Alice confirms. Side paths: return to the researcher (v2 with the changes
shown), a question about one variable answered by the researcher, a datateam send-back.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from requests_app import services
from requests_app.models import DataRequest, State
from requests_app.tests import factories as f
from tests.browser.helpers import login

pytestmark = pytest.mark.browser


def as_user(page, live_server, user, screenshot):
    page.context.clear_cookies()
    login(page, live_server, user, screenshot=screenshot)


def go(page, live_server, name, **kwargs):
    page.goto(live_server.url + reverse(f"requests_app:{name}", kwargs=kwargs or None))


def test_it_runs_the_happy_path_from_draft_to_confirmation(live_server, page, screenshot, alice, erin, dana):
    f.dictionary()
    # -- Alice drafts the request, step by step ----------------------------------------------
    as_user(page, live_server, alice, screenshot)
    go(page, live_server, "dashboard")
    screenshot(page, "researcher-dashboard")
    page.get_by_label("Project acronym").fill("CLD")
    page.get_by_label("Project title").fill("Career choices of the long-term unemployed")
    page.get_by_role("button", name="Create the request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("CLD")
    page.get_by_label("Project start date").fill("2026-02-01")
    page.get_by_label("Project end date").fill("2027-12-31")
    page.get_by_label("Research problem").fill("Why do the long-term unemployed choose their careers?")
    expect(page.locator("#problem-words")).to_contain_text("8 of 600 words")
    page.get_by_label("Population concerned").fill("Persons registered as unemployed for more than a year.")
    page.get_by_label("Data from (month)").fill("2001-07")  # before the dictionary starts
    page.get_by_label("Data until (month)").fill("2024-12")
    screenshot(page, "step-project")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.locator("#id_period_from_error")).to_contain_text("January 2002")
    screenshot(page, "step-project-error")
    page.get_by_label("Data from (month)").fill("2007-07")
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", level=2, name="Eligibility")).to_be_visible()
    page.get_by_label("Statistical or scientific purpose").fill("Scientific research for the ministry")
    page.get_by_label("Why microdata are needed").fill("Individual careers must be followed month by month")
    page.get_by_label("The researchers' experience with personal data").fill("Ten years with IGSS data")
    screenshot(page, "step-eligibility")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_label("Organisation").select_option(label="LISER")
    page.get_by_label("Software needed in the desktop").fill("R, Stata")
    screenshot(page, "step-team")
    page.get_by_role("button", name="Save and continue").click()
    # the variable picker
    page.get_by_label("Name or label").fill("age")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_contain_text("i_age")
    expect(page.locator("#results")).not_to_contain_text("diagnosis")  # the search's answer has arrived
    screenshot(page, "picker-search")
    page.get_by_role("link", name="Add i_age").click()
    expect(page.get_by_test_id("padlock")).to_contain_text("One padlock")
    page.get_by_label("Justification of the variable").fill("Explanatory factor of long-term unemployment")
    page.get_by_label("Request a change of the proposed values").check()
    page.get_by_label("Justification of the change").fill("To study ages 16 to 64 I need a 60-64 class")
    page.get_by_label("Values wanted").fill("60-64")
    screenshot(page, "variable-i_age")
    page.get_by_role("button", name="Add the variable").click()
    page.get_by_label("Name or label").fill("sex")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).not_to_contain_text("i_age")
    page.get_by_role("link", name="Add sex").click()
    page.get_by_label("Justification of the variable").fill("Gender differences in careers")
    page.get_by_role("button", name="Add the variable").click()
    expect(page.get_by_role("heading", name="Your variables")).to_contain_text("2")
    screenshot(page, "picker-chosen")
    page.get_by_role("link", name="Continue: check and submit").click()
    screenshot(page, "submit")
    page.get_by_role("button", name="Submit the request").click()
    expect(page.get_by_test_id("state")).to_have_text("Assigned")
    expect(page.get_by_test_id("expert")).to_have_text("Erin Schmit")
    screenshot(page, "submitted")
    req = DataRequest.objects.get(acronym="CLD")
    go(page, live_server, "edit", pk=req.pk, step="project")
    expect(page.get_by_role("heading", level=1)).to_contain_text("403")

    # -- Erin processes it -------------------------------------------------------------------
    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "expert_dashboard")
    screenshot(page, "expert-dashboard")
    page.get_by_role("link", name=req.reference).first.click()
    page.get_by_role("button", name="Start processing").click()
    expect(page.get_by_test_id("state")).to_have_text("Processing")
    for name in ("needs_microdata", "is_legitimate", "is_statistical"):
        page.locator(f"#id_{name}").select_option("true")
        page.locator(f"#id_{name}_comment").fill("Yes")
    page.get_by_role("button", name="Save the eligibility answers").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved")
    age = req.variables.get(variable__name="i_age")
    card = page.locator(f"#var-{age.pk}")
    card.get_by_role("group", name="Justification", exact=True).get_by_label("Accepted").check()
    card.get_by_role("group", name="Granularity change", exact=True).get_by_label("Accepted").check()
    card.get_by_label("New modalities").fill("0;less than 20;0-19\n1;20-59;20-59\n2;60-64;60-64\n9;65+;65+")
    card.get_by_label("Outcome").select_option("approved_other")
    screenshot(page, "processing-decision")
    card.get_by_role("button", name="Save the decisions on i_age").click()
    expect(page.get_by_test_id("status-i_age")).to_have_text("Processed")
    sex = req.variables.get(variable__name="sex")
    card = page.locator(f"#var-{sex.pk}")
    card.get_by_role("group", name="Justification", exact=True).get_by_label("Accepted").check()
    card.get_by_label("Outcome").select_option("approved")
    card.get_by_role("button", name="Save the decisions on sex").click()
    expect(page.get_by_test_id("status-sex")).to_have_text("Processed")
    screenshot(page, "processing-done")
    page.get_by_role("button", name="Send to the datateam").click()
    expect(page.get_by_test_id("state")).to_have_text("Datateam review")
    screenshot(page, "sent-to-datateam")

    # -- Dana reviews and validates --------------------------------------------------------------
    as_user(page, live_server, dana, screenshot)
    go(page, live_server, "datateam_queue")
    screenshot(page, "datateam-queue")
    page.get_by_role("link", name=req.reference).click()
    expect(page.get_by_role("heading", name="4. Proportionality of the variables")).to_be_visible()
    screenshot(page, "review")
    page.get_by_role("button", name="Validate the processing").click()
    screenshot(page, "validated")
    req.refresh_from_db()
    assert req.state == State.RESEARCHER_CONFIRMATION
    assert req.archived_documents.filter(kind="processing").exists()

    # -- Alice confirms ----------------------------------------------------------------------------
    as_user(page, live_server, alice, screenshot)
    go(page, live_server, "detail", pk=req.pk)
    page.get_by_role("link", name="See the decisions").click()
    expect(page.get_by_role("table")).to_contain_text("Approved at another granularity")
    screenshot(page, "confirmation")
    page.get_by_role("button", name="Confirm the decisions").click()
    expect(page.get_by_test_id("state")).to_have_text("Confirmed")
    expect(page.get_by_role("link", name="Manifest v1 (JSON)")).to_be_visible()
    screenshot(page, "confirmed")
    req.refresh_from_db()
    assert req.project is not None and req.manifests.count() == 1


def test_it_returns_the_request_and_shows_what_changed_in_v2(live_server, page, screenshot, alice, erin):
    req = f.processing(alice, erin)
    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "processing", pk=req.pk)
    page.get_by_label("Reason").fill("Please describe the control group.")
    page.get_by_role("button", name="Return to the researcher").click()
    expect(page.get_by_test_id("state")).to_have_text("Returned to the researcher")
    screenshot(page, "returned")

    as_user(page, live_server, alice, screenshot)
    go(page, live_server, "detail", pk=req.pk)
    expect(page.get_by_role("status").filter(has_text="Please describe the control group")).to_be_visible()
    screenshot(page, "researcher-sees-return")
    page.get_by_role("link", name="Complete the request").click()
    page.get_by_label("Population concerned").fill("The long-term unemployed and a control group of short spells.")
    page.get_by_role("button", name="Save", exact=True).click()
    screenshot(page, "edited")
    page.get_by_role("link", name="Send the new version").click()
    page.get_by_role("button", name="Send version 2").click()
    expect(page.get_by_test_id("state")).to_have_text("Processing")
    screenshot(page, "resubmitted")

    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "detail", pk=req.pk)
    changes = page.get_by_test_id("changes")
    expect(changes).to_contain_text("What changed in version 2")
    expect(changes).to_contain_text("population")
    expect(changes).to_contain_text("control group of short spells")
    expect(page.get_by_role("list", name="Where the request is").or_(page.locator(".stepbar"))).to_contain_text(
        "Request (v2)")
    screenshot(page, "expert-sees-v2")
    page.get_by_role("link", name="v1").click()
    screenshot(page, "version-1")


def test_it_lets_the_researcher_answer_a_question_about_one_variable(live_server, page, screenshot, alice, erin):
    req = f.processing(alice, erin)
    age = req.variables.get(variable__name="i_age")
    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "processing", pk=req.pk)
    card = page.locator(f"#var-{age.pk}")
    card.get_by_text("Ask the researcher a question?").click()
    card.get_by_label("Ask the researcher a question about i_age").fill("Would 65+ as one class do?")
    screenshot(page, "question")
    card.get_by_role("button", name="Send").click()
    expect(page.locator(f"#var-{age.pk}")).to_contain_text("Would 65+ as one class do?")

    as_user(page, live_server, alice, screenshot)
    go(page, live_server, "detail", pk=req.pk)
    card = page.locator(f"#var-{age.pk}")
    expect(card).to_contain_text("Would 65+ as one class do?")
    screenshot(page, "researcher-sees-question")
    card.get_by_label("Answer or ask about i_age").fill("Yes, 65+ as one class is enough.")
    card.get_by_role("button", name="Send").click()
    expect(page.locator(f"#var-{age.pk}")).to_contain_text("Yes, 65+ as one class is enough.")
    screenshot(page, "answered")

    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "processing", pk=req.pk)
    expect(page.locator(f"#var-{age.pk}")).to_contain_text("Yes, 65+ as one class is enough.")
    screenshot(page, "expert-sees-answer")


def test_it_lets_the_datateam_send_the_processing_back(live_server, page, screenshot, alice, erin, dana):
    req = f.in_review(alice, erin)
    as_user(page, live_server, dana, screenshot)
    go(page, live_server, "review", pk=req.pk)
    page.get_by_role("combobox", name="Section").select_option("protection")
    page.locator("#id_body").fill("The zipcode should be pseudonymised.")
    page.get_by_role("button", name="Add the comment").click()
    expect(page.locator("#sec-protection")).to_contain_text("The zipcode should be pseudonymised.")
    screenshot(page, "review-commented")
    page.get_by_role("button", name="Send back").click()
    expect(page.locator("#id_comment_error")).to_be_visible()
    page.get_by_label("What should the expert look at again?").fill("See the protection section.")
    page.get_by_role("button", name="Send back").click()
    screenshot(page, "sent-back")
    assert DataRequest.objects.get(pk=req.pk).state == State.PROCESSING

    as_user(page, live_server, erin, screenshot)
    go(page, live_server, "processing", pk=req.pk)
    expect(page.get_by_test_id("state")).to_have_text("Processing")
    expect(page.locator("#document").locator("..")).to_contain_text("The zipcode should be pseudonymised.")
    screenshot(page, "expert-sees-comments")
    services  # noqa: B018 - the services module drives the set-up above through the factories


def test_it_gives_the_administrator_the_overview_and_the_archive(live_server, page, screenshot, alice, erin, dana,
                                                                 adam):
    f.awaiting_confirmation(alice, erin, dana)  # committed: the archive task has run after validation
    f.submitted(alice, acronym="TEVA")
    as_user(page, live_server, adam, screenshot)
    go(page, live_server, "admin_dashboard")
    expect(page.get_by_test_id("admin-table")).to_contain_text("TEVA")
    screenshot(page, "all-requests")
    page.get_by_label("State", exact=True).select_option("researcher_confirmation")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("admin-table")).not_to_contain_text("TEVA")
    screenshot(page, "all-requests-filtered")
    page.get_by_role("link", name="Archived documents and hash checks").click()
    page.get_by_label("Select all").check()
    page.get_by_role("button", name="Re-check the selected files").click()
    expect(page.get_by_text("intact", exact=True).first).to_be_visible()
    screenshot(page, "archive-checked")
