import pytest
from django.core import mail
from django.db import transaction

from ask4mdp.notifications.models import Notification
from ask4mdp.notifications.services import notify
from conftest import wait_for


def test_it_renders_in_the_recipients_language(alice, django_capture_on_commit_callbacks):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        [n] = notify(recipients=[alice], event="test_message", url="/x/")
    assert n.subject == "Un message de test d’ask4mdp"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@liser.lu"]
    n.refresh_from_db()
    assert n.emailed_at is not None


def test_it_sends_nothing_before_commit(alice, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notify(recipients=[alice, alice], event="test_message")
    assert len(callbacks) == 1  # one recipient, deduplicated
    assert mail.outbox == []


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_it_is_emailed_by_a_real_worker(celery_worker_process, alice):
    with transaction.atomic():
        [n] = notify(recipients=[alice], event="test_message")
    wait_for(lambda: Notification.objects.get(pk=n.pk).emailed_at, message="the worker to e-mail")
    sent = [f.read_text() for f in celery_worker_process["mail_dir"].iterdir()]
    assert any("alice@liser.lu" in text and "A test message from ask4mdp" in text for text in sent)
