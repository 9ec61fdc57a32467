from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ask4mdp.audit"
    label = "audit"
