"""Issue 22: counts have declared upper bounds, seeds one range, and the refusals name the cause. The one-line
errors themselves are cases in tests/bad_inputs/cases_settings.py; these are the values around them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import vaekit
from vaekit.cli import main
from vaekit.config.fields import MAX_IMPORTANCE_SAMPLES, check_importance_samples, check_seed
from vaekit.core.errors import ConfigError, VaekitError


def test_the_bounds_themselves_are_accepted_and_one_past_them_refused() -> None:
    assert check_importance_samples("k", MAX_IMPORTANCE_SAMPLES) == MAX_IMPORTANCE_SAMPLES
    assert check_importance_samples("k", np.int64(5000)) == 5000  # numpy's whole numbers are whole numbers
    with pytest.raises(ConfigError, match=r"^k must be at most 100,000 draws per example, got 100001$"):
        check_importance_samples("k", MAX_IMPORTANCE_SAMPLES + 1)
    for wrong in (True, 2.5, "5"):
        with pytest.raises(ConfigError, match="k must be a whole number of at least 1"):
            check_importance_samples("k", wrong)
    check_seed("seed", 2**63 - 1)
    check_seed("seed", np.uint64(7))
    with pytest.raises(ConfigError, match=r"^seed must be between 0 and 2\*\*63 - 1, got 9223372036854775808$"):
        check_seed("seed", 2**63)
    with pytest.raises(ConfigError, match="seed must be a whole number"):
        check_seed("seed", 1.5)


def test_k_at_the_bound_passes_the_flag_check(digits_run: Path, tmp_path: Path) -> None:
    # --k 100000 is parsed (the work after it is what a bad --data stops here, so nothing runs for long)
    result = CliRunner().invoke(main, ["score", str(digits_run), "--k", "100000", "--data", str(tmp_path / "no.npy"),
                                       "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert "--k" not in result.stderr and "no.npy" in result.stderr


def test_detector_names_inputs_far_off_the_training_scale_not_the_weights() -> None:
    x = np.random.default_rng(0).normal(size=(60, 5))  # real numbers: a Gaussian, which can score any finite row
    detector = vaekit.VAEAnomalyDetector(epochs=1).fit(x)
    with pytest.raises(VaekitError) as raised:
        detector.score_samples(x * 1e30)
    message = str(raised.value)
    assert "far outside those the model was trained on" in message and "in row 0" in message
    assert "weights" not in message
    far = detector.score_samples(x * 10)  # an outlier on a scale it can still score is scored, lower = abnormal
    assert np.isfinite(far).all() and far.mean() < detector.score_samples(x).mean()


def test_a_trial_out_of_memory_fails_with_one_line_and_the_search_goes_on(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import vaekit.tuning.trial as trial

    def allocation(*args, **kwargs):
        raise RuntimeError("[enforce fail at alloc_cpu.cpp:127] err == 0. DefaultCPUAllocator: can't allocate "
                           "memory: you tried to allocate 657223604 bytes.\nmore lines")

    monkeypatch.setattr(trial, "train", allocation)
    result = vaekit.tune({"data": {"source": "digits"}, "train": {"epochs": 1}}, tmp_path / "study", trials=2,
                         progress=False)
    assert result.best_run is None
    import optuna

    study = optuna.load_study(study_name="vaekit", storage=f"sqlite:///{tmp_path / 'study' / 'study.db'}")
    errors = [t.user_attrs["error"] for t in study.trials]
    assert len(errors) == 2
    assert all(e.startswith("out of memory training these settings ([enforce fail") and "\n" not in e
               for e in errors)


def test_the_python_tasks_take_seeds_in_the_one_range(digits_run) -> None:
    import numpy as np
    import torch

    import vaekit
    from vaekit.tasks.compression import compress
    from vaekit.tasks.denoising import add_noise
    from vaekit.tasks.imputation import impute

    model = vaekit.load(digits_run)
    x = torch.rand(4, 1, 8, 8)
    for call in (lambda: impute(model, x, seed=2**63), lambda: add_noise(model, x, "gaussian:0.1", seed=-1),
                 lambda: compress(model, (x > 0.5).float(), seed=2**64)):
        with pytest.raises(ConfigError, match=r"^seed must be between 0 and 2\*\*63 - 1"):
            call()
    assert add_noise(model, x, "gaussian:0.1", seed=np.int64(3)).shape == x.shape  # a numpy integer is a seed
