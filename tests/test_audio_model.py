"""The spectrogram VAE: the network takes any number of frames, padding frames never change a score, and every
command works on an audio run (sounds through Griffin-Lim, spectrogram pictures, codes with file names)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch.distributions import Laplace, Normal

import vaekit
from vaekit.cli import main
from vaekit.config import ModelConfig
from vaekit.core.registry import NETWORKS
from vaekit.model.build import build_model
from vaekit.tasks.outputs import select_data
from wav_files import tone, write_digits, write_wav

SMALL = ["--n-fft", "256", "--hop-length", "64", "--n-mels", "24"]


@pytest.mark.parametrize("frames", [1, 5, 63, 100])
def test_the_spectrogram_network_takes_any_number_of_frames(frames: int) -> None:
    cfg = ModelConfig(conv_channels=[8, 16, 16])
    encoder, width, decoder = NETWORKS.get("spectrogram")((1, 12, frames), 4, 2, cfg, encoder_input=(2, 12, frames))
    features = encoder(torch.randn(3, 2, 12, frames))
    assert features.shape == (3, width) and width == 16 * -(-frames // 8)
    assert decoder(torch.randn(5, 3, 4)).shape == (5, 3, 2, 1, 12, frames)  # (k, B) latents, as iwae decodes them


@pytest.mark.parametrize("likelihood, family", [("gaussian", Normal), ("laplace", Laplace)])
def test_padding_frames_never_change_the_likelihood(likelihood: str, family: type) -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(latent_dim=3, network="spectrogram", conv_channels=[8, 8], likelihood=likelihood,
                      encoder_mask=True, standardize="off")  # p(x|z) is the likelihood's own distribution
    model = build_model(cfg, (1, 6, 10), "audio")
    x = torch.randn(2, 1, 6, 10)
    x[0, :, :, 7:] = float("nan")  # a recording of 7 frames, padded to 10
    z = torch.randn(2, 3)
    params = model.decoder(z)
    params.retain_grad()
    px = model.decode(z)
    scores = model.likelihood(params)  # the same p(x|z), from the parameters that receive gradients
    loc, scale = scores.base_dist.loc, scores.base_dist.scale
    expected = [family(loc[0, ..., :7], scale[0, ..., :7]).log_prob(x[0, ..., :7]).sum(),
                family(loc[1], scale[1]).log_prob(x[1]).sum()]
    torch.testing.assert_close(px.log_prob(x), torch.stack(expected).detach())
    # no gradient reaches the decoder's outputs at padding frames; every real frame gets one
    type(px)(scores).log_prob(x).sum().backward()
    assert bool((params.grad[0, ..., 7:] == 0).all())
    assert bool((params.grad[0, ..., :7] != 0).all()) and bool((params.grad[1] != 0).all())


def test_the_encoder_reads_the_padding_mask() -> None:
    torch.manual_seed(0)
    cfg = ModelConfig(latent_dim=3, network="spectrogram", conv_channels=[8, 8], likelihood="gaussian",
                      encoder_mask=True)
    model = build_model(cfg, (1, 6, 10), "audio")
    x = torch.zeros(1, 1, 6, 10)
    padded = x.clone()
    padded[..., 7:] = float("nan")  # the same zeros, but three frames shorter: another recording
    assert not torch.allclose(model.encode(x).mean, model.encode(padded).mean)


@pytest.fixture(scope="module")
def audio_run(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("audio")
    clips = write_digits(root / "clips")
    result = CliRunner().invoke(main, ["train", "--data", str(clips), *SMALL, "--network", "spectrogram",
                                       "--conv-channels", "8,16", "--latent-dim", "3", "--likelihood", "gaussian",
                                       "--epochs", "2", "--batch-size", "8", "--quiet", "--out", str(root / "run")])
    assert result.exit_code == 0, result.output
    return root / "run", clips


def test_an_audio_run_records_its_spectrogram_settings_and_reloads(audio_run) -> None:
    run, clips = audio_run
    config = json.loads((run / "config.json").read_text())
    frames = 1 + 2080 // 64
    assert config["data"]["kind"] == "audio" and config["data"]["shape"] == [1, 24, frames]
    assert config["data"]["spectrogram"] == {"sample_rate": 8000, "n_fft": 256, "hop_length": 64, "n_mels": 24,
                                             "floor": 1e-6, "max_seconds": 0.0, "frames": frames}
    assert config["config"]["model"]["encoder_mask"] is True  # padding is scored as unobserved
    model = vaekit.load(run)
    assert model.data_kind == "audio" and model.encoder_mask
    assert model.standardize  # log-mel values in their own units: standardized by default (standardize: auto)
    shift = model.data_shift[0, :, 0]  # each mel band's mean over the training recordings' first frames
    assert bool((shift < 0).all()) and float(shift.std()) > 0
    for picture in ("reconstructions.png", "samples.png", "latent.png"):
        assert (run / picture).stat().st_size > 0


def test_other_recordings_are_padded_to_the_runs_frames(audio_run, tmp_path) -> None:
    run, _ = audio_run
    write_wav(tmp_path / "short.wav", tone(16000, 0.1, 600.0), 16000)  # another rate, and shorter
    write_wav(tmp_path / "shorter.wav", tone(16000, 0.05, 600.0), 16000)
    chosen = select_data(run, str(tmp_path))
    assert chosen.x.shape == (2, 1, 24, 1 + 2080 // 64) and list(chosen.ids) == ["short.wav", "shorter.wav"]
    assert int((~torch.isnan(chosen.x[0, 0, 0])).sum()) == 1 + 800 // 64


def test_sample_writes_wav_files_at_the_runs_rate_and_a_spectrogram_picture(audio_run) -> None:
    import soundfile

    run, _ = audio_run
    result = CliRunner().invoke(main, ["sample", str(run), "--count", "3"])
    assert result.exit_code == 0, result.output
    assert f"wrote 3 samples to {run / 'samples'}" in result.output
    names = sorted(path.name for path in (run / "samples").iterdir())
    assert names == ["0000.wav", "0001.wav", "0002.wav", "spectrograms.png"]
    info = soundfile.info(run / "samples" / "0001.wav")
    assert (info.samplerate, info.channels, info.frames) == (8000, 1, (1 + 2080 // 64 - 1) * 64)
    # fewer samples into the same folder: the earlier third sound does not stay behind as if it were one of them
    assert CliRunner().invoke(main, ["sample", str(run), "--count", "2"]).exit_code == 0
    assert sorted(path.name for path in (run / "samples").iterdir()) == ["0000.wav", "0001.wav", "spectrograms.png"]


def test_reconstruct_writes_each_reconstruction_as_long_as_its_input_beside_it(audio_run) -> None:
    import soundfile

    run, _ = audio_run
    result = CliRunner().invoke(main, ["reconstruct", str(run), "--count", "2", "--out", str(run / "recon")])
    assert result.exit_code == 0, result.output
    chosen = select_data(run)
    for row in range(2):
        frames = int((~torch.isnan(chosen.x[row, 0, 0])).sum())
        for name in (f"{row:04d}.wav", f"{row:04d}_input.wav"):
            assert soundfile.info(run / "recon" / name).frames == (frames - 1) * 64
    assert (run / "recon" / "spectrograms.png").is_file()
    picture = CliRunner().invoke(main, ["reconstruct", str(run), "--count", "2", "--out", str(run / "r.png")])
    assert picture.exit_code == 0 and (run / "r.png").is_file()


def test_an_audio_output_with_a_table_suffix_is_refused(audio_run) -> None:
    run, _ = audio_run
    result = CliRunner().invoke(main, ["sample", str(run), "--out", str(run / "s.csv")])
    assert result.exit_code == 2 and "audio outputs go to a folder" in result.output
    assert not (run / "s.csv").exists()


def test_interpolate_and_embed_on_an_audio_run(audio_run) -> None:
    run, _ = audio_run
    result = CliRunner().invoke(main, ["interpolate", str(run), "--steps", "4"])
    assert result.exit_code == 0, result.output
    assert len(list((run / "interpolation").glob("*.wav"))) == 4
    result = CliRunner().invoke(main, ["embed", str(run), "--out", str(run / "codes.csv")])
    assert result.exit_code == 0, result.output
    lines = (run / "codes.csv").read_text().splitlines()
    assert lines[0] == "id,z0,z1,z2,label"
    ids = [line.split(",")[0] for line in lines[1:]]
    assert ids == list(select_data(run).ids) and ids[0] == "0_ann_0.wav"
    assert np.isfinite([float(v) for line in lines[1:] for v in line.split(",")[1:4]]).all()


def test_training_on_mixed_rates_and_channels_says_each_once(tmp_path) -> None:
    for index in range(4):
        write_wav(tmp_path / "clips" / f"{index}.wav", tone(8000, 0.2, 500.0 + 100 * index), 8000)
    write_wav(tmp_path / "clips" / "wide.wav", tone(16000, 0.2, 700.0), 16000)
    write_wav(tmp_path / "clips" / "stereo.wav", tone(8000, 0.2, 800.0), 8000, channels=2)
    result = CliRunner().invoke(main, ["train", "--data", str(tmp_path / "clips"), *SMALL, "--network", "spectrogram",
                                       "--conv-channels", "4", "--latent-dim", "2", "--epochs", "1",
                                       "--batch-size", "4", "--quiet", "--out", str(tmp_path / "run")])
    assert result.exit_code == 0, result.output
    notices = [line for line in result.stderr.splitlines() if line.startswith("notice:")]
    assert notices == ["notice: 1 of 6 recordings have 2 channels or more: mixed down to mono (their mean)",
                       "notice: 1 of 6 recordings are not at 8000 Hz (1 at 16000 Hz): resampled to 8000 Hz "
                       "(data.sample_rate)"]
    assert json.loads((tmp_path / "run" / "config.json").read_text())["data"]["spectrogram"]["sample_rate"] == 8000


def test_an_output_folders_spectrograms_name_each_recording_and_say_which_are_inputs(audio_run, tmp_path,
                                                                                    monkeypatch) -> None:
    run, _ = audio_run
    drawn = {}

    def capture(path, batch, ncol, floor, names=None, seconds_per_frame=None, title=None):
        drawn.update(path=path, count=len(batch), names=names, seconds=seconds_per_frame, title=title)
        return path

    monkeypatch.setattr("vaekit.data.audio.kind.save_spectrograms", capture)
    code = CliRunner().invoke(main, ["reconstruct", str(run), "--count", "2", "--out", str(tmp_path / "rec")])
    assert code.exit_code == 0, code.output
    assert drawn["names"] == ["0000_input.wav", "0001_input.wav", "0000.wav", "0001.wav"] and drawn["count"] == 4
    assert drawn["title"] == "2 inputs (_input) and their 2 reconstructions"
    assert drawn["seconds"] is not None and drawn["seconds"] > 0  # time in seconds, from the run's hop and rate


def test_inpaint_refuses_an_audio_run_in_one_line(audio_run, tmp_path) -> None:
    run, _ = audio_run
    result = CliRunner().invoke(main, ["inpaint", str(run), "--mask", "random:0.3", "-n", "2",
                                       "--out", str(tmp_path / "inpainted.png")])
    assert result.exit_code == 2 and result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "models audio data, not images" in result.output and not (tmp_path / "inpainted.png").exists()
