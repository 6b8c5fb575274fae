"""Synthetic rows from a model of a table: drawn from the model, given conditions or not, kept to rules.

    drawn = synthesize(model, metadata, 1000, seed=0)                         # x ~ p(x|z), z ~ p(z)
    drawn = synthesize(model, metadata, 100, given=conditions)                # rows of p(rest | given)
    drawn = synthesize(model, metadata, 1000, rules=read_constraints(path))   # every row keeps every rule
    drawn.frame, drawn.effective_samples, drawn.acceptance

A condition is met through the model, not by drawing and throwing away: for each row, k latent codes come from a
defensive proposal r(z) = (q(z | x_given) + p(z)) / 2 (the encoder reads which columns are given; the prior keeps
the weights bounded where the encoder is unsure), are weighted by

    w_j ∝ p(x_given | z_j) p(z_j) / r(z_j),   sum_j w_j = 1

and one is resampled (sampling importance resampling, as imputation does); the free columns are then drawn from
p(x | z_j) and the given ones kept. 1 / sum_j w_j^2 is the effective number of draws behind the row: near 1, the
row rests on one code and the condition is one the model finds unlikely.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch.distributions import Distribution

from vaekit.core.errors import DataError
from vaekit.data.table.encoding import decode_table, encode_given
from vaekit.data.table.metadata import TableMetadata
from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.imputation.partial import PartialBatch, posterior_draws
from vaekit.tasks.synthesis.calibration import Calibration
from vaekit.tasks.synthesis.constraints import Rule, holds

if TYPE_CHECKING:
    import pandas as pd

PROPOSALS = 256  # latent codes weighed per conditioned row
BATCH = 512  # rows drawn at once
MAX_ROUNDS = 100  # draws of the rows still wanted before a rule is called one the model cannot keep


@dataclass(frozen=True)
class Synthesis:
    """The sampled table, and what stands behind it: per row, the effective number of latent draws (conditional
    samples only), and the share of drawn rows that kept every rule (None without rules)."""

    frame: pd.DataFrame
    effective_samples: np.ndarray | None
    acceptance: float | None
    drawn: int


@torch.no_grad()
def synthesize(model: torch.nn.Module, metadata: TableMetadata, count: int, given: pd.DataFrame | None = None,
               rules: list[Rule] | None = None, seed: int = 0, proposals: int = PROPOSALS,
               calibration: Calibration | None = None) -> Synthesis:
    """`count` rows (or one per row of `given`), drawn from the model and kept to `rules`. `calibration` (the
    run's synthesis.json) gives the latent mixture z is drawn from and the maps of the number columns; without
    one, z comes from the prior and numbers are as decoded."""
    import pandas as pd

    rules = rules or []
    torch.manual_seed(seed)
    latent = calibration.latent if calibration is not None else model.prior
    targets = encode_given(given, metadata) if given is not None else None
    wanted = len(targets) if targets is not None else count
    ess = np.ones(wanted) if targets is not None else None
    pieces: list[tuple[np.ndarray, pd.DataFrame]] = []  # (which wanted rows, their kept samples)
    todo, drawn, kept_total = np.arange(wanted), 0, 0
    for _ in range(MAX_ROUNDS):
        done = []
        for start in range(0, len(todo), BATCH):
            rows = todo[start:start + BATCH]
            if targets is None:
                x = _decoded(model, calibration, _codes(latent, len(rows), model)).sample()
            else:
                x, ess[rows] = _conditional(model, calibration, latent,
                                            torch.from_numpy(targets[rows]).to(model.device), proposals)
            x = x.cpu().numpy().astype(np.float64)
            if calibration is not None:  # the number columns' maps, on drawn entries only
                x = calibration.map_codes(x, metadata, None if targets is None else np.isnan(targets[rows]))
            frame = decode_table(x, metadata)
            kept = holds(rules, frame) if rules else np.ones(len(frame), dtype=bool)
            drawn, kept_total = drawn + len(frame), kept_total + int(kept.sum())
            pieces.append((rows[kept], frame[kept]))
            done.append(rows[kept])
        todo = np.setdiff1d(todo, np.concatenate(done))
        if len(todo) == 0:
            break
    if len(todo):
        names = ", ".join(rule.name for rule in rules)
        raise DataError(f"after {drawn:,} draws, {len(todo):,} of the {wanted:,} rows still break a rule "
                        f"({names}); the model keeps it in {kept_total / max(drawn, 1):.2%} of draws; loosen the "
                        "rule, or train longer")
    order = np.argsort(np.concatenate([rows for rows, _ in pieces]), kind="stable")
    frame = pd.concat([piece for _, piece in pieces], ignore_index=True).iloc[order].reset_index(drop=True)
    return Synthesis(_renumber(frame, metadata), ess, kept_total / drawn if rules else None, drawn)


def _codes(latent: Distribution, n: int, model: torch.nn.Module, shape: tuple[int, ...] = ()) -> torch.Tensor:
    """n codes z (after `shape`) from the latent distribution, in the model's dtype and device."""
    return latent.sample(torch.Size([*shape, n])).to(model.device, torch.get_default_dtype())


def _decoded(model: torch.nn.Module, calibration: Calibration | None, z: torch.Tensor) -> Distribution:
    """p(x|z), with the calibration's level offsets where there is one."""
    return calibration.decoded(model, z) if calibration is not None else unwrapped(model.decode(z))


def _conditional(model: torch.nn.Module, calibration: Calibration | None, latent: Distribution, x: torch.Tensor,
                 k: int) -> tuple[torch.Tensor, np.ndarray]:
    """(rows with the free entries drawn from p(x_free | x_given), effective draws per row)."""
    batch = PartialBatch.of(model, x)
    q = model.encode(batch.encoder_input())
    half = max(1, k // 2)
    z_q, _ = posterior_draws(q, half, x)                                   # (k/2, B, d)
    z_p = _codes(latent, len(x), model, (half,))                           # (k/2, B, d)
    z = torch.cat([z_q, z_p])
    log_q, log_p = q.log_prob(z), _density(latent, z)
    log_r = torch.logsumexp(torch.stack([log_q, log_p]), 0) - math.log(2.0)  # the defensive mixture's density
    log_w = batch.log_px_observed(model.decode(z)) + log_p - log_r       # (k, B)
    weights = torch.softmax(log_w, dim=0)
    effective = (1.0 / (weights ** 2).sum(0)).cpu().numpy()
    picked = torch.multinomial(weights.T, 1).T                            # (1, B)
    z_picked = z.gather(0, picked.unsqueeze(-1).expand(1, *z.shape[1:]))[0]
    free = _decoded(model, calibration, z_picked).sample()
    return batch.complete(free), effective


def _density(latent: Distribution, z: torch.Tensor) -> torch.Tensor:
    """log p(z) in z's dtype (the latent mixture computes in float64)."""
    return latent.log_prob(z.to(latent.mean.dtype)).to(z.dtype)


def _renumber(frame: pd.DataFrame, metadata: TableMetadata) -> pd.DataFrame:
    """Identifier columns numbered 0..N-1 down the whole table (each batch numbered its own from 0)."""
    whole = decode_table(np.zeros((len(frame), 0)), TableMetadata([s for s in metadata.columns
                                                                  if s.type == "identifier"]))
    for name in whole.columns:
        frame[name] = whole[name].to_numpy()
    return frame
