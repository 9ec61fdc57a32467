"""The page cache of the public dictionary.

The dictionary is public, read by many and changed rarely (an import, an approved coding, an admin
edit, a deployment), so each page is rendered once and then served from the cache, per address
(host included), language and htmx variant, under a *stamp* that changes with the dictionary: a
random token bumped after every committed write and after every ``migrate``, combined with a
one-query fingerprint of the tables (counts and highest ids), so that a cache that outlives the data
(a test database rolled back under a shared Redis, a restored backup) can never serve another state.

A stored page has two holes, filled for each visitor on the way out: the page header (the
navigation, the visitor's name, unread notifications, the language switcher) and the visitor's CSRF
token. Everything else is the same for everyone, so **the dictionary's templates must not depend on
the user**. Pending messages are shown once, to their visitor only: such a request bypasses the cache.
"""

import hashlib
import uuid
from functools import wraps

from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language

TOKEN_KEY = "dictionary:stamp"  # noqa: S105 - a cache key, not a secret
TIMEOUT = 600  # seconds; a safety net for processes that do not share the cache (LocMemCache)
# Rendered into a stored page where each visitor's own part goes (alphanumeric: escaping keeps them).
CSRF_HOLE = "dictionaryPageCsrfTokenHole7f3c9a"  # noqa: S105 - not a secret
HEADER_HOLE = "dictionaryPageHeaderHole5b1e04"
HEADER_TEMPLATE = "ui/header.html"


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


def _page_key(request) -> str:
    htmx = request.htmx
    variant = f"{stamp()}|{get_language()}|{bool(htmx)}|{bool(htmx and htmx.boosted)}|"
    return "dictionary:page:" + hashlib.sha256((variant + request.build_absolute_uri()).encode()).hexdigest()


def _render_once(view, request, *args, **kwargs) -> HttpResponse:
    key = _page_key(request)
    stored = cache.get(key)
    if stored is None:
        response = view(request, *args, **kwargs)
        if not isinstance(response, TemplateResponse) or response.status_code != 200:
            return response
        response.context_data.update(csrf_token=CSRF_HOLE, header_hole=HEADER_HOLE)
        stored = (response.render().content, response["Content-Type"])
        cache.set(key, stored, TIMEOUT)
    content, content_type = stored
    content = content.replace(CSRF_HOLE.encode(), get_token(request).encode())
    if HEADER_HOLE.encode() in content:  # not in an htmx fragment
        content = content.replace(HEADER_HOLE.encode(), render_to_string(HEADER_TEMPLATE, request=request).encode())
    return HttpResponse(content, content_type=content_type)


def dictionary_page(view):
    """Decorate a dictionary view that returns a ``TemplateResponse``: a GET is answered from the
    page cache."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method == "GET" and not len(get_messages(request)):
            response = _render_once(view, request, *args, **kwargs)
        else:
            response = view(request, *args, **kwargs)
        patch_vary_headers(response, ("HX-Request",))
        return response

    return wrapper
