"""Django admin for the implementation phase: contract templates, contracts, breaches, and the
administrators' "revoke after a breach" action (it opens the breach page, which records the
breach, revokes the project for the whole team and applies the sanctions).

Imported by ``requests_app/admin.py`` (Django's autodiscovery only looks there).
"""

from django.contrib import admin, messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from requests_app.models import State

from .models import (
    Breach,
    Contract,
    ContractSignature,
    ContractTemplate,
    Desktop,
    ImplementationTask,
    ImplementedRequest,
    ProvisioningStep,
    RoleAssignment,
)


def _is_administrator(request) -> bool:
    from .services import is_administrator

    return request.user.is_active and request.user.is_staff and is_administrator(request.user)


class AdministratorsMixin:
    """The administrator *role* manages these screens (Django's model permissions are not handed out
    for them); each admin class still refuses what nobody may do (adding a breach by hand…)."""

    def has_module_permission(self, request):
        return _is_administrator(request) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return _is_administrator(request) or super().has_view_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_administrator(request) or super().has_change_permission(request, obj)


@admin.register(ContractTemplate)
class ContractTemplateAdmin(AdministratorsMixin, admin.ModelAdmin):
    list_display = ["name", "org_type", "for_sponsored", "language", "is_active"]
    list_filter = ["is_active", "org_type", "for_sponsored"]
    search_fields = ["name", "clauses"]

    def has_add_permission(self, request):
        return _is_administrator(request) or super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return _is_administrator(request) or super().has_delete_permission(request, obj)


class ContractSignatureInline(admin.TabularInline):
    model = ContractSignature
    extra = 0
    can_delete = False
    readonly_fields = ["party", "signer_name", "file", "sha256", "size", "uploaded_by", "uploaded_at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Contract)
class ContractAdmin(AdministratorsMixin, admin.ModelAdmin):
    list_display = ["request", "number", "request_version", "status", "generated_at", "sent_at", "signed_at"]
    list_filter = ["status"]
    search_fields = ["request__reference", "request__acronym"]
    readonly_fields = [
        "request",
        "number",
        "request_version",
        "template",
        "data",
        "docx",
        "pdf",
        "docx_sha256",
        "pdf_sha256",
        "error",
        "created_at",
        "generated_at",
        "sent_at",
        "signed_at",
    ]
    exclude = ["status"]
    inlines = [ContractSignatureInline]

    def has_add_permission(self, request):
        return False


@admin.register(Breach)
class BreachAdmin(AdministratorsMixin, admin.ModelAdmin):
    list_display = [
        "project",
        "request",
        "recorded_at",
        "recorded_by",
        "exclusion_until",
        "organisation_withdrawn_until",
    ]
    readonly_fields = [
        "project",
        "request",
        "description",
        "persons",
        "exclusion_until",
        "organisation_withdrawn_until",
        "blocked_requests",
        "recorded_by",
        "recorded_at",
    ]

    def has_add_permission(self, request):
        return False  # a breach is recorded through the breach page, which also revokes and sanctions

    def has_delete_permission(self, request, obj=None):
        return False


class ProvisioningStepInline(admin.TabularInline):
    model = ProvisioningStep
    extra = 0
    readonly_fields = ["action", "done", "performed_by", "at", "note", "data"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Desktop)
class DesktopAdmin(AdministratorsMixin, admin.ModelAdmin):
    list_display = ["name", "project", "provisioner", "status", "ready_at", "access_removed_at"]
    list_filter = ["status", "provisioner"]
    readonly_fields = [
        "project",
        "name",
        "provisioner",
        "software",
        "status",
        "created_at",
        "ready_at",
        "access_removed_at",
    ]
    inlines = [ProvisioningStepInline]


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "request"
    extra = 0
    readonly_fields = ["role", "user", "assigned_by", "assigned_at"]

    def has_add_permission(self, request, obj=None):
        return False


class TaskInline(admin.TabularInline):
    model = ImplementationTask
    extra = 0
    fields = ["kind", "status", "owner", "started_at", "validated_at", "validated_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ImplementedRequest)
class ImplementedRequestAdmin(AdministratorsMixin, admin.ModelAdmin):
    list_display = ["reference", "acronym", "state", "researcher", "expert", "project"]
    list_filter = ["state"]
    search_fields = ["reference", "acronym", "researcher__email"]
    fields = [
        "reference",
        "acronym",
        "title",
        "state",
        "researcher",
        "expert",
        "project",
        "start_date",
        "end_date",
    ]
    readonly_fields = fields
    inlines = [RoleAssignmentInline, TaskInline]
    actions = ["revoke_after_breach"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(
                state__in=[State.IMPLEMENTATION, State.FINALISED, State.ACTIVE, State.REVOKED, State.CLOSED]
            )
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Revoke after a breach (the whole team, at once)"))
    def revoke_after_breach(self, request, queryset):
        open_ones = list(queryset.filter(state__in=[State.IMPLEMENTATION, State.FINALISED, State.ACTIVE])[:2])
        if len(open_ones) != 1:
            self.message_user(
                request,
                _("Choose exactly one open project: each breach is recorded separately."),
                messages.ERROR,
            )
            return None
        return redirect("requests_app:implementation_breach", pk=open_ones[0].pk)
