"""Settings for ``benchmarks/dictionary_pages.py``: the production settings, with the schema created
from the models (``migrate --run-syncdb``) instead of the migration files, like ``pytest
--nomigrations``, so that the benchmark runs whatever state the migrations are in."""

from ask4mdp.settings import *  # noqa: F403


class _NoMigrations(dict):
    def __contains__(self, item):
        return True

    def __getitem__(self, item):
        return None


MIGRATION_MODULES = _NoMigrations()

# Static files are not what is measured: skip the collectstatic manifest (a dictionary lookup per
# {% static %} in production).
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405

# ``--no-cache``: measure the pages without the dictionary's page cache.
if env.bool("BENCH_NO_CACHE", default=False):  # noqa: F405
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
