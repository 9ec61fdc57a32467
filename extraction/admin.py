from django.contrib import admin

from .models import Extraction, ExtractionGrant


@admin.register(Extraction)
class ExtractionAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "status", "progress", "rows", "created_at", "finished_at"]
    list_filter = ["status"]
    search_fields = ["project__reference"]
    readonly_fields = [f.name for f in Extraction._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ExtractionGrant)
class ExtractionGrantAdmin(admin.ModelAdmin):
    list_display = ["project", "user", "capacity", "granted_at"]
    list_filter = ["capacity"]
    search_fields = ["project__reference", "user__email"]
