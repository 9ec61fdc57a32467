import pytest

from ask4mdp.accounts import services
from conftest import wait_for

PASSWORD = "a long and unusual passphrase 2026"


@pytest.mark.integration
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_emails_the_verification_link(celery_worker_process, liser):
    """The sign-up commits, then the worker (given only the user's id) renders and sends the link."""
    user = services.user_signup(
        email="nora@liser.lu", full_name="Nora", password=PASSWORD, organisation=liser
    )
    mail_dir = celery_worker_process["mail_dir"]

    def sent():
        return [p.read_text() for p in mail_dir.iterdir() if "nora@liser.lu" in p.read_text()]

    [message] = wait_for(sent, message="the worker to send the verification e-mail")
    assert "/accounts/verify/" in message
    token = message.split("/accounts/verify/", 1)[1].split("/", 1)[0].replace("=\n", "")
    verified = services.user_verify_email(token=token)
    assert verified.pk == user.pk and verified.email_verified_at is not None
