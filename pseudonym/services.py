"""Project keys: ensure, destroy, and pseudonymise through the configured backend.

``pseudonymise_values`` needs the master secret (local backend) or the service token (HTTP
backend): only the extraction worker calls it.
"""

import secrets
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from ask4mdp.audit.services import log_event

from .backends import KeyContext, get_backend
from .models import ProjectKey

SALT_BYTES = 32


class KeyDestroyed(RuntimeError):
    """The project's key material was destroyed: its pseudonyms can never be computed again."""


class ProjectKeyMissing(RuntimeError):
    pass


class PseudonymCollision(RuntimeError):
    """Two distinct identifiers got the same pseudonym in one job (the count only, never values)."""

    def __init__(self, count: int, domain: str):
        self.count = count
        super().__init__(f"{count} pseudonym collision(s) in domain {domain!r}: the job is stopped")


def project_key_ensure(*, project, actor) -> ProjectKey:
    """The project's key, created with a fresh random salt on first call (idempotent)."""
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        key, created = ProjectKey.objects.select_for_update().get_or_create(
            project=project, defaults={"salt": secrets.token_bytes(SALT_BYTES)}
        )
        if key.is_destroyed:
            raise KeyDestroyed(
                f"the key of project {project.reference} was destroyed on {key.destroyed_at:%Y-%m-%d}"
            )
        if created:
            log_event("pseudonym.key_created", actor=actor, obj=project, data={"key_version": key.version})
    return key


def project_key_destroy(*, project, actor, reason: str) -> ProjectKey | None:
    """Shred the project's key material: afterwards nobody can reproduce its pseudonyms.

    The salt is first overwritten with random bytes, then cleared (PostgreSQL's VACUUM reclaims
    the old row versions). An external pseudonymiser is told on commit to destroy its own keys.
    Idempotent: destroying twice keeps the first date.
    """
    with transaction.atomic(durable=not transaction.get_connection().in_atomic_block):
        key = ProjectKey.objects.select_for_update().filter(project=project).first()
        if key is None:
            key = ProjectKey.objects.create(project=project, salt=None)
        if key.is_destroyed:
            return key
        ProjectKey.objects.filter(pk=key.pk).update(salt=secrets.token_bytes(SALT_BYTES))
        key.salt = None
        key.destroyed_at = timezone.now()
        key.destroyed_reason = reason
        key.save(update_fields=["salt", "destroyed_at", "destroyed_reason"])
        log_event(
            "pseudonym.key_destroyed",
            actor=actor,
            obj=project,
            data={"key_version": key.version, "reason": reason},
        )
        backend = get_backend()
        if backend.name != "local":
            transaction.on_commit(lambda: backend.destroy(project.reference))
    return key


def is_key_destroyed(project) -> bool:
    return ProjectKey.objects.filter(project=project, destroyed_at__isnull=False).exists()


def key_context(*, project, domain: str, stage: int = 1) -> KeyContext:
    key = ProjectKey.objects.filter(project=project).first()
    if key is None:
        raise ProjectKeyMissing(f"project {project.reference} has no pseudonymisation key yet")
    if key.is_destroyed or not key.salt:
        raise KeyDestroyed(f"the key of project {project.reference} was destroyed")
    if stage not in (1, 2):
        raise ValueError("the stage is 1 or 2")
    return KeyContext(
        project_ref=project.reference, domain=domain, stage=stage, version=key.version, salt=bytes(key.salt)
    )


def pseudonymise_distinct(
    *, project, domain: str, values: list[str], stage: int = 1, backend=None
) -> list[str]:
    """Pseudonyms of *distinct* identifiers, in order, collision-checked (the extraction worker's call)."""
    ctx = key_context(project=project, domain=domain, stage=stage)
    backend = backend or get_backend()
    pseudonyms = backend.pseudonymise(ctx, values)
    collisions = len(values) - len(set(pseudonyms))
    if collisions:
        raise PseudonymCollision(collisions, domain)
    return pseudonyms


def pseudonymise_values(*, project, domain: str, values: Iterable, stage: int = 1, backend=None) -> dict:
    """``{value: pseudonym}`` for the distinct values given (identifiers compared as strings)."""
    distinct = sorted({str(v) for v in values if v is not None})
    return dict(
        zip(
            distinct,
            pseudonymise_distinct(
                project=project, domain=domain, values=distinct, stage=stage, backend=backend
            ),
            strict=True,
        )
    )
