"""Keep credentials out of everything dashgen prints, logs or raises.

Every secret dashgen reads (a token, a password, an expanded ``secureJsonData`` value) is
registered here the moment it is read; :func:`scrub` replaces each of them (as whole
tokens), their base64 ``Authorization: Basic`` forms and any ``user:password@`` in a URL,
however malformed, with ``***``. A URL given to dashgen is checked with
:func:`has_userinfo` before anything parses it, and refused without being repeated.
The CLI scrubs every line of push/diff output and every error message of every command
through it, so this module imports only ``re`` and ``threading`` when loaded.
"""

from __future__ import annotations

import re
import threading
from typing import Any

MASK = "***"
# ``scheme://`` and everything up to the last ``@`` before the next space or quote: the
# userinfo of a URL however malformed (a password holding '/', '?' or '#' does not end the
# authority for a URL parser, but it does here), at the price of masking an '@' in a path.
_URL_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^\s'\"<>]*@")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None  # every secret, as whole tokens; rebuilt when one is added


def register(*values: str | None) -> None:
    """Remember secret values so that :func:`scrub` removes them from any text."""
    global _pattern
    with _lock:
        for value in values:
            if value and len(value) >= 3 and value not in _secrets:
                _secrets.add(value)
                _pattern = None


def register_basic(user: str, password: str) -> None:
    """A user/password pair: both, and the base64 form a Basic header carries."""
    import base64  # only when there is a password: cli imports this module for every command

    register(password)
    pair = f"{user}:{password}".encode()
    register(base64.b64encode(pair).decode("ascii"))


def has_userinfo(url: str) -> bool:
    """Whether a URL (well-formed or not) carries ``user[:password]@``: any '@' after the scheme.

    Checked before anything parses the URL, so a refused URL is never repeated, in part or
    whole, by a parser's error.
    """
    rest = url.split("://", 1)[1] if "://" in url else url
    return "@" in rest


def scrub(text: str, *, urls: bool = True) -> str:
    """``text`` without URL credentials or any registered secret.

    A secret is masked where it stands as a whole token, never inside a longer word: a
    token ``tok`` leaves "token" alone (masking it there would spell the token out).
    ``urls=False`` leaves URLs alone: for data shown as it is (verify's label values, where
    ``ssh://git@github.com/...`` is a repository, not a credential).
    """
    if not text:
        return text
    if urls:
        text = url(text)
    pattern = _secrets_pattern()
    return pattern.sub(MASK, text) if pattern is not None else text


def scrub_data(obj: Any, *, urls: bool = True) -> Any:
    """Every string of a JSON-ready value scrubbed, before it is dumped: in JSON text a
    secret holding a quote or a backslash is escaped, and would no longer match."""
    if isinstance(obj, str):
        return scrub(obj, urls=urls)
    if isinstance(obj, dict):
        return {scrub(k, urls=urls) if isinstance(k, str) else k: scrub_data(v, urls=urls) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub_data(v, urls=urls) for v in obj]
    return obj


def url(value: str) -> str:
    """A URL (or any text holding URLs) fit to show: ``https://user:pass@host/`` becomes ``https://***@host/``."""
    return _URL_USERINFO.sub(lambda m: m.group("scheme") + MASK + "@", value)


def _secrets_pattern() -> re.Pattern[str] | None:
    global _pattern
    with _lock:
        if _pattern is None and _secrets:
            alternatives = [_whole(s) for s in sorted(_secrets, key=len, reverse=True)]
            _pattern = re.compile("|".join(alternatives))
        return _pattern


def _whole(secret: str) -> str:
    """A secret as a whole token: no word character may touch a word character at its ends."""
    before = r"(?<!\w)" if re.match(r"\w", secret[0]) else ""
    after = r"(?!\w)" if re.match(r"\w", secret[-1]) else ""
    return before + re.escape(secret) + after
