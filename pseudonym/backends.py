"""Pseudonymisers: who turns identifiers into pseudonyms.

``LocalHMACBackend`` derives the project's keys here (HKDF from the master secret and the project's
salt) and computes HMAC-SHA256 over the *distinct* identifiers of a job. ``HTTPBackend`` hands the
same batch to an external trusted third party that holds its own secret (seed 000: "adaptable to
an external pseudonymisation service"); the protocol is in ``docs/pseudonymisation-protocol.md``.

Either way a backend receives distinct identifiers and returns pseudonyms in the same order; the
caller (``pseudonym.services``) does the collision check. ``settings.PSEUDONYMISER_BACKEND`` picks
one: ``local`` (default) or ``http``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from .hkdf import hkdf
from .secret import master_secret

PSEUDONYM_HEX_LENGTH = 16  # 64 bits: ≈ 3·10⁻⁸ collision chance at 1 M identifiers
KDF_LABEL = b"ask4mdp/pseudonym/v1"


class PseudonymiserError(RuntimeError):
    pass


@dataclass(frozen=True)
class KeyContext:
    """What identifies one key: never the key itself.

    ``salt`` is passed to the local backend only; the HTTP backend never sends it.
    """

    project_ref: str
    domain: str
    stage: int
    version: int
    salt: bytes = b""

    def info(self) -> bytes:
        return b"|".join(
            [KDF_LABEL, self.domain.encode(), str(self.stage).encode(), str(self.version).encode()]
        )


class Pseudonymiser:
    name = "abstract"
    #: how many hexadecimal characters of the HMAC make a pseudonym; tests shorten it to force collisions
    hex_length = PSEUDONYM_HEX_LENGTH

    def pseudonymise(self, ctx: KeyContext, values: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def destroy(self, project_ref: str) -> None:
        """Tell the holder of the key material that the project's keys must be destroyed."""


class LocalHMACBackend(Pseudonymiser):
    name = "local"

    def derive_key(self, ctx: KeyContext) -> bytes:
        if not ctx.salt:
            raise PseudonymiserError("no salt: the project's key is missing or destroyed")
        return hkdf(master_secret(), salt=ctx.salt, info=ctx.info(), length=32)

    def pseudonymise(self, ctx: KeyContext, values: Sequence[str]) -> list[str]:
        key = self.derive_key(ctx)
        n = self.hex_length
        digest = hmac.digest
        # One C-level HMAC per *distinct* identifier (≈ 1 M/s): never one per row of a register.
        out = [digest(key, v.encode(), "sha256").hex()[:n] for v in values]
        del key
        return out


def _read_token() -> bytes:
    path = os.environ.get("ASK4MDP_PSEUDONYMISER_TOKEN_FILE", "")
    token = Path(path).read_text().strip() if path else os.environ.get("ASK4MDP_PSEUDONYMISER_TOKEN", "")
    if not token:
        raise PseudonymiserError("the HTTP pseudonymiser needs ASK4MDP_PSEUDONYMISER_TOKEN(_FILE)")
    return token.encode()


def sign_request(token: bytes, method: str, path: str, timestamp: str, body: bytes) -> str:
    """The request signature of the protocol: HMAC-SHA256 over method, path, timestamp, body hash."""
    message = "\n".join([method.upper(), path, timestamp, hashlib.sha256(body).hexdigest()]).encode()
    return hmac.new(token, message, "sha256").hexdigest()


_PSEUDONYM_RE = re.compile(r"^[0-9a-f]{16,64}$")


class HTTPBackend(Pseudonymiser):
    """Client of the trusted third party's service (protocol version 1)."""

    name = "http"
    batch_size = 10_000

    def __init__(self, url: str | None = None, token: bytes | None = None, timeout: float = 60.0):
        self.url = (url or settings.PSEUDONYMISER_HTTP_URL).rstrip("/")
        if not self.url.startswith(("https://", "http://")):
            raise PseudonymiserError("ASK4MDP_PSEUDONYMISER_URL must be an http(s) URL")
        self._token = token
        self.timeout = timeout

    def _post(self, path: str, payload: dict) -> dict:
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        full_path = urllib.parse.urlsplit(self.url).path + path
        signature = sign_request(self._token or _read_token(), "POST", full_path, timestamp, body)
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked in __init__
            self.url + path,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-Ask4mdp-Timestamp": timestamp,
                "Authorization": f"ASK4MDP-HMAC-SHA256 {signature}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 (URL from settings)
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise PseudonymiserError(f"the pseudonymisation service answered HTTP {exc.code}") from None
        except urllib.error.URLError as exc:
            raise PseudonymiserError(f"the pseudonymisation service is unreachable: {exc.reason}") from None

    def pseudonymise(self, ctx: KeyContext, values: Sequence[str]) -> list[str]:
        out: list[str] = []
        for start in range(0, len(values), self.batch_size):
            batch = list(values[start : start + self.batch_size])
            answer = self._post(
                "/v1/pseudonymise",
                {
                    "protocol": 1,
                    "project": ctx.project_ref,
                    "domain": ctx.domain,
                    "stage": ctx.stage,
                    "key_version": ctx.version,
                    "identifiers": batch,
                },
            )
            pseudonyms = answer.get("pseudonyms")
            if not isinstance(pseudonyms, list) or len(pseudonyms) != len(batch):
                raise PseudonymiserError("the pseudonymisation service returned a malformed batch")
            if not all(isinstance(p, str) and _PSEUDONYM_RE.match(p) for p in pseudonyms):
                raise PseudonymiserError(
                    "the pseudonymisation service returned values that are not pseudonyms"
                )
            out.extend(p[: self.hex_length] for p in pseudonyms)
        return out

    def destroy(self, project_ref: str) -> None:
        self._post("/v1/destroy", {"protocol": 1, "project": project_ref})


def get_backend() -> Pseudonymiser:
    name = settings.PSEUDONYMISER_BACKEND
    if name == "local":
        return LocalHMACBackend()
    if name == "http":
        return HTTPBackend()
    raise PseudonymiserError(f"unknown pseudonymiser backend {name!r} (local or http)")
