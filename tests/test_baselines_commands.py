"""Each command that answers a question on labelled or clean data prints the simple method beside vaekit's figure
and a verdict, and writes them where it writes a JSON; the report shows them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import invoke


@pytest.fixture()
def run(digits_run: Path, tmp_path: Path) -> Path:
    """A copy of the digits run: evaluate and report write into it."""
    return Path(shutil.copytree(digits_run, tmp_path / "run"))


def test_evaluate_writes_the_input_baselines_and_verdicts_and_the_report_shows_them(run: Path) -> None:
    code, output = invoke("evaluate", run, "--k", "5")
    assert code == 0, output
    found = json.loads((run / "evaluation.json").read_text())
    # digits are easy for the simple methods: a logistic regression on the 64 pixels scores about 0.95
    assert 0.9 < found["baseline_logistic_regression_accuracy"] <= 1.0
    assert 0.6 < found["baseline_kmeans_inputs_accuracy"] <= 1.0
    assert {"baseline_kmeans_inputs_nmi", "baseline_kmeans_inputs_ari"} <= set(found)
    probe = found["verdicts"]["linear_probe_accuracy"]
    assert probe["vaekit"] == found["linear_probe_accuracy"]
    assert probe["baselines"] == {"logistic regression on the inputs": found["baseline_logistic_regression_accuracy"]}
    assert set(found["verdicts"]) == {"linear_probe_accuracy", "kmeans_accuracy"}  # no q(c|x): no cluster variable
    for verdict in found["verdicts"].values():
        assert verdict["verdict"] in output
    assert "baseline: logistic regression on inputs" in output and "baseline: k-means on inputs NMI" in output
    assert "in_sample" not in found and "in-sample" not in output  # the test split: held out
    code, output = invoke("report", run)
    assert code == 0, output
    page = (run / "report.html").read_text()
    assert "baseline: logistic regression on the inputs, accuracy" in page
    assert found["verdicts"]["kmeans_accuracy"]["verdict"] in page


def test_evaluate_on_the_training_split_says_its_comparisons_are_in_sample(run: Path) -> None:
    code, output = invoke("evaluate", run, "--k", "2", "--split", "train")
    assert code == 0, output
    found = json.loads((run / "evaluations" / "train.json").read_text())
    note = ("note: the train split is the rows that the probe, k-means and the baselines were fitted on, so these "
            "accuracies are in-sample; the test split's (the default) are held out")
    assert found["in_sample"] == note and note in output.splitlines()


def test_cluster_prints_kmeans_on_the_inputs_and_on_pca_beside_the_run(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("cluster", digits_run, "--method", "kmeans", "--out", tmp_path / "c.csv")
    assert code == 0, output
    lines = output.splitlines()
    assert lines[2] == "baselines, 10 clusters, fitted on the run's 1617 training rows:"
    inputs = float(lines[3].split("accuracy ")[1].split(",")[0])
    pca = float(lines[4].split("accuracy ")[1].split(",")[0])
    scaled = float(lines[5].split("accuracy ")[1].split(",")[0])
    assert lines[3].startswith("  k-means on the inputs: ") and lines[4].startswith("  k-means on PCA of the inputs")
    assert lines[5].startswith("  k-means on the standardized inputs: ")
    assert 0.6 < inputs <= 1 and 0.6 < pca <= 1  # the digits' pixels cluster well: the bar is not low
    ours = float(lines[1].split("accuracy ")[1].split(",")[0])
    winner = "vaekit wins" if ours > max(inputs, pca, scaled) else "the baseline wins"
    assert lines[6].startswith(f"verdict (kmeans on codes): {winner}")


def test_predict_prints_logistic_regression_and_label_spreading_beside_q_y_given_x(m2_digits_run: Path,
                                                                                   tmp_path: Path) -> None:
    code, output = invoke("predict", m2_digits_run, "--out", tmp_path / "p.csv")
    assert code == 0, output
    assert "baselines, fitted on the run's 1617 training rows (50 labelled):" in output
    figures = {line.split("  accuracy ")[0].strip(): float(line.split("accuracy ")[1])
               for line in output.splitlines() if "  accuracy " in line}
    assert set(figures) == {"vaekit (q(y|x))", "logistic regression on the inputs", "LabelSpreading on the inputs",
                            "LabelSpreading on the standardized inputs"}
    # 5 labels a class: LabelSpreading, which reads the 1567 unlabelled rows too, does far better than chance
    assert figures["LabelSpreading on the inputs"] > 0.8
    assert output.splitlines()[-1].startswith("verdict: ")


def _figures(output: str, metric: str) -> dict[str, float]:
    """{name: figure} of the lines '  NAME  METRIC FIGURE' a command prints before its verdict."""
    return {line.split(f"  {metric} ")[0].strip(): float(line.split(f"  {metric} ")[1])
            for line in output.splitlines() if line.startswith("  ") and f"  {metric} " in line}


def test_score_measures_each_kind_against_pca_and_an_isolation_forest(tmp_path: Path) -> None:
    """A run trained on digits 0-4 scores all ten digits: 5-9 are the anomalies, and PCA fitted on 0-4 finds
    them well, so the bar vaekit is held to is a real one."""
    import numpy as np

    import vaekit

    digits = vaekit.load_dataset("digits")
    normal_train, normal_test = digits.train_y < 5, digits.test_y < 5
    np.savez(tmp_path / "normal.npz", x_train=digits.train_x[normal_train].numpy(),
             x_test=digits.test_x[normal_test].numpy())
    np.savez(tmp_path / "all.npz", x=digits.test_x.numpy(), y=digits.test_y.numpy())
    vaekit.train({"data": {"source": str(tmp_path / "normal.npz")}, "model": {"latent_dim": 4, "hidden": [32]},
                  "train": {"epochs": 2}}, tmp_path / "run", progress=False, pictures=False)
    code, output = invoke("score", tmp_path / "run", "--data", tmp_path / "all.npz", "--kind", "iw,rate",
                          "--k", "5", "--anomalous-classes", "5,6,7,8,9", "--out", tmp_path / "s.csv")
    assert code == 0, output
    assert f"classes 5,6,7,8,9 anomalous: {int((digits.test_y >= 5).sum())} of 180 rows" in output
    assert f"fitted on the run's {int(normal_train.sum())} training rows" in output
    figures = _figures(output, "AUROC")
    assert set(figures) == {"vaekit iw", "vaekit rate", "PCA reconstruction error", "IsolationForest"}
    assert figures["PCA reconstruction error"] > 0.85
    verdicts = [line for line in output.splitlines() if line.startswith("verdict")]
    assert len(verdicts) == 2 and verdicts[0].startswith("verdict (iw): ") and verdicts[1].startswith("verdict (rate)")
    best = max(figures["PCA reconstruction error"], figures["IsolationForest"])
    assert ("vaekit wins" in verdicts[1]) == (round(figures["vaekit rate"], 4) > round(best, 4))


def test_score_without_anomalous_classes_says_how_to_compare(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("score", digits_run, "--kind", "rate", "--out", tmp_path / "s.csv")
    assert code == 0, output
    assert "give --anomalous-classes to measure each score's AUROC" in output and "verdict" not in output


def test_impute_check_scores_hidden_values_against_the_mean_and_the_iterative_and_knn_imputers(
        digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("impute", digits_run, "--out", tmp_path / "f.npy", "--k", "20", "--check", "0.2",
                          "--check-seed", "4")
    assert code == 0, output
    found = json.loads((tmp_path / "f.check.json").read_text())
    assert found["fraction"] == 0.2 and found["seed"] == 4 and found["training_rows"] == 1617
    # about a fifth of the 180 x 64 observed pixels
    assert 0.17 * 180 * 64 < found["hidden_entries"] < 0.23 * 180 * 64
    assert set(found["baselines"]) == {"column mean (mode for categories)", "IterativeImputer",
                                       "KNNImputer (5 neighbours)"}
    mean = found["baselines"]["column mean (mode for categories)"]["rmse"]
    iterative = found["baselines"]["IterativeImputer"]["rmse"]
    nearest = found["baselines"]["KNNImputer (5 neighbours)"]["rmse"]
    assert 0 < iterative < mean < 0.5  # neighbouring pixels predict a pixel better than its mean does
    assert 0 < nearest < mean  # and so do the nearest training images' pixels
    assert found["vaekit"]["accuracy"] is None and found["vaekit"]["continuous_entries"] == found["hidden_entries"]
    assert found["verdicts"]["rmse"]["verdict"] in output
    assert set(found["verdicts"]) == {"rmse"}  # images: no categorical entries, no accuracy verdict


def test_denoise_with_added_noise_compares_psnr_with_median_filter_and_pca(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("denoise", digits_run, "--add-noise", "gaussian:0.3", "--out", tmp_path / "d.npy")
    assert code == 0, output
    figures = _figures(output, "PSNR")
    assert set(figures) == {"vaekit (the run)", "median filter 3x3", "PCA reconstruction"}
    noisy = float(output.split("the noisy inputs: ")[1].split(")")[0])
    assert figures["PCA reconstruction"] > noisy + 1  # PCA of the clean digits removes much of the noise
    verdict_line = next(line for line in output.splitlines() if line.startswith("verdict: "))
    # a run of clean inputs that loses is pointed to the objective that trains on noisy ones
    assert "the baseline wins" in verdict_line  # a run of a few epochs against PCA of the clean digits
    assert "hint: this run was trained on clean inputs; a run trained to remove noise restores better " \
           "(--objective denoising --corruption KIND" in output
    # and to a search scored by denoising this very noise on validation images
    assert "vaekit tune --data digits --objective denoising --corruption gaussian --likelihood gaussian " \
           "--criterion denoising:gaussian:0.3 --minutes 5" in output
    code, output = invoke("denoise", digits_run, "--out", tmp_path / "same.npy")  # no clean targets: no baselines
    assert code == 0 and "PSNR" not in output


def test_a_run_trained_on_noisy_inputs_is_pointed_to_a_search_scored_by_the_noise(tmp_path: Path) -> None:
    run = tmp_path / "dvae"
    code, output = invoke("train", "--data", "digits", "--latent-dim", "2", "--hidden", "32", "--epochs", "1",
                          "--objective", "denoising", "--corruption", "gaussian", "--corruption-level", "0.3",
                          "--out", run, "--quiet")
    assert code == 0, output
    code, output = invoke("denoise", run, "--add-noise", "gaussian:0.3", "--out", tmp_path / "d.npy")
    assert code == 0, output
    assert "the baseline wins" in output  # one epoch loses; it did train on noise, so no hint to do that
    hints = [line for line in output.splitlines() if line.startswith("hint:")]
    assert len(hints) == 1 and "trained on clean inputs" not in hints[0]
    assert hints[0].startswith("hint: a search scored by this noise chooses the settings that remove it best: "
                               "vaekit tune --data digits --objective denoising --corruption gaussian ")
    assert "--criterion denoising:gaussian:0.3 --minutes 5" in hints[0]
    assert hints[0].endswith("(on 2,000 MNIST digits with gaussian 0.3 noise: 15.9 dB trained on the noise, 17.3 dB "
                             "so trained and knowing the noise, PCA 17.2; BENCHMARKS.md)")


def test_the_denoising_hint_quotes_the_figures_measured_for_its_kind_of_noise(digits_run: Path) -> None:
    from vaekit.cli.denoise import _losing_hint
    from vaekit.runs.run import Run

    opened = Run.open(digits_run)
    assert "salt_pepper 0.1 noise: 16.7 dB trained on the noise, 20.3 dB" in _losing_hint(opened, "salt_pepper:0.3",
                                                                                          None)
    assert "gaussian 0.3 noise" in _losing_hint(opened, "gaussian:0.1", "gaussian:0.1")
    unmeasured = _losing_hint(opened, "replace:0.2", None)  # no figures for a noise no benchmark removed
    assert "BENCHMARKS.md" not in unmeasured and "--noise" not in unmeasured


def test_inpaint_compares_psnr_over_the_masked_pixels(digits_run: Path, tmp_path: Path) -> None:
    code, output = invoke("inpaint", digits_run, "--mask", "lower-half", "-n", "8", "--k", "20",
                          "--out", tmp_path / "i.png")
    assert code == 0, output
    assert "PSNR in dB over the 256 masked pixels (peak 1)" in output  # 8 images x 32 pixels of the lower half
    figures = _figures(output, "PSNR")
    assert set(figures) == {"vaekit (the run)", "median filter 3x3", "PCA reconstruction",
                            "KNNImputer (5 neighbours)"}
    assert all(5 < value < 40 for value in figures.values())
    verdict_line = next(line for line in output.splitlines() if line.startswith("verdict: "))
    hints = [line for line in output.splitlines() if line.startswith("hint: ")]
    if "the baseline wins" in verdict_line:  # said plainly, with a run trained to fill in and what it gave
        assert len(hints) == 1 and output.splitlines()[-1] == hints[0]
        assert "vaekit train --data digits --objective denoising --corruption hide --corruption-level 0.5" in hints[0]
        assert "against KNNImputer: 12.7 and 13.3 dB against 14.3 on the 8x8 digits" in hints[0]
    else:
        assert not hints and output.splitlines()[-1] == verdict_line


# The rows a run trained on, asked for again (--split all, or its own file with --data), are left out of every
# comparison: the model and each baseline were fitted on them, and a KNNImputer finds the row itself. The digits
# run's split is 1617 training rows and 180 test rows.
LEFT_OUT = ("1617 of the 1797 {what} are ones the run trained on (and the baselines are fitted on): the comparison "
            "is on the other 180")


def test_cluster_and_predict_compare_only_on_rows_the_run_did_not_train_on(digits_run: Path, m2_digits_run: Path,
                                                                          tmp_path: Path) -> None:
    code, output = invoke("cluster", digits_run, "--method", "kmeans", "--split", "all", "--out", tmp_path / "c.csv")
    assert code == 0, output
    assert len((tmp_path / "c.csv").read_text().splitlines()) == 1798  # every row clustered and written
    assert LEFT_OUT.format(what="rows") in output and "on those rows: accuracy " in output
    code, test_only = invoke("cluster", digits_run, "--method", "kmeans", "--out", tmp_path / "t.csv")
    baselines = [line for line in output.splitlines() if line.startswith("  k-means")]
    assert baselines == [line for line in test_only.splitlines() if line.startswith("  k-means")]  # the test rows'
    code, output = invoke("predict", m2_digits_run, "--split", "all", "--out", tmp_path / "p.csv")
    assert code == 0, output
    assert LEFT_OUT.format(what="rows") in output
    code, test_only = invoke("predict", m2_digits_run, "--out", tmp_path / "q.csv")
    assert _figures(output, "accuracy") == _figures(test_only, "accuracy")  # vaekit's and the baselines': the same


def test_impute_check_on_the_rows_a_run_trained_on_is_refused_before_the_work(digits_run: Path,
                                                                            tmp_path: Path) -> None:
    code, output = invoke("impute", digits_run, "--split", "train", "--out", tmp_path / "f.npy", "--check", "0.2")
    assert code == 2 and len(output.strip().splitlines()) == 1, output
    assert "--check: every one of the 1617 rows is one the run trained on" in output
    assert not (tmp_path / "f.npy").exists()
    code, output = invoke("impute", digits_run, "--split", "all", "--out", tmp_path / "g.npy", "--k", "20", "--check",
                          "0.2")
    assert code == 0, output
    assert LEFT_OUT.format(what="rows") in output
    assert json.loads((tmp_path / "g.check.json").read_text())["rows"] == 180


def test_a_table_given_again_with_data_is_checked_on_its_test_rows(tmp_path: Path) -> None:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    table = pd.DataFrame(rng.normal(size=(120, 4)), columns=list("abcd"))
    table.to_csv(tmp_path / "t.csv", index=False)
    code, output = invoke("train", "--data", tmp_path / "t.csv", "--latent-dim", "2", "--hidden", "16", "--epochs",
                          "2", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    code, output = invoke("impute", tmp_path / "run", "--data", tmp_path / "t.csv", "--out", tmp_path / "f.csv",
                          "--k", "20", "--check", "0.2")
    assert code == 0, output
    assert len(pd.read_csv(tmp_path / "f.csv")) == 120  # every row filled and written
    trained = json.loads((tmp_path / "run" / "config.json").read_text())["data"]["n_train"]
    assert f"{trained} of the 120 rows are ones the run trained on" in output
    found = json.loads((tmp_path / "f.check.json").read_text())
    assert found["rows"] == 120 - trained
    code, own = invoke("impute", tmp_path / "run", "--out", tmp_path / "own.csv", "--k", "20", "--check", "0.2")
    assert code == 0, own  # the run's own test split, read without --data: the same rows, the same figures
    assert json.loads((tmp_path / "own.check.json").read_text())["vaekit"] == found["vaekit"]


def test_score_denoise_and_inpaint_compare_only_on_rows_the_run_did_not_train_on(digits_run: Path,
                                                                                tmp_path: Path) -> None:
    code, output = invoke("denoise", digits_run, "--split", "all", "--add-noise", "gaussian:0.3", "-n", "1797",
                          "--out", tmp_path / "d.npy")
    assert code == 0, output
    assert LEFT_OUT.format(what="rows") in output
    code, output = invoke("score", digits_run, "--split", "all", "--kind", "rate", "--anomalous-classes", "5,6,7,8,9",
                          "--out", tmp_path / "s.csv")
    assert code == 0, output
    assert LEFT_OUT.format(what="rows") in output
    code, test_only = invoke("score", digits_run, "--kind", "rate", "--anomalous-classes", "5,6,7,8,9",
                             "--out", tmp_path / "t.csv")
    assert _figures(output, "AUROC") == _figures(test_only, "AUROC")
    code, output = invoke("inpaint", digits_run, "--split", "train", "--mask", "lower-half", "-n", "8", "--k", "20",
                          "--out", tmp_path / "i.png")
    assert code == 0, output
    assert "every one of the 8 images is one the run trained on" in output and "verdict" not in output
    assert (tmp_path / "i.npy").exists()  # the inpainting itself is written all the same
