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
    drawn = synthesize(opened.model, metadata, count, given=conditions, rules=rules, seed=seed)
    write_frame(path, drawn.frame)
    click.echo(f"wrote {len(drawn.frame):,} synthetic rows to {path}")
    if drawn.effective_samples is not None:
        ess = drawn.effective_samples
        few = int((ess < FEW_DRAWS).sum())
        click.echo(f"conditions met through the model: effective latent draws per row median {np.median(ess):.1f}, "
                   f"least {ess.min():.1f}" + (f"; {few:,} rows rest on fewer than {FEW_DRAWS} (a condition the "
                                               "model finds unlikely)" if few else ""))
    if drawn.acceptance is not None:
        click.echo(f"rules kept by {drawn.acceptance:.1%} of the {drawn.drawn:,} rows drawn (the others were drawn "
                   "again)")


def training_frame(opened: Run, metadata):  # type: ignore[no-untyped-def]
    """The run's training rows as a table (decoded from the run's own data, read again)."""
    from vaekit.data.table.encoding import decode_table
    from vaekit.tasks.outputs import select_data

    chosen = select_data(opened, split="train")
    return decode_table(chosen.x.numpy().astype(np.float64), metadata)
