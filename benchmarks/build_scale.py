"""Benchmark `analysis build` on a synthetic snapshot 100x the recorded one.

Reports build time as a ratio against simply parsing the same files with Python's json
module, both measured in this run, each in a fresh subprocess (median of --repeat runs),
plus the build's peak memory. Targets: ratio <= 1.5, peak memory < 2 GB. The build parses
and type-checks every item (msgspec), where the baseline only parses.

    python benchmarks/build_scale.py [--recorded SNAPSHOT]   (default: the embedded 2023 snapshot)
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from analysis.config import EMBEDDED_SNAPSHOT

ID_STRIDE = 1_000_000_000  # larger than any recorded id, so copies never collide

CHILD = """
import json, resource, sys, time
from pathlib import Path
snap, out, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
start = time.perf_counter()
if mode == "json":
    imported = start
    manifest = json.loads((snap / "manifest.json").read_text())
    n = sum(len(json.loads((snap / r["file"]).read_bytes())["items"]) for r in manifest["requests"])
else:
    from analysis.build import build
    imported = time.perf_counter()
    n = build(snap, out)["repositories"]
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "import_seconds": imported - start, "count": n,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def synthesize(recorded: Path, dest: Path, factor: int) -> int:
    """Write `factor` copies of every recorded page, with fresh ids; return the number of items."""
    manifest = json.loads((recorded / "manifest.json").read_text())
    requests: list[dict[str, Any]] = []
    items = 0
    for copy in range(factor):
        for request in manifest["requests"]:
            body = json.loads((recorded / request["file"]).read_text())
            for item in body["items"]:
                item["id"] += copy * ID_STRIDE
                item["full_name"] = f"{item['full_name']}-{copy}"
            body["total_count"] *= factor
            name = f"copy{copy}_{request['file']}"
            (dest / name).write_text(json.dumps(body))
            # A new body: the embedded page's checksum no longer applies (collected snapshots list none).
            kept = {k: v for k, v in request.items() if k != "sha256"}
            requests.append({**kept, "file": name, "params": {**kept["params"], "page": len(requests) + 1}})
            items += len(body["items"])
    (dest / "manifest.json").write_text(json.dumps({**manifest, "requests": requests}))
    return items


def measure(snapshot: Path, out: Path, mode: str) -> dict[str, float]:
    """One run of CHILD: seconds, import_seconds, count and peak_mb."""
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(snapshot), str(out), mode], check=True, capture_output=True, text=True
    )
    return json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recorded", type=Path, default=EMBEDDED_SNAPSHOT)
    parser.add_argument("--factor", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="build-bench-"))
    try:
        snap = work / "snapshot"
        snap.mkdir()
        items = synthesize(args.recorded, snap, args.factor)
        size_mb = sum(p.stat().st_size for p in snap.iterdir()) / 2**20
        print(f"synthetic snapshot: {items:,} items in {len(list(snap.iterdir())) - 1} files, {size_mb:,.0f} MB")
        runs: dict[str, list[dict[str, float]]] = {"json": [], "build": []}
        for _ in range(args.repeat):  # interleaved, so both see the same machine state
            for mode in runs:
                runs[mode].append(measure(snap, work / "out", mode))
        parse = statistics.median(r["seconds"] for r in runs["json"])
        build = statistics.median(r["seconds"] for r in runs["build"])
        imports = statistics.median(r["import_seconds"] for r in runs["build"])
        peak = max(r["peak_mb"] for r in runs["build"])
        print(
            f"json parse (baseline): {parse:.2f} s   build: {build:.2f} s"
            f"   ({runs['build'][0]['count']:,} unique repositories)"
        )
        print(
            f"ratio build / parse: {build / parse:.2f}  (target <= 1.50; the build's time includes"
            f" {imports:.2f} s of importing polars and pyarrow, {(build - imports) / parse:.2f} without)"
        )
        print(f"peak memory of build: {peak:,.0f} MB  (target < 2,048 MB)")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
