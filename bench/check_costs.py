"""What issue 22's checks cost: an epoch (with its validation and checkpoint, where the run files' fingerprints are
written) and a compress/decompress round (where the .vkz header is checked against its schema), timed with the code
before the checks (a git commit, BASE) and with this tree, in alternating child processes on the same data.

    python bench/check_costs.py                      # base 4132319, 5 rounds; writes BENCHMARKS.md, results/
    python bench/check_costs.py --rounds 1 --quick   # a smoke run: writes nothing

Each round starts one child per tree (fresh imports, same seed): it trains the classic MLP VAE on sklearn's digits
for EPOCHS epochs and reports the seconds between one epoch's end and the next (training, validation, checkpoint)
with the first left out, then compresses and decompresses 1,000 binarized digits with that run, three times.
The figure is the median over rounds of the ratio this tree / base: 1.00 means no cost that can be measured here.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

from report import ROOT, machine, write_results

BASE = "4132319"  # main before issue 22
EPOCHS = 12

CHILD = r"""
import json, sys, time, tempfile
import numpy as np, torch
import vaekit
from vaekit.tasks.compression import compress, decompress
torch.set_num_threads(1)
epochs = int(sys.argv[1])
marks = []
with tempfile.TemporaryDirectory() as folder:
    run = vaekit.train({"data": {"source": "digits"}, "model": {"latent_dim": 8, "hidden": [256]},
                        "train": {"epochs": epochs, "batch_size": 64, "seed": 0}}, folder + "/run",
                       progress=False, pictures=False, on_epoch=lambda row: marks.append(time.perf_counter()))
    model = vaekit.load(folder + "/run")
    data = vaekit.load_dataset("digits")
    x = (data.train_x[:1000] > 0.5).float()
    rounds = []
    for _ in range(3):
        start = time.perf_counter()
        blob = compress(model, x)
        back = decompress(model, blob)
        rounds.append(time.perf_counter() - start)
        assert torch.equal(back, x)
epoch = [b - a for a, b in zip(marks[1:], marks[2:])]
print(json.dumps({"epoch_s": sorted(epoch)[len(epoch) // 2], "round_s": min(rounds), "bytes": len(blob)}))
"""


def _tree(commit: str, folder: Path) -> Path:
    """The src folder of `commit`, unpacked under `folder` (git archive: the shared working tree is left alone)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit, "src"], check=True, capture_output=True)
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def _child(src: Path, epochs: int) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", CHILD, str(epochs)], env={**os.environ, "PYTHONPATH": str(src)},
                          capture_output=True, text=True, check=True, cwd=tempfile.gettempdir())
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=BASE)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="4 epochs; write nothing")
    args = parser.parse_args()
    epochs = 4 if args.quick else EPOCHS
    with tempfile.TemporaryDirectory() as folder:
        trees = {"base": _tree(args.base, Path(folder)), "checked": ROOT / "src"}
        runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for index in range(args.rounds):
            for name in (("base", "checked") if index % 2 == 0 else ("checked", "base")):  # alternate the order
                runs[name].append(_child(trees[name], epochs))
                print(name, runs[name][-1], flush=True)
    ratio = {key: statistics.median(c[key] / b[key] for b, c in zip(runs["base"], runs["checked"], strict=True))
             for key in ("epoch_s", "round_s")}
    median = {name: {key: statistics.median(r[key] for r in found) for key in ("epoch_s", "round_s")}
              for name, found in runs.items()}
    results = {"base": args.base, "rounds": args.rounds, "epochs": epochs, "runs": runs, "median": median,
               "ratio": ratio, "machine": machine()}
    print(json.dumps({"median": median, "ratio": ratio}, indent=1))
    if args.quick:
        return
    base, checked = median["base"], median["checked"]
    markdown = f"""## What the checks of files and sizes cost (issue 22)

`python bench/check_costs.py` on {machine()}: the code before the checks (commit {args.base}) and this tree in
alternating child processes, {args.rounds} rounds, one thread each. An epoch is the time from one epoch's end to
the next (training on sklearn's digits, validation, checkpoint with the run files' fingerprints), median of
{epochs - 2}; a round compresses and decompresses 1,000 binarized digits (the .vkz header checked against its
schema on the way back), best of 3.

| | before | with the checks | ratio (median of rounds) |
|---|---|---|---|
| epoch | {base['epoch_s'] * 1000:.1f} ms | {checked['epoch_s'] * 1000:.1f} ms | {ratio['epoch_s']:.3f} |
| compress + decompress round | {base['round_s']:.3f} s | {checked['round_s']:.3f} s | {ratio['round_s']:.3f} |
"""
    write_results("check_costs", results, markdown)


if __name__ == "__main__":
    main()
