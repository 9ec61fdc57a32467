"""Demo data: the demo dictionary of ``fixtures/dictionary.yaml``.

The import is declarative and idempotent: loading it again changes nothing (and says so).
"""

from django.conf import settings

from .importer import import_dictionary

FIXTURE = settings.BASE_DIR / "fixtures" / "dictionary.yaml"


def load(*, stdout) -> None:
    result = import_dictionary(FIXTURE)
    stdout.write(f"  {result.summary() if result.changed else 'dictionary already up to date'}")
