from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from ask4mdp.accounts import services
from tests.factories import AffiliationFactory, OrganisationFactory


def test_it_shows_affiliations_roles_and_two_factor_status(verified_client, alice, liser):
    AffiliationFactory(
        user=alice, organisation=OrganisationFactory(foreign=True, pending=True), sponsor=liser
    )
    response = verified_client(alice).get(reverse("accounts:profile"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "LISER" in html and "through LISER" in html and "Researcher" in html
    assert "Authorised" in html
    assert "Set up two-factor authentication" in html and "Optional for researchers" in html


def test_it_shows_an_exclusion(verified_client, alice, adam):
    services.person_exclude(user=alice, start=timezone.localdate(), end=None, reason="r", actor=adam)
    html = verified_client(alice).get(reverse("accounts:profile")).content.decode()
    assert "You are currently excluded" in html


def test_it_shows_two_factor_on_for_staff(verified_client, dana):
    html = verified_client(dana).get(reverse("accounts:profile")).content.decode()
    assert "Replace my authenticator" in html and "Datateam" in html


def test_it_saves_the_name_and_language(verified_client, alice):
    client = verified_client(alice)
    response = client.post(
        reverse("accounts:profile"),
        {"full_name": "Alice Martin-Weis", "language": "fr", "qualifications": "PhD"},
    )
    assert response.status_code == 302 and response.cookies["django_language"].value == "fr"
    alice.refresh_from_db()
    assert alice.full_name == "Alice Martin-Weis" and alice.language == "fr"


def test_it_shows_an_error_next_to_the_field(verified_client, alice):
    response = verified_client(alice).post(reverse("accounts:profile"), {"full_name": "", "language": "xx"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"full_name", "language"}


def test_it_needs_a_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_it_resets_a_password_by_email(client, alice):
    client.post(reverse("accounts:password_reset"), {"email": "alice@liser.lu"})
    [message] = mail.outbox
    assert "/accounts/password/reset/" in message.body
    path = message.body.split("testserver", 1)[1].split()[0]
    form = client.get(path, follow=True)
    assert form.status_code == 200 and form.context["validlink"]
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a brand new passphrase 2026", "new_password2": "a brand new passphrase 2026"},
    )
    assert done.status_code == 302
    alice.refresh_from_db()
    assert alice.check_password("a brand new passphrase 2026")


def test_an_administrator_resets_a_lost_authenticator(verified_client, dana, adam):
    verified_client(dana)  # gives dana a device
    assert TOTPDevice.objects.filter(user=dana).exists()
    services.otp_reset(user=dana, actor=adam)
    assert not TOTPDevice.objects.filter(user=dana).exists()


def test_it_keeps_the_old_device_until_the_new_one_is_confirmed(verified_client, dana):
    client = verified_client(dana)
    old = TOTPDevice.objects.get(user=dana)
    page = client.get(reverse("accounts:otp_setup"))
    assert "You are replacing your authenticator" in page.content.decode()
    assert TOTPDevice.objects.filter(user=dana).count() == 2
    assert TOTPDevice.objects.filter(pk=old.pk, confirmed=True).exists()


def test_it_shows_an_experts_domains(verified_client, erin):
    html = verified_client(erin).get(reverse("accounts:profile")).content.decode()
    assert "Thematic expert" in html and "Labour market" in html
