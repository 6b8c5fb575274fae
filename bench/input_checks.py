"""What the Python API's input checks (vaekit.model.input_checks) cost a training epoch: the classic 784-400-20 MLP VAE,
Bernoulli likelihood, batch 128, Adam, one epoch over 8-bit-like data of MNIST's size, with the checks and with
them replaced by pass-throughs, alternating in one process.

    PYTHONPATH=src python bench/input_checks.py                  # 60000 random 8-bit-like images, 3 rounds
    PYTHONPATH=src python bench/input_checks.py --examples 20000 --rounds 5 --device cuda

The training step calls only encode and decode, whose checks read metadata (type, shape, dtype, device) and never
the values, so they cost microseconds a step and no device sync. Two numbers: the epoch-time ratio of the A/B
runs (noisy on a shared machine: it can come out below 1), and the checks' own time per step, measured directly,
times the steps of an epoch, over the epoch time: the cost the budget (< 2% of an epoch) is about.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import torch

import vaekit.model.vae
from report import machine, write_results
from vaekit.config import ModelConfig, ObjectiveConfig
from vaekit.model.build import build_model
from vaekit.model.input_checks import as_data, as_latent
from vaekit.objectives.elbo import ELBO

FASHION = Path("/usr/share/datasets/fashion-mnist")


def _data(examples: int, device: torch.device) -> tuple[torch.Tensor, str]:
    """Fashion-MNIST's training images when they are on this machine, else random 8-bit-like images k/255."""
    if FASHION.is_dir():
        try:
            data = vaekit.load_dataset(str(FASHION), download=False)
            return data.train_x[:examples].to(device), f"Fashion-MNIST from {FASHION}"
        except Exception as error:  # any reason it cannot be read: fall back, and say so
            print(f"({FASHION} not readable: {error}; random data instead)")
    generator = torch.Generator().manual_seed(0)
    x = torch.randint(0, 256, (examples, 1, 28, 28), generator=generator).float() / 255
    return x.to(device), "random 8-bit-like images (values k/255)"


def _epoch(x: torch.Tensor, batch_size: int, seed: int) -> float:
    """Seconds for one epoch of the classic VAE, from the same initial weights and order every time."""
    torch.manual_seed(seed)
    model = build_model(ModelConfig(latent_dim=20, hidden=[400]), (1, 28, 28)).to(x.device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    objective = ELBO(ObjectiveConfig())
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed)).to(x.device)
    _sync(x)
    started = time.perf_counter()
    for start in range(0, len(x), batch_size):
        loss = objective(model, x[order[start:start + batch_size]]).loss
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    _sync(x)
    return time.perf_counter() - started


def _sync(x: torch.Tensor) -> None:
    if x.device.type == "cuda":
        torch.cuda.synchronize()


def _checks_per_step(x: torch.Tensor, batch_size: int, repeats: int = 20_000) -> float:
    """Seconds the checks of one step take: encode's as_data on the batch, decode's as_latent on z."""
    model = build_model(ModelConfig(latent_dim=20, hidden=[400]), (1, 28, 28)).to(x.device)
    batch, z = x[:batch_size], torch.zeros(batch_size, 20, device=x.device)
    started = time.perf_counter()
    for _ in range(repeats):
        as_data(batch, model)
        as_latent(z, model)
    return (time.perf_counter() - started) / repeats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=3, help="A/B pairs of epochs, alternating")
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args()
    device = torch.device(args.device)
    x, described = _data(args.examples, device)
    print(f"data: {described}, {len(x)} examples on {device}; {torch.get_num_threads()} CPU threads")

    checked, unchecked = [], []
    _epoch(x[: args.batch_size * 20], args.batch_size, seed=0)  # warm-up: allocator, kernels
    for round_ in range(args.rounds):
        # which of the pair runs first alternates: the first epoch of a pair ran measurably slower on a shared machine
        for checks in ((True, False) if round_ % 2 == 0 else (False, True)):
            if not checks:  # the same epoch with encode's and decode's checks replaced by pass-throughs
                vaekit.model.vae.as_data = lambda x, model, *a, **k: x
                vaekit.model.vae.as_latent = lambda z, model, *a, **k: z
            try:
                (checked if checks else unchecked).append(_epoch(x, args.batch_size, seed=round_))
            finally:
                vaekit.model.vae.as_data, vaekit.model.vae.as_latent = as_data, as_latent
        print(f"round {round_ + 1}: with checks {checked[-1]:.3f} s, without {unchecked[-1]:.3f} s")

    with_checks, without = statistics.median(checked), statistics.median(unchecked)
    ratios = [a / b for a, b in zip(checked, unchecked)]  # each pair ran back to back: the fairest comparison
    ratio = statistics.median(ratios)
    steps = -(-len(x) // args.batch_size)
    per_step = _checks_per_step(x, args.batch_size)
    print(f"epoch, median of {args.rounds}: with checks {with_checks:.3f} s, without {without:.3f} s, "
          f"per-pair ratio median {ratio:.4f} (range {min(ratios):.3f}-{max(ratios):.3f})")
    # against the fastest epoch seen (either side): the largest share, and one that a slow spell cannot shrink
    fastest = min(checked + unchecked)
    share = 100 * per_step * steps / fastest
    print(f"checks measured directly: {per_step * 1e6:.1f} us per step x {steps} steps = "
          f"{per_step * steps * 1e3:.1f} ms per epoch = {share:.3f}% of the fastest epoch, {fastest:.3f} s "
          "(budget: 2%)")
    write_results("input_checks", {"examples": len(x), "data": described, "device": str(device),
                                   "epoch_with_checks_s": checked, "epoch_without_checks_s": unchecked,
                                   "checks_per_step_s": per_step, "steps": steps, "share_of_epoch_percent": share}, f"""
## What the Python API's input checks cost a training epoch (issue 8)

The classic MLP 784-400-20 (Bernoulli likelihood, Adam, batch {args.batch_size}), one epoch over {len(x)} examples
({described}) on {device}, with encode's and decode's checks and with them replaced by pass-throughs, alternating
in one process ({args.rounds} pairs).
Command: `.venv/bin/python bench/input_checks.py --examples {args.examples} --rounds {args.rounds}`.
Machine: {machine()}.

| measure | value | target |
|---|---|---|
| epoch with checks, median (s) | {with_checks:.3f} | |
| epoch without checks, median (s) | {without:.3f} | |
| with / without, per back-to-back pair: median (range) | {ratio:.4f} ({min(ratios):.3f}-{max(ratios):.3f}) | |
| the checks' own time per step, measured directly | {per_step * 1e6:.1f} us | |
| the checks' share of the fastest epoch ({steps} steps, {fastest:.3f} s) | {share:.3f}% | below 2% |

The training step calls only encode and decode, whose checks read metadata (type, shape, dtype, device), never
values: no device sync. elbo, reconstruct, embed and evaluate add one reduction per call for NaN and the
likelihood's support; the trainer checks the whole data set once, before the first step.
""")


if __name__ == "__main__":
    main()
