"""Seeded corruptions c(x~|x) of a batch x, for the denoising objective, `vaekit denoise --add-noise` and the
background model of a likelihood-ratio score (Ren et al. 2019). Each draws every random number it needs from
`generator` (torch's global random state when None, as the posterior's rsample does in training, so the trainer's
seeded stream covers both and a run repeats bit for bit).

Values stay in the likelihood's data support [low, high]: `corrupt` takes the bounds from the declared
`Likelihood.data_support` (and the grid from `Likelihood.levels`), never from a list of likelihood names.

    x_noisy = gaussian(x, 0.3, low=0.0, high=1.0, generator=torch.Generator().manual_seed(0))
    x_noisy = corrupt(x, "salt_pepper", 0.1, support=model.likelihood.data_support)
    kind, level = parse_noise("mask:0.5")
    x_partial = hide(images, 0.5)          # NaN where hidden: for a model of missing values to fill in
"""

from __future__ import annotations

import torch
from torch.distributions import constraints

from vaekit.core.errors import ConfigError

# the corruptions by name; "none" (no corruption) is the config's default and not one of them
CORRUPTIONS = ("gaussian", "salt_pepper", "mask", "replace", "hide")
# the corruptions whose level is a fraction p of entries (gaussian's level is a standard deviation sigma)
FRACTIONS = ("salt_pepper", "mask", "replace", "hide")
# the corruption that makes entries missing (NaN) instead of changing their values: read by a model of missing
# values (data.missing: model), whose encoder sees which entries are there
HIDING = "hide"


def gaussian(x: torch.Tensor, sigma: float, low: float | None = None, high: float | None = None,
             generator: torch.Generator | None = None) -> torch.Tensor:
    """Additive Gaussian noise, clamped to [low, high] where a bound is given:

        x~ = clamp(x + sigma * eps, low, high),   eps ~ N(0, I)
    """
    noise = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return _clamp(x + sigma * noise, low, high)


def salt_pepper(x: torch.Tensor, p: float, low: float | torch.Tensor, high: float | torch.Tensor,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """Salt-and-pepper noise: each entry, with probability p, is set to low or high with equal odds:

        x~ = (1 - m) x + m (s high + (1 - s) low),   m ~ Bernoulli(p), s ~ Bernoulli(1/2)
    """
    hit = _entries(x, p, generator)
    salt = torch.rand(x.shape, generator=generator, device=x.device) < 0.5
    noise = torch.where(salt, torch.as_tensor(high, dtype=x.dtype, device=x.device),
                        torch.as_tensor(low, dtype=x.dtype, device=x.device))
    return torch.where(hit, noise, x)


def mask(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Masking noise (dropout of inputs, not rescaled, as in Vincent et al. 2008 and Im et al. 2017):

        x~ = (1 - m) x,   m ~ Bernoulli(p)
    """
    return torch.where(_entries(x, p, generator), torch.zeros_like(x), x)


def hide(x: torch.Tensor, p: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Entries made missing (NaN), for training a model of missing values to fill in what it does not see (the
    masks of VAEAC, Ivanov et al. 2019, trained with the encoder's q(z | x_obs) in the place of their prior network):

        x~ = x where m = 0, NaN where m = 1

    For vectors, m ~ Bernoulli(p) per entry. For images (B, C, H, W) the holes of inpainting are regions, so each
    image draws, with equal odds, one of three: random pixels (Bernoulli(p)), a rectangle of about p of its area
    at a random place, or one half (upper, lower, left or right), the same for every channel.
    """
    hidden = _regions(x, p, generator) if x.dim() == 4 else _entries(x, p, generator)
    return torch.where(hidden, torch.full_like(x, float("nan")), x)


def _regions(x: torch.Tensor, p: float, generator: torch.Generator | None) -> torch.Tensor:
    """hide's mask of images x (B, C, H, W): per image, random pixels, a rectangle or a half (see hide)."""
    batch, _, height, width = x.shape

    def draw(high: int) -> torch.Tensor:  # one whole number in [0, high) per image
        return torch.randint(0, high, (batch,), generator=generator).to(x.device)

    family, half = draw(3), draw(4)
    rect_h, rect_w = max(1, round(height * p ** 0.5)), max(1, round(width * p ** 0.5))
    # each image's rectangle (top, left, bottom, right), its half's where family is 2
    top, left = draw(height - rect_h + 1), draw(width - rect_w + 1)
    bottom, right = top + rect_h, left + rect_w
    is_half = family == 2
    top = torch.where(is_half & (half == 1), height // 2, torch.where(is_half, 0, top))
    bottom = torch.where(is_half & (half == 0), height // 2, torch.where(is_half, height, bottom))
    left = torch.where(is_half & (half == 3), width // 2, torch.where(is_half, 0, left))
    right = torch.where(is_half & (half == 2), width // 2, torch.where(is_half, width, right))
    rows = torch.arange(height, device=x.device).view(1, 1, height, 1)
    cols = torch.arange(width, device=x.device).view(1, 1, 1, width)
    box = lambda t: t.view(batch, 1, 1, 1)  # noqa: E731
    inside = (rows >= box(top)) & (rows < box(bottom)) & (cols >= box(left)) & (cols < box(right))
    pixels = (torch.rand((batch, 1, height, width), generator=generator).to(x.device) < p)
    region = torch.where(box(family == 0), pixels, inside)
    return region.expand_as(x)


def replace(x: torch.Tensor, p: float, low: float | torch.Tensor, high: float | torch.Tensor,
            levels: int | None = None,
            generator: torch.Generator | None = None) -> torch.Tensor:
    """Each entry, with probability p, replaced by a uniform draw on the support (Ren et al. 2019's perturbation
    for the background model of the likelihood ratio):

        x~ = (1 - m) x + m u,   m ~ Bernoulli(p),   u ~ U[low, high]
                                                    (on a grid of `levels` values: u uniform over the levels)
    """
    hit = _entries(x, p, generator)
    if levels is None:
        uniform = low + (high - low) * torch.rand(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    else:  # every level equally likely (rounding a continuous draw would give the two ends half the weight)
        k = torch.randint(0, levels, x.shape, generator=generator, device=x.device)
        uniform = low + (high - low) * k.to(x.dtype) / (levels - 1)
    return torch.where(hit, uniform, x)


def corrupt(x: torch.Tensor, kind: str, level: float, support: constraints.Constraint = constraints.real,
            levels: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """x~ ~ c(x~|x) by name, within a likelihood's data `support` (and on its grid of `levels` values k/(levels-1)
    when it has one: a discrete likelihood scores only those). `level` is sigma for gaussian, p for the others.

    Where the support has no bound (a Gaussian likelihood's real numbers), salt_pepper and replace take the
    batch's own smallest and largest values in its place, and gaussian is not clamped there.

    >>> corrupt(x, "gaussian", 0.3, support=constraints.unit_interval, generator=torch.Generator().manual_seed(0))
    """
    check_corruption(kind, level)
    if kind == "none":
        return x
    low, high = support_bounds(support)
    if kind == "gaussian":
        noisy = gaussian(x, level, low, high, generator)
    elif kind == "mask":
        noisy = mask(x, level, generator)
    elif kind == HIDING:
        return hide(x, level, generator)  # no value changed: nothing to round onto a grid
    else:
        # the batch's own range where the support has no bound, kept on the device (a float() would sync each step)
        low = x.amin() if low is None else low
        high = x.amax() if high is None else high
        noisy = (salt_pepper(x, level, low, high, generator) if kind == "salt_pepper"
                 else replace(x, level, low, high, levels, generator))
    if levels is not None:  # back on the likelihood's grid: x~ must be a value it can score
        noisy = (noisy * (levels - 1)).round() / (levels - 1)
    return noisy


def corrupt_for(model: torch.nn.Module, x: torch.Tensor, kind: str, level: float,
                generator: torch.Generator | None = None) -> torch.Tensor:
    """`corrupt` within what the model's likelihood declares: its data support and its levels."""
    part = model.likelihood
    if part.needs_vocabulary and kind != "none":  # ids name words: noise on their numbers means nothing
        raise ConfigError(f"the {kind} corruption changes values, and token ids are names of words, not values; a "
                          "text VAE's corruption of its inputs is word dropout (--word-dropout)")
    return corrupt(x, kind, level, part.data_support, part.levels, generator)


def support_bounds(support: constraints.Constraint) -> tuple[float | None, float | None]:
    """(low, high) of a data support, None where it has no bound (the real numbers; a half-line's top)."""
    low, high = getattr(support, "lower_bound", None), getattr(support, "upper_bound", None)
    return (None if low is None else float(low)), (None if high is None else float(high))


def check_corruption(kind: str, level: float) -> None:
    """A ConfigError unless `kind` is none or a corruption and `level` is a valid sigma (>= 0) or p (in [0, 1])."""
    if kind != "none" and kind not in CORRUPTIONS:
        raise ConfigError(f"unknown corruption {kind!r}; choose one of: none, {', '.join(CORRUPTIONS)}")
    if not level == level or level in (float("inf"), float("-inf")):
        raise ConfigError(f"corruption_level must be a finite number, got {level}")
    if kind in FRACTIONS and not 0.0 <= level <= 1.0:
        raise ConfigError(f"corruption_level of {kind} is the fraction p of entries corrupted: it must be in "
                          f"[0, 1], got {level}")
    if kind == "gaussian" and not level >= 0.0:
        raise ConfigError(f"corruption_level of gaussian is the noise's standard deviation sigma: it must be zero "
                          f"or positive, got {level}")


def parse_noise(text: str, flag: str = "--add-noise") -> tuple[str, float]:
    """'gaussian:0.3' -> ("gaussian", 0.3): a noise (a corruption of values: not hide) and its level, checked;
    errors name `flag`, the setting that gave it (--add-noise, --noise)."""
    kind, sep, value = text.partition(":")
    if not sep or not kind or not value:
        raise ConfigError(f"{flag} must be KIND:LEVEL, for example gaussian:0.3, salt_pepper:0.1 or mask:0.5; "
                          f"got {text!r}")
    try:
        level = float(value)
    except ValueError:
        raise ConfigError(f"{flag} {text!r}: the level {value!r} is not a number") from None
    if kind in ("none", HIDING):  # hide adds no noise: it makes entries missing, which inpaint and impute fill in
        noises = ", ".join(name for name in CORRUPTIONS if name != HIDING)
        raise ConfigError(f"{flag} {text!r}: choose one of {noises}" + (
            " (hide makes entries missing: fill them in with vaekit inpaint or vaekit impute)" if kind == HIDING
            else ""))
    check_corruption(kind, level)
    return kind, level


def _entries(x: torch.Tensor, p: float, generator: torch.Generator | None) -> torch.Tensor:
    """A boolean mask m ~ Bernoulli(p) of x's shape: the entries a corruption touches."""
    return torch.rand(x.shape, generator=generator, device=x.device) < p


def _clamp(x: torch.Tensor, low: float | None, high: float | None) -> torch.Tensor:
    return x if low is None and high is None else x.clamp(low, high)
