"""Factories for the platform core, shared by every app's tests."""

import datetime

import factory
from django.contrib.auth.models import Group
from django.utils import timezone

from ask4mdp.accounts.models import Affiliation, ExpertDomain, Organisation, User
from ask4mdp.accounts.roles import Role

PASSWORD = "correct horse battery staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Research Institute {n}")
    legal_name = factory.LazyAttribute(lambda o: f"{o.name} a.s.b.l.")
    org_type = Organisation.Type.UNIVERSITY
    country = "LU"
    address = "11, Porte des Sciences, L-4366 Esch-sur-Alzette"
    authorisation_status = Organisation.Status.AUTHORISED
    authorised_from = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=365))
    authorised_until = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=3 * 365))

    class Params:
        foreign = factory.Trait(country="FR", name=factory.Sequence(lambda n: f"Université étrangère {n}"))
        pending = factory.Trait(authorisation_status=Organisation.Status.PENDING, authorised_from=None,
                                authorised_until=None)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["email"]
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    is_active = True
    email_verified_at = factory.LazyFunction(timezone.now)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.add(*[Group.objects.get_or_create(name=str(r))[0] for r in extracted])
        if create:
            self.save()

    @factory.post_generation
    def domains(self, create, extracted, **kwargs):
        for domain in extracted or []:
            ExpertDomain.objects.get_or_create(user=self, domain=str(domain))


class AffiliationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Affiliation

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    position = "Researcher"
    start = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100))


def researcher(email: str = "", organisation: Organisation | None = None, **kwargs) -> User:
    """An eligible researcher: active, verified, affiliated to an authorised organisation."""
    user = UserFactory(**({"email": email} if email else {}), roles=[Role.RESEARCHER], **kwargs)
    AffiliationFactory(user=user, organisation=organisation or OrganisationFactory(name="LISER"))
    return user


def staff(role: Role, email: str = "", domains=(), **kwargs) -> User:
    return UserFactory(**({"email": email} if email else {}), roles=[role], domains=list(domains), **kwargs)
