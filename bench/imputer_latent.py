"""The size of VAEImputer's code, chosen without the test rows: each table's training rows (bench/untuned_data.py's
split, with the same share of entries missing as its imputation use), a further tenth of their observed entries
hidden, every imputer fitted on what is left and scored on that tenth. No test row is read.

    python bench/imputer_latent.py                              # the four tables and the three kept aside
    python bench/imputer_latent.py --data breast_cancer --latent 4,8,16
    python bench/imputer_latent.py --latent auto --epochs 1000             # the default size, trained longer
    python bench/imputer_latent.py --latent auto --hidden-share 0.1        # epochs chosen on a tenth hidden
    python bench/imputer_latent.py --table bench/results/imputer_latent.json   # its markdown table, no run
    python bench/imputer_latent.py --table A.json,B.json                     # two runs side by side

For each table and share: the RMSE over the hidden tenth (each column in its training standard deviations) of
VAEImputer with each code size (its other settings the defaults), beside the column mean, IterativeImputer and
KNNImputer fitted on the same rows. VAEImputer's latent_dim="auto" (model/auto_latent.py: a quarter of the
columns, 4 to 16) was read off this table, and so was the share of entries its epochs="auto" hides to choose the
epochs (training/hidden_entries.py: --hidden-share replaces it for the run); bench/untuned_data.py then measures
them on the test rows.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit.training.hidden_entries as hidden_entries  # noqa: E402
from report import lowest_in_bold, save_rows  # noqa: E402
from untuned_data import _kept_aside, _split, _tables  # noqa: E402
from vaekit import VAEImputer  # noqa: E402
from vaekit.tasks.baselines.imputation import (  # noqa: E402
    hide_entries,
    imputation_baselines,
    imputation_errors,
    scale_of,
)

CHECK_SHARE = 0.1  # of the training rows' observed entries, hidden to score the settings


def latent_case(x: np.ndarray, y: np.ndarray, share: float, sizes: list[int | str],
                epochs: int | str = "auto") -> dict[str, float]:
    """{"baseline NAME" or "latent D": RMSE over the entries hidden from the training rows}."""
    train_x = _split(x, y)[0]
    kinds = ["continuous"] * x.shape[1]
    scale = scale_of(train_x, kinds)
    # the training rows as bench/untuned_data.py's imputation use gives them to the imputer (its seed 1) ...
    gappy = np.where(hide_entries(torch.from_numpy(train_x), share, seed=1).numpy(), np.nan, train_x)
    # ... and a tenth of what is left hidden for scoring
    check = hide_entries(torch.from_numpy(gappy.astype(np.float32)), CHECK_SHARE, seed=7)
    fit_on = np.where(check.numpy(), np.nan, gappy).astype(np.float32)

    def error(filled: np.ndarray) -> float:
        return float(imputation_errors(train_x, filled, check, kinds, scale)["rmse"])

    found = {f"baseline {name}": error(filled) for name, filled in imputation_baselines(fit_on, fit_on, kinds).items()}
    for size in sizes:
        found[f"latent {size}"] = error(VAEImputer(latent_dim=size, epochs=epochs).fit(fit_on).transform(fit_on))
    return found


def merged(runs: list[list[dict]]) -> list[dict]:
    """Several runs' rows joined by table and share: the first run's baselines, and each run's imputers named with
    their epochs ("latent 4", "latent auto, 1000 epochs") and the share hidden to choose them where a run set one
    ("latent auto, a tenth hidden")."""
    rows: dict[tuple[str, float], dict] = {}
    for results in runs:
        for row in results:
            epochs = row.get("epochs", "auto")  # the first runs wrote none: the imputer's own
            suffix = "" if epochs == "auto" else f", {epochs} epochs"
            if "hidden_share" in row:  # epochs chosen on entries hidden from the rows, this share of them
                suffix += f", {row['hidden_share']:.0%} hidden"
            joined = rows.setdefault((row["data"], row["share"]), {k: v for k, v in row.items()
                                                                   if not k.startswith("latent")})
            joined.update({f"{key}{suffix}": value for key, value in row.items() if key.startswith("latent")})
    return list(rows.values())


def table(results: list[dict]) -> str:
    """The results as a markdown table, the lowest RMSE of each row in bold."""
    figures = [key for key in results[0] if key.startswith(("baseline", "latent"))]
    lines = ["| data | columns | missing | " + " | ".join(key.removeprefix("baseline ") for key in figures) + " |",
             "|---" * (len(figures) + 3) + "|"]
    for row in results:
        cells = lowest_in_bold(row, figures)
        lines.append(f"| {row['data']} | {row['columns']} | {row['share']:.0%} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latent", default="2,4,8,16",
                        help="code sizes to compare, separated by commas (auto: the imputer's default)")
    parser.add_argument("--epochs", default="auto", help="the imputers' epochs [default: auto, theirs]")
    parser.add_argument("--hidden-share", type=float, default=None,
                        help="the share of observed entries epochs=auto hides to choose the epochs [default: the "
                             f"imputer's, {hidden_entries.HIDDEN_SHARE}]")
    parser.add_argument("--data", default=None, help="tables to run, separated by commas [default: all seven]")
    parser.add_argument("--out", default="bench/results/imputer_latent.json")
    parser.add_argument("--table", default=None, help="print the markdown table of these results files (separated by "
                                                      "commas: joined by table and share) and stop")
    args = parser.parse_args()
    if args.table:
        print(table(merged([json.loads(Path(name).read_text())["results"] for name in args.table.split(",")])))
        return
    sizes: list[int | str] = [size if size == "auto" else int(size) for size in args.latent.split(",")]
    epochs = args.epochs if args.epochs == "auto" else int(args.epochs)
    if args.hidden_share is not None:
        hidden_entries.HIDDEN_SHARE = args.hidden_share  # read by each fit
    tables = {**_tables(), **_kept_aside()}
    chosen = args.data.split(",") if args.data else list(tables)
    results: list[dict[str, object]] = []
    for name in chosen:
        x, y = tables[name]
        for share in (0.2, 0.5):
            started = time.perf_counter()
            row = {"data": name, "columns": x.shape[1], "share": share, "epochs": epochs,
                   **({"hidden_share": hidden_entries.HIDDEN_SHARE} if epochs == "auto" else {}),
                   **latent_case(x, y, share, sizes, epochs), "seconds": round(time.perf_counter() - started, 1)}
            results.append(row)
            print(json.dumps(row), flush=True)
            save_rows(args.out, results)
    print(table(results))


if __name__ == "__main__":
    main()
