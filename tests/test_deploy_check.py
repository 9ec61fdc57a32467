"""The production settings pass ``manage.py check --deploy`` without a single warning.

Runs in a subprocess with a production-like environment only (nothing inherited from the test
suite's environment), so that what is checked is what an operator would run.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _check(**overrides):
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": "postgres://ask4mdp:unused@localhost:5432/ask4mdp",
        "REDIS_URL": "redis://localhost:6379/0",
        "ALLOWED_HOSTS": "ask4mdp.example",
        **overrides,
    }
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deploy_check_without_warnings():
    result = _check()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?: (security." not in output


def test_it_would_fail_on_a_weak_secret_key():
    """The harness itself catches a warning (so the test above could fail)."""
    result = _check(SECRET_KEY="short")
    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


def test_it_refuses_to_start_without_a_secret_key_outside_the_embedded_default():
    result = _check(SECRET_KEY=None)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
