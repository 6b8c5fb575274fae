"""Data kind "audio": examples are log-mel spectrograms (1, n_mels, T), written as .wav files and a picture.

    kind = data_kind("audio")
    kind.default_output("samples")                        # 'samples': a folder
    kind.save(Path("run/samples"), samples, info)         # run/samples/0000.wav ... and run/samples/spectrograms.png
    kind.save(Path("run/recon"), recon, info, inputs=x)   # 0000.wav (reconstruction), 0000_input.wav, the picture
    kind.save(Path("samples.png"), samples, info)         # the picture only (.npy: the values)

Sound comes back through Griffin-Lim (data/spectrogram.py to_audio, librosa's), with the settings the run
recorded in config.json ("spectrogram"), so it has the training data's sample rate and frame rate. A
reconstruction is cut to its input's length (the padding frames were never modelled), and the input is written
beside it through the same Griffin-Lim, so that listening to the pair hears the model's error, not the vocoder's.
Every sound is made before the first file is written: a failure leaves no half-written folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.core.registry import DATA_KINDS
from vaekit.data.audio.spectrogram import SpectrogramSettings, audio_library, to_audio, valid_frames
from vaekit.data.kinds import DataKind
from vaekit.data.writers import IMAGE_SUFFIXES, save_batch
from vaekit.plots.spectrograms import save_spectrograms, spectrogram_grid

PICTURE = "spectrograms.png"  # the picture written inside an output folder of .wav files


@DATA_KINDS.register("audio")
class AudioKind(DataKind):
    """Log-mel spectrograms of recordings, NaN-padded to the longest: outputs are .wav files and a picture."""

    name = "audio"
    example_ndim = 3
    default_suffix = ""  # a folder of .wav files
    shape_text = "(1, n_mels, frames)"
    padded = True
    standardized = True  # log-mel powers: some -14 to 4 nats, each mel band and frame on its own scale

    def save(self, path: Path, batch: torch.Tensor, info: dict[str, Any], ncol: int = 8,
             inputs: torch.Tensor | None = None) -> Path:
        path = Path(path)
        settings = run_settings(info)
        batch = batch.detach().float().cpu()
        if inputs is not None:
            inputs = inputs.detach().float().cpu()
            batch = _as_long_as(batch, inputs)
        floor = math.log(settings.floor)
        suffix = path.suffix.lower()
        shown = batch if inputs is None else torch.cat([inputs, batch])
        # each panel named by the .wav it sounds as, time in seconds, and a title saying which are inputs
        names = [f"{row:04d}.wav" for row in range(len(batch))]
        if inputs is not None:
            names = [f"{row:04d}_input.wav" for row in range(len(inputs))] + names
        seconds = settings.hop_length / settings.sample_rate if settings.sample_rate else None
        title = (f"{len(batch)} log-mel spectrograms" if inputs is None else
                 f"{len(inputs)} inputs (_input) and their {len(batch)} reconstructions")
        if suffix in IMAGE_SUFFIXES:
            return save_spectrograms(path, shown, ncol, floor, names, seconds, title)
        if suffix == ".npy":
            return save_batch(path, batch)
        if suffix:
            raise VaekitError(f"{path}: audio outputs go to a folder (of .wav files and {PICTURE}), or to a .png or "
                              ".npy file; give a name without a suffix for the folder")
        if path.exists() and not path.is_dir():
            raise VaekitError(f"{path} is a file; audio outputs go to a folder of .wav files: name another")
        sounds = {f"{row:04d}.wav": example_audio(example, settings) for row, example in enumerate(batch)}
        if inputs is not None:
            sounds.update({f"{row:04d}_input.wav": example_audio(example, settings)
                           for row, example in enumerate(inputs)})
        # the sounds of an earlier, larger output in this folder would sit beside these as if they were theirs
        for stale in path.glob("[0-9][0-9][0-9][0-9]*.wav") if path.is_dir() else ():
            if stale.name not in sounds and stale.stem.split("_")[0].isdigit():
                stale.unlink()
        for name in sorted(sounds):
            write_wav(path / name, sounds[name], settings.sample_rate)
        save_spectrograms(path / PICTURE, shown, ncol, floor, names, seconds, title)
        return path

    def picture(self, batch: torch.Tensor, ncol: int, inputs: torch.Tensor | None = None) -> np.ndarray:
        """Spectrogram tiles on one colour scale from the batch's quietest value; reconstructions cut to their
        inputs' lengths, below them."""
        batch = batch.detach().float().cpu()
        if inputs is not None:
            inputs = inputs.detach().float().cpu()
            batch = torch.cat([inputs, _as_long_as(batch, inputs)])
        finite = batch[torch.isfinite(batch)]
        return spectrogram_grid(batch, ncol, float(finite.min()) if finite.numel() else 0.0)

    def run_info(self, data: Any) -> dict[str, Any]:
        """The resolved spectrogram settings (sample rate, frames, ...): what reloads and the inverse use."""
        return {} if data.spectrogram is None else {"spectrogram": data.spectrogram.to_dict()}


def _as_long_as(batch: torch.Tensor, inputs: torch.Tensor) -> torch.Tensor:
    """Reconstructions with their inputs' padding frames (NaN) set to NaN: those frames were never scored."""
    return torch.where(torch.isnan(inputs), torch.full_like(batch, float("nan")), batch)


def run_settings(info: dict[str, Any]) -> SpectrogramSettings:
    """The spectrogram settings a run recorded (config.json's data section)."""
    if not info.get("spectrogram"):
        raise VaekitError("this run's config.json records no spectrogram settings, so its outputs cannot be turned "
                          "back into sound")
    return SpectrogramSettings.from_dict(info["spectrogram"])


def example_audio(example: torch.Tensor, settings: SpectrogramSettings) -> np.ndarray:
    """The waveform of one example (C, n_mels, T) (channels averaged, padding frames cut off), in [-1, 1]."""
    values = example.numpy().reshape(-1, *example.shape[-2:]).mean(0)
    frames = max(valid_frames(values), 1)
    values = np.nan_to_num(values[:, :frames], nan=math.log(settings.floor))
    return np.clip(to_audio(values, settings), -1.0, 1.0)


def write_wav(path: Path, wave: np.ndarray, sample_rate: int) -> Path:
    """A 16-bit PCM .wav file, written atomically."""
    with atomic_path(path) as tmp:
        audio_library("soundfile").write(tmp, wave, sample_rate, subtype="PCM_16", format="WAV")
    return path
