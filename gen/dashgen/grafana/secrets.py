"""Datasource secrets: their values from the environment, and what dashgen last pushed.

Grafana never returns ``secureJsonData``, only which keys are set, so a changed value (a
rotated password) cannot be seen in Grafana. When push writes a datasource's secrets it
also writes, into the datasource's ``jsonData`` under :data:`RECORD_KEY`, one hash per key:
PBKDF2-HMAC-SHA256 over the value with a fresh random salt (and the key name), many
iterations, so the record tells nothing usable about the value to whoever can read the
datasource. A later plan hashes the value it would send with the recorded salt: another
result is an update. The value itself is never stored, shown or logged.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..names import ENV_REF_RE

RECORD_KEY = "dashgenSecrets"
ITERATIONS = 100_000
_SCHEME = "pbkdf2_sha256"


@dataclass(frozen=True)
class Secret:
    """One ``secureJsonData`` key of a datasource in the sources."""

    key: str
    variable: str | None  # the ${VAR} it refers to; None when it is not a reference
    value: str | None  # the variable's value; None when unset (or not a reference)


def of(payload: Mapping[str, Any], env: Mapping[str, str]) -> list[Secret]:
    """The secrets of a datasource payload, each with its value from ``env`` if set."""
    secure = payload.get("secureJsonData") or {}
    out = []
    for key, ref in sorted(secure.items()):
        m = ENV_REF_RE.match(ref) if isinstance(ref, str) else None
        variable = (m.group(1) or m.group(2)) if m else None
        out.append(Secret(key, variable, (env.get(variable) or None) if variable else None))
    return out


def digest(key: str, value: str, salt: bytes | None = None) -> str:
    """``pbkdf2_sha256$<iterations>$<salt>$<hash>`` of one secret value."""
    salt = os.urandom(16) if salt is None else salt
    raw = hashlib.pbkdf2_hmac("sha256", value.encode("utf-8"), salt + key.encode("utf-8"), ITERATIONS)
    return f"{_SCHEME}${ITERATIONS}${_b64(salt)}${_b64(raw)}"


def matches(key: str, value: str, recorded: Any) -> bool:
    """Whether ``value`` is the value ``recorded`` was made from."""
    try:
        scheme, iterations, salt, expected = str(recorded).split("$")
        if scheme != _SCHEME:
            return False
        raw = hashlib.pbkdf2_hmac("sha256", value.encode("utf-8"), _unb64(salt) + key.encode("utf-8"), int(iterations))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(raw, _unb64(expected))


def record(values: Mapping[str, str]) -> dict[str, str]:
    """The hashes to keep in ``jsonData[RECORD_KEY]`` for the values being written."""
    return {key: digest(key, value) for key, value in sorted(values.items())}


def recorded(live_json_data: Any) -> dict[str, Any]:
    """The record a live datasource carries (empty if none)."""
    found = live_json_data.get(RECORD_KEY) if isinstance(live_json_data, dict) else None
    return found if isinstance(found, dict) else {}


def without_record(json_data: Any) -> Any:
    """``jsonData`` as the sources would have it: dashgen's record removed."""
    if isinstance(json_data, dict) and RECORD_KEY in json_data:
        return {k: v for k, v in json_data.items() if k != RECORD_KEY}
    return json_data


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
