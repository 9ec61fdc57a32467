"""The pseudonymisation master secret: read by the extraction worker only.

It is never a Django setting (settings are printed in debug pages and copied into tracebacks) and
never leaves this module except as derived keys held in memory for the duration of one job.

Sources, in order:

1. ``ASK4MDP_MASTER_SECRET_FILE``: a file holding the secret (docker/k8s secrets);
2. ``ASK4MDP_MASTER_SECRET``: the secret itself (at least 32 characters);
3. the embedded default only (``ASK4MDP_EMBEDDED=1`` or ``DEBUG=1``): ``var/master.secret``,
   generated on first use with mode 0600 — and a warning says so, because a secret next to the
   database is only acceptable on a laptop.
"""

import logging
import os
import secrets
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)

MIN_LENGTH = 32


class MasterSecretMissing(RuntimeError):
    pass


def _embedded_secret_path() -> Path:
    return Path(settings.VAR_DIR) / "master.secret"


def master_secret() -> bytes:
    path = os.environ.get("ASK4MDP_MASTER_SECRET_FILE", "")
    if path:
        value = Path(path).read_bytes().strip()
    elif os.environ.get("ASK4MDP_MASTER_SECRET"):
        value = os.environ["ASK4MDP_MASTER_SECRET"].encode()
    elif getattr(settings, "EMBEDDED", False) or settings.DEBUG:
        value = _embedded_secret(_embedded_secret_path())
    else:
        raise MasterSecretMissing(
            "the pseudonymisation master secret is not configured: set ASK4MDP_MASTER_SECRET_FILE "
            "(or ASK4MDP_MASTER_SECRET) in the extraction worker's environment"
        )
    if len(value) < MIN_LENGTH:
        raise MasterSecretMissing(f"the master secret must be at least {MIN_LENGTH} bytes long")
    return value


def _embedded_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two workers starting together cannot both write a different secret.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes().strip()
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        logger.warning(
            "embedded default: generated a pseudonymisation master secret in %s (mode 0600); "
            "production must set ASK4MDP_MASTER_SECRET_FILE instead",
            path,
        )
    return path.read_bytes().strip()
