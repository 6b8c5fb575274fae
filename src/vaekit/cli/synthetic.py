"""`vaekit sample` for a table read with its metadata: synthetic rows, under conditions and rules.

    vaekit sample runs/males -n 4000 --out synthetic.csv
    vaekit sample runs/males --given "ethn=black,union=yes" -n 200 --out asked.csv
    vaekit sample runs/males --given wanted.csv --constraints rules.json --out asked.parquet
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import numpy as np

from vaekit.core.errors import VaekitError
from vaekit.data.table.reader import TABLE_SUFFIXES

if TYPE_CHECKING:
    from vaekit.runs.run import Run

FEW_DRAWS = 10  # a conditional row resting on fewer effective draws than this is flagged


def sample_table(opened: Run, count: int, seed: int, given: str | None, constraints: str | None,
                 path: Path) -> None:
    from vaekit.data.table.kind import run_metadata
    from vaekit.data.writers import write_frame
    from vaekit.tasks.synthesis.calibration import read_calibration
    from vaekit.tasks.synthesis.conditions import parse_given, read_conditions
    from vaekit.tasks.synthesis.constraints import check_training, read_constraints
    from vaekit.tasks.synthesis.sampling import synthesize

    if path.suffix.lower() not in TABLE_SUFFIXES:
        raise VaekitError(f"{path}: a synthetic table is written as .csv or .parquet")
    metadata = run_metadata({**opened.data_info, "run_dir": opened.path})
    rules = read_constraints(Path(constraints)) if constraints is not None else []
    if rules:
        try:
            rows = training_frame(opened, metadata)
        except VaekitError as error:  # a run trained from a DataFrame: its rows are not kept anywhere
            if any(rule.needs_rows for rule in rules):
                raise VaekitError(f"fixed combinations are learned from the training rows, which cannot be read "
                                  f"again ({error}); give them with TableSynthesizer.fit(frame, constraints=...)") \
                    from None
            rows = None
        if rows is not None:
            check_training(rules, rows)
    conditions = None
    if given is not None:
        conditions = read_conditions(Path(given), metadata) if Path(given).suffix.lower() in TABLE_SUFFIXES and \
            "=" not in given else parse_given(given, metadata, count)
    calibration = read_calibration(opened.path, metadata, opened.model)
    draws_path = path.with_name(f"{path.stem}-effective-draws.csv")
    if conditions is not None and draws_path.resolve() == Path(given).resolve():
        raise VaekitError(f"--out {path} would write its effective draws over the conditions {given}; give "
                          "another --out")
    drawn = synthesize(opened.model, metadata, count, given=conditions, rules=rules, seed=seed,
                       calibration=calibration)
    write_frame(path, drawn.frame)
    click.echo(f"wrote {len(drawn.frame):,} synthetic rows to {path}")
    if drawn.effective_samples is not None:
        import pandas as pd

        ess = drawn.effective_samples
        write_frame(draws_path, pd.DataFrame({"row": np.arange(len(ess)), "effective_draws": ess.round(2)}))
        few = int((ess < FEW_DRAWS).sum())
        click.echo(f"conditions met through the model: effective latent draws per row median {np.median(ess):.1f}, "
                   f"least {ess.min():.1f}" + (f"; {few:,} rows rest on fewer than {FEW_DRAWS} (a condition the "
                                               "model finds unlikely)" if few else "")
                   + f"; each row's in {draws_path}")
    if drawn.acceptance is not None:
        click.echo(f"rules kept by {drawn.acceptance:.1%} of the {drawn.drawn:,} rows drawn (the others were drawn "
                   "again)")


def training_frame(opened: Run, metadata):  # type: ignore[no-untyped-def]
    """The run's training rows as a table (decoded from the run's own data, read again)."""
    from vaekit.data.table.encoding import decode_table
    from vaekit.tasks.outputs import select_data

    return decode_table(np.asarray(select_data(opened, split="train").x, dtype=np.float64), metadata)


QUALITY_FILE = "synthetic-quality.json"
MARGINALS_FILE = "marginals.png"
SHOWN = [("quality score", "quality_score"), ("  column shapes", "column_shapes"),
         ("  column pair trends", "column_pair_trends"), ("SDMetrics' own quality score", "sdmetrics_quality_score"),
         ("data validity", "data_validity"), ("DCR baseline protection", "dcr_baseline_protection"),
         ("DCR overfitting protection", "dcr_overfitting_protection")]


def evaluate_table(opened: Run, seed: int, target: str | None) -> None:
    """`vaekit evaluate RUN --synthetic`: synthetic rows scored beside independent columns, written to the run
    (opened, its model loaded)."""
    from vaekit.core.io import write_json
    from vaekit.data.table.encoding import decode_table
    from vaekit.data.table.kind import run_metadata
    from vaekit.plots.table_marginals import plot_marginals
    from vaekit.tasks.outputs import select_data
    from vaekit.tasks.synthesis.calibration import read_calibration
    from vaekit.tasks.synthesis.evaluation import evaluate_synthetic

    if not _kind_synthesized(opened):
        raise VaekitError("--synthetic is for a run on a table read with its metadata (vaekit train --metadata auto)")
    metadata = run_metadata({**opened.data_info, "run_dir": opened.path})
    real = training_frame(opened, metadata)
    holdout = decode_table(np.asarray(select_data(opened, split="test").x, dtype=np.float64), metadata)
    result = evaluate_synthetic(opened.model, metadata, read_calibration(opened.path, metadata, opened.model),
                                real, holdout, seed, target)
    drawn = result.pop("synthetic")
    plot_marginals(real, drawn, metadata.sdtypes(), opened.path / MARGINALS_FILE,
                   datetime_formats=metadata.datetime_formats())
    write_json(opened.path / QUALITY_FILE, result)
    ours, theirs = result["vaekit"], result["independent_columns"]
    width = max(len(name) for name, _ in SHOWN) + 2
    lines = [f"{'':{width}}{'vaekit':>10}{'independent columns':>22}"]
    for name, key in SHOWN:
        lines.append(f"{name:{width}}{_number(ours.get(key)):>10}{_number(theirs.get(key)):>22}")
    efficacy = ours.get("ml_efficacy") or {}
    if efficacy:
        lines.append(f"machine-learning efficacy: {efficacy.get('metric')} predicting {efficacy.get('target')!r} on "
                     f"held-out real rows, trained on synthetic rows {_number(efficacy.get('synthetic_score'))}, "
                     f"on real rows {_number(efficacy.get('real_score'))}")
    click.echo("\n".join(lines))
    click.echo(result["verdict"])
    click.echo(f"wrote {opened.path / QUALITY_FILE} and {opened.path / MARGINALS_FILE} ({result['rows']:,} rows "
               "each; report.html shows them)")


def _kind_synthesized(opened: Run) -> bool:
    from vaekit.data.kinds import data_kind

    return data_kind(opened.data_info["kind"]).synthesized


def _number(value: object) -> str:
    return "n/a" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
