"""``manage.py sdc_check SPEC.json``: check one statistical output and print the verdict as JSON.

The format is documented in ``docs/sdc-spec.md``. A wrong spec is reported on stderr with a non-zero
exit status.
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from outputs.sdc import SDCParams, SpecError, run_spec
from outputs.sdc.spec import load_spec_file


class Command(BaseCommand):
    help = "Check a statistical output described by a JSON spec; print one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("spec", help="path to the spec (JSON)")
        parser.add_argument("--with-table", action="store_true", help="include the whole table in the output")
        parser.add_argument("--indent", type=int, default=None)

    def handle(self, *args, **options):
        spec_path = Path(options["spec"])
        try:
            spec = load_spec_file(spec_path)
            result = run_spec(spec, base_dir=spec_path.resolve().parent, params=SDCParams.from_settings())
        except SpecError as exc:
            raise CommandError(f"invalid spec {spec_path}: {exc}") from exc
        data = result.as_dict()
        data.pop("i18n")  # the texts' translatable forms, for the pages: the command prints the texts
        if not options["with_table"]:
            data.pop("table", None)
        self.stdout.write(json.dumps(data, indent=options["indent"], ensure_ascii=False))
