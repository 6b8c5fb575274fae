"""How long `make demo`'s training takes once installed (target: under 2 minutes on 2 CPU cores).

    .venv/bin/python bench/demo_time.py      # writes bench/results/demo_time.json and the BENCHMARKS.md section
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import ROOT, machine, write_results  # noqa: E402


def main() -> None:
    vaekit = Path(sys.executable).parent / "vaekit"
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "demo"
        command = [str(vaekit), "train", "--config", str(ROOT / "configs" / "digits-2d.toml"), "--out", str(out),
                   "--quiet"]
        started = time.perf_counter()
        finished = subprocess.run(command, capture_output=True, text=True, check=True)
        seconds = time.perf_counter() - started
        pictures = sorted(p.name for p in out.glob("*.png"))
        shutil.rmtree(out)
    print(finished.stdout.strip())
    results = {"machine": machine(), "seconds": seconds, "pictures": pictures, "summary": finished.stdout.strip()}
    markdown = f"""## `make demo` (issue 2)

The demo's training on the bundled digits (`configs/digits-2d.toml`: 2-D latent, MLP 64-256-128-2, 60 epochs),
started as a new process, pictures included. Command: `.venv/bin/python bench/demo_time.py`.
Machine: {results['machine']}.

| measure | value | target |
|---|---|---|
| wall-clock seconds, once installed | {seconds:.1f} | under 120 |
| result | {finished.stdout.strip()} | |
| pictures written | {', '.join(pictures)} | |
"""
    print(markdown)
    write_results("demo_time", results, markdown)


if __name__ == "__main__":
    main()
