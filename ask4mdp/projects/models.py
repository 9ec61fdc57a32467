"""The project: the unit of access that every downstream app depends on.

Pillar 1 of seed 000: one project ⇒ one virtual desktop ⇒ one pseudonymisation key ⇒ one login per
researcher. The request life cycle (``requests_app``) opens, amends and ends projects through
``ask4mdp.projects.services``; pseudonymisation keys, extractions, output requests and synthetic
dummies hang off a project, so no app needs to import ``requests_app``.
"""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Project(models.Model):
    class Status(models.TextChoices):
        PREPARING = "preparing", _("In preparation")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        REVOKED = "revoked", _("Revoked after a breach")

    reference = models.CharField(_("reference"), max_length=40, unique=True)
    acronym = models.CharField(_("acronym"), max_length=40)
    title = models.CharField(_("title"), max_length=300)
    organisation = models.ForeignKey(
        "accounts.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT,
        related_name="projects",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PREPARING)
    start = models.DateField(_("access from"), null=True, blank=True)
    end = models.DateField(_("access until"), null=True, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="ProjectMember", related_name="projects", verbose_name=_("team")
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("why access ended"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        permissions = [
            ("view_project_outputs", "Can see the project's output requests"),
            ("submit_outputs", "Can submit output requests for the project"),
            ("check_outputs", "Can check the project's outputs"),
            ("manage_project_inputs", "Can upload and check external input files"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.acronym}"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return (
            self.status == self.Status.ACTIVE
            and (self.start is None or self.start <= today)
            and (self.end is None or today <= self.end)
        )

    @property
    def delivery_dir(self) -> Path:
        """What the project's virtual desktop mounts."""
        return Path(settings.DELIVERY_ROOT) / self.reference


class ProjectMember(models.Model):
    """A researcher of the project's team: one desktop login each."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    is_lead = models.BooleanField(_("lead researcher"), default=False)
    desktop_login = models.CharField(_("desktop login"), max_length=80, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)
    access_removed_at = models.DateTimeField(_("access removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("project member")
        verbose_name_plural = _("project members")
        constraints = [models.UniqueConstraint(fields=["project", "user"], name="unique_project_member")]

    def __str__(self) -> str:
        return f"{self.user} in {self.project}"


# django-guardian direct foreign-key permission models (faster and with real foreign keys).
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class ProjectUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)


class ProjectGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Project, on_delete=models.CASCADE)
