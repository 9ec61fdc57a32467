"""Load the demo data of every app, in dependency order, and print one demo login per role.

Each app that has demo data provides ``<app>/demo.py`` with ``load(*, stdout)``; the order is
``settings.ASK4MDP_DEMO_LOADERS``. Loading twice changes nothing.
"""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Load the demo organisations, users, dictionary, warehouse, requests and outputs."

    def handle(self, *args, **options):
        if not (settings.EMBEDDED or settings.DEBUG):
            raise CommandError("demo data is for the embedded default only (ASK4MDP_EMBEDDED=1)")
        logins = []
        for module_name in settings.ASK4MDP_DEMO_LOADERS:
            module = importlib.import_module(module_name)
            self.stdout.write(f"• {module_name}")
            result = module.load(stdout=self.stdout)
            if module_name.endswith("accounts.demo") and result:
                logins = result
        if logins:
            self.stdout.write("")
            self.stdout.write(self.style.SUCCESS("Demo logins (one per role):"))
            width = max(len(str(role)) for role, _, _ in logins)
            for role, email, password in logins:
                self.stdout.write(f"  {str(role):<{width}}  {email:<32} {password}")
            self.stdout.write("")
