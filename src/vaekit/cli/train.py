"""`vaekit train`: every setting is a flag (and may come from a YAML/TOML config file)."""

from __future__ import annotations

import dataclasses
import signal
import sys
import typing
from pathlib import Path
from typing import Any

import click

from vaekit.config import SECTIONS, Config, load_config_file
from vaekit.errors import VaekitError
from vaekit.parts import choices


def _choices_text(metadata: Any) -> str:
    """"; choices: a, b, c" for a setting that picks a part: the names registered for it, so a new part shows up
    here the moment it registers (fixed choices are spelled out in their help texts)."""
    if not metadata.get("part"):
        return ""
    return f"; choices: {', '.join(choices(metadata['part'], tuple(metadata.get('choices') or ())))}"


def _setting_options(command: Any) -> Any:
    """One option per config field: --latent-dim, --beta, --data, ... named in the field's metadata."""
    for section, kind in reversed(list(SECTIONS.items())):
        hints = typing.get_type_hints(kind)
        for item in reversed(dataclasses.fields(kind)):
            flag = item.metadata.get("flag") or item.name.replace("_", "-")
            default = item.default if item.default is not dataclasses.MISSING else item.default_factory()
            shown = ",".join(map(str, default)) if isinstance(default, list) else default
            help_text = f"{item.metadata['help']}{_choices_text(item.metadata)} [default: {shown}]"
            if hints[item.name] is bool:
                option = click.option(f"--{flag}/--no-{flag}", f"{section}__{item.name}", default=None,
                                      help=help_text)
            else:
                option = click.option(f"--{flag}", f"{section}__{item.name}", default=None, help=help_text,
                                      metavar=item.name.upper())
            command = option(command)
    return command


@click.command(context_settings={"max_content_width": 110})
@click.option("--config", "config_file", type=click.Path(), help="YAML, TOML or JSON file with sections data, "
              "model, objective and train; flags override it")
@click.option("--out", type=click.Path(), help="run directory to create [default: runs/<data>-<time>]")
@click.option("--resume", type=click.Path(), help="continue the run in this directory from its last checkpoint "
              "(only --epochs and --device may change)")
@click.option("--quiet", is_flag=True, help="no progress bar or per-epoch lines")
@_setting_options
def train(config_file: str | None, out: str | None, resume: str | None, quiet: bool, **settings: Any) -> None:
    """Train a VAE and write a run directory (config, weights, checkpoint, metrics, TensorBoard, pictures).

    \b
    Examples:
      vaekit train --data digits --latent-dim 2 --epochs 30 --out runs/digits
      vaekit train --data fashion-mnist --hidden 400 --latent-dim 20 --epochs 10
      vaekit train --config configs/vae.yaml --beta 4 --warmup-epochs 5
      vaekit train --data fashion-mnist --compile --device cuda --precision fp16
      vaekit train --resume runs/digits --epochs 60
    """
    from vaekit.training.loop import resume as resume_run
    from vaekit.training.loop import train as train_run

    overrides: dict[str, dict[str, Any]] = {}
    for key, value in settings.items():
        if value is not None:
            section, name = key.split("__")
            overrides.setdefault(section, {})[name] = value
    if resume is not None:
        changed = {f"{s}.{k}" for s, values in overrides.items() for k in values} - {"train.epochs", "train.device"}
        if changed or config_file or out:
            raise VaekitError("with --resume only --epochs and --device can change (the run keeps its settings)")
        train_values = overrides.get("train", {})
        run = resume_run(resume, train_values.get("epochs"), train_values.get("device"), progress=not quiet)
    else:
        base = load_config_file(config_file) if config_file else Config()
        run = train_run(base.with_overrides(overrides), out, progress=not quiet)
    if run.interrupted and run.stop_signal == signal.SIGTERM:  # a scheduler's or `docker stop`'s request
        click.echo(f"terminated (SIGTERM): weights and pictures saved in {run.path}; continue with "
                   f"`vaekit train --resume {run.path}`", err=True)
        sys.exit(128 + signal.SIGTERM)
    if run.interrupted:
        click.echo(f"interrupted: weights and pictures saved in {run.path}; continue with "
                   f"`vaekit train --resume {run.path}`", err=True)
        sys.exit(130)
    click.echo(f"run saved in {Path(run.path)}{_summary(run)}")


def _summary(run: Any) -> str:
    """The last epoch's validation -ELBO and active units, and the best epoch (the one kept, with early stopping)."""
    if not run.metrics:
        return ""
    final, train = run.metrics[-1], run.config.train
    text = (f"; epoch {final['epoch']}: validation -ELBO {final['val_neg_elbo']:.2f} nats, "
            f"{final['val_active_units']} of {run.model.latent_dim} latent units active")
    best = next((row for row in run.metrics if row["epoch"] == run.best_epoch), None)
    if best is not None and best is not final:
        kept = "model.safetensors" if train.early_stopping > 0 else "model-best.safetensors"
        text += f"; best epoch {best['epoch']} ({best['val_neg_elbo']:.2f} nats, in {kept})"
    if run.stopped_early:
        text += (f"; stopped early (no improvement by more than {train.min_delta:g} nats for "
                 f"{train.early_stopping} epochs)")
    return text


COMMANDS = [train]
