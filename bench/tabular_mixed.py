"""A mixed-type table (issue 4): scikit-learn's bundled diabetes data in its original units, with sex as text
(binary) and an age band as a 5-way categorical column, modelled by configs/tabular-vae.yaml; the marginals and
pairwise correlations of sampled rows against the real ones, and against columns sampled independently (each
real column shuffled on its own: right marginals, no dependence) as the baseline a model has to beat.

    python bench/tabular_mixed.py                # writes bench/results/ and the BENCHMARKS.md section
    python bench/tabular_mixed.py --write-table  # (re)writes configs/data/diabetes-mixed.csv only
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from report import ROOT, machine, write_results  # noqa: E402
from vaekit.config import load_config_file  # noqa: E402
from vaekit.data import table_dataset  # noqa: E402
from vaekit.data.writers import save_table  # noqa: E402

TABLE = ROOT / "configs" / "data" / "diabetes-mixed.csv"
SAMPLES = 5000


def diabetes_mixed() -> pd.DataFrame:
    """The diabetes table (442 patients) with a text sex column and an age-band column."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(as_frame=True, scaled=False).frame
    frame["sex"] = frame["sex"].map({1.0: "female", 2.0: "male"})
    bands = pd.cut(frame["age"], [0, 30, 40, 50, 60, 120], labels=["under 30", "30s", "40s", "50s", "60 and over"])
    frame["age_band"] = bands.astype(str)
    return frame


def encoded(frame: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    """Numbers for correlations: continuous columns as they are, binary and categorical ones one-hot."""
    parts = []
    for column in reference.columns:
        if pd.api.types.is_numeric_dtype(reference[column]):
            parts.append(frame[[column]].astype(float))
        else:
            for value in sorted(reference[column].unique())[1:]:  # drop one level: the rest determine it
                parts.append((frame[column] == value).astype(float).rename(f"{column}={value}"))
    return pd.concat(parts, axis=1)


def compare(real: pd.DataFrame, drawn: pd.DataFrame) -> dict[str, float]:
    from scipy.stats import ks_2samp

    numeric = [c for c in real.columns if pd.api.types.is_numeric_dtype(real[c])]
    discrete = [c for c in real.columns if c not in numeric]
    ks = [ks_2samp(real[c], drawn[c]).statistic for c in numeric]
    tv = [0.5 * (real[c].value_counts(normalize=True) - drawn[c].value_counts(normalize=True)).abs().sum()
          for c in discrete]
    a, b = encoded(real, real).corr().to_numpy(), encoded(drawn, real).corr().fillna(0).to_numpy()
    off = ~np.eye(len(a), dtype=bool)
    gap = np.abs(a - b)[off]
    mean_gap = [abs(real[c].mean() - drawn[c].mean()) / real[c].std() for c in numeric]
    return {"ks_mean": float(np.mean(ks)), "ks_max": float(np.max(ks)), "tv_mean": float(np.mean(tv)),
            "mean_shift_sd": float(np.max(mean_gap)), "corr_gap_mean": float(gap.mean()),
            "corr_gap_max": float(gap.max())}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write-table", action="store_true")
    args = parser.parse_args()
    real = diabetes_mixed()
    if args.write_table:
        TABLE.parent.mkdir(parents=True, exist_ok=True)
        real.to_csv(TABLE, index=False)
        print(f"wrote {TABLE}")
        return
    config = load_config_file(ROOT / "configs" / "tabular-vae.yaml")
    data = table_dataset(real, name="diabetes-mixed", where=str(TABLE))
    with tempfile.TemporaryDirectory() as folder:
        run = vaekit.train(config, Path(folder) / "run", data=data, progress=False, pictures=False)
        codes = run.model.sample(SAMPLES, generator=__import__("torch").Generator().manual_seed(0), mean=False)
        save_table(Path(folder) / "samples.csv", codes.numpy(), data.columns, column_values=data.column_values)
        drawn = pd.read_csv(Path(folder) / "samples.csv")
    rng = np.random.default_rng(0)
    independent = pd.DataFrame({c: rng.choice(real[c].to_numpy(), SAMPLES) for c in real.columns})
    model, baseline = compare(real, drawn), compare(real, independent)
    types = ", ".join(f"{c} ({t})" for c, t in zip(data.columns, data.column_types) if t != "continuous")
    rows = [("mean Kolmogorov-Smirnov statistic, continuous columns", "ks_mean"),
            ("largest Kolmogorov-Smirnov statistic", "ks_max"),
            ("largest shift of a continuous column's mean (in real standard deviations)", "mean_shift_sd"),
            ("mean total variation distance, binary and categorical columns", "tv_mean"),
            ("mean absolute difference of pairwise correlations", "corr_gap_mean"),
            ("largest absolute difference of a pairwise correlation", "corr_gap_max")]
    lines = [f"| {label} | {model[key]:.3f} | {baseline[key]:.3f} |" for label, key in rows]
    markdown = f"""## A mixed-type table: real and sampled rows (issue 4)

scikit-learn's diabetes data (442 rows) in original units, with {types} and {len(data.columns) - 2}
continuous columns (`configs/data/diabetes-mixed.csv`), modelled with `configs/tabular-vae.yaml` (the mixed
likelihood: Gaussian, Bernoulli and categorical columns). {SAMPLES} rows drawn from the model (x ~ p(x|z),
z ~ p(z)) against the real table; the baseline draws each column independently from its real values (exact
marginals, no dependence between columns). Correlations are Pearson correlations with binary and categorical
columns one-hot. Lower is better everywhere.
Command: `.venv/bin/python bench/tabular_mixed.py`. Machine: {machine()}.

| measure | vaekit samples | independent columns |
|---|---|---|
{chr(10).join(lines)}
"""
    print(markdown)
    write_results("tabular_mixed", {"machine": machine(), "model": model, "independent_columns": baseline},
                  markdown)


if __name__ == "__main__":
    main()
