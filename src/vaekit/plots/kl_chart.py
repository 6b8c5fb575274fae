"""The KL of each latent dimension as a bar chart: how much each dimension carries, the inactive ones grey.

    fig = kl_per_dimension_figure([2.1, 0.0, 1.3], [True, False, True])
    save_kl_per_dimension([2.1, 0.0, 1.3], [True, False, True], "kl.png")
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from vaekit.plots.save import save_figure

NAMED_TICKS = 32  # up to this many dimensions, each bar is named (z0, z1, ...); beyond, whole-number ticks


def kl_per_dimension_figure(kl: Sequence[float], active: Sequence[bool], split: str = "test split") -> Figure:
    """One bar per latent dimension (nats), blue when the dimension is active, grey when it is not; the x axis
    names the dimensions (z0, z1, ...), never a fractional one. An empty `kl` (a prior that does not factorise,
    a mixture or VampPrior) says so instead."""
    fig = Figure(figsize=(max(4, 0.35 * len(kl) + 2), 3))
    axes = fig.add_subplot(111)
    axes.bar(range(len(kl)), kl, color=["tab:blue" if a else "tab:gray" for a in active])
    if len(kl) <= NAMED_TICKS:
        axes.set_xticks(range(len(kl)), [f"z{j}" for j in range(len(kl))],
                        rotation=90 if len(kl) > 12 else 0, fontsize=8)
    else:
        axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xlabel("latent dimension (grey: inactive)")
    axes.set_ylabel("KL (nats)")
    axes.set_title(f"How much each latent dimension carries: its KL, {split}")
    if not kl:
        axes.set_xticks([])
        axes.text(0.5, 0.5, "the prior does not factorise: no KL per dimension", ha="center", va="center",
                  transform=axes.transAxes)
    return fig


def save_kl_per_dimension(kl: Sequence[float], active: Sequence[bool], path: str | Path,
                          split: str = "test split") -> Path:
    """kl_per_dimension_figure written to `path`."""
    return save_figure(kl_per_dimension_figure(kl, active, split), path)


__all__ = ["kl_per_dimension_figure", "save_kl_per_dimension"]
