"""``notify``: the one way to tell people something.

Each message is rendered in the recipient's language from ``templates/notifications/<event>.txt``
(first line the subject, the rest the body), stored for the in-app list, and e-mailed by the worker
once the surrounding transaction has committed.
"""

from collections.abc import Iterable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Notification


def render_message(event: str, context: dict, language: str) -> tuple[str, str]:
    with translation.override(language):
        text = render_to_string(f"notifications/{event}.txt", context).strip()
    subject, _, body = text.partition("\n")
    return subject.strip()[:300], body.strip()


def notify(*, recipients: Iterable, event: str, context: dict | None = None, url: str = "") -> list[Notification]:
    from .tasks import send_notification_email

    context = {**(context or {}), "site_url": settings.SITE_URL, "url": url}
    created = []
    for user in {u.pk: u for u in recipients if u is not None and u.is_active}.values():
        subject, body = render_message(event, {**context, "recipient": user}, user.language)
        created.append(
            Notification.objects.create(recipient=user, event=event, subject=subject, body=body, url=url)
        )
    for notification in created:
        transaction.on_commit(partial(send_notification_email.delay, notification_id=notification.pk))
    return created


def mark_read(*, user, notification_ids: Iterable[int] | None = None) -> int:
    from django.utils import timezone

    qs = Notification.objects.filter(recipient=user, read_at=None)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())
