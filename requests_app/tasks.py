"""Celery tasks of the request life cycle: ids in, one call out (queue ``documents``)."""

from __future__ import annotations

import json

from celery import shared_task
from django.contrib.auth import get_user_model
from django.db import transaction

from ask4mdp.audit.services import log_event

from . import documents
from .models import ArchivedDocument, DataRequest, Manifest


def _load(request_id: int, actor_id: int | None):
    request = DataRequest.objects.select_related("researcher", "expert", "organisation").get(pk=request_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return request, actor


@shared_task
def render_processing_document(request_id: int, version: int, actor_id: int | None = None) -> int:
    """Render the validated processing document to PDF and archive it with its SHA-256 (idempotent)."""
    request, actor = _load(request_id, actor_id)
    existing = ArchivedDocument.objects.filter(
        request=request, version=version, kind=ArchivedDocument.Kind.PROCESSING
    ).first()
    if existing:
        return existing.pk
    content = documents.processing_pdf(request)
    with transaction.atomic():
        doc = documents.archive_bytes(
            request=request,
            kind=ArchivedDocument.Kind.PROCESSING,
            content=content,
            filename=f"{request.reference}-v{version}-processing.pdf",
            version=version,
            actor=actor,
        )
        log_event(
            "request.document_archived",
            actor=actor,
            obj=request,
            data={"kind": doc.kind, "sha256": doc.sha256, "version": version},
        )
    return doc.pk


@shared_task
def render_variable_list(request_id: int, version: int, actor_id: int | None = None) -> list[int]:
    """The closed list of variables (PDF and CSV) and the manifest, archived at confirmation (idempotent)."""
    request, actor = _load(request_id, actor_id)
    kinds = set(
        ArchivedDocument.objects.filter(request=request, version=version).values_list("kind", flat=True)
    )
    made = []
    stem = f"{request.reference}-v{version}"
    with transaction.atomic():
        if ArchivedDocument.Kind.VARIABLES_CSV not in kinds:
            made.append(
                documents.archive_bytes(
                    request=request,
                    kind=ArchivedDocument.Kind.VARIABLES_CSV,
                    content=documents.variable_list_csv(request),
                    filename=f"{stem}-variables.csv",
                    version=version,
                    actor=actor,
                )
            )
        if ArchivedDocument.Kind.VARIABLES_PDF not in kinds:
            made.append(
                documents.archive_bytes(
                    request=request,
                    kind=ArchivedDocument.Kind.VARIABLES_PDF,
                    content=documents.variable_list_pdf(request),
                    filename=f"{stem}-variables.pdf",
                    version=version,
                    actor=actor,
                )
            )
        manifest = Manifest.objects.filter(request=request, version=version).first()
        if manifest and ArchivedDocument.Kind.MANIFEST not in kinds:
            content = json.dumps(manifest.data, indent=2, sort_keys=True, ensure_ascii=False).encode()
            made.append(
                documents.archive_bytes(
                    request=request,
                    kind=ArchivedDocument.Kind.MANIFEST,
                    content=content,
                    filename=f"{stem}-manifest.json",
                    version=version,
                    actor=actor,
                )
            )
        for doc in made:
            log_event(
                "request.document_archived",
                actor=actor,
                obj=request,
                data={"kind": doc.kind, "sha256": doc.sha256, "version": version},
            )
    return [d.pk for d in made]
