"""HKDF-SHA256 (RFC 5869) with the standard library only.

``cryptography`` is not a dependency of the platform; HKDF is two HMAC loops, tested against the
RFC's own test vectors in ``pseudonym/tests/test_hkdf.py``.
"""

import hashlib
import hmac

HASH_LEN = hashlib.sha256().digest_size


def hkdf_extract(salt: bytes | None, ikm: bytes) -> bytes:
    """PRK = HMAC-Hash(salt, IKM); an absent salt is HashLen zero bytes (RFC 5869 §2.2)."""
    return hmac.digest(salt or bytes(HASH_LEN), ikm, "sha256")


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    """OKM = T(1) | T(2) | … cut to ``length`` bytes (RFC 5869 §2.3)."""
    if length > 255 * HASH_LEN:
        raise ValueError("HKDF cannot produce more than 255 * HashLen bytes")
    okm, block = b"", b""
    counter = 1
    while len(okm) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), "sha256")
        okm += block
        counter += 1
    return okm[:length]


def hkdf(ikm: bytes, *, salt: bytes | None, info: bytes, length: int = 32) -> bytes:
    return hkdf_expand(hkdf_extract(salt, ikm), info, length)
