from django.contrib import admin

from .models import ProjectKey


@admin.register(ProjectKey)
class ProjectKeyAdmin(admin.ModelAdmin):
    """Read-only: keys are created and destroyed by services, never edited by hand."""

    list_display = ["project", "version", "created_at", "destroyed_at"]
    list_filter = ["destroyed_at"]
    fields = ["project", "version", "created_at", "destroyed_at", "destroyed_reason"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
