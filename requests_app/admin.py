"""Django admin: read-mostly views of requests, and the archive with a hash re-check action."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from ask4mdp.audit.services import log_event

from .models import ArchivedDocument, DataRequest, Manifest, RequestVariable, StateChange


class StateChangeInline(admin.TabularInline):
    model = StateChange
    extra = 0
    can_delete = False
    readonly_fields = ["transition", "from_state", "to_state", "actor", "at", "comment", "version"]

    def has_add_permission(self, request, obj=None):
        return False


class RequestVariableInline(admin.TabularInline):
    model = RequestVariable
    extra = 0
    can_delete = False
    fields = ["variable", "justification", "wants_change", "outcome", "approved_granularity"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DataRequest)
class DataRequestAdmin(admin.ModelAdmin):
    """States change only through the services: the admin shows, it does not transition."""

    list_display = [
        "reference",
        "acronym",
        "state",
        "version",
        "researcher",
        "expert",
        "domain",
        "submitted_at",
    ]
    list_filter = ["state", "domain"]
    search_fields = ["reference", "acronym", "title", "researcher__email"]
    readonly_fields = [
        "reference",
        "state",
        "version",
        "researcher",
        "expert",
        "project",
        "submitted_at",
        "confirmed_at",
        "validated_at",
        "validated_by",
    ]
    inlines = [RequestVariableInline, StateChangeInline]


@admin.action(description=_("Re-check the SHA-256 of the selected files"))
def recheck_hash(modeladmin, request, queryset):
    broken = [doc for doc in queryset if not doc.is_intact()]
    log_event(
        "archive.verified",
        actor=request.user,
        data={"checked": queryset.count(), "broken": [d.pk for d in broken]},
    )
    if broken:
        modeladmin.message_user(
            request,
            _("Altered or missing: %(files)s") % {"files": ", ".join(d.path for d in broken)},
            messages.ERROR,
        )
    else:
        modeladmin.message_user(
            request,
            ngettext("%(n)d file intact.", "%(n)d files intact.", queryset.count()) % {"n": queryset.count()},
            messages.SUCCESS,
        )


@admin.register(ArchivedDocument)
class ArchivedDocumentAdmin(admin.ModelAdmin):
    list_display = ["request", "kind", "version", "path", "sha256", "size", "created_at"]
    list_filter = ["kind"]
    readonly_fields = ["request", "kind", "version", "path", "sha256", "size", "created_at", "created_by"]
    actions = [recheck_hash]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Manifest)
class ManifestAdmin(admin.ModelAdmin):
    list_display = ["request", "version", "sha256", "created_at"]
    readonly_fields = ["request", "version", "data", "sha256", "created_at"]

    def has_add_permission(self, request):
        return False


# The implementation phase registers its own models (autodiscovery imports only this module).
from requests_app.implementation import admin as implementation_admin  # noqa: E402, F401
