"""The verdict line, worded the same by every command: both outcomes, a tie, lower-is-better figures, and a
figure that could not be measured."""

from __future__ import annotations

import json
import math

from vaekit.tasks.baselines.verdict import comparison_lines, verdict


def test_vaekit_wins_against_the_best_baseline_not_the_weakest() -> None:
    found = verdict("AUROC", 0.91, {"PCA reconstruction error": 0.88, "IsolationForest": 0.85})
    assert found.line == "verdict: vaekit wins (AUROC 0.91 vs 0.88, PCA reconstruction error)"
    assert (found.winner, found.best) == ("vaekit", "PCA reconstruction error")
    assert verdict("AUROC", 0.87, {"PCA reconstruction error": 0.88, "IsolationForest": 0.85}).winner == "baseline"


def test_the_baseline_wins_names_it_first() -> None:
    found = verdict("accuracy", 0.64, {"k-means on the inputs": 0.80, "k-means on PCA of the inputs": 0.79})
    assert found.line == "verdict: the baseline wins: k-means on the inputs (accuracy 0.8 vs 0.64)"


def test_lower_is_better_picks_the_smallest_and_about_names_the_comparison() -> None:
    found = verdict("RMSE", 0.30, {"column mean": 0.50, "IterativeImputer": 0.25}, higher_is_better=False,
                    about="continuous entries")
    assert found.line == "verdict (continuous entries): the baseline wins: IterativeImputer (RMSE 0.25 vs 0.3)"
    assert verdict("RMSE", 0.2, {"a": 0.25}, higher_is_better=False).winner == "vaekit"


def test_equal_figures_as_printed_are_a_tie_and_nan_is_left_out() -> None:
    assert verdict("PSNR (dB)", 20.00001, {"median filter": 20.00002}).line == \
        "verdict: a tie with median filter (PSNR (dB) 20 vs 20)"
    found = verdict("AUROC", 0.7, {"broken": math.nan, "IsolationForest": 0.6})
    assert found.best == "IsolationForest" and found.winner == "vaekit"
    none = verdict("AUROC", math.nan, {"IsolationForest": 0.6})
    assert none.winner == "none" and none.line.startswith("verdict: no comparison")


def test_the_dict_is_json_and_the_lines_put_vaekit_first() -> None:
    found = verdict("AUROC", 0.91, {"PCA reconstruction error": math.nan, "IsolationForest": 0.85})
    written = json.loads(json.dumps(found.as_dict(), allow_nan=False))
    assert written == {"metric": "AUROC", "vaekit": 0.91,
                       "baselines": {"PCA reconstruction error": None, "IsolationForest": 0.85},
                       "higher_is_better": True, "winner": "vaekit", "best_baseline": "IsolationForest",
                       "verdict": "verdict: vaekit wins (AUROC 0.91 vs 0.85, IsolationForest)"}
    lines = comparison_lines(found, "iw score")
    assert lines[0].startswith("  vaekit (iw score)") and lines[0].endswith("AUROC 0.91")
    assert lines[-1] == found.line and len(lines) == 4


def test_a_figure_that_could_not_be_measured_reads_n_a_beside_the_others() -> None:
    # issue 21: the figures under a verdict printed "AUROC nan", where the evaluation tables say n/a
    lines = comparison_lines(verdict("AUROC", 0.91, {"broken": math.nan, "IsolationForest": 0.85}), "iw score")
    assert lines[1].split() == ["broken", "AUROC", "n/a"] and "nan" not in "\n".join(lines)
