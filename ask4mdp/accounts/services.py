"""Writes about people and organisations.

Each service is one durable transaction: it checks the actor's right, changes state, writes the
audit event and schedules its messages for after the commit.
"""

import datetime
from functools import partial

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ask4mdp.audit.services import log_event
from ask4mdp.notifications.services import notify

from .models import MIN_BREACH_EXCLUSION_YEARS, Affiliation, Organisation, Sanction, User, add_years
from .roles import Role

VERIFICATION_SALT = "ask4mdp.accounts.verify-email"


def verification_max_age() -> int:
    """Seconds a verification link stays valid (``ACCOUNT_VERIFICATION_MAX_AGE``, three days by default)."""
    return getattr(settings, "ACCOUNT_VERIFICATION_MAX_AGE", 3 * 24 * 3600)


def verification_max_age_delta() -> datetime.timedelta:
    return datetime.timedelta(seconds=verification_max_age())


class InvalidToken(Exception):
    """A verification link that is tampered with, expired, or for another address."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def is_administrator(user) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.has_role(Role.ADMINISTRATOR)))


def _require_administrator(actor) -> None:
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator may do this."))


def administrators():
    return User.objects.filter(
        Q(is_superuser=True) | Q(groups__name=str(Role.ADMINISTRATOR)), is_active=True
    ).distinct()


# --- sign-up, verification, activation -----------------------------------------------------------


def make_verification_token(user: User) -> str:
    """A signed, timestamped token naming the user *and* the address it was sent to."""
    return signing.dumps({"u": user.pk, "e": user.email}, salt=VERIFICATION_SALT, compress=True)


def verification_url(user: User) -> str:
    return reverse("accounts:verify_email", kwargs={"token": make_verification_token(user)})


def user_signup(
    *,
    email: str,
    full_name: str,
    password: str,
    language: str = "en",
    qualifications: str = "",
    position: str = "",
    organisation: Organisation | None = None,
    foreign_organisation: str = "",
    foreign_country: str = "",
    sponsor: Organisation | None = None,
) -> User:
    """Create an inactive researcher account and its affiliation; e-mail the verification link.

    A foreign organisation that is not known yet is recorded as a pending organisation; the
    affiliation then goes through ``sponsor``, an authorised domestic organisation (seed 002).
    """
    from .tasks import send_verification_email

    with transaction.atomic(durable=True):
        if User.objects.filter(email__iexact=email).exists():
            raise ValidationError({"email": _("An account with this e-mail address already exists.")})
        # the unique e-mail closes the race between two simultaneous sign-ups
        user = User.objects.create_user(
            email=email,
            password=password,
            full_name=full_name,
            language=language,
            qualifications=qualifications,
            is_active=False,
        )
        from django.contrib.auth.models import Group

        user.groups.add(Group.objects.get_or_create(name=str(Role.RESEARCHER))[0])
        if organisation is None:
            known = Organisation.objects.filter(name__iexact=foreign_organisation.strip()).first()
            if known is not None and (known.is_domestic or known.country.upper() != foreign_country.upper()):
                raise ValidationError(
                    {
                        "foreign_organisation": _(
                            "This organisation is already registered: choose it in the list."
                        )
                    }
                )
            organisation, created = Organisation.objects.get_or_create(
                name=known.name if known else foreign_organisation.strip(),
                defaults={
                    "country": foreign_country.upper(),
                    "org_type": Organisation.Type.UNIVERSITY,
                    "authorisation_status": Organisation.Status.PENDING,
                },
            )
            if created:
                log_event(
                    "organisation.registered",
                    actor=user,
                    obj=organisation,
                    data={"country": organisation.country, "via": "signup"},
                )
        affiliation = Affiliation(
            user=user,
            organisation=organisation,
            sponsor=sponsor if not organisation.is_domestic else None,
            position=position,
        )
        affiliation.full_clean()
        affiliation.save()
        log_event(
            "account.signed_up",
            actor=user,
            obj=user,
            data={
                "organisation": organisation.name,
                "sponsor": sponsor.name if affiliation.sponsor_id else None,
                "language": language,
            },
        )
        transaction.on_commit(partial(send_verification_email.delay, user_id=user.pk))
    return user


def user_verify_email(*, token: str, max_age: int | None = None) -> User:
    """Mark the address verified; tell the administrators an account awaits activation."""
    max_age = max_age if max_age is not None else verification_max_age()
    try:
        payload = signing.loads(token, salt=VERIFICATION_SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise InvalidToken("expired") from None
    except signing.BadSignature:
        raise InvalidToken("invalid") from None
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().filter(pk=payload.get("u")).first()
        if user is None or user.email != payload.get("e"):
            raise InvalidToken("invalid")
        if user.email_verified_at is not None:
            return user  # a second click changes nothing
        user.email_verified_at = timezone.now()
        user.save(update_fields=["email_verified_at"])
        log_event("account.email_verified", actor=user, obj=user)
        if not user.is_active:
            notify(
                recipients=administrators(),
                event="account_pending_activation",
                context={
                    "person": user,
                    "affiliations": list(user.affiliations.select_related("organisation", "sponsor")),
                },
                url=reverse("admin:accounts_user_change", args=[user.pk]),
            )
    return user


def user_activate(*, user: User, actor: User) -> bool:
    """Activate a verified account. Returns False when it was already active."""
    _require_administrator(actor)
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_active:
            return False
        if user.email_verified_at is None:
            raise ValidationError(_("%(user)s has not verified their e-mail address yet.") % {"user": user})
        user.is_active = True
        user.activated_at = timezone.now()
        user.save(update_fields=["is_active", "activated_at"])
        log_event("account.activated", actor=actor, obj=user)
        notify(
            recipients=[user],
            event="account_activated",
            context={"person": user},
            url=reverse("accounts:login"),
        )
    return True


def user_deactivate(*, user: User, reason: str, actor: User) -> bool:
    """Close an account (it can no longer log in); it can be activated again."""
    _require_administrator(actor)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    with transaction.atomic(durable=True):
        changed = User.objects.filter(pk=user.pk, is_active=True).update(is_active=False)
        if changed:
            log_event("account.deactivated", actor=actor, obj=user, data={"reason": reason})
    return bool(changed)


def user_update_profile(*, user: User, full_name: str, language: str, qualifications: str) -> User:
    with transaction.atomic(durable=True):
        changed = {
            k: v
            for k, v in {
                "full_name": full_name,
                "language": language,
                "qualifications": qualifications,
            }.items()
            if getattr(user, k) != v
        }
        for key, value in changed.items():
            setattr(user, key, value)
        if changed:
            user.save(update_fields=list(changed))
            log_event("account.profile_updated", actor=user, obj=user, data={"fields": sorted(changed)})
    return user


# --- two-factor ------------------------------------------------------------------------------------


def otp_device_confirm(*, device, token: str, actor: User) -> bool:
    """Confirm a newly set-up TOTP device with a code; it replaces the person's other devices."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if device.user_id != actor.pk:
        raise PermissionDenied
    with transaction.atomic(durable=True):
        if not device.verify_token(token):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        replaced = TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()[0]
        log_event("account.otp_configured", actor=actor, obj=actor, data={"replaced_devices": replaced})
    return True


def otp_reset(*, user: User, actor: User) -> int:
    """An administrator removes a person's devices (lost phone): they set one up at next login."""
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    _require_administrator(actor)
    with transaction.atomic(durable=True):
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0]
            + StaticDevice.objects.filter(user=user).delete()[0]
        )
        log_event("account.otp_reset", actor=actor, obj=user, data={"removed_devices": removed})
    return removed


# --- organisations and sanctions -------------------------------------------------------------------


def _organisation_people(organisation: Organisation) -> list[User]:
    return [u for u in (organisation.signatory, organisation.contact_person) if u is not None]


def organisation_authorise(
    *, organisation: Organisation, valid_from: datetime.date, valid_until: datetime.date | None, actor: User
) -> Organisation:
    """Grant (or renew) an organisation's authorisation for a validity period."""
    _require_administrator(actor)
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end cannot be before the start.")})
    if not organisation.is_domestic:
        raise ValidationError(
            _(
                "Only a domestic organisation is authorised; a foreign researcher joins "
                "through an authorised domestic organisation."
            )
        )
    with transaction.atomic(durable=True):
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        previous = organisation.authorisation_status
        organisation.authorisation_status = Organisation.Status.AUTHORISED
        organisation.authorised_from, organisation.authorised_until = valid_from, valid_until
        organisation.save(update_fields=["authorisation_status", "authorised_from", "authorised_until"])
        log_event(
            "organisation.authorised",
            actor=actor,
            obj=organisation,
            data={"from": valid_from, "until": valid_until, "previous_status": previous},
        )
        notify(
            recipients=_organisation_people(organisation),
            event="organisation_authorised",
            context={"organisation": organisation},
        )
    return organisation


def organisation_withdraw_authorisation(
    *, organisation: Organisation, start: datetime.date, end: datetime.date | None, reason: str, actor: User
) -> Sanction:
    """Withdraw an organisation's authorisation for a period (seed 002): its researchers become
    ineligible meanwhile, and it comes back by itself when the period ends."""
    _require_administrator(actor)
    with transaction.atomic(durable=True):
        sanction = Sanction(
            kind=Sanction.Kind.WITHDRAWAL,
            organisation=organisation,
            start=start,
            end=end,
            reason=reason,
            recorded_by=actor,
        )
        sanction.full_clean()
        sanction.save()
        log_event(
            "organisation.authorisation_withdrawn",
            actor=actor,
            obj=organisation,
            data={"sanction": sanction.pk, "start": start, "end": end, "reason": reason},
        )
        researchers = User.objects.filter(
            Q(affiliations__organisation=organisation) | Q(affiliations__sponsor=organisation), is_active=True
        ).distinct()
        notify(
            recipients=[*_organisation_people(organisation), *researchers],
            event="organisation_authorisation_withdrawn",
            context={"organisation": organisation, "sanction": sanction},
        )
    return sanction


def person_exclude(
    *,
    user: User,
    start: datetime.date,
    end: datetime.date | None,
    reason: str,
    is_breach: bool = False,
    reference: str = "",
    actor: User,
) -> Sanction:
    """Exclude a person for a period; a breach of the rules excludes for at least three years."""
    _require_administrator(actor)
    if is_breach and end is not None and end < add_years(start, MIN_BREACH_EXCLUSION_YEARS):
        raise ValidationError(
            {
                "end": _("A breach excludes for at least three years (until %(date)s or later).")
                % {"date": add_years(start, MIN_BREACH_EXCLUSION_YEARS)}
            }
        )
    with transaction.atomic(durable=True):
        sanction = Sanction(
            kind=Sanction.Kind.EXCLUSION,
            user=user,
            start=start,
            end=end,
            reason=reason,
            is_breach=is_breach,
            reference=reference,
            recorded_by=actor,
        )
        sanction.full_clean()
        sanction.save()
        log_event(
            "person.excluded",
            actor=actor,
            obj=user,
            data={
                "sanction": sanction.pk,
                "start": start,
                "end": end,
                "is_breach": is_breach,
                "reference": reference,
                "reason": reason,
            },
        )
        notify(recipients=[user], event="person_excluded", context={"person": user, "sanction": sanction})
    return sanction


def sanction_lift(*, sanction: Sanction, reason: str, actor: User) -> bool:
    """End a sanction early (a decision reversed on appeal, for instance)."""
    _require_administrator(actor)
    with transaction.atomic(durable=True):
        changed = Sanction.objects.filter(pk=sanction.pk, lifted_at=None).update(lifted_at=timezone.now())
        if changed:
            log_event(
                "sanction.lifted",
                actor=actor,
                obj=sanction.user or sanction.organisation,
                data={"sanction": sanction.pk, "kind": sanction.kind, "reason": reason},
            )
    return bool(changed)
