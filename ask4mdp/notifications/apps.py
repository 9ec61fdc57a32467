from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "ask4mdp.notifications"
    label = "notifications"
