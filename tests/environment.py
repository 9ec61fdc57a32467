"""Loaded with ``-p tests.environment`` before Django's settings: the test suite's environment.

The suite proves the real stack, so it defaults to PostgreSQL and Redis on localhost; the README's
test command and ``.ci/run`` set the same values explicitly.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
os.environ.setdefault("SECRET_KEY", "test-secret-key-only-for-the-test-suite-0123456789")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@localhost:5432/ask4mdp")
os.environ.setdefault("REDIS_URL", "redis://localhost:6379/0")
os.environ.setdefault("HTTPS", "false")
os.environ.setdefault("PASSWORD_HASHERS", "django.contrib.auth.hashers.MD5PasswordHasher")
