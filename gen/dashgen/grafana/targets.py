"""Which Grafana(s) to talk to, and with which credentials.

Order of precedence for *where*:

1. ``--target NAME`` (repeatable) or ``--all-targets``: named targets of ``dashgen.yaml``;
2. ``--grafana-url URL``, then the ``GRAFANA_URL`` environment variable;
3. the only target of ``dashgen.yaml``, when it has exactly one.

And for *who* (first found wins): ``--token-file``, the target's ``token_file``, the
token variable (``GRAFANA_TOKEN`` or the target's ``token_env``), then the user and
password variables (``GRAFANA_USER``/``GRAFANA_PASSWORD`` or the target's). Tokens are
sent as ``Authorization: Bearer``, users with HTTP basic auth. Secrets are read from files
and the environment only, never from the command line: a URL with ``user:password@``
(``--grafana-url``, ``GRAFANA_URL``, a target's) is refused without being repeated.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .. import credentials, redact
from ..config import Config, GrafanaTarget
from ..credentials import Credentials
from ..errors import DashgenError
from .client import Connection


@dataclass(frozen=True)
class ConnectionFlags:
    """The connection options of the command line (None: not given)."""

    grafana_url: str | None = None
    targets: tuple[str, ...] = ()
    all_targets: bool = False
    org_id: int | None = None
    token_file: str | None = None
    ca_cert: str | None = None
    insecure: bool = False
    timeout: float | None = None
    retries: int | None = None


def resolve(config: Config, flags: ConnectionFlags, env: Mapping[str, str] | None = None) -> list[Connection]:
    env = os.environ if env is None else env
    if flags.targets and flags.all_targets:
        raise DashgenError("give --target NAME or --all-targets, not both")
    if (flags.targets or flags.all_targets) and flags.grafana_url:
        raise DashgenError("give --grafana-url or --target/--all-targets, not both")
    if flags.all_targets and not config.targets:
        raise DashgenError(f"--all-targets: {config.file} defines no targets (see docs/config.md, 'targets')")
    names = list(config.targets) if flags.all_targets else list(dict.fromkeys(flags.targets))
    for name in names:
        if name not in config.targets:
            known = ", ".join(sorted(config.targets)) or "none defined"
            raise DashgenError(f"no target '{name}' in {config.file} (targets: {known})")
    if names:
        return [_from_target(name, config.targets[name], config, flags, env) for name in names]
    url = flags.grafana_url or env.get("GRAFANA_URL") or ""
    if url:
        return [_adhoc(url, config, flags, env, from_flag=bool(flags.grafana_url))]
    if len(config.targets) == 1:
        name, target = next(iter(config.targets.items()))
        return [_from_target(name, target, config, flags, env)]
    if config.targets:
        raise DashgenError(
            f"{config.file} defines several targets ({', '.join(sorted(config.targets))}): "
            "choose with --target NAME (repeatable) or --all-targets"
        )
    raise DashgenError(
        f"no Grafana to talk to: pass --grafana-url URL, set GRAFANA_URL, or define 'targets' in {config.file}"
    )


def _adhoc(url: str, config: Config, flags: ConnectionFlags, env: Mapping[str, str], from_flag: bool) -> Connection:
    where = "--grafana-url" if from_flag else "GRAFANA_URL"
    clean = _clean_url(
        url, where, "set GRAFANA_TOKEN (or pass --token-file FILE), or GRAFANA_USER and GRAFANA_PASSWORD"
    )
    creds = _credentials(
        token_file=flags.token_file,
        token_file_key="--token-file",
        env=env,
        token_env="GRAFANA_TOKEN",
        user_env="GRAFANA_USER",
        password_env="GRAFANA_PASSWORD",
        who=clean,
    )
    return _connection("", clean, creds, flags.org_id, flags.ca_cert, flags.insecure, config, flags)


def _from_target(
    name: str, target: GrafanaTarget, config: Config, flags: ConnectionFlags, env: Mapping[str, str]
) -> Connection:
    clean = _clean_url(
        target.url, f"targets.{name}.url", f"set {target.token_env}, or {target.user_env} and {target.password_env}"
    )
    token_file = flags.token_file
    key = "--token-file"
    if token_file is None and target.token_file:
        token_file = str(config.root / target.token_file)
        key = f"targets.{name}.token_file"
    creds = _credentials(
        token_file=token_file,
        token_file_key=key,
        env=env,
        token_env=target.token_env,
        user_env=target.user_env,
        password_env=target.password_env,
        who=f"target '{name}'",
    )
    ca_cert = flags.ca_cert or (str(config.root / target.ca_cert) if target.ca_cert else None)
    insecure = flags.insecure or target.insecure
    if flags.ca_cert and target.insecure:
        insecure = False
    org_id = flags.org_id if flags.org_id is not None else target.org_id
    return _connection(name, clean, creds, org_id, ca_cert, insecure, config, flags)


def _connection(
    name: str,
    url: str,
    creds: Credentials,
    org_id: int | None,
    ca_cert: str | None,
    insecure: bool,
    config: Config,
    flags: ConnectionFlags,
) -> Connection:
    if org_id is not None and org_id < 1:
        raise DashgenError(f"--org-id must be a positive organisation id, got {org_id}")
    if ca_cert and insecure:
        raise DashgenError("give --ca-cert or --insecure, not both")
    verify: bool | str = True
    if ca_cert:
        path = Path(ca_cert)
        if not path.is_file():
            raise DashgenError(f"CA certificate file not found: {ca_cert}")
        verify = str(path.resolve())
    elif insecure:
        verify = False
    timeout = flags.timeout if flags.timeout is not None else config.push.timeout
    retries = flags.retries if flags.retries is not None else config.push.retries
    return Connection(
        name=name, url=url, credentials=creds, org_id=org_id, verify=verify, timeout=timeout, retries=retries
    )


def _clean_url(url: str, where: str, how: str) -> str:
    """The URL as dashgen uses it (no trailing slash); one with ``user:password@`` is refused.

    The message never repeats such a URL; ``how`` says where credentials go instead.
    """
    if redact.has_userinfo(url):  # before parsing: a parser's error would quote the password
        raise DashgenError(
            f"{where} must not contain credentials (user:password@): they would show in process lists "
            f"and shell history; {how}"
        )
    return credentials.base_url(url, where)


def _credentials(
    *,
    token_file: str | None,
    token_file_key: str,
    env: Mapping[str, str],
    token_env: str,
    user_env: str,
    password_env: str,
    who: str,
) -> Credentials:
    found = credentials.resolve(
        env,
        token_env=token_env,
        user_env=user_env,
        password_env=password_env,
        who=who,
        token_file=token_file,
        token_file_key=token_file_key,
    )
    assert found is not None  # required: resolve raises instead
    return found
