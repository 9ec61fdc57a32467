"""``log_event``: the one call that writes to the audit log, from inside the caller's transaction."""

import hashlib
import json
from collections.abc import Iterator
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from .models import AuditEvent

GENESIS = "0" * 64
# Keys whose values never reach the log, whatever the caller passes.
SECRET_MARKERS = ("password", "secret", "token", "salt", "key_material", "otp", "master")
_LOCK_ID = 0x61736B34  # "ask4": serialises writers of the chain on PostgreSQL


def _mask(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: ("***" if any(m in str(k).lower() for m in SECRET_MARKERS) else _mask(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "timestamp": event.timestamp.isoformat(),
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "object_repr": event.object_repr,
        "data": event.data,
        "prev_hash": event.prev_hash,
    }
    return json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode()


def compute_hash(event: AuditEvent) -> str:
    return hashlib.sha256(_canonical(event)).hexdigest()


def log_event(
    action: str, *, actor=None, obj: models.Model | None = None, data: dict | None = None,
    object_type: str = "", object_id: str = "", object_repr: str = "",
) -> AuditEvent:
    """Append one event. ``action`` is a dotted code such as ``request.submitted``.

    Runs inside the caller's transaction, so the event exists exactly when the change does.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_ID])
        last = AuditEvent.objects.order_by("-id").only("hash").first()
        if obj is not None:
            object_type = object_type or obj._meta.label_lower
            object_id = object_id or str(obj.pk)
            object_repr = object_repr or str(obj)[:300]
        event = AuditEvent(
            timestamp=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_repr=str(actor)[:300] if actor is not None else "system",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            object_repr=object_repr[:300],
            data=json.loads(json.dumps(_mask(data or {}), default=str)),
            prev_hash=last.hash if last else GENESIS,
        )
        event.hash = compute_hash(event)
        event.save(force_insert=True)
    return event


def verify_chain(batch_size: int = 5000) -> Iterator[str]:
    """Yield one message per problem found; nothing when the chain is intact."""
    prev_hash = GENESIS
    prev_id = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=batch_size):
        if event.prev_hash != prev_hash:
            yield (f"event #{event.pk}: its previous hash does not match event #{prev_id}"
                   " (an event was deleted or changed before it)")
        if compute_hash(event) != event.hash:
            yield f"event #{event.pk}: its content does not match its hash (it was edited)"
        prev_hash, prev_id = event.hash, event.pk
