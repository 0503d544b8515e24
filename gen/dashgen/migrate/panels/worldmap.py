"""``grafana-worldmap-panel`` to ``geomap`` (``worldmapToGeomapOptions``, ``panel/geomap/migrations.ts``).

View: ``mapCenter`` (named centres; ``Last GeoHash`` -> coordinates), ``mapCenterLatitude``/
``Longitude``, ``initialZoom``; ``mouseWheelZoom``; ``decimals``; ``thresholds``/``colors``
-> threshold steps. The basemap is Grafana's default, the tooltip shows details.

Grafana creates no data layer (its code leaves ``layers`` empty: the worldmap's location
source, geohash or country codes, has no one-to-one layer), so the migrated map shows no
data until a layer is added; the engine notes it.
"""

from __future__ import annotations

from typing import Any

from ..errors import label
from ..mappings import singlestat_thresholds
from ..numbers import to_number
from .common import Converted, angular_options, kept

_CENTERS = {
    "(0°, 0°)": "zero",
    "North America": "north-america",
    "Europe": "europe",
    "West Asia": "west-asia",
    "SE Asia": "se-asia",
    "Last GeoHash": "coords",
}


def convert(panel: dict[str, Any]) -> Converted:
    angular = angular_options(panel)
    defaults: dict[str, Any] = {}
    decimals = to_number(angular.get("decimals")) if "decimals" in angular else None
    if decimals:
        defaults["decimals"] = decimals
    thresholds = singlestat_thresholds(angular.get("thresholds"), angular.get("colors"))
    if thresholds:
        defaults["thresholds"] = thresholds
    view: dict[str, Any] = {}
    zoom = to_number(angular.get("initialZoom")) if "initialZoom" in angular else None
    if zoom:
        view["zoom"] = zoom
    center = angular.get("mapCenter")
    if isinstance(center, str) and center in _CENTERS:
        view["id"] = _CENTERS[center]
    for key, old in (("lat", "mapCenterLatitude"), ("lon", "mapCenterLongitude")):
        value = to_number(angular.get(old)) if old in angular else None
        if value is not None:
            view[key] = value
    options = {
        "view": view,
        "controls": {"showZoom": True, "mouseWheelZoom": bool(angular.get("mouseWheelZoom"))},
        "basemap": {"type": "default", "name": "Basemap"},
        "layers": [],
        "tooltip": {"mode": "details"},
    }
    new = kept(panel, "geomap")
    new["options"] = options
    new["fieldConfig"] = {"defaults": defaults, "overrides": []}
    note = f"{label(panel)}: the geomap has no data layer yet (Grafana migrates the map view only); add one"
    return Converted(new, [note])
