"""Token signing keys (Ed25519): from settings, or made in the data directory in development."""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from hireboard.config import Settings


@dataclass(frozen=True)
class SigningKeys:
    private_key: Ed25519PrivateKey
    kid: str
    public_keys: dict[str, Ed25519PublicKey]  # current and still-valid previous keys, by kid

    def jwks(self) -> dict[str, list[dict[str, Any]]]:
        return {"keys": [_jwk(kid, key) for kid, key in self.public_keys.items()]}


def load_keys(settings: Settings) -> SigningKeys:
    if settings.jwt_private_key is not None:
        pem = settings.jwt_private_key.get_secret_value().encode()
    else:
        pem = _development_key(settings.data_dir / "keys" / "jwt-ed25519.pem")
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, Ed25519PrivateKey):
        raise ValueError("HIREBOARD_JWT_PRIVATE_KEY must be an Ed25519 private key (PEM)")
    public_keys = {_kid(private.public_key()): private.public_key()}
    for previous_pem in settings.jwt_previous_public_keys:
        previous = serialization.load_pem_public_key(previous_pem.encode())
        if not isinstance(previous, Ed25519PublicKey):
            raise ValueError("HIREBOARD_JWT_PREVIOUS_PUBLIC_KEYS must hold Ed25519 public keys")
        public_keys.setdefault(_kid(previous), previous)
    return SigningKeys(private, _kid(private.public_key()), public_keys)


def _development_key(path: Path) -> bytes:
    if path.exists():
        return path.read_bytes()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    scratch = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(scratch, path)  # never replaces: two processes starting together share one key
    except FileExistsError:
        pass
    finally:
        scratch.unlink()
    return path.read_bytes()


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _kid(key: Ed25519PublicKey) -> str:
    # The RFC 7638 thumbprint of the OKP key: stable, derived, nothing to configure.
    canonical = f'{{"crv":"Ed25519","kty":"OKP","x":"{_b64(_raw(key))}"}}'.encode()
    return _b64(hashlib.sha256(canonical).digest())


def _jwk(kid: str, key: Ed25519PublicKey) -> dict[str, Any]:
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": _b64(_raw(key)),
        "kid": kid,
        "alg": "EdDSA",
        "use": "sig",
    }
