"""The ask4mdp platform core: settings, Celery, and the apps every domain app may use."""

from .celery import app as celery_app

__all__ = ["celery_app"]
