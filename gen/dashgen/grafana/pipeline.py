"""``dashgen push`` and ``dashgen diff``: sources → selection → per target: health check,
live state, plan, then (push only) apply. Output goes through :mod:`.report`.

Reads start before the sources load: each target's health check, search, datasource list
and the dashboards it holds with the ownership tag are read in the background while
``load_checked`` runs, and joined before planning. Nothing is written before every source
has loaded and passed its checks: writes exist only in :func:`apply.run`, after planning.

Targets are handled one after the other; a target that fails (unreachable, credentials,
a read that keeps failing) is reported and the next one is still tried.
"""

from __future__ import annotations

import gc
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .. import http, redact
from ..config import Config
from ..errors import EXIT_DIFFERS, EXIT_ERROR, EXIT_OK, DashgenError, DashgenErrors, in_environment
from . import health, live, targets
from .client import Connection, Grafana
from .select import Selected, Selection, select

if TYPE_CHECKING:
    from .report import Reporter
    from .results import TargetResult


@dataclass(frozen=True)
class Options:
    command: str  # "push" | "diff"
    selection: Selection = Selection()
    flags: targets.ConnectionFlags = targets.ConnectionFlags()
    dry_run: bool = False
    prune: bool = False
    adopt: bool = False  # take over dashboards with a source's uid that lack the ownership tag
    force_secrets: bool = False  # rewrite every datasource secret, whatever the record says
    concurrency: int | None = None
    verbose: bool = False
    output: str = "text"
    environment: str | None = None  # --env: the environment of dashgen.yaml to push
    use_cache: bool = True  # unchanged sources from the build cache (--no-cache: run every one)


def run(config: Config, options: Options, env: Mapping[str, str] | None = None) -> int:
    enabled = gc.isenabled()
    gc.disable()  # see _run
    try:
        return _run(config, options, env)
    finally:
        if enabled:
            gc.enable()


def _run(config: Config, options: Options, env: Mapping[str, str] | None) -> int:
    """Push or diff, with Python's cyclic garbage collector paused.

    The loaded models and every live dashboard read are plain JSON (no reference cycles), but
    alive together they make each full collection walk all of them: measured, 10-20% of a
    200-dashboard re-push's CPU. Reference counting still frees everything as usual.
    """
    env = os.environ if env is None else env
    concurrency = options.concurrency if options.concurrency is not None else config.push.concurrency
    if not 1 <= concurrency <= 64:
        raise DashgenError(f"--concurrency must be between 1 and 64, got {concurrency}")
    connections = targets.resolve(config, options.flags, env)
    environments = [_environment(c, config, options.environment) for c in connections]
    started = time.perf_counter()
    selections: dict[str | None, tuple[Config, Selected]] = {}
    insecure = any(c.verify is False for c in connections)
    if insecure:
        http.quiet_insecure_warnings()
    # the dashboards to read ahead: those of --uid; none for --folder/--path alone (known only once loaded)
    sel = options.selection
    only = set(sel.uids) if sel.uids else (set() if sel.any else None)
    env_configs = {name: config if name is None else config.for_environment(name) for name in environments}
    sessions: list[_Session] = []
    try:
        for connection, name in zip(connections, environments):
            sessions.append(_Session(connection, concurrency, env_configs[name].push.marker_tag, only))
        # imported once the reads are under way: their CPU overlaps the first round trips
        from ..build import load_checked
        from .report import Reporter

        reporter = Reporter(
            options.command,
            output=options.output,
            verbose=options.verbose,
            dry_run=options.dry_run,
            prune=options.prune,
            marker=config.push.marker_tag,
        )
        for name, env_config in env_configs.items():  # sources loaded once per environment
            with in_environment(name):
                resources, warnings = load_checked(env_config, use_cache=options.use_cache)
            selections[name] = env_config, select(resources, options.selection, env_config, prune=options.prune)
            for warning in warnings:
                reporter.warning(str(warning) if name is None else f"{name}: {warning}")
        reporter.load_seconds = time.perf_counter() - started
        if insecure:
            reporter.warning("TLS certificate verification is off (--insecure): use it only against a test Grafana")
        results = []
        for session, name in zip(sessions, environments):
            env_config, selected = selections[name]
            result = _run_target(session, selected, env_config, options, env, reporter, name)
            results.append(result)
    except BaseException:
        for session in sessions:
            session.stop()
        raise
    finally:
        for session in sessions:
            session.close()
    reporter.finish(results)
    if any(r.failed for r in results):
        return EXIT_ERROR
    if options.command == "diff" and any(r.differs for r in results):
        return EXIT_DIFFERS
    return EXIT_OK


class _Session:
    """One target's connection and worker pool, and its reads started ahead of loading."""

    def __init__(self, connection: Connection, concurrency: int, marker: str, only: set[str] | None):
        self.grafana = Grafana(connection)
        self.executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dashgen-push")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dashgen-read-ahead")
        self.ahead = self._reader.submit(self._read_ahead, marker, only)

    def _read_ahead(self, marker: str, only: set[str] | None) -> tuple[health.ServerInfo, live.Ahead]:
        """The health check and the reads side by side; a failed check explains a failed read best."""
        check = self.executor.submit(health.check, self.grafana)
        try:
            ahead = live.read_ahead(self.grafana, self.executor, marker=marker, uids=only)
        except DashgenError:
            check.result()
            raise
        return check.result(), ahead

    def stop(self) -> None:
        """Start nothing more (a source failed to load, or Ctrl-C)."""
        self.executor.shutdown(wait=False, cancel_futures=True)
        self._reader.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Wait for the requests in flight, then close the connections."""
        self._reader.shutdown(wait=True)
        self.executor.shutdown(wait=True)
        self.grafana.close()


def _environment(connection: Connection, config: Config, chosen: str | None) -> str | None:
    """The environment pushed to ``connection``: ``--env``, else its target's ``environment``."""
    target = config.targets.get(connection.name) if connection.name else None
    own = target.environment if target is not None else None
    if not config.environments:
        if chosen:
            raise DashgenError(f"--env {chosen}: {config.file} defines no environments")
        return None
    if chosen and own and chosen != own:
        raise DashgenError(
            f"target '{connection.name}' runs environment '{own}' (targets.{connection.name}."
            f"environment), not '{chosen}'"
        )
    if chosen or own:
        config.for_environment(chosen or own or "")  # an unknown --env is an error here, before any request
        return chosen or own
    raise DashgenError(
        f"{config.file} defines environments ({', '.join(sorted(config.environments))}): "
        f"name one with --env NAME, or set targets.<name>.environment"
    )


def _run_target(
    session: _Session,
    selected: Selected,
    config: Config,
    options: Options,
    env: Mapping[str, str],
    reporter: Reporter,
    environment: str | None = None,
) -> TargetResult:
    from . import apply, plan
    from .results import TargetResult

    grafana, executor = session.grafana, session.executor
    result = TargetResult(grafana.connection, environment)
    marker = config.push.marker_tag
    clock = _Clock(result.seconds)
    try:
        try:
            info, ahead = session.ahead.result()
            result.version = info.version
            clock.lap("connect")
            state = live.fetch(
                grafana,
                executor,
                folder_uids=[f.uid for f in selected.folders],
                datasource_uids=[d.uid for d in selected.datasources if d.uid],
                datasource_names=[d.name for d in selected.datasources if not d.uid],
                dashboard_uids=[d.uid for d in selected.dashboards],
                ahead=ahead,
            )
            live.fetch_versions(grafana, executor, state, plan.dashboards_to_explain(selected, state, marker))
            clock.lap("read")
            result.plan = plan.make(
                selected,
                state,
                marker=marker,
                prune=options.prune,
                unique_titles=info.unique_titles,
                grafana_version=info.version,
                adopt=options.adopt,
                env=env,
                force_secrets=options.force_secrets,
            )
            clock.lap("plan")
            reporter.planned(result)
            if options.command == "push" and not options.dry_run:
                secrets = apply.resolve_secrets(result.plan, env)
                todo = sum(1 for a in result.plan.actions if a.op in ("create", "update", "delete", "conflict", "skip"))
                with reporter.applying(result, todo) as on_done:
                    result.outcomes = apply.run(grafana, result.plan, executor, secrets, on_done)
                clock.lap("apply")
        except DashgenErrors as exc:
            result.error = "; ".join(redact.scrub(line) for line in exc.lines())
        except DashgenError as exc:
            result.error = redact.scrub(str(exc))
        except KeyboardInterrupt:
            session.stop()  # Ctrl-C: start nothing that is still queued; close() waits for what is in flight
            raise
    finally:
        result.writes = grafana.writes
        result.retries = grafana.stats.retries
    session.close()
    reporter.target_done(result)
    return result


class _Clock:
    def __init__(self, into: dict[str, float]):
        self.into = into
        self.last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.into[name] = round(now - self.last, 4)
        self.last = now
