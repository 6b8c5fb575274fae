"""What a model of a table learns after training, for its samples: where its codes lie, and how its numbers are
spread. Written to the run as synthesis.json when training ends, and read by every sample.

    calibration = fit_calibration(model, train_x, metadata)     # JSON values
    write_json(run_dir / CALIBRATION_FILE, calibration)
    fitted = read_calibration(run_dir, metadata, model)         # Calibration, or None for a run without one
    z = fitted.latent.sample((n,)); x = fitted.map_codes(x, metadata)   # x: drawn model columns

Three corrections, each a standard remedy for a known gap between a VAE's samples and its data:

1. The latent mixture (ex-post density estimation, Ghosh et al. 2020). The codes q(z|x) gives the training rows do
   not fill N(0, I): sampling the prior visits regions no row maps to, and decodes rows unlike any. A Gaussian
   mixture fitted to the training rows' posterior means is the distribution samples draw z from instead (and the
   p(z) that conditional sampling weighs codes by).
2. The level offsets. The share of each level of a categorical or binary column among the draws is brought to
   the training rows' share by an offset added to that column's logits, found in three rounds of
   offset += log p_data - log p_model on 20,000 draws (a marginal correction; rows' other columns stay as drawn).
3. The marginal maps (a quantile map per number column). The model's marginal of a column F_model (measured on
   20,000 draws) is carried onto the training rows' marginal F_data by the monotone map F_data^-1(F_model(x)):
   ranks, and so every relation between columns, are kept; only each column's own spread is corrected.
   A column's own values are kept out: the map holds 201 quantiles of each, no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.distributions import Categorical, Distribution, MixtureSameFamily, MultivariateNormal

from vaekit.core.errors import DataError
from vaekit.core.json_file import read_json
from vaekit.core.schema import Field, check
from vaekit.data.table.encoding import first_columns, is_levels
from vaekit.data.table.metadata import TableMetadata
from vaekit.likelihoods.mixed import MixedLikelihood, MixedTable
from vaekit.likelihoods.observed import unwrapped
from vaekit.tasks.latent_prior.gmm import fit_gaussian_mixture

CALIBRATION_FILE = "synthesis.json"
COMPONENTS = 10  # latent mixture components (fewer on small tables: at least ROWS_PER_COMPONENT rows each)
ROWS_PER_COMPONENT = 20
DRAWS = 20_000  # model draws that measure each column's marginal
KNOTS = 201  # quantiles kept per column (every half percent)
ENCODE_BATCH = 2000
FLOATS = Field(list, size=(0, 10_000), items=Field((int, float)))
SCHEMA = {"version": Field(int, low=1, high=1),
          "latent": Field(dict, fields={"weights": FLOATS, "means": Field(list, size=(1, 1000), items=FLOATS),
                                        "covariances": Field(list, size=(1, 1000),
                                                             items=Field(list, size=(1, 1000), items=FLOATS))}),
          "maps": Field(dict), "offsets": Field(dict)}


@dataclass(frozen=True)
class Calibration:
    """The latent mixture (a Distribution over z) and each number column's (model knots, data knots)."""

    latent: Distribution
    maps: dict[str, tuple[np.ndarray, np.ndarray]]
    offsets: dict[int, torch.Tensor]

    def decoded(self, model: torch.nn.Module, z: torch.Tensor) -> Distribution:
        """p(x|z) with the level offsets applied."""
        return with_offsets(unwrapped(model.decode(z)), self.offsets)

    def map_codes(self, x: np.ndarray, metadata: TableMetadata, free: np.ndarray | None = None) -> np.ndarray:
        """Model columns (N, D) with each mapped number column carried from the model's marginal onto the data's,
        where `free` (N, D) is true (a conditional sample's given values stay as given); before decoding, which
        then clips, rounds and formats."""
        x = x.copy()
        starts = first_columns(metadata)
        for name, (model_knots, data_knots) in self.maps.items():
            j = starts[name]
            mapped = carry(x[:, j], model_knots, data_knots)
            x[:, j] = mapped if free is None else np.where(free[:, j], mapped, x[:, j])
        return x


def carry(values: np.ndarray, model_knots: np.ndarray, data_knots: np.ndarray) -> np.ndarray:
    """F_data^-1(F_model(values)) by linear interpolation between the knots; NaN stays NaN."""
    levels = np.linspace(0.0, 1.0, len(model_knots))
    # knots may repeat (a spike of one value): spread ties a hair apart so the interpolation is a function
    xp = model_knots + np.arange(len(model_knots)) * 1e-9 * max(1.0, float(np.abs(model_knots).max()))
    return np.interp(np.interp(values, xp, levels), levels, data_knots)


@torch.no_grad()
def fit_calibration(model: torch.nn.Module, train_x: torch.Tensor, metadata: TableMetadata,
                    seed: int = 0) -> dict[str, Any]:
    """The latent mixture and the marginal maps of a trained model of a table, as JSON values."""
    was_training = model.training
    model.eval()
    means = torch.cat([model.encode(train_x[i:i + ENCODE_BATCH].to(model.device)).mean.cpu()
                       for i in range(0, len(train_x), ENCODE_BATCH)]).double().numpy()
    components = max(1, min(COMPONENTS, len(means) // ROWS_PER_COMPONENT))
    latent = {name: value.tolist() for name, value in fit_gaussian_mixture(means, components, seed).items()}
    torch.manual_seed(seed)
    z = latent_distribution(latent).sample(torch.Size([DRAWS])).float().to(model.device)
    px = unwrapped(model.decode(z))
    offsets = fit_offsets(px, model.likelihood, train_x)
    drawn, real = with_offsets(px, offsets).sample().cpu().double().numpy(), train_x.double().numpy()
    starts, maps = first_columns(metadata), {}
    levels = np.linspace(0.0, 1.0, KNOTS)
    for spec in metadata.columns:
        if not spec.modelled or is_levels(spec) or spec.type == "datetime":
            continue
        j = starts[spec.name]
        # the model's values where its draw is not null (the indicator follows a nullable column), the data's observed
        present = drawn[:, j + 1] < 0.5 if spec.nullable else np.ones(len(drawn), dtype=bool)
        model_values, data_values = drawn[present, j], real[:, j]
        model_values, data_values = model_values[~np.isnan(model_values)], data_values[~np.isnan(data_values)]
        if len(model_values) < 2 or len(data_values) < 2:
            continue
        maps[spec.name] = {"model": np.quantile(model_values, levels).tolist(),
                           "data": np.quantile(data_values, levels).tolist()}
    model.train(was_training)
    return {"version": 1, "latent": latent, "maps": maps,
            "offsets": {str(column): offset.tolist() for column, offset in offsets.items()}}


OFFSET_ROUNDS = 20
SMALLEST_SHARE = 1e-4  # a level's share is floored here, so a level no draw (or no row) has gets a finite offset


def fit_offsets(px: Distribution, likelihood: torch.nn.Module, train_x: torch.Tensor) -> dict[int, torch.Tensor]:
    """Logit offsets of the binary and categorical columns of a mixed table that bring each level's expected
    share under px (the probabilities averaged over its draws: exact, no sampling noise) to its share among the
    training rows; none for another likelihood. The share moves less than its offset (rows that are sure of a
    level hardly move), so the correction is repeated until it settles."""
    if not isinstance(px, MixedTable):
        return {}
    columns = [(column, 2) for column in likelihood.binary] + list(likelihood.categorical)
    wanted = {column: _shares(train_x[:, column], k) for column, k in columns}
    offsets: dict[int, torch.Tensor] = {}
    for _ in range(OFFSET_ROUNDS):
        have = px.with_logit_offsets(offsets).level_shares()
        for column, _ in columns:
            got = have[column].double().clamp(SMALLEST_SHARE, 1 - SMALLEST_SHARE)
            step = (wanted[column].log() - got.log()) if column not in likelihood.binary else \
                (torch.logit(wanted[column][1:]) - torch.logit(got[1:]))  # a binary column has one logit: that of 1
            offsets[column] = offsets.get(column, torch.zeros_like(step)) + step.float()
    return offsets


def _shares(codes: torch.Tensor, k: int) -> torch.Tensor:
    codes = codes[~torch.isnan(codes)].round().long().clamp(0, k - 1)
    shares = torch.bincount(codes, minlength=k).double() / max(1, len(codes))
    return shares.clamp(SMALLEST_SHARE, 1 - SMALLEST_SHARE)


def with_offsets(px: Distribution, offsets: dict[int, torch.Tensor]) -> Distribution:
    """px with the level offsets applied (a mixed table's; other distributions as they are)."""
    return px.with_logit_offsets(offsets) if offsets and isinstance(px, MixedTable) else px


def write_calibration(model: torch.nn.Module, train_x: torch.Tensor, data: Any, run_dir: Path, seed: int) -> None:
    """synthesis.json of a run of a table read with its metadata (data.table_metadata), from its training rows."""
    from vaekit.core.io import write_json
    from vaekit.data.table.metadata import metadata_of

    metadata = metadata_of(data.table_metadata, "the table's metadata")
    write_json(Path(run_dir) / CALIBRATION_FILE, fit_calibration(model, train_x.cpu(), metadata, seed))


def latent_distribution(latent: dict[str, Any]) -> Distribution:
    """The Gaussian mixture over z from its JSON values."""
    covariances = torch.tensor(latent["covariances"], dtype=torch.float64)
    return MixtureSameFamily(Categorical(probs=torch.tensor(latent["weights"], dtype=torch.float64)),
                             MultivariateNormal(torch.tensor(latent["means"], dtype=torch.float64),
                                                covariance_matrix=covariances))


def read_calibration(run_dir: str | Path, metadata: TableMetadata, model: torch.nn.Module) -> Calibration | None:
    """A run's synthesis.json, checked against its metadata and model (latent size, levels of each column); None
    when the run has none (a run trained before it was written: samples then draw z from the prior, unmapped)."""
    latent_dim, likelihood = model.latent_dim, model.likelihood
    levels = {column: 1 for column in likelihood.binary} | dict(likelihood.categorical) \
        if isinstance(likelihood, MixedLikelihood) else {}
    path = Path(run_dir) / CALIBRATION_FILE
    if not path.is_file():
        return None
    saved = check(read_json(path, depth=6), SCHEMA, str(path))
    latent = saved["latent"]
    k = len(latent["weights"])
    if np.shape(latent["means"]) != (k, latent_dim) or np.shape(latent["covariances"]) != (k, latent_dim, latent_dim):
        raise DataError(f"{path}: the latent mixture's means and covariances must be ({k}, {latent_dim}) and ({k}, "
                        f"{latent_dim}, {latent_dim}) for this run's {latent_dim} latent dimensions")
    try:
        distribution = latent_distribution(latent)
    except ValueError as error:
        raise DataError(f"{path}: the latent mixture is not a distribution ({' '.join(str(error).split())[:120]})") \
            from None
    names = set(metadata.names)
    maps = {}
    for name, knots in saved["maps"].items():
        if name not in names or not isinstance(knots, dict) or set(knots) != {"model", "data"}:
            raise DataError(f"{path}: maps.{name} is not a number column's model and data knots")
        model_knots, data_knots = (np.asarray(check_knots(knots[key], f"{path}: maps.{name}.{key}"))
                                   for key in ("model", "data"))
        if len(model_knots) != len(data_knots):
            raise DataError(f"{path}: maps.{name} has {len(model_knots)} model knots and {len(data_knots)} data knots")
        maps[name] = (model_knots, data_knots)
    offsets = {}
    for column, values in saved["offsets"].items():
        if not column.isdigit() or levels.get(int(column)) is None or not isinstance(values, list) or \
                len(values) != levels[int(column)] or not all(isinstance(v, (int, float)) for v in values) or \
                not np.isfinite(np.asarray(values, dtype=float)).all():
            raise DataError(f"{path}: offsets.{column} is not a model column's finite logit offsets")
        offsets[int(column)] = torch.tensor(values, dtype=torch.float32)
    return Calibration(distribution, maps, offsets)


def check_knots(values: Any, where: str) -> list[float]:
    """Knots: a list of 2 to 10,000 finite numbers in increasing order."""
    if not isinstance(values, list) or not 2 <= len(values) <= 10_000 or \
            not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        raise DataError(f"{where} must be a list of 2 to 10,000 numbers")
    array = np.asarray(values, dtype=float)
    if not np.isfinite(array).all() or (np.diff(array) < 0).any():
        raise DataError(f"{where} must be finite numbers in increasing order")
    return values
