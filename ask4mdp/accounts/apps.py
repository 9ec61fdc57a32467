from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ask4mdp.accounts"
    label = "accounts"
