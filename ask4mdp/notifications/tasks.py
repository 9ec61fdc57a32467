from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from .models import Notification


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_notification_email(notification_id: int) -> bool:
    """E-mail one stored notification; idempotent (a notification is e-mailed once)."""
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or notification.emailed_at is not None:
        return False
    body = notification.body
    if notification.url:
        body += f"\n\n{settings.SITE_URL}{notification.url}"
    send_mail(notification.subject, body, None, [notification.recipient.email])
    Notification.objects.filter(pk=notification.pk, emailed_at=None).update(emailed_at=timezone.now())
    return True
