from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "ask4mdp.ui"
    label = "ui"
