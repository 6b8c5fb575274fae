"""Fit time of vaekit's TableSynthesizer against SDV's TVAE (and GaussianCopula) on the tables of
bench/synthetic_tables.py, measured apart from the quality run: on a machine running nothing else, after an
untimed warm-up fit of each synthesizer (one-off imports of torch's optimizer stack, scikit-learn and SDV would
otherwise be charged to whichever runs first), each timed fit repeated in alternating order, the median kept.

    nice .venv/bin/python bench/synthetic_fit_time.py                    # -> BENCHMARKS.md, bench/results/
    .venv/bin/python bench/synthetic_fit_time.py --tables penguins --repeats 1 --epochs 5   # a smoke run
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from report import machine, write_results  # noqa: E402
from synthetic_tables import PEER_NAMES, TABLES, load, make, sdtypes_of, split  # noqa: E402

SECTION = "synthetic-fit-time"
PEERS = ("vaekit", "tvae", "gaussian_copula")


def fit_seconds(name: str, train, epochs: int, seed: int) -> float:  # type: ignore[no-untyped-def]
    with tempfile.TemporaryDirectory() as folder, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        synthesizer = make(name, epochs, seed, sdtypes_of(train), folder)
        started = time.perf_counter()
        synthesizer.fit(train)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", default=",".join(TABLES))
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    names = [name.strip() for name in args.tables.split(",") if name.strip()]
    rows = []
    for table in names:
        train, _ = split(load(table, None, args.seed), args.seed)
        for name in PEERS:  # warm-up: imports and first-call costs, untimed
            fit_seconds(name, train.head(64), 1, args.seed)
        times: dict[str, list[float]] = {name: [] for name in PEERS}
        for repeat in range(args.repeats):
            for name in (PEERS if repeat % 2 == 0 else PEERS[::-1]):
                times[name].append(fit_seconds(name, train, args.epochs, args.seed))
        medians = {name: statistics.median(values) for name, values in times.items()}
        rows.append((table, len(train), medians))
        print(table, {name: round(value, 1) for name, value in medians.items()}, flush=True)
    command = "nice .venv/bin/python bench/synthetic_fit_time.py " + " ".join(sys.argv[1:])
    lines = ["## Fit time of synthetic tables (issue 23)", "",
             f"Each synthesizer fitted on the train rows (80%) of each table, {args.epochs} epochs for vaekit and "
             f"TVAE, after an untimed warm-up fit of each; the median of {args.repeats} fits in alternating order, "
             "seconds of wall-clock time, nothing else running.", "",
             f"Command: `{command.strip()}`. Machine: {machine()}.", "",
             "| table | train rows | " + " | ".join(PEER_NAMES[name] for name in PEERS) + " | vaekit / TVAE |",
             "|---|---|" + "---|" * (len(PEERS) + 1)]
    for table, count, medians in rows:
        lines.append(f"| {table} | {count:,} | " + " | ".join(f"{medians[name]:.1f}" for name in PEERS)
                     + f" | {medians['vaekit'] / medians['tvae']:.2f} |")
    write_results(SECTION, {"rows": [{"table": t, "train_rows": c, "seconds": m} for t, c, m in rows],
                            "epochs": args.epochs, "machine": machine()}, "\n".join(lines))


if __name__ == "__main__":
    main()
