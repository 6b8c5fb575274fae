"""The `vaekit` command. Each sub-command lives in its own module; errors become one line and exit status 2."""

from __future__ import annotations

import gc
import importlib
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from vaekit.core.errors import VaekitError


class _Group(click.Group):
    """Turns vaekit's input errors into `error: ...` on stderr and exit status 2, with no traceback; loads each
    command's module only when that command is used (COMMANDS below)."""

    def main(self, args: Sequence[str] | None = None, *more: Any, **options: Any) -> Any:
        if args is not None:  # called from Python (a test's CliRunner, a notebook): leave its collector alone
            return super().main(args, *more, **options)
        # This process's own command line (the vaekit script, python -m vaekit), a short-lived process. torch and
        # torch._dynamo (which torch's optimizers import) create about a million long-lived objects, none of them
        # garbage; with Python's default thresholds the cyclic collector walks them all several times while they
        # load and once more at exit: about a second of a 3-epoch run. Here it collects a hundred times less often
        # (cycles of garbage still go, 50,000 allocations at a time), and gc.freeze() leaves the exit nothing to walk.
        gc.set_threshold(50_000, 20, 100)
        try:
            return super().main(args, *more, **options)
        finally:
            gc.freeze()

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:  # the group's own options: `vaekit --bogus`
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as error:
            _usage_error(error)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(COMMANDS) | set(self.commands))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(f"vaekit.cli.{COMMANDS[cmd_name][0]}")
            for command in module.COMMANDS:
                self.add_command(command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # the short help from the table, shortened as click shortens a command's own help: no module is imported
        stubs = {name: click.Command(name, help=text) for name, (_, text) in COMMANDS.items()}
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, (self.commands.get(name) or stubs[name]).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        # warnings (a posterior collapse, say) print as one line, like errors; this process is ours to set up
        warnings.formatwarning = lambda message, *args, **kwargs: f"warning: {message}\n"
        try:
            return super().invoke(ctx)
        except VaekitError as error:
            click.echo(f"error: {_one_line(str(error))}", err=True)
            sys.exit(2)
        except click.UsageError as error:  # click's own: an unknown command or option, a bad choice or type
            _usage_error(error)
        except OSError as error:  # the operating system refused: a full or read-only disk, a folder for a file
            from vaekit.core.io import write_error

            where = error.filename if error.filename is not None else "a file"
            click.echo(f"error: {_one_line(str(write_error(error, where, 'use')))}", err=True)
            sys.exit(2)
        except KeyboardInterrupt:  # outside training (which saves and exits 130 itself): loading, plotting
            click.echo("interrupted", err=True)
            sys.exit(130)


def _one_line(message: str) -> str:
    """A message kept to one line whatever it quotes: a path or id holding a newline is shown escaped."""
    return message.replace("\r", "\\r").replace("\n", "\\n")


def _usage_error(error: click.UsageError) -> NoReturn:
    """click's usage errors as vaekit's errors: one `error:` line naming where the options are listed, exit 2
    (click's own form is four lines: the usage, a hint, a blank line and the error)."""
    if isinstance(error, click.exceptions.NoArgsIsHelpError):
        context = error.ctx
        if context is None or context.parent is None:  # `vaekit` alone: its help is the first thing to read
            error.show()
            sys.exit(2)
        group = context.command  # `vaekit plot` alone: one line naming what it can draw
        names = group.list_commands(context) if isinstance(group, click.Group) else []
        click.echo(f"error: {context.command_path} needs one of: {', '.join(names)} (see {context.command_path} "
                   "--help)", err=True)
        sys.exit(2)
    message = " ".join(error.format_message().split())
    where = error.ctx.command_path if error.ctx is not None else "vaekit"
    click.echo(f"error: {message.rstrip('.')} (see {where} --help)", err=True)
    sys.exit(2)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="vaekit")
def main() -> None:
    """vaekit: train Variational Autoencoders and look at what they learned.

    \b
    Example:
      vaekit train --data digits --latent-dim 2 --epochs 30 --out runs/digits
      vaekit plot manifold runs/digits
    """


# Each command's name, module and one-line help, so that `vaekit --help` lists them all without importing any
# (a module imports torch, pandas or matplotlib as it needs); a command's module is imported when it runs or shows
# its own --help. tests/test_startup.py checks this table against the modules' COMMANDS.
COMMANDS: dict[str, tuple[str, str]] = {
    "train": ("train", "Train a VAE and write a run directory (config, weights, checkpoint, metrics, TensorBoard, "
                       "pictures)."),
    "advise": ("advise", "Read the data's kind, size and values and print the settings to start from for a goal, "
                         "the reason for each, the sizes training would choose, and the commands to run after "
                         "training (each prints its baseline)."),
    "configs": ("configs", "List the configs that ship with vaekit, or print one: each trains a model the docs "
                           "describe, and `vaekit train --config NAME` takes it by name (flags override its "
                           "settings)."),
    "tune": ("tune", "Search the settings the chosen parts declare tunable (learning rate, batch size, code size, the "
                     "network's width and depth, the objective's own), each trial a run trained on the training split "
                     "less a validation share and scored on that share; poor trials are pruned from their per-epoch "
                     "validation -ELBO."),
    "sample": ("outputs", "Decode draws from the prior: new examples (of class --label, for a conditional VAE)."),
    "reconstruct": ("outputs", "Encode examples and decode them again (at the posterior mean)."),
    "embed": ("outputs", "Write latent codes (posterior means) of a data split, or of --data whole, in order, with "
                         "ids and labels."),
    "interpolate": ("outputs", "Decode the path between the latent codes of two examples."),
    "plot": ("plot", "Draw a figure of a trained run."),
    "info": ("info", "Print a run's settings, data, versions and final metrics."),
    "evaluate": ("evaluate", "Evaluate a run: ELBO, importance-weighted -log p(x), active units, KL per dimension, "
                             "reconstruction error and a linear probe; on data with known generative factors "
                             "(sprites, dsprites), the disentanglement metrics."),
    "report": ("evaluate", "Write RUN/report.html: metrics, curves, pictures, KL per dimension, config and "
                           "environment in one self-contained page (evaluating the run first when it has no "
                           "evaluation.json, or one made with other weights than its model.safetensors, e.g. "
                           "before a resume)."),
    "compare": ("evaluate", "Print the evaluations of several runs side by side (each RUN/evaluation.json: the "
                            "run's own test split)."),
    "score": ("score", "Score each example, higher = more anomalous: -ELBO, -log p(x), reconstruction error, rate, "
                       "the complexity-corrected likelihood (images) or the likelihood ratio against a background "
                       "model."),
    "impute": ("impute", "Fill in the missing values (empty cells, NaN) of a table or an array with a trained run."),
    "inpaint": ("impute", "Fill in masked pixels of images with a trained run."),
    "serve": ("serve", "Serve trained runs over HTTP: encode, decode, sample, reconstruct, score (with per-entry "
                       "maps) and impute."),
    "denoise": ("denoise", "Denoise examples: encode each noisy input and decode the posterior mean (as reconstruct "
                           "does), in the data's order, with its ids."),
    "compress": ("compress", "Compress discrete data losslessly with the run's model (bits-back coding, BB-ANS)."),
    "decompress": ("compress", "Give back exactly the examples `vaekit compress` compressed into FILE, with the "
                               "same run."),
    "cluster": ("cluster", "Assign each example to a cluster, with the probability of that cluster."),
    "fit-prior": ("fit_prior", "Fit a prior to the training codes (discrete or continuous), for `vaekit sample`."),
    "predict": ("predict", "Classify examples with the run's classifier q(y|x) (a run trained with --class-latent "
                           "m2 or gmvae)."),
    "export": ("export", "Export the run's encoder, decoder and importance-weighted scorer as ONNX graphs, with the "
                         "standardization inside, for onnxruntime without torch (vaekit.onnx.OnnxModel)."),
    "card": ("card", "Write RUN/README.md, the run's model card: a YAML header in the Hugging Face style (library, "
                     "tags, the data and its fingerprints, the metrics of RUN/evaluation.json with their protocol) "
                     "and prose on the data, the objective, training, intended use, known limits and how to load "
                     "it."),
    "push": ("push", "Upload RUN to the Hugging Face Hub model repository REPO (user/name), creating it if needed; "
                     "writes the model card RUN/README.md first when there is none."),
}

