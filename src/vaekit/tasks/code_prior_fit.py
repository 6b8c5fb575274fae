"""Fitting the prior over codes after training: the autoregressive net of a `codes` prior (priors/codes.py) is
trained on the codes that the encoder gives the training split, so that new codes drawn from it (and decoded) look
like the codes of real data; the uniform prior of training makes codes no image has.

    report = fit_code_prior(model, train_x, test_x, epochs=10)
    report["test_bits"], report["uniform_bits"]      # -log2 p(codes) per example: fitted vs M log2 K
    model.sample(16)                                  # now draws codes from the fitted prior

The codes are q(k|x)'s: a vq posterior's nearest codes, a gumbel_softmax posterior's one draw per example. Only the
net's weights change (and the prior's `fitted` flag); the encoder, decoder and codebook stay as trained.
"""

from __future__ import annotations

import math

import torch
from tqdm.auto import tqdm

from vaekit.core.errors import VaekitError
from vaekit.core.progress import bars_drawn, say_stage
from vaekit.model.vae import VAE
from vaekit.priors.codes import CodesPrior

ENCODE_BATCH = 1000


@torch.no_grad()
def encode_codes(model: VAE, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    """(N, M) code indices of the examples x, in order, with the model in eval mode."""
    was_training = model.training
    model.eval()
    codes = [model.encode(x[start:start + ENCODE_BATCH].to(model.device)).code_indices(generator)
             for start in range(0, len(x), ENCODE_BATCH)]
    model.train(was_training)
    return torch.cat(codes)


def code_prior_of(model: VAE) -> CodesPrior:
    """The model's prior over codes; a VaekitError for a model with continuous codes."""
    if not isinstance(model.prior_module, CodesPrior):
        raise VaekitError("this run's latent code is not discrete: a prior over codes is fitted for runs trained "
                          "with --posterior vq --prior codes --objective vq, or --posterior gumbel_softmax --prior "
                          "codes; over a continuous code, --method gmm or vae fits one")
    return model.prior_module


def bits_per_example(prior: CodesPrior, codes: torch.Tensor) -> float:
    """Mean -log2 p(k) of the codes (N, M) under the autoregressive net."""
    with torch.no_grad():
        nats = torch.cat([-prior.autoregressive.log_prob(codes[start:start + ENCODE_BATCH])
                          for start in range(0, len(codes), ENCODE_BATCH)])
    return float(nats.mean()) / math.log(2)


def fit_code_prior(model: VAE, train_x: torch.Tensor, test_x: torch.Tensor | None = None, epochs: int = 10,
                   batch_size: int = 256, lr: float = 3e-3, seed: int = 0, progress: bool = False) -> dict[str, float]:
    """Train the prior's autoregressive net by maximum likelihood on the training codes (Adam, fresh weights from
    `seed`), mark the prior fitted, and return bits per example: train_bits, test_bits (when test_x is given) and
    uniform_bits (M log2 K, the training prior's). `progress`: a line per stage and per epoch, and a bar over each
    epoch's steps on a terminal."""
    prior = code_prior_of(model)
    if len(train_x) == 0:
        raise VaekitError("there are no training examples to fit the prior over codes to")
    generator = torch.Generator(device=model.device).manual_seed(seed)
    say_stage(f"encoding {len(train_x)} training examples to their codes", progress)
    train_codes = encode_codes(model, train_x, generator)
    test_codes = None if test_x is None or len(test_x) == 0 else encode_codes(model, test_x, generator)
    net = prior.autoregressive
    with torch.random.fork_rng(devices=[]):  # fresh weights from the seed, the caller's random state untouched
        torch.manual_seed(seed)
        net.reset_parameters()
    net.requires_grad_(True)
    optimizer = torch.optim.Adam(net.parameters(), lr=lr)
    order = torch.Generator().manual_seed(seed)
    steps = math.ceil(len(train_codes) / batch_size)
    try:
        for epoch in range(1, epochs + 1):
            total = 0.0
            with tqdm(total=steps, desc=f"prior epoch {epoch}", leave=False,
                      disable=not (progress and bars_drawn())) as bar:
                for rows in torch.randperm(len(train_codes), generator=order).split(batch_size):
                    loss = -net.log_prob(train_codes[rows.to(train_codes.device)]).mean()
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    total += float(loss) * len(rows)
                    bar.update(1)
            if progress:
                tqdm.write(f"prior epoch {epoch} of {epochs}: -log2 p(code) "
                           f"{total / len(train_codes) / math.log(2):.1f} bits per training example")
    finally:
        net.requires_grad_(False)  # frozen again: training the VAE further leaves it alone
    prior.fitted.fill_(True)
    report = {"train_bits": bits_per_example(prior, train_codes),
              "uniform_bits": prior.positions * math.log2(prior.codes)}
    if test_codes is not None:
        report["test_bits"] = bits_per_example(prior, test_codes)
    return report
