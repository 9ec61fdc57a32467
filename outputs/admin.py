from django.contrib import admin

from .models import ApiToken, InputFile, OutputFile, OutputRequest, ReleasedTable, ReleaseLogEntry


class OutputFileInline(admin.TabularInline):
    model = OutputFile
    fields = ["name", "kind", "check_status", "decision", "decided_by", "decided_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(OutputRequest)
class OutputRequestAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "title", "created_by", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["title", "project__reference"]
    inlines = [OutputFileInline]
    readonly_fields = ["status"]


@admin.register(ReleaseLogEntry)
class ReleaseLogEntryAdmin(admin.ModelAdmin):
    """The release log: read only, browsable and searchable; the CSV export is at /projects/release-log/."""

    list_display = ["at", "user", "project", "file_name", "sha256", "released"]
    list_filter = ["released", "project"]
    search_fields = ["file_name", "user__email", "project__reference", "sha256"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "project", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = ["prefix", "token_hash", "user", "project", "created_at", "last_used_at"]
    exclude = []


@admin.register(InputFile)
class InputFileAdmin(admin.ModelAdmin):
    list_display = ["original_name", "project", "status", "uploaded_by", "created_at", "validated_at"]
    list_filter = ["status"]
    readonly_fields = ["sha256", "delivered_sha256", "delivered_path", "profile", "identifiers", "treatment"]


admin.site.register(ReleasedTable)
