"""gunicorn's settings for the web process: ``gunicorn -c python:ask4mdp.gunicorn_conf ask4mdp.wsgi``
(the Dockerfile, docker-compose's ``web`` and ``benchmarks/dictionary_pages.py``).

Synchronous workers, two per core plus one (gunicorn's own rule), behind the proxy that ends TLS,
which buffers requests and responses so that a slow client never holds a worker. Measured with
``benchmarks/dictionary_pages.py`` on the 2-core machine (20 clients; README, Performance):

- threads in one process take turns on the GIL, and a request that waits for PostgreSQL or Redis
  then waits again behind the other threads' rendering: 2 processes × 4 threads gave a p95 of
  64–87 ms and occasional 1–3 s stalls;
- gthread workers keep each connection in the process that accepted it, so 20 keep-alive clients
  spread unevenly over the processes and the busiest one sets the tail: 3 processes × 1 thread
  gave a p95 of 51–129 ms from one run to the next;
- synchronous workers take each request from the shared queue when they are free: p95 50–89 ms,
  no request over 110 ms.

Long work runs in Celery, never in a request. ``WEB_CONCURRENCY``, ``GUNICORN_WORKER_CLASS`` and
``GUNICORN_THREADS`` override the defaults.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
timeout = 60
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
