"""Page-fragment caching of the public dictionary.

The dictionary is public, read by many and changed rarely (an import, an approved coding, an admin
edit), so its pages' heavy parts are cached (``{% cache %}`` fragments) under a *stamp* that
changes with it: a random token bumped after every committed write, combined with a one-query
fingerprint of the tables (counts and highest ids), so that a cache that outlives the data (a test
database rolled back under a shared Redis, a restored backup) can never serve another state.
"""

import uuid

from django.core.cache import cache
from django.db import connection, transaction

TOKEN_KEY = "dictionary:stamp"  # noqa: S105 - a cache key, not a secret
TIMEOUT = 600  # seconds; a safety net for processes that do not share the cache (LocMemCache)


def _fingerprint() -> str:
    from .models import DictionaryVersion, Granularity, Modality, Variable

    parts = []
    for model in (DictionaryVersion, Variable, Granularity, Modality):
        table = connection.ops.quote_name(model._meta.db_table)
        parts.append(f"(SELECT COUNT(*) FROM {table})")  # noqa: S608 - table names from models
        parts.append(f"(SELECT COALESCE(MAX(id), 0) FROM {table})")  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts))
        return "-".join(str(v) for v in cursor.fetchone())


def stamp() -> str:
    token = cache.get(TOKEN_KEY)
    if token is None:
        token = uuid.uuid4().hex
        cache.add(TOKEN_KEY, token, None)
        token = cache.get(TOKEN_KEY) or token
    return f"{token}:{_fingerprint()}"


def invalidate(**kwargs) -> None:
    """Forget every cached page once the current transaction commits (signal receiver too)."""
    transaction.on_commit(lambda: cache.delete(TOKEN_KEY))
