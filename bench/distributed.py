"""Two processes (torchrun, gloo, DistributedDataParallel) against one, on the CPU.

The classic Fashion-MNIST configuration (MLP 784-400-20, Bernoulli, Adam 1e-3, global batch 128, 5 epochs) is
trained by the `vaekit train` command three ways, whole runs alternating over two rounds so that each side sees
the same spells of a shared machine:
  - one process with 2 threads (all the cores);
  - two processes with 1 thread each, `vaekit train --nproc 2` (torchrun, gloo);
  - one process with 1 thread: what one of the two processes would do alone.
It reports the final validation -ELBO of each (the same within tolerance: the two runs draw different posterior
noise, so they agree statistically, not bit for bit), examples per second in total and per process, and the
exactness check of tests/test_distributed.py on digits (VaDE's deterministic pretraining epochs, plain SGD,
unequal slices): the largest relative difference of the loss between one and two processes.

    python bench/distributed.py            # writes bench/results/distributed.json and the BENCHMARKS.md section
    python bench/distributed.py --quick    # 2 epochs, one round: a smoke run, does not touch BENCHMARKS.md
    python bench/distributed.py --cuda     # on a machine with 2 or more GPUs: one GPU against all (NCCL)
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import ROOT, machine, write_results  # noqa: E402

CLASSIC = ["--data", "fashion-mnist", "--no-download", "--network", "mlp", "--hidden", "400", "--latent-dim", "20",
           "--activation", "relu", "--likelihood", "bernoulli", "--batch-size", "128", "--lr", "1e-3",
           "--optimizer", "adam", "--seed", "0", "--device", "cpu", "--quiet"]
EXACT = ["--data", "digits", "--hidden", "32", "--latent-dim", "4", "--objective", "vade", "--prior", "mixture",
         "--pretrain-epochs", "2", "--epochs", "3", "--optimizer", "sgd", "--lr", "0.005", "--batch-size", "101",
         "--quiet"]
TOLERANCE = 1.0  # nats per image: final validation -ELBO of two processes against one (different noise draws)
SIDES = {"one process, 2 threads": (1, 2), "two processes, 1 thread each": (2, 1), "one process, 1 thread": (1, 1)}


def vaekit_train(arguments: list[str], out: Path, nproc: int, threads: int) -> tuple[list[dict[str, float]], float]:
    """`python -m vaekit train` (with --nproc when nproc > 1); its metrics rows and whole-process seconds."""
    env = {**os.environ, "OMP_NUM_THREADS": str(threads),
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, "-m", "vaekit", "train", *arguments, "--out", str(out)]
    if nproc > 1:
        command += ["--nproc", str(nproc)]
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}")
    rows = [{key: float(value) for key, value in row.items() if value != ""}
            for row in csv.DictReader((out / "metrics.csv").open())]
    return rows, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs, one round; BENCHMARKS.md is not touched")
    parser.add_argument("--cuda", action="store_true", help="one GPU against all of this machine's GPUs (NCCL)")
    parser.add_argument("--render", action="store_true", help="rewrite the section from the saved results")
    options = parser.parse_args()
    epochs, rounds = (2, 1) if options.quick else (5, 2)
    if options.cuda:
        return compare_gpus(epochs, rounds, options.quick)
    if options.render:  # the section again from the saved results, without measuring
        results = json.loads((ROOT / "bench" / "results" / "distributed.json").read_text())
        return write_results("distributed", results, render(results))
    runs: dict[str, list[tuple[list[dict[str, float]], float]]] = {side: [] for side in SIDES}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            for side, (nproc, threads) in SIDES.items():
                out = Path(folder) / f"{nproc}x{threads}-{round_}"
                runs[side].append(vaekit_train([*CLASSIC, "--epochs", str(epochs)], out, nproc, threads))
                print(f"round {round_ + 1}: {side}: final validation -ELBO {runs[side][-1][0][-1]['val_neg_elbo']:.2f}"
                      f", {runs[side][-1][1]:.1f} s", flush=True)
        one, _ = vaekit_train(EXACT, Path(folder) / "exact-1", 1, 2)
        two, _ = vaekit_train(EXACT, Path(folder) / "exact-2", 2, 1)
    exact = max(abs(b[name] - a[name]) / abs(a[name]) for a, b in zip(one[:2], two[:2], strict=True)
                for name in ("train_loss", "val_neg_elbo"))

    results: dict = {"machine": machine(), "epochs": epochs, "rounds": rounds, "tolerance_nats": TOLERANCE,
                     "exact_max_relative_difference": exact, "sides": {}}
    for side, (nproc, threads) in SIDES.items():
        # examples per second from the run's own per-epoch timing, epochs after the first (warm), all rounds
        speeds = [row["examples_per_s"] for rows, _ in runs[side] for row in rows[1:] or rows]
        results["sides"][side] = {
            "processes": nproc, "threads_per_process": threads,
            "final_val_neg_elbo": [rows[-1]["val_neg_elbo"] for rows, _ in runs[side]],
            "final_train_loss": [rows[-1]["train_loss"] for rows, _ in runs[side]],
            "examples_per_s": statistics.median(speeds),
            "examples_per_s_per_process": statistics.median(speeds) / nproc,
            "whole_process_seconds": [seconds for _, seconds in runs[side]]}
    base, two_side = results["sides"]["one process, 2 threads"], results["sides"]["two processes, 1 thread each"]
    gap = max(abs(a - b) for a, b in zip(base["final_val_neg_elbo"], two_side["final_val_neg_elbo"], strict=True))
    results["final_val_gap_nats"] = gap
    results["same_final_loss"] = gap <= TOLERANCE
    print(results)
    if not options.quick:
        write_results("distributed", results, render(results))


def render(results: dict) -> str:
    """The BENCHMARKS.md section of a run's results (also `--render`: from bench/results/distributed.json)."""
    sides = results["sides"]
    base, two = sides["one process, 2 threads"], sides["two processes, 1 thread each"]
    single = sides["one process, 1 thread"]

    def row(side: str) -> str:
        data = sides[side]
        finals = ", ".join(f"{value:.2f}" for value in data["final_val_neg_elbo"])
        walls = ", ".join(f"{value:.0f}" for value in data["whole_process_seconds"])
        return (f"| {side} | {finals} | {data['examples_per_s']:.0f} | {data['examples_per_s_per_process']:.0f} | "
                f"{walls} |")

    fastest = max(sides, key=lambda side: sides[side]["examples_per_s"])
    return f"""
## Two processes against one (issue 11: torchrun, DistributedDataParallel, gloo on the CPU)

Classic Fashion-MNIST configuration (MLP 784-400-20, Bernoulli, Adam 1e-3, global batch 128, {results['epochs']}
epochs, seed 0) trained by `vaekit train` as whole processes, {results['rounds']} rounds alternating the three
sides below; the two-process side is `vaekit train --nproc 2` (torchrun, gloo, each process one slice of every
batch of 128). Command: `.venv/bin/python bench/distributed.py`. Machine: {results['machine']}.
**The machine was shared with four other jobs while this ran** (load average about 5 on its 2 cores), so the
speeds below say more about contention than about vaekit; rerun on an idle machine for real ratios.

| side | final validation -ELBO per round (nats) | examples/s in total (median, epochs 2+) | examples/s per process \
| whole process (s) per round |
|---|---|---|---|---|
{row("one process, 2 threads")}
{row("two processes, 1 thread each")}
{row("one process, 1 thread")}

- Same final loss: two processes end {results['final_val_gap_nats']:.2f} nats from one process (tolerance
  {results['tolerance_nats']:g} nats): **{"yes" if results["same_final_loss"] else "no"}**. The runs draw different
  posterior noise (each process has its own stream, training/distributed.py), so they agree statistically, not bit
  for bit; each side repeats its own numbers exactly from round to round.
- Exactness where nothing is random (VaDE's pretraining epochs on digits, plain SGD, batch 101 split 51/50 with an
  empty slice in the last batch): the largest relative difference of the training loss and validation -ELBO
  between one and two processes is {results['exact_max_relative_difference']:.1e}.
- Throughput per process: each of the two processes trained {two['examples_per_s_per_process']:.0f} examples/s,
  {two['examples_per_s_per_process'] / single['examples_per_s']:.2f}x of one process with one thread alone
  ({single['examples_per_s']:.0f}); in total the two processes gave
  {two['examples_per_s'] / base['examples_per_s']:.2f}x the examples/s of one process with two threads. Fastest
  here: {fastest}. On one CPU, two processes split the same cores and add an all-reduce of every gradient (gloo,
  one per step), so they are not expected to beat one process with all the cores; several processes are meant for
  several GPUs or machines (`bench/distributed.py --cuda` is prepared for a machine with 2 or more GPUs).
"""


def compare_gpus(epochs: int, rounds: int, quick: bool) -> None:
    """The classic configuration on one GPU and on every GPU of this machine (vaekit train --nproc N --device cuda,
    NCCL), whole runs alternating; the BENCHMARKS.md section `distributed_cuda`."""
    import torch

    gpus = torch.cuda.device_count()
    if gpus < 2:
        raise SystemExit(f"--cuda compares one GPU with several, and this machine has {gpus}")
    sides = {"one GPU": 1, f"{gpus} GPUs": gpus}
    runs: dict[str, list[list[dict[str, float]]]] = {side: [] for side in sides}
    arguments = [*(a if a != "cpu" else "cuda" for a in CLASSIC), "--epochs", str(epochs)]
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(rounds):
            for side, nproc in sides.items():
                rows, seconds = vaekit_train(arguments, Path(folder) / f"gpu{nproc}-{round_}", nproc, 4)
                runs[side].append(rows)
                print(f"round {round_ + 1}: {side}: final validation -ELBO {rows[-1]['val_neg_elbo']:.2f}, "
                      f"{seconds:.1f} s", flush=True)
    results: dict = {"machine": machine(), "epochs": epochs, "rounds": rounds, "sides": {}}
    for side, nproc in sides.items():
        speeds = [row["examples_per_s"] for rows in runs[side] for row in rows[1:] or rows]
        results["sides"][side] = {"processes": nproc, "examples_per_s": statistics.median(speeds),
                                  "examples_per_s_per_process": statistics.median(speeds) / nproc,
                                  "final_val_neg_elbo": [rows[-1]["val_neg_elbo"] for rows in runs[side]]}
    print(results)
    if quick:
        return
    lines = "\n".join(f"| {side} | {', '.join(f'{v:.2f}' for v in data['final_val_neg_elbo'])} | "
                      f"{data['examples_per_s']:.0f} | {data['examples_per_s_per_process']:.0f} |"
                      for side, data in results["sides"].items())
    write_results("distributed_cuda", results, f"""
## One GPU against several (issue 11: torchrun, DistributedDataParallel, NCCL)

Classic Fashion-MNIST configuration, global batch 128, {epochs} epochs, {rounds} rounds alternating.
Command: `.venv/bin/python bench/distributed.py --cuda`. Machine: {results['machine']}.

| side | final validation -ELBO per round (nats) | examples/s in total (median, epochs 2+) | examples/s per GPU |
|---|---|---|---|
{lines}
""")


if __name__ == "__main__":
    main()
