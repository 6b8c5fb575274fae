"""Fashion-MNIST, classic VAE (MLP 784-400-20, ReLU, Bernoulli on grey levels, Adam 1e-3, batch 128, 10 epochs, CPU).

Measures, in one run on one machine:
  1. vaekit's test negative ELBO after 10 epochs and its seconds per epoch;
  2. the canonical PyTorch example's loop (per-item Dataset + DataLoader) seconds per epoch and test loss, same
     model and data, its epochs alternating with vaekit's;
  3. the same for vaekit with --precision bf16 (mixed precision), its epochs alternating with more canonical epochs;
  4. at batch 1024, vaekit's seconds per epoch against the matrix products alone (bench/matmul_floor.py).

    python bench/fashion_mnist_classic.py            # writes bench/results/ and the BENCHMARKS.md section
    python bench/fashion_mnist_classic.py --quick    # 2 epochs: a smoke run, does not touch BENCHMARKS.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from canonical_example import CanonicalVAE, make_loader, test_loss, train_epoch  # noqa: E402
from matmul_floor import matmul_epoch_seconds  # noqa: E402
from report import machine, write_results  # noqa: E402

CLASSIC = {"data": {"source": "fashion-mnist", "download": False},
           "model": {"network": "mlp", "hidden": [400], "latent_dim": 20, "activation": "relu",
                     "likelihood": "bernoulli"},
           "objective": {"beta": 1.0},
           "train": {"batch_size": 128, "lr": 1e-3, "optimizer": "adam", "seed": 0, "device": "cpu"}}


def train_vaekit(folder: Path, epochs: int, batch_size: int, between_epochs: Callable[[dict], None],
                 precision: str = "fp32") -> vaekit.Run:
    """The classic configuration, calling `between_epochs` after each epoch (outside its timed steps)."""
    config = vaekit.Config.from_dict(CLASSIC).with_overrides(
        {"train": {"epochs": epochs, "batch_size": batch_size, "precision": precision}})
    return vaekit.train(config, folder / f"vaekit-{batch_size}-{precision}", progress=False, pictures=False,
                        on_epoch=between_epochs)


class CanonicalRun:
    """The canonical example's model, optimizer and per-item loader, trained one timed epoch at a time."""

    def __init__(self, data: vaekit.Dataset) -> None:
        self.train_images = (data.train_x[:, 0] * 255).round().to(torch.uint8).numpy()
        self.test_images = (data.test_x[:, 0] * 255).round().to(torch.uint8).numpy()
        self.train_labels, self.test_labels = data.train_y.numpy(), data.test_y.numpy()
        torch.manual_seed(0)
        self.model = CanonicalVAE()
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=1e-3)
        self.loader = make_loader(self.train_images, self.train_labels)

    def epoch_seconds(self) -> float:
        started = time.perf_counter()
        train_epoch(self.model, self.loader, self.optimizer)
        return time.perf_counter() - started

    def test_loss(self) -> float:
        return test_loss(self.model, self.test_images, self.test_labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 epochs, no BENCHMARKS.md update")
    args = parser.parse_args()
    epochs = 2 if args.quick else 10
    data = vaekit.load_dataset("fashion-mnist", download=False)

    # Epochs alternate, vaekit's then the canonical loop's, so that a shared machine's slow and fast spells fall
    # on both alike; the speed-up is the median of the per-epoch ratios.
    canonical = CanonicalRun(data)
    theirs: list[float] = []       # canonical epochs beside vaekit's fp32 epochs
    theirs_bf16: list[float] = []  # and beside its bf16 epochs

    def canonical_epoch_into(seconds: list[float]) -> Callable[[dict], None]:
        def canonical_epoch(row: dict) -> None:
            seconds.append(canonical.epoch_seconds())
            print(f"epoch {row['epoch']}: vaekit {row['epoch_seconds']:.2f} s, canonical {seconds[-1]:.2f} s",
                  flush=True)
        return canonical_epoch

    floors: list[float] = []

    def floor_measurement(row: dict) -> None:
        floors.append(matmul_epoch_seconds(len(data.train_x), 1024, repeats=2))
        print(f"batch 1024: vaekit {row['epoch_seconds']:.2f} s, matrix products alone {floors[-1]:.2f} s", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        run = train_vaekit(Path(folder), epochs, 128, canonical_epoch_into(theirs))
        canonical_test = canonical.test_loss()  # after as many epochs as vaekit's
        bf16_run = train_vaekit(Path(folder), epochs, 128, canonical_epoch_into(theirs_bf16), precision="bf16")
        big_run = train_vaekit(Path(folder), 3, 1024, floor_measurement)
    final = run.metrics[-1]
    ours = [row["epoch_seconds"] for row in run.metrics]
    ratios = [t / o for o, t in zip(ours, theirs)]
    bf16_final = bf16_run.metrics[-1]
    ours_bf16 = [row["epoch_seconds"] for row in bf16_run.metrics]
    ratios_bf16 = [t / o for o, t in zip(ours_bf16, theirs_bf16)]
    print(f"vaekit test -ELBO {final['val_neg_elbo']:.2f}; canonical test loss {canonical_test:.2f}", flush=True)
    big = [row["epoch_seconds"] for row in big_run.metrics]
    floor_ratios = [b / f for b, f in zip(big, floors)]

    results = {
        "machine": machine(), "epochs": epochs,
        "test_neg_elbo": final["val_neg_elbo"], "test_distortion": final["val_distortion"],
        "test_rate": final["val_rate"], "canonical_test_loss": canonical_test,
        "vaekit_epoch_seconds": ours, "canonical_epoch_seconds": theirs,
        "speedup_per_epoch": ratios, "speedup": statistics.median(ratios),
        "bf16_test_neg_elbo": bf16_final["val_neg_elbo"], "bf16_epoch_seconds": ours_bf16,
        "bf16_canonical_epoch_seconds": theirs_bf16, "bf16_speedup_per_epoch": ratios_bf16,
        "bf16_speedup": statistics.median(ratios_bf16),
        "batch1024_epoch_seconds": big, "matmul_floor_seconds": floors,
        "batch1024_over_floor_per_epoch": floor_ratios, "batch1024_over_floor": statistics.median(floor_ratios),
    }
    elbo_cell = (f"{final['val_neg_elbo']:.2f} (distortion {final['val_distortion']:.2f} + rate "
                 f"{final['val_rate']:.2f})")
    speedup_cell = f"{results['speedup']:.2f}x ({min(ratios):.2f}-{max(ratios):.2f})"
    bf16_cell = f"{results['bf16_speedup']:.2f}x ({min(ratios_bf16):.2f}-{max(ratios_bf16):.2f})"
    floor_cell = f"{results['batch1024_over_floor']:.2f} ({min(floor_ratios):.2f}-{max(floor_ratios):.2f})"
    markdown = f"""## Fashion-MNIST, classic VAE (issue 2)

MLP 784-400-20, ReLU, Bernoulli likelihood on grey levels, Adam lr 1e-3, batch 128, {epochs} epochs, seed 0, CPU.
Command: `.venv/bin/python bench/fashion_mnist_classic.py`. Machine: {results['machine']}.
Epochs alternate between vaekit and the canonical loop (bench/canonical_example.py: per-item Dataset + DataLoader,
as in pytorch/examples vae/main.py), so both see the same spells of a shared machine; ratios are per epoch pair.

| measure | value | target |
|---|---|---|
| test negative ELBO (nats per image, 1 posterior sample) | {elbo_cell} | at most 245.0 |
| the canonical example's own test loss after the same epochs (same data) | {canonical_test:.2f} | (about 244.4) |
| vaekit seconds per epoch (median) | {statistics.median(ours):.2f} | |
| canonical loop seconds per epoch (median) | {statistics.median(theirs):.2f} | |
| speed-up over the canonical loop (median of per-epoch ratios; min-max) | {speedup_cell} | at least 2.5x |
| `--precision bf16`: test negative ELBO (nats per image) | {bf16_final['val_neg_elbo']:.2f} | at most 245.0 |
| `--precision bf16`: vaekit seconds per epoch (median) | {statistics.median(ours_bf16):.2f} | |
| `--precision bf16`: canonical loop seconds per epoch alongside (median) | {statistics.median(theirs_bf16):.2f} | |
| `--precision bf16`: speed-up over the canonical loop (median of per-epoch ratios; min-max) | {bf16_cell} | |
| batch 1024: vaekit seconds per epoch (median of 3) | {statistics.median(big):.2f} | |
| batch 1024: the same matrix products alone (median of 3) | {statistics.median(floors):.2f} | |
| batch 1024: epoch over matrix-product floor (median of per-epoch ratios; min-max) | {floor_cell} | at most 1.25 |
"""
    print(markdown)
    if not args.quick:
        write_results("fashion_mnist_classic", results, markdown)


if __name__ == "__main__":
    main()
