"""Pages: who sees what (404), who may act (403), bad input shown next to the field."""

import pytest
from django.urls import reverse

from requests_app.models import DataRequest, State
from requests_app.tests import factories as f


def url(view, req, **kw):
    return reverse(f"requests_app:{view}", kwargs={"pk": req.pk, **kw})


def test_it_lists_alices_requests_on_her_dashboard(alice, verified_client):
    req = f.draft(alice)
    response = verified_client(alice).get(reverse("requests_app:dashboard"))
    assert response.status_code == 200
    assert req.reference in response.content.decode()


def test_it_creates_a_request_and_opens_the_first_step(alice, verified_client):
    client = verified_client(alice)
    response = client.post(
        reverse("requests_app:create"), {"acronym": "WISE", "title": "Exit from social minima"}
    )
    req = DataRequest.objects.get(acronym="WISE")
    assert response.status_code == 302
    assert response.url == url("edit", req, step="project")
    assert client.get(response.url).status_code == 200


def test_it_hides_alices_request_from_charlie(alice, charlie, verified_client):
    req = f.draft(alice)
    client = verified_client(charlie)
    for name in ("detail", "processing", "confirmation", "submit"):
        assert client.get(url(name, req)).status_code == 404, name
    assert client.get(url("edit", req, step="project")).status_code == 404


def test_it_lets_a_team_member_see_but_not_edit(alice, ralph, verified_client):
    req = f.draft(alice, members=[ralph])
    client = verified_client(ralph)
    assert client.get(url("detail", req)).status_code == 200
    assert client.get(url("edit", req, step="project")).status_code == 403
    assert client.post(url("submit", req)).status_code == 403


def test_it_rejects_a_research_problem_over_600_words(alice, verified_client):
    req = f.draft(alice)
    client = verified_client(alice)
    data = {
        "acronym": "CLD",
        "title": "T",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "research_problem": "word " * 601,
        "population": "p",
        "period_from": "2007-07",
        "period_to": "2020-01",
    }
    response = client.post(url("edit", req, step="project"), data)
    assert response.status_code == 200
    assert "601 words" in response.content.decode()
    req.refresh_from_db()
    assert "word word" not in req.research_problem


@pytest.mark.parametrize(
    "value,message", [("2001-12", "January 2002"), ("2007-13", "YYYY-MM"), ("banana", "YYYY-MM")]
)
def test_it_shows_bad_months_next_to_the_field(alice, verified_client, value, message):
    req = f.draft(alice)
    data = {
        "acronym": "CLD",
        "title": "T",
        "start_date": "2026-01-01",
        "end_date": "2026-12-31",
        "research_problem": "x",
        "population": "p",
        "period_from": value,
        "period_to": "2020-01",
    }
    response = verified_client(alice).post(url("edit", req, step="project"), data)
    assert response.status_code == 200
    assert message in response.content.decode()


def test_it_saves_and_continues_to_the_next_step(alice, verified_client):
    req = f.draft(alice)
    data = {"purpose": "Science", "microdata_need": "Careers", "experience": "Years", "continue": ""}
    response = verified_client(alice).post(url("edit", req, step="eligibility"), data)
    assert response.status_code == 302
    assert response.url == url("edit", req, step="team")


def test_it_refuses_an_ineligible_team_member(alice, verified_client):
    from tests.factories import UserFactory

    stranger = UserFactory(email="nobody@example.org")  # no affiliation
    req = f.draft(alice)
    org = alice.affiliations.first().organisation
    response = verified_client(alice).post(
        url("edit", req, step="team"),
        {"organisation": org.pk, "members": "nobody@example.org\nghost@example.org", "software": "R"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "ghost@example.org has no account" in body
    assert "no current affiliation" in body
    assert not req.members.filter(pk=stranger.pk).exists()


def test_it_requires_a_justification_and_need_to_know_for_two_padlocks(alice, verified_client):
    req = f.draft(alice)
    diagnosis = f.dictionary()["diagnosis"]
    response = verified_client(alice).post(
        url("variable_edit", req, variable_pk=diagnosis.pk), {"justification": ""}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("This field is required") == 2
    assert not req.variables.filter(variable=diagnosis).exists()


def test_it_searches_the_dictionary_in_the_picker(alice, verified_client):
    req = f.draft(alice)
    client = verified_client(alice)
    response = client.get(url("variables", req), {"q": "diagnosis"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "diagnosis" in body
    assert "i_age" not in body
    assert "<html" not in body  # the partial only


def test_it_locks_a_submitted_request_against_the_researchers_edits(alice, erin, verified_client):
    req = f.submitted(alice)
    client = verified_client(alice)
    assert client.get(url("edit", req, step="project")).status_code == 403
    assert client.get(url("variables", req)).status_code == 403


def test_it_shows_the_processing_page_to_the_expert_and_not_to_the_researcher(alice, erin, verified_client):
    req = f.processing(alice, erin)
    assert verified_client(alice).get(url("processing", req)).status_code == 403
    response = verified_client(erin).get(url("processing", req))
    assert response.status_code == 200
    assert "Proportionality of the variables" in response.content.decode()


def test_it_forbids_another_expert_to_decide(alice, erin, hugo, verified_client):
    req = f.processing(alice, erin, variables=["i_age", "sex", "diagnosis"])  # touches health: Hugo sees it
    rv = req.variables.first()
    client = verified_client(hugo)
    assert client.get(url("processing", req)).status_code == 200
    assert client.post(url("variable_decide", req, rv_pk=rv.pk), {}).status_code == 403
    assert client.post(url("action", req, name="reject"), {"reason": "no"}).status_code == 403


def test_it_shows_decision_errors_next_to_the_fields(alice, erin, verified_client):
    req = f.processing(alice, erin)
    rv = req.variables.get(variable__name="i_age")
    response = verified_client(erin).post(
        url("variable_decide", req, rv_pk=rv.pk),
        {
            f"v{rv.pk}-justification_decision": "accepted",
            f"v{rv.pk}-granularity_decision": "accepted",
            f"v{rv.pk}-new_modalities": "just one column",
            f"v{rv.pk}-outcome": "approved_other",
        },
    )
    assert response.status_code == 200
    assert "code;label;values" in response.content.decode()
    rv.refresh_from_db()
    assert rv.outcome == ""


def test_it_saves_a_decision_through_htmx(alice, erin, verified_client):
    req = f.processing(alice, erin)
    rv = req.variables.get(variable__name="sex")
    response = verified_client(erin).post(
        url("variable_decide", req, rv_pk=rv.pk),
        {f"v{rv.pk}-justification_decision": "accepted", f"v{rv.pk}-outcome": "approved"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert f'id="var-{rv.pk}"' in body and "<html" not in body
    rv.refresh_from_db()
    assert rv.outcome == "approved"


def test_it_keeps_the_typed_text_when_someone_else_acted_first(alice, erin, verified_client):
    req = f.processing(alice, erin)
    client = verified_client(erin)
    seen = {"seen_state": "processing", "seen_version": "1", "seen_expert": str(erin.pk)}
    f.force_state(req, State.DATATEAM_REVIEW)  # meanwhile, the request moved on
    f.force_state(req, State.PROCESSING)
    DataRequest.objects.filter(pk=req.pk).update(version=2)
    response = client.post(
        url("processing", req), {"part": "processing", "field_of_study": "Only nurses", **seen}
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else has just changed this request" in body
    assert "Only nurses" in body


def test_it_enforces_four_eyes_on_the_review_page(alice, erin, verified_client):
    from django.contrib.auth.models import Group

    from ask4mdp.accounts.roles import Role

    req = f.in_review(alice, erin)
    erin.groups.add(Group.objects.get_or_create(name=str(Role.DATATEAM))[0])
    client = verified_client(erin)
    response = client.get(url("review", req))
    assert response.status_code == 200
    assert "four eyes" in response.content.decode()
    assert client.post(url("review", req), {"validate": ""}).status_code == 403


def test_it_lets_the_datateam_comment_and_send_back(alice, erin, dana, verified_client):
    req = f.in_review(alice, erin)
    client = verified_client(dana)
    response = client.post(url("review", req), {"comment": "", "section": "protection", "body": "Zipcode?"})
    assert response.status_code == 302
    response = client.post(url("review", req), {"send_back": "", "comment": ""})
    assert "This field is required" in response.content.decode()
    response = client.post(url("review", req), {"send_back": "", "comment": "Pseudonymise the zipcode"})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == State.PROCESSING


def test_it_lets_the_researcher_confirm(
    alice, erin, dana, verified_client, django_capture_on_commit_callbacks
):
    req = f.awaiting_confirmation(alice, erin, dana)
    client = verified_client(alice)
    page = client.get(url("confirmation", req))
    assert page.status_code == 200 and "Confirm the decisions" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("confirmation", req), {"confirm": ""})
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.state == State.CONFIRMED
    detail = client.get(url("detail", req)).content.decode()
    assert "Manifest v1" in detail
    assert "Closed list of variables (CSV)" in detail
    assert "Processing document (PDF)" not in detail  # the internal document stays with IGSS


def test_it_requires_a_comment_to_flag_decisions(alice, erin, dana, verified_client):
    req = f.awaiting_confirmation(alice, erin, dana)
    response = verified_client(alice).post(url("confirmation", req), {"flag": "", "comment": ""})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()


def test_it_shows_the_admin_dashboard_with_filters(alice, erin, adam, verified_client):
    f.submitted(alice)
    client = verified_client(adam)
    response = client.get(
        reverse("requests_app:admin_dashboard"), {"state": "assigned", "domain": "labour_market"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "chart-states" in body and "CLD" in body
    response = client.get(reverse("requests_app:admin_dashboard"), {"state": "rejected"})
    assert "CLD</td>" not in response.content.decode() and "No request matches" in response.content.decode()
    assert (
        client.get(reverse("requests_app:admin_dashboard"), {"submitted_from": "not a date"}).status_code
        == 200
    )


def test_it_forbids_the_admin_dashboard_to_researchers(alice, verified_client):
    assert verified_client(alice).get(reverse("requests_app:admin_dashboard")).status_code == 403


def test_it_rechecks_archived_hashes(
    alice, erin, dana, adam, verified_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = f.awaiting_confirmation(alice, erin, dana)
    doc = req.archived_documents.get(kind="processing")
    client = verified_client(adam)
    response = client.post(reverse("requests_app:archive"), {"doc": [doc.pk]})
    assert "intact" in response.content.decode()
    doc.full_path.write_bytes(b"tampered")
    response = client.post(reverse("requests_app:archive"), {"doc": [doc.pk]})
    assert "altered or missing" in response.content.decode()
    assert client.get(reverse("requests_app:archive_download", kwargs={"doc_pk": doc.pk})).status_code == 200


def test_it_renders_the_dashboards_of_each_role(alice, erin, dana, verified_client):
    f.in_review(alice, erin)
    assert "CLD" in verified_client(erin).get(reverse("requests_app:expert_dashboard")).content.decode()
    assert "CLD" in verified_client(dana).get(reverse("requests_app:datateam_queue")).content.decode()


def test_it_shows_the_step_bar_on_the_request_page(alice, erin, verified_client):
    req = f.processing(alice, erin)
    body = verified_client(alice).get(url("detail", req)).content.decode()
    assert "Datateam validation" in body and 'aria-current="step"' in body


def test_it_saves_the_eligibility_answers_and_shows_them_again(alice, erin, verified_client):
    req = f.processing(alice, erin)
    client = verified_client(erin)
    response = client.post(
        url("processing", req),
        {
            "part": "eligibility",
            "needs_microdata": "true",
            "needs_microdata_comment": "Careers",
            "is_legitimate": "false",
            "is_legitimate_comment": "",
            "is_statistical": "unknown",
            "is_statistical_comment": "",
        },
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert (req.needs_microdata, req.is_legitimate, req.is_statistical) == (True, False, None)
    body = client.get(url("processing", req)).content.decode()
    assert '<option value="true" selected>' in body and '<option value="false" selected>' in body


def test_it_parses_the_field_of_study_filters(alice, erin, verified_client):
    req = f.processing(alice, erin)
    client = verified_client(erin)
    response = client.post(url("processing", req), {"part": "processing", "filters": "SOCIO.nope in 1"})
    assert response.status_code == 200 and "is not in the dictionary" in response.content.decode()
    response = client.post(
        url("processing", req),
        {"part": "processing", "filters": "SOCIO.sex in 1, 2", "field_of_study": "Women and men"},
    )
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.field_filters == [{"register": "SOCIO", "variable": "sex", "op": "in", "values": ["1", "2"]}]


def test_it_rechecks_hashes_from_the_django_admin(
    alice, erin, dana, adam, verified_client, django_capture_on_commit_callbacks
):
    from requests_app.models import ArchivedDocument

    with django_capture_on_commit_callbacks(execute=True):
        req = f.awaiting_confirmation(alice, erin, dana)
    doc = req.archived_documents.get()
    doc.full_path.write_bytes(b"tampered")
    adam.is_superuser = True
    adam.save()
    response = verified_client(adam).post(
        reverse("admin:requests_app_archiveddocument_changelist"),
        {"action": "recheck_hash", "_selected_action": [doc.pk]},
        follow=True,
    )
    assert "Altered or missing" in response.content.decode()
    assert ArchivedDocument.objects.count() == 1


def test_it_speaks_french(alice, erin, verified_client, settings):
    from ask4mdp.notifications.models import Notification

    alice.language = "fr"
    alice.save()
    req = f.submitted(alice)
    subject = Notification.objects.get(recipient=alice, event="request_submitted").subject
    assert subject == f"Demande {req.reference} (CLD) soumise"
    client = verified_client(alice)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    body = client.get(url("detail", req)).content.decode()
    assert "Validation DT" in body and "Attribuée" in body


def test_it_takes_the_view_away_from_a_removed_team_member(alice, ralph, verified_client):
    req = f.draft(alice, members=[ralph])
    org = alice.affiliations.first().organisation
    verified_client(alice).post(
        url("edit", req, step="team"), {"organisation": org.pk, "members": "", "software": "R"}
    )
    assert verified_client(ralph).get(url("detail", req)).status_code == 404


def test_it_shows_each_implementation_task_on_the_step_bar(alice, erin, dana):
    from requests_app.implementation.models import ImplementationTask
    from requests_app.templatetags.requests_tags import steps_for

    req = f.force_state(f.confirmed(alice, erin, dana), State.IMPLEMENTATION)
    ImplementationTask.objects.create(request=req, kind="desktop", status="validated")
    ImplementationTask.objects.create(request=req, kind="contract", status="in_progress")
    steps = {s["key"]: s["status"] for s in steps_for(req)}
    assert steps == {
        "request": "done",
        "processing": "done",
        "datateam": "done",
        "confirmation": "done",
        "desktop": "done",
        "contract": "current",
        "finalisation": "todo",
    }
    rejected = f.force_state(f.processing(alice, erin, acronym="NO"), State.PROCESSING)
    from requests_app import services

    services.request_reject(request=rejected, reason="No", actor=erin)
    steps = {s["key"]: s["status"] for s in steps_for(DataRequest.objects.get(pk=rejected.pk))}
    assert steps["processing"] == "stopped" and steps["request"] == "done"
