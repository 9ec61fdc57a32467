"""Services: permission, state, history, audit, notifications — one transaction each."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from ask4mdp.audit.models import AuditEvent
from ask4mdp.notifications.models import Notification
from requests_app import services
from requests_app.models import DataRequest, Outcome, State
from requests_app.tests import factories as f


def events(req):
    return list(
        AuditEvent.objects.filter(object_type="requests_app.datarequest", object_id=str(req.pk)).values_list(
            "action", flat=True
        )
    )


def test_it_refuses_to_submit_an_incomplete_request(alice):
    req = services.request_create(actor=alice, acronym="FPL")
    with pytest.raises(ValidationError) as exc:
        services.request_submit(request=req, actor=alice)
    assert "The project title is required." in exc.value.messages
    assert "Choose at least one variable." in exc.value.messages
    assert DataRequest.objects.get(pk=req.pk).state == State.DRAFT


def test_it_submits_locks_notifies_and_assigns_the_least_loaded_expert(
    alice, erin, django_capture_on_commit_callbacks
):
    from tests.factories import staff

    busy = staff("expert", "busy@igss.lu", domains=["labour_market"])
    f.submitted(alice, acronym="OTHER")  # goes to one of them
    first = DataRequest.objects.get(acronym="OTHER").expert
    with django_capture_on_commit_callbacks(execute=True):
        req = f.submitted(alice, acronym="TEVA")
    assert req.state == State.ASSIGNED
    assert req.expert != first and req.expert in (busy, erin)  # the one with nothing to do
    assert req.domain == "labour_market"
    assert [c.to_state for c in req.state_changes.all()] == [State.SUBMITTED, State.ASSIGNED]
    assert req.state_changes.last().actor is None  # automatic
    assert {"request.submitted", "request.assigned"} <= set(events(req))
    assert Notification.objects.filter(recipient=alice, event="request_submitted").exists()
    assert Notification.objects.filter(recipient=req.expert, event="request_assigned").exists()
    assert any("TEVA" in m.subject for m in mail.outbox)
    assert req.versions.get(number=1).snapshot["variables"]


def test_it_informs_the_other_domains_experts(alice, erin, hugo):
    req = f.submitted(alice, variables=["i_age", "sex", "diagnosis"])
    assert (req.domain, req.other_domains, req.expert) == ("labour_market", ["health"], erin)
    assert Notification.objects.filter(recipient=hugo, event="request_other_domain").exists()
    services.request_take(request=req, actor=hugo)
    assert DataRequest.objects.get(pk=req.pk).expert == hugo


def test_it_stays_submitted_without_an_expert(alice):
    req = f.submitted(alice)
    assert req.state == State.SUBMITTED and req.expert is None


def test_it_hands_over_with_a_reason(alice, erin):
    from tests.factories import staff

    other = staff("expert", "olivier@igss.lu", domains=["labour_market"])
    req = f.processing(alice, erin)
    with pytest.raises(ValidationError):
        services.request_hand_over(request=req, to_expert=other, reason="  ", actor=erin)
    services.request_hand_over(request=req, to_expert=other, reason="Holidays", actor=erin)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.expert == other and req.state == State.PROCESSING
    assert req.state_changes.last().comment == "Holidays"
    assert Notification.objects.filter(recipient=erin, event="request_handed_over").exists()
    with pytest.raises(PermissionDenied):
        services.request_hand_over(request=req, to_expert=erin, reason="back", actor=erin)


def test_it_returns_and_resubmits_as_version_2(alice, erin):
    req = f.processing(alice, erin)
    services.request_return_to_researcher(request=req, reason="Describe the control group", actor=erin)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.RETURNED and req.is_editable_by_researcher
    services.request_save_step(
        request=req,
        step="project",
        actor=alice,
        data={"population": "Registered unemployed and a control group"},
    )
    services.request_resubmit(request=DataRequest.objects.get(pk=req.pk), actor=alice)
    req = DataRequest.objects.get(pk=req.pk)
    assert (req.state, req.version) == (State.PROCESSING, 2)
    v1, v2 = req.versions.all()
    assert v1.snapshot["fields"]["population"] != v2.snapshot["fields"]["population"]
    assert Notification.objects.filter(recipient=erin, event="request_resubmitted").exists()


@pytest.mark.parametrize(
    "service,state", [("request_reject", State.REJECTED), ("request_reclassify", State.RECLASSIFIED)]
)
def test_it_decides_negatively_with_a_reason(alice, erin, service, state):
    req = f.processing(alice, erin)
    with pytest.raises(ValidationError):
        getattr(services, service)(request=req, reason="", actor=erin)
    getattr(services, service)(request=req, reason="Aggregates are enough", actor=erin)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == state and req.decision_note == "Aggregates are enough"
    assert Notification.objects.filter(recipient=alice, event=f"request_{state}").exists()


def test_it_lets_the_researcher_withdraw_but_nobody_else(alice, ralph, erin):
    req = f.processing(alice, erin, members=[ralph])
    with pytest.raises(PermissionDenied):
        services.request_withdraw(request=req, actor=ralph)
    services.request_withdraw(request=req, reason="Funding stopped", actor=alice)
    assert DataRequest.objects.get(pk=req.pk).state == State.WITHDRAWN


def test_it_validates_the_variable_decisions(alice, erin):
    req = f.processing(alice, erin)
    age = req.variables.get(variable__name="i_age")
    with pytest.raises(ValidationError) as exc:
        services.variable_decide(
            request_variable=age, actor=erin, justification_decision="refused", outcome=Outcome.APPROVED
        )
    assert {"justification_comment", "outcome", "granularity_decision"} <= set(exc.value.error_dict)
    with pytest.raises(ValidationError) as exc:
        services.variable_decide(
            request_variable=age,
            actor=erin,
            justification_decision="accepted",
            granularity_decision="accepted",
            new_modalities="",
            outcome=Outcome.APPROVED_OTHER,
        )
    assert "new_modalities" in exc.value.error_dict
    services.variable_decide(
        request_variable=age,
        actor=erin,
        justification_decision="accepted",
        granularity_decision="refused",
        granularity_comment="5-year groups suffice",
        outcome="",
    )
    age.refresh_from_db()
    assert age.status == "partial"


def test_it_refuses_decisions_from_another_expert(alice, erin, hugo):
    req = f.processing(alice, erin)
    with pytest.raises(PermissionDenied):
        services.variable_decide(
            request_variable=req.variables.first(),
            actor=hugo,
            justification_decision="accepted",
            outcome=Outcome.APPROVED,
        )


def test_it_explains_what_is_missing_before_the_datateam(alice, erin):
    req = f.processing(alice, erin)
    with pytest.raises(ValidationError, match="eligibility"):
        services.processing_send_to_datateam(request=req, actor=erin)


def test_it_prefills_the_processing_document(alice, erin):
    req = f.in_review(alice, erin)
    assert "i_age" in req.document["proportionality"]
    assert req.document["sources"] == "SOCIO"
    assert set(req.document) == {
        "description",
        "legitimacy",
        "purpose",
        "proportionality",
        "external_data",
        "protection",
        "pseudonymisation",
        "desktop",
        "sources",
    }


def test_it_validates_with_four_eyes_and_archives_the_pdf(
    alice, erin, dana, django_capture_on_commit_callbacks
):
    req = f.in_review(alice, erin)
    with pytest.raises(PermissionDenied):
        from django.contrib.auth.models import Group

        erin.groups.add(Group.objects.get_or_create(name="datateam")[0])
        services.datateam_validate(request=req, actor=type(erin).objects.get(pk=erin.pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.datateam_validate(request=req, actor=dana)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.RESEARCHER_CONFIRMATION and req.validated_by == dana
    doc = req.archived_documents.get(kind="processing")
    assert doc.full_path.read_bytes().startswith(b"%PDF")
    assert doc.is_intact()
    age = req.variables.get(variable__name="i_age")
    assert age.approved_granularity.kind == "custom"
    assert [m.code for m in age.approved_granularity.modalities.all()] == ["0", "1", "2", "9"]
    assert age.approved_granularity.recode == {
        "type": "intervals",
        "breaks": [20, 60, 65],
        "codes": ["0", "1", "2", "9"],
    }


def test_it_sends_back_to_the_expert_with_a_comment(alice, erin, dana):
    req = f.in_review(alice, erin)
    services.review_comment_add(request=req, section="protection", body="And the zipcode?", actor=dana)
    with pytest.raises(ValidationError):
        services.datateam_send_back(request=req, comment="", actor=dana)
    services.datateam_send_back(request=req, comment="See the protection section", actor=dana)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.PROCESSING
    assert Notification.objects.filter(recipient=erin, event="request_sent_back").exists()


def test_it_lets_the_researcher_flag_decisions(alice, erin, dana):
    req = f.awaiting_confirmation(alice, erin, dana)
    age = req.variables.get(variable__name="i_age")
    services.request_flag_decisions(
        request=req, comment="Without 60-64 the project fails", flagged=[age.pk], actor=alice
    )
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.PROCESSING
    assert list(req.variables.filter(flagged=True)) == [age]
    assert Notification.objects.filter(recipient=erin, event="request_flagged").exists()


def test_it_confirms_with_manifest_project_and_variable_list(
    alice, ralph, erin, dana, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        req = f.awaiting_confirmation(alice, erin, dana, members=[ralph])
        services.request_confirm(request=req, actor=alice)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.CONFIRMED
    manifest = req.manifests.get(version=1)
    assert manifest.data["project"]["reference"] == req.project.reference == req.reference
    assert set(req.project.members.all()) == {alice, ralph}
    assert req.project.memberships.get(user=alice).is_lead
    kinds = set(req.archived_documents.values_list("kind", flat=True))
    assert kinds == {"processing", "variables_csv", "variables_pdf", "manifest"}
    csv_text = req.archived_documents.get(kind="variables_csv").full_path.read_text()
    assert "i_age" in csv_text and "sex" in csv_text
    assert "request.confirmed" in events(req)


def test_it_exchanges_messages_per_variable_in_both_directions(alice, erin, charlie):
    req = f.processing(alice, erin)
    age = req.variables.get(variable__name="i_age")
    services.message_post(request=req, variable=age, body="Why 60-64?", actor=erin)
    assert Notification.objects.filter(recipient=alice, event="message_posted").exists()
    services.message_post(request=req, variable=age, body="Retirement transitions", actor=alice)
    assert Notification.objects.filter(recipient=erin, event="message_posted").exists()
    assert list(age.messages.values_list("body", flat=True)) == ["Why 60-64?", "Retirement transitions"]
    with pytest.raises(PermissionDenied):
        services.message_post(request=req, body="hello", actor=charlie)
    with pytest.raises(ValidationError):
        services.message_post(request=req, body="  ", actor=alice)


def test_it_refuses_edits_after_submission(alice, erin):
    req = f.submitted(alice)
    with pytest.raises(ValidationError):
        services.request_save_step(request=req, step="project", data={"title": "x"}, actor=alice)


def test_it_refuses_a_withdrawn_variable(alice):
    req = f.draft(alice)
    sex = f.dictionary()["sex"]
    type(sex).objects.filter(pk=sex.pk).update(status="withdrawn")
    sex.refresh_from_db()
    with pytest.raises(ValidationError):
        services.request_variable_save(request=req, variable=sex, actor=alice, justification="x")


def test_it_computes_precedents_and_dictionary_warnings(alice, erin, dana):
    from requests_app import selectors

    f.confirmed(alice, erin, dana, acronym="FIRST")
    req = f.processing(alice, erin, acronym="SECOND")
    sex = f.dictionary()["sex"]
    p = selectors.precedents(req)[sex.pk]
    assert p["counts"] == [("Approved as requested", 1)]
    assert p["requests"][0][0].acronym == "FIRST"
    type(sex).objects.filter(pk=sex.pk).update(status="renamed")
    assert [rv.variable.name for rv in selectors.dictionary_warnings(req)] == ["sex"]


def test_it_opens_an_amendment_through_the_transition_helper(alice, erin, dana):
    req = f.confirmed(alice, erin, dana)
    req = f.force_state(req, State.ACTIVE)
    from django.db import transaction

    with transaction.atomic():
        services.request_transition(request=req, name="start_amendment", actor=alice)
    req = DataRequest.objects.get(pk=req.pk)
    assert (req.state, req.version, req.is_amendment) == (State.PROCESSING, 2, True)
    req = f.decide_all(req, erin)
    services.processing_send_to_datateam(request=req, actor=erin)
    services.datateam_validate(request=DataRequest.objects.get(pk=req.pk), actor=dana)
    services.request_confirm(request=DataRequest.objects.get(pk=req.pk), actor=alice)
    req = DataRequest.objects.get(pk=req.pk)
    assert req.state == State.ACTIVE
    assert sorted(req.manifests.values_list("version", flat=True)) == [1, 2]


def test_it_measures_working_days_with_the_clock_stopped(alice, erin):
    import time_machine

    from requests_app.timeinstate import clock_days, time_in_states, working_days

    monday = datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC)
    assert working_days(monday, monday + datetime.timedelta(days=7)) == 5.0
    with time_machine.travel(monday, tick=False):
        req = f.processing(alice, erin)
    with time_machine.travel(monday + datetime.timedelta(days=2), tick=False):
        services.request_return_to_researcher(request=req, reason="More", actor=erin)
    with time_machine.travel(monday + datetime.timedelta(days=9), tick=False):  # next Wednesday
        services.request_resubmit(request=DataRequest.objects.get(pk=req.pk), actor=alice)
    req = DataRequest.objects.get(pk=req.pk)
    now = monday + datetime.timedelta(days=10)
    days = time_in_states(req, now=now)
    assert days["returned"] == 5.0
    assert days["processing"] == 3.0
    assert clock_days(req, now=now) == 3.0
