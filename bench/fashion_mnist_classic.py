"""Fashion-MNIST, classic VAE (MLP 784-400-20, ReLU, Bernoulli on grey levels, Adam 1e-3, batch 128, 10 epochs, CPU).

Measures, in one run on one machine:
  1. vaekit's test negative ELBO after 10 epochs and its seconds per epoch;
  2. the canonical PyTorch example's loop (per-item Dataset + DataLoader) seconds per epoch, same model and data;
  3. at batch 1024, vaekit's seconds per epoch against the matrix products alone (bench/matmul_floor.py).

    python bench/fashion_mnist_classic.py            # writes bench/results/ and the BENCHMARKS.md section
    python bench/fashion_mnist_classic.py --quick    # 2 epochs: a smoke run, does not touch BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from canonical_example import CanonicalVAE, make_loader, train_epoch  # noqa: E402
from matmul_floor import matmul_epoch_seconds  # noqa: E402
from report import machine, write_results  # noqa: E402

CLASSIC = {"data": {"source": "fashion-mnist", "download": False},
           "model": {"network": "mlp", "hidden": [400], "latent_dim": 20, "activation": "relu",
                     "likelihood": "bernoulli"},
           "objective": {"beta": 1.0},
           "train": {"batch_size": 128, "lr": 1e-3, "optimizer": "adam", "seed": 0, "device": "cpu"}}


def train_vaekit(epochs: int, batch_size: int) -> vaekit.Run:
    config = vaekit.Config.from_dict(CLASSIC).with_overrides({"train": {"epochs": epochs, "batch_size": batch_size}})
    with tempfile.TemporaryDirectory() as folder:
        return vaekit.train(config, Path(folder) / "run", progress=False, pictures=False)


def canonical_epoch_seconds(data: vaekit.Dataset, epochs: int) -> list[float]:
    images = (data.train_x[:, 0] * 255).round().to(torch.uint8).numpy()
    labels = data.train_y.numpy()
    torch.manual_seed(0)
    model = CanonicalVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = make_loader(images, labels)
    seconds = []
    for _ in range(epochs):
        started = time.perf_counter()
        train_epoch(model, loader, optimizer)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 epochs, no BENCHMARKS.md update")
    args = parser.parse_args()
    epochs = 2 if args.quick else 10
    data = vaekit.load_dataset("fashion-mnist", download=False)

    # the canonical loop runs before and after vaekit, so slow drifts of a shared machine hit both alike
    theirs = canonical_epoch_seconds(data, 2)
    run = train_vaekit(epochs, 128)
    ours = [row["epoch_seconds"] for row in run.metrics]
    final = run.metrics[-1]
    print(f"vaekit: test -ELBO {final['val_neg_elbo']:.2f} nats, {statistics.median(ours):.2f} s/epoch", flush=True)
    theirs += canonical_epoch_seconds(data, 1)
    print(f"canonical loop: {statistics.median(theirs):.2f} s/epoch", flush=True)

    big = train_vaekit(3, 1024)
    big_epoch = min(row["epoch_seconds"] for row in big.metrics)
    floor = matmul_epoch_seconds(len(data.train_x), 1024)
    print(f"batch 1024: vaekit {big_epoch:.2f} s/epoch, matrix products alone {floor:.2f} s", flush=True)

    results = {
        "machine": machine(), "epochs": epochs,
        "test_neg_elbo": final["val_neg_elbo"], "test_distortion": final["val_distortion"],
        "test_rate": final["val_rate"], "vaekit_epoch_seconds": ours, "canonical_epoch_seconds": theirs,
        "speedup": statistics.median(theirs) / statistics.median(ours),
        "batch1024_epoch_seconds": [row["epoch_seconds"] for row in big.metrics],
        "matmul_floor_seconds": floor, "batch1024_over_floor": big_epoch / floor,
    }
    elbo_cell = (f"{final['val_neg_elbo']:.2f} (distortion {final['val_distortion']:.2f} + rate "
                 f"{final['val_rate']:.2f})")
    markdown = f"""## Fashion-MNIST, classic VAE (issue 2)

MLP 784-400-20, ReLU, Bernoulli likelihood on grey levels, Adam lr 1e-3, batch 128, {epochs} epochs, seed 0, CPU.
Command: `.venv/bin/python bench/fashion_mnist_classic.py`. Machine: {results['machine']}.

| measure | value | target |
|---|---|---|
| test negative ELBO (nats per image, 1 posterior sample) | {elbo_cell} | at most 245.0 |
| vaekit seconds per epoch (median of {epochs}) | {statistics.median(ours):.2f} | |
| canonical loop seconds per epoch (median of 3: 2 before, 1 after vaekit) | {statistics.median(theirs):.2f} | |
| speed-up over the canonical loop | {results['speedup']:.2f}x | at least 2.5x |
| batch 1024: vaekit seconds per epoch (best of 3) | {big_epoch:.2f} | |
| batch 1024: the same matrix products alone (best of 3) | {floor:.2f} | |
| batch 1024: epoch over matrix-product floor | {results['batch1024_over_floor']:.2f} | at most 1.25 |
"""
    print(markdown)
    if not args.quick:
        write_results("fashion_mnist_classic", results, markdown)


if __name__ == "__main__":
    main()
