"""Reads shared-db's `sdb1:` secrets in Python: the reference reader of docs/secret-format.md.

A Python service holding the same keys as the Node services (ENCRYPTION_KEYS) decrypts what they
wrote, bound to its table, column and row exactly as the Node keyring binds it. Needs only
`cryptography` (AES-GCM, HKDF, HMAC). Reads; it never writes, so Node stays the one writer.

    ring = Keyring(os.environ["ENCRYPTION_KEYS"].split(","))
    token = ring.decrypt(row["bot_token"], secret_aad("slack_workspaces", "access_token", row["id"]))
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from typing import Optional, Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "sdb1"
IV_BYTES = 12
TAG_BYTES = 16
_URLSAFE = re.compile(r"^[A-Za-z0-9_-]*={0,2}$")
_STANDARD = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


class DecryptionError(Exception):
    """The value cannot be decrypted; `reason` is one of the Node library's reasons."""

    def __init__(self, reason: str):
        super().__init__(f"Cannot decrypt value: {reason.replace('-', ' ', 1)}")
        self.reason = reason


class KeyringError(Exception):
    """A key list that cannot make a keyring (names the entry by position, never by value)."""


def _b64url_decode(text: str) -> Optional[bytes]:
    """Strict, canonical urlsafe base64 (padding optional), as the Node reader accepts it."""
    if not _URLSAFE.match(text):
        return None
    body = text.rstrip("=")
    if len(text) != len(body) and len(text) % 4 != 0:
        return None
    if len(body) % 4 == 1:
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    # Canonical: one value has one text form (no stray bits in the last character).
    return raw if base64.urlsafe_b64encode(raw).decode().rstrip("=") == body else None


def _decode_key(text: str) -> Optional[bytes]:
    raw = _b64url_decode(text)
    if raw is not None:
        return raw
    if not _STANDARD.match(text) or len(text) % 4 != 0:
        return None
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if base64.b64encode(raw).decode() == text else None


def _hkdf(raw: bytes, info: str) -> bytes:
    # No salt: RFC 5869 then uses HashLen zero bytes, as Node's hkdfSync with an empty salt does.
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info.encode()).derive(raw)


class _Key:
    def __init__(self, raw: bytes):
        self.id = base64.urlsafe_b64encode(hmac.new(raw, b"shared-db key id", hashlib.sha256).digest()[:6]).decode()
        self.gcm = AESGCM(_hkdf(raw, "shared-db aes-256-gcm v1"))


class Keyring:
    """Every key decrypts; keys are 32 bytes in base64 (urlsafe or standard), as `createKeyring` takes them."""

    def __init__(self, keys: Sequence[str]):
        if not keys:
            raise KeyringError("No encryption keys given")
        self._keys: dict[str, _Key] = {}
        for index, text in enumerate(keys):
            raw = _decode_key(text.strip())
            if raw is None or len(raw) != 32:
                raise KeyringError(f"Encryption key #{index + 1} is invalid: expected 32 bytes in base64")
            key = _Key(raw)
            if key.id in self._keys:
                raise KeyringError(f"Encryption key #{index + 1} repeats an earlier key")
            self._keys[key.id] = key

    @property
    def key_ids(self) -> list[str]:
        return list(self._keys)

    def decrypt_bytes(self, ciphertext: str, aad: str = "") -> bytes:
        if not isinstance(ciphertext, str) or not ciphertext.startswith(PREFIX + ":"):
            raise DecryptionError("malformed")
        parts = ciphertext.split(":")
        if len(parts) != 3 or not parts[1]:
            raise DecryptionError("malformed")
        _, key_id, text = parts
        body = _b64url_decode(text)
        if body is None or len(body) < IV_BYTES + TAG_BYTES:
            raise DecryptionError("malformed")
        key = self._keys.get(key_id)
        if key is None:
            raise DecryptionError("unknown-key")
        header = f"{PREFIX}:{key_id}:"
        try:
            return key.gcm.decrypt(body[:IV_BYTES], body[IV_BYTES:], (header + aad).encode())
        except InvalidTag:
            raise DecryptionError("authentication-failed") from None

    def decrypt(self, ciphertext: str, aad: str = "") -> str:
        return self.decrypt_bytes(ciphertext, aad).decode("utf-8")


def _json(value: object) -> str:
    # JSON.stringify's form: no spaces, non-ASCII kept as is.
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def secret_aad(table: str, column: str, row_id: Optional[str] = None) -> str:
    """What a stored secret is bound to: `secretAad(table, column, rowId)` of the Node library."""
    return _json([table, column] if row_id is None else [table, column, row_id])


def slack_token_aad(table: str, column: str, client_id: str, enterprise_id: Optional[str], team_id: Optional[str], user_id: Optional[str] = None) -> str:
    """A Slack installation token's binding: `slackTokenAad(table, column, owner)` of the Node library."""
    return secret_aad(table, column, _json([client_id, enterprise_id, team_id, user_id]))
