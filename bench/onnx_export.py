"""ONNX export of the classic model: the graphs' largest relative differences from torch on the Fashion-MNIST test
split, and examples per second of onnxruntime (CPU) against torch for encoding, decoding and scoring, in one run.

The classic model: an MLP 784-400-20 VAE with a Bernoulli likelihood, trained a few epochs on the 60,000 training
images (its speed does not depend on how long it trained; its differences are measured on trained weights).
Differences: |onnx - torch| / max(|torch|, 1) over the 10,000 test images, the scores with the same noise (k = 20).
Speed: the best of 5 passes over the test images in batches of 500, both on the same threads.

    python bench/onnx_export.py                 # writes BENCHMARKS.md section onnx-export
    python bench/onnx_export.py --epochs 1 --no-write
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.onnx import OnnxModel  # noqa: E402
from vaekit.tasks.onnx_export import _Scorer, compare_with_torch, export_onnx  # noqa: E402

BATCH = 500
K = 20
PASSES = 5


def _best(work) -> float:  # type: ignore[no-untyped-def]
    """The fastest of PASSES passes, in seconds."""
    times = []
    for _ in range(PASSES):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    data = vaekit.load_dataset("fashion-mnist", download=False)
    config = {"data": {"source": "fashion-mnist"},
              "model": {"network": "mlp", "hidden": [400], "latent_dim": 20, "likelihood": "bernoulli"},
              "train": {"epochs": args.epochs, "batch_size": 128, "seed": 0}}
    with tempfile.TemporaryDirectory() as folder:
        model = vaekit.train(config, Path(folder) / "run", progress=False, pictures=False).model.cpu().eval()
        export_onnx(model, Path(folder) / "onnx")
        x = data.test_x
        differences = compare_with_torch(model, Path(folder) / "onnx", x, k=K)
        exported = OnnxModel(Path(folder) / "onnx")
        values = x.numpy()
        batches = [(values[i:i + BATCH], x[i:i + BATCH]) for i in range(0, len(x), BATCH)]
        noise = [np.random.default_rng(0).standard_normal((K, len(a), 20), dtype=np.float32) for a, _ in batches]
        scorer = _Scorer(model)
        with torch.no_grad():
            codes = [model.encode(t).mean for _, t in batches]
            torch_times = {"encode": _best(lambda: [model.encode(t) for _, t in batches]),
                           "decode": _best(lambda: [model.decode(z).mean for z in codes]),
                           "score (k=20)": _best(lambda: [scorer(t, torch.from_numpy(n))
                                                          for (_, t), n in zip(batches, noise)])}
        onnx_times = {"encode": _best(lambda: [exported.encode(a) for a, _ in batches]),
                      "decode": _best(lambda: [exported.decode(z.numpy()) for z in codes]),
                      "score (k=20)": _best(lambda: [exported.score(a, noise=n) for (a, _), n in zip(batches, noise)])}
    speeds = {name: {"torch": len(x) / torch_times[name], "onnxruntime": len(x) / onnx_times[name]}
              for name in torch_times}
    results = {"machine": machine(), "epochs": args.epochs, "differences": differences, "examples_per_s": speeds}
    command = "python bench/onnx_export.py" + "".join(f" {a}" for a in sys.argv[1:])
    lines = ["## ONNX export: agreement with torch and speed (issue 25)", "",
             f"`{command}` on {machine()}. The classic model (MLP 784-400-20, Bernoulli, {args.epochs} epochs on "
             "Fashion-MNIST's 60,000 training images) exported with `vaekit export`; its 10,000 test images.", "",
             "| graph output | largest relative difference from torch | goal |", "|---|---:|---|"]
    goals = {"encoder mean": 1e-5, "encoder stddev": 1e-5, "decoder mean": 1e-5, "iw score": 1e-4}
    for name, value in differences.items():
        lines.append(f"| {name} | {value:.1e} | ≤ {goals[name]:.0e} {'met' if value <= goals[name] else 'missed'} |")
    lines += ["", f"Examples per second, batches of {BATCH}, the best of {PASSES} passes, torch with "
              f"{torch.get_num_threads()} threads and onnxruntime's default CPU provider:", "",
              "| work | torch | onnxruntime | onnxruntime / torch |", "|---|---:|---:|---:|"]
    for name, found in speeds.items():
        lines.append(f"| {name} | {found['torch']:,.0f} | {found['onnxruntime']:,.0f} | "
                     f"{found['onnxruntime'] / found['torch']:.2f} |")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_results("onnx-export", results, text)


if __name__ == "__main__":
    main()
