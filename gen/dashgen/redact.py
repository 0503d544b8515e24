"""Keep credentials out of everything dashgen prints, logs or raises.

Every secret dashgen reads (a token, a password, an expanded ``secureJsonData`` value) is
registered here the moment it is read; :func:`scrub` replaces each of them, their
base64 ``Authorization: Basic`` forms and any ``user:password@`` in a URL with ``***``.
The CLI scrubs every line of push/diff output and every error message of every command
through it, so this module imports only ``re`` and ``threading`` when loaded.
"""

from __future__ import annotations

import re
import threading

MASK = "***"
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/@\s?#]+@")

_lock = threading.Lock()
_secrets: set[str] = set()


def register(*values: str | None) -> None:
    """Remember secret values so that :func:`scrub` removes them from any text."""
    with _lock:
        for value in values:
            if value and len(value) >= 3:
                _secrets.add(value)


def register_basic(user: str, password: str) -> None:
    """A user/password pair: both, and the base64 form a Basic header carries."""
    import base64  # only when there is a password: cli imports this module for every command

    register(password)
    pair = f"{user}:{password}".encode()
    register(base64.b64encode(pair).decode("ascii"))


def scrub(text: str) -> str:
    """``text`` without any registered secret or URL credentials."""
    if not text:
        return text
    text = _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", text)
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def url(value: str) -> str:
    """A URL fit to show: ``https://user:pass@host/`` becomes ``https://***@host/``."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", value)
