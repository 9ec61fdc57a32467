from django.apps import AppConfig


class PseudonymConfig(AppConfig):
    name = "pseudonym"
