from django.contrib import admin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Browse and filter the log; nobody can add, change or delete an event."""

    list_display = ["id", "timestamp", "actor_repr", "action", "object_type", "object_repr"]
    list_filter = ["action", "object_type", ("timestamp", admin.DateFieldListFilter)]
    search_fields = ["action", "actor_repr", "object_repr", "object_id"]
    date_hierarchy = "timestamp"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
