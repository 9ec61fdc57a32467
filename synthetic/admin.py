from django.contrib import admin

from .models import LinkageRun, SyntheticDataset


@admin.register(SyntheticDataset)
class SyntheticDatasetAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "source", "seed", "status", "progress", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["report", "output_request", "created_by", "started_at", "finished_at"]


@admin.register(LinkageRun)
class LinkageRunAdmin(admin.ModelAdmin):
    list_display = ["pk", "project", "source", "seed", "status", "progress", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["report", "created_by", "started_at", "finished_at"]
