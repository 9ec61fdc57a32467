"""The data request and its state machine (seed 000, "ask4mdp", steps 2–10).

The state machine covers the whole life cycle; the implementation helper's services drive the
states after ``confirmed`` (``start_implementation``, ``finalise``, ``activate``, ``close``,
``revoke``, ``start_amendment``). Transition bodies only set fields: services in
``requests_app.services`` call them inside one durable transaction, record the ``StateChange``,
write the audit event and schedule notifications on commit.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from ask4mdp.accounts.roles import Domain
from requests_app import permissions as perms

MAX_PROBLEM_WORDS = 600
DICTIONARY_START = datetime.date(2002, 1, 1)


class State(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    ASSIGNED = "assigned", _("Assigned")
    PROCESSING = "processing", _("Processing")
    DATATEAM_REVIEW = "datateam_review", _("Datateam review")
    RESEARCHER_CONFIRMATION = "researcher_confirmation", _("Researcher's confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    IMPLEMENTATION = "implementation", _("Implementation")
    FINALISED = "finalised", _("Finalised")
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")
    RETURNED = "returned", _("Returned to the researcher")
    REJECTED = "rejected", _("Rejected")
    RECLASSIFIED = "reclassified", _("Reclassified as aggregate statistics")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    REVOKED = "revoked", _("Revoked")


S = State
# The clock of the time in state stops while the request waits for the researcher.
WAITING_FOR_RESEARCHER = frozenset({S.RETURNED, S.RESEARCHER_CONFIRMATION})
FINAL_STATES = frozenset({S.CLOSED, S.REJECTED, S.RECLASSIFIED, S.WITHDRAWN, S.REVOKED})
EDITABLE_BY_RESEARCHER = frozenset({S.DRAFT, S.RETURNED})
# The researcher may withdraw until the request is confirmed.
WITHDRAWABLE = [
    S.DRAFT,
    S.SUBMITTED,
    S.ASSIGNED,
    S.PROCESSING,
    S.RETURNED,
    S.DATATEAM_REVIEW,
    S.RESEARCHER_CONFIRMATION,
]
OPEN_FOR_DECISION = [S.SUBMITTED, S.ASSIGNED, S.PROCESSING]

# The nine sections of the processing document (screenshot 3a).
DOCUMENT_SECTIONS = [
    ("description", _("Project description")),
    ("legitimacy", _("Legitimacy")),
    ("purpose", _("Purpose and relevance of the available data")),
    ("proportionality", _("Proportionality of the variables")),
    ("external_data", _("External data")),
    ("protection", _("Global protection measures")),
    ("pseudonymisation", _("Pseudonymisation procedure")),
    ("desktop", _("Virtual desktop considerations")),
    ("sources", _("Sources for extraction")),
]
SECTION_KEYS = [key for key, _label in DOCUMENT_SECTIONS]


# --- conditions: small, side-effect-free callables -------------------------------------------


def has_variables(request: DataRequest) -> bool:
    """At least one variable is requested."""
    return request.variables.exists()


def every_variable_decided(request: DataRequest) -> bool:
    """Every variable has a typed outcome."""
    return not request.variables.filter(outcome="").exists()


def has_approved_variable(request: DataRequest) -> bool:
    """Something is left to deliver (otherwise the request is rejected or reclassified)."""
    return request.variables.filter(outcome__in=["approved", "approved_other"]).exists()


def eligibility_positive(request: DataRequest) -> bool:
    """The three eligibility questions are answered yes (seed 000, step 5)."""
    return bool(request.needs_microdata and request.is_legitimate and request.is_statistical)


def has_assigned_expert(request: DataRequest) -> bool:
    """Someone coordinates the request."""
    return request.expert_id is not None


class DataRequestQuerySet(models.QuerySet):
    def in_states(self, *states: str) -> DataRequestQuerySet:
        return self.filter(state__in=[str(s) for s in states])


class DataRequest(ConcurrentTransitionMixin, models.Model):
    """A researcher's request for microdata: one project, versioned on each return."""

    reference = models.CharField(_("reference"), max_length=40, unique=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    state = FSMField(_("state"), max_length=32, choices=State.choices, default=State.DRAFT, protected=True)
    researcher = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("researcher"),
        on_delete=models.PROTECT,
        related_name="data_requests",
    )
    organisation = models.ForeignKey(
        "accounts.Organisation",
        verbose_name=_("organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_requests",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="team_requests",
        verbose_name=_("team members who need a desktop account"),
    )
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("expert"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requests",
    )
    domain = models.CharField(_("primary domain"), max_length=32, choices=Domain.choices, blank=True)
    other_domains = models.JSONField(_("other domains"), default=list, blank=True)
    project = models.OneToOneField(
        "projects.Project",
        verbose_name=_("project"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="data_request",
    )

    # -- step 1: the project ---------------------------------------------------------------
    acronym = models.CharField(_("project acronym"), max_length=40)
    title = models.CharField(_("project title"), max_length=300, blank=True)
    start_date = models.DateField(_("project start date"), null=True, blank=True)
    end_date = models.DateField(_("project end date"), null=True, blank=True)
    research_problem = models.TextField(_("research problem"), blank=True, help_text=_("600 words at most."))
    population = models.TextField(_("population concerned"), blank=True)
    period_from = models.DateField(_("data from (month)"), null=True, blank=True)
    period_to = models.DateField(_("data until (month)"), null=True, blank=True)
    # -- step 2: eligibility ---------------------------------------------------------------
    purpose = models.TextField(_("statistical or scientific purpose"), blank=True)
    microdata_need = models.TextField(_("why microdata are needed"), blank=True)
    experience = models.TextField(_("the researchers' experience with personal data"), blank=True)
    # -- step 3: team, external data, software --------------------------------------------
    external_data = models.TextField(_("external data to be linked"), blank=True)
    external_legal_basis = models.TextField(
        _("legal basis of the external data"), blank=True, help_text=_("e.g. the survey respondents' consent")
    )
    software = models.TextField(_("software needed in the desktop"), blank=True)
    draft_step = models.CharField(_("last step saved"), max_length=20, blank=True)

    # -- the expert's processing -------------------------------------------------------------
    needs_microdata = models.BooleanField(_("the project needs microdata"), null=True, blank=True)
    needs_microdata_comment = models.TextField(_("comment"), blank=True)
    is_legitimate = models.BooleanField(_("it is legitimate for this researcher"), null=True, blank=True)
    is_legitimate_comment = models.TextField(_("comment"), blank=True)
    is_statistical = models.BooleanField(_("the purpose is purely statistical"), null=True, blank=True)
    is_statistical_comment = models.TextField(_("comment"), blank=True)
    field_of_study = models.TextField(
        _("field of study"), blank=True, help_text=_("e.g. private-sector employees only")
    )
    field_filters = models.JSONField(_("field of study filters"), default=list, blank=True)
    approved_period_from = models.DateField(_("approved period from"), null=True, blank=True)
    approved_period_to = models.DateField(_("approved period until"), null=True, blank=True)
    sample_fraction = models.DecimalField(
        _("sample fraction"),
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        help_text=_("Empty: the full population. Otherwise a random sample of persons (e.g. 0.1)."),
    )
    sample_seed = models.PositiveIntegerField(_("sample seed"), null=True, blank=True)
    sample_justification = models.TextField(_("why a sample"), blank=True)
    pseudonymised_variables = models.JSONField(
        _("variables pseudonymised as a protection measure"),
        default=list,
        blank=True,
        help_text=_('"REGISTER.variable" items, e.g. the zipcode'),
    )
    double_pseudonymised_registers = models.JSONField(
        _("registers pseudonymised with a second key"), default=list, blank=True
    )
    derived_indicators = models.JSONField(_("derived indicators"), default=list, blank=True)
    other_measures = models.TextField(_("other protection measures"), blank=True)
    document = models.JSONField(_("processing document"), default=dict, blank=True)
    decision_note = models.TextField(
        _("decision note"),
        blank=True,
        help_text=_("Why the request was rejected, reclassified, returned or revoked."),
    )
    is_amendment = models.BooleanField(_("amendment in progress"), default=False)

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    validated_at = models.DateTimeField(_("validated by the datateam at"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("validated by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.reference or '—'} {self.acronym}"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        if not self.reference:
            # The primary key makes the reference unique without a counter to lock.
            self.reference = f"ASK-{self.created_at:%Y}-{self.pk:04d}"
            type(self).objects.filter(pk=self.pk).update(reference=self.reference)

    # -- reads -----------------------------------------------------------------------------
    @property
    def all_domains(self) -> list[str]:
        return [d for d in [self.domain, *self.other_domains] if d]

    @property
    def is_editable_by_researcher(self) -> bool:
        return self.state in EDITABLE_BY_RESEARCHER

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    def variable_domains(self) -> Counter:
        return Counter(
            rv.variable.register.domain for rv in self.variables.select_related("variable__register")
        )

    def section(self, key: str) -> str:
        return (self.document or {}).get(key, "")

    @property
    def effective_period(self) -> tuple[datetime.date | None, datetime.date | None]:
        return (self.approved_period_from or self.period_from, self.approved_period_to or self.period_to)

    # -- transitions ---------------------------------------------------------------------------
    @transition(
        field=state, source=S.DRAFT, target=S.SUBMITTED, conditions=[has_variables], permission=perms.OWNER
    )
    def submit(self) -> None:
        """The researcher submits the completed form: it is locked against their edits."""
        self.submitted_at = timezone.now()

    @transition(field=state, source=S.SUBMITTED, target=S.ASSIGNED, permission=perms.DOMAIN_EXPERT)
    def assign(self, expert) -> None:
        """An expert of the request's domain coordinates it (automatic: the least loaded)."""
        self.expert = expert
        self.assigned_at = timezone.now()

    @transition(
        field=state,
        source=[S.ASSIGNED, S.PROCESSING],
        target=RETURN_VALUE(S.ASSIGNED, S.PROCESSING),
        permission=perms.ASSIGNED_EXPERT,
        custom={"keeps_state": True},
    )
    def hand_over(self, expert) -> str:
        """The expert hands the request over to a colleague, who sees the whole history."""
        self.expert = expert
        self.assigned_at = timezone.now()
        return self.state

    @transition(
        field=state,
        source=[S.ASSIGNED, S.PROCESSING],
        target=RETURN_VALUE(S.ASSIGNED, S.PROCESSING),
        permission=perms.DOMAIN_EXPERT,
        custom={"keeps_state": True},
    )
    def take(self, expert) -> str:
        """An expert of another of the request's domains takes over the coordination."""
        self.expert = expert
        self.assigned_at = timezone.now()
        return self.state

    @transition(
        field=state,
        source=S.ASSIGNED,
        target=S.PROCESSING,
        conditions=[has_assigned_expert],
        permission=perms.ASSIGNED_EXPERT,
    )
    def start_processing(self) -> None:
        """The expert starts the eligibility and proportionality analysis."""

    @transition(field=state, source=S.PROCESSING, target=S.RETURNED, permission=perms.ASSIGNED_EXPERT)
    def return_to_researcher(self, note: str = "") -> None:
        """The description is too imprecise: the researcher completes it (a new version follows)."""
        self.decision_note = note

    @transition(
        field=state,
        source=S.RETURNED,
        target=S.PROCESSING,
        conditions=[has_variables],
        permission=perms.OWNER,
    )
    def resubmit(self) -> None:
        """The researcher sends the completed request back: it becomes the next version."""
        self.version += 1
        self.submitted_at = timezone.now()

    @transition(field=state, source=OPEN_FOR_DECISION, target=S.REJECTED, permission=perms.ASSIGNED_EXPERT)
    def reject(self, note: str = "") -> None:
        """A negative eligibility answer: the request is refused."""
        self.decision_note = note
        self.decided_at = timezone.now()

    @transition(
        field=state, source=OPEN_FOR_DECISION, target=S.RECLASSIFIED, permission=perms.ASSIGNED_EXPERT
    )
    def reclassify(self, note: str = "") -> None:
        """Microdata are not needed: the experts produce aggregate statistics instead."""
        self.decision_note = note
        self.decided_at = timezone.now()

    @transition(field=state, source=WITHDRAWABLE, target=S.WITHDRAWN, permission=perms.OWNER)
    def withdraw(self, note: str = "") -> None:
        """The researcher withdraws the request before confirming it."""
        self.decision_note = note

    @transition(
        field=state,
        source=S.PROCESSING,
        target=S.DATATEAM_REVIEW,
        conditions=[eligibility_positive, every_variable_decided, has_approved_variable],
        permission=perms.ASSIGNED_EXPERT,
    )
    def send_to_datateam(self) -> None:
        """The processing document goes to the datateam's peer review."""

    @transition(
        field=state, source=S.DATATEAM_REVIEW, target=S.PROCESSING, permission=perms.FOUR_EYES_DATATEAM
    )
    def send_back(self) -> None:
        """The datateam sends the analysis back to the expert with comments."""

    @transition(
        field=state,
        source=S.DATATEAM_REVIEW,
        target=S.RESEARCHER_CONFIRMATION,
        permission=perms.FOUR_EYES_DATATEAM,
    )
    def validate(self, by) -> None:
        """Four eyes: a datateam member other than the expert validates the processing."""
        self.validated_at = timezone.now()
        self.validated_by = by

    @transition(field=state, source=S.RESEARCHER_CONFIRMATION, target=S.PROCESSING, permission=perms.OWNER)
    def flag_decisions(self) -> None:
        """The researcher flags decisions that make the project impossible: back to the expert."""

    @transition(
        field=state,
        source=S.RESEARCHER_CONFIRMATION,
        target=RETURN_VALUE(S.CONFIRMED, S.ACTIVE),
        permission=perms.OWNER,
    )
    def confirm(self) -> str:
        """The researcher confirms: the list of variables is closed (an amendment returns to active)."""
        self.confirmed_at = timezone.now()
        if self.is_amendment:
            self.is_amendment = False
            return S.ACTIVE
        self.decided_at = self.decided_at or timezone.now()
        return S.CONFIRMED

    # -- the implementation phase (driven by requests_app.implementation.services) ---------
    @transition(field=state, source=S.CONFIRMED, target=S.IMPLEMENTATION, permission=perms.ASSIGNED_EXPERT)
    def start_implementation(self) -> None:
        """Roles are allocated: desktop, extraction and contract run side by side."""

    @transition(field=state, source=S.IMPLEMENTATION, target=S.FINALISED, permission=perms.ASSIGNED_EXPERT)
    def finalise(self) -> None:
        """Every implementation task is validated and the contract is signed."""

    @transition(field=state, source=S.FINALISED, target=S.ACTIVE, permission=perms.ASSIGNED_EXPERT)
    def activate(self) -> None:
        """The researchers are given access to their desktop."""

    @transition(field=state, source=S.ACTIVE, target=S.CLOSED, permission=perms.ASSIGNED_EXPERT)
    def close(self, note: str = "") -> None:
        """The project ends: access removed, key material destroyed."""
        if note:
            self.decision_note = note

    @transition(
        field=state,
        source=[S.IMPLEMENTATION, S.FINALISED, S.ACTIVE],
        target=S.REVOKED,
        permission=perms.ADMINISTRATOR,
    )
    def revoke(self, note: str = "") -> None:
        """A breach: access ends at once."""
        self.decision_note = note

    @transition(field=state, source=S.ACTIVE, target=S.PROCESSING, permission=perms.OWNER_OR_EXPERT)
    def start_amendment(self) -> None:
        """An active project's extension or added variable: a new version, processed again."""
        self.is_amendment = True
        self.version += 1


class StateChange(models.Model):
    """One row per transition: the history, the time-in-state counter and the dashboards' data."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="state_changes")
    transition = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from"), max_length=32, choices=State.choices)
    to_state = models.CharField(_("to"), max_length=32, choices=State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    comment = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_state} → {self.to_state}"


class RequestVersion(models.Model):
    """What the researcher submitted, frozen at each (re)submission: v1, v2… and what changed."""

    request = models.ForeignKey(DataRequest, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("request version")
        verbose_name_plural = _("request versions")
        ordering = ["request", "number"]
        constraints = [models.UniqueConstraint(fields=["request", "number"], name="unique_request_version")]

    def __str__(self) -> str:
        return f"{self.request} v{self.number}"


# django-guardian direct foreign-key permission models.
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase  # noqa: E402


class DataRequestUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey(DataRequest, on_delete=models.CASCADE)


class DataRequestGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(DataRequest, on_delete=models.CASCADE)
