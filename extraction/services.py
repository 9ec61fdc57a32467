"""Extractions: start one (web) and run one (extraction worker)."""

import hashlib
import json
import logging
import time
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ask4mdp.audit.services import log_event
from ask4mdp.ui.translation import SEPARATOR, Message, english, stored
from pseudonym.services import project_key_ensure, pseudonymise_distinct

from . import engine
from .models import Extraction
from .permissions import can_run

logger = logging.getLogger(__name__)


def manifest_checksum(manifest: dict) -> str:
    return hashlib.sha256(json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def extraction_start(*, project, manifest: dict, actor, check_permission: bool = True) -> Extraction:
    """Queue the extraction of ``manifest`` for ``project`` (validated first; the worker runs it)."""
    if check_permission and not can_run(actor, project):
        raise PermissionDenied(
            _("only the project's extractors, pseudonymisers or an administrator may extract")
        )
    engine.validate_manifest(manifest)
    if manifest["project"]["reference"] != project.reference:
        raise engine.ManifestInvalid(
            [Message(gettext_noop("project/reference: the manifest is for another project"))]
        )
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        project_key_ensure(project=project, actor=actor)
        extraction = Extraction.objects.create(
            project=project,
            manifest=manifest,
            manifest_sha256=manifest_checksum(manifest),
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        log_event(
            "extraction.started",
            actor=actor,
            obj=extraction,
            data={
                "project": project.reference,
                "manifest_sha256": extraction.manifest_sha256,
                "request": manifest["request"]["reference"],
                "version": manifest["request"]["version"],
            },
        )
        from .tasks import run_extraction

        transaction.on_commit(lambda: run_extraction.delay(extraction.pk))
    return extraction


def delivery_dir(extraction: Extraction) -> Path:
    return Path(extraction.project.delivery_dir) / f"extraction-{extraction.pk}"


def _lock(extraction_id: int) -> bool:
    """A session lock: two deliveries of the same task message never run the same extraction at once.

    PostgreSQL releases it when a killed worker's connection drops, so the re-run can take it.
    """
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [0x65787472, extraction_id])
        return cursor.fetchone()[0]


def _unlock(extraction_id: int) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [0x65787472, extraction_id])


def extraction_run(*, extraction_id: int) -> Extraction | None:
    """Run one extraction to completion (the worker's side). Idempotent; safe to re-run after a crash."""
    if not _lock(extraction_id):
        logger.info("extraction %s is already running elsewhere", extraction_id)
        return None
    try:
        return _run(extraction_id)
    finally:
        _unlock(extraction_id)


def _run(extraction_id: int) -> Extraction | None:
    claimed = Extraction.objects.filter(
        pk=extraction_id, status__in=[Extraction.Status.QUEUED, Extraction.Status.RUNNING]
    ).update(
        status=Extraction.Status.RUNNING,
        started_at=timezone.now(),
        progress=0,
        step="",
        step_message=None,
        error="",
        error_messages=None,
    )
    if not claimed:
        return None  # already delivered or failed: nothing to do
    extraction = Extraction.objects.select_related("project").get(pk=extraction_id)
    Extraction.objects.filter(pk=extraction_id).update(attempts=extraction.attempts + 1)
    project = extraction.project
    last = {"t": 0.0, "v": -1}

    def progress(value: int, step: str | Message) -> None:
        now = time.monotonic()
        if value != last["v"] and (now - last["t"] > 0.3 or value - last["v"] >= 5):
            last.update(t=now, v=value)
            Extraction.objects.filter(pk=extraction_id).update(
                progress=value, step=english(step)[:200], step_message=stored(step)
            )

    def pseudonymise(domain: str, stage: int, values: list[str]) -> list[str]:
        return pseudonymise_distinct(project=project, domain=domain, values=values, stage=stage)

    target = delivery_dir(extraction)
    try:
        result = engine.run(
            extraction.manifest,
            warehouse=Path(settings.WAREHOUSE_DIR),
            out_dir=target,
            pseudonymise=pseudonymise,
            memory_limit=settings.EXTRACTION_MEMORY_LIMIT,
            threads=settings.EXTRACTION_THREADS,
            progress=progress,
        )
    except Exception as exc:  # noqa: BLE001 - recorded on the extraction, shown on its page
        # the manifest's problems are translatable; any other failure is shown as the library wrote it
        problems = exc.errors if isinstance(exc, engine.ManifestInvalid) else [f"{type(exc).__name__}: {exc}"]
        message = SEPARATOR.join(english(problems))
        with transaction.atomic():
            Extraction.objects.filter(pk=extraction_id).update(
                status=Extraction.Status.FAILED,
                error=message[:4000],
                error_messages=stored(problems),
                finished_at=timezone.now(),
            )
            log_event("extraction.failed", actor=None, obj=extraction, data={"error": message[:500]})
        logger.warning("extraction %s failed: %s", extraction_id, message[:500])
        return Extraction.objects.get(pk=extraction_id)
    with transaction.atomic():
        Extraction.objects.filter(pk=extraction_id).update(
            status=Extraction.Status.SUCCEEDED,
            progress=100,
            step="",
            step_message=None,
            delivery_path=str(result.out_dir),
            files=[f.as_dict() for f in result.files],
            risk_report=result.risk_report,
            rows=result.rows,
            seconds=round(result.seconds, 2),
            finished_at=timezone.now(),
        )
        log_event(
            "extraction.delivered",
            actor=None,
            obj=extraction,
            data={
                "rows": result.rows,
                "files": len(result.files),
                "checksums": {f.name: f.sha256 for f in result.files if f.kind == "data"},
            },
        )
    return Extraction.objects.get(pk=extraction_id)
