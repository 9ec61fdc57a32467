"""``manage.py import_dictionary FILE``: validate the whole file, then import it in one transaction."""

from django.core.management.base import BaseCommand, CommandError

from dictionary.importer import DictionaryFileError, import_dictionary


class Command(BaseCommand):
    help = "Import the data dictionary from one YAML file (all or nothing; importing twice changes nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the dictionary file, e.g. fixtures/dictionary.yaml")

    def handle(self, *args, file, **options):
        try:
            result = import_dictionary(file)
        except DictionaryFileError as exc:
            for line in exc.lines():
                self.stderr.write(line)
            raise CommandError(f"{file}: {len(exc.problems)} problem(s); nothing was imported") from None
        self.stdout.write(result.summary())
