"""The Grafana HTTP API path: ``dashgen push`` and ``dashgen diff``.

One job per module; data flows one way::

    client.py    grafana-client per thread on dashgen.http's sessions (timeouts, retries), clean errors
    targets.py   which Grafana(s), with which credentials (flags, env, dashgen.yaml targets)
    health.py    reachable? Grafana? credentials accepted (401 vs 403)?
    select.py    --uid/--folder/--path subsets of the sources
    live.py      what Grafana holds now (few, parallel reads)
    plan.py      pure: local + live -> create/update/unchanged/delete/skip/conflict
    apply.py     folders, then datasources, then dashboards, then deletions
    results.py   what one target gave: plan, outcomes, errors, timings
    report.py    text (progress on a terminal) or one JSON document
    pipeline.py  chains them for each target

grafana-client and niquests load only for push/diff (and verify's dashgen.http); credentials
come from ``dashgen.credentials`` and every output passes through ``dashgen.redact``.
"""
