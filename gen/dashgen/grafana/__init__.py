"""The Grafana HTTP API path: ``dashgen push`` and ``dashgen diff``.

One job per module; data flows one way::

    targets.py   which Grafana(s), which credentials (flags, env, dashgen.yaml targets)
    client.py    grafana-client per thread, timeouts, retries with backoff, clean errors
    health.py    reachable? Grafana? credentials accepted (401 vs 403)?
    select.py    --uid/--folder/--path subsets of the sources
    live.py      what Grafana holds now (few, parallel reads)
    plan.py      pure: local + live -> create/update/unchanged/delete/skip/conflict
    apply.py     folders, then datasources, then dashboards, then deletions
    report.py    text (progress on a terminal) or one JSON document
    pipeline.py  chains them for each target
    redact.py    keeps credentials out of every output

grafana-client loads only for push/diff; ``dashgen build`` imports nothing here but
``redact.py`` (standard library only), through which every command's errors pass.
"""
