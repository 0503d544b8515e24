"""Reference data used by the lint rules, kept in one place.

Sources:
- Grafana unit ids: grafana/grafana ``packages/grafana-data/src/valueFormats/categories.ts``
  (the ``id`` of every format), plus the ``farenheit`` alias and the ``prefix:``/``suffix:``/
  ``si:``/``count:``/``currency:``/``time:``/``bool:`` custom forms of ``getValueFormat``.
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
