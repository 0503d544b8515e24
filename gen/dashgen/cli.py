"""The ``dashgen`` command line: parses arguments and calls the pipeline modules.

Exit codes, for every command: 0 success (or nothing differs), 1 an error (bad input,
failed checks, unreachable server), 2 differences found (``build --check``, ``diff``).
Commands import only what they use, so ``dashgen --help`` and ``build`` stay fast.
"""

from __future__ import annotations

import json
import sys

import click

from . import __version__
from .errors import DashgenError, DashgenErrors

EXIT_OK, EXIT_ERROR, EXIT_DIFFERS = 0, 1, 2

OUTPUT_OPTION = click.option(
    "--output", "-o", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="Human-readable text, or one JSON document on stdout for automation.",
)


class _State:
    def __init__(self, config_path: str | None, debug: bool):
        self.config_path = config_path
        self.debug = debug

    def config(self):
        from . import config

        return config.load(self.config_path)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--config", "-c", "config_path", metavar="FILE", envvar="DASHGEN_CONFIG",
              help="Config file (default: ./dashgen.yaml, optional). Env: DASHGEN_CONFIG.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.version_option(__version__, prog_name="dashgen")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, debug: bool) -> None:
    """Grafana dashboards, datasources and alert rules as code for Flux GitOps clusters.

    Sources live in dashboards/ (grafanalib modules, exported JSON dashboards,
    datasource and rule definitions). `dashgen build` renders them into provisioning/
    for Flux and Grafana's sidecar.

    Exit codes: 0 success, 1 error, 2 differences found (build --check, diff).
    """
    ctx.obj = _State(config_path, debug)


@cli.command()
@click.option("--check", is_flag=True,
              help="Write nothing; list what would be added, changed or removed and exit 2 if anything would.")
@click.option("--verbose", "-v", is_flag=True, help="List every file added, changed or removed.")
@OUTPUT_OPTION
@click.pass_obj
def build(state: _State, check: bool, verbose: bool, output_format: str) -> None:
    """Render the sources into the output directory (default provisioning/).

    \b
    Writes, reproducibly (same sources, same bytes):
      dashboards/<Folder>/<uid>.json        canonical dashboard JSON
      grafana/{datasources,dashboards}/     Grafana file-provisioning files
      kubernetes/                           ConfigMaps for the sidecar, other objects
      kustomization.yaml                    lists every Kubernetes object, for Flux
      dashgen-files.json                    the files dashgen owns

    Only files listed in dashgen-files.json are ever changed or deleted. On any
    error nothing is written.
    """
    from .build import build as run_build

    result = run_build(state.config(), check=check)
    changes = result.changes
    for warning in result.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output_format == "json":
        doc = {"output": str(result.output), "check": check, "written": result.written,
               "up_to_date": not changes.any, **changes.to_dict(), "counts": result.counts,
               "warnings": [str(w) for w in result.warnings]}
        click.echo(json.dumps(doc, indent=2, sort_keys=True))
    else:
        for path in changes.edited_by_hand:
            click.echo(f"warning: {result.output}/{path} was edited by hand; "
                       f"{'build would overwrite' if check else 'overwritten'} (edit the sources instead)", err=True)
        _print_changes(result, check, verbose or check)
    if check and changes.any:
        sys.exit(EXIT_DIFFERS)


@cli.command()
@click.option("--prometheus-url", required=True, metavar="URL", envvar="DASHGEN_PROMETHEUS_URL",
              help="Prometheus to query, e.g. http://localhost:9090. Env: DASHGEN_PROMETHEUS_URL.")
@click.option("--from", "time_from", metavar="TIME",
              help="Start of the time range: now-6h, epoch seconds or ms, RFC 3339. Default: each dashboard's own.")
@click.option("--to", "time_to", metavar="TIME", help="End of the time range (default: each dashboard's own, now).")
@click.option("--dashboard", "-d", "uids", multiple=True, metavar="UID", help="Check only this dashboard (repeatable).")
@click.option("--strict", is_flag=True, help="Also fail (exit 1) when a panel, or one of its queries, returns no data.")
@click.option("--token-env", default="DASHGEN_PROMETHEUS_TOKEN", show_default=True, metavar="NAME",
              help="Environment variable holding a bearer token for Prometheus, if it needs one.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=8, show_default=True,
              help="Queries in flight at once.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds to wait for each answer.")
@click.option("--scrape-interval", metavar="DURATION",
              help="Scrape interval for $__rate_interval (default: the Prometheus datasource's timeInterval).")
@click.option("--verbose", "-v", is_flag=True, help="List every panel, not only those without data.")
@OUTPUT_OPTION
@click.pass_obj
def verify(state: _State, prometheus_url: str, time_from: str | None, time_to: str | None, uids: tuple[str, ...],
           strict: bool, token_env: str, concurrency: int, timeout: float, scrape_interval: str | None,
           verbose: bool, output_format: str) -> None:
    """Run every panel's queries against a live Prometheus, as Grafana would.

    \b
    Template variables are resolved on that Prometheus (label_values(), query_result(),
    All = every value), $__interval, $__rate_interval and $__range are computed as
    Grafana computes them, and each query runs as a range or an instant query as its
    target says. Reports per dashboard and panel: data, no data, or the error
    Prometheus returned. Exit 1 on any query error; with --strict also on any panel
    without data.
    """
    import os
    import time

    from .verify import VerifyOptions, verify as run_verify
    from .verify.grafana import parse_time
    from .verify.report import failed, to_json, to_text

    now = time.time()
    start = parse_time(time_from, now) if time_from else None
    end = parse_time(time_to, now, round_up=True) if time_to else None
    if start is not None and end is None:
        end = now
    if end is not None and start is None:
        raise DashgenError("--to needs --from (or give neither and use each dashboard's time range)")
    if start is not None and end is not None and end <= start:
        raise DashgenError("--from must be before --to")
    options = VerifyOptions(prometheus_url=prometheus_url, start=start, end=end, dashboards=list(uids),
                            token=os.environ.get(token_env) or None, concurrency=concurrency, timeout=timeout,
                            scrape_interval=scrape_interval, now=now)
    bar = _ProgressBar(sys.stderr) if sys.stderr.isatty() else None
    try:
        results = run_verify(state.config(), options, progress=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    if output_format == "json":
        click.echo(json.dumps(to_json(results, prometheus=prometheus_url, strict=strict), indent=2, sort_keys=True))
    else:
        click.echo(to_text(results, verbose=verbose))
    if failed(results, strict):
        sys.exit(EXIT_ERROR)


class _ProgressBar:
    """``[#####.....] 12/40 queries`` on a terminal, redrawn in place."""

    def __init__(self, stream, width: int = 30):
        self.stream, self.width, self.shown = stream, width, False

    def update(self, done: int, total: int) -> None:
        filled = self.width * done // total if total else self.width
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} queries")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r" + " " * (self.width + 30) + "\r")
            self.stream.flush()


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
        click.echo(f"built {n['dashboards']} dashboards in {n['folders']} folders, {n['datasources']} datasources "
                   f"into {out} ({summary})")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: one-line errors, tracebacks only with --debug."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="dashgen", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(EXIT_ERROR)
    except click.ClickException as exc:
        exc.show()
        sys.exit(EXIT_ERROR if exc.exit_code != 0 else 0)
    except DashgenErrors as exc:
        if debug:
            raise
        for line in exc.lines():
            click.echo(f"error: {line}", err=True)
        sys.exit(EXIT_ERROR)
    except DashgenError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_ERROR)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line unless --debug
        if debug:
            raise
        first = str(exc).splitlines()[0] if str(exc) else ""
        click.echo(f"error: internal error ({type(exc).__name__}: {first}); rerun with --debug and report it", err=True)
        sys.exit(EXIT_ERROR)
