"""Users, organisations, affiliations, expert domains and sanctions.

Seed 002 (Statistics Denmark): access is granted to *authorised research environments*, never to a
single person; a foreign researcher is affiliated through an authorised domestic organisation that
takes responsibility for them. A breach excludes a person for at least three years and may withdraw
the organisation's authorisation for a period.
"""

import datetime

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Domain

MIN_BREACH_EXCLUSION_YEARS = 3


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_verified_at", timezone.now())
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str) -> "User":
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with their e-mail address.

    A researcher who signs up is inactive until they verify their address *and* an administrator
    activates the account.
    """

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200)
    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    is_active = models.BooleanField(_("active"), default=False)
    is_staff = models.BooleanField(_("can use Django admin"), default=False)
    email_verified_at = models.DateTimeField(_("e-mail verified at"), null=True, blank=True)
    activated_at = models.DateTimeField(
        _("activated at"), null=True, blank=True, help_text=_("When an administrator activated the account.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)
    qualifications = models.TextField(_("qualifications and experience with personal data"), blank=True)
    is_demo = models.BooleanField(
        _("demo account"), default=False, help_text=_("Created by the demo data; never in production.")
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return f"{self.full_name} <{self.email}>" if self.full_name else self.email

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def role_names(self) -> set[str]:
        """The names of the role groups this user holds (cached per instance)."""
        if not hasattr(self, "_role_names"):
            self._role_names = set(self.groups.values_list("name", flat=True))
        return self._role_names

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.role_names & {str(r) for r in roles})

    @property
    def is_staff_role(self) -> bool:
        """True for every role that needs two-factor authentication."""
        return self.is_superuser or self.is_staff or bool(self.role_names & {str(r) for r in STAFF_ROLES})


class ExpertDomain(models.Model):
    """A thematic expert's domain; requests of that domain may be assigned to them."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="expert_domains")
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)

    class Meta:
        verbose_name = _("expert domain")
        verbose_name_plural = _("expert domains")
        constraints = [models.UniqueConstraint(fields=["user", "domain"], name="unique_expert_domain")]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_domain_display()}"


class Organisation(models.Model):
    class Type(models.TextChoices):
        UNIVERSITY = "university", _("University or public research body")
        ADMINISTRATION = "administration", _("Ministry or administration")
        NON_PROFIT = "non_profit", _("Non-profit organisation")
        CONSULTANCY = "consultancy", _("Consultancy")
        ENTERPRISE = "enterprise", _("Enterprise")

    class Status(models.TextChoices):
        PENDING = "pending", _("Application pending")
        AUTHORISED = "authorised", _("Authorised")
        SUSPENDED = "suspended", _("Authorisation withdrawn")
        REFUSED = "refused", _("Refused")

    name = models.CharField(_("name"), max_length=200, unique=True)
    legal_name = models.CharField(_("legal name"), max_length=300, blank=True)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    org_type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    country = models.CharField(_("country (ISO code)"), max_length=2, default="LU")
    address = models.TextField(_("address"), blank=True)
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    authorisation_status = models.CharField(
        _("authorisation status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    authorised_from = models.DateField(_("authorised from"), null=True, blank=True)
    authorised_until = models.DateField(_("authorised until"), null=True, blank=True)
    signatory = models.ForeignKey(
        User,
        verbose_name=_("signatory"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="signatory_of",
    )
    contact_person = models.ForeignKey(
        User,
        verbose_name=_("contact person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_of",
    )
    business_data_exemption = models.BooleanField(
        _("exemption for business data"),
        default=False,
        help_text=_(
            "Consultancies and enterprises may not receive business data unless exempted, e.g. when "
            "they work for a public authority that guarantees the correct use of the data (seed 002)."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_domestic(self) -> bool:
        return self.country.upper() == settings.PLATFORM_COUNTRY

    @property
    def may_receive_business_data(self) -> bool:
        """Consultancies and other enterprises get no business (company) data without an exemption."""
        private = self.org_type in (self.Type.CONSULTANCY, self.Type.ENTERPRISE)
        return not private or self.business_data_exemption

    def current_status_display(self, on: datetime.date | None = None) -> str:
        """The authorisation status as it stands on that day (a withdrawal or the validity period
        can make an "authorised" organisation unauthorised for now)."""
        on = on or timezone.localdate()
        if self.authorisation_status == self.Status.AUTHORISED:
            if self.sanctions.active(on).exists():
                return str(self.Status.SUSPENDED.label)
            if self.authorised_until and on > self.authorised_until:
                return str(_("Authorisation expired"))
            if self.authorised_from and on < self.authorised_from:
                return str(_("Authorised from a later date"))
        return str(self.get_authorisation_status_display())

    def is_authorised(self, on: datetime.date | None = None) -> bool:
        """Authorised on that day: status authorised, within the validity period, no withdrawal."""
        on = on or timezone.localdate()
        if self.authorisation_status != self.Status.AUTHORISED:
            return False
        if self.authorised_from and on < self.authorised_from:
            return False
        if self.authorised_until and on > self.authorised_until:
            return False
        return not self.sanctions.active(on).exists()


class Affiliation(models.Model):
    """A researcher's attachment to an organisation.

    A researcher of a foreign organisation is affiliated only through an authorised domestic
    organisation (``sponsor``) that takes responsibility for them (seed 002).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="affiliations")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="affiliations")
    sponsor = models.ForeignKey(
        Organisation,
        verbose_name=_("responsible domestic organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsored_affiliations",
        help_text=_(
            "Required for a foreign organisation: the authorised domestic organisation "
            "that takes responsibility for this researcher."
        ),
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    start = models.DateField(_("start"), default=datetime.date.today)
    end = models.DateField(_("end"), null=True, blank=True)

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation}"

    def clean(self) -> None:
        if self.organisation_id and not self.organisation.is_domestic:
            if not self.sponsor_id:
                raise ValidationError(
                    {
                        "sponsor": _(
                            "A foreign researcher must be affiliated through an authorised "
                            "domestic organisation."
                        )
                    }
                )
            if not self.sponsor.is_domestic:
                raise ValidationError({"sponsor": _("The responsible organisation must be domestic.")})
        if self.end and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})

    def is_current(self, on: datetime.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.start <= on and (self.end is None or on <= self.end)

    @property
    def responsible_organisation(self) -> Organisation:
        """The organisation that signs and answers for this researcher."""
        return self.organisation if self.organisation.is_domestic else (self.sponsor or self.organisation)

    def is_valid(self, on: datetime.date | None = None) -> bool:
        """Current, and the responsible organisation is authorised."""
        if not self.is_current(on):
            return False
        if not self.organisation.is_domestic and self.sponsor_id is None:
            return False
        return self.responsible_organisation.is_authorised(on)


class SanctionQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> "SanctionQuerySet":
        on = on or timezone.localdate()
        return self.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on)).filter(lifted_at=None)


class Sanction(models.Model):
    """The exclusion of a person, or the withdrawal of an organisation's authorisation, for a period."""

    class Kind(models.TextChoices):
        EXCLUSION = "exclusion", _("Exclusion of a person")
        WITHDRAWAL = "withdrawal", _("Withdrawal of an organisation's authorisation")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    user = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="sanctions")
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="sanctions"
    )
    start = models.DateField(_("start"), default=datetime.date.today)
    end = models.DateField(_("end"), null=True, blank=True)
    reason = models.TextField(_("reason"))
    is_breach = models.BooleanField(
        _("breach of the rules"),
        default=False,
        help_text=_("A breach excludes the person for at least three years."),
    )
    reference = models.CharField(
        _("reference"), max_length=100, blank=True, help_text=_("e.g. the project whose rules were breached")
    )
    recorded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = SanctionQuerySet.as_manager()

    class Meta:
        verbose_name = _("sanction")
        verbose_name_plural = _("sanctions")
        ordering = ["-start"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="exclusion", user__isnull=False, organisation__isnull=True)
                    | Q(kind="withdrawal", organisation__isnull=False, user__isnull=True)
                ),
                name="sanction_targets_person_or_organisation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user or self.organisation} ({self.start}–{self.end or '…'})"

    def clean(self) -> None:
        if self.end and self.end < self.start:
            raise ValidationError({"end": _("The end cannot be before the start.")})
        if self.kind == self.Kind.EXCLUSION and self.is_breach:
            minimum = add_years(self.start, MIN_BREACH_EXCLUSION_YEARS)
            if self.end is not None and self.end < minimum:
                raise ValidationError(
                    {
                        "end": _("A breach excludes for at least three years (until %(date)s or later).")
                        % {"date": minimum}
                    }
                )


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
