"""Models of the implementation phase (seed 000, steps 7–8) and of the project's active period.

* ``RoleAssignment`` rows are the *table of roles* (screenshot 4): who works on this request.
* ``ImplementationTask`` rows are the three tasks that run side by side (desktop, extraction,
  contract), each with an owner, a checklist, a status and timestamps.
* ``Desktop`` and ``ProvisioningStep`` record what the provisioner (or an operator) did.
* ``ContractDetails``, ``ContractTemplate``, ``Contract`` and ``ContractSignature``: the agreement.
* ``ExpiryReminder`` and ``Breach``: the end of access.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ask4mdp.accounts.models import Organisation
from ask4mdp.accounts.roles import Role
from requests_app.models.request import DataRequest

__all__ = [
    "Breach",
    "Contract",
    "ContractDetails",
    "ContractSignature",
    "ContractTemplate",
    "Desktop",
    "ExpiryReminder",
    "ImplementationRole",
    "ImplementationTask",
    "ImplementedRequest",
    "ProvisioningStep",
    "RoleAssignment",
    "SignatureParty",
]


class ImplementationRole(models.TextChoices):
    """The rows of the table of roles, in the screenshot's order."""

    THEMATIC_EXPERT = "thematic_expert", _("Thematic experts")
    PRINCIPAL_EXTRACTOR = "principal_extractor", _("Principal extractor")
    ADHOC_EXTRACTOR = "adhoc_extractor", _("Ad hoc extractors")
    PSEUDONYMISER = "pseudonymiser", _("Pseudonymisers")
    INPUT_CHECKER = "input_checker", _("Input checkers")
    DESKTOP_PREPARER = "desktop_preparer", _("Desktop preparers")


# Which group a person must hold to be chosen for a row.
ROLE_GROUP = {
    ImplementationRole.THEMATIC_EXPERT: Role.EXPERT,
    ImplementationRole.PRINCIPAL_EXTRACTOR: Role.PRINCIPAL_EXTRACTOR,
    ImplementationRole.ADHOC_EXTRACTOR: Role.ADHOC_EXTRACTOR,
    ImplementationRole.PSEUDONYMISER: Role.PSEUDONYMISER,
    ImplementationRole.INPUT_CHECKER: Role.INPUT_CHECKER,
    ImplementationRole.DESKTOP_PREPARER: Role.DESKTOP_PREPARER,
}
REQUIRED_ROLES = frozenset(
    {
        ImplementationRole.PRINCIPAL_EXTRACTOR,
        ImplementationRole.PSEUDONYMISER,
        ImplementationRole.INPUT_CHECKER,
        ImplementationRole.DESKTOP_PREPARER,
    }
)
SINGLE_ROLES = frozenset({ImplementationRole.PRINCIPAL_EXTRACTOR})


class RoleAssignment(models.Model):
    request = models.ForeignKey(
        "requests_app.DataRequest", on_delete=models.CASCADE, related_name="role_assignments"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="request_roles")
    role = models.CharField(_("role"), max_length=24, choices=ImplementationRole.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"), default=timezone.now)

    class Meta:
        verbose_name = _("role on a request")
        verbose_name_plural = _("table of roles")
        ordering = ["request", "role", "user__full_name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "user", "role"], name="unique_request_role")
        ]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_role_display()} – {self.user}"


class ImplementationTask(models.Model):
    class Kind(models.TextChoices):
        DESKTOP = "desktop", _("Virtual desktop preparation")
        EXTRACTION = "extraction", _("Data extraction")
        CONTRACT = "contract", _("Contract")

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        VALIDATED = "validated", _("Validated")

    request = models.ForeignKey(
        "requests_app.DataRequest", on_delete=models.CASCADE, related_name="implementation_tasks"
    )
    kind = models.CharField(_("task"), max_length=12, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.TODO)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="implementation_tasks",
    )
    # {item: {"done": bool, "at": iso datetime, "by": name, "note": str}}
    checklist = models.JSONField(_("checklist"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    extraction_id = models.PositiveBigIntegerField(_("extraction run"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("validated by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("implementation task")
        verbose_name_plural = _("implementation tasks")
        ordering = ["request", "kind"]
        constraints = [models.UniqueConstraint(fields=["request", "kind"], name="unique_implementation_task")]

    def __str__(self) -> str:
        return f"{self.request}: {self.get_kind_display()} ({self.get_status_display()})"

    @property
    def is_validated(self) -> bool:
        return self.status == self.Status.VALIDATED

    def item_done(self, key: str) -> bool:
        return bool((self.checklist or {}).get(key, {}).get("done"))


class Desktop(models.Model):
    """One virtual desktop per project (seed 000, pillar 1)."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("In preparation")
        READY = "ready", _("Ready")
        ACCESS_REMOVAL_PENDING = "removal_pending", _("Access removal requested")
        CLOSED = "closed", _("Access removed")

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="desktop")
    name = models.CharField(_("desktop name"), max_length=80)
    provisioner = models.CharField(_("provisioner"), max_length=40)
    software = models.JSONField(_("software"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREPARING)
    created_at = models.DateTimeField(default=timezone.now)
    ready_at = models.DateTimeField(_("ready at"), null=True, blank=True)
    access_removed_at = models.DateTimeField(_("access removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("virtual desktop")
        verbose_name_plural = _("virtual desktops")

    def __str__(self) -> str:
        return self.name


class ProvisioningStep(models.Model):
    """What the provisioner did, or what an operator reported doing by hand."""

    desktop = models.ForeignKey(Desktop, on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("action"), max_length=40)
    done = models.BooleanField(_("done"), default=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("provisioning step")
        verbose_name_plural = _("provisioning steps")
        ordering = ["desktop", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.desktop}: {self.action}"


class ContractDetails(models.Model):
    """What the researcher gives for the contract (seed 000: "a screen which the researcher uses")."""

    request = models.OneToOneField(
        "requests_app.DataRequest", on_delete=models.CASCADE, related_name="contract_details"
    )
    organisation_legal_name = models.CharField(_("organisation's legal name"), max_length=300)
    organisation_address = models.TextField(_("organisation's address"))
    registration_number = models.CharField(_("registration number"), max_length=60, blank=True)
    signatory_name = models.CharField(_("signatory's name"), max_length=200)
    signatory_position = models.CharField(_("signatory's position"), max_length=200)
    signatory_email = models.EmailField(_("signatory's e-mail address"))
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact person's e-mail address"), blank=True)
    language = models.CharField(
        _("language of the contract"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("contract details")
        verbose_name_plural = _("contract details")

    def __str__(self) -> str:
        return f"{self.request}: {self.organisation_legal_name}"


def _template_upload(instance, filename: str) -> str:
    return f"contract_templates/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class ContractTemplate(models.Model):
    """An administrator's variant of the agreement, chosen by organisation type and sponsorship.

    With neither a DOCX nor clauses, the repository's template and wording are used. The most
    specific active template wins: sponsored researchers and a matching organisation type first.
    """

    name = models.CharField(_("name"), max_length=200)
    org_type = models.CharField(
        _("organisation type"),
        max_length=20,
        blank=True,
        choices=[("", _("Any")), *Organisation.Type.choices],
    )
    for_sponsored = models.BooleanField(
        _("for foreign researchers through a domestic organisation"),
        default=False,
        help_text=_("The responsibility clause of the domestic organisation is always added for them."),
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    clauses = models.TextField(
        _("clauses"),
        blank=True,
        help_text=_(
            'One clause per paragraph, "Title: text", separated by an empty line. Empty: the '
            "platform's standard wording."
        ),
    )
    docx = models.FileField(
        _("DOCX layout"),
        upload_to=_template_upload,
        blank=True,
        help_text=_(
            "A docxtpl template with the same merge fields as the repository's; empty: the "
            "repository's template."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("contract template")
        verbose_name_plural = _("contract templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _contract_upload(instance, filename: str) -> str:
    return f"contracts/{instance.request.reference}/{filename}"


class Contract(models.Model):
    """One generated version of a request's agreement: the DOCX, its PDF and the merge data."""

    class Status(models.TextChoices):
        GENERATING = "generating", _("Being generated")
        GENERATED = "generated", _("Generated")
        SENT = "sent", _("Sent for signature")
        SIGNED = "signed", _("Signed by the three parties")
        SUPERSEDED = "superseded", _("Superseded")
        FAILED = "failed", _("Generation failed")

    request = models.ForeignKey(
        "requests_app.DataRequest", on_delete=models.PROTECT, related_name="contracts"
    )
    number = models.PositiveIntegerField(_("contract version"))
    request_version = models.PositiveIntegerField(_("request version"))
    template = models.ForeignKey(
        ContractTemplate, verbose_name=_("template"), null=True, blank=True, on_delete=models.SET_NULL
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.GENERATING)
    data = models.JSONField(_("merge data"), default=dict, blank=True)
    docx = models.FileField(_("DOCX"), upload_to=_contract_upload, blank=True)
    pdf = models.FileField(_("PDF"), upload_to=_contract_upload, blank=True)
    docx_sha256 = models.CharField(max_length=64, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    generated_at = models.DateTimeField(_("generated at"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["request", "-number"]
        constraints = [models.UniqueConstraint(fields=["request", "number"], name="unique_contract_number")]

    def __str__(self) -> str:
        return f"{self.request} contract {self.number}"

    @property
    def is_ready(self) -> bool:
        return self.status in {self.Status.GENERATED, self.Status.SENT, self.Status.SIGNED}


class SignatureParty(models.TextChoices):
    PLATFORM = "platform", _("The platform")
    RESEARCHER = "researcher", _("The researcher")
    ORGANISATION = "organisation", _("The organisation's signatory")


def _signature_upload(instance, filename: str) -> str:
    contract = instance.contract
    return f"contracts/{contract.request.reference}/signed-{contract.number}-{instance.party}.pdf"


class ContractSignature(models.Model):
    """A party's signed copy: checked to be a PDF, stored with its SHA-256."""

    Party = SignatureParty

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="signatures")
    party = models.CharField(_("party"), max_length=14, choices=SignatureParty.choices)
    signer_name = models.CharField(_("signed by"), max_length=200)
    file = models.FileField(_("signed document"), upload_to=_signature_upload)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)

    class Meta:
        verbose_name = _("contract signature")
        verbose_name_plural = _("contract signatures")
        ordering = ["contract", "party"]
        constraints = [models.UniqueConstraint(fields=["contract", "party"], name="unique_signature_party")]

    def __str__(self) -> str:
        return f"{self.contract}: {self.get_party_display()}"

    def is_intact(self) -> bool:
        try:
            with self.file.open("rb") as fh:
                return hashlib.sha256(fh.read()).hexdigest() == self.sha256
        except FileNotFoundError:
            return False


class ExpiryReminder(models.Model):
    """A reminder sent before a project's end: one per project, end date and delay."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="expiry_reminders")
    end = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("expiry reminder")
        verbose_name_plural = _("expiry reminders")
        constraints = [
            models.UniqueConstraint(fields=["project", "end", "days_before"], name="unique_expiry_reminder")
        ]

    def __str__(self) -> str:
        return f"{self.project} -{self.days_before} d"


class Breach(models.Model):
    """A breach of the agreement: the project is revoked at once for the whole team (seed 000)."""

    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="breaches")
    request = models.ForeignKey(
        "requests_app.DataRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="breaches"
    )
    description = models.TextField(_("what happened"))
    persons = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("persons in breach"), related_name="breaches", blank=True
    )
    exclusion_until = models.DateField(_("excluded until"), null=True, blank=True)
    organisation_withdrawn_until = models.DateField(
        _("organisation's authorisation withdrawn until"), null=True, blank=True
    )
    blocked_requests = models.JSONField(_("other requests blocked"), default=list, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("breach")
        verbose_name_plural = _("breaches")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.project} {self.recorded_at:%Y-%m-%d}"


class ImplementedRequest(DataRequest):
    """The requests in implementation or active, for the administrators' breach action in Django admin."""

    class Meta:
        proxy = True
        verbose_name = _("request in implementation or active")
        verbose_name_plural = _("requests in implementation or active")
