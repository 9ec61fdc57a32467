"""``manage.py synthesize --input FILE --output FILE --report DIR [--seed S] [--target VAR]``."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from synthetic import pipeline


def _names(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


class Command(BaseCommand):
    help = (
        "Write a synthetic version of a CSV/Parquet/Stata file (sequential CART, synthpop style) and its "
        "utility and privacy report (report.json, report.pdf). SYNTHETIC — NOT VALID FOR INFERENCE."
    )

    def add_arguments(self, parser):
        parser.add_argument("--input", required=True, help="the real data: .csv, .parquet or .dta")
        parser.add_argument(
            "--output", required=True, help="the synthetic file, in the same format as the input"
        )
        parser.add_argument(
            "--report", required=True, help="folder for report.json, report.pdf and the figures"
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--target", help="target variable of the DiSCO disclosure measure")
        parser.add_argument(
            "--quasi-identifiers", help="comma-separated keys (default: guessed from the names)"
        )
        parser.add_argument("--outcome", help="outcome of the regression whose CI overlap is reported")
        parser.add_argument("--predictors", help="comma-separated predictors of that regression")
        parser.add_argument("--min-leaf", type=int, default=settings.SYNTHETIC.get("min_leaf_size", 20))
        parser.add_argument("--permutations", type=int, default=settings.SYNTHETIC.get("permutations", 20))

    def handle(self, *args, **options):
        source, output = Path(options["input"]), Path(options["output"])
        try:
            if pipeline.file_format(source) != pipeline.file_format(output):
                raise CommandError(f"--output must have the same format as --input ({source.suffix})")
            if options["min_leaf"] < 1 or options["permutations"] < 1:
                raise CommandError("--min-leaf and --permutations must be at least 1")
            df = pipeline.read_table(source)
            synthetic, report = pipeline.run_synthesis(
                df,
                report_dir=Path(options["report"]),
                seed=options["seed"],
                target=options["target"],
                quasi_identifiers=_names(options["quasi_identifiers"]),
                regression_outcome=options["outcome"],
                regression_predictors=_names(options["predictors"]),
                min_leaf_size=options["min_leaf"],
                permutations=options["permutations"],
                settings_synthetic=settings.SYNTHETIC,
                title=f"Synthetic version of {source.name}",
            )
            pipeline.write_table(synthetic, output)
        except pipeline.InputError as exc:
            raise CommandError(str(exc)) from exc
        summary = {k: report[k] for k in ("pMSE", "S_pMSE", "exact_copies", "exact_copies_holdout")}
        self.stdout.write(
            f"{len(synthetic)} synthetic records written to {output} (seed {options['seed']}) — "
            "SYNTHETIC, NOT VALID FOR INFERENCE"
        )
        for t in report["thresholds"]:
            self.stdout.write(
                f"{t['name']}: {t['value']:.4f} ({t['status']}, threshold {t['threshold']:.4f})"
            )
        self.stdout.write(json.dumps(summary))
