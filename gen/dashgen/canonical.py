"""The canonical form of a dashboard: one function for every path a dashboard takes.

``dashgen fmt`` writes it, ``dashgen build`` renders JSON and Python sources in it, push and
diff compare live dashboards in it, ``dashgen import`` aims at it. It is what Grafana 12
itself saves, as far as a file can say (``canonicalise`` applies the rules in this order):

1. ``__inputs`` of a grafana.com export are resolved as Grafana's import does
   (``dashboardimport/utils/dash_template_evaluator.go``: every ``${NAME}`` of an input in
   every string), then dropped; see :func:`_input_values` for what a datasource input becomes.
2. The schema steps up to :data:`SCHEMA_VERSION` (``migrate.TARGET_SCHEMA_VERSION``).
   AngularJS panels are converted only with ``migrate=True`` (``fmt --migrate``, build of
   JSON sources); otherwise they stay, and lint says so.
3. What Grafana manages or adds on export is dropped: ``id``, ``version``, ``iteration``,
   ``gnetId``, ``__requires``, and ``__elements`` unless a panel uses a library panel.
4. Nulls are dropped from objects (Grafana's save model does the same:
   ``sortedDeepCloneWithoutNulls``; nulls inside lists stay, as there), and targets without a
   ``refId`` get one as Grafana names them on load (``PanelModel.ensureQueryIds``: A..Z, AA..).
5. Bare datasource names of panels, targets, variables and annotations become ``{type, uid}``
   when a known datasource has that name or uid (``resolveLegacyDatasourceNames.ts``; the
   schema steps do it for older dashboards); ``$variable`` references stay as they are.
6. Default values whose absence Grafana treats the same are elided: :data:`DEFAULTS`.
7. Top-level panels in Grafana's order, ``gridPos`` y then x (``DashboardModel``'s
   ``sortPanelsByGridPos`` on load; a stable sort, so rows keep their panels). The writer
   (``formats.dump_json``) sorts keys.

Applying it twice changes nothing.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .dashboard.walk import as_dict, as_list, iter_panels, templating_list
from .errors import DashgenError
from .migrate import TARGET_SCHEMA_VERSION, KnownDatasource, angular_panels, migrate_in_place
from .normalise import VOLATILE_KEYS, name_targets

SCHEMA_VERSION = TARGET_SCHEMA_VERSION  # what dashgen writes: "schemaVersion is current" is this number

# What Grafana manages (id, version, iteration) or adds on export (gnetId, __requires).
MANAGED_KEYS = (*VOLATILE_KEYS, "gnetId", "__requires")

_REFRESH_INTERVALS = ["5s", "10s", "30s", "1m", "5m", "15m", "30m", "1h", "2h", "1d"]

# (where, key, default). Each is a value Grafana's dashboard schema documents as the default
# and whose absence Grafana reads the same way (in Grafana 12's save model, or as a Go zero
# value the backend decodes):
#
# - panel transparent/links/transformations: kinds/dashboard CUE #Panel (transparent: bool |
#   *false; links?, transformations: lists) and Grafana 12's save (transformSceneToSaveModel.ts
#   vizPanelToPanel) deletes exactly these three when false or empty;
# - panel hideTimeOverride: #Panel ``hideTimeOverride?: bool``, read as a flag (false = show);
# - target hide: DataQuery ``hide?: bool`` ("true if query is disabled");
# - Prometheus/Loki targets (those with ``expr``) instant, interval, legendFormat: the
#   backend's query model (pkg/promlib/models/query.go) decodes them with omitempty, and no
#   instant and no range is a range query, as instant: false is;
# - variable auto, auto_count, auto_min: the interval variable's defaults
#   (features/variables/interval/reducer.ts initialIntervalVariableModelState); other
#   variable types ignore them;
# - timepicker hidden, refresh_intervals: #TimePickerConfig defaults, which Grafana 12's save
#   removes (removeDefaults(defaultTimePickerConfig)).
DEFAULTS: tuple[tuple[str, str, Any], ...] = (
    ("panel", "transparent", False),
    ("panel", "links", []),
    ("panel", "transformations", []),
    ("panel", "hideTimeOverride", False),
    ("target", "hide", False),
    ("query", "instant", False),
    ("query", "interval", ""),
    ("query", "legendFormat", ""),
    ("variable", "auto", False),
    ("variable", "auto_count", 30),
    ("variable", "auto_min", "10s"),
    ("timepicker", "hidden", False),
    ("timepicker", "refresh_intervals", _REFRESH_INTERVALS),
)
_DEFAULTS_BY_PLACE: dict[str, tuple[tuple[str, Any], ...]] = {
    place: tuple((k, v) for p, k, v in DEFAULTS if p == place) for place in {p for p, _, _ in DEFAULTS}
}

_INPUT = re.compile(r"\$\{.+?\}")  # Grafana's varRegex

# The schema steps after this version (40: refresh, 41: timepicker, 42: overrides hiding a
# field) read a null as a missing key and write none, so for a dashboard at this version or
# later (grafanalib's output is at 39) nulls are dropped while copying it, not in a pass after
# migrating. A test holds both ways to the same result; a new step that reads nulls raises it.
NULL_BLIND_AFTER = 39


@dataclass
class Canonical:
    """A dashboard in canonical form and what it took to get there."""

    model: dict[str, Any]
    migrated: Counter[tuple[str, str]] = field(default_factory=Counter)  # (old type, new type) -> panels
    elided: Counter[str] = field(default_factory=Counter)  # "panel.links" -> default values dropped (rule 6)
    reads_datasources: bool = False  # whether other datasources could have given another form

    def migration_summary(self) -> str:
        """``12 panels (graph → timeseries ×9, singlestat → stat ×3)``, or "" when none was converted."""
        total = sum(self.migrated.values())
        if not total:
            return ""
        kinds = ", ".join(
            f"{old} → {new} ×{n}" for (old, new), n in sorted(self.migrated.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        return f"{total} panel{'s' * (total != 1)} ({kinds})"


def canonical(model: dict[str, Any], datasources: Iterable[KnownDatasource] = (), *, migrate: bool = False) -> dict:
    """The canonical form of a dashboard model (see the module docstring)."""
    return canonicalise(model, datasources, migrate=migrate).model


def canonicalise(
    model: dict[str, Any],
    datasources: Iterable[KnownDatasource] = (),
    *,
    migrate: bool = False,
    owned: bool = False,
    nulls: bool = True,
) -> Canonical:
    """``model`` (not modified, unless ``owned``: a copy of the caller's own, used up then)
    in canonical form, with what was migrated and elided. ``nulls=False``: the caller knows
    that ``model`` holds no null (its JSON text says none), so none is looked for.

    ``datasources`` are the sources' datasources: what ``${DS_X}`` inputs and datasource
    names resolve to. Raises :class:`DashgenError` for an input it cannot resolve and
    ``MigrationError`` (with ``migrate``) for an AngularJS panel dashgen cannot convert.
    """
    known = tuple(datasources)
    given = model.get("schemaVersion")
    version = given if isinstance(given, int) and not isinstance(given, bool) else None
    # Nulls go in the one copy when no migration step that may read or write one will run.
    nulls_first = version is not None and version >= NULL_BLIND_AFTER and not (migrate and angular_panels(model))
    reads = isinstance(model.get("__inputs"), list)  # the steps below that read ``known`` say so too
    if owned and not reads:
        out = model  # no copy: nulls dropped in place (now, or in a copy after the migration)
        if nulls_first and nulls:
            _drop_nulls(out)
    else:
        out = _resolve_inputs(model, known, keep_nulls=not nulls_first)
    migrated: Counter[tuple[str, str]] = Counter()
    if version is None or version < SCHEMA_VERSION:
        stepped = migrate_in_place(out, known, panels=False)  # out is our own copy
        out = stepped.model
        reads = reads or stepped.reads_datasources  # the steps of 33 and 36 resolve names
    if migrate and angular_panels(out):
        reads = True
        before = [(ref.path, ref.type) for ref in iter_panels(out)]
        out = migrate_in_place(out, known).model
        after = {ref.path: ref.type for ref in iter_panels(out)}
        for path, old in before:
            new = after.get(path)
            if old and new and new != old:
                migrated[(old, new)] += 1
    if not nulls_first:
        out = _without_nulls(out)
    for key in MANAGED_KEYS:
        out.pop(key, None)
    if "__elements" in out and not any(isinstance(r.panel.get("libraryPanel"), dict) for r in iter_panels(out)):
        del out["__elements"]
    panels = [*_panels(out)]
    for panel in panels:
        targets = panel.get("targets")
        if isinstance(targets, list):
            name_targets(targets)
    reads = _datasource_refs(out, panels, known) or reads
    elided = _elide_defaults(out, panels)
    if isinstance(out.get("panels"), list):
        out["panels"] = sorted(out["panels"], key=_grid_order)
    return Canonical(out, migrated, elided, reads)


def known_datasources(models: Iterable[Any]) -> tuple[KnownDatasource, ...]:
    """The sources' datasources (Grafana provisioning entries) as the migration knows them.

    A datasource provisioned without a uid is known by its name (Grafana gives it a
    generated uid, and resolves the name).
    """
    out = []
    for m in models:
        if not isinstance(m, dict) or not isinstance(m.get("name"), str) or not isinstance(m.get("type"), str):
            continue
        uid = m.get("uid")
        uid = uid if isinstance(uid, str) and uid else m["name"]
        out.append(KnownDatasource(m["name"], uid, m["type"], default=m.get("isDefault") is True))
    return tuple(out)


# ------------------------------------------------------------------------------ inputs


def with_import_inputs(model: dict[str, Any], document: Any) -> dict[str, Any]:
    """``model`` with the values an import body (``POST /api/dashboards/import``: ``{dashboard,
    inputs, overwrite}``) chose for its ``__inputs``; ``model`` itself for any other document."""
    chosen = document.get("inputs") if isinstance(document, dict) else None
    if not isinstance(chosen, list) or not isinstance(model.get("__inputs"), list):
        return model
    values = {
        i["name"]: i["value"]
        for i in chosen
        if isinstance(i, dict) and isinstance(i.get("name"), str) and isinstance(i.get("value"), str) and i["value"]
    }
    inputs = [
        {**item, "value": values[item["name"]]} if isinstance(item, dict) and item.get("name") in values else item
        for item in model["__inputs"]
    ]
    return {**model, "__inputs": inputs}


def _resolve_inputs(
    model: dict[str, Any], known: tuple[KnownDatasource, ...], *, keep_nulls: bool = True
) -> dict[str, Any]:
    """A copy of ``model`` with every ``${INPUT}`` replaced and ``__inputs`` gone (and nulls,
    unless ``keep_nulls``)."""
    inputs = model.get("__inputs")
    if not isinstance(inputs, list):
        return _copy(model, {}, keep_nulls)
    values, own = _input_values(model, inputs, known)
    out = _copy({k: v for k, v in model.items() if k != "__inputs"}, values, keep_nulls)
    # A datasource variable an input resolves to must not select itself: there the input
    # is the sources' datasource, as Grafana's import would have chosen it.
    for original, variable in zip(templating_list(model), templating_list(out)):
        name = variable.get("name")
        if isinstance(name, str) and name in own:
            for key in ("current", "options"):
                if key in variable:
                    variable[key] = _copy(original[key], {**values, **own[name]}, keep_nulls)
    return out


def input_values(model: dict[str, Any], datasources: Iterable[KnownDatasource] = ()) -> dict[str, str]:
    """What each of ``model``'s ``__inputs`` resolves to, by name, for whoever imports it again
    (the origin record of ``dashgen import --grafana-com``, grafana-operator's ``datasources``): a
    datasource input that the dashboard's own variable stands in for is the sources' datasource."""
    inputs = model.get("__inputs")
    if not isinstance(inputs, list):
        return {}
    values, own = _input_values(model, inputs, tuple(datasources))
    for chosen in own.values():
        values.update(chosen)
    return {token[2:-1]: value for token, value in values.items()}


def _input_values(
    model: dict[str, Any], inputs: list[Any], known: tuple[KnownDatasource, ...]
) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
    """``{"${NAME}": value}`` for every input, and the values to use inside a datasource
    variable that an input resolves to (``{variable: {"${NAME}": value}}``).

    A datasource input becomes, in this order: the value an import body chose for it
    (:func:`with_import_inputs`), as Grafana's import does; ``${var}`` of the dashboard's
    datasource variable of that plugin type (the one named like the input first); the uid of
    the sources' datasource of that type (the default one, or the only one); else it is an
    error. An expression input (``__expr__``) is ``__expr__``, as in Grafana. A constant
    input is its value.
    """
    variables = [
        v
        for v in templating_list(model)
        if v.get("type") == "datasource" and isinstance(v.get("name"), str) and isinstance(v.get("query"), str)
    ]
    values: dict[str, str] = {}
    own: dict[str, dict[str, str]] = {}
    for item in inputs:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise DashgenError("'__inputs' holds an entry without a name: remove it or give it one")
        name, kind = item["name"], item.get("type")
        token = "${" + name + "}"
        plugin = item.get("pluginId")
        if plugin == "__expr__":
            values[token] = "__expr__"
        elif kind == "datasource" and isinstance(item.get("value"), str) and item["value"]:
            values[token] = item["value"]
        elif kind == "datasource":
            configured = _configured(name, plugin, known)
            matching = [v for v in variables if v["query"] == plugin]
            matching.sort(key=lambda v: v["name"] != name)
            if matching:
                var = matching[0]["name"]
                values[token] = "${" + var + "}"
                if configured is not None:
                    own.setdefault(var, {})[token] = configured
            elif configured is not None:
                values[token] = configured
            else:
                raise DashgenError(
                    f"input '{name}' (__inputs) needs a datasource of type {plugin!r}, but the dashboard has no "
                    f"datasource variable of that type and the sources define no such datasource: add one to a "
                    f"'datasources' list, or replace {token} in the file"
                )
        elif kind == "constant":
            if not isinstance(item.get("value"), str):
                raise DashgenError(f"constant input '{name}' (__inputs) has no value: give it one, or replace {token}")
            values[token] = item["value"]
        else:
            raise DashgenError(
                f"input '{name}' (__inputs) has type {kind!r}: dashgen resolves datasource and constant inputs only; "
                f"replace {token} in the file"
            )
    return values, own


def _configured(name: str, plugin: Any, known: tuple[KnownDatasource, ...]) -> str | None:
    of_type = [d for d in known if d.type == plugin]
    chosen = [d for d in of_type if d.default] or of_type
    if len(chosen) > 1:
        uids = ", ".join(d.uid for d in chosen)
        raise DashgenError(
            f"input '{name}' (__inputs) needs a datasource of type {plugin!r} and the sources define several "
            f"({uids}), none the default: mark one isDefault, or replace ${{{name}}} in the file"
        )
    return chosen[0].uid if chosen else None


def _copy(value: Any, values: dict[str, str], keep_nulls: bool = True) -> Any:
    """A deep copy of plain JSON, with input tokens replaced in every string (and nulls dropped
    from objects, unless ``keep_nulls``)."""
    if not values:
        return _plain_copy(value) if keep_nulls else _without_nulls(value)
    if isinstance(value, dict):
        return {k: _copy(v, values, keep_nulls) for k, v in value.items() if keep_nulls or v is not None}
    if isinstance(value, list):
        return [_copy(v, values, keep_nulls) for v in value]
    if isinstance(value, str) and "${" in value:
        return _INPUT.sub(lambda m: values.get(m.group(0), m.group(0)), value)
    return value


_ATOMS = frozenset((str, int, float, bool, type(None)))


def _plain_copy(value: Any) -> Any:
    """A deep copy of plain JSON (dicts and lists copied, subclasses too, as dicts and lists)."""
    t = type(value)
    if t is dict or (t not in _ATOMS and isinstance(value, dict)):
        return {k: v if type(v) in _ATOMS else _plain_copy(v) for k, v in value.items()}
    if t is list or (t not in _ATOMS and isinstance(value, list)):
        return [v if type(v) in _ATOMS else _plain_copy(v) for v in value]
    return value


# ------------------------------------------------------------------------------ the rest


def _without_nulls(value: Any) -> Any:
    """A deep copy of plain JSON without the nulls of objects (those in lists stay, as in Grafana)."""
    t = type(value)
    if t is dict or (t not in _ATOMS and isinstance(value, dict)):
        return {k: v if type(v) in _ATOMS else _without_nulls(v) for k, v in value.items() if v is not None}
    if t is list or (t not in _ATOMS and isinstance(value, list)):
        return [v if type(v) in _ATOMS else _without_nulls(v) for v in value]
    return value


def _drop_nulls(value: Any) -> None:
    """``_without_nulls`` in place, for parsed JSON (plain dicts and lists, nothing shared)."""
    if type(value) is dict:
        nulls = None
        for k, v in value.items():
            if v is None:
                nulls = [k] if nulls is None else [*nulls, k]
            elif type(v) not in _ATOMS:
                _drop_nulls(v)
        if nulls:
            for k in nulls:
                del value[k]
    elif type(value) is list:
        for v in value:
            if type(v) not in _ATOMS:
                _drop_nulls(v)


def _panels(model: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel dict that is part of the model (library panel models of ``__elements`` too)."""
    for ref in iter_panels(model):
        yield ref.panel  # a library panel merged with its model is a copy: it changes nothing
    for element in as_dict(model.get("__elements")).values():
        if isinstance(element, dict) and isinstance(element.get("model"), dict):
            yield element["model"]


def _datasource_refs(model: dict[str, Any], panels: list[dict[str, Any]], known: tuple[KnownDatasource, ...]) -> bool:
    """Datasources named by a string, as references to the known one; whether any was named."""
    named = False
    holders = [*panels, *templating_list(model), *(a for a in as_list(as_dict(model.get("annotations")).get("list")))]
    holders += [t for p in panels for t in as_list(p.get("targets"))]
    for holder in holders:
        if not isinstance(holder, dict):
            continue
        name = holder.get("datasource")
        if isinstance(name, str) and name and not name.startswith("$"):
            named = True
            ds = next((d for d in known if name in (d.name, d.uid)), None)
            if ds is not None:
                holder["datasource"] = ds.ref()
    return named


def _elide_defaults(model: dict[str, Any], panels: list[dict[str, Any]]) -> Counter[str]:
    places: list[tuple[str, Any]] = [("panel", p) for p in panels]
    for panel in panels:
        places += target_places(panel.get("targets"))
    places += [("variable", v) for v in templating_list(model)]
    places.append(("timepicker", model.get("timepicker")))
    elided: Counter[str] = Counter()
    for place, holder in places:
        for key in elide(place, holder):
            elided[f"{place}.{key}"] += 1
    return elided


def elide_defaults(model: dict[str, Any]) -> None:
    """Rule 6 alone, in place: the defaults of :data:`DEFAULTS` dropped from the whole dashboard."""
    _elide_defaults(model, [*_panels(model)])


def target_places(targets: Any) -> list[tuple[str, Any]]:
    """The places of :data:`DEFAULTS` a panel's targets are: each a target, and a query if it has ``expr``."""
    places: list[tuple[str, Any]] = []
    for target in as_list(targets):
        if isinstance(target, dict):
            places.append(("target", target))
            if "expr" in target:
                places.append(("query", target))
    return places


def elide(place: str, holder: Any) -> list[str]:
    """Drop from one object (a ``place`` of :data:`DEFAULTS`) the defaults it holds; the keys dropped."""
    if not isinstance(holder, dict):
        return []
    dropped = []
    for key, default in _DEFAULTS_BY_PLACE[place]:
        if key in holder and _same(holder[key], default):
            del holder[key]
            dropped.append(key)
    return dropped


def _same(value: Any, default: Any) -> bool:
    """JSON equality that tells booleans from numbers (``0 == False`` in Python)."""
    return type(value) is type(default) and value == default


def _grid_order(panel: Any) -> tuple[float, float]:
    pos = panel.get("gridPos") if isinstance(panel, dict) else None
    pos = pos if isinstance(pos, dict) else {}
    return (_coordinate(pos.get("y")), _coordinate(pos.get("x")))


def _coordinate(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
        return 0
    return value
