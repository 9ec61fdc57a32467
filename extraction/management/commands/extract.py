import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from ask4mdp.projects.models import Project
from extraction import engine
from pseudonym.services import KeyDestroyed, ProjectKeyMissing, project_key_ensure, pseudonymise_distinct


class Command(BaseCommand):
    help = "Run the extraction engine on a manifest, outside the web flow (operators, benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--manifest", required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--warehouse", default=None, help="default: settings.WAREHOUSE_DIR")
        parser.add_argument("--project-ref", default=None, help="default: the manifest's project reference")
        parser.add_argument(
            "--create-key",
            action="store_true",
            help="create the project's key if it has none yet (audited as the system)",
        )

    def handle(self, *args, manifest, out, warehouse, project_ref, create_key, **options):
        try:
            data = json.loads(Path(manifest).read_text())
        except FileNotFoundError:
            raise CommandError(f"no manifest file {manifest}") from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"{manifest}: not JSON ({exc})") from None
        try:
            engine.validate_manifest(data)
        except engine.ManifestInvalid as exc:
            raise CommandError(str(exc)) from None
        ref = project_ref or data["project"]["reference"]
        project = Project.objects.filter(reference=ref).first()
        if project is None:
            raise CommandError(f"no project {ref}: its key decides the pseudonyms")
        if create_key:
            project_key_ensure(project=project, actor=None)

        def pseudonymise(domain, stage, values):
            return pseudonymise_distinct(project=project, domain=domain, values=values, stage=stage)

        def progress(value, step):
            self.stdout.write(f"{value:3d} % {step}")

        try:
            result = engine.run(
                data,
                warehouse=Path(warehouse or settings.WAREHOUSE_DIR),
                out_dir=Path(out),
                pseudonymise=pseudonymise,
                memory_limit=settings.EXTRACTION_MEMORY_LIMIT,
                threads=settings.EXTRACTION_THREADS,
                progress=progress,
            )
        except (engine.ManifestInvalid, KeyDestroyed, ProjectKeyMissing, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from None
        for f in result.files:
            self.stdout.write(f"{f.sha256}  {f.name}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.rows:,} rows delivered to {result.out_dir} in {result.seconds:.1f} s"
            )
        )
