"""The Celery application: queues ``default`` and ``documents`` (worker) and ``extraction`` (extractor)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ask4mdp.settings")

app = Celery("ask4mdp")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
