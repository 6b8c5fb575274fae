"""`vaekit tune`: choose settings on a validation split with Optuna; every `vaekit train` flag fixes its setting."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from vaekit.cli.closing import say_done
from vaekit.cli.help_groups import GroupedHelp, help_all_option
from vaekit.cli.train import _setting_options
from vaekit.config import Config, load_config_file
from vaekit.core.errors import VaekitError


@click.command(cls=GroupedHelp, context_settings={"max_content_width": 110})
@help_all_option
@click.option("--config", "config_file", type=click.Path(), help="YAML, TOML or JSON file with sections data, "
              "model, objective and train, or a named config (vaekit configs); its settings and the flags are "
              "fixed, the rest is searched")
@click.option("--out", type=click.Path(), help="folder of the study: study.db, tune.json, history.png, "
              "importance.png, trials/NNNN (one run each), best (a link to the best) "
              "[default: runs/tune-<data>-<time>]")
@click.option("--trials", default=None, metavar="N", help="finished trials the study should reach, counting those "
              "of earlier commands and other workers [default: 20, or none when --minutes is given]")
@click.option("--minutes", default=None, metavar="M", help="stop starting trials after this many minutes")
@click.option("--space", "space_text", default=None, metavar="NAME=RANGE,...",
              help="narrow what is searched: lr=1e-4:1e-3, batch_size=64|128, hidden=64:256 (widths) or "
              "hidden=64:256x1:2 (and layers); tune.json lists what was searched")
@click.option("--criterion", default="nll", show_default=True, metavar="NAME",
              help="what a trial is scored by on the validation split: nll (-log p(x), importance-weighted), "
              "elbo, imputation (the error of imputing hidden entries), denoising:KIND:LEVEL (of denoising "
              "that noise, as denoise --add-noise), inpainting:MASK (of filling in that mask, as inpaint --mask), "
              "clustering (the model's clusters, scored against the validation rows' labels) or classification "
              "(an M2 model's q(y|x) against the validation rows' labels)")
@click.option("--validation", default=0.2, show_default=True, metavar="FRACTION",
              help="share of the training split held out to score trials (the test split is never used)")
@click.option("--storage", default=None, metavar="URL", help="the study's storage, shared by workers on several "
              "machines: an Optuna storage URL (sqlite:///path.db, postgresql://...) [default: sqlite in --out]")
@click.option("--study-name", default="vaekit", show_default=True, help="the study's name in its storage")
@click.option("--keep-lowest", is_flag=True, help="make the lowest trial the best even where it beat trial 0 (the "
              "settings as given) by less than the noise of the validation rows [default: keep trial 0 then]")
@click.option("--quiet", is_flag=True, help="no line per trial")
@_setting_options
def tune(config_file: str | None, out: str | None, trials: str | None, minutes: str | None, space_text: str | None,
         criterion: str, validation: float, storage: str | None, study_name: str, keep_lowest: bool, quiet: bool,
         **settings: Any) -> None:
    """Search the settings the chosen parts declare tunable (learning rate, batch size, code size, the network's
    width and depth, the objective's own), each trial a run trained on the training split less a validation share
    and scored on that share; poor trials are pruned from their per-epoch validation -ELBO. Trial 0 trains the
    settings as given, so the gain of tuning is in the same study; the best is trial 0 unless a trial beat it by
    more than the validation rows' noise. Ctrl-C stops after saving; the same command goes
    on, and several commands with the same --out (or --storage) search together.

    \b
    Examples:
      vaekit tune --data digits --epochs 30 --trials 20 --out runs/tuned
      vaekit tune --data breast_cancer.csv --label-column target --minutes 5 --criterion imputation
      vaekit tune --data digits --space lr=1e-4:1e-3,latent_dim=4:16 --hidden 256 --out runs/tuned
      vaekit tune --data digits --objective denoising --corruption salt_pepper --criterion denoising:salt_pepper:0.1
      vaekit evaluate runs/tuned/best     # the test split, untouched by the search
    """
    from vaekit.tuning import tune as run_tune
    from vaekit.tuning.criteria import criterion_of
    from vaekit.tuning.space import parse_space

    overrides: dict[str, dict[str, Any]] = {}
    for key, value in settings.items():
        if value is not None:
            section, name = key.split("__")
            overrides.setdefault(section, {})[name] = value
    config = (load_config_file(config_file) if config_file else Config()).with_overrides(overrides)
    fixed = {name for values in (overrides, _explicit(config_file)) for section, named in values.items()
             if section != "data" for name in named}
    budget = _count(trials, "--trials") if trials is not None else (None if minutes is not None else 20)
    limit = _minutes(minutes)
    if out is None:
        out = str(Path("runs") / f"tune-{Path(config.data.source).stem or 'data'}-{datetime.now():%Y%m%d-%H%M%S}")
    try:
        result = run_tune(config, out, trials=budget, minutes=limit, space=parse_space(space_text), fixed=fixed,
                          criterion=criterion, validation=validation, storage=storage, study_name=study_name,
                          seed=config.train.seed, progress=not quiet, keep_lowest=keep_lowest)
    except KeyboardInterrupt:
        click.echo(f"interrupted: the finished trials are saved in {out}; run the same command to go on", err=True)
        sys.exit(130)
    click.echo(result.verdict())
    if result.best_run is not None:
        click.echo(f"study in {out} (tune.json, history.png, importance.png); best run: {Path(out) / 'best'} -> "
                   f"{result.best_run}")
        best = Path(out) / "best"
        again = (f"vaekit train --config {best / 'config.json'} --out runs/tuned-full   # the kept settings on every "
                 "training row (a trial trains on the rest less the validation share)")
        if not criterion_of(criterion).refit:  # what was scored is the trial's own model, not its settings
            again = f"{best} is the model the search scored: use it as it is (its settings trained again differ)"
        say_done([], [f"vaekit evaluate {best}   # the test split, which the search never saw", again])


def _explicit(config_file: str | None) -> dict[str, dict[str, Any]]:
    """The settings a config file gives, by section (they are fixed, as flags are)."""
    if not config_file:
        return {}
    from vaekit.config.files import read_config_mapping

    return read_config_mapping(config_file)


def _count(text: str, flag: str) -> int:
    from vaekit.tuning.tune import MAX_TRIALS  # the Python API's bound, where it says why

    if not text.strip().isdigit() or int(text) < 1:
        raise VaekitError(f"{flag} must be a whole number of at least 1, got {text!r}")
    if int(text) > MAX_TRIALS:
        raise VaekitError(f"{flag} must be at most {MAX_TRIALS:,}, got {text.strip()}")
    return int(text)


def _minutes(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise VaekitError(f"--minutes must be a number of minutes, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise VaekitError(f"--minutes must be more than 0, got {text!r}")
    return value


COMMANDS = [tune]
