"""``natel-discrete-panel`` to ``state-timeline`` (``timelinePanelChangedHandler``,
``panel/state-timeline/migrations.ts``).

``units`` -> unit; full-height bars without lines; equal neighbouring values merged;
``colorMaps`` (text -> colour), ``valueMaps`` (value -> text) and ``rangeMaps`` -> value and
range mappings, each mapping coloured by the colour map of its value or text.
"""

from __future__ import annotations

from typing import Any

from ...dashboard.walk import dicts
from ..numbers import to_number
from .common import Converted, angular_options, cleared_field_config, kept


def _color_mappings(mappings: list[dict[str, Any]]) -> None:
    """``expandColorMappings``: give mappings without colour the colour of their key or text."""
    key_to_color: dict[str, Any] = {}
    for m in mappings:
        if m["type"] == "value":
            for key, target in m["options"].items():
                if isinstance(target.get("color"), str) and target["color"]:
                    key_to_color[key] = target["color"]
        else:
            result = m["options"]["result"]
            text, color = result.get("text"), result.get("color")
            if isinstance(text, str) and text and isinstance(color, str) and color and text not in key_to_color:
                key_to_color[text] = color
    for m in mappings:
        if m["type"] == "value":
            for key, target in m["options"].items():
                if not (isinstance(target.get("color"), str) and target["color"]):
                    color = key_to_color.get(key)
                    if not color and isinstance(target.get("text"), str):
                        color = key_to_color.get(target["text"])
                    if color:
                        target["color"] = color
        else:
            result = m["options"]["result"]
            text = result.get("text")
            if not result.get("color") and isinstance(text, str) and text in key_to_color:
                result["color"] = key_to_color[text]


def convert(panel: dict[str, Any]) -> Converted:
    angular = angular_options(panel)
    field_config = cleared_field_config(panel)
    defaults = dict(field_config["defaults"])
    if angular.get("units"):
        defaults["unit"] = angular["units"]
    defaults["custom"] = {"fillOpacity": 100, "lineWidth": 0}
    value_map: dict[str, Any] = {"type": "value", "options": {}}
    mappings: list[dict[str, Any]] = [value_map]
    for p in dicts(angular.get("colorMaps")):
        if p.get("color"):
            value_map["options"][str(p.get("text"))] = {"color": p["color"]}
    for p in dicts(angular.get("valueMaps")):
        text, value = p.get("text"), p.get("value")
        if text and value:
            key = str(value)
            if key in value_map["options"]:
                value_map["options"][key]["text"] = text
            else:
                value_map["options"][key] = {"text": text}
    for p in dicts(angular.get("rangeMaps")):
        if p.get("text"):
            mappings.append(
                {
                    "type": "range",
                    "options": {
                        "from": to_number(p.get("from")),
                        "to": to_number(p.get("to")),
                        "result": {"text": p["text"]},
                    },
                }
            )
    _color_mappings(mappings)
    defaults["mappings"] = mappings
    new = kept(panel, "state-timeline")
    new["options"] = {"mergeValues": True}
    new["fieldConfig"] = {"defaults": defaults, "overrides": field_config["overrides"]}
    return Converted(new)
