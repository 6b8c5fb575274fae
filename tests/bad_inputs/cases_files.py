"""Files from strangers (issue 22): .vkz headers crafted and signed again with a correct SHA-256 (the failures
seen: nesting, count NaN, text or 10^9, batch_size 0, latent_bits 0 or 40, levels 1 or 10^8, ramp [10^9], dtype
bogus, <U5 or object, ids of the wrong length, a zero last word), .npy and .npz headers that declare more than
the file holds (10^9 examples in 1.2 KB, a zip bomb member), objects, Parquet metadata beyond memory, and
vocabularies that break their schema. Each is one line naming the field, before anything is allocated."""

from __future__ import annotations

import json
import struct
import zipfile
from typing import Any

import numpy as np

from bad_inputs.case import Case, Workspace
from bad_inputs.cases_compression import compressed
from bad_inputs.cases_text import _lines, _text_run
from vaekit.core import system
from vaekit.data.text.vocabulary import read_vocabulary
from vaekit.tasks.compression.file_format import signed, unpack

DECOMPRESS = ["decompress", "{run}", "{root}/x.vkz", "--out", "{root}/back.npy"]
NEW = ["--epochs", "1", "--out", "{root}/new"]
SPECIAL = ["<pad>", "<unk>", "<s>", "</s>"]


def vkz(text: bytes | None = None, payload: bytes | None = None, **fields: Any):  # type: ignore[no-untyped-def]
    """Setup: x.vkz, binary.npy compressed with the run's model, its header fields replaced (coder_x for
    coder.x) or its header text or payload replaced, signed again as anyone can."""
    def setup(w: Workspace) -> None:
        header, words = unpack(compressed(w))
        for name, value in fields.items():
            (header["coder"] if name.startswith("coder_") else header)[name.removeprefix("coder_")] = value
        body = words.astype("<u4").tobytes() if payload is None else payload
        if payload is not None:
            header["words"] = len(payload) // 4
        w.write("x.vkz", signed(json.dumps(header).encode() if text is None else text, body))
    return setup


def npy_bytes(shape: str, descr: str = "<f4", body: int = 1100) -> bytes:
    """A .npy file whose header declares `shape` of `descr`, followed by `body` zero bytes."""
    header = f"{{'descr': {descr!r}, 'fortran_order': False, 'shape': {shape}, }}"
    header += " " * (63 - (len(header) + 10) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode() + bytes(body)


def npz(name: str, member: bytes):  # type: ignore[no-untyped-def]
    def setup(w: Workspace) -> None:
        with zipfile.ZipFile(w.path(name), "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("x.npy", member)
    return setup


def parquet_on_a_small_machine(w: Workspace) -> None:
    """A 2,000-row table, on a machine said to have 100 kB."""
    import pandas as pd

    pd.DataFrame(np.random.default_rng(0).random((2000, 5)), columns=list("abcde")).to_parquet(w.path("t.parquet"))
    w.monkeypatch.setattr(system, "host_memory", lambda: 100_000)


def vocabulary(content: str):  # type: ignore[no-untyped-def]
    return lambda w: w.write("vocabulary.json", content)


def read(w: Workspace) -> list[str]:
    return read_vocabulary(w.path("vocabulary.json"))


def lines_and_vocabulary(content: str):  # type: ignore[no-untyped-def]
    return lambda w: (_lines(w), w.write("vocabulary.json", content))


CASES = [
    Case("files-vkz-nested-header", r"x\.vkz: its header nests 40,000 levels deep, at most 3 are allowed", DECOMPRESS,
         setup=vkz(text=b"[" * 40_000 + b"]" * 40_000)),
    Case("files-vkz-count-nan", r"x\.vkz: field count must be a whole number from 1 to 2,147,483,647, got nan",
         DECOMPRESS, setup=vkz(count=float("nan"))),
    Case("files-vkz-count-text", r"x\.vkz: field count must be a whole number .*, got '40'", DECOMPRESS,
         setup=vkz(count="40")),
    Case("files-vkz-count-billion", r"x\.vkz: field count \(1,000,000,000 examples of shape \[1, 8, 8\]\) would "
         r"need 768\.0 GB, more than the .* of this machine's memory", DECOMPRESS, setup=vkz(count=10 ** 9, ids=None)),
    Case("files-vkz-batch-size-zero", r"x\.vkz: field coder\.batch_size must be a whole number from 1 to 256, got 0",
         DECOMPRESS, setup=vkz(coder_batch_size=0)),
    Case("files-vkz-latent-bits-zero", r"x\.vkz: field coder\.latent_bits must be a whole number from 1 to 16, got 0",
         DECOMPRESS, setup=vkz(coder_latent_bits=0)),
    Case("files-vkz-latent-bits-forty", r"field coder\.latent_bits must be a whole number from 1 to 16, got 40",
         DECOMPRESS, setup=vkz(coder_latent_bits=40)),
    Case("files-vkz-levels-one", r"x\.vkz: field levels must be a whole number from 2 to 65,536, got 1", DECOMPRESS,
         setup=vkz(levels=1)),
    Case("files-vkz-levels-hundred-million", r"field levels must be a whole number .*, got 100000000", DECOMPRESS,
         setup=vkz(levels=10 ** 8)),
    Case("files-vkz-levels-of-another-likelihood", r"x\.vkz: field levels is 256, but this model codes 2 levels",
         DECOMPRESS, setup=vkz(levels=256)),
    Case("files-vkz-ramp-billion", r"x\.vkz: field coder\.ramp\[0\] must be a whole number from 1 to 255, got "
         r"1000000000", DECOMPRESS, setup=vkz(coder_ramp=[10 ** 9])),
    Case("files-vkz-dtype-bogus", r"x\.vkz: field dtype must be one of 'bool', .*; got 'bogus'", DECOMPRESS,
         setup=vkz(dtype="bogus")),
    Case("files-vkz-dtype-unicode", r"x\.vkz: field dtype must be one of .*; got '<U5'", DECOMPRESS,
         setup=vkz(dtype="<U5")),
    Case("files-vkz-dtype-object", r"x\.vkz: field dtype must be one of .*; got 'object'", DECOMPRESS,
         setup=vkz(dtype="object")),
    Case("files-vkz-ids-wrong-length", r"x\.vkz: field ids holds 3 ids for the 40 examples of field count", DECOMPRESS,
         setup=vkz(ids=[1, 2, 3])),
    Case("files-vkz-payload-zero-word", r"x\.vkz: its payload ends in a zero word", DECOMPRESS,
         setup=vkz(payload=b"\x07\x00\x00\x00" * 5 + bytes(4))),
    Case("files-vkz-payload-runs-dry", r"x\.vkz: its payload runs out with 40 of the 40 examples of field count",
         DECOMPRESS, setup=vkz(payload=b"\x07\x00\x00\x00")),
    Case("files-npy-header-billion-examples", r"huge\.npy is truncated: its header's shape \(1000000000, 1, 8, 8\) of "
         r"float32 needs 256,000,000,000 bytes, but 1,100 follow the header",
         ["compress", "{run}", "--data", "{root}/huge.npy", "--out", "{root}/x.vkz"],
         setup=lambda w: w.write("huge.npy", npy_bytes("(1000000000, 1, 8, 8)"))),
    Case("files-npy-object-header", r"objects\.npy holds Python objects, which vaekit never unpickles",
         ["train", "--data", "{root}/objects.npy", *NEW],
         setup=lambda w: w.write("objects.npy", npy_bytes("(4, 3)", "|O"))),
    Case("files-npz-member-billion-examples", r"big\.npz\[x\] is truncated: its header's shape \(1000000000, 64\)",
         ["train", "--data", "{root}/big.npz", *NEW], setup=npz("big.npz", npy_bytes("(1000000000, 64)"))),
    Case("files-npz-zip-bomb", r"bomb\.npz\[x\] is truncated: its header's shape \(100000000, 100\) of float32 needs "
         r"40,000,000,000 bytes", ["train", "--data", "{root}/bomb.npz", *NEW],
         setup=npz("bomb.npz", npy_bytes("(100000000, 100)", body=10 ** 6))),
    Case("files-parquet-metadata-beyond-memory", r"t\.parquet: its Parquet metadata's num_rows \(2,000\) and "
         r"num_columns \(5\) would need 0\.3 MB, more than the 0\.1 MB",
         ["embed", "{run}", "--data", "{root}/t.parquet", "--out", "{root}/codes.csv"],
         setup=parquet_on_a_small_machine),
    Case("files-vocabulary-nested", r"vocabulary vocabulary\.json is corrupt: it nests 30,000 levels deep",
         ["train", "--data", "lines.txt", "--vocabulary", "vocabulary.json", *NEW],
         setup=lines_and_vocabulary("[" * 30_000)),
    Case("files-vocabulary-repeated-token", r"vocabulary .*text/vocabulary\.json is corrupt: field tokens\[5\] repeats "
         r"tokens\[4\] \('the'\)", ["sample", "{root}/text", "-n", "2"],
         setup=lambda w: _text_run(w, json.dumps({"tokens": [*SPECIAL, "the", "the"]}))),
    Case("files-vocabulary-special-token-moved", r"field tokens\[1\] is 'the' where <unk> must be",
         api=read, setup=vocabulary(json.dumps({"tokens": ["<pad>", "the", "<s>", "</s>", "<unk>"]}))),
    Case("files-vocabulary-token-not-text", r"field tokens\[4\] must be text, got 5", api=read,
         setup=vocabulary(json.dumps({"tokens": [*SPECIAL, 5]}))),
    Case("files-vocabulary-empty-token", r"field tokens\[4\] must hold 1 to 1,000 characters, got 0", api=read,
         setup=vocabulary(json.dumps({"tokens": [*SPECIAL, ""]}))),
    Case("files-vocabulary-token-with-space", r"field tokens\[4\] \('a b'\) holds white space", api=read,
         setup=vocabulary(json.dumps({"tokens": [*SPECIAL, "a b"]}))),
    Case("files-vocabulary-unknown-field", r"field counts is not one this format has", api=read,
         setup=vocabulary(json.dumps({"tokens": SPECIAL, "counts": [0, 0, 0, 0]}))),
]


def _png(name: str, size: tuple[int, int]):  # type: ignore[no-untyped-def]
    def setup(w: Workspace) -> None:
        from PIL import Image

        Image.new("L", size).save(w.path(name))
    return setup


# the other readers of a user's .npy: a series file and an inpainting mask; a mask picture of another size
CASES += [
    Case("files-series-npy-header-billion-examples", r"series\.npy is truncated: its header's shape "
         r"\(1000000000, 50, 1\)", ["train", "--data", "series:path={root}/series.npy", "--out", "{root}/new"],
         setup=lambda w: w.write("series.npy", npy_bytes("(1000000000, 50, 1)"))),
    Case("files-mask-npy-header-billion-examples", r"mask\.npy is truncated: its header's shape \(1000000000, 8, 8\)",
         ["inpaint", "{run}", "--mask", "{root}/mask.npy", "--out", "{root}/i.png"],
         setup=lambda w: w.write("mask.npy", npy_bytes("(1000000000, 8, 8)", "|b1"))),
    Case("files-mask-png-of-another-size", r"--mask .*mask\.png is 4000x3000, but the images are 8x8",
         ["inpaint", "{run}", "--mask", "{root}/mask.png", "--out", "{root}/i.png"],
         setup=_png("mask.png", (4000, 3000))),
]
