import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from extraction.warehouse import default_dictionary_path, generate


class Command(BaseCommand):
    help = (
        "Generate the synthetic register warehouse (deterministic for a seed; streams by chunks of persons)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--persons", type=int, default=3000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--out", default=None, help="default: settings.WAREHOUSE_DIR")
        parser.add_argument("--chunk-size", type=int, default=50_000)
        parser.add_argument("--registers", default="", help="comma-separated register codes (default: all)")
        parser.add_argument("--dictionary", default=None, help="default: fixtures/dictionary.yaml")

    def handle(self, *args, persons, seed, out, chunk_size, registers, dictionary, **options):
        if persons < 1:
            raise CommandError("--persons must be at least 1")
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1")
        out = Path(out or settings.WAREHOUSE_DIR)
        dictionary_path = Path(dictionary) if dictionary else default_dictionary_path()
        if dictionary and not dictionary_path.exists():
            raise CommandError(f"no dictionary file {dictionary_path}")
        started = time.monotonic()
        meta = generate(
            out,
            persons=persons,
            seed=seed,
            chunk_size=chunk_size,
            registers=[r.strip() for r in registers.split(",") if r.strip()] or None,
            dictionary_path=dictionary_path,
            progress=lambda m: self.stdout.write(m),
        )
        for code, reg in meta["registers"].items():
            self.stdout.write(f"{code}: {reg['rows']:,} rows")
        self.stdout.write(
            self.style.SUCCESS(f"warehouse written to {out} in {time.monotonic() - started:.1f} s")
        )
