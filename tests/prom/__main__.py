"""Run the harness by hand:  cd tests && python -m prom [--window 7200] [--serve] [--om FILE] [--preview]

Prints generate/backfill/startup timings; --serve keeps Prometheus running
(Ctrl-C stops it) so the data can be explored in its UI; --om writes the
whole dataset as one OpenMetrics file; --preview renders the dashboards with
`dashgen preview --png` over the data and copies the Flux page's PNG to
docs/images/flux-preview.png (the README's picture).
"""

from __future__ import annotations

import argparse
import time

from .cluster import default_cluster
from .generate import generate
from .server import start_prometheus


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m prom")
    ap.add_argument("--window", type=float, default=None, help="seconds of data (default: the scenario's)")
    ap.add_argument("--serve", action="store_true", help="keep Prometheus running until Ctrl-C")
    ap.add_argument("--om", help="also write the data as one OpenMetrics file")
    ap.add_argument("--preview", action="store_true",
                    help="render the dashboards with dashgen preview --png and update docs/images/flux-preview.png")
    args = ap.parse_args()
    c = default_cluster()
    if args.window:
        c.window = args.window
    t0 = time.perf_counter()
    ds = generate(c)
    if args.om:
        print(f"wrote {ds.write_openmetrics(args.om)} samples to {args.om}")
    with start_prometheus(c, dataset=ds) as p:
        s = p.stats
        print(
            f"window={c.window:.0f}s step={p.step:.0f}s series={s.series} samples={s.samples} files={s.files}\n"
            f"generate={time.perf_counter() - t0 - s.backfill_seconds - p.startup_seconds:.2f}s "
            f"backfill(write+promtool)={s.backfill_seconds:.2f}s startup={p.startup_seconds:.2f}s "
            f"total={time.perf_counter() - t0:.2f}s\n{p.url}  start={p.start:.0f} end={p.end:.0f}"
        )
        if args.preview:
            _preview(p)
        if args.serve:
            try:
                while True:
                    time.sleep(3600)
            except KeyboardInterrupt:
                pass


def _preview(p) -> None:
    """dashgen preview over the modelled cluster, in UTC, and the Flux page as the README's picture."""
    import os
    import shutil
    import subprocess
    import sys
    import tempfile
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    out = Path(tempfile.mkdtemp(prefix="dashgen-preview-"))
    dashgen = Path(sys.executable).with_name("dashgen")
    subprocess.run([str(dashgen), "-c", str(repo / "dashgen.yaml"), "preview", "--prometheus-url", p.url,
                    "--from", str(int(p.start)), "--to", str(int(p.end)), "--out", str(out), "--png"],
                   check=True, env={**os.environ, "TZ": "UTC"})
    target = repo / "docs" / "images" / "flux-preview.png"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(out / "flux-gitops.png", target)
    print(f"pages in {out}/index.html; wrote {target}")


if __name__ == "__main__":
    main()
