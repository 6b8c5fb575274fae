"""Interrupt training at random moments with kill -9, Ctrl-C (SIGINT) and SIGTERM, resume until done, and check
that every run ends bit for bit identical to an uninterrupted one (weights and the logged losses).

    .venv/bin/python bench/interruptions.py --trials 10      # 10 of each signal
"""

from __future__ import annotations

import argparse
import csv
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from safetensors.torch import load_file

from report import machine, write_results

SETTINGS = ["--data", "digits", "--latent-dim", "2", "--hidden", "64", "--epochs", "6", "--batch-size", "64",
            "--seed", "3", "--quiet"]
# what a run logs that depends only on the computation, not on how long it took
COMPARED = ["epoch", "step", "train_loss", "val_neg_elbo", "val_rate", "lr"]


def vaekit(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "vaekit", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def losses(run: Path) -> list[list[str]]:
    with (run / "metrics.csv").open() as handle:
        return [[row[key] for key in COMPARED] for row in csv.DictReader(handle)]


def same_run(run: Path, reference: Path) -> bool:
    mine, theirs = load_file(str(run / "model.safetensors")), load_file(str(reference / "model.safetensors"))
    weights = mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    return weights and losses(run) == losses(reference)


def interrupted_run(folder: Path, sig: signal.Signals, delay: float) -> tuple[str, int]:
    """(outcome, resumes): train, send `sig` after `delay` seconds, then resume until a run finishes."""
    process = vaekit("train", *SETTINGS, "--out", str(folder))
    time.sleep(delay)
    process.send_signal(sig)
    process.wait()
    resumes = 0
    while process.returncode != 0:
        if not (folder / "checkpoint.safetensors").exists():  # stopped before its first checkpoint: start again
            shutil.rmtree(folder, ignore_errors=True)
            process = vaekit("train", *SETTINGS, "--out", str(folder))
        else:
            process = vaekit("train", "--resume", str(folder), "--quiet")
            resumes += 1
        _, err = process.communicate()
        if process.returncode not in (0,) and resumes > 3:
            return f"failed: {err.strip().splitlines()[-1] if err.strip() else process.returncode}", resumes
    return "identical" if same_run(folder, REFERENCE) else "DIFFERENT", resumes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10, help="interruptions per signal")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    global REFERENCE
    work = Path(tempfile.mkdtemp(prefix="vaekit-interruptions-"))
    REFERENCE = work / "reference"
    started = time.perf_counter()
    reference = vaekit("train", *SETTINGS, "--out", str(REFERENCE))
    reference.communicate()
    duration = time.perf_counter() - started
    print(f"uninterrupted run: {duration:.1f} s (process start included)")
    rng = random.Random(args.seed)
    table = []
    for sig in (signal.SIGKILL, signal.SIGINT, signal.SIGTERM):
        outcomes: dict[str, int] = {}
        for trial in range(args.trials):
            delay = rng.uniform(0.3, duration * 0.95)
            outcome, _ = interrupted_run(work / f"{sig.name}-{trial}", sig, delay)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        table.append((sig.name, outcomes))
        print(f"{sig.name:8} {outcomes}")
    shutil.rmtree(work)
    bad = sum(count for _, outcomes in table for outcome, count in outcomes.items() if outcome != "identical")
    print("all identical to the uninterrupted run" if bad == 0 else f"{bad} runs differ or failed")
    rows = "\n".join(f"| {name} | {args.trials} | {outcomes.get('identical', 0)} | "
                     f"{', '.join(f'{k}: {v}' for k, v in outcomes.items() if k != 'identical') or '-'} |"
                     for name, outcomes in table)
    write_results("interruptions", {"trials": args.trials, "seed": args.seed, "settings": SETTINGS,
                                    "outcomes": {name: outcomes for name, outcomes in table}}, f"""
## Interrupted and resumed runs end bit for bit where uninterrupted ones do (issue 8)

`vaekit train {' '.join(SETTINGS)}` in a subprocess, sent a signal after a random delay (uniform over the
uninterrupted run's {duration:.1f} s), then `vaekit train --resume` until it finishes (a run killed before its first
checkpoint is started again); the final weights and the logged losses are compared with an uninterrupted run's.
Command: `.venv/bin/python bench/interruptions.py --trials {args.trials} --seed {args.seed}`.
Machine: {machine()}.

| signal | runs | identical (weights and losses) | otherwise |
|---|---|---|---|
{rows}
""")
    sys.exit(1 if bad else 0)


REFERENCE = Path()

if __name__ == "__main__":
    main()
