"""The whole data set against what the likelihood declares, once, before training: a value outside its support is
one line naming it, not a NaN loss some epochs later."""

from __future__ import annotations

import torch
from torch.distributions import constraints

from vaekit.core.errors import DataError
from vaekit.core.registry import LIKELIHOODS
from vaekit.data import Dataset
from vaekit.data.image.quantization import quantization_levels
from vaekit.likelihoods.base import support_text
from vaekit.model.input_checks import describe_values
from vaekit.training.data_prep import observed_values


def check_data_fits(data: Dataset, likelihood: str, binarize: str, dequantize: bool = False) -> None:
    """The whole data set against what the likelihood declares (vaekit.likelihoods.base), once, before training:
    its data support (Bernoulli-type likelihoods read values as probabilities in [0, 1]; binarization too), the
    grid of levels of a discrete likelihood, and whether dequantization applies to it (a density only)."""
    if len(data.test_x) == 0:
        raise DataError(f"{data.name} has no test split (it was read whole); training validates on one: load it "
                        "without whole=True")
    part = LIKELIHOODS.get(likelihood)
    if dequantize and not part.density:
        densities = ", ".join(n for n in LIKELIHOODS.names() if LIKELIHOODS.get(n).density)
        raise DataError(f"--dequantize is for continuous likelihoods ({densities}); the {likelihood} likelihood "
                        "scores discrete values itself, so train it without --dequantize")
    if part.levels is not None and binarize == "none":
        levels = quantization_levels(observed_values(data))
        if levels not in (2, part.levels):
            raise DataError(f"the {likelihood} likelihood models {(part.levels - 1).bit_length()}-bit pixels (values "
                            f"k/{part.levels - 1}), but {data.name} "
                            f"{'has real values' if levels is None else f'has {levels} levels'}; use a "
                            "continuous likelihood")
    support = constraints.unit_interval if binarize != "none" else part.data_support
    for split in (data.train_x, data.test_x):
        if _inside_interval(support, split):  # the common case, decided in one pass over the data
            continue
        valid = support.check(split) & torch.isfinite(split)
        if data.missing:  # NaN entries are missing values, which the model leaves out (data.missing: model)
            valid = valid | torch.isnan(split)
        if not bool(valid.all()):
            what = f"--binarize {binarize}" if binarize != "none" else f"the {likelihood} likelihood"
            values = torch.cat([data.train_x.flatten(), data.test_x.flatten()])
            remedy = ("use --likelihood gaussian (and --binarize none)" if bool(torch.isfinite(values).all())
                      else "remove or fill those values first")
            raise DataError(f"{what} needs data in {support_text(support)}, but {data.name} "
                            f"{describe_values(values)}; {remedy}")


# torch's interval constraints (real, unit_interval, positive, greater_than, ...): a set that holds the minimum and
# the maximum of some values holds them all
_INTERVALS = (constraints._Real, constraints._Interval, constraints._HalfOpenInterval, constraints._GreaterThan,
              constraints._GreaterThanEq, constraints._LessThan)


def _inside_interval(support: constraints.Constraint, x: torch.Tensor) -> bool:
    """True when `support` is an interval and every value of x is finite and inside it; False means: look closer
    (check_data_fits then finds and names the bad values)."""
    if not isinstance(support, _INTERVALS) or support.event_dim != 0 or x.numel() == 0:
        return False
    ends = torch.stack(torch.aminmax(x))  # a NaN anywhere makes both NaN, which is neither finite nor inside
    return bool((torch.isfinite(ends) & support.check(ends)).all())
