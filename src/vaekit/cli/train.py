"""`vaekit train`: every setting is a flag (and may come from a YAML/TOML config file)."""

from __future__ import annotations

import dataclasses
import signal
import sys
import typing
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from vaekit.cli.best_epoch import kept_epoch
from vaekit.cli.closing import say_done
from vaekit.cli.help_groups import GroupedHelp, help_all_option
from vaekit.cli.next_steps import next_commands
from vaekit.config import SECTIONS, Config, load_config_file
from vaekit.core.errors import VaekitError
from vaekit.parts import REGISTRIES, choices


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


@click.command(cls=GroupedHelp, context_settings={"max_content_width": 110})
@help_all_option
@click.option("--config", "config_file", type=click.Path(), help="YAML, TOML or JSON file with sections data, "
              "model, objective and train, or the name of one that ships with vaekit (vaekit configs lists them); "
              "flags override it")
@click.option("--out", type=click.Path(), help="run directory to create [default: runs/<data>-<time>]")
@click.option("--resume", type=click.Path(), help="continue the run in this directory from its last checkpoint "
              "(only --epochs, --device and --nproc may change)")
@click.option("--quiet", is_flag=True, help="no progress bar or per-epoch lines")
@click.option("--nproc", default=None, metavar="N", help="train in this many processes, started by torchrun on this "
              "machine (DistributedDataParallel; one GPU each on CUDA); the same as `torchrun --nproc-per-node N "
              "-m vaekit train ...`")
@_setting_options
@click.pass_context
def train(ctx: click.Context, config_file: str | None, out: str | None, resume: str | None, quiet: bool,
          nproc: str | None, **settings: Any) -> None:
    """Train a VAE and write a run directory (config, weights, checkpoint, metrics, TensorBoard, pictures).

    \b
    Examples:
      vaekit train --data digits --latent-dim 2 --epochs 30 --out runs/digits
      vaekit train --data fashion-mnist --hidden 400 --latent-dim 20 --epochs 10
      vaekit train --data photos/ --resize 128x96 --network conv --out runs/photos
      vaekit train --data series:path=sensors.csv --window 64 --stride 16 --out runs/sensors
      vaekit train --config vae --beta 4 --warmup-epochs 5
      vaekit train --data fashion-mnist --compile --device cuda --precision fp16
      vaekit train --resume runs/digits --epochs 60
      vaekit train --nproc 2 --data digits --epochs 10 --out runs/two
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
    if nproc is not None:
        if not nproc.strip().isdigit():
            raise VaekitError(f"--nproc must be a whole number of processes, got {nproc!r}")
        _start_processes(ctx, int(nproc), overrides, config_file, out, resume)
    from vaekit.training.distributed import ElsewhereError, alike, launched
    from vaekit.training.launch import die_with_launcher

    processes = launched()  # under torchrun: this process's place in the run (training/distributed.py)
    die_with_launcher()  # a worker of --nproc: ends with the launcher, even one killed outright
    try:
        if resume is not None:
            train_values = overrides.get("train", {})
            run = resume_run(resume, train_values.get("epochs"), train_values.get("device"), progress=not quiet)
        else:
            with alike(processes):  # a bad setting is reported once, not by every process
                config = (load_config_file(config_file) if config_file else Config()).with_overrides(overrides)
            run = train_run(config, out, progress=not quiet)
    except ElsewhereError:  # another process of the run printed the message
        sys.exit(2)
    except RuntimeError as error:
        if processes.several and _lost_peer(error):  # a peer failed (and printed why) or was killed
            sys.exit(1)
        raise
    if not processes.leader:  # process 0 of several speaks for the run
        sys.exit(130 if run.interrupted else 0)
    if run.interrupted and run.stop_signal == signal.SIGTERM:  # a scheduler's or `docker stop`'s request
        click.echo(f"terminated (SIGTERM): weights and pictures saved in {run.path}; continue with "
                   f"`vaekit train --resume {run.path}`", err=True)
        sys.exit(128 + signal.SIGTERM)
    if run.interrupted:
        click.echo(f"interrupted: weights and pictures saved in {run.path}; continue with "
                   f"`vaekit train --resume {run.path}`", err=True)
        sys.exit(130)
    click.echo(f"run saved in {Path(run.path)}{_summary(run)}")
    if not quiet:
        say_done([_written(Path(run.path))], next_commands(run))


def _start_processes(ctx: click.Context, nproc: int, overrides: dict[str, dict[str, Any]], config_file: str | None,
                     out: str | None, resume: str | None) -> None:
    """--nproc: check what can be checked here, then run this command line without --nproc under torchrun in nproc
    processes and exit with their status. --nproc 1 trains in this process, as without it."""
    from vaekit.runs.directory import read_run_config
    from vaekit.training.distributed import check_processes, launched
    from vaekit.training.launch import start_torchrun

    if launched().several:
        raise VaekitError("--nproc starts torchrun, but this command already runs under torchrun (WORLD_SIZE is "
                          "set); leave out --nproc")
    if resume is not None:
        config, _ = read_run_config(resume)
        device = overrides.get("train", {}).get("device")
        if device is not None:
            config = config.with_overrides({"train": {"device": device}})
    else:
        config = (load_config_file(config_file) if config_file else Config()).with_overrides(overrides)
    check_processes(config, nproc)
    if nproc == 1:
        return
    arguments = []
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if param.name == "nproc" or value is None or not isinstance(param, click.Option):
            continue
        if param.is_flag:  # --quiet, or a setting's --flag / --no-flag
            arguments += [param.opts[0]] if value else param.secondary_opts[:1]
        else:
            arguments += [param.opts[0], str(value)]
    if resume is None and out is None:  # one name for all processes, which would each make up their own
        stem = Path(config.data.source).stem or "run"
        arguments += ["--out", str(Path("runs") / f"{stem}-{datetime.now():%Y%m%d-%H%M%S}")]
    sys.exit(start_torchrun(nproc, arguments))


def _lost_peer(error: RuntimeError) -> bool:
    """Whether a collective operation failed because another process of the run is gone."""
    import torch.distributed as dist

    text = str(error).lower()
    return isinstance(error, dist.DistError) or any(
        words in text for words in ("connection closed", "connection reset", "broken pipe", "gloo"))


def _summary(run: Any) -> str:
    """The last epoch's validation -ELBO and active units, and the best epoch (the one kept, with early stopping)."""
    if not run.metrics:
        return ""
    final, train = run.metrics[-1], run.config.train
    text = f"; epoch {final['epoch']}: validation -ELBO {final['val_neg_elbo']:.2f} nats"
    objective = REGISTRIES["objective"].get(run.config.objective.name)
    bound = objective.bound_of(run.config.objective)
    if bound is not None and "val_loss" in final:  # what the run trained, first (objectives/base.py)
        text = f"; epoch {final['epoch']}: validation -{bound} {final['val_loss']:.2f} nats (-ELBO " \
               f"{final['val_neg_elbo']:.2f})"
    if run.model.has_code:  # a language model has no code: no units to count (the posterior declares it)
        text += f", {final['val_active_units']} of {run.model.latent_dim} latent units active"
    text += kept_epoch(run)
    if run.stopped_early:
        text += (f"; stopped early (no improvement by more than {train.min_delta:g} nats for "
                 f"{train.early_stopping} epochs)")
    return text


def _written(run_dir: Path) -> str:
    """What a run directory holds, in a few words: the weights, the numbers and the pictures by name."""
    pictures = sorted(path.name for path in run_dir.glob("*.png"))
    shown = ", ".join(pictures[:6]) + (f" and {len(pictures) - 6} more" if len(pictures) > 6 else "")
    return (f"{run_dir}/: model.safetensors (weights), config.json, metrics.csv, tensorboard/"
            + (f"; pictures {shown}" if pictures else ""))


COMMANDS = [train]
