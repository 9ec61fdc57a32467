"""Synthetic dummies of delivered files and linkage-laboratory runs, both hanging off a Project.

Their files live in the project's delivery folder (what the virtual desktop mounts), under
``synthetic/``: inside the desktop, like the data they imitate. They leave it only through output
checking (``services.synthetic_submit_for_checking``); there is no download view for them.
"""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ask4mdp.ui.translation import render


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SyntheticJob(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, verbose_name=_("project"))
    source = models.CharField(
        _("delivered file"),
        max_length=500,
        help_text=_("Path of the delivered data file, relative to the project's delivery folder."),
    )
    seed = models.PositiveIntegerField(_("seed"), default=1)
    status = models.CharField(_("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    error = models.TextField(_("error"), blank=True)
    # the error as a stored message (ask4mdp.ui.translation), shown in the reader's language
    error_message = models.JSONField(_("error, translatable"), null=True, blank=True, editable=False)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    folder_prefix = "job"

    @property
    def folder(self) -> Path:
        return Path(self.project.delivery_dir) / "synthetic" / f"{self.folder_prefix}-{self.pk}"

    @property
    def source_path(self) -> Path:
        return Path(self.project.delivery_dir) / self.source

    @property
    def report_pdf(self) -> Path:
        return self.folder / "report.pdf"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def error_text(self) -> str:
        """Why the job failed, in the reader's language (a job that failed before: as it was written)."""
        return render(self.error_message, fallback=self.error)


class SyntheticDataset(SyntheticJob):
    """A synthetic dummy of one delivered file, with its utility and privacy report."""

    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.CASCADE,
        related_name="synthetic_datasets",
        verbose_name=_("project"),
    )
    target = models.CharField(_("target variable for DiSCO"), max_length=200, blank=True)
    quasi_identifiers = models.JSONField(_("quasi-identifiers"), default=list, blank=True)
    regression_outcome = models.CharField(_("regression outcome"), max_length=200, blank=True)
    regression_predictors = models.JSONField(_("regression predictors"), default=list, blank=True)
    output_request = models.ForeignKey(
        "outputs.OutputRequest",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("output request"),
    )

    folder_prefix = "dataset"

    class Meta(SyntheticJob.Meta):
        verbose_name = _("synthetic dataset")
        verbose_name_plural = _("synthetic datasets")

    def __str__(self) -> str:
        return f"{self.project.reference} synthetic #{self.pk} ({self.source})"

    @property
    def output_file(self) -> Path:
        src = Path(self.source)
        return self.folder / f"{src.stem}_synthetic{src.suffix.lower()}"


class LinkageRun(SyntheticJob):
    """One run of the linkage laboratory on a delivered file."""

    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, related_name="linkage_runs", verbose_name=_("project")
    )
    common = models.JSONField(_("shared variables"), default=list)
    part_a = models.JSONField(_("variables of part A"), default=list)
    part_b = models.JSONField(_("variables of part B"), default=list)

    folder_prefix = "linkage"

    class Meta(SyntheticJob.Meta):
        verbose_name = _("linkage laboratory run")
        verbose_name_plural = _("linkage laboratory runs")

    def __str__(self) -> str:
        return f"{self.project.reference} linkage #{self.pk} ({self.source})"
