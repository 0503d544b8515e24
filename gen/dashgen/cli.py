"""The ``dashgen`` command line: parses arguments and calls the pipeline modules.

Exit codes, for every command: 0 success (or nothing differs), 1 an error (bad input,
failed checks, unreachable server), 2 differences found (``build --check``, ``diff``),
130 interrupted (Ctrl-C).
Commands import only what they use, so ``dashgen --help`` and ``build`` stay fast.
"""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import click

from . import (
    __version__,
    redact,  # standard library only: every command's errors go through it
)
from .errors import EXIT_DIFFERS, EXIT_ERROR, EXIT_INTERRUPTED, DashgenError, DashgenErrors, in_environment

PROMETHEUS_USER_ENV, PROMETHEUS_PASSWORD_ENV = "DASHGEN_PROMETHEUS_USER", "DASHGEN_PROMETHEUS_PASSWORD"
PROGRESS_FROM = 100  # source files: smaller builds finish before a progress bar is worth drawing

OUTPUT_OPTION = click.option(
    "--output",
    "-o",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Human-readable text, or one JSON document on stdout for automation.",
)


class _State:
    def __init__(self, config_path: str | None):
        self.config_path = config_path

    def config(self, environment: str | None = None):
        """dashgen.yaml; as ``environment`` has it when one is named (--env)."""
        from . import config

        loaded = config.load(self.config_path)
        return loaded.for_environment(environment) if environment else loaded


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "-c",
    "config_path",
    metavar="FILE",
    envvar="DASHGEN_CONFIG",
    help="Config file (default: ./dashgen.yaml, optional). Env: DASHGEN_CONFIG.",
)
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(__version__, prog_name="dashgen")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """Grafana dashboards, datasources and alert rules as code for Flux GitOps clusters.

    Sources live in dashboards/ (grafanalib modules, exported JSON dashboards,
    datasource and rule definitions). `dashgen build` renders them into provisioning/
    for Flux and Grafana's sidecar.

    `dashgen push` uploads them to Grafana's HTTP API instead; `dashgen diff` compares.

    Exit codes: 0 success, 1 error, 2 differences found (build --check, diff).
    """
    ctx.obj = _State(config_path)  # --debug is read by main(), before click parses anything


@cli.command()
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing; list what would be added, changed or removed and exit 2 if anything would.",
)
@click.option(
    "--allow-empty",
    is_flag=True,
    help="Build even when the sources define nothing, deleting every file a previous build wrote. Without it "
    "that is an error: an empty checkout (a submodule not initialised) would empty the cluster.",
)
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="List every file added, changed or removed, and every warning (without it, a rule's warnings past 10 "
    "are summarised).",
)
@click.option(
    "--env",
    "-e",
    "env_names",
    metavar="NAME",
    multiple=True,
    help="Build only this environment of dashgen.yaml (repeatable). Default: every environment, each into "
    "<output>/<NAME>/.",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Run every source, neither reading nor writing the build cache (.dashgen-cache/ at the project root, "
    "or DASHGEN_CACHE_DIR), which otherwise skips the sources unchanged since it last saw them.",
)
@OUTPUT_OPTION
@click.pass_obj
def build(
    state: _State,
    check: bool,
    allow_empty: bool,
    verbose: bool,
    env_names: tuple[str, ...],
    no_cache: bool,
    output_format: str,
) -> None:
    """Render the sources into the output directory (default provisioning/).

    \b
    Writes, reproducibly (same sources, same bytes):
      dashboards/<Folder>/<uid>.json        canonical dashboard JSON
      grafana/{datasources,dashboards}/     Grafana file-provisioning files
      kubernetes/                           ConfigMaps for the sidecar, PrometheusRules,
                                            AlertmanagerConfig, the sources' manifests
      kustomization.yaml                    lists every Kubernetes object, for Flux
      dashgen-files.json                    the files dashgen owns

    Alert rules are linted (mixtool's rules) and checked with `promtool check
    rules` when promtool is on PATH (a note says so when it is not). Only files
    listed in dashgen-files.json are ever changed or deleted. On any error
    nothing is written.

    With `environments:` in dashgen.yaml, each environment is a complete tree of
    its own, <output>/<NAME>/ (docs/many-clusters.md).
    """
    config = state.config()
    bar = _ProgressBar("loading sources", at_least=PROGRESS_FROM) if sys.stderr.isatty() else None
    try:
        if config.environments:
            from .build import build_environments

            results = build_environments(
                config,
                list(env_names) or None,
                check=check,
                allow_empty=allow_empty,
                progress=bar.update if bar else None,
                use_cache=not no_cache,
            )
        elif env_names:
            raise DashgenError(f"--env {env_names[0]}: {config.file} defines no environments")
        else:
            from .build import build as run_build

            progress = bar.update if bar else None
            results = [
                run_build(config, check=check, allow_empty=allow_empty, progress=progress, use_cache=not no_cache)
            ]
    finally:
        if bar:
            bar.close()
    if config.environments:
        _report_environments(results, check, verbose, output_format)
        if check and any(r.changes.any for r in results):
            sys.exit(EXIT_DIFFERS)
        return
    result = results[0]
    changes = result.changes
    _print_warnings(result.warnings, verbose)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if output_format == "json":
        doc = {
            "output": str(result.output),
            "check": check,
            "written": result.written,
            "up_to_date": not changes.any,
            **changes.to_dict(),
            "counts": result.counts,
            "warnings": [str(w) for w in result.warnings],
            "notes": result.notes,
        }
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for path in changes.edited_by_hand:
            fate = (
                ("build would delete it" if check else "deleted") + " (its source is gone)"
                if path in changes.removed
                else ("build would overwrite" if check else "overwritten") + " (edit the sources instead)"
            )
            click.echo(f"warning: {result.output}/{path} was edited by hand; {fate}", err=True)
        _print_changes(result, check, verbose or check)
    if check and changes.any:
        sys.exit(EXIT_DIFFERS)


def _report_environments(results, check: bool, verbose: bool, output_format: str) -> None:
    """build's report when dashgen.yaml has environments: one entry per tree."""
    for result in results:
        _print_warnings(result.warnings, verbose, f"{result.environment}: ")
    for note in dict.fromkeys(n for r in results for n in r.notes):
        click.echo(f"note: {note}", err=True)
    if output_format == "json":
        trees = [
            {
                "environment": r.environment,
                "output": str(r.output),
                "retired": r.retired,
                "written": r.written,
                "up_to_date": not r.changes.any,
                **r.changes.to_dict(),
                "counts": r.counts,
                "warnings": [str(w) for w in r.warnings],
            }
            for r in results
        ]
        doc = {
            "check": check,
            "up_to_date": not any(r.changes.any for r in results),
            "written": any(r.written for r in results),
            "environments": trees,
        }
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
        return
    for result in results:
        if result.retired:
            for path in result.changes.edited_by_hand:
                fate = "build would delete it" if check else "deleted"
                click.echo(f"warning: {result.output}/{path} was edited by hand; {fate} (nothing builds it)", err=True)
            if result.changes.any:
                verb = "would remove" if check else "removed"
                what = (
                    "the tree of the layout before environments"
                    if result.environment is None
                    else (f"the tree of environment '{result.environment}', no longer in the config")
                )
                click.echo(f"{result.output}/: {verb} {what} ({len(result.changes.removed)} files dashgen wrote)")
            continue
        for path in result.changes.edited_by_hand:
            click.echo(
                f"warning: {result.output}/{path} was edited by hand; "
                + ("build would overwrite or delete it" if check else "overwritten or deleted"),
                err=True,
            )
        _print_changes(result, check, verbose or check)


def _print_warnings(warnings, verbose: bool, prefix: str = "") -> None:
    """build's warnings on stderr; past 10 of one lint rule, a summary (``lint.summary``)."""
    if not warnings:
        return  # and lint, with all its rules, is not imported
    from .lint.summary import EXAMPLES, summarise

    listed, summaries = summarise(warnings, lambda w: w.rule, lambda w: w.source, verbose=verbose)
    for warning in listed:
        click.echo(f"warning: {prefix}{warning}", err=True)
    for s in summaries:
        click.echo(f"warning: {prefix}{s.heading()}", err=True)
        for warning in s.items[:EXAMPLES]:
            click.echo(f"  {warning}", err=True)


class _LintCommand(click.Command):
    """Lists the rules, their default severities and what they check under --help."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .lint import RULES

        for kind, heading in (("dashboard", "Dashboard rules"), ("rules", "Alert rule rules")):
            rows = [
                (name, f"[{info.severity}] {info.description}")
                for name, info in sorted(RULES.items())
                if info.kind == kind
            ]
            with formatter.section(heading):
                formatter.write_dl(rows)
        formatter.write_paragraph()
        formatter.write_text(
            "Defaults in brackets: errors for what breaks Grafana, Kubernetes or the data, warnings for house "
            "style. The job/instance rules are off: they do not fit cluster-wide dashboards. Change severities "
            "(for every file, or per path glob; '*' is every rule on by default; the last match wins) and "
            "exclude findings in dashgen.yaml:"
        )
        with formatter.indentation():
            formatter.write_text(
                "lint: {rules: {target-job-rule: warning}, paths: [{glob: 'dashboards/team/**', rules: {'*': "
                "error}}], exclusions: [{rule: panel-units-rule, dashboard: flux-gitops, panel: Info, "
                "reason: text panel}]}"
            )


@cli.command(cls=_LintCommand)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--strict", is_flag=True, help="Treat warnings as errors (exit 1 on any finding).")
@click.option(
    "--verbose", "-v", is_flag=True, help="List every finding (without it, a rule's findings past 10 are summarised)."
)
@click.option(
    "--env",
    "-e",
    "env_names",
    metavar="NAME",
    multiple=True,
    help="Lint the sources as this environment of dashgen.yaml builds them (repeatable). Default: every "
    "environment, each finding once.",
)
@OUTPUT_OPTION
@click.pass_obj
def lint(
    state: _State, paths: tuple[str, ...], strict: bool, verbose: bool, env_names: tuple[str, ...], output_format: str
) -> None:
    """Check dashboards and alert rules for problems before they ship.

    Without PATHS, lints the project's sources (dashboards/). PATHS may be dashboard
    JSON files exported from Grafana, rule files or PrometheusRule YAML, ConfigMaps
    holding dashboards, or directories of them. `dashgen build` runs the same rules:
    errors fail the build, warnings are printed.

    Exit codes: 0 no errors (warnings allowed unless --strict), 1 errors found.
    """
    from .build import lint_project
    from .lint import has_failures
    from .lint.project import lint_paths

    config = state.config()
    settings = config.lint_settings()
    strict = strict or settings.strict
    skipped: list[str] = []
    located = []
    checked = ""
    project, sources_dirs, files = _lint_targets(config, paths)
    chosen = env_names or tuple(config.environments)
    project_configs = [(c, project) for c in [config.for_environment(name) for name in chosen] or [config]]
    boards: set[tuple[str, str]] = set()
    rule_files: set[str] = set()
    for sources_config, within in [*(project_configs if project is not None else []), *sources_dirs]:
        with in_environment(sources_config.environment):
            linted = lint_project(sources_config)
        located += [loc for loc in linted.located if within is None or _under(sources_config, loc.source, within)]
        for note in linted.notes:
            click.echo(f"note: {note}", err=True)
        boards |= {(d.source, d.uid) for d in linted.resources.dashboards}
        rule_files |= {g.source for g in linted.resources.rule_groups}
        checked = f" in {len(boards)} dashboards and {len(rule_files)} rule files"
    located = list({json.dumps(loc.to_dict(), sort_keys=True): loc for loc in located}.values())  # each finding once
    if files:
        found, skipped = lint_paths(files, settings)
        located += found
        checked = f"; skipped {len(skipped)} files that are neither dashboards nor rules" if skipped else ""
    errors = sum(1 for loc in located if loc.finding.severity == "error")
    warnings = len(located) - errors
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "findings": [loc.to_dict() for loc in located],
                    "errors": errors,
                    "warnings": warnings,
                    "strict": strict,
                    "skipped": skipped,
                },
                indent=2,
                sort_keys=True,
            )
        )
    else:
        _print_findings(located, verbose)
        summary = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
        click.echo(summary + checked)
    if has_failures([loc.finding for loc in located], strict=strict):
        sys.exit(EXIT_ERROR)


def _lint_targets(config, paths: tuple[str, ...]):
    """What ``dashgen lint PATHS`` reads, as build would: (the project's sources, restricted to
    the paths under them, or None), [(config, None) for other directories of Python sources],
    [other files and directories]. No paths: the whole project."""
    import dataclasses
    import os

    if not paths:
        return [], [], []
    sources_dir = os.path.abspath(config.sources_dir)
    within: list[str] = []
    sources_dirs, files = [], []
    for raw in paths:
        path = os.path.abspath(raw)
        if path == sources_dir or path.startswith(sources_dir + os.sep):
            within.append(path)
        elif os.path.isdir(path) and _has_python(path):
            sources_dirs.append((dataclasses.replace(config, sources=path), None))
        else:
            files.append(raw)
    project = None if not within else ([] if sources_dir in within else within)
    return project, sources_dirs, files


def _has_python(directory: str) -> bool:
    import os

    for _, dirs, names in os.walk(directory):
        dirs[:] = [d for d in dirs if not d.startswith(".") and d != "__pycache__"]
        if any(n.endswith(".py") for n in names):
            return True
    return False


def _under(config, source: str, within: list[str]) -> bool:
    """Whether a finding's source is one of the paths given, or under one (all: ``within`` empty)."""
    import os

    if not within:
        return True
    path = os.path.abspath(config.root / source)
    return any(path == w or path.startswith(w + os.sep) for w in within)


def _print_findings(located, verbose: bool = False) -> None:
    """Grouped by file and dashboard, then panel; each finding with its fix. Past 10 findings
    of one rule and severity, those are summarised at the end unless ``verbose``."""
    from .lint.summary import EXAMPLES, summarise

    located, summaries = summarise(
        located, lambda loc: loc.finding.rule, lambda loc: loc.source, lambda loc: loc.finding.severity, verbose=verbose
    )
    groups: dict[tuple[str, str], dict[str, list]] = {}
    for loc in located:
        f = loc.finding
        panel = (
            "dashboard"
            if not f.panel
            else f"panel '{f.panel}'" + (f" (id {f.panel_id})" if f.panel_id is not None else "")
        )
        groups.setdefault((loc.source, f.dashboard), {}).setdefault(panel, []).append(f)
    for (source, dashboard), panels in groups.items():
        click.echo(source + (f" ({dashboard})" if dashboard and dashboard != source else ""))
        for panel, findings in panels.items():
            click.echo(f"  {panel}")
            for f in findings:
                target = f"[{f.target}] " if f.target else ""
                colour = "red" if f.severity == "error" else "yellow"
                click.echo(f"    {click.style(f'{f.severity:<7}', fg=colour)} {f.rule}: {target}{f.message}")
                if f.fix:
                    click.echo(f"            fix: {f.fix}")
    for s in summaries:
        click.echo(f"{click.style(s.severity, fg='red' if s.severity == 'error' else 'yellow')} {s.heading()}")
        for loc in s.items[:EXAMPLES]:
            click.echo(f"  {loc.source}: {loc.detail()}")


def _prometheus_options(fn):
    """The Prometheus connection, time range and query tuning options verify and preview share."""
    options = [
        click.option(
            "--prometheus-url",
            required=True,
            metavar="URL",
            envvar="DASHGEN_PROMETHEUS_URL",
            help="Prometheus to query, e.g. http://localhost:9090. Env: DASHGEN_PROMETHEUS_URL.",
        ),
        click.option(
            "--from",
            "time_from",
            metavar="TIME",
            help="Start of the time range: now-6h, epoch seconds or ms, RFC 3339. Default: each dashboard's own.",
        ),
        click.option(
            "--to", "time_to", metavar="TIME", help="End of the time range (default: each dashboard's own, now)."
        ),
        click.option(
            "--token-env",
            default="DASHGEN_PROMETHEUS_TOKEN",
            show_default=True,
            metavar="NAME",
            help="Environment variable holding a bearer token for Prometheus, if it needs one. For basic "
            f"authentication set {PROMETHEUS_USER_ENV} and {PROMETHEUS_PASSWORD_ENV} instead.",
        ),
        click.option(
            "--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="Queries in flight at once."
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1),
            default=30.0,
            show_default=True,
            help="Seconds to wait for each answer.",
        ),
        click.option(
            "--scrape-interval",
            metavar="DURATION",
            help="Scrape interval for $__rate_interval (default: the Prometheus datasource's timeInterval).",
        ),
        click.option(
            "--env",
            "-e",
            "env_name",
            metavar="NAME",
            help="The sources as this environment of dashgen.yaml builds them (its values and folders).",
        ),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


@cli.command()
@_prometheus_options
@click.option("--dashboard", "-d", "uids", multiple=True, metavar="UID", help="Check only this dashboard (repeatable).")
@click.option("--strict", is_flag=True, help="Also fail (exit 1) when a panel, or one of its queries, returns no data.")
@click.option("--verbose", "-v", is_flag=True, help="List every panel, not only those without data.")
@OUTPUT_OPTION
@click.pass_obj
def verify(
    state: _State,
    prometheus_url: str,
    time_from: str | None,
    time_to: str | None,
    uids: tuple[str, ...],
    strict: bool,
    token_env: str,
    concurrency: int,
    timeout: float,
    scrape_interval: str | None,
    env_name: str | None,
    verbose: bool,
    output_format: str,
) -> None:
    """Run every panel's queries against a live Prometheus, as Grafana would.

    \b
    Template variables are resolved on that Prometheus (label_values(), query_result(),
    All = every value), $__interval, $__rate_interval and $__range are computed as
    Grafana computes them, and each query runs as a range or an instant query as its
    target says. Reports per dashboard and panel: data, no data, or the error
    Prometheus returned. Exit 1 on any query error; with --strict also on any panel
    without data.

    \b
    Credentials come from the environment only: a bearer token in
    DASHGEN_PROMETHEUS_TOKEN (or the variable --token-env names), or a user and
    password in DASHGEN_PROMETHEUS_USER and DASHGEN_PROMETHEUS_PASSWORD.
    """
    import time

    from .verify import VerifyOptions
    from .verify import verify as run_verify
    from .verify.report import failed, to_json, to_text

    found = _prometheus_credentials(token_env, prometheus_url)
    now = time.time()
    start, end = _time_range(time_from, time_to, now)
    options = VerifyOptions(
        prometheus_url=prometheus_url,
        start=start,
        end=end,
        dashboards=list(uids),
        credentials=found,
        concurrency=concurrency,
        timeout=timeout,
        scrape_interval=scrape_interval,
        now=now,
    )
    bar = _ProgressBar("querying") if sys.stderr.isatty() else None
    try:
        with in_environment(env_name):
            results = run_verify(state.config(env_name), options, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    if output_format == "json":
        # the secrets dashgen read; label values with URLs are data, shown as they are
        doc = redact.scrub_data(to_json(results, prometheus=prometheus_url, strict=strict), urls=False)
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        click.echo(redact.scrub(to_text(results, verbose=verbose), urls=False))
    if failed(results, strict):
        sys.exit(EXIT_ERROR)


def _time_range(time_from: str | None, time_to: str | None, now: float) -> tuple[float | None, float | None]:
    """--from/--to as unix seconds; (None, None): each dashboard's own range."""
    from .verify.grafana import parse_time

    start = parse_time(time_from, now) if time_from else None
    end = parse_time(time_to, now, round_up=True) if time_to else None
    if start is not None and end is None:
        end = now
    if end is not None and start is None:
        raise DashgenError("--to needs --from (or give neither and use each dashboard's time range)")
    if start is not None and end is not None and end <= start:
        raise DashgenError("--from must be before --to")
    return start, end


def _prometheus_credentials(token_env: str, prometheus_url: str):
    """Credentials for verify and preview, from the environment only (``credentials.resolve``).

    A URL carrying credentials is refused, without repeating it."""
    import os

    from . import credentials

    if credentials.has_userinfo(prometheus_url):
        raise DashgenError(
            "--prometheus-url must not contain credentials (user:password@): they would show in process lists and "
            f"are not sent; put a bearer token in ${token_env}, or a user and password in ${PROMETHEUS_USER_ENV} "
            f"and ${PROMETHEUS_PASSWORD_ENV}"
        )
    return credentials.resolve(
        os.environ,
        token_env=token_env,
        user_env=PROMETHEUS_USER_ENV,
        password_env=PROMETHEUS_PASSWORD_ENV,
        who="Prometheus",
        required=False,
        exclusive=True,
    )


class _ProgressBar:
    """click's progress bar on stderr (as push shows), fed by a ``(done, total)`` callback.

    With ``at_least``, no bar is drawn for fewer items than that.
    """

    def __init__(self, label: str, at_least: int = 0):
        self.label, self.at_least, self.done = label, at_least, 0
        self.bar: Any = None  # click's ProgressBar, made on the first update

    def update(self, done: int, total: int) -> None:
        if total < self.at_least:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.length = total  # grows as variables resolve into more queries
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _print_changes(result, check: bool, listing: bool) -> None:
    c = result.changes
    out = f"{result.output}/"
    for sign, paths in (("+", c.added), ("~", c.changed), ("-", c.removed)):
        for path in paths if listing else ():
            click.echo(f"  {sign} {path}")
    summary = f"{len(c.added)} added, {len(c.changed)} changed, {len(c.removed)} removed, {len(c.unchanged)} unchanged"
    if check:
        state = "is out of date" if c.any else "is up to date"
        click.echo(f"{out} {state} ({summary})" + ("; run 'dashgen build'" if c.any else ""))
    else:
        n = result.counts
        extra = "".join(
            f", {n[k]} {label}" for k, label in (("rule_groups", "rule groups"), ("manifests", "manifests")) if n.get(k)
        )
        click.echo(
            f"built {n['dashboards']} dashboards in {n['folders']} folders, {n['datasources']} datasources{extra} "
            f"into {out} ({summary})"
        )


def _connection_options() -> list:
    """Where Grafana is and how to log in: push, diff, import --grafana-url and pull."""
    return [
        click.option(
            "--grafana-url",
            metavar="URL",
            help="Grafana's URL, with the sub-path if it is served under one "
            "(https://example.com/grafana). Default: $GRAFANA_URL, else the only target "
            "of dashgen.yaml.",
        ),
        click.option(
            "--target",
            "-t",
            "target_names",
            metavar="NAME",
            multiple=True,
            help="A Grafana instance or organisation named under 'targets' in dashgen.yaml. Repeatable.",
        ),
        click.option("--all-targets", is_flag=True, help="Every target of dashgen.yaml, one after the other."),
        click.option(
            "--org-id",
            type=click.IntRange(min=1),
            metavar="ID",
            help="Organisation to work in (sent as X-Grafana-Org-Id). Default: the token's own, or the "
            "user's current one.",
        ),
        click.option(
            "--token-file",
            metavar="FILE",
            help="Read the service-account token from FILE (else $GRAFANA_TOKEN, else basic auth with "
            "$GRAFANA_USER and $GRAFANA_PASSWORD). Secrets are never taken as arguments.",
        ),
        click.option("--ca-cert", metavar="FILE", help="Verify Grafana's TLS certificate with this CA bundle (PEM)."),
        click.option(
            "--insecure", is_flag=True, help="Do not verify Grafana's TLS certificate. Only for test instances."
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1, max=600),
            metavar="SECONDS",
            help="Timeout of each request (default: push.timeout, 10).",
        ),
        click.option(
            "--retries",
            type=click.IntRange(0, 10),
            metavar="N",
            help="Retries of a request after a connection error, 429 or 5xx, with exponential backoff "
            "(default: push.retries, 4). Other 4xx answers are never retried.",
        ),
    ]


def _connection_flags(kw: dict):
    from .grafana.targets import ConnectionFlags

    return ConnectionFlags(
        grafana_url=kw["grafana_url"],
        targets=tuple(kw["target_names"]),
        all_targets=kw["all_targets"],
        org_id=kw["org_id"],
        token_file=kw["token_file"],
        ca_cert=kw["ca_cert"],
        insecure=kw["insecure"],
        timeout=kw["timeout"],
        retries=kw["retries"],
    )


def _grafana_options(fn):
    """The connection, selection and tuning options push and diff share."""
    options = [
        *_connection_options(),
        click.option(
            "--uid",
            "uids",
            metavar="UID",
            multiple=True,
            help="Only the dashboard or datasource with this uid. Repeatable.",
        ),
        click.option(
            "--folder",
            "folders",
            metavar="FOLDER",
            multiple=True,
            help="Only dashboards in this folder: its directory, title or uid ('General' for the top "
            "level). Repeatable.",
        ),
        click.option(
            "--path",
            "paths",
            metavar="PATH",
            multiple=True,
            help="Only resources defined in this source file or directory (glob patterns work). Repeatable.",
        ),
        click.option(
            "--prune",
            is_flag=True,
            help="Dashboards that carry dashgen's ownership tag but are no longer in the sources are "
            "deleted (push) or count as differences (diff), within --uid/--folder when given. "
            "Nothing without the tag is ever deleted.",
        ),
        click.option(
            "--adopt",
            is_flag=True,
            help="Take over dashboards that have a source's uid but not dashgen's ownership tag: push "
            "overwrites and tags them (so a later --prune may delete them). Without it they are "
            "conflicts and left alone.",
        ),
        click.option(
            "--concurrency",
            "-j",
            type=click.IntRange(1, 64),
            metavar="N",
            help="Requests in flight at once (default: push.concurrency in dashgen.yaml, 32: against a Grafana "
            "answering in 25 ms, 32 writes 200 dashboards faster than 16, 64 is no steadier; "
            "bench/push.py --sweep, docs/config.md).",
        ),
        click.option("--verbose", "-v", is_flag=True, help="List unchanged objects too."),
        click.option(
            "--env",
            "-e",
            "environment",
            metavar="NAME",
            help="The environment of dashgen.yaml to push (its values, folders and namespace). Default: each "
            "target's own (targets.<name>.environment).",
        ),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Run every source instead of taking the unchanged ones from the build cache (which only "
            "`dashgen build` writes; push and diff read it).",
        ),
        OUTPUT_OPTION,
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _grafana_run(state: _State, command: str, dry_run: bool, kw: dict) -> None:
    from .grafana import pipeline
    from .grafana.select import Selection

    flags = _connection_flags(kw)
    options = pipeline.Options(
        command=command,
        selection=Selection(tuple(kw["uids"]), tuple(kw["folders"]), tuple(kw["paths"])),
        flags=flags,
        dry_run=dry_run,
        prune=kw["prune"],
        adopt=kw["adopt"],
        force_secrets=kw.get("force_secrets", False),
        concurrency=kw["concurrency"],
        verbose=kw["verbose"],
        output=kw["output_format"],
        environment=kw["environment"],
        use_cache=not kw["no_cache"],
    )
    code = pipeline.run(state.config(), options)
    if code:
        sys.exit(code)


@cli.command()
@click.option(
    "--dry-run", "-n", is_flag=True, help="Show the plan (as diff does, without the JSON diffs) and write nothing."
)
@click.option(
    "--force-secrets",
    is_flag=True,
    help="Rewrite every datasource secret, even those whose value matches what dashgen last pushed.",
)
@_grafana_options
@click.pass_obj
def push(state: _State, dry_run: bool, force_secrets: bool, **kw) -> None:
    """Upload the sources to Grafana through its HTTP API.

    \b
    The same folders, datasources and dashboards `dashgen build` renders, for
    Grafanas without the sidecar or a quick loop against a dev instance:
      1. health check (reachable? credentials accepted?),
      2. read what Grafana holds and plan: create, update, unchanged, delete,
      3. write folders, then datasources, then dashboards (in their folder, with
         overwrite and a version message naming the source), then deletions.
    Unchanged objects are not written: a second push of the same sources makes no
    write at all. A read-only (provisioned) datasource is reported and left alone.

    \b
    Every dashboard pushed is tagged managed-by:dashgen (push.marker_tag in
    dashgen.yaml); --prune deletes only tagged dashboards that left the sources.
    A dashboard changed in Grafana since dashgen pushed it is reported as drift
    before it is overwritten. One with a source's uid but without the tag is not
    dashgen's: it is a conflict and left alone, unless --adopt takes it over.

    \b
    Credentials: GRAFANA_TOKEN (service-account token) or --token-file, else
    GRAFANA_USER and GRAFANA_PASSWORD; URL from --grafana-url, GRAFANA_URL or
    targets in dashgen.yaml.

    Exit codes: 0 success, 1 an error or any failed change (the others are still made).
    """
    _grafana_run(state, "push", dry_run, {**kw, "force_secrets": force_secrets})


@cli.command()
@_grafana_options
@click.pass_obj
def diff(state: _State, **kw) -> None:
    """Compare Grafana with the sources: the plan, and a unified diff per change.

    \b
    Reads only. Objects are compared in normal form: ids, versions and what
    Grafana adds on save are ignored, so an unchanged dashboard shows no diff.
    Dashboards changed in Grafana since dashgen pushed them are marked DRIFT.
    Dashboards tagged as dashgen's that left the sources are listed; with --prune
    they count as deletions. A dashboard with a source's uid but without the tag
    is a conflict; with --adopt, a takeover.

    \b
    Exit codes: 0 Grafana matches the sources, 2 it differs (push would write,
    or something cannot be pushed), 1 an error.
    """
    _grafana_run(state, "diff", False, kw)


@cli.command()
@_prometheus_options
@click.option("--uid", "uids", multiple=True, metavar="UID", help="Only this dashboard (repeatable).")
@click.option(
    "--folder",
    "folders",
    multiple=True,
    metavar="FOLDER",
    help="Only dashboards in this folder: its directory, title or uid (repeatable).",
)
@click.option(
    "--var",
    "variables",
    multiple=True,
    metavar="NAME=VALUE",
    help="Select VALUE for the template variable NAME, as Grafana's var-NAME=VALUE does; repeat for "
    "several values; 'All' selects every value.",
)
@click.option(
    "--out",
    "out_dir",
    default="preview",
    show_default=True,
    metavar="DIR",
    help="Directory for <uid>.html, <uid>.png and index.html. Only those files are written.",
)
@click.option(
    "--png",
    is_flag=True,
    help="Also screenshot each page into <uid>.png with headless Chromium "
    "(Debian's chromium package, or $DASHGEN_CHROMIUM).",
)
@click.option("--serve", is_flag=True, help="Serve the pages on localhost and rebuild them when a source changes.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address --serve binds to.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="Port --serve listens on (0: any free port).",
)
@OUTPUT_OPTION
@click.pass_obj
def preview(
    state: _State,
    prometheus_url: str,
    time_from: str | None,
    time_to: str | None,
    uids: tuple[str, ...],
    folders: tuple[str, ...],
    variables: tuple[str, ...],
    out_dir: str,
    png: bool,
    serve: bool,
    host: str,
    port: int,
    token_env: str,
    concurrency: int,
    timeout: float,
    scrape_interval: str | None,
    env_name: str | None,
    output_format: str,
) -> None:
    """Draw every dashboard with real data: an HTML page per dashboard, and PNGs.

    \b
    Runs each panel's queries as `dashgen verify` does (variables resolved on that
    Prometheus, $__interval and $__rate_interval as Grafana computes them) and draws
    the results on Grafana's 24-column grid: time series, stats, gauges, bar gauges,
    tables, text, state timelines and heatmaps, with units, legends and threshold
    colours; other panel types are labelled placeholders, panels without data are
    marked "No data". DIR/index.html lists every page with its counts. The pages are
    self-contained: open them without network access.

    \b
      dashgen preview --prometheus-url http://localhost:9090 --png
      dashgen preview --prometheus-url URL --uid flux-gitops --var namespace=apps --from now-24h
      dashgen preview --prometheus-url URL --serve --port 8000   # rebuilds on change

    Exit codes: 0 pages written, 1 an error (Prometheus unreachable, a query
    failed: the message names it; the pages are still written).
    """
    import time
    from pathlib import Path

    from .preview import PreviewOptions
    from .preview import preview as run_preview

    chosen: dict[str, list[str]] = {}
    for item in variables:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise DashgenError(f"--var {item!r}: expected NAME=VALUE")
        chosen.setdefault(name.strip(), []).append(value)
    found = _prometheus_credentials(token_env, prometheus_url)
    start, end = _time_range(time_from, time_to, time.time())
    options = PreviewOptions(
        prometheus_url=prometheus_url,
        out=Path(out_dir),
        start=start,
        end=end,
        uids=uids,
        folders=folders,
        variables=chosen,
        credentials=found,
        concurrency=concurrency,
        timeout=timeout,
        scrape_interval=scrape_interval,
        png=png,
    )
    if serve:
        from .preview.serve import serve as run_serve

        run_serve(
            lambda: state.config(env_name),
            options,
            host=host,
            port=port,
            time_range=lambda: _time_range(time_from, time_to, time.time()),
        )
        return
    bar = _ProgressBar("querying") if sys.stderr.isatty() else None
    try:
        with in_environment(env_name):
            result = run_preview(state.config(env_name), options, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    if output_format == "json":
        click.echo(json.dumps(redact.scrub_data(result.to_dict(), urls=False), indent=2, sort_keys=True))
    else:
        for page in result.pages:
            c = page.counts
            extra = f", {c['errors']} with errors" if c["errors"] else ""
            click.echo(
                f"{result.out / page.file}: {c['panels']} panels, {c['no_data']} without data{extra}"
                + (f" (+ {page.png})" if page.png else "")
            )
        click.echo(f"{result.out / result.index}: {len(result.pages)} dashboards")
    for error in result.errors:
        click.echo(f"error: {_scrub(error)}", err=True)
    if result.errors:
        sys.exit(EXIT_ERROR)


def _with_options(options: list):
    def decorate(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


GRAFANA_COM_URL_OPTION = click.option(
    "--grafana-com-url",
    metavar="URL",
    envvar="DASHGEN_GRAFANA_COM_URL",
    default="https://grafana.com",
    show_default=True,
    help="grafana.com, or a mirror of its API. Env: DASHGEN_GRAFANA_COM_URL.",
)


@cli.command("import")
@click.argument("paths", nargs=-1, type=click.Path())
@_with_options(_connection_options())
@click.option("--uid", "uids", metavar="UID", multiple=True, help="With --grafana-url: this dashboard (repeatable).")
@click.option(
    "--folder-uid",
    "folder_uids",
    metavar="UID",
    multiple=True,
    help="With --grafana-url: every dashboard of the Grafana folder with this uid (repeatable).",
)
@click.option("--all", "everything", is_flag=True, help="With --grafana-url: every dashboard the account can read.")
@click.option(
    "--folder",
    metavar="NAME",
    help="Grafana folder (directory under the sources) for every module. "
    "Default: the directory each file was in, else General (--grafana-com: where it is vendored, else General).",
)
@click.option("--force", is_flag=True, help="Overwrite modules that exist; with --grafana-com, upgrade.")
@click.option("--verbose", "-v", is_flag=True, help="List every field kept via extraJson, per panel.")
@click.option(
    "--grafana-com",
    "grafana_com",
    multiple=True,
    metavar="ID[@REVISION]",
    help="Vendor a grafana.com dashboard (repeatable): the revision given, else the latest.",
)
@GRAFANA_COM_URL_OPTION
@click.option("--python", is_flag=True, help="With --grafana-com: write a grafanalib module instead of JSON.")
@OUTPUT_OPTION
@click.pass_obj
def import_(
    state: _State,
    paths: tuple[str, ...],
    folder: str | None,
    force: bool,
    verbose: bool,
    grafana_com: tuple[str, ...],
    grafana_com_url: str,
    python: bool,
    output_format: str,
    uids: tuple[str, ...],
    folder_uids: tuple[str, ...],
    everything: bool,
    **kw,
) -> None:
    """Turn saved dashboards into grafanalib modules under the sources.

    \b
    PATHS are dashboard JSON files (Grafana's export, an API response, a kind:
    Dashboard resource), ConfigMaps of dashboards, or directories of them. Each
    dashboard becomes dashboards/<folder>/<name>.py, named after its file, that
    `dashgen build` renders back to the same JSON: every module is built and
    compared before anything is written.

    grafanalib classes stand for what grafanalib models; extraJson keeps the rest.
    Fields grafanalib writes differently or always (and a panel with no grafanalib
    class) are kept too, but not idiomatically: they are counted per dashboard and
    listed with --verbose. Nulls are dropped, as for every Python source.

    \b
    From a live Grafana instead of files (reads only; the connection and
    credentials options, GRAFANA_URL and GRAFANA_TOKEN, as for push):
      dashgen import --grafana-url URL --uid UID | --folder-uid UID | --all
    Each Grafana folder becomes the directory dashgen.yaml gives its uid, else one
    named after its title; the 'folders:' entries push needs to put the dashboards
    back in the same folders are printed. The ownership tag push adds is left out.

    --grafana-com 7249[@REVISION] vendors a community dashboard instead: the revision
    is downloaded, its __inputs filled from the sources' datasources, migrated and
    written to dashboards/<folder>/<slug>.json (a module with --python), with
    <slug>.grafana-com.yaml beside it recording id, revision, sha256 and date.
    Importing a vendored id again upgrades it in place (--force); see `dashgen community`.

    Writes nothing on any error; a module that exists is an error without --force.
    """
    if grafana_com:
        if paths:
            raise click.UsageError("give PATHS or --grafana-com, not both")
        if uids or folder_uids or everything:
            raise click.UsageError("give a Grafana (--uid, --folder-uid, --all) or --grafana-com, not both")
        _import_grafana_com(state, grafana_com, grafana_com_url, folder, python, force, output_format)
        return
    if python:
        raise click.UsageError("--python goes with --grafana-com (files are always imported as Python)")
    from . import sources
    from .pycode import files, helpers

    config = state.config()
    root = config.sources_dir
    remote = any(kw[k] for k in ("grafana_url", "target_names", "all_targets")) or uids or folder_uids or everything
    hints: list[str] = []
    if remote and paths:
        raise DashgenError("give PATHS or a Grafana (--grafana-url with --uid/--folder-uid/--all), not both")
    if not remote and not paths:
        raise DashgenError(
            "nothing to import: give PATHS to import, or --grafana-com ID, "
            "or --grafana-url URL with --uid, --folder-uid or --all"
        )
    found_remote = None
    if remote:
        from .grafana import export, targets

        connections = targets.resolve(config, _connection_flags(kw))
        if len(connections) != 1:
            raise DashgenError("import reads one Grafana: name one --target")
        exported = export.read(
            connections[0], uids=uids, folder_uids=folder_uids, everything=everything, marker=config.push.marker_tag
        )
        found_remote, hints = files.from_grafana(exported, config, connections[0].label, folder=folder)
    bar = _ProgressBar("converting", at_least=PROGRESS_FROM) if sys.stderr.isatty() else None
    try:
        with sources._package(root):
            from .canonical import known_datasources

            found = helpers.discover(root)
            known = known_datasources(d.model for d in sources.load_datasources(config))
            common = dict(
                force=force,
                helpers=found,
                config_dir=config.root,
                progress=bar.update if bar else None,
                datasources=known,
            )
            if found_remote is not None:
                imported = files.convert_all(found_remote, root, **common)
            else:
                imported = files.plan(list(paths), root, folder=folder, **common)
    finally:
        if bar:
            bar.close()
    files.write(imported)
    if hints:
        click.echo(
            f"to push them back into the same Grafana folders, {config.file} needs:\nfolders:\n" + "\n".join(hints),
            err=True,
        )
    if output_format == "json":
        doc = [
            {
                "source": i.saved.source,
                "module": str(i.target),
                "folder": i.folder,
                "title": i.conversion.title,
                "exact": i.conversion.exact,
                "kept": [{"where": n.where, "field": n.field, "how": n.how} for n in i.conversion.notes],
                "not_kept": i.conversion.lost,
            }
            for i in imported
        ]
        click.echo(json.dumps({"imported": doc}, indent=2, sort_keys=True))
        return
    for i in imported:
        c = i.conversion
        state_ = (
            "builds to the same JSON"
            if c.exact
            else f"builds to the same JSON except {len(c.lost)} fields no Python source keeps"
        )
        kept = f"; {len(c.notes)} fields not idiomatic, kept via extraJson or as dicts" if c.notes else ""
        click.echo(f"{i.target}: {c.title} ({state_}{kept})")
        if verbose:
            for note in c.notes:
                click.echo(f"  {note}")
            for lost in c.lost:
                click.echo(f"  not kept: {lost}")
    if not verbose and any(i.conversion.notes or i.conversion.lost for i in imported):
        click.echo("(-v lists the fields)")


@cli.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--check", is_flag=True, help="Write nothing; exit 2 if any file is not in the canonical form.")
@click.option(
    "--migrate", is_flag=True, help="Also convert AngularJS panels (graph, singlestat...) as Grafana 12 does."
)
@OUTPUT_OPTION
@click.pass_obj
def fmt(state: _State, paths: tuple[str, ...], check: bool, migrate: bool, output_format: str) -> None:
    """Rewrite dashboard files in dashgen's canonical form, in the shape they came in.

    \b
    Without PATHS: the JSON dashboards under the sources (dashboards/). PATHS may be
    files or directories of Grafana exports, API bodies {dashboard, meta},
    kind: Dashboard resources and ConfigMaps (or ConfigMapLists) of dashboards.

    \b
    The canonical form is what `dashgen build` renders: the schema steps up to
    Grafana 12's schemaVersion, grafana.com ${DS_X} inputs resolved (to the
    dashboard's datasource variable, else the sources' datasource of that type), no
    id/version/iteration/gnetId/__requires, no nulls and no default values Grafana
    reads the same without, panels in Grafana's order, keys sorted. Running it twice
    changes nothing. A file is written only when it changes, atomically; a file that
    cannot be formatted is named in one line and left untouched.

    Exit codes: 0 done (--check: all canonical), 1 errors, 2 --check found files to change.
    """
    from .fmt import run

    bar = _ProgressBar("formatting", at_least=PROGRESS_FROM) if sys.stderr.isatty() else None
    try:
        result = run(state.config(), paths, check=check, migrate=migrate, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    changed, errors = result.changed, result.errors
    if output_format == "json":
        doc = {
            "check": check,
            "migrate": migrate,
            "files": [f.to_dict() for f in result.files],
            "changed": len(changed),
            "unchanged": len(result.files) - len(changed) - len(errors),
            "errors": len(errors),
            "skipped": result.skipped,
        }
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for f in result.files:
            if f.error:
                click.echo(f"error: {f.where}: {_scrub(f.error)}", err=True)
                continue
            if f.changed:
                verb = "would reformat" if check else "formatted"
                click.echo(f"{verb} {f.path}" + (f" (migrated {f.migrated})" if f.migrated else ""))
            if f.angular:
                click.echo(
                    f"note: {f.path}: {f.angular} AngularJS panel{'s' * (f.angular != 1)} left, which Grafana 12 "
                    "cannot show: `dashgen fmt --migrate` converts them",
                    err=True,
                )
        unchanged = len(result.files) - len(changed) - len(errors)
        verb = "would be reformatted" if check else "reformatted"
        summary = f"{len(changed)} file{'s' * (len(changed) != 1)} {verb}, {unchanged} unchanged"
        click.echo(summary + (f", {len(errors)} with errors" if errors else ""))
    if errors:
        sys.exit(EXIT_ERROR)
    if check and changed:
        sys.exit(EXIT_DIFFERS)


@cli.command()
@_with_options(_connection_options())
@click.option("--uid", "uids", metavar="UID", multiple=True, help="Only this dashboard (repeatable).")
@click.option(
    "--write-json",
    metavar="PATH",
    help="For Python sources: also save the live JSON here (a directory, <uid>.json each, when several differ).",
)
@OUTPUT_OPTION
@click.pass_obj
def pull(state: _State, uids: tuple[str, ...], write_json: str | None, output_format: str, **kw) -> None:
    """Bring edits made in Grafana back into the sources.

    \b
    For each dashboard of the sources (or --uid) that differs in Grafana:
      - a JSON source is rewritten with the live dashboard (its own shape, dashgen's
        JSON form, without the ownership tag push adds), so diff then exits 0;
      - a Python source is left alone: the unified diff between what it builds and
        what Grafana holds is printed (--write-json saves the live JSON) for the
        edit to be ported by hand.
    Reads Grafana only; the connection options and GRAFANA_URL/GRAFANA_TOKEN as for push.

    Exit codes: 0 nothing to pull, 2 pulled or different, 1 an error.
    """
    from .grafana import pull as pulling

    result = pulling.run(state.config(), _connection_flags(kw), uids=uids, write_json=write_json)
    if output_format == "json":
        items = [{"uid": i.uid, "source": i.source, "action": i.action, "live_json": i.written} for i in result.items]
        click.echo(json.dumps({"dashboards": items}, indent=2, sort_keys=True))
    else:
        for i in result.items:
            if i.action == "pulled":
                click.echo(f"{i.source}: pulled {i.uid} from Grafana")
            elif i.action == "differs":
                click.echo(f"{i.source}: {i.uid} differs in Grafana; port the edit by hand:")
                click.echo(i.diff, nl=False)
                if i.written:
                    click.echo(f"live JSON written to {i.written}")
            elif i.action == "missing":
                click.echo(f"{i.source}: {i.uid} is not in Grafana (push creates it)")
        if not result.changed:
            click.echo("nothing to pull")
    if result.changed:
        sys.exit(EXIT_DIFFERS)


def _import_grafana_com(
    state: _State, wanted: tuple[str, ...], url: str, folder: str | None, python: bool, force: bool, output_format: str
) -> None:
    from . import community
    from .community import vendor

    config = state.config()
    planned = community.import_dashboards(config, list(wanted), url=url, folder=folder, python=python, force=force)
    if output_format == "json":
        click.echo(json.dumps({"imported": vendor.to_json(planned, config.root)}, indent=2, sort_keys=True))
        return
    for p in planned:
        where = vendor.relative(p.target, config.root)
        if p.unchanged:
            click.echo(
                f"{where}: grafana.com {p.wanted.id} revision {p.origin.revision} is vendored already: unchanged"
            )
            continue
        how = f"upgraded from revision {p.previous.revision}" if p.previous else f"sha256 {p.origin.sha256[:12]}"
        migrated = f"; migrated {p.migration}" if p.migration else ""
        click.echo(f"{where}: {p.title} (grafana.com {p.wanted.id} revision {p.origin.revision}, {how}{migrated})")
        if p.uid_note:
            click.echo(f"  {p.uid_note}")
        for name, value in sorted(p.origin.inputs.items()):
            click.echo(f"  input {name} = {value}")
    if any(not p.unchanged for p in planned):
        click.echo("review the diff, then dashgen build; dashgen community lists newer revisions")


@cli.command()
@click.option("--check", is_flag=True, help="Exit 2 when a vendored dashboard has a newer revision (for scheduled CI).")
@GRAFANA_COM_URL_OPTION
@OUTPUT_OPTION
@click.pass_obj
def community(state: _State, check: bool, grafana_com_url: str, output_format: str) -> None:
    """List the dashboards vendored from grafana.com, pinned and latest revision.

    Each dashboard `dashgen import --grafana-com` wrote has a <name>.grafana-com.yaml
    record beside it; this asks grafana.com for the latest revision of each.
    `dashgen import --grafana-com ID@NEW --force` upgrades one in place.

    Exit codes: 0 listed (with --check: all up to date), 1 error, 2 with --check:
    a newer revision exists.
    """
    from . import community as vendoring
    from .community import listing

    statuses = vendoring.status(state.config(), url=grafana_com_url)
    if output_format == "json":
        click.echo(json.dumps(listing.to_json(statuses), indent=2, sort_keys=True))
    elif not statuses:
        click.echo("no dashboards vendored from grafana.com (dashgen import --grafana-com ID vendors one)")
    else:
        for line in listing.to_text(statuses):
            click.echo(line)
        newer = sum(s.newer for s in statuses)
        click.echo(f"{newer} of {len(statuses)} vendored dashboards have a newer revision")
    if check and any(s.newer for s in statuses):
        sys.exit(EXIT_DIFFERS)


class _Terminated(KeyboardInterrupt):
    """SIGTERM (``kill``), raised where the program is, so it cleans up as after Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors, tracebacks only with --debug.

    While it runs, SIGTERM unwinds like Ctrl-C: a build removes its staging directory and
    rolls back, where the default action would end the process on the spot.

    Run as the ``dashgen`` program (``argv`` None), the process ends right after: the objects
    left are frozen out of the garbage collector, whose last full collection at exit walked
    every loaded model and live dashboard for nothing (measured: 40 of the 50 ms a
    200-dashboard push spent exiting). Exit handlers and flushing run as usual.
    """
    import signal
    import threading

    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        if argv is None:
            import gc

            gc.freeze()


def _main(argv: list[str] | None) -> None:
    import signal

    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    failed = _Failure(args)
    try:
        cli.main(args=args, prog_name="dashgen", standalone_mode=False)
    except click.exceptions.Abort as exc:
        # Outside standalone mode click turns Ctrl-C (KeyboardInterrupt) into Abort, raised from it.
        if isinstance(exc.__cause__, _Terminated):
            failed.report(["terminated"], 128 + signal.SIGTERM, prefix="")
        if isinstance(exc.__cause__, KeyboardInterrupt):
            failed.report(["interrupted"], EXIT_INTERRUPTED, prefix="")
        failed.report(["aborted"], EXIT_ERROR, prefix="")
    except click.ClickException as exc:
        if failed.json and exc.exit_code != 0:
            failed.report([DashgenError(exc.format_message())], EXIT_ERROR)
        exc.show()
        sys.exit(EXIT_ERROR if exc.exit_code != 0 else 0)
    except DashgenErrors as exc:
        if debug:
            raise
        failed.report(exc.errors, EXIT_ERROR)
    except DashgenError as exc:
        if debug:
            raise
        failed.report([exc], EXIT_ERROR)
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line unless --debug
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        failed.report([f"internal error ({type(exc).__name__}: {first}); rerun with --debug and report it"], EXIT_ERROR)


class _Failure:
    """How a command that failed says so: ``error:`` lines on stderr and, when the command
    was given ``-o json``, one JSON document on stdout with the same errors."""

    def __init__(self, args: list[str]):
        self.command = next((a for a in args if a in cli.commands), None)
        self.json = self.command is not None and _json_output(args[args.index(self.command) + 1 :])

    def report(self, errors: list, code: int, *, prefix: str = "error: ") -> NoReturn:
        items = [e if isinstance(e, DashgenError) else DashgenError(e) for e in errors]
        for e in items:
            click.echo(f"{prefix}{_scrub(str(e))}", err=True)
        if self.json:
            doc = {
                "command": self.command,
                "ok": False,
                "exit_code": code,
                "errors": [
                    {
                        "environment": e.environment,
                        "path": _scrub(e.path) if e.path else None,
                        "line": e.line,
                        "message": _scrub(e.message),
                        "text": _scrub(str(e)),
                    }
                    for e in items
                ],
            }
            click.echo(json.dumps(doc, indent=2, sort_keys=True))
        sys.exit(code)


def _json_output(args: list[str]) -> bool:
    """Whether a command's arguments ask for ``-o json`` (read before click parses them,
    so a usage error still gets its document)."""
    for i, arg in enumerate(args):
        if arg == "--":
            return False
        if arg in ("-o", "--output") and args[i + 1 : i + 2] == ["json"]:
            return True
        if arg in ("-ojson", "--output=json"):
            return True
    return False


def _scrub(text: str) -> str:
    """Credentials out of an error line: ``user:password@`` in any URL, and every secret registered as read."""
    return redact.scrub(text)
