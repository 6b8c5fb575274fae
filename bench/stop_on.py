"""What `vaekit train` fills in with, by how its epochs are chosen (train.stop_on), on bench/untuned_data.py's
imputation cases: the same tables, splits and hidden entries.

    python bench/stop_on.py                                  # the four tables and the three kept aside
    python bench/stop_on.py --data wine --shares 0.5
    python bench/stop_on.py --data digits --likelihood gaussian --out bench/results/stop_on_digits_gaussian.json
    python bench/stop_on.py --advised --out bench/results/stop_on_advised.json   # as `vaekit advise` says
    python bench/stop_on.py --table bench/results/stop_on.json  # its markdown table, no run
    python bench/stop_on.py --outside-range     # test entries outside their column's training range, no run

For each table and share of missing entries: the training rows with that share missing (untuned_data.py's seed 1)
train `vaekit.train` (what `vaekit train` runs) with its defaults and `--missing model` (--likelihood replaces the
likelihood), once with stop_on validation-elbo (early stopping on the -ELBO of a tenth of the training rows carved
off, the default) and once with stop_on hidden-entries (the epochs chosen on a fifth of the observed entries hidden,
then every entry trained). Each run fills in the test rows' hidden entries as `vaekit impute` does (importance
resampling, 1,000 samples, each fill-in kept within its column's training range; and without that), scored by the
RMSE in each column's training standard deviations, beside the baselines fitted on the same gappy training rows
and IterativeImputer fitted on the complete ones, as untuned_data.py scores them.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import lowest_in_bold, save_rows  # noqa: E402
from untuned_data import COMPLETE_ROWS, _kept_aside, _split, _tables  # noqa: E402
from vaekit.data.dataset import Dataset  # noqa: E402
from vaekit.runs.run import Run  # noqa: E402
from vaekit.tasks.baselines.imputation import (  # noqa: E402
    hide_entries,
    imputation_baselines,
    imputation_errors,
    scale_of,
)
from vaekit.tasks.imputation import impute  # noqa: E402
from vaekit.tasks.imputation.ranges import keep_in_ranges  # noqa: E402

STOPS = ("validation-elbo", "hidden-entries")


def advised(data: Dataset) -> dict[str, dict[str, object]]:
    """The settings `vaekit advise --goal impute` prints for these rows, as config sections (its stop_on aside: the
    script sets that)."""
    from vaekit.advice import advise, profile_of
    from vaekit.advice.sizes import settings_config

    settings = {name: value for name, value in advise(profile_of(data), "impute").settings.items()
                if name != "stop_on"}
    return {section: values for section, values in settings_config(settings).to_dict().items()
            if section in ("model", "objective")}


def case(x: np.ndarray, y: np.ndarray, share: float, likelihood: str = "auto",
         advice: bool = False) -> dict[str, object]:
    """{"baseline NAME" or "stop_on S": RMSE over the test rows' hidden entries, "epochs S": epochs trained}."""
    train_x, test_x, _, _ = _split(x, y)
    hidden = hide_entries(torch.from_numpy(test_x), share, seed=0).numpy()
    gaps = np.where(hidden, np.nan, test_x).astype(np.float32)
    kinds = ["continuous"] * x.shape[1]
    scale = scale_of(train_x, kinds)
    train_gaps = np.where(hide_entries(torch.from_numpy(train_x), share, seed=1).numpy(), np.nan,
                          train_x).astype(np.float32)

    def error(filled: np.ndarray) -> float:
        return float(imputation_errors(test_x, filled, torch.from_numpy(hidden), kinds, scale)["rmse"])

    fills = imputation_baselines(train_gaps, gaps, kinds)
    fills[COMPLETE_ROWS] = imputation_baselines(train_x, gaps, kinds)["IterativeImputer"]
    found: dict[str, object] = {f"baseline {name}": error(filled) for name, filled in fills.items()}
    # the test rows, gaps and all, are the run's test split, as a file's own split would be; neither way of
    # choosing the epochs reads them
    data = Dataset.from_arrays("table", train_gaps, gaps, None, None, "vector", "in-memory table", missing=True)
    for stop in STOPS:
        with tempfile.TemporaryDirectory() as folder:
            config = {"data": {"source": "table", "missing": "model"}, "model": {"likelihood": likelihood},
                      "train": {"stop_on": stop}}
            if advice:  # what `vaekit advise --goal impute` prints (its likelihood too)
                config.update(advised(data))
            run = vaekit.train(config, Path(folder) / "run", progress=False, data=data, pictures=False)
            filled = impute(run.model, torch.from_numpy(gaps), k=1000, seed=0)
            # what `vaekit impute` writes: kept within each column's training range (its default)
            ranges = Run.open(run.path).data_info["column_ranges"]
            found[f"stop_on {stop}"] = error(keep_in_ranges(filled, torch.from_numpy(gaps), ranges).numpy())
            found[f"unclipped {stop}"] = error(filled.numpy())
            # the epochs the weights kept were trained for: with early stopping, the best epoch's
            found[f"epochs {stop}"] = run.best_epoch if run.config.train.early_stopping else run.config.train.epochs
    return found


def table(results: list[dict]) -> str:
    """The results as a markdown table, the lowest RMSE of each row in bold, with the epochs each way trained."""
    figures = [key for key in results[0] if key.startswith(("baseline", "stop_on", "unclipped"))]
    names = [key.removeprefix("baseline ").replace("stop_on ", "vaekit train, stop_on ").replace(
        "unclipped ", "stop_on ") + (", not kept in range" if key.startswith("unclipped") else "")
        for key in figures]
    lines = ["| data | missing | " + " | ".join(names) + " | epochs (validation-elbo, hidden-entries) |",
             "|---" * (len(figures) + 3) + "|"]
    for row in results:
        cells = lowest_in_bold(row, figures)
        epochs = f"{row['epochs validation-elbo']}, {row['epochs hidden-entries']}"
        lines.append(f"| {row['data']} | {row['share']:.0%} | " + " | ".join(cells) + f" | {epochs} |")
    return "\n".join(lines)


def outside_range(tables: dict[str, tuple[np.ndarray, np.ndarray]]) -> str:
    """For each table, the test entries outside the range their column took in the training rows: what keeping
    fill-ins in range cannot reach."""
    lines = ["| data | test entries outside the training range |", "|---|---|"]
    for name, (x, y) in tables.items():
        train_x, test_x, _, _ = _split(x, y)
        outside = (test_x < train_x.min(0)) | (test_x > train_x.max(0))
        lines.append(f"| {name} | {int(outside.sum())} of {outside.size} ({outside.mean():.1%}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="tables to run, separated by commas [default: all seven]")
    parser.add_argument("--shares", default="0.2,0.5", help="shares of entries missing, separated by commas")
    parser.add_argument("--likelihood", default="auto", help="the runs' likelihood [default: auto, training's "
                        "choice: the continuous Bernoulli for the digits' values in [0, 1], else a Gaussian]")
    parser.add_argument("--advised", action="store_true", help="train with the settings `vaekit advise --goal "
                        "impute` prints for each table (likelihood, code size, objective), not training's defaults")
    parser.add_argument("--out", default="bench/results/stop_on.json")
    parser.add_argument("--table", default=None, help="print the markdown table of this results file and stop")
    parser.add_argument("--outside-range", action="store_true", help="print how many test entries of each table lie "
                        "outside their column's training range, and stop (no training)")
    args = parser.parse_args()
    if args.table:
        print(table(json.loads(Path(args.table).read_text())["results"]))
        return
    tables = {**_tables(), **_kept_aside()}
    if args.outside_range:
        print(outside_range(tables))
        return
    results: list[dict[str, object]] = []
    for name in args.data.split(",") if args.data else list(tables):
        x, y = tables[name]
        for share in map(float, args.shares.split(",")):
            started = time.perf_counter()
            row = {"data": name, "share": share, "likelihood": args.likelihood, "advised": args.advised,
                   **case(x, y, share, args.likelihood, args.advised),
                   "seconds": round(time.perf_counter() - started, 1)}
            results.append(row)
            print(json.dumps(row), flush=True)
            save_rows(args.out, results)
    print(table(results))


if __name__ == "__main__":
    main()
