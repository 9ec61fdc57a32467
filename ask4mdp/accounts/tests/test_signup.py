"""Sign-up, e-mail verification and activation."""

import re

import pytest
import time_machine
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from ask4mdp.accounts import services
from ask4mdp.accounts.models import Affiliation, Organisation, User
from ask4mdp.audit.models import AuditEvent
from tests.factories import OrganisationFactory

PASSWORD = "a long and unusual passphrase 2026"


def _form(**overrides):
    data = {
        "email": "nora@liser.lu",
        "full_name": "Nora Schiltz",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "organisation": "",
        "foreign_organisation": "",
        "foreign_country": "",
        "sponsor": "",
        "position": "Post-doctoral researcher",
        "language": "en",
        "qualifications": "PhD in economics; four years with administrative data.",
    }
    data.update(overrides)
    return data


def _signup(client, django_capture_on_commit_callbacks, **overrides):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("accounts:signup"), _form(**overrides))


def _verification_path(message) -> str:
    return re.search(r"/accounts/verify/[^/\s]+/", message.body).group(0)


def test_it_signs_up_a_researcher_of_an_authorised_organisation(
    client, liser, django_capture_on_commit_callbacks
):
    response = _signup(client, django_capture_on_commit_callbacks, organisation=liser.pk)
    assert response.status_code == 302 and response.url == reverse("accounts:signup_done")
    user = User.objects.get(email="nora@liser.lu")
    assert not user.is_active and user.email_verified_at is None
    assert user.check_password(PASSWORD)
    assert user.role_names == {"researcher"}
    [affiliation] = user.affiliations.all()
    assert affiliation.organisation == liser and affiliation.sponsor is None
    assert affiliation.position == "Post-doctoral researcher"
    assert AuditEvent.objects.filter(action="account.signed_up", object_id=str(user.pk)).exists()
    [message] = mail.outbox
    assert message.to == ["nora@liser.lu"] and "Confirm your e-mail address" in message.subject
    assert "/accounts/verify/" in message.body


def test_it_signs_up_a_foreign_researcher_through_a_domestic_sponsor(
    client, liser, django_capture_on_commit_callbacks
):
    response = _signup(
        client,
        django_capture_on_commit_callbacks,
        foreign_organisation="Université de Lorraine",
        foreign_country="fr",
        sponsor=liser.pk,
    )
    assert response.status_code == 302
    affiliation = Affiliation.objects.get(user__email="nora@liser.lu")
    assert affiliation.organisation.name == "Université de Lorraine"
    assert affiliation.organisation.country == "FR"
    assert affiliation.organisation.authorisation_status == Organisation.Status.PENDING
    assert affiliation.sponsor == liser
    assert affiliation.responsible_organisation == liser


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
        ({"password2": "something else entirely"}, "password2", "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "password1", "This password is too short."),
        ({"password1": "123456789012345", "password2": "123456789012345"}, "password1", "entirely numeric"),
        ({"organisation": ""}, "organisation", "Choose your organisation"),
        (
            {"foreign_organisation": "Université de Lorraine", "foreign_country": "FR"},
            "sponsor",
            "A foreign researcher must name",
        ),
        ({"foreign_organisation": "Université de Lorraine"}, "foreign_country", "Give the country"),
        (
            {"foreign_organisation": "Nowhere", "foreign_country": "LU"},
            "foreign_country",
            "must be authorised first",
        ),
        (
            {"foreign_organisation": "X", "foreign_country": "1!"},
            "foreign_country",
            "two-letter country code",
        ),
        ({"qualifications": ""}, "qualifications", "This field is required."),
        ({"organisation": "999999"}, "organisation", "Select a valid choice."),
    ],
)
def test_it_shows_bad_input_next_to_the_field(client, liser, overrides, field, message):
    data = {"organisation": liser.pk, **overrides}
    response = client.post(reverse("accounts:signup"), _form(**data))
    assert response.status_code == 200
    form = response.context["form"]
    assert any(message in e for e in form.errors[field]), form.errors
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html and 'aria-invalid="true"' in html
    assert not User.objects.filter(email="nora@liser.lu").exists()


def test_it_refuses_a_sponsor_for_a_domestic_organisation(client, liser):
    other = OrganisationFactory(name="STATEC")
    response = client.post(reverse("accounts:signup"), _form(organisation=liser.pk, sponsor=other.pk))
    assert "Only a researcher of a foreign organisation" in response.context["form"].errors["sponsor"][0]


def test_it_does_not_offer_an_unauthorised_or_withdrawn_organisation(client, liser, adam):
    pending = OrganisationFactory(name="Pending Org", pending=True)
    withdrawn = OrganisationFactory(name="Withdrawn Org")
    services.organisation_withdraw_authorisation(
        organisation=withdrawn, start=timezone.localdate(), end=None, reason="breach", actor=adam
    )
    for org in (pending, withdrawn):
        response = client.post(reverse("accounts:signup"), _form(organisation=org.pk))
        assert "Select a valid choice." in response.context["form"].errors["organisation"][0]
        response = client.post(
            reverse("accounts:signup"), _form(foreign_organisation="U", foreign_country="FR", sponsor=org.pk)
        )
        assert "Select a valid choice." in response.context["form"].errors["sponsor"][0]


def test_it_refuses_an_address_already_used(client, alice):
    response = client.post(
        reverse("accounts:signup"),
        _form(email="ALICE@liser.lu", organisation=alice.affiliations.get().organisation_id),
    )
    assert "already exists" in response.context["form"].errors["email"][0]


def test_it_verifies_the_address_and_tells_the_administrators(
    client, liser, adam, django_capture_on_commit_callbacks
):
    _signup(client, django_capture_on_commit_callbacks, organisation=liser.pk)
    path = _verification_path(mail.outbox[0])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(path)
    assert response.status_code == 200
    assert "your e-mail address is confirmed" in response.content.decode()
    user = User.objects.get(email="nora@liser.lu")
    assert user.email_verified_at is not None and not user.is_active
    assert AuditEvent.objects.filter(action="account.email_verified").exists()
    to_admin = [m for m in mail.outbox if m.to == ["adam@igss.lu"]]
    assert len(to_admin) == 1 and "awaits activation" in to_admin[0].subject
    assert "LISER" in to_admin[0].body
    # a second click changes nothing and tells nobody again
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(path).status_code == 200
    assert len([m for m in mail.outbox if m.to == ["adam@igss.lu"]]) == 1


def test_it_refuses_an_expired_link(client, liser, django_capture_on_commit_callbacks):
    _signup(client, django_capture_on_commit_callbacks, organisation=liser.pk)
    path = _verification_path(mail.outbox[0])
    with time_machine.travel(
        timezone.now() + services.verification_max_age_delta() + timezone.timedelta(minutes=1)
    ):
        response = client.get(path)
    assert response.status_code == 400 and "This link has expired" in response.content.decode()
    assert User.objects.get(email="nora@liser.lu").email_verified_at is None


def test_it_refuses_a_tampered_link(client, liser, django_capture_on_commit_callbacks):
    _signup(client, django_capture_on_commit_callbacks, organisation=liser.pk)
    path = _verification_path(mail.outbox[0])
    token = path.split("/")[-2]
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    response = client.get(reverse("accounts:verify_email", kwargs={"token": tampered}))
    assert response.status_code == 400 and "This link is not valid" in response.content.decode()
    # a link signed for another salt (e.g. another kind of token) is refused too
    user = User.objects.get(email="nora@liser.lu")
    forged = signing.dumps({"u": user.pk, "e": user.email}, salt="something-else", compress=True)
    assert client.get(reverse("accounts:verify_email", kwargs={"token": forged})).status_code == 400
    assert User.objects.get(email="nora@liser.lu").email_verified_at is None


def test_it_refuses_a_link_for_a_changed_address(liser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_signup(
            email="nora@liser.lu", full_name="Nora", password=PASSWORD, organisation=liser
        )
    token = services.make_verification_token(user)
    User.objects.filter(pk=user.pk).update(email="other@liser.lu")
    with pytest.raises(services.InvalidToken):
        services.user_verify_email(token=token)


def test_it_activates_a_verified_account_and_tells_the_person(
    liser, adam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        user = services.user_signup(
            email="nora@liser.lu", full_name="Nora", password=PASSWORD, organisation=liser
        )
        services.user_verify_email(token=services.make_verification_token(user))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.user_activate(user=user, actor=adam) is True
    user.refresh_from_db()
    assert user.is_active and user.activated_at is not None
    assert [m.to for m in mail.outbox] == [["nora@liser.lu"]] and "is active" in mail.outbox[0].subject
    event = AuditEvent.objects.get(action="account.activated")
    assert event.actor_id == adam.pk and event.object_id == str(user.pk)
    from ask4mdp.accounts.selectors import is_eligible_researcher

    assert is_eligible_researcher(user)
    # activating twice is harmless
    assert services.user_activate(user=user, actor=adam) is False


def test_it_does_not_activate_an_unverified_account(liser, adam):
    user = User.objects.create_user("x@liser.lu", PASSWORD, full_name="X")
    with pytest.raises(services.ValidationError):
        services.user_activate(user=user, actor=adam)
    user.refresh_from_db()
    assert not user.is_active


def test_it_lets_only_administrators_activate(liser, dana):
    user = User.objects.create_user("x@liser.lu", PASSWORD, full_name="X", email_verified_at=timezone.now())
    with pytest.raises(services.PermissionDenied):
        services.user_activate(user=user, actor=dana)


def test_it_does_not_let_a_foreign_name_hijack_a_registered_organisation(client, liser):
    response = client.post(
        reverse("accounts:signup"),
        _form(foreign_organisation="liser", foreign_country="FR", sponsor=liser.pk),
    )
    assert response.status_code == 200
    assert "already registered" in response.context["form"].errors["foreign_organisation"][0]
    assert not User.objects.filter(email="nora@liser.lu").exists()


def test_a_second_researcher_of_a_known_foreign_organisation_reuses_it(liser):
    first = services.user_signup(
        email="a@univ.fr",
        full_name="A",
        password=PASSWORD,
        foreign_organisation="Université de Lorraine",
        foreign_country="FR",
        sponsor=liser,
    )
    second = services.user_signup(
        email="b@univ.fr",
        full_name="B",
        password=PASSWORD,
        foreign_organisation="université de lorraine",
        foreign_country="fr",
        sponsor=liser,
    )
    assert first.affiliations.get().organisation == second.affiliations.get().organisation
