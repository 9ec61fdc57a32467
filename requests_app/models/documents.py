"""Archived documents (hash-checked) and the manifests produced at confirmation."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .request import DataRequest


class ArchivedDocument(models.Model):
    """A file kept for a later audit by the data protection authority, with its SHA-256."""

    class Kind(models.TextChoices):
        PROCESSING = "processing", _("Processing document (PDF)")
        VARIABLES_PDF = "variables_pdf", _("Closed list of variables (PDF)")
        VARIABLES_CSV = "variables_csv", _("Closed list of variables (CSV)")
        MANIFEST = "manifest", _("Manifest (JSON)")

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="archived_documents")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("request version"))
    path = models.CharField(_("file (relative to the archive)"), max_length=300)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_at = models.DateTimeField(_("archived at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("archived document")
        verbose_name_plural = _("archived documents")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.request} v{self.version} {self.get_kind_display()}"

    @property
    def full_path(self) -> Path:
        return Path(settings.ARCHIVE_ROOT) / self.path

    @property
    def filename(self) -> str:
        return Path(self.path).name

    def current_hash(self) -> str | None:
        """The file's SHA-256 now, or None when it is missing."""
        try:
            digest = hashlib.sha256()
            with self.full_path.open("rb") as fh:
                for chunk in iter(lambda: fh.read(65536), b""):
                    digest.update(chunk)
            return digest.hexdigest()
        except FileNotFoundError:
            return None

    def is_intact(self) -> bool:
        return self.current_hash() == self.sha256


class Manifest(models.Model):
    """One version of a confirmed request's manifest (docs/manifest.schema.json)."""

    request = models.ForeignKey(DataRequest, on_delete=models.PROTECT, related_name="manifests")
    version = models.PositiveIntegerField(_("request version"))
    data = models.JSONField(_("manifest"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("manifest")
        verbose_name_plural = _("manifests")
        ordering = ["request", "-version"]
        constraints = [models.UniqueConstraint(fields=["request", "version"], name="unique_manifest_version")]

    def __str__(self) -> str:
        return f"{self.request} manifest v{self.version}"
