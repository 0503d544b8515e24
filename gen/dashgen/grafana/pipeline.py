"""``dashgen push`` and ``dashgen diff``: sources → selection → per target: health check,
live state, plan, then (push only) apply. Output goes through :mod:`.report`.

Targets are handled one after the other; a target that fails (unreachable, credentials,
a read that keeps failing) is reported and the next one is still tried.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from .. import http, redact
from ..build import load_checked
from ..config import Config
from ..errors import EXIT_DIFFERS, EXIT_ERROR, EXIT_OK, DashgenError, DashgenErrors
from . import apply, health, live, plan, targets
from .client import Connection, Grafana
from .report import Reporter
from .results import TargetResult
from .select import Selected, Selection, select


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


def run(config: Config, options: Options, env: Mapping[str, str] | None = None) -> int:
    env = os.environ if env is None else env
    concurrency = options.concurrency if options.concurrency is not None else config.push.concurrency
    if not 1 <= concurrency <= 64:
        raise DashgenError(f"--concurrency must be between 1 and 64, got {concurrency}")
    connections = targets.resolve(config, options.flags, env)
    started = time.perf_counter()
    resources, warnings = load_checked(config)
    selected = select(resources, options.selection, config, prune=options.prune)
    reporter = Reporter(
        options.command,
        output=options.output,
        verbose=options.verbose,
        dry_run=options.dry_run,
        prune=options.prune,
        marker=config.push.marker_tag,
    )
    reporter.load_seconds = time.perf_counter() - started
    for warning in warnings:
        reporter.warning(str(warning))
    if any(c.verify is False for c in connections):
        reporter.warning("TLS certificate verification is off (--insecure): use it only against a test Grafana")
        http.quiet_insecure_warnings()
    results = []
    for connection in connections:
        results.append(_run_target(connection, selected, config, options, concurrency, env, reporter))
    reporter.finish(results)
    if any(r.failed for r in results):
        return EXIT_ERROR
    if options.command == "diff" and any(r.differs for r in results):
        return EXIT_DIFFERS
    return EXIT_OK


def _run_target(
    connection: Connection,
    selected: Selected,
    config: Config,
    options: Options,
    concurrency: int,
    env: Mapping[str, str],
    reporter: Reporter,
) -> TargetResult:
    result = TargetResult(connection)
    grafana = Grafana(connection)
    marker = config.push.marker_tag
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dashgen-push") as executor:
            clock = _Clock(result.seconds)
            try:
                info = health.check(grafana)
                result.version = info.version
                clock.lap("connect")
                state = live.fetch(
                    grafana,
                    executor,
                    folder_uids=[f.uid for f in selected.folders],
                    datasource_uids=[d.uid for d in selected.datasources if d.uid],
                    datasource_names=[d.name for d in selected.datasources if not d.uid],
                    dashboard_uids=[d.uid for d in selected.dashboards],
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
                    todo = sum(
                        1 for a in result.plan.actions if a.op in ("create", "update", "delete", "conflict", "skip")
                    )
                    with reporter.applying(result, todo) as on_done:
                        result.outcomes = apply.run(grafana, result.plan, executor, secrets, on_done)
                    clock.lap("apply")
            except DashgenErrors as exc:
                result.error = "; ".join(redact.scrub(line) for line in exc.lines())
            except DashgenError as exc:
                result.error = redact.scrub(str(exc))
            except KeyboardInterrupt:
                # Ctrl-C: start nothing that is still queued; leaving the block waits for what is in flight.
                executor.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        result.writes = grafana.writes
        result.retries = grafana.stats.retries
        grafana.close()
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
