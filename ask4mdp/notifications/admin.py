from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "event", "subject", "read_at", "emailed_at"]
    list_filter = ["event", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["recipient__email", "subject"]
    readonly_fields = ["recipient", "event", "subject", "body", "url", "created_at", "read_at", "emailed_at"]
