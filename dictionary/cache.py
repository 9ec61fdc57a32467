"""Caching of the public dictionary.

The dictionary is public, read by many and changed rarely (an import, an approved coding, an admin
edit, a deployment), so its pages are cached under a *stamp* that changes with it: a random token
bumped after every committed write and after every ``migrate``, combined with a one-query
fingerprint of the tables (counts and highest ids), so that a cache that outlives the data (a test
database rolled back under a shared Redis, a restored backup) can never serve another state.

Two layers, for two audiences:

- anonymous visitors (most of the traffic: the dictionary lets anyone check a project's feasibility
  before applying) get whole pages from the cache, per address (host included), language and htmx
  variant; only the visitor's own CSRF token is put into the stored page on the way out;
- signed-in users get their own navigation around ``{% cache %}`` fragments of the same content.
"""

import hashlib
import uuid
from functools import wraps

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

TOKEN_KEY = "dictionary:stamp"  # noqa: S105 - a cache key, not a secret
TIMEOUT = 600  # seconds; a safety net for processes that do not share the cache (LocMemCache)
# Rendered into a stored page where the visitor's CSRF token goes (alphanumeric: escaping keeps it).
CSRF_PLACEHOLDER = "dictionaryPageCsrfTokenPlaceholder7f3c9a"  # noqa: S105 - not a secret


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


def _page_key(request, dictionary_stamp: str) -> str:
    htmx = request.htmx
    variant = f"{dictionary_stamp}|{get_language()}|{bool(htmx)}|{bool(htmx and htmx.boosted)}|"
    return "dictionary:page:" + hashlib.sha256((variant + request.build_absolute_uri()).encode()).hexdigest()


def _cacheable(request) -> bool:
    # Pending messages (after logging out, say) are shown once, to this visitor only.
    return request.method == "GET" and not request.user.is_authenticated and not len(get_messages(request))


def _from_page_cache(view, request, *args, **kwargs) -> HttpResponse:
    key = _page_key(request, request.dictionary_stamp)
    stored = cache.get(key)
    if stored is None:
        response = view(request, *args, **kwargs)
        if not isinstance(response, TemplateResponse) or response.status_code != 200:
            return response
        response.context_data["csrf_token"] = CSRF_PLACEHOLDER
        stored = (response.render().content, response["Content-Type"])
        cache.set(key, stored, TIMEOUT)
    content, content_type = stored
    return HttpResponse(
        content.replace(CSRF_PLACEHOLDER.encode(), get_token(request).encode()), content_type=content_type
    )


def dictionary_page(view):
    """Decorate a dictionary view that returns a ``TemplateResponse``: the request gets the
    dictionary's ``stamp`` (one query), and an anonymous GET is answered from the page cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.dictionary_stamp = stamp()
        if _cacheable(request):
            response = _from_page_cache(view, request, *args, **kwargs)
        else:
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    return wrapper
