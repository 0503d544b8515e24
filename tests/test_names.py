"""names.py: the naming rules and limits of Grafana and Kubernetes, in one neutral module."""

from __future__ import annotations

import datetime
import enum
import json

from hypothesis import given
from hypothesis import strategies as st

from dashgen import names
from test_layering import MODULES, imports


def test_configmap_sizes_counts_data_values_and_the_compact_object():
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"},
           "data": {"a.json": "é\n", "b": "xy"}, "binaryData": {"c": "AAAA"}}
    data_bytes, object_bytes = names.configmap_sizes(obj)
    assert data_bytes == len("é\n".encode()) + 2 + 4
    assert object_bytes == len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode())
    assert names.configmap_sizes({"metadata": {}}) == (0, len(b'{"metadata":{}}'))


def test_configmap_sizes_of_odd_yaml_does_not_raise():
    # What yaml.safe_load gives for a hand-written ConfigMap: a date, a list where a mapping belongs.
    obj = {"metadata": {"annotations": {"reviewed": datetime.date(2024, 1, 1)}}, "data": {"a": "xy"},
           "binaryData": [1]}
    assert names.configmap_sizes(obj) == (2, len('{"metadata":{"annotations":{"reviewed":"2024-01-01"}},'
                                                 '"data":{"a":"xy"},"binaryData":[1]}'))


class _Colour(enum.StrEnum):
    RED = "red"


class _Size(enum.Enum):
    BIG = 2


_YAML_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text()
    | st.dates() | st.sampled_from([_Colour.RED, _Size.BIG]),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=4), children, max_size=3),
    max_leaves=10,
)


@given(obj=st.dictionaries(st.text(max_size=4), _YAML_VALUES, max_size=4))
def test_object_bytes_is_the_compact_json_whatever_the_values(obj):
    # The fast path (orjson) must count what the standard library writes, or leave it to it.
    try:
        expected = len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=str).encode())
    except UnicodeEncodeError:  # a lone surrogate: no JSON to count
        return
    assert names.object_bytes(obj) == expected


def test_names_dashgen_gives():
    assert names.dashboard_configmap_name("flux") == "grafana-dashboard-flux"
    assert names.prometheus_rule_name("dashboards/alerts/flux.py", "dashboards") == "dashgen-alerts-flux"
    assert names.prometheus_rule_name("dashboards/alerts/__init__.py", "dashboards") == "dashgen-alerts"
    assert names.prometheus_rule_name("other/My Rules.py", "dashboards") == "dashgen-other-my-rules"


def test_lint_and_push_take_the_names_from_names_py():
    for module in sorted(m for m in MODULES if m.startswith(("lint.", "grafana."))):
        assert "checks" not in imports(module), module
    assert "names" in imports("lint.rules.dashboard") and "names" in imports("grafana.apply")


def test_no_rule_accepts_a_trailing_newline():
    # "$" matches before a final newline: every rule must refuse "valid\n".
    checks = [
        (names.is_uid, "abc"),
        (names.is_dns_label, "monitoring"),
        (names.is_dns_subdomain, "grafana-dashboard-abc"),
        (names.is_qualified_name, "app.kubernetes.io/name"),
        (names.is_label_value, "platform"),
        (names.is_configmap_key, "abc.json"),
    ]
    for check, valid in checks:
        assert check(valid), (check, valid)
        assert not check(valid + "\n"), (check, valid)
    for pattern, valid in [(names.UID_RE, "abc"), (names.DNS_LABEL_RE, "a"), (names.DNS_SUBDOMAIN_RE, "a.b"),
                           (names.QUALIFIED_NAME_RE, "a"), (names.CONFIGMAP_KEY_RE, "a"), (names.LABEL_NAME_RE, "a"),
                           (names.ENV_NAME_RE, "A"), (names.ENV_REF_RE, "${A}"), (names.ENV_REF_RE, "$A")]:
        assert pattern.fullmatch(valid) and pattern.match(valid)
        assert not pattern.match(valid + "\n") and not pattern.fullmatch(valid + "\n"), pattern.pattern
