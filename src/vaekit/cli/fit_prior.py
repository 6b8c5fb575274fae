"""`vaekit fit-prior`: fit a prior to the training codes, for better samples: over a discrete code (a vq or
gumbel_softmax run) an autoregressive net, over a continuous one a Gaussian mixture or a second-stage VAE."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from vaekit.cli.closing import say_done
from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError
from vaekit.runs.files import PRIOR_REPORT

if TYPE_CHECKING:
    from vaekit.model.vae import VAE
    from vaekit.runs.run import Run


DISCRETE = "discrete"  # the autoregressive prior over a discrete code (tasks/code_prior_fit.py)
CONTINUOUS = ("gmm", "vae")  # priors over continuous codes (tasks/latent_prior)


@click.command("fit-prior")
@click.argument("run", type=RunDirectory(writes=True))
@click.option("--method", type=click.Choice([DISCRETE, *CONTINUOUS]), default=None,
              help="discrete: a GRU over a vq or gumbel_softmax run's code positions; gmm: a Gaussian mixture with "
              "full covariances over a continuous code; vae: a second-stage VAE over it (Dai and Wipf 2019) "
              "[default: discrete for a run with a discrete code, gmm otherwise]")
@click.option("--components", type=int, default=None, callback=at_least(1),
              help="--method gmm: the mixture's components [default: 10]")
@click.option("--epochs", default=10, show_default=True, help="passes over the training codes (discrete, vae)",
              callback=at_least(1))
@click.option("--batch-size", default=256, show_default=True, help="codes per step (discrete, vae)",
              callback=at_least(1))
@click.option("--lr", type=float, default=None, help="learning rate of Adam (discrete, vae) [default: 3e-3 "
              "discrete, 1e-3 vae]")
@click.option("--seed", default=0, show_default=True, help="seed of the fresh weights or the mixture's starts, the "
              "order and (gumbel_softmax) the codes drawn from q(k|x)", callback=seed_check)
@click.option("--device", default="cpu", show_default=True, help="device to run the model on")
def fit_prior(run: str, method: str | None, components: int | None, epochs: int, batch_size: int,
              lr: float | None, seed: int, device: str) -> None:
    """Fit a prior to the training codes (discrete or continuous), for `vaekit sample`.

    New samples then decode codes like those of real data, which the prior the model was trained with does not
    give.

    A discrete code (vq, gumbel_softmax): a small autoregressive model (a GRU over the M code positions) learns
    p(k_1..k_M); it is saved in RUN/model.safetensors, and RUN/code-prior.json keeps its bits per example on the
    training and test codes beside the uniform prior's M log2 K.

    A continuous code: a Gaussian mixture (--method gmm, the default) or a second-stage VAE (--method vae) is
    fitted to the training examples' posterior means; it is saved in RUN/latent-prior.safetensors and
    RUN/latent-prior.json (its log p(z) per code on the training and test codes beside N(0, I)'s), and `vaekit
    sample` draws z from it (--prior trained: from N(0, I) still).

    config.json records the fingerprints of what it writes: a file edited or from elsewhere is refused. Training
    the run further (train --resume) changes the codes: it says so and removes the fit; fit the prior again after.

    \b
    Example:
      vaekit train --data fashion-mnist --latent-dim 16 --epochs 10 --out runs/fashion
      vaekit fit-prior runs/fashion --method gmm --components 10
      vaekit sample runs/fashion -n 64
      vaekit fit-prior runs/vq --epochs 10     # a vq or gumbel_softmax run: its prior over codes
    """
    from vaekit.runs.directory import load_weights
    from vaekit.runs.run import Run
    from vaekit.training.device import pick_device

    if lr is not None and not lr > 0:
        raise VaekitError(f"--lr must be positive, got {lr}")
    opened = Run.open(run)
    # its weights without the fitted prior's fingerprint check (Run.load_model's): this command replaces that prior
    model = load_weights(run, opened.config, opened.data_info, pick_device(device))
    if method is None:
        method = DISCRETE if model.posterior.discrete_code else CONTINUOUS[0]
    if components is not None and method != "gmm":
        raise VaekitError(f"--components is the number of a Gaussian mixture's components: give it with --method "
                          f"gmm, not {method}")
    if method == DISCRETE:
        _fit_code_prior(run, opened, model, epochs, batch_size, 3e-3 if lr is None else lr, seed)
    else:
        _fit_latent_prior(run, opened, model, method, components or 10, epochs, batch_size,
                          1e-3 if lr is None else lr, seed)


def _fit_code_prior(run: str, opened: Run, model: VAE, epochs: int, batch_size: int, lr: float, seed: int) -> None:
    from vaekit.core.io import write_json
    from vaekit.runs.directory import MODEL_FILE, save_weights
    from vaekit.runs.fingerprints import record_fitted_prior
    from vaekit.tasks.code_prior_fit import code_prior_of, fit_code_prior
    from vaekit.tasks.outputs import select_data

    code_prior_of(model)  # a run with continuous codes is refused before the data are read
    train_x = select_data(opened, None, "train").x
    test_x = select_data(opened, None, "test").x
    report = fit_code_prior(model, train_x, test_x, epochs=epochs, batch_size=batch_size, lr=lr, seed=seed,
                            progress=True)
    save_weights(model, Path(run) / MODEL_FILE)
    written = {**report, "epochs": epochs, "batch_size": batch_size, "lr": lr, "seed": seed,
               "train_examples": len(train_x)}
    write_json(Path(run) / PRIOR_REPORT, written)
    # config.json records both, so a model.safetensors or code-prior.json from elsewhere is refused on opening
    record_fitted_prior(run, model, written)
    test = f", test {report['test_bits']:.1f}" if "test_bits" in report else ""
    click.echo(f"fitted the prior over codes on {len(train_x)} training codes: -log2 p(code) train "
               f"{report['train_bits']:.1f}{test} bits per example (uniform prior: {report['uniform_bits']:.1f})")
    say_done([Path(run) / MODEL_FILE, Path(run) / PRIOR_REPORT],
             [f"vaekit sample {run} -n 64 --out samples.png", f"vaekit evaluate {run}   # the rate under this prior"])


def _fit_latent_prior(run: str, opened: Run, model: VAE, method: str, components: int, epochs: int, batch_size: int,
                      lr: float, seed: int) -> None:
    from vaekit.data.kinds import data_kind
    from vaekit.runs.files import LATENT_PRIOR, LATENT_PRIOR_REPORT
    from vaekit.runs.latent_prior import save_latent_prior
    from vaekit.tasks.latent_prior import check_continuous_codes, fit_prior
    from vaekit.tasks.outputs import select_data

    check_continuous_codes(model)  # before the data are read
    if data_kind(opened.data_info["kind"]).synthesized:
        raise VaekitError("this run's table was read with its metadata: its samples already draw z from the latent "
                          "mixture fitted when training ended (synthesis.json); there is nothing to fit")
    train_x = select_data(opened, None, "train").x
    test_x = select_data(opened, None, "test").x
    fit = fit_prior(model, train_x, method, components=components, epochs=epochs, batch_size=batch_size, lr=lr,
                    seed=seed, test_x=test_x, progress=True)
    save_latent_prior(run, model, fit.prior, fit.report)
    report = fit.report
    test = f", test {report['test_log_p']:.1f}" if "test_log_p" in report else ""
    normal = f", test {report['standard_normal_test_log_p']:.1f}" if test else ""
    click.echo(f"fitted {fit.prior.describe()} to the posterior means of {len(train_x)} training examples: log p(z) "
               f"train {report['train_log_p']:.1f}{test} nats per code (N(0, I): train "
               f"{report['standard_normal_train_log_p']:.1f}{normal})")
    say_done([Path(run) / LATENT_PRIOR, Path(run) / LATENT_PRIOR_REPORT],
             [f"vaekit sample {run} -n 64 --out samples.png", f"vaekit sample {run} -n 64 --prior trained   # "
              "from N(0, I), to compare"])


COMMANDS = [fit_prior]
