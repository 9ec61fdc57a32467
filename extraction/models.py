"""An extraction: one run of the engine on one manifest, for one project.

The delivery lands in the project's delivery folder (what the virtual desktop mounts). Status and
progress are written by the extraction worker; the page polls them.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ask4mdp.ui.translation import SEPARATOR, render


class Extraction(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Delivered")
        FAILED = "failed", _("Failed")

    project = models.ForeignKey(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="extractions"
    )
    manifest = models.JSONField(_("manifest"))
    manifest_sha256 = models.CharField(_("manifest checksum"), max_length=64)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("current step"), max_length=200, blank=True)
    # the step as a stored message (ask4mdp.ui.translation), shown in the reader's language
    step_message = models.JSONField(_("current step, translatable"), null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    delivery_path = models.CharField(_("delivery folder"), max_length=500, blank=True)
    files = models.JSONField(_("delivered files"), default=list, blank=True)
    risk_report = models.JSONField(_("re-identification risk report"), default=dict, blank=True)
    rows = models.BigIntegerField(_("rows delivered"), null=True, blank=True)
    seconds = models.FloatField(_("duration (s)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # the problems as stored messages (a library's own text as it is), shown in the reader's language
    error_messages = models.JSONField(_("error, translatable"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extraction")
        verbose_name_plural = _("extractions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"extraction {self.pk} of {self.project.reference}"

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def step_text(self) -> str:
        """The current step in the reader's language (an extraction that ran before: as it was written)."""
        return render(self.step_message, fallback=self.step)

    @property
    def error_text(self) -> str:
        """Why the extraction failed, in the reader's language (before: as it was written)."""
        return SEPARATOR.join(render(self.error_messages, fallback=[])) or self.error

    @property
    def data_files(self) -> list[dict]:
        """The delivered data files (Parquet, CSV, Stata) — what the synthetic app reads."""
        return [f for f in self.files if f.get("kind") == "data"]


class ExtractionGrant(models.Model):
    """Who may see (and run) a project's extractions: set from the implementation's roles table.

    Datateam members and administrators see every extraction through their role.
    """

    class Capacity(models.TextChoices):
        EXTRACTOR = "extractor", _("Extractor")
        PSEUDONYMISER = "pseudonymiser", _("Pseudonymiser")
        EXPERT = "expert", _("Thematic expert")

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="extraction_grants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extraction_grants"
    )
    capacity = models.CharField(_("capacity"), max_length=16, choices=Capacity.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("extraction access")
        verbose_name_plural = _("extraction accesses")
        constraints = [
            models.UniqueConstraint(fields=["project", "user", "capacity"], name="unique_extraction_grant")
        ]

    def __str__(self) -> str:
        return f"{self.user} as {self.capacity} on {self.project_id}"
