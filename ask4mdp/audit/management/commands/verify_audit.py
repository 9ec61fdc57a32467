from django.core.management.base import BaseCommand, CommandError

from ask4mdp.audit.models import AuditEvent
from ask4mdp.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain; exits non-zero when an event was edited or deleted."

    def handle(self, *args, **options):
        problems = list(verify_chain())
        for problem in problems:
            self.stderr.write(problem)
        if problems:
            raise CommandError(f"the audit chain is broken: {len(problems)} problem(s)")
        self.stdout.write(self.style.SUCCESS(f"audit chain intact: {AuditEvent.objects.count()} events"))
