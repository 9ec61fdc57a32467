"""Output requests (what leaves a desktop), the release log, API tokens and external input files.

Seed 000: nothing leaves a desktop unchecked and nothing enters unverified; seed 002: only aggregated
results leave and every transfer is logged.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, transition

from ask4mdp.ui.translation import SEPARATOR, render


def output_upload_to(instance, filename: str) -> str:
    return f"outputs/{instance.output_request.project.reference}/{instance.output_request_id}/{filename}"


def input_upload_to(instance, filename: str) -> str:
    return f"inputs/{instance.project.reference}/{timezone.now():%Y%m%d%H%M%S}-{filename}"


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    PASS = "pass", _("Pass")
    REVIEW = "review", _("Review")
    FAIL = "fail", _("Fail")
    ERROR = "error", _("Could not be checked")


class OutputRequest(models.Model):
    """A researcher's request to take files out of the project's desktop."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Automatic checks running")
        AWAITING_REVIEW = "awaiting_review", _("Awaiting the output checker")
        DECIDED = "decided", _("Decided")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        related_name="output_requests",
        verbose_name=_("project"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="output_requests",
        verbose_name=_("researcher"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"), help_text=_("What the outputs are and what they are for.")
    )
    status = FSMField(_("status"), max_length=20, choices=Status.choices, default=Status.CHECKING)
    via_api = models.BooleanField(_("submitted through the API"), default=False)
    created_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    checks_finished_at = models.DateTimeField(_("checks finished at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("output request")
        verbose_name_plural = _("output requests")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.project.reference} #{self.pk} {self.title}"

    @transition(field=status, source=Status.CHECKING, target=Status.AWAITING_REVIEW)
    def checks_done(self):
        """The worker has checked every file: the checkers can now review it."""
        self.checks_finished_at = timezone.now()

    @transition(field=status, source=Status.AWAITING_REVIEW, target=Status.DECIDED)
    def close(self):
        """Every file has a final decision (released or refused)."""
        self.decided_at = timezone.now()

    @transition(field=status, source=Status.DECIDED, target=Status.AWAITING_REVIEW)
    def reopen(self):
        """A file came back after the researcher was asked for changes and answered."""
        self.decided_at = None

    @property
    def waiting_since(self):
        return self.checks_finished_at or self.created_at

    @property
    def turnaround(self):
        return (self.decided_at - self.created_at) if self.decided_at else None

    @property
    def turnaround_hours(self) -> float | None:
        return self.turnaround.total_seconds() / 3600 if self.decided_at else None


class OutputFile(models.Model):
    class Kind(models.TextChoices):
        TABLE = "table", _("Table (CSV or XLSX)")
        FIGURE = "figure", _("Figure (with the table behind it)")
        REGRESSION = "regression", _("Regression results")
        DOCUMENT = "document", _("Document")
        ACRO = "acro", _("Output of an ACRO bundle")

    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting decision")
        APPROVED = "approved", _("Released")
        REJECTED = "rejected", _("Refused")
        CHANGES = "changes", _("Changes requested")

    output_request = models.ForeignKey(OutputRequest, on_delete=models.CASCADE, related_name="files")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TABLE)
    file = models.FileField(_("file"), upload_to=output_upload_to, max_length=400)
    name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"), default=0)
    supporting_table = models.FileField(
        _("table behind the figure"), upload_to=output_upload_to, blank=True, max_length=400
    )
    spec = models.JSONField(
        _("spec"), null=True, blank=True, help_text=_("How the output was computed (see the spec format).")
    )
    acro_record = models.JSONField(_("ACRO record"), null=True, blank=True)
    check_status = models.CharField(
        _("check"), max_length=8, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    check_result = models.JSONField(_("check result"), default=dict, blank=True)
    parameters = models.JSONField(_("parameters of the checks"), default=dict, blank=True)
    exception_justification = models.TextField(_("justification for an exception"), blank=True)
    exception_requested_at = models.DateTimeField(null=True, blank=True)
    exception_first_approver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first checker of the exception"),
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decision_comment = models.TextField(_("checker's comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("output file")
        verbose_name_plural = _("output files")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name

    @property
    def needs_exception(self) -> bool:
        """A failing output can only be released as an exception, confirmed by two checkers."""
        return self.check_status in (CheckStatus.FAIL, CheckStatus.ERROR)

    @property
    def is_released(self) -> bool:
        return self.decision == self.Decision.APPROVED


class Review(models.Model):
    """Each checker's action on a file, kept as history."""

    output_file = models.ForeignKey(OutputFile, on_delete=models.CASCADE, related_name="reviews")
    checker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=20)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.action} by {self.checker} on {self.output_file}"


class ReleasedTable(models.Model):
    """A released table with its definition, for the differencing detector."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="released_tables")
    output_file = models.OneToOneField(OutputFile, on_delete=models.CASCADE, related_name="released_table")
    data_sha256 = models.CharField(max_length=64, db_index=True)
    definition = models.JSONField()
    counts = models.JSONField(help_text="[[row labels, column labels, count], …]")
    released_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.project.reference} {self.output_file.name}"


class ReleaseLogEntry(models.Model):
    """One download of a released file (or a checker's inspection of an unreleased one)."""

    output_file = models.ForeignKey(OutputFile, on_delete=models.PROTECT, related_name="downloads")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="release_log")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("who")
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    released = models.BooleanField(_("released file"), default=True)

    class Meta:
        verbose_name = _("release log entry")
        verbose_name_plural = _("release log")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.file_name}"


class ApiToken(models.Model):
    """A researcher's token to submit output requests from inside the project's desktop.

    Only the SHA-256 of the token is stored; the token itself is shown once, at creation.
    """

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="output_api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="output_api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("output API token")
        verbose_name_plural = _("output API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user}, {self.project.reference})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class InputFile(models.Model):
    """An external file for a project, checked before it may enter the delivery folder."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded, checks pending")
        VALIDATING = "validating", _("Being pseudonymised and delivered")
        CHECKED = "checked", _("Checked, awaiting validation")
        REFUSED = "refused", _("Refused")
        VALIDATED = "validated", _("Validated and delivered")

    project = models.ForeignKey(
        "projects.Project", on_delete=models.PROTECT, related_name="input_files", verbose_name=_("project")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to=input_upload_to, max_length=400)
    original_name = models.CharField(_("file name"), max_length=255)
    description = models.TextField(_("description"), blank=True)
    legal_basis = models.TextField(
        _("legal basis"), help_text=_("The legal basis for linking this file (law, consent…).")
    )
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    file_type = models.CharField(max_length=10, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.UPLOADED)
    profile = models.JSONField(default=dict, blank=True)
    identifiers = models.JSONField(default=dict, blank=True, help_text="column → kind of direct identifier")
    problems = models.JSONField(default=list, blank=True)
    link_column = models.CharField(_("linking identifier"), max_length=200, blank=True)
    treatment = models.JSONField(default=dict, blank=True, help_text="column → drop | pseudonymise | link")
    delivered_path = models.CharField(max_length=500, blank=True)
    delivered_sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    validated_at = models.DateTimeField(null=True, blank=True)
    refusal_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = _("input file")
        verbose_name_plural = _("input files")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.project.reference} {self.original_name}"

    @property
    def refusal_text(self) -> str:
        """Why the file was refused, in the reader's language: the problems the checks found (stored
        translatable), else the reason the input checker wrote."""
        return SEPARATOR.join(render(self.problems, fallback=[])) or self.refusal_reason
