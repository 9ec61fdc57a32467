"""Log-in, lockout, language at log-in, and two-factor authentication for staff roles."""

import time

import pytest
import time_machine
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.helpers import totp_code
from tests.factories import PASSWORD, UserFactory

LOGIN = reverse("accounts:login")


def _login(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password, **extra})


def test_it_logs_a_researcher_in_without_a_second_factor(client, alice):
    response = _login(client, "alice@liser.lu")
    assert response.status_code == 302 and response.url == reverse("ui:home")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_it_audits_a_login(client, alice):
    from ask4mdp.audit.models import AuditEvent

    _login(client, "alice@liser.lu")
    assert AuditEvent.objects.filter(action="account.logged_in", actor=alice).exists()


def test_it_accepts_the_email_in_any_case(client, alice):
    assert _login(client, "Alice@LISER.lu").status_code == 302


def test_it_shows_the_error_on_a_wrong_password(client, alice):
    response = _login(client, "alice@liser.lu", "wrong password!!")
    assert response.status_code == 200
    assert "Please enter a correct e-mail address and password" in response.content.decode()


def test_it_explains_that_an_account_awaits_activation(client, liser):
    UserFactory(email="new@liser.lu", is_active=False)
    response = _login(client, "new@liser.lu")
    assert "This account is not active yet" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_applies_the_language_preference_at_login(client, alice):
    alice.language = "fr"
    alice.save(update_fields=["language"])
    response = _login(client, "alice@liser.lu")
    assert response.cookies["django_language"].value == "fr"
    page = client.get(reverse("accounts:profile"))
    assert "Votre profil" in page.content.decode()


def test_it_locks_out_after_five_failures(client, alice):
    for _ in range(4):
        assert _login(client, "alice@liser.lu", "wrong password!!").status_code == 200
    response = _login(client, "alice@liser.lu", "wrong password!!")
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    # even the right password is refused while locked out
    response = _login(client, "alice@liser.lu")
    assert response.status_code == 429 and "_auth_user_id" not in client.session


def test_it_shows_the_lockout_page_in_french(client, alice):
    client.cookies["django_language"] = "fr"
    for _ in range(5):
        response = _login(client, "alice@liser.lu", "wrong password!!")
    assert response.status_code == 429
    assert "Trop de tentatives de connexion" in response.content.decode()


def test_it_logs_out_only_with_post(client, alice):
    client.force_login(alice)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_it_sends_a_staff_member_without_a_device_to_set_one_up(client, dana):
    response = _login(client, "dana@igss.lu")
    assert response.status_code == 302
    response = client.get(reverse("ui:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))
    page = client.get(response.url)
    assert page.status_code == 200
    content = page.content.decode()
    assert "<svg" in content and 'role="img"' in content
    device = TOTPDevice.objects.get(user=dana, confirmed=False)
    # the secret is on the page, in groups of four characters
    import base64

    secret = base64.b32encode(device.bin_key).decode()
    assert secret[:4] + " " + secret[4:8] in content


def test_it_confirms_a_new_device_with_the_right_code(client, dana):
    _login(client, "dana@igss.lu")
    client.get(reverse("accounts:otp_setup"))
    device = TOTPDevice.objects.get(user=dana)
    wrong = client.post(
        reverse("accounts:otp_setup"), {"token": "000000" if totp_code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "This code is not right" in wrong.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    # django-otp throttles after a failure (1 s, then 2 s, ...): the next try comes a little later
    with time_machine.travel(time.time() + 3):
        response = client.post(reverse("accounts:otp_setup"), {"token": totp_code(device), "next": "/"})
    assert response.status_code == 302 and response.url == "/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.get(reverse("ui:home")).status_code == 200


def test_it_asks_a_staff_member_with_a_device_for_a_code(client, dana):
    device = TOTPDevice.objects.create(user=dana, name="phone", confirmed=True)
    _login(client, "dana@igss.lu")
    response = client.get(reverse("accounts:profile"))
    assert response.url == f"{reverse('accounts:otp_verify')}?next={reverse('accounts:profile')}"
    # a staff member cannot replace the device before proving they hold it
    assert client.get(reverse("accounts:otp_setup")).url.startswith(reverse("accounts:otp_verify"))
    bad = client.post(response.url, {"token": "12ab56"})
    assert "The code has only digits" in bad.content.decode()
    good = client.post(response.url, {"token": totp_code(device), "next": reverse("accounts:profile")})
    assert good.status_code == 302 and good.url == reverse("accounts:profile")
    assert client.get(reverse("accounts:profile")).status_code == 200


def test_it_refuses_a_code_used_twice(client, dana):
    device = TOTPDevice.objects.create(user=dana, name="phone", confirmed=True)
    _login(client, "dana@igss.lu")
    code = totp_code(device)
    assert client.post(reverse("accounts:otp_verify"), {"token": code}).status_code == 302
    client.post(reverse("accounts:logout"))
    _login(client, "dana@igss.lu")
    again = client.post(reverse("accounts:otp_verify"), {"token": code})
    assert again.status_code == 200 and "already used" in again.content.decode()


def test_it_does_not_ask_a_researcher_for_a_second_factor(client, alice):
    _login(client, "alice@liser.lu")
    assert client.get(reverse("accounts:profile")).status_code == 200


@pytest.mark.parametrize("skip, expected", [(True, 200), (False, 302)])
def test_it_lets_demo_staff_skip_two_factor_only_with_the_setting(client, settings, dana, skip, expected):
    settings.ASK4MDP_DEMO_ACCOUNTS_SKIP_2FA = skip
    dana.is_demo = True
    dana.save(update_fields=["is_demo"])
    _login(client, "dana@igss.lu")
    assert client.get(reverse("accounts:profile")).status_code == expected


def test_it_never_lets_a_real_staff_account_skip_two_factor(client, settings, dana):
    settings.ASK4MDP_DEMO_ACCOUNTS_SKIP_2FA = True
    _login(client, "dana@igss.lu")
    assert client.get(reverse("accounts:profile")).status_code == 302


def test_it_sends_the_admin_login_to_the_site_login(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response.url.startswith(LOGIN)


def test_it_does_not_redirect_to_another_site_after_the_code(client, dana):
    device = TOTPDevice.objects.create(user=dana, name="phone", confirmed=True)
    _login(client, "dana@igss.lu")
    response = client.post(
        reverse("accounts:otp_verify"), {"token": totp_code(device), "next": "https://evil.example/"}
    )
    assert response.url == reverse("ui:home")
