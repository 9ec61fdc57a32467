"""Reads about people and organisations that other apps rely on."""

import datetime

from django.db.models import QuerySet
from django.utils import timezone

from .models import Affiliation, Organisation, Sanction, User
from .roles import Domain, Role


def is_excluded(user: User, on: datetime.date | None = None) -> bool:
    return Sanction.objects.active(on).filter(kind=Sanction.Kind.EXCLUSION, user=user).exists()


def valid_affiliations(user: User, on: datetime.date | None = None) -> list[Affiliation]:
    on = on or timezone.localdate()
    qs = user.affiliations.select_related("organisation", "sponsor")
    return [a for a in qs if a.is_valid(on)]


def eligibility_problems(user: User, on: datetime.date | None = None) -> list[str]:
    """Why this user may not take part in a project (empty when they may).

    An eligible researcher is active, has verified their e-mail, is not excluded and has a current
    affiliation to an authorised organisation (directly, or through a domestic sponsor).
    """
    from django.utils.translation import gettext as _

    problems = []
    if not user.is_active:
        problems.append(_("the account is not active"))
    if user.email_verified_at is None:
        problems.append(_("the e-mail address is not verified"))
    if is_excluded(user, on):
        problems.append(_("the person is excluded"))
    if not valid_affiliations(user, on):
        problems.append(_("no current affiliation to an authorised organisation"))
    return problems


def is_eligible_researcher(user: User, on: datetime.date | None = None) -> bool:
    return not eligibility_problems(user, on)


def users_with_role(role: Role | str) -> QuerySet[User]:
    return User.objects.filter(is_active=True, groups__name=str(role)).distinct()


def experts_of_domain(domain: Domain | str) -> QuerySet[User]:
    return users_with_role(Role.EXPERT).filter(expert_domains__domain=str(domain)).distinct()


def authorised_organisations(on: datetime.date | None = None) -> list[Organisation]:
    return [
        o
        for o in Organisation.objects.filter(authorisation_status=Organisation.Status.AUTHORISED)
        if o.is_authorised(on)
    ]


def may_receive_business_data(user: User, on: datetime.date | None = None) -> bool:
    """Whether a researcher may receive business (company) data: through at least one valid
    affiliation whose responsible organisation is not a consultancy or enterprise without exemption."""
    return any(a.responsible_organisation.may_receive_business_data for a in valid_affiliations(user, on))
