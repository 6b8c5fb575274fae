"""`vaekit fit-prior`: fit the prior over a discrete code (a vq or gumbel_softmax run) to the training codes."""

from __future__ import annotations

from pathlib import Path

import click

from vaekit.cli.closing import say_done
from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.run_argument import RunDirectory
from vaekit.core.errors import VaekitError
from vaekit.runs.files import PRIOR_REPORT


@click.command("fit-prior")
@click.argument("run", type=RunDirectory(writes=True))
@click.option("--epochs", default=10, show_default=True, help="passes over the training codes",
              callback=at_least(1))
@click.option("--batch-size", default=256, show_default=True, help="codes per step", callback=at_least(1))
@click.option("--lr", default=3e-3, show_default=True, help="learning rate (Adam)")
@click.option("--seed", default=0, show_default=True, help="seed of the fresh weights, the order and (gumbel_softmax) "
              "the codes drawn from q(k|x)", callback=seed_check)
@click.option("--device", default="cpu", show_default=True, help="device to run the model on")
def fit_prior(run: str, epochs: int, batch_size: int, lr: float, seed: int, device: str) -> None:
    """Fit the prior over a discrete code (vq, gumbel_softmax) to the training codes, for `vaekit sample`.

    A small autoregressive model (a GRU over the M code positions) learns p(k_1..k_M) from the codes the encoder
    gives the training split; it is saved in RUN/model.safetensors, and RUN/code-prior.json keeps its bits per
    example on the training and test codes beside the uniform prior's M log2 K. config.json records the
    fingerprints of both. `vaekit sample` then decodes codes drawn from it, and `vaekit evaluate` reports the rate
    under it. Training the run further (train --resume) starts from its checkpoint, whose prior is the unfitted
    one: it says so and removes code-prior.json; fit the prior again after.

    \b
    Example:
      vaekit train --data fashion-mnist --network conv --posterior vq --prior codes --objective vq \\
          --latent-dim 64 --code-dim 4 --codebook-size 32 --out runs/vq
      vaekit fit-prior runs/vq --epochs 10
      vaekit sample runs/vq -n 64
    """
    from vaekit.core.io import write_json
    from vaekit.runs.directory import MODEL_FILE, load_weights, save_weights
    from vaekit.runs.fingerprints import record_fitted_prior
    from vaekit.runs.run import Run
    from vaekit.tasks.code_prior_fit import code_prior_of, fit_code_prior
    from vaekit.tasks.outputs import select_data
    from vaekit.training.device import pick_device

    if not lr > 0:
        raise VaekitError(f"--lr must be positive, got {lr}")
    chosen = pick_device(device)
    opened = Run.open(run)
    # its weights without the fitted prior's fingerprint check (Run.load_model's): this command replaces that prior
    model = load_weights(run, opened.config, opened.data_info, chosen)
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


COMMANDS = [fit_prior]
