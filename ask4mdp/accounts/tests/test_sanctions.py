"""Exclusions of persons, withdrawals of organisations' authorisation, foreign affiliations."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from ask4mdp.accounts import services
from ask4mdp.accounts.models import Affiliation, Organisation, Sanction
from ask4mdp.accounts.selectors import eligibility_problems, is_eligible_researcher, is_excluded
from ask4mdp.audit.models import AuditEvent
from tests.factories import AffiliationFactory, OrganisationFactory, UserFactory

TODAY = timezone.localdate


def test_it_excludes_a_person_who_then_is_not_eligible(alice, adam, django_capture_on_commit_callbacks):
    assert is_eligible_researcher(alice)
    with django_capture_on_commit_callbacks(execute=True):
        sanction = services.person_exclude(
            user=alice,
            start=TODAY(),
            end=TODAY() + datetime.timedelta(days=90),
            reason="late contract",
            actor=adam,
        )
    assert sanction.kind == Sanction.Kind.EXCLUSION and sanction.recorded_by == adam
    assert is_excluded(alice)
    assert "the person is excluded" in eligibility_problems(alice)
    assert AuditEvent.objects.filter(action="person.excluded", object_id=str(alice.pk)).exists()
    assert mail.outbox[0].to == ["alice@liser.lu"] and "excluded" in mail.outbox[0].subject


def test_it_excludes_only_for_the_period(alice, adam):
    start = TODAY() + datetime.timedelta(days=10)
    services.person_exclude(
        user=alice, start=start, end=start + datetime.timedelta(days=5), reason="r", actor=adam
    )
    assert not is_excluded(alice)
    assert is_excluded(alice, start + datetime.timedelta(days=5))
    assert not is_excluded(alice, start + datetime.timedelta(days=6))


def test_it_refuses_a_breach_exclusion_shorter_than_three_years(alice, adam):
    start = datetime.date(2026, 3, 1)
    with pytest.raises(ValidationError) as error:
        services.person_exclude(
            user=alice,
            start=start,
            end=datetime.date(2029, 2, 28),
            reason="breach",
            is_breach=True,
            reference="P-2025-012",
            actor=adam,
        )
    assert "at least three years" in str(error.value)
    assert not Sanction.objects.exists()
    sanction = services.person_exclude(
        user=alice,
        start=start,
        end=datetime.date(2029, 3, 1),
        reason="breach",
        is_breach=True,
        reference="P-2025-012",
        actor=adam,
    )
    assert sanction.is_breach
    # without an end, a breach exclusion lasts until lifted: allowed
    services.person_exclude(user=alice, start=start, end=None, reason="breach", is_breach=True, actor=adam)


def test_it_handles_a_breach_starting_on_29_february(alice, adam):
    with pytest.raises(ValidationError):
        services.person_exclude(
            user=alice,
            start=datetime.date(2028, 2, 29),
            end=datetime.date(2031, 2, 27),
            reason="breach",
            is_breach=True,
            actor=adam,
        )
    services.person_exclude(
        user=alice,
        start=datetime.date(2028, 2, 29),
        end=datetime.date(2031, 3, 1),
        reason="breach",
        is_breach=True,
        actor=adam,
    )


def test_it_lets_only_administrators_sanction(alice, dana, liser):
    with pytest.raises(PermissionDenied):
        services.person_exclude(user=alice, start=TODAY(), end=None, reason="r", actor=dana)
    with pytest.raises(PermissionDenied):
        services.organisation_withdraw_authorisation(
            organisation=liser, start=TODAY(), end=None, reason="r", actor=dana
        )
    assert not Sanction.objects.exists()


def test_it_lifts_an_exclusion(alice, adam):
    sanction = services.person_exclude(user=alice, start=TODAY(), end=None, reason="r", actor=adam)
    assert services.sanction_lift(sanction=sanction, reason="appeal", actor=adam)
    assert not is_excluded(alice)
    assert not services.sanction_lift(sanction=sanction, reason="again", actor=adam)


def test_a_withdrawal_makes_the_organisation_unauthorised(
    alice, liser, adam, django_capture_on_commit_callbacks
):
    liser.contact_person = UserFactory(email="contact@liser.lu")
    liser.save()
    assert liser.is_authorised()
    end = TODAY() + datetime.timedelta(days=180)
    with django_capture_on_commit_callbacks(execute=True):
        services.organisation_withdraw_authorisation(
            organisation=liser, start=TODAY(), end=end, reason="breach by a researcher", actor=adam
        )
    liser.refresh_from_db()
    assert not liser.is_authorised()
    assert liser.is_authorised(end + datetime.timedelta(days=1))  # comes back by itself afterwards
    assert "no current affiliation to an authorised organisation" in eligibility_problems(alice)
    recipients = {tuple(m.to) for m in mail.outbox}
    assert ("contact@liser.lu",) in recipients and ("alice@liser.lu",) in recipients
    assert AuditEvent.objects.filter(action="organisation.authorisation_withdrawn").exists()


def test_it_authorises_an_organisation_for_a_period(adam):
    org = OrganisationFactory(name="New Institute", pending=True)
    assert not org.is_authorised()
    until = TODAY() + datetime.timedelta(days=365)
    services.organisation_authorise(organisation=org, valid_from=TODAY(), valid_until=until, actor=adam)
    org.refresh_from_db()
    assert org.authorisation_status == Organisation.Status.AUTHORISED and org.is_authorised()
    assert not org.is_authorised(until + datetime.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.organisation_authorise(
            organisation=org, valid_from=TODAY(), valid_until=TODAY() - datetime.timedelta(days=1), actor=adam
        )


def test_it_does_not_authorise_a_foreign_organisation(adam):
    foreign = OrganisationFactory(foreign=True, pending=True)
    with pytest.raises(ValidationError):
        services.organisation_authorise(
            organisation=foreign, valid_from=TODAY(), valid_until=None, actor=adam
        )


def test_a_foreign_researcher_needs_an_authorised_domestic_sponsor(liser):
    foreign = OrganisationFactory(foreign=True, pending=True)
    user = UserFactory(email="jean@univ-lorraine.fr")
    unsponsored = Affiliation(user=user, organisation=foreign)
    with pytest.raises(ValidationError) as error:
        unsponsored.full_clean()
    assert "sponsor" in error.value.message_dict
    other_foreign = OrganisationFactory(foreign=True)
    with pytest.raises(ValidationError):
        Affiliation(user=user, organisation=foreign, sponsor=other_foreign).full_clean()
    AffiliationFactory(user=user, organisation=foreign, sponsor=liser)
    assert is_eligible_researcher(user)


def test_a_foreign_researcher_loses_eligibility_with_the_sponsor(liser, adam):
    foreign = OrganisationFactory(foreign=True, pending=True)
    user = UserFactory(email="jean@univ-lorraine.fr")
    AffiliationFactory(user=user, organisation=foreign, sponsor=liser)
    services.organisation_withdraw_authorisation(
        organisation=liser, start=TODAY(), end=None, reason="r", actor=adam
    )
    assert not is_eligible_researcher(user)


def test_an_inactive_or_unverified_person_is_not_eligible(liser):
    user = UserFactory(email="x@liser.lu", is_active=False, email_verified_at=None)
    AffiliationFactory(user=user, organisation=liser)
    problems = eligibility_problems(user)
    assert "the account is not active" in problems and "the e-mail address is not verified" in problems


def test_it_names_the_status_as_it_stands_today(liser, adam):
    assert liser.current_status_display() == "Authorised"
    services.organisation_withdraw_authorisation(
        organisation=liser, start=TODAY(), end=None, reason="r", actor=adam
    )
    assert liser.current_status_display() == "Authorisation withdrawn"
    expired = OrganisationFactory(name="Old Institute", authorised_until=TODAY() - datetime.timedelta(days=1))
    assert expired.current_status_display() == "Authorisation expired"


def test_consultancies_get_business_data_only_with_an_exemption(liser):
    from ask4mdp.accounts.selectors import may_receive_business_data

    kpmg = OrganisationFactory(name="KPMG Luxembourg", org_type=Organisation.Type.CONSULTANCY)
    analyst = UserFactory(email="analyst@kpmg.lu")
    AffiliationFactory(user=analyst, organisation=kpmg)
    assert is_eligible_researcher(analyst) and not may_receive_business_data(analyst)
    kpmg.business_data_exemption = True
    kpmg.save()
    assert may_receive_business_data(analyst)
    researcher = UserFactory(email="r@liser.lu")
    AffiliationFactory(user=researcher, organisation=liser)
    assert may_receive_business_data(researcher)
