from django.contrib import admin

from .models import Project, ProjectMember


class ProjectMemberInline(admin.TabularInline):
    model = ProjectMember
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["reference", "acronym", "organisation", "status", "start", "end"]
    list_filter = ["status", "organisation"]
    search_fields = ["reference", "acronym", "title"]
    inlines = [ProjectMemberInline]
    readonly_fields = ["opened_at", "ended_at", "created_at"]
