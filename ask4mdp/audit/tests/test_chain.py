import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ask4mdp.audit.models import AppendOnlyError, AuditEvent
from ask4mdp.audit.services import log_event, verify_chain


@pytest.fixture
def events(alice, liser):
    return [
        log_event("organisation.authorised", actor=alice, obj=liser, data={"until": "2029-12-31"}),
        log_event("request.submitted", actor=alice, object_type="requests_app.datarequest", object_id="7"),
        log_event("project.key_created", actor=None, data={"salt": "abcd", "nested": {"password": "x"}}),
    ]


def test_it_chains_events(events):
    assert events[0].prev_hash == "0" * 64
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert list(verify_chain()) == []
    call_command("verify_audit")


def test_it_masks_secrets(events):
    assert events[2].data == {"salt": "***", "nested": {"password": "***"}}
    assert events[2].actor_repr == "system"


def test_it_refuses_changes_through_the_orm(events):
    events[0].action = "changed"
    with pytest.raises(AppendOnlyError):
        events[0].save()
    with pytest.raises(AppendOnlyError):
        events[0].delete()


def test_it_detects_an_edited_event(events):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET data = %s WHERE id = %s", ['{"until": "2099-12-31"}', events[0].pk])
    problems = list(verify_chain())
    assert len(problems) == 1 and f"#{events[0].pk}" in problems[0] and "edited" in problems[0]
    with pytest.raises(CommandError):
        call_command("verify_audit")


def test_it_detects_a_deleted_event(events):
    AuditEvent.objects.filter(pk=events[1].pk).delete()  # a queryset delete bypasses the model
    problems = list(verify_chain())
    assert any(f"#{events[2].pk}" in p and "deleted" in p for p in problems)
