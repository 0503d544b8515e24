"""Reference data used by the lint rules, kept in one place.

Sources:
- Grafana unit ids: grafana/grafana ``packages/grafana-data/src/valueFormats/categories.ts``
  (the ``id`` of every format), plus the ``farenheit`` alias and the ``prefix:``/``suffix:``/
  ``si:``/``count:``/``currency:``/``time:``/``bool:`` custom forms of ``getValueFormat``.
- Angular panels: Grafana docs "Plugins using AngularJS"
  (docs/sources/developers/angular_deprecation/angular-plugins.md), panel plugins only.
- Metric names that do not exist: dashgen reference ``metrics.md`` §0, §1.2 and the
  kube-state-metrics v2.0.0 changelog (resource limits/requests rename).
"""

from __future__ import annotations

from typing import NamedTuple

# --------------------------------------------------------------------------- units

GRAFANA_UNITS: frozenset[str] = frozenset(
    """
    none string short percent percentunit humidity dB hex0x hex sci locale pixel
    accMS2 accFS2 accG
    degree radian grad arcmin arcsec
    areaM2 areaF2 areaMI2
    flops mflops gflops tflops pflops eflops zflops yflops
    ppm conppb conngm3 conngNm3 conμgm3 conμgNm3 conmgm3 conmgNm3 congm3 congNm3 conmgdL conmmolL
    currencyUSD currencyGBP currencyEUR currencyJPY currencyRUB currencyUAH currencyBRL currencyDKK
    currencyISK currencyNOK currencySEK currencyCZK currencyCHF currencyPLN currencyBTC currencymBTC
    currencyμBTC currencyZAR currencyINR currencyKRW currencyIDR currencyPHP currencyVND currencyTRY
    bytes decbytes bits decbits kbytes deckbytes mbytes decmbytes gbytes decgbytes tbytes dectbytes
    pbytes decpbytes
    pps binBps Bps binbps bps KiBs Kibits KBs Kbits MiBs Mibits MBs Mbits GiBs Gibits GBs Gbits
    TiBs Tibits TBs Tbits PiBs Pibits PBs Pbits
    dateTimeAsIso dateTimeAsIsoNoDateIfToday dateTimeAsUS dateTimeAsUSNoDateIfToday dateTimeAsLocal
    dateTimeAsLocalNoDateIfToday dateTimeAsSystem dateTimeFromNow
    watt kwatt megwatt gwatt mwatt Wm2 voltamp kvoltamp voltampreact kvoltampreact watth watthperkg
    kwatth kwattm amph kamph mamph joule ev amp kamp mamp volt kvolt mvolt dBm ohm kohm Mohm farad
    µfarad nfarad pfarad ffarad henry mhenry µhenry lumens
    flowgpm flowcms flowcfs flowcfm litreh flowlpm flowmlpm lux
    forceNm forcekNm forceN forcekN
    Hs KHs MHs GHs THs PHs EHs
    massmg massg masslb masskg masst
    lengthmm lengthin lengthft lengthm lengthkm lengthmi
    pressurembar pressurebar pressurekbar pressurepa pressurehpa pressurekpa pressurehg pressurepsi
    radbq radci radgy radrad radsv radmsv radusv radrem radexpckg radr radsvh radmsvh radusvh
    rotrpm rothz rotrads rotdegs
    celsius fahrenheit farenheit kelvin
    hertz ns µs ms s m h d dtdurationms dtdurations dthms dtdhms timeticks clockms clocks
    cps ops reqps rps wps iops eps mps recps rowsps cpm opm reqpm rpm wpm epm mpm recpm rowspm
    velocityms velocitykmh velocitymph velocityknot
    mlitre litre m3 Nm3 dm3 gallons
    bool bool_yes_no bool_on_off
    """.split()
)

# getValueFormat() understands "<key>:<text>" for these keys.
CUSTOM_UNIT_PREFIXES: tuple[str, ...] = ("prefix", "suffix", "si", "count", "currency", "time", "bool")

# Frequent mistakes -> the unit id Grafana knows.
UNIT_SUGGESTIONS: dict[str, str] = {
    "us": "µs",
    "μs": "µs",  # Greek mu instead of the micro sign
    "seconds": "s",
    "sec": "s",
    "second": "s",
    "milliseconds": "ms",
    "minutes": "m",
    "hours": "h",
    "days": "d",
    "byte": "bytes",
    "Bytes": "bytes",
    "%": "percent",
    "percentage": "percent",
    "req/s": "reqps",
    "ops/s": "ops",
    "Hz": "hertz",
}

# ------------------------------------------------------------------------ panels

# dashboard-linter applies panel-units-rule to these types (+ bargauge, same options as gauge).
UNIT_PANEL_TYPES: frozenset[str] = frozenset(
    {"stat", "singlestat", "graph", "table", "timeseries", "gauge", "bargauge"}
)


class AngularPanel(NamedTuple):
    replacement: str  # what to use instead (goes into Finding.fix)
    react_since: tuple[int, ...] | None = None  # None: every version is Angular


# Panel plugins that need AngularJS (removed in Grafana 12). From Grafana's
# "Plugins using AngularJS" table, plus the core ones (graph, singlestat, table-old).
# Entries with react_since are Angular only before that plugin version; they are
# flagged only when the panel's pluginVersion says it is older.
ANGULAR_PANELS: dict[str, AngularPanel] = {
    "graph": AngularPanel("timeseries (or barchart/histogram)"),
    "singlestat": AngularPanel("stat (or gauge)"),
    "grafana-singlestat-panel": AngularPanel("stat (or gauge)"),
    "table-old": AngularPanel("table"),
    "grafana-piechart-panel": AngularPanel("piechart"),
    "grafana-worldmap-panel": AngularPanel("geomap"),
    "natel-discrete-panel": AngularPanel("state-timeline"),
    "vonage-status-panel": AngularPanel("stat or grafana-polystat-panel (>= 2.0)"),
    "natel-plotly-panel": AngularPanel("nline-plotlyjs-panel (or xychart)"),
    "agenty-flowcharting-panel": AngularPanel("canvas"),
    "yesoreyeram-boomtable-panel": AngularPanel("table with transformations"),
    "briangann-datatable-panel": AngularPanel("table"),
    "flant-statusmap-panel": AngularPanel("status-history"),
    "michaeldmoore-multistat-panel": AngularPanel("bargauge or stat"),
    "michaeldmoore-annunciator-panel": AngularPanel("stat"),
    "pr0ps-trackmap-panel": AngularPanel("geomap"),
    "alexandra-trackmap-panel": AngularPanel("geomap"),
    "snuids-trafficlights-panel": AngularPanel("heywesty-trafficlight-panel or stat with thresholds"),
    "smartmakers-trafficlight-panel": AngularPanel("heywesty-trafficlight-panel or stat with thresholds"),
    "petrslavotinek-carpetplot-panel": AngularPanel("heatmap"),
    "ryantxu-ajax-panel": AngularPanel("text (HTML) or a table fed by the Infinity datasource"),
    "ryantxu-annolist-panel": AngularPanel("annolist"),
    "novalabs-annotations-panel": AngularPanel("annolist"),
    "marcuscalidus-svg-panel": AngularPanel("canvas"),
    "neocat-cal-heatmap-panel": AngularPanel("heatmap"),
    "blackmirror1-singlestat-math-panel": AngularPanel("stat with transformations"),
    "blackmirror1-statusbygroup-panel": AngularPanel("stat or grafana-polystat-panel (>= 2.0)"),
    "farski-blendstat-panel": AngularPanel("stat with transformations"),
    "savantly-heatmap-panel": AngularPanel("heatmap"),
    "mtanda-heatmap-epoch-panel": AngularPanel("heatmap"),
    "mtanda-histogram-panel": AngularPanel("histogram"),
    "snuids-radar-panel": AngularPanel("barchart (no core radar panel)"),
    "fatcloud-windrose-panel": AngularPanel("operato-windrose-panel"),
    "bessler-pictureit-panel": AngularPanel("larona-epict-panel (>= 2.0)"),
    "pierosavi-imageit-panel": AngularPanel("larona-epict-panel (>= 2.0) or canvas"),
    "corpglory-progresslist-panel": AngularPanel("bargauge"),
    "aidanmountford-html-panel": AngularPanel("text (HTML mode)"),
    "mxswat-separator-panel": AngularPanel("an empty text panel or a row"),
    "natel-influx-admin-panel": AngularPanel("nothing equivalent; remove the panel"),
    "satellogic-3d-globe-panel": AngularPanel("geomap"),
    "zuburqan-parity-report-panel": AngularPanel("table"),
    "citilogics-geoloop-panel": AngularPanel("geomap"),
    "gretamosa-topology-panel": AngularPanel("nodeGraph"),
    # Not in Grafana's table, but its source is an AngularJS MetricsPanelCtrl
    # (addEditorTab/editor.html) in every published version.
    "btplc-status-dot-panel": AngularPanel("grafana-polystat-panel (>= 2.0) or stat"),
    # Angular only before the listed version:
    "grafana-polystat-panel": AngularPanel("grafana-polystat-panel >= 2.0.0", (2, 0, 0)),
    "briangann-gauge-panel": AngularPanel("briangann-gauge-panel >= 2.0.0 or gauge", (2, 0, 0)),
    "digrich-bubblechart-panel": AngularPanel("digrich-bubblechart-panel >= 2.0.1", (2, 0, 1)),
    "grafana-clock-panel": AngularPanel("grafana-clock-panel >= 1.1.0", (1, 1, 0)),
    "jdbranham-diagram-panel": AngularPanel("jdbranham-diagram-panel >= 1.7.1 or canvas", (1, 7, 1)),
    "larona-epict-panel": AngularPanel("larona-epict-panel >= 2.0.0", (2, 0, 0)),
    "novatec-sdg-panel": AngularPanel("novatec-sdg-panel >= 4.0.3", (4, 0, 3)),
    "scadavis-synoptic-panel": AngularPanel("scadavis-synoptic-panel >= 2.0", (2, 0)),
}

# --------------------------------------------------------------- unknown metrics


class UnknownMetric(NamedTuple):
    why: str  # completes "queries '<name>', which ..."
    fix: str


def _unknown_metrics() -> dict[str, UnknownMetric]:
    never = "no Flux controller has ever exported"
    table: dict[str, UnknownMetric] = {
        "flux_kustomization_condition": UnknownMetric(
            never,
            'use gotk_resource_info{customresource_kind="Kustomization"} (kube-state-metrics '
            'CustomResourceState), or flux_resource_info{kind="Kustomization"} with the Flux Operator',
        ),
        "flux_gitrepository_condition": UnknownMetric(
            never,
            'use gotk_resource_info{customresource_kind="GitRepository"}, or '
            'flux_resource_info{kind="GitRepository"} with the Flux Operator',
        ),
        "flux_helmrelease_condition": UnknownMetric(
            never,
            'use gotk_resource_info{customresource_kind="HelmRelease"}, or '
            'flux_resource_info{kind="HelmRelease"} with the Flux Operator',
        ),
        "gotk_reconcile_condition": UnknownMetric(
            "was deprecated in Flux 2.1 and removed from the controllers in Flux 2.5",
            'use gotk_resource_info{ready="False"} from kube-state-metrics CustomResourceState',
        ),
        "gotk_suspend_status": UnknownMetric(
            "was deprecated in Flux 2.1 and removed from the controllers in Flux 2.5",
            'use gotk_resource_info{suspended="true"} from kube-state-metrics CustomResourceState',
        ),
    }
    for suffix in ("", "_bucket", "_sum", "_count"):
        table["flux_kustomization_reconcile_duration_seconds" + suffix] = UnknownMetric(
            never,
            f'use gotk_reconcile_duration_seconds{suffix or "_bucket"}{{kind="Kustomization"}}',
        )
    for kind in ("limits", "requests"):
        for old, resource, unit in (("memory_bytes", "memory", "byte"), ("cpu_cores", "cpu", "core")):
            table[f"kube_pod_container_resource_{kind}_{old}"] = UnknownMetric(
                "was removed in kube-state-metrics v2.0.0",
                f'use kube_pod_container_resource_{kind}{{resource="{resource}",unit="{unit}"}}',
            )
    return table


UNKNOWN_METRICS: dict[str, UnknownMetric] = _unknown_metrics()

# The fix for a query that does not parse because it calls holt_winters (Prometheus 3 renamed it).
HOLT_WINTERS_FIX = "holt_winters was renamed double_exponential_smoothing in Prometheus 3 (experimental functions flag)"
