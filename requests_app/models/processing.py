"""The variables of a request with the expert's decisions, the messages and the datateam's comments."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .request import DOCUMENT_SECTIONS, DataRequest


class Decision(models.TextChoices):
    PENDING = "", _("Not decided")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused")


class Outcome(models.TextChoices):
    PENDING = "", _("Waiting")
    APPROVED = "approved", _("Approved as requested")
    APPROVED_OTHER = "approved_other", _("Approved at another granularity")
    REFUSED = "refused", _("Refused")
    AGGREGATE_ONLY = "aggregate_only", _("Aggregate statistics only")


APPROVING_OUTCOMES = (Outcome.APPROVED, Outcome.APPROVED_OTHER)


class RequestVariable(models.Model):
    """One variable the researcher asks for, with their justification and the expert's decisions."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for processing")
        PARTIAL = "partial", _("Partially processed")
        PROCESSED = "processed", _("Processed")

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="variables")
    variable = models.ForeignKey("dictionary.Variable", on_delete=models.PROTECT, related_name="request_uses")
    granularity = models.ForeignKey(
        "dictionary.Granularity",
        verbose_name=_("granularity proposed"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    justification = models.TextField(_("justification of the variable"))
    wants_change = models.BooleanField(_("request a change of the proposed values"), default=False)
    change_justification = models.TextField(_("justification of the change"), blank=True)
    wanted_modalities = models.TextField(_("values wanted"), blank=True)
    need_to_know = models.TextField(
        _("need-to-know statement"),
        blank=True,
        help_text=_("Two-padlock variables: explain how the need-to-know principle is respected."),
    )

    justification_decision = models.CharField(
        _("justification"), max_length=10, choices=Decision.choices, blank=True, default=Decision.PENDING
    )
    justification_comment = models.TextField(_("comment on the justification"), blank=True)
    granularity_decision = models.CharField(
        _("granularity change"), max_length=10, choices=Decision.choices, blank=True, default=Decision.PENDING
    )
    granularity_comment = models.TextField(_("comment on the granularity"), blank=True)
    new_modalities = models.TextField(
        _("new modalities"),
        blank=True,
        help_text=_('One per line: "code;label;from-to" (e.g. "11;60-64 years;60-64").'),
    )
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, blank=True, default=Outcome.PENDING
    )
    approved_granularity = models.ForeignKey(
        "dictionary.Granularity",
        verbose_name=_("approved granularity"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="approved_on",
    )
    flagged = models.BooleanField(_("flagged by the researcher"), default=False)
    added_in_version = models.PositiveIntegerField(_("added in version"), default=1)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("requested variable")
        verbose_name_plural = _("requested variables")
        ordering = ["variable__register__order", "variable__order", "variable__name"]
        constraints = [
            models.UniqueConstraint(fields=["request", "variable"], name="unique_variable_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.request} {self.variable}"

    @property
    def status(self) -> str:
        if self.outcome:
            return self.Status.PROCESSED
        if self.justification_decision or self.granularity_decision:
            return self.Status.PARTIAL
        return self.Status.WAITING

    def get_status_display(self) -> str:
        return self.Status(self.status).label

    @property
    def is_approved(self) -> bool:
        return self.outcome in APPROVING_OUTCOMES


class Message(models.Model):
    """A message in a request's thread, or in the thread of one of its variables."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="messages")
    variable = models.ForeignKey(
        RequestVariable,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("about the variable"),
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"


class ReviewComment(models.Model):
    """A datateam member's comment on one section of the processing document."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="review_comments")
    section = models.CharField(_("section"), max_length=20, choices=DOCUMENT_SECTIONS)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("comment"))
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.section}: {self.body[:40]}"
