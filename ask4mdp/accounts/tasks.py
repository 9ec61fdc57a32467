from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from .models import User


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def send_verification_email(user_id: int) -> bool:
    """E-mail the verification link. Not a ``notify``: the account is not active yet."""
    from .services import verification_max_age, verification_url

    user = User.objects.filter(pk=user_id, email_verified_at=None).first()
    if user is None:
        return False
    with translation.override(user.language):
        text = render_to_string(
            "accounts/email/verify_email.txt",
            {
                "person": user,
                "url": settings.SITE_URL + verification_url(user),
                "days": verification_max_age() // 86400,
            },
        ).strip()
    subject, _, body = text.partition("\n")
    send_mail(subject.strip(), body.strip(), None, [user.email])
    return True
