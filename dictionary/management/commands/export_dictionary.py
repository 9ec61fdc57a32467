"""``manage.py export_dictionary FILE``: write the whole dictionary as one YAML file (``-`` for stdout)."""

from django.core.management.base import BaseCommand

from dictionary.importer import dump_dictionary, export_dictionary


class Command(BaseCommand):
    help = "Export the data dictionary as one human-editable YAML file (the format import_dictionary reads)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write it; '-' writes to standard output")

    def handle(self, *args, file, **options):
        if file == "-":
            self.stdout.write(dump_dictionary(), ending="")
            return
        path = export_dictionary(file)
        self.stdout.write(f"dictionary written to {path}")
