import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from requests_app.implementation import services
from requests_app.models import State
from requests_app.tests import factories as f

from .helpers import CONTRACT_DATA, do_contract, do_desktop, do_extraction, fresh, in_implementation, tiny_pdf


def url(name, request, **kw):
    return reverse(f"requests_app:{name}", kwargs={"pk": request.pk, **kw})


def test_it_shows_the_dashboard_of_active_implementations_to_the_people_on_them(
    verified_client, alice, erin, hugo, dana, paul, pia, ian, desmond, adam
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    dashboard = reverse("requests_app:implementation_dashboard")
    for user in (paul, desmond, erin, adam):
        response = verified_client(user).get(dashboard)
        assert response.status_code == 200
        assert request.reference in response.content.decode()
    response = verified_client(hugo).get(dashboard)
    assert request.reference not in response.content.decode()


def test_it_hides_the_implementation_from_outsiders_and_forbids_actions_to_onlookers(
    verified_client, client, alice, charlie, erin, hugo, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    for name in (
        "implementation_detail",
        "implementation_roles",
        "implementation_desktop",
        "implementation_extraction",
        "implementation_contract",
        "implementation_breach",
    ):
        assert verified_client(charlie).get(url(name, request)).status_code == 404
        assert verified_client(hugo).get(url(name, request)).status_code == 404
    assert verified_client(alice).get(url("implementation_detail", request)).status_code == 200
    assert verified_client(alice).get(url("implementation_roles", request)).status_code == 403
    assert verified_client(alice).get(url("implementation_desktop", request)).status_code == 403
    assert verified_client(paul).get(url("implementation_desktop", request)).status_code == 403
    assert verified_client(desmond).get(url("implementation_extraction", request)).status_code == 403
    assert verified_client(erin).get(url("implementation_breach", request)).status_code == 403
    response = verified_client(paul).post(
        url("implementation_desktop", request), {"item": "desktop_created", "note": "x"}
    )
    assert response.status_code == 403
    client.logout()
    assert client.get(url("implementation_detail", request)).status_code == 302  # to the login page


def test_it_saves_the_table_of_roles_from_the_form(
    verified_client, alice, erin, dana, paul, pia, ian, desmond
):
    request = f.confirmed(alice, erin, dana)
    page = verified_client(erin).get(url("implementation_roles", request)).content.decode()
    assert 'data-select-all="pseudonymiser"' in page and 'data-select-all="principal_extractor"' not in page
    response = verified_client(erin).post(
        url("implementation_roles", request),
        {"principal_extractor": paul.pk, "pseudonymiser": [pia.pk], "input_checker": [ian.pk]},
    )
    assert response.status_code == 200  # the desktop preparers are missing: errors next to the field
    assert "desktop_preparer-errors" in response.content.decode()
    assert fresh(request).state == State.CONFIRMED
    response = verified_client(erin).post(
        url("implementation_roles", request),
        {
            "thematic_expert": [erin.pk],
            "principal_extractor": paul.pk,
            "pseudonymiser": [pia.pk],
            "input_checker": [ian.pk],
            "desktop_preparer": [desmond.pk],
        },
    )
    assert response.status_code == 302
    assert fresh(request).state == State.IMPLEMENTATION
    response = verified_client(erin).post(
        url("implementation_roles", request),
        {
            "principal_extractor": "999999",
            "pseudonymiser": ["abc"],
            "input_checker": [ian.pk],
            "desktop_preparer": [desmond.pk],
        },
    )
    assert response.status_code == 200  # junk is a form error, never a 500


def test_it_records_desktop_steps_with_errors_next_to_the_field(
    verified_client, alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    client = verified_client(desmond)
    response = client.post(url("implementation_desktop", request), {"item": "desktop_created", "note": ""})
    assert response.status_code == 200 and "err-desktop_created" in response.content.decode()
    response = client.post(
        url("implementation_desktop", request), {"item": "desktop_created", "note": "Created BV"}
    )
    assert response.status_code == 302
    assert services.tasks_of(request)["desktop"].item_done("desktop_created")
    response = client.post(url("implementation_desktop", request), {"action": "validate"}, follow=True)
    assert "Still to do" in response.content.decode()


def test_it_highlights_the_modalities_that_differ_from_the_default(
    verified_client, alice, erin, dana, paul, pia, ian, desmond
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    page = verified_client(paul).get(url("implementation_extraction", request)).content.decode()
    assert page.count('class="modality-changed"') == 1
    assert 'data-key="SOCIO.i_age"' in page
    rows = services.extraction_checklist(services.current_manifest(request).data)
    response = verified_client(paul).post(
        url("implementation_extraction", request), {"action": "check", "variables": [r["key"] for r in rows]}
    )
    assert response.status_code == 302
    response = verified_client(paul).post(
        url("implementation_extraction", request), {"action": "delivery", "note": ""}
    )
    assert response.status_code == 200 and "delivery-errors" in response.content.decode()
    verified_client(paul).post(
        url("implementation_extraction", request), {"action": "delivery", "note": "3 files"}
    )
    response = verified_client(paul).post(url("implementation_extraction", request), {"action": "validate"})
    assert response.status_code == 302
    assert services.tasks_of(request)["extraction"].is_validated


def test_it_generates_the_contract_from_the_researchers_screen_and_serves_it_to_the_team_only(
    verified_client,
    alice,
    ralph,
    charlie,
    erin,
    dana,
    paul,
    pia,
    ian,
    desmond,
    django_capture_on_commit_callbacks,
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond, members=[ralph])
    page = verified_client(alice).get(url("implementation_contract", request)).content.decode()
    assert "Luxembourg Institute of Socio-Economic Research" in page  # prefilled from the organisation
    response = verified_client(alice).post(
        url("implementation_contract", request),
        {**CONTRACT_DATA, "signatory_email": "bad", "action": "details"},
    )
    assert response.status_code == 200 and "signatory_email-errors" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = verified_client(alice).post(
            url("implementation_contract", request), {**CONTRACT_DATA, "action": "details"}
        )
    assert response.status_code == 302
    contract = services.latest_contract(request)
    assert contract.status == "generated"
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        download = url("implementation_contract_download", request, number=contract.number, fmt=fmt)
        response = verified_client(ralph).get(download)
        assert response.status_code == 200 and b"".join(response.streaming_content).startswith(magic)
        assert verified_client(charlie).get(download).status_code == 404
    assert (
        verified_client(ralph)
        .post(url("implementation_contract", request), {**CONTRACT_DATA, "action": "details"})
        .status_code
        == 403
    )
    # the signed copies
    response = verified_client(alice).post(
        url("implementation_contract", request),
        {
            "action": "sign",
            "party": "researcher",
            "signer_name": "Alice Martin",
            "file": SimpleUploadedFile("signed.pdf", b"not a pdf at all", content_type="application/pdf"),
        },
    )
    assert response.status_code == 200 and "file-errors" in response.content.decode()
    response = verified_client(alice).post(
        url("implementation_contract", request),
        {
            "action": "sign",
            "party": "researcher",
            "signer_name": "Alice Martin",
            "file": SimpleUploadedFile("signed.pdf", tiny_pdf(), content_type="application/pdf"),
        },
    )
    assert response.status_code == 302
    response = verified_client(alice).post(
        url("implementation_contract", request),
        {
            "action": "sign",
            "party": "platform",
            "signer_name": "Alice Martin",
            "file": SimpleUploadedFile("signed.pdf", tiny_pdf(), content_type="application/pdf"),
        },
    )
    assert response.status_code == 403
    signed = url("implementation_signature_download", request, number=contract.number, party="researcher")
    assert verified_client(erin).get(signed).status_code == 200
    assert verified_client(charlie).get(signed).status_code == 404


def test_it_opens_the_project_and_records_a_breach_through_the_pages(
    verified_client, alice, erin, dana, paul, pia, ian, desmond, adam
):
    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    do_desktop(request, desmond)
    do_extraction(request, paul)
    do_contract(request, alice, erin)
    assert fresh(request).state == State.FINALISED
    today = timezone.localdate()
    page = verified_client(erin).get(url("implementation_detail", request)).content.decode()
    assert "h-open" in page
    response = verified_client(erin).post(
        url("implementation_open", request), {"start": today.isoformat(), "end": "2099-01-01"}, follow=True
    )
    assert "not extended" in response.content.decode()
    response = verified_client(erin).post(
        url("implementation_open", request), {"start": today.isoformat(), "end": "2027-06-30"}
    )
    assert fresh(request).state == State.ACTIVE
    assert fresh(request).project.end == datetime.date(2027, 6, 30)
    response = verified_client(adam).post(
        url("implementation_breach", request),
        {"description": "Copied a file out of the desktop", "persons": [alice.pk], "exclusion_years": 3},
    )
    assert response.status_code == 302
    assert fresh(request).state == State.REVOKED


def test_it_offers_the_breach_as_a_django_admin_action(
    verified_client, alice, erin, dana, paul, pia, ian, desmond, adam
):
    from requests_app.implementation.models import ContractTemplate

    request = in_implementation(alice, erin, dana, paul, pia, ian, desmond)
    client = verified_client(adam)
    changelist = reverse("admin:requests_app_implementedrequest_changelist")
    assert request.reference in client.get(changelist).content.decode()
    response = client.post(changelist, {"action": "revoke_after_breach", "_selected_action": [request.pk]})
    assert response.status_code == 302 and response.url == url("implementation_breach", request)
    assert fresh(request).state == State.IMPLEMENTATION  # nothing happens before the breach page is filled in
    response = client.post(
        reverse("admin:requests_app_contracttemplate_add"),
        {
            "name": "Foreign researchers",
            "org_type": "",
            "for_sponsored": "on",
            "language": "",
            "clauses": "Sponsor: The domestic organisation answers.",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert ContractTemplate.objects.filter(name="Foreign researchers", for_sponsored=True).exists()
