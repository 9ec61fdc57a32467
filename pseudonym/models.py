"""Project keys: one per project (seed 000, pillar 1: one project ⇒ one pseudonymisation key).

Only a random salt is stored. The keys themselves are derived, when a job needs them and in the
extraction worker only, with HKDF-SHA256 from the master secret (outside the database, see
``pseudonym/secret.py``) and this salt, one per (identifier domain, stage, key version). Without
the master secret the salt is useless; without the salt (after destruction) nobody can recompute
the project's pseudonyms.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectKey(models.Model):
    project = models.OneToOneField(
        "projects.Project", verbose_name=_("project"), on_delete=models.PROTECT, related_name="pseudonym_key"
    )
    salt = models.BinaryField(_("salt"), max_length=32, null=True, editable=False)
    version = models.PositiveSmallIntegerField(_("key version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    destroyed_at = models.DateTimeField(_("destroyed at"), null=True, blank=True)
    destroyed_reason = models.TextField(_("why it was destroyed"), blank=True)

    class Meta:
        verbose_name = _("project key")
        verbose_name_plural = _("project keys")

    def __str__(self) -> str:
        return f"key v{self.version} of project {self.project_id}"

    @property
    def is_destroyed(self) -> bool:
        return self.destroyed_at is not None
