"""The data dictionary: protection by design and by default (seed 000, pillar 4).

* A **register** is a thematic file (sociodemographic characteristics, jobs, wages…) delivered as
  one file, linked to the others by pseudonymised person, company and job identifiers.
* A **variable** has a padlock level: 0 supplied as is; 1 supplied at an aggregated default
  granularity (a finer one must be requested and justified); 2 sensitive, not supplied by default
  (the researcher must show explicitly how need-to-know is respected).
* A **granularity** is a coding of a variable: the *detailed* coding held in the registers, the
  *default* coding proposed to researchers, and *custom* codings approved later on a request. Each
  has its modalities and a recode rule from the detailed coding (see ``dictionary/recode.py``).
* A **dictionary version** has a changelog; variables renamed or withdrawn in a version are
  detectable on the requests that use them.
"""

import datetime

from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.roles import Domain


class Padlock(models.IntegerChoices):
    NONE = 0, _("No padlock: supplied as is")
    ONE = 1, _("One padlock: supplied at an aggregated default granularity; a finer one must be justified")
    TWO = 2, _("Two padlocks: sensitive, not supplied by default; need-to-know must be shown explicitly")


class Localised:
    """``label``/``description`` (and a register's ``unit``, a variable's ``comments``) in the active
    language, falling back to English when the French text is empty."""

    def _localised(self, field: str) -> str:
        if translation.get_language() == "fr":
            value = getattr(self, f"{field}_fr", "")
            if value:
                return value
        return getattr(self, field)

    @property
    def display_label(self) -> str:
        return self._localised("label")

    @property
    def display_description(self) -> str:
        return self._localised("description")


class DictionaryVersion(models.Model):
    number = models.PositiveIntegerField(_("version"), unique=True)
    label = models.CharField(_("label"), max_length=200, blank=True)
    released_on = models.DateField(_("released on"), default=datetime.date.today)
    changelog = models.TextField(_("changelog"), blank=True)

    class Meta:
        verbose_name = _("dictionary version")
        verbose_name_plural = _("dictionary versions")
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"v{self.number} {self.label}".strip()

    @classmethod
    def current(cls) -> "DictionaryVersion | None":
        return cls.objects.order_by("-number").first()


class Register(Localised, models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("label"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    unit = models.CharField(
        _("unit of observation"),
        max_length=100,
        blank=True,
        help_text=_("e.g. person × month, absence episode"),
    )
    unit_fr = models.CharField(
        _("unit of observation (French)"),
        max_length=100,
        blank=True,
        help_text=_("e.g. personne × mois, épisode d'absence"),
    )
    source = models.CharField(_("source"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("register")
        verbose_name_plural = _("registers")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} – {self.label}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dictionary:register", kwargs={"code": self.code})

    @property
    def display_unit(self) -> str:
        return self._localised("unit")


class VariableQuerySet(models.QuerySet):
    def active(self) -> "VariableQuerySet":
        return self.filter(status=Variable.Status.ACTIVE)


class Variable(Localised, models.Model):
    class Format(models.TextChoices):
        CHARACTER = "character", _("Character")
        NUMERIC = "numeric", _("Numeric")
        DATE = "date", _("Date")
        IDENTIFIER = "identifier", _("Identifier")

    class IdentifierKind(models.TextChoices):
        PERSON = "person", _("Person")
        COMPANY = "company", _("Company")
        JOB = "job", _("Job")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Available")
        RENAMED = "renamed", _("Renamed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    register = models.ForeignKey(Register, on_delete=models.PROTECT, related_name="variables")
    name = models.CharField(_("name"), max_length=80)
    label = models.CharField(_("label"), max_length=300)
    label_fr = models.CharField(_("label (French)"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_fr = models.TextField(_("description (French)"), blank=True)
    format = models.CharField(_("format"), max_length=12, choices=Format.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    comments_fr = models.TextField(_("comments (French)"), blank=True)
    domain = models.CharField(_("domain"), max_length=32, choices=Domain.choices)
    padlock = models.PositiveSmallIntegerField(_("padlock"), choices=Padlock.choices, default=Padlock.NONE)
    is_quasi_identifier = models.BooleanField(
        _("quasi-identifier"),
        default=False,
        help_text=_(
            "Used in the simultaneous re-identification tests (age, nationality, residence, gender…)."
        ),
    )
    identifier_kind = models.CharField(
        _("identifier kind"), max_length=10, choices=IdentifierKind.choices, blank=True
    )
    available_from = models.DateField(_("available from (month)"), default=datetime.date(2002, 1, 1))
    available_to = models.DateField(_("available until (month)"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    introduced_in = models.ForeignKey(
        DictionaryVersion,
        verbose_name=_("introduced in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="introduced_variables",
    )
    changed_in = models.ForeignKey(
        DictionaryVersion,
        verbose_name=_("renamed or withdrawn in"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="changed_variables",
    )
    replaced_by = models.ForeignKey(
        "self",
        verbose_name=_("renamed to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replaces",
    )
    generation_hints = models.JSONField(
        _("generation hints"),
        default=dict,
        blank=True,
        help_text=_(
            "How the synthetic register warehouse draws this variable: distribution, min, max, "
            "weights… (see the header of fixtures/dictionary.yaml)."
        ),
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    objects = VariableQuerySet.as_manager()

    class Meta:
        verbose_name = _("variable")
        verbose_name_plural = _("variables")
        ordering = ["register__order", "order", "name"]
        constraints = [
            models.UniqueConstraint(fields=["register", "name"], name="unique_variable_per_register")
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("dictionary:variable", kwargs={"register": self.register.code, "name": self.name})

    @property
    def display_comments(self) -> str:
        return self._localised("comments")

    @property
    def is_identifier(self) -> bool:
        return bool(self.identifier_kind)

    @property
    def default_granularity(self) -> "Granularity | None":
        """The coding proposed by default: the default one; else the detailed one, unless a padlock
        protects it.

        A variable with one padlock and no default coding is *available but not proposed by
        default* (seed 000, box 1: the zipcode): ``None`` — the detailed coding must be requested
        and justified. Padlock 0 variables are supplied as held; padlock 2 variables always carry
        an explicit default coding in the demo dictionary (what is supplied once need-to-know is
        shown).
        """
        grans = list(self.granularities.all())  # prefetched in lists
        for g in grans:
            if g.kind == Granularity.Kind.DEFAULT:
                return g
        if self.padlock != Padlock.ONE:
            return next((g for g in grans if g.kind == Granularity.Kind.DETAILED), None)
        return None

    @property
    def is_proposed_by_default(self) -> bool:
        return self.default_granularity is not None

    @property
    def detailed_granularity(self) -> "Granularity | None":
        return next((g for g in self.granularities.all() if g.kind == Granularity.Kind.DETAILED), None)


class Granularity(Localised, models.Model):
    class Kind(models.TextChoices):
        DETAILED = "detailed", _("Detailed coding (as held)")
        DEFAULT = "default", _("Default coding")
        CUSTOM = "custom", _("Coding approved on a request")

    variable = models.ForeignKey(Variable, on_delete=models.CASCADE, related_name="granularities")
    code = models.CharField(_("code"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=200)
    label_fr = models.CharField(_("label (French)"), max_length=200, blank=True)
    recode = models.JSONField(
        _("recode rule from the detailed coding"),
        default=dict,
        blank=True,
        help_text=_("See dictionary/recode.py: identity, map, intervals, prefix, round."),
    )
    origin = models.CharField(
        _("origin"), max_length=200, blank=True, help_text=_("e.g. the request on which it was approved")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("granularity")
        verbose_name_plural = _("granularities")
        ordering = ["variable", "kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["variable", "code"], name="unique_granularity_code"),
            models.UniqueConstraint(
                fields=["variable", "kind"],
                condition=models.Q(kind__in=["detailed", "default"]),
                name="one_detailed_and_one_default_per_variable",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variable.name}:{self.code}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from .recode import RecodeError, validate_rule

        try:
            validate_rule(self.recode or {})
        except RecodeError as exc:
            raise ValidationError({"recode": str(exc)}) from None


class Modality(Localised, models.Model):
    granularity = models.ForeignKey(Granularity, on_delete=models.CASCADE, related_name="modalities")
    code = models.CharField(_("code"), max_length=60)
    label = models.CharField(_("label"), max_length=300)
    label_fr = models.CharField(_("label (French)"), max_length=300, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("modality")
        verbose_name_plural = _("modalities")
        ordering = ["granularity", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["granularity", "code"], name="unique_modality_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    # ``description`` is not a modality field; Localised only needs ``label`` here.
    description = ""
