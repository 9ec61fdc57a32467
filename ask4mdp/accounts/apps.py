from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AccountsConfig(AppConfig):
    name = "ask4mdp.accounts"
    label = "accounts"

    def ready(self):
        from . import roles

        # After every migrate (and every flush of a test database): the role groups exist and the
        # administrators' group may manage people and organisations in Django admin.
        post_migrate.connect(roles.ensure_role_groups, dispatch_uid="accounts.ensure_role_groups")
