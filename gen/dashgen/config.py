"""``dashgen.yaml``: every key, its type and its default.

The file is optional; the defaults fit a kube-prometheus-stack install. The schema is
the dataclasses below: a key that is not a field, or a value of the wrong type, is a
:class:`DashgenError` that names the key (``sidecar.folder_annotation``), so a typo
never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from . import redact
from .errors import DashgenError
from .names import ENV_NAME_RE, did_you_mean, is_dns_subdomain, is_label_value, is_qualified_name

if typing.TYPE_CHECKING:
    from .lint import LintSettings

CONFIG_FILE = "dashgen.yaml"


@dataclass(frozen=True)
class FolderSpec:
    """A Grafana folder made from a first-level directory of the sources."""

    title: str
    uid: str | None = None
    parent_uid: str | None = None  # nest it in this Grafana folder (another folder's uid)


@dataclass(frozen=True)
class Sidecar:
    """Labels and annotation the Grafana sidecar (k8s-sidecar) selects on."""

    dashboard_labels: dict[str, str] = field(default_factory=lambda: {"grafana_dashboard": "1"})
    datasource_labels: dict[str, str] = field(default_factory=lambda: {"grafana_datasource": "1"})
    folder_annotation: str = "grafana_folder"


@dataclass(frozen=True)
class GrafanaFiles:
    """Where Grafana finds the files of the file-provisioning output."""

    dashboards_path: str = "/var/lib/grafana/dashboards"
    provider_name: str = "dashgen"
    allow_ui_updates: bool = False


@dataclass(frozen=True)
class PrometheusSelection:
    """How kube-prometheus-stack's Prometheus finds the objects dashgen renders."""

    # On every PrometheusRule, PodMonitor, ServiceMonitor, Probe and ScrapeConfig: the chart's
    # ruleSelector / podMonitorSelector / serviceMonitorSelector match ``release: <release name>``.
    selector_labels: dict[str, str] = field(default_factory=lambda: {"release": "kube-prometheus-stack"})


@dataclass(frozen=True)
class SecretRef:
    """A key of a Kubernetes Secret in the AlertmanagerConfig's namespace. Never the value."""

    secret: str
    key: str


@dataclass(frozen=True)
class SlackReceiver:
    api_url: SecretRef  # the incoming-webhook URL is a credential
    channel: str | None = None
    send_resolved: bool = True


@dataclass(frozen=True)
class EmailReceiver:
    to: str
    sender: str = field(metadata={"key": "from"})
    smarthost: str  # host:port
    auth_username: str | None = None
    auth_password: SecretRef | None = None
    require_tls: bool = True
    send_resolved: bool = True


@dataclass(frozen=True)
class PagerDutyReceiver:
    routing_key: SecretRef  # Events API v2 integration key
    send_resolved: bool = True


@dataclass(frozen=True)
class Receiver:
    """One named receiver: any of Slack, email and PagerDuty (at least one)."""

    slack: SlackReceiver | None = None
    email: EmailReceiver | None = None
    pagerduty: PagerDutyReceiver | None = None


@dataclass(frozen=True)
class Alertmanager:
    """The AlertmanagerConfig (monitoring.coreos.com/v1alpha1) dashgen renders, if any receiver is set."""

    name: str = "dashgen"
    labels: dict[str, str] = field(default_factory=dict)
    receivers: dict[str, Receiver] = field(default_factory=dict)
    routes: dict[str, list[str]] = field(default_factory=dict)  # severity -> receiver names
    default_receiver: str | None = None
    matchers: dict[str, str] = field(default_factory=dict)
    group_by: list[str] = field(default_factory=lambda: ["alertname", "namespace"])
    group_wait: str = "30s"
    group_interval: str = "5m"
    repeat_interval: str = "4h"


@dataclass(frozen=True)
class LabelRequirement:
    """One requirement of a Kubernetes label selector (``matchExpressions`` item)."""

    key: str
    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    values: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes label selector, written as in Kubernetes (``matchLabels``, ``matchExpressions``)."""

    match_labels: dict[str, str] = field(default_factory=dict, metadata={"key": "matchLabels"})
    match_expressions: list[LabelRequirement] = field(default_factory=list, metadata={"key": "matchExpressions"})

    def to_kubernetes(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [
                {"key": r.key, "operator": r.operator, **({"values": list(r.values)} if r.values else {})}
                for r in self.match_expressions
            ]
        return out


@dataclass(frozen=True)
class OperatorOutput:
    """grafana-operator (grafana.integreatly.org/v1beta1) objects: which Grafanas take them, how often."""

    instance_selector: LabelSelector | None = None  # required when the operator kind is rendered
    resync_period: str | None = None  # a Go duration; the operator's default is 10m
    allow_cross_namespace_import: bool = False
    # The Secret (in the namespace) whose keys are the ${VAR} names of datasources' secureJsonData.
    datasource_secret: str = "grafana-datasource-secrets"
    # Dashboards vendored from grafana.com: their JSON (inline), or grafanaCom {id, revision} the operator fetches.
    grafana_com: Literal["inline", "reference"] = "inline"


OutputKind = Literal["sidecar", "operator"]


@dataclass(frozen=True)
class Output:
    """Where ``dashgen build`` writes, and the Kubernetes objects Grafana takes dashboards from:
    ConfigMaps for the sidecar, grafana-operator objects, or both. A string is the path."""

    path: str = "provisioning"
    kinds: list[OutputKind] = field(default_factory=lambda: ["sidecar"])
    operator: OperatorOutput = field(default_factory=OperatorOutput)


@dataclass(frozen=True)
class FolderFilter:
    """Which first-level source directories (folders) an environment ships."""

    include: list[str] | None = None  # None: all
    exclude: list[str] = field(default_factory=list)

    def ships(self, directory: str) -> bool:
        """Dashboards at the top (General, ``""``) always ship."""
        if not directory:
            return True
        return (self.include is None or directory in self.include) and directory not in self.exclude


@dataclass(frozen=True)
class Environment:
    """One cluster (or Grafana): ``values`` deep-merge over the top-level ``values``, and so
    do ``alertmanager`` and ``output`` over theirs; ``namespace`` replaces, ``folders`` filters."""

    values: dict[str, Any] = field(default_factory=dict)
    namespace: str | None = None
    folders: FolderFilter = field(default_factory=FolderFilter)
    alertmanager: dict[str, Any] | None = None  # read as alertmanager: once merged
    output: dict[str, Any] | None = None  # read as output: once merged (kinds, operator)


@dataclass(frozen=True)
class GrafanaTarget:
    """A Grafana instance (and org) that ``dashgen push``/``diff`` talk to by name.

    Secrets never live in the file: the credentials come from the environment variables
    (or the token file) named here.
    """

    url: str
    org_id: int | None = None
    token_env: str = "GRAFANA_TOKEN"
    token_file: str | None = None
    user_env: str = "GRAFANA_USER"
    password_env: str = "GRAFANA_PASSWORD"
    ca_cert: str | None = None
    insecure: bool = False
    environment: str | None = None  # the environment pushed to this Grafana


@dataclass(frozen=True)
class Push:
    """Defaults of ``dashgen push`` and ``dashgen diff``."""

    marker_tag: str = "managed-by:dashgen"
    concurrency: int = 32  # measured: bench/push.py --sweep (docs/config.md)
    timeout: float = 10.0
    retries: int = 4


Severity = Literal["error", "warning", "off"]


@dataclass(frozen=True)
class LintExclusion:
    """Silence ``rule`` for one dashboard (name, uid or title) and/or one panel (title); say why."""

    rule: str
    reason: str
    dashboard: str | int | float | None = None  # numbers are titles too: matched as text
    panel: str | int | float | None = None


@dataclass(frozen=True)
class LintPath:
    """Severities for the source files ``glob`` matches (``dashboards/vendor/**``), relative to
    this file's directory; applied over ``lint.rules``, later entries over earlier ones."""

    glob: str
    rules: dict[str, Severity]  # rule name or "*" (every rule on by default) -> error | warning | off


@dataclass(frozen=True)
class Lint:
    """``dashgen lint`` and the lint step of build, push and diff. Rule names are checked
    against the lint registry when the settings are made (:meth:`Config.lint_settings`)."""

    rules: dict[str, Severity] = field(default_factory=dict)  # rule name or "*" -> error | warning | off
    paths: list[LintPath] = field(default_factory=list)
    exclusions: list[LintExclusion] = field(default_factory=list)
    strict: bool = False  # warnings fail too


@dataclass(frozen=True)
class Config:
    """The whole of ``dashgen.yaml``."""

    sources: str = "dashboards"
    sources_timeout: float = 60.0  # seconds each source file may take to load
    sources_ignore: list[str] = field(default_factory=list)  # glob patterns of files that are not sources
    output: Output = field(default_factory=Output)
    namespace: str = "monitoring"
    labels: dict[str, str] = field(default_factory=dict)
    folders: dict[str, FolderSpec] = field(default_factory=dict)
    sidecar: Sidecar = field(default_factory=Sidecar)
    grafana: GrafanaFiles = field(default_factory=GrafanaFiles)
    prometheus: PrometheusSelection = field(default_factory=PrometheusSelection)
    alertmanager: Alertmanager = field(default_factory=Alertmanager)
    values: dict[str, Any] = field(default_factory=dict)
    migrate: bool = True  # build converts the AngularJS panels of JSON sources (a warning per file)
    lint: Lint = field(default_factory=Lint)
    push: Push = field(default_factory=Push)
    targets: dict[str, GrafanaTarget] = field(default_factory=dict)
    environments: dict[str, Environment] = field(default_factory=dict)

    # Set by load(), not by the file: the directory paths are relative to, and the file's
    # path as given (messages name it), "dashgen.yaml" when there is no file.
    root: Path = field(default=Path("."), metadata={"internal": True})
    file: str = field(default=CONFIG_FILE, metadata={"internal": True})
    # Set by environments.resolve(): the environment this config is for, and the mapping it was read from.
    environment: str | None = field(default=None, metadata={"internal": True})
    mapping: dict[str, Any] = field(default_factory=dict, metadata={"internal": True}, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.output, str):  # Config(output="dir"), as in the file
            object.__setattr__(self, "output", Output(path=self.output))

    @property
    def sources_dir(self) -> Path:
        return self.root / self.sources

    @property
    def output_dir(self) -> Path:
        return self.root / self.output.path

    def lint_settings(self) -> LintSettings:
        """The ``lint:`` section as the lint engine's settings; ``ValueError`` names an unknown rule."""
        from .lint import Exclusion, LintSettings, PathRules

        lint = self.lint
        exclusions = tuple(
            Exclusion(rule=e.rule, reason=e.reason.strip(), dashboard=_text(e.dashboard), panel=_text(e.panel))
            for e in lint.exclusions
        )
        paths = tuple(PathRules(p.glob, p.rules) for p in lint.paths)
        try:
            return LintSettings(rules=lint.rules, exclusions=exclusions, strict=lint.strict, paths=paths)
        except ValueError as exc:
            raise ValueError(f"lint.{exc}") from None

    def for_environment(self, name: str) -> Config:
        """This config as environment ``name`` has it: values, alertmanager and output merged,
        namespace replaced, output written to ``<output.path>/<name>``."""
        env = self.environments.get(name)
        if env is None:
            known = ", ".join(sorted(self.environments)) or "none defined"
            raise DashgenError(f"no environment '{name}' (environments: {known})", path=self.file)
        try:
            return _environment_config(self, name, env)
        except ValueError as exc:  # validated on load; only a Config built by hand gets here
            raise DashgenError(str(exc), path=self.file) from None

    def folder(self, directory: str) -> FolderSpec:
        """The folder for a first-level source directory, with the default title."""
        spec = self.folders.get(directory)
        if spec is not None:
            return spec
        return FolderSpec(title=directory.replace("_", " ").replace("-", " ").title())


def load(path: str | Path | None = None, *, root: str | Path | None = None) -> Config:
    """Read and validate the config.

    ``path`` None means ``dashgen.yaml`` in ``root`` (default: the current directory),
    and a missing default file means all defaults. An explicit ``path`` must exist.
    Relative paths in the file are relative to the file's directory.
    """
    explicit = path is not None
    if path is None:
        path = Path(root or ".") / CONFIG_FILE
    path = Path(path)
    if not path.exists():
        if explicit:
            raise DashgenError("config file not found", path=str(path))
        return Config(root=Path(root or "."))
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DashgenError(f"invalid YAML: {problem}", path=str(path), line=line) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise DashgenError(f"cannot read config: {exc}", path=str(path)) from None
    if data is None:
        data = {}
    try:
        config = from_mapping(data)
        if config.lint != Lint():  # only then is the lint engine worth importing here
            config.lint_settings()
    except ValueError as exc:
        raise DashgenError(str(exc), path=str(path)) from None
    return dataclasses.replace(config, root=path.parent, file=str(path))


def from_mapping(data: Any) -> Config:
    """Build a Config from parsed YAML; ``ValueError`` names the offending key."""
    config = _convert(Config, data, "")
    if not 0 < config.sources_timeout <= 86400:
        raise ValueError(
            f"key 'sources_timeout': expected seconds, more than 0 and at most 86400, got {config.sources_timeout:g}"
        )
    _validate_push(config)
    config = dataclasses.replace(config, mapping=data if isinstance(data, dict) else {})
    if not config.environments:
        _validate_output(config.output, "output")
    for name, env in config.environments.items():
        _environment_config(config, name, env)
    for name, target in config.targets.items():
        if target.environment is not None and target.environment not in config.environments:
            known = ", ".join(sorted(config.environments)) or "none defined"
            raise ValueError(
                f"key 'targets.{name}.environment': no environment '{target.environment}' (environments: {known})"
            )
    return config


# An environment's tree is <output>/<name>: names must be directory names that cannot be
# mistaken for what a tree holds at its top.
ENVIRONMENT_NAME_RE = re.compile(r"\A[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\Z")
RESERVED_ENVIRONMENT_NAMES = frozenset({"dashboards", "grafana", "kubernetes"})


def _environment_config(config: Config, name: str, env: Environment) -> Config:
    key = f"environments.{name}"
    if not ENVIRONMENT_NAME_RE.fullmatch(name) or len(name) > 63 or name in RESERVED_ENVIRONMENT_NAMES:
        raise ValueError(
            f"key '{key}': environment names are lowercase letters, digits and '-' (they name the "
            f"directory {config.output.path}/{name}), and none of {', '.join(sorted(RESERVED_ENVIRONMENT_NAMES))}"
        )
    alertmanager = config.alertmanager
    if env.alertmanager is not None:
        merged = deep_merge(config.mapping.get("alertmanager") or {}, env.alertmanager)
        alertmanager = _convert(Alertmanager, merged, f"{key}.alertmanager")
    output = config.output
    if env.output is not None:
        if "path" in env.output:
            raise ValueError(f"key '{key}.output.path': an environment's tree is always {config.output.path}/{name}")
        top = config.mapping.get("output")
        merged = deep_merge({"path": top} if isinstance(top, str) else (top or {}), env.output)
        output = _convert(Output, merged, f"{key}.output")
    _validate_output(output, f"{key}.output" if env.output is not None else "output")
    return dataclasses.replace(
        config,
        values=deep_merge(config.values, env.values),
        namespace=env.namespace or config.namespace,
        alertmanager=alertmanager,
        output=dataclasses.replace(output, path=f"{output.path}/{name}"),
        environment=name,
    )


def deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``: mappings merge key by key, anything else replaces."""
    out = dict(base)
    for k, v in override.items():
        out[k] = deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


MAX_CONCURRENCY = 64


def _validate_push(config: Config) -> None:
    """Value rules of the ``push`` and ``targets`` keys (types are checked by _convert)."""
    push = config.push
    tag = push.marker_tag
    if not tag.strip() or tag != tag.strip() or len(tag) > 50 or "," in tag:
        raise ValueError(
            "key 'push.marker_tag': expected a Grafana tag (1 to 50 characters, no commas, "
            f"no surrounding spaces), got {tag!r}"
        )
    if not 1 <= push.concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"key 'push.concurrency': expected 1 to {MAX_CONCURRENCY}, got {push.concurrency}")
    if not 0 < push.timeout <= 600:
        raise ValueError(f"key 'push.timeout': expected seconds, more than 0 and at most 600, got {push.timeout}")
    if not 0 <= push.retries <= 10:
        raise ValueError(f"key 'push.retries': expected 0 to 10, got {push.retries}")
    for name, target in config.targets.items():
        key = f"targets.{name}"
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
            raise ValueError(f"key '{key}': target names use letters, digits, '.', '_' and '-'")
        if redact.has_userinfo(target.url):  # first: however malformed, such a URL is never repeated
            raise ValueError(
                f"key '{key}.url': must not hold credentials (user:password@); name environment "
                "variables with 'token_env' or 'user_env'/'password_env' instead"
            )
        if not re.match(r"^https?://[^/?#]+", target.url):
            raise ValueError(f"key '{key}.url': expected an http:// or https:// URL")
        if target.org_id is not None and target.org_id < 1:
            raise ValueError(f"key '{key}.org_id': expected a positive organisation id, got {target.org_id}")
        for attr in ("token_env", "user_env", "password_env"):
            if not ENV_NAME_RE.fullmatch(getattr(target, attr)):
                raise ValueError(
                    f"key '{key}.{attr}': expected the name of an environment variable, got {getattr(target, attr)!r}"
                )
        if target.insecure and target.ca_cert:
            raise ValueError(f"key '{key}': set either 'ca_cert' or 'insecure', not both")


_GO_DURATION_RE = re.compile(r"\A([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+\Z")  # the CRDs' resyncPeriod pattern


def _validate_output(output: Output, key: str) -> None:
    """Value rules of ``output`` (and of each environment's, once merged)."""
    if not output.kinds:
        raise ValueError(f"key '{key}.kinds': expected at least one of sidecar, operator")
    if len(set(output.kinds)) != len(output.kinds):
        raise ValueError(f"key '{key}.kinds': each kind once")
    operator = output.operator
    if "operator" in output.kinds and operator.instance_selector is None:
        raise ValueError(
            f"key '{key}.operator.instance_selector': required with kind operator: the labels of the "
            "Grafana resources that take the dashboards, like {matchLabels: {dashboards: grafana}}"
        )
    selector = operator.instance_selector
    for label, value in selector.match_labels.items() if selector else ():
        if not is_qualified_name(label) or not is_label_value(value):
            raise ValueError(f"key '{key}.operator.instance_selector.matchLabels.{label}': not a Kubernetes label")
    for i, req in enumerate(selector.match_expressions if selector else ()):
        where = f"key '{key}.operator.instance_selector.matchExpressions[{i}]'"
        if not is_qualified_name(req.key):
            raise ValueError(f"{where}: key {req.key!r} is not a Kubernetes label key")
        if (req.operator in ("In", "NotIn")) != bool(req.values):
            raise ValueError(
                f"{where}: {req.operator} takes "
                + ("a non-empty 'values'" if req.operator in ("In", "NotIn") else "no 'values'")
            )
    if operator.resync_period is not None and not _GO_DURATION_RE.fullmatch(operator.resync_period):
        raise ValueError(
            f"key '{key}.operator.resync_period': expected a duration like 10m or 1h30m, got {operator.resync_period!r}"
        )
    if not is_dns_subdomain(operator.datasource_secret):
        raise ValueError(
            f"key '{key}.operator.datasource_secret': {operator.datasource_secret!r} is not a Kubernetes Secret name"
        )


def _convert(tp: Any, value: Any, key: str) -> Any:
    origin = typing.get_origin(tp)
    where = f"key '{key}'" if key else "the top level"
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        if tp is FolderSpec and isinstance(value, str):
            return FolderSpec(title=value)
        if tp is Output and isinstance(value, str):
            return Output(path=value)
        if tp is SecretRef and not isinstance(value, dict):
            # Never echo the value: it may be the very secret that must not be in the repository.
            raise ValueError(
                f"{where}: expected a reference to a Kubernetes Secret like {{secret: NAME, key: KEY}}, "
                f"got {_kind(value)}; dashgen never writes secret values into the repository"
            )
        if not isinstance(value, dict):
            expected = "a folder title or a mapping with 'title' and 'uid'" if tp is FolderSpec else "a mapping"
            raise ValueError(f"{where}: expected {expected}, got {_kind(value)}")
        hints = typing.get_type_hints(tp)
        # YAML key -> field; a field may take another key ("from" is a Python keyword).
        fields = {f.metadata.get("key", f.name): f for f in dataclasses.fields(tp) if not f.metadata.get("internal")}
        kwargs = {}
        for name, item in value.items():
            sub = f"{key}.{name}" if key else str(name)
            if name not in fields:
                close = did_you_mean(str(name), fields)
                hint = f"did you mean '{close}'? " if close else ""
                known = ", ".join(sorted(fields))
                raise ValueError(f"unknown key '{sub}' ({hint}known keys here: {known})")
            kwargs[fields[name].name] = _convert(hints[fields[name].name], item, sub)
        for name, f in fields.items():
            if f.name not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                sub = f"{key}.{name}" if key else name
                raise ValueError(f"missing required key '{sub}'")
        return tp(**kwargs)
    if origin is Literal:
        choices = typing.get_args(tp)
        if value is False and "off" in choices:
            value = "off"  # YAML 1.1 reads an unquoted off as false
        elif isinstance(value, str) and value.strip().lower() in choices:
            value = value.strip().lower()
        if value not in choices:
            raise ValueError(f"{where}: expected one of {', '.join(map(str, choices))}, got {value!r}")
        return value
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(arg, value, key)
            except ValueError as exc:
                errors.append(str(exc))
        raise ValueError(errors[0])
    if origin is dict:
        key_tp, val_tp = typing.get_args(tp)
        if not isinstance(value, dict):
            raise ValueError(f"{where}: expected a mapping, got {_kind(value)}")
        out = {}
        for k, v in value.items():
            sub = f"{key}.{k}"
            if not isinstance(k, str):
                raise ValueError(f"key '{sub}': keys must be strings")
            out[k] = _convert(val_tp, v, sub)
        return out
    if origin is list:
        (item_tp,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise ValueError(f"{where}: expected a list, got {_kind(value)}")
        return [_convert(item_tp, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if tp is Any:
        return value
    if tp is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if tp in (str, int, float, bool):
        if not isinstance(value, tp) or (tp is int and isinstance(value, bool)):
            hint = ' (quote it: "1")' if tp is str and isinstance(value, (int, float, bool)) else ""
            raise ValueError(f"{where}: expected {_TYPE_NAMES[tp]}, got {_kind(value)}{hint}")
        return value
    raise TypeError(f"unsupported config type {tp!r}")  # a bug in the schema, not user input


def _text(value: str | int | float | None) -> str | None:
    return None if value is None else str(value)


_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {
        dict: "a mapping",
        list: "a list",
        str: "a string",
        bool: "a boolean",
        int: "an integer",
        float: "a number",
    }.get(type(value), type(value).__name__)
