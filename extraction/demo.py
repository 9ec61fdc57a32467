"""Demo data: a small register warehouse (3,000 persons, seed 42) if there is none."""

from pathlib import Path

from django.conf import settings

from .warehouse import default_dictionary_path, generate

DEMO_PERSONS = 3000
DEMO_SEED = 42


def load(*, stdout) -> None:
    target = Path(settings.WAREHOUSE_DIR)
    if (target / "_warehouse.json").exists():
        stdout.write(f"extraction: warehouse already in {target}")
        return
    meta = generate(
        target,
        persons=DEMO_PERSONS,
        seed=DEMO_SEED,
        chunk_size=DEMO_PERSONS,
        dictionary_path=default_dictionary_path(),
    )
    rows = sum(r["rows"] for r in meta["registers"].values())
    stdout.write(f"extraction: generated a warehouse of {DEMO_PERSONS} persons ({rows:,} rows) in {target}")
