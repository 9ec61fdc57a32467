"""Write docs/permission-matrix.md and docs/fsm.md from the code (``--check``: fail when they differ)."""

from django.core.management.base import BaseCommand, CommandError

from requests_app.docgen import outputs


class Command(BaseCommand):
    help = "Generate the permission matrix and the FSM diagram of the request life cycle into docs/."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="Fail when the committed files differ.")

    def handle(self, *args, check: bool = False, **options):
        stale = []
        for path, text in outputs().items():
            current = path.read_text() if path.exists() else None
            if current == text:
                continue
            if check:
                stale.append(path.name)
            else:
                path.write_text(text)
                self.stdout.write(f"wrote {path}")
        if stale:
            raise CommandError(f"out of date (run manage.py generate_docs): {', '.join(stale)}")
