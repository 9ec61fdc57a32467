"""The implementation phase in a real browser: from a confirmed request to an active project, and a
breach that revokes it. Every page visited is kept as a screenshot."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_app.implementation import services
from requests_app.implementation.tests.helpers import finalised, fresh, tiny_pdf
from requests_app.models import State
from requests_app.tests import factories as f
from tests.browser.helpers import login

pytestmark = pytest.mark.browser


def _as(page, live_server, user, screenshot):
    page.context.clear_cookies()
    login(page, live_server, user)


def _go(page, live_server, name, request, screenshot, shot):
    page.goto(live_server.url + reverse(f"requests_app:{name}", kwargs={"pk": request.pk}))
    screenshot(page, shot)


def test_it_goes_from_a_confirmed_request_to_an_active_project(
    page, live_server, screenshot, tmp_path, alice, ralph, erin, dana, paul, pia, ian, desmond
):
    request = f.confirmed(alice, erin, dana, members=[ralph])

    # the expert fills in the table of roles
    _as(page, live_server, erin, screenshot)
    page.goto(live_server.url + reverse("requests_app:implementation_dashboard"))
    screenshot(page, "dashboard-confirmed")
    page.get_by_role("link", name=f"{request.reference} {request.acronym}").click()
    screenshot(page, "detail-confirmed")
    page.get_by_role("link", name="Fill in the table of roles").click()
    page.get_by_label(paul.full_name).check()
    page.get_by_label("Select all pseudonymisers").check()
    assert page.get_by_label(pia.full_name).is_checked()
    page.get_by_label(ian.full_name).check()
    page.get_by_label(desmond.full_name).check()
    screenshot(page, "roles")
    page.get_by_role("button", name="Save").click()
    assert "The table of roles is saved" in page.content()
    assert fresh(request).state == State.IMPLEMENTATION
    screenshot(page, "detail-implementation")

    # the desktop preparer records each step by hand, then validates
    _as(page, live_server, desmond, screenshot)
    _go(page, live_server, "implementation_desktop", request, screenshot, "desktop-empty")
    for key, _label in services.DESKTOP_ITEMS:
        page.locator(f"#note-{key}").fill(f"Done by hand: {key}")
        page.locator(f"#item-{key}").get_by_role("button", name="Record this step").click()
    screenshot(page, "desktop-done")
    page.get_by_role("button", name="Validate the desktop task").click()
    screenshot(page, "desktop-validated")

    # the principal extractor sees the non-default coding highlighted, checks and validates
    _as(page, live_server, paul, screenshot)
    _go(page, live_server, "implementation_extraction", request, screenshot, "extraction")
    assert page.locator("tr.modality-changed").count() == 1
    page.get_by_label("Select all variables").check()
    page.get_by_role("button", name="Save the checklist").click()
    page.get_by_label("Record the delivery by hand").fill("3 Parquet files, codebook and checksums")
    page.get_by_role("button", name="Record the delivery").click()
    screenshot(page, "extraction-checked")
    page.get_by_role("button", name="Validate the extraction").click()
    screenshot(page, "extraction-validated")

    # the researcher fills in the contract screen; the contract is generated, then signed
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(tiny_pdf("signed"))
    _as(page, live_server, alice, screenshot)
    _go(page, live_server, "implementation_contract", request, screenshot, "contract-screen")
    page.get_by_label("signatory's name").fill("Sonia Director")
    page.get_by_label("signatory's position").fill("Chief executive officer")
    page.get_by_label("signatory's e-mail address").fill("director@liser.lu")
    page.get_by_role("button", name="Save and generate the contract").click()
    screenshot(page, "contract-generated")
    contract = services.latest_contract(request)
    assert contract.status == "sent"  # the last of the other tasks was validated before
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    for party, name in (
        ("The researcher", "Alice Martin"),
        ("The organisation's signatory", "Sonia Director"),
    ):
        page.get_by_label("Party").select_option(label=party)
        page.get_by_label("Signed by").fill(name)
        page.get_by_label("Signed PDF").set_input_files(str(signed))
        page.get_by_role("button", name="Upload the signed copy").click()
    screenshot(page, "contract-two-signatures")

    _as(page, live_server, erin, screenshot)
    _go(page, live_server, "implementation_contract", request, screenshot, "contract-platform")
    page.get_by_label("Signed by").fill("Erin Schmit")
    page.get_by_label("Signed PDF").set_input_files(str(signed))
    page.get_by_role("button", name="Upload the signed copy").click()
    screenshot(page, "contract-signed")
    assert fresh(request).state == State.FINALISED

    # finalisation: the expert opens the project for a shortened period
    _go(page, live_server, "implementation_detail", request, screenshot, "finalised")
    page.get_by_label("Access from").fill(timezone.localdate().isoformat())
    page.get_by_label("Access until").fill("2027-06-30")
    page.get_by_role("button", name="Open the project").click()
    screenshot(page, "active")
    request = fresh(request)
    assert request.state == State.ACTIVE and request.project.end == datetime.date(2027, 6, 30)
    page.goto(live_server.url + reverse("requests_app:implementation_dashboard"))
    screenshot(page, "dashboard-active")


def test_it_revokes_a_project_at_once_after_a_breach(
    page, live_server, screenshot, alice, ralph, erin, dana, paul, pia, ian, desmond, adam
):
    request = finalised(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    services.project_open(
        request=request, start=timezone.localdate(), end=datetime.date(2027, 6, 30), actor=erin
    )

    _as(page, live_server, adam, screenshot)
    _go(page, live_server, "implementation_detail", request, screenshot, "active")
    page.get_by_role("link", name="Record a breach and revoke the project").click()
    page.get_by_label("What happened").fill("Ralph photographed a table of individual records.")
    page.get_by_label(ralph.full_name).check()
    screenshot(page, "breach-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke the project").click()
    screenshot(page, "revoked")
    request = fresh(request)
    assert request.state == State.REVOKED
    assert not request.project.memberships.filter(access_removed_at=None).exists()

    # the researchers lose the project at once
    _as(page, live_server, alice, screenshot)
    _go(page, live_server, "implementation_detail", request, screenshot, "researcher-sees-revoked")
    assert "Revoked" in page.locator("#request-state").inner_text()
