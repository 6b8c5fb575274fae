"""The data kind "text": token-id sequences (T,), written out as sentences, one a line.

    kind = data_kind("text")
    kind.default_output("samples")                           # 'samples.txt'
    kind.save(Path("samples.txt"), ids, info)                # one sentence a line
    kind.save(Path("recon.tsv"), recon, info, inputs=x)      # id, input and reconstruction, tab-separated
    kind.save(Path("path.txt"), homotopy, info)              # the sentences along an interpolation, in order

Files by suffix: .txt holds one sentence a line (the outputs, in row order: samples, the steps of an interpolation,
or reconstructions alone); .tsv a table with a header, columns id (when info has "ids"), input (when inputs are
given) and output; .npy the token ids themselves. Reconstructions go to reconstructions.tsv by default, so that
each input stands beside its reconstruction. A sentence is its tokens up to the first EOS, joined by spaces;
UNK shows as <unk>. The tokens come from the run's vocabulary.json (info's "run_dir" and "vocabulary").
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from vaekit.core.errors import VaekitError
from vaekit.core.io import write_text
from vaekit.core.registry import DATA_KINDS
from vaekit.data.kinds import DataKind
from vaekit.data.text.tokenize import detokenize
from vaekit.data.text.tokens import EOS, PAD
from vaekit.data.text.vocabulary import VOCABULARY_FILE, read_vocabulary, save_vocabulary

TEXT_OUTPUTS = (".txt", ".tsv")
PAIRED = ("reconstructions",)  # outputs that show each input beside its output: a .tsv table by default


@DATA_KINDS.register("text")
class TextKind(DataKind):
    """Token-id sequences (T,): outputs are sentences, one a line."""

    name = "text"
    network = "rnn"  # a recurrent encoder over the tokens, and the autoregressive decoder below
    example_ndim = 1
    default_suffix = ".txt"
    shape_text = "(T,)"
    pictured = False  # a run's samples and reconstructions are sentences: samples.txt, reconstructions.tsv
    values_are_measures = False  # a token id names a word: id 7 is no nearer id 8 than id 900

    def likelihood(self, column_types: list[str] | None = None, unit_interval: bool = False) -> str:
        return "autoregressive"  # tokens one at a time, each given the earlier ones and z (Bowman et al. 2016)

    def default_output(self, stem: str) -> str:
        return f"{stem}.tsv" if stem in PAIRED else f"{stem}{self.default_suffix}"

    def save(self, path: Path, batch: torch.Tensor, info: dict[str, Any], ncol: int = 8,
             inputs: torch.Tensor | None = None) -> Path:
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in TEXT_OUTPUTS:
            if suffix != ".npy":
                raise VaekitError(f"{path}: choose an output ending in .txt, .tsv or .npy for text")
            return super().save(path, batch, info, ncol)
        tokens = run_vocabulary(info)
        outputs = sentences(batch, tokens)
        if suffix == ".txt":
            write_text(path, "".join(f"{line}\n" for line in outputs))
            return path
        columns: dict[str, list[str]] = {}
        if info.get("ids") is not None:
            columns["id"] = [str(item) for item in info["ids"]]
        if inputs is not None:
            columns["input"] = sentences(inputs, tokens)
        columns["output"] = outputs
        rows = ["\t".join(columns), *("\t".join(row) for row in zip(*columns.values(), strict=True))]
        write_text(path, "".join(f"{row}\n" for row in rows))
        return path

    def run_info(self, data: Any) -> dict[str, Any]:
        return {"vocabulary_size": data.vocabulary_size, "vocabulary": VOCABULARY_FILE,
                "max_length": data.shape[0] - 1}

    def write_run_files(self, run_dir: Path, data: Any) -> None:
        save_vocabulary(Path(run_dir) / VOCABULARY_FILE, data.vocabulary)

    def run_file_contents(self, run_dir: Path, info: dict[str, Any]) -> dict[str, Any]:
        # the tokens in id order: two tokens swapped keep the count but turn every output into other words
        return {info.get("vocabulary", VOCABULARY_FILE): run_vocabulary({**info, "run_dir": run_dir})}


def run_vocabulary(info: dict[str, Any]) -> list[str]:
    """The tokens of a run's vocabulary.json (info: config.json's "data" section with "run_dir" added)."""
    if info.get("run_dir") is None:
        raise VaekitError("writing text needs the run's vocabulary: give the run directory as info['run_dir']")
    return read_vocabulary(Path(info["run_dir"]) / info.get("vocabulary", VOCABULARY_FILE), info.get("vocabulary_size"))


def sentences(batch: torch.Tensor, tokens: list[str]) -> list[str]:
    """Each row of token ids (N, T) as a line of text: its tokens up to the first EOS (padding left out)."""
    ids = batch.detach().cpu().round().long()
    if ids.ndim != 2 or bool(((ids < 0) | (ids >= len(tokens))).any()):
        raise VaekitError(f"text outputs must be (N, T) token ids 0..{len(tokens) - 1}, got shape "
                          f"{tuple(batch.shape)} with values {int(ids.min())}..{int(ids.max())}")
    lines = []
    for row in ids.tolist():
        end = row.index(EOS) if EOS in row else len(row)
        lines.append(detokenize([tokens[i] for i in row[:end] if i != PAD]))
    return lines
