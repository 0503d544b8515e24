"""Credentials for Grafana and Prometheus: read from a file or the environment, never from argv.

One resolver for every command: ``--token-file`` (or a target's ``token_file``), then the
token variable (sent as ``Authorization: Bearer``), then the user and password variables
(HTTP basic auth). Every secret is registered with :mod:`dashgen.redact` the moment it is
read, so no output or error can carry it. URLs with ``user:password@`` are refused, never
repeated. Standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from . import redact
from .errors import DashgenError


@dataclass(frozen=True)
class Credentials:
    """How to authenticate; ``describe`` names where it came from, never the value."""

    kind: str  # "token" | "basic"
    describe: str
    token: str = field(default="", repr=False)
    user: str = ""
    password: str = field(default="", repr=False)

    def auth(self) -> Any:
        """What grafana-client takes: the token, or (user, password)."""
        return self.token if self.kind == "token" else (self.user, self.password)

    def header(self) -> str:
        """The ``Authorization`` header value."""
        if self.kind == "token":
            return f"Bearer {self.token}"
        import base64

        return "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")

    def register(self) -> None:
        """Make sure :func:`redact.scrub` removes these credentials from any text."""
        if self.kind == "token":
            redact.register(self.token)
        else:
            redact.register_basic(self.user, self.password)


def resolve(
    env: Mapping[str, str],
    *,
    token_env: str,
    user_env: str,
    password_env: str,
    who: str,
    token_file: str | None = None,
    token_file_key: str = "--token-file",
    required: bool = True,
    exclusive: bool = False,
) -> Credentials | None:
    """The credentials for ``who``, first found wins: token file, token variable, user and password.

    ``required``: no credentials at all is an error (else None). ``exclusive``: a token and
    a user/password both set is an error instead of the token winning.
    """
    if token_file:
        path = Path(token_file)
        try:
            token = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            raise DashgenError(f"{token_file_key}: cannot read token file {token_file}: {reason}") from None
        if not token:
            raise DashgenError(f"{token_file_key}: token file {token_file} is empty")
        redact.register(token)
        _check_token(token, f"token file {token_file}")
        return Credentials("token", f"token file {token_file}", token=token)
    token = (env.get(token_env) or "").strip()
    user, password = env.get(user_env) or "", env.get(password_env) or ""
    redact.register(token, password)
    if token and not (exclusive and (user or password)):
        _check_token(token, token_env)
        return Credentials("token", token_env, token=token)
    if user or password:
        redact.register_basic(user, password)
        if not (user and password):
            missing = password_env if user else user_env
            raise DashgenError(f"{missing} is not set: basic authentication needs both {user_env} and {password_env}")
        if token:
            raise DashgenError(
                f"both ${token_env} (a bearer token) and ${user_env}/${password_env} (basic "
                "authentication) are set: unset one"
            )
        return Credentials("basic", f"{user_env}/{password_env}", user=user, password=password)
    if not required:
        return None
    raise DashgenError(
        f"no credentials for {who}: set {token_env} to a service-account token (or pass --token-file "
        f"FILE), or set {user_env} and {password_env} for basic authentication"
    )


def has_userinfo(url: str) -> bool:
    """Whether the URL carries ``user[:password]@``, however malformed (``redact.has_userinfo``)."""
    return redact.has_userinfo(url.strip())


def _check_token(token: str, where: str) -> None:
    if re.search(r"\s", token) or not token.isprintable():
        raise DashgenError(f"{where}: the token holds whitespace or control characters; is it the right value?")


def base_url(url: str, where: str) -> str:
    """``url`` as a base URL (http or https, a host, no query or fragment, no trailing slash);
    a one-line error naming ``where`` otherwise. Callers refuse credentials in it first."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise DashgenError(f"{where}: not a valid URL: {redact.url(url)}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DashgenError(f"{where}: expected an http:// or https:// URL, got {redact.url(url)}")
    if parts.query or parts.fragment:
        raise DashgenError(f"{where}: the URL must not have a query or fragment: {redact.url(url)}")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"
