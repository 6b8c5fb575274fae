"""Per-sentence and per-token numbers of a model of token sequences (text), and its comparison with a language model.

    results = sequence_results(model, x, estimate)      # x: (N, T) token ids; estimate: importance_weighted_bound
    results["neg_elbo_per_token"]          # sum_n -ELBO(x_n) / sum_n T_n, nats
    results["perplexity_bound"]            # exp(neg_elbo_per_token): an upper bound on the perplexity
    results["perplexity"]                  # exp(IW -log p(x) per token): the k-sample estimate

T_n counts the tokens of sentence n and its EOS, not the padding (data/tokens.py), as in Bowman et al. 2016's
per-word figures. Per-token numbers are corpus averages (total nats over total tokens), so long sentences weigh
more than short ones, as in a language model's perplexity. Since -log p(x) <= -ELBO, exp(-ELBO per token) bounds
the perplexity from above; the importance-weighted estimate tightens it.

A language model without a latent code (model.language_model) is the comparison that tells whether the code is
used: its -ELBO is its exact -log p(x) (rate 0). A VAE whose -ELBO comes close to it while its rate is well above
zero models the same text as well and carries information about each sentence in z; a VAE with rate near 0 has
collapsed to a language model (`compare_language_model`).
"""

from __future__ import annotations

import math
from typing import Any

import torch

from vaekit.data.text.tokens import token_mask
from vaekit.model.vae import VAE
from vaekit.tasks.evaluation.importance import LikelihoodEstimate

RECONSTRUCTION_BATCH = 500


@torch.no_grad()
def sequence_results(model: VAE, x: torch.Tensor, estimate: LikelihoodEstimate) -> dict[str, Any]:
    """Per-token -ELBO, -log p(x) and distortion, the perplexities they give, tokens per sentence, and the share
    of tokens that greedy reconstruction (decoding the posterior mean) gets right."""
    lengths = token_mask(x).sum(1).double()
    tokens = float(lengths.sum())
    neg_elbo, nll = float(-estimate.elbo.sum()) / tokens, float(-estimate.log_likelihood.sum()) / tokens
    right = 0
    for start in range(0, len(x), RECONSTRUCTION_BATCH):
        batch = x[start:start + RECONSTRUCTION_BATCH]
        decoded = model.reconstruct(batch.to(model.device)).cpu()
        right += int(((decoded == batch) & token_mask(batch)).sum())
    return {
        "tokens": int(tokens), "tokens_per_sentence": tokens / len(x),
        "neg_elbo_per_token": neg_elbo, "neg_log_likelihood_per_token": nll,
        "distortion_per_token": float(estimate.distortion.sum()) / tokens,
        "rate_per_token": float(estimate.rate.sum()) / tokens,
        "perplexity_bound": math.exp(neg_elbo), "perplexity": math.exp(nll),
        "token_accuracy": right / tokens,
        # bits per dimension and squared error count padding and read token ids as numbers: not text's measures
        "bits_per_dim": None, "reconstruction_mse": None,
    }


def compare_language_model(results: dict[str, Any], baseline: dict[str, Any], run: str) -> dict[str, Any]:
    """The language model's numbers on the same sentences (its evaluation, `baseline`) beside the VAE's
    (`results`): its -log p(x) per sentence and per token, its perplexity, and how far the VAE's -ELBO and IW
    estimate lie above it, relative to it (Bowman et al. 2016: 101 against the language model's 100 nats)."""
    lm = baseline["neg_log_likelihood"]["mean"]
    return {
        "baseline_run": run,
        "baseline_neg_log_likelihood": baseline["neg_log_likelihood"],
        "baseline_neg_log_likelihood_per_token": baseline["neg_log_likelihood_per_token"],
        "baseline_perplexity": baseline["perplexity"],
        "baseline_rate": baseline["rate"],
        "neg_elbo_over_baseline": results["neg_elbo"]["mean"] / lm - 1,
        "neg_log_likelihood_over_baseline": results["neg_log_likelihood"]["mean"] / lm - 1,
    }
