"""Django admin: lists, filters, search, and the actions that go through the services."""

import datetime

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ask4mdp.accounts.models import Organisation, Sanction, User
from ask4mdp.accounts.selectors import is_excluded
from ask4mdp.audit.models import AuditEvent
from tests.factories import OrganisationFactory, UserFactory


@pytest.fixture
def admin_client_2fa(verified_client, adam):
    return verified_client(adam)


@pytest.mark.parametrize(
    "name",
    [
        "accounts_user",
        "accounts_organisation",
        "accounts_affiliation",
        "accounts_expertdomain",
        "accounts_sanction",
        "auth_group",
    ],
)
def test_it_lists_every_model_for_an_administrator(admin_client_2fa, alice, name):
    response = admin_client_2fa.get(reverse(f"admin:{name}_changelist"))
    assert response.status_code == 200


def test_it_shows_a_change_page_with_inlines(admin_client_2fa, alice, liser):
    page = admin_client_2fa.get(reverse("admin:accounts_user_change", args=[alice.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "affiliations-TOTAL_FORMS" in html and "expert_domains-TOTAL_FORMS" in html
    page = admin_client_2fa.get(reverse("admin:accounts_organisation_change", args=[liser.pk]))
    assert page.status_code == 200 and "affiliations-TOTAL_FORMS" in page.content.decode()


def test_it_filters_accounts_pending_activation_and_searches(admin_client_2fa, alice, liser):
    pending = UserFactory(email="pending@liser.lu", is_active=False)
    UserFactory(email="unverified@liser.lu", is_active=False, email_verified_at=None)
    response = admin_client_2fa.get(reverse("admin:accounts_user_changelist") + "?status=pending")
    assert [u.email for u in response.context["cl"].result_list] == [pending.email]
    response = admin_client_2fa.get(reverse("admin:accounts_user_changelist") + "?q=LISER&role=researcher")
    assert [u.email for u in response.context["cl"].result_list] == ["alice@liser.lu"]


def test_it_activates_selected_accounts_through_the_service(
    admin_client_2fa, liser, django_capture_on_commit_callbacks
):
    pending = UserFactory(email="pending@liser.lu", is_active=False)
    unverified = UserFactory(email="unverified@liser.lu", is_active=False, email_verified_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_2fa.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "activate_accounts", ACTION_CHECKBOX_NAME: [pending.pk, unverified.pk]},
            follow=True,
        )
    assert "1 account(s) activated." in response.content.decode()
    assert "has not verified their e-mail address yet" in response.content.decode()
    pending.refresh_from_db()
    unverified.refresh_from_db()
    assert pending.is_active and not unverified.is_active
    assert AuditEvent.objects.filter(action="account.activated", object_id=str(pending.pk)).exists()
    assert [m.to for m in mail.outbox] == [["pending@liser.lu"]]


def test_it_excludes_persons_through_an_intermediate_form(admin_client_2fa, alice):
    url = reverse("admin:accounts_user_changelist")
    form_page = admin_client_2fa.post(url, {"action": "exclude_persons", ACTION_CHECKBOX_NAME: [alice.pk]})
    assert form_page.status_code == 200 and "Exclude persons" in form_page.content.decode()
    start = timezone.localdate()
    too_short = admin_client_2fa.post(
        url,
        {
            "action": "exclude_persons",
            ACTION_CHECKBOX_NAME: [alice.pk],
            "apply": "1",
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(days=365)).isoformat(),
            "is_breach": "on",
            "reason": "published a disclosive table",
            "reference": "P-1",
        },
    )
    assert too_short.status_code == 200 and "at least three years" in too_short.content.decode()
    assert not Sanction.objects.exists()
    done = admin_client_2fa.post(
        url,
        {
            "action": "exclude_persons",
            ACTION_CHECKBOX_NAME: [alice.pk],
            "apply": "1",
            "start": start.isoformat(),
            "end": (start + datetime.timedelta(days=3 * 366)).isoformat(),
            "is_breach": "on",
            "reason": "published a disclosive table",
            "reference": "P-1",
        },
        follow=True,
    )
    assert "1 person(s) excluded." in done.content.decode()
    assert is_excluded(alice)


def test_it_authorises_and_withdraws_organisations_through_actions(admin_client_2fa):
    org = OrganisationFactory(name="New Institute", pending=True)
    url = reverse("admin:accounts_organisation_changelist")
    today = timezone.localdate()
    admin_client_2fa.post(
        url,
        {
            "action": "authorise",
            ACTION_CHECKBOX_NAME: [org.pk],
            "apply": "1",
            "valid_from": today.isoformat(),
            "valid_until": (today + datetime.timedelta(days=700)).isoformat(),
        },
    )
    org.refresh_from_db()
    assert org.authorisation_status == Organisation.Status.AUTHORISED and org.is_authorised()
    admin_client_2fa.post(
        url,
        {
            "action": "withdraw_authorisation",
            ACTION_CHECKBOX_NAME: [org.pk],
            "apply": "1",
            "start": today.isoformat(),
            "end": "",
            "reason": "a breach",
        },
    )
    assert not org.is_authorised()
    response = admin_client_2fa.get(url + "?domestic=domestic&authorisation_status=authorised")
    assert org in response.context["cl"].result_list


def test_the_change_form_cannot_activate_directly(admin_client_2fa, liser):
    pending = UserFactory(email="pending@liser.lu", is_active=False)
    page = admin_client_2fa.get(reverse("admin:accounts_user_change", args=[pending.pk]))
    assert 'name="is_active"' not in page.content.decode()


def test_it_creates_an_account_from_the_admin(admin_client_2fa):
    response = admin_client_2fa.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "olivier@igss.lu",
            "full_name": "Olivier Kremer",
            "language": "fr",
            "password1": "a long and unusual passphrase 2026",
            "password2": "a long and unusual passphrase 2026",
            "usable_password": "true",
            **{
                f"{prefix}-{key}": value
                for prefix in ("affiliations", "expert_domains", "sanctions")
                for key, value in {"TOTAL_FORMS": "0", "INITIAL_FORMS": "0"}.items()
            },
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = User.objects.get(email="olivier@igss.lu")
    assert user.is_active and user.email_verified_at is not None
    assert AuditEvent.objects.filter(action="account.created_by_administrator").exists()


def test_it_shows_roles_by_their_names(admin_client_2fa, erin):
    page = admin_client_2fa.get(reverse("admin:accounts_user_change", args=[erin.pk]))
    assert "Thematic expert" in page.content.decode()


def test_a_researcher_cannot_reach_the_admin(verified_client, alice):
    client = verified_client(alice)
    response = client.get(reverse("admin:accounts_user_changelist"), follow=True)
    assert response.status_code == 403


def test_a_staff_member_without_second_factor_cannot_reach_the_admin(client, adam):
    client.force_login(adam)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:otp_setup"))
