"""The pictures of a settings search (`vaekit tune`): each trial's value with the best so far, and how much each
setting mattered.

    save_study_history([(0, 412.3, "complete"), (1, None, "pruned"), ...], "lower", "validation -log p(x)", path)
    save_importances({"lr": 0.61, "latent_dim": 0.27, "hidden_width": 0.12}, path)
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from vaekit.plots.save import save_figure

COLOURS = {"complete": "tab:blue", "pruned": "tab:gray", "fail": "tab:red"}


def save_study_history(trials: list[tuple[int, float | None, str]], better: str, criterion: str,
                       path: str | Path, given: int | None = None) -> Path:
    """trials: (number, value or None, state) in trial order; better: "lower" or "higher". A pruned trial is drawn
    at its last reported value, grey; the line is the best complete value so far; `given`: the number of the trial
    of the settings as given (untuned), ringed."""
    fig = Figure(figsize=(7, 4))
    axes = fig.add_subplot(111)
    for state, colour in COLOURS.items():
        shown = [(n, v) for n, v, s in trials if s == state and v is not None]
        if shown:
            axes.scatter(*zip(*shown), color=colour, label=f"{state} ({len(shown)})", zorder=3)
    ringed = [(n, v) for n, v, s in trials if n == given and s == "complete" and v is not None]
    if ringed:
        axes.scatter(*zip(*ringed), s=160, facecolors="none", edgecolors="black", label="settings as given", zorder=4)
    best: list[tuple[int, float]] = []
    for number, value, state in trials:
        if state == "complete" and value is not None:
            if not best or (value < best[-1][1] if better == "lower" else value > best[-1][1]):
                best.append((number, value))
            else:
                best.append((number, best[-1][1]))
    if best:
        axes.step(*zip(*best), where="post", color="tab:orange", label="best so far")
    axes.set_xlabel("trial")
    axes.set_ylabel(f"{criterion} ({better} is better)")
    axes.set_title("the search, trial by trial (validation split)")
    axes.grid(alpha=0.3)
    if trials:
        axes.legend()
    return save_figure(fig, path)


def save_importances(importances: dict[str, float], path: str | Path) -> Path:
    """A bar per setting: its share of the variation in the criterion (Optuna's fANOVA importance)."""
    names = list(importances)[::-1]  # largest at the top
    fig = Figure(figsize=(7, max(2.0, 0.45 * len(names) + 1)))
    axes = fig.add_subplot(111)
    axes.barh(names, [importances[n] for n in names], color="tab:blue")
    axes.set_xlabel("importance (share of the criterion's variation)")
    axes.set_title("how much each setting mattered")
    if not names:
        axes.text(0.5, 0.5, "too few finished trials to tell", ha="center", va="center", transform=axes.transAxes)
    return save_figure(fig, path)
