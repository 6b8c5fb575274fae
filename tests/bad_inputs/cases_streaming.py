"""Streamed data (data.streaming): a damaged .npy header, a truncated tar shard, a Parquet text column, shards whose
samples differ in shape, a source that cannot stream, and settings that need the whole data in memory."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
from PIL import Image

from bad_inputs.case import Case, Workspace

STREAM = ["--streaming", "on", "--workers", "0", "--epochs", "1", "--out", "{root}/new"]


def png(size: int, seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (size, size), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def write_shard(path: object, size: int, count: int, first: int = 0) -> None:
    with tarfile.open(path, "w") as archive:
        for index in range(first, first + count):
            data = png(size, index)
            info = tarfile.TarInfo(f"{index:05d}.png")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def _bad_header(w: Workspace) -> None:
    w.write("bad.npy", b"\x93NUMPY\x01\x00\x20\x00{'descr': '<f4', 'fortran_order': Fal" + b"\n" * 30)


def _truncated_tar(w: Workspace) -> None:
    w.path("shards").mkdir()
    write_shard(w.path("shards/a.tar"), 8, 4)
    data = w.path("shards/a.tar").read_bytes()
    w.path("shards/a.tar").write_bytes(data[:900])


def _text_column(w: Workspace) -> None:
    pd.DataFrame({"a": [0.5, 1.5, 2.5, 3.5], "name": ["x", "y", "z", "w"]}).to_parquet(w.path("t.parquet"))


def _two_shapes(w: Workspace) -> None:
    w.path("shards").mkdir()
    write_shard(w.path("shards/a.tar"), 8, 3)
    write_shard(w.path("shards/b.tar"), 9, 3, first=3)


def _numbers(w: Workspace) -> None:
    np.save(w.path("x.npy"), np.random.default_rng(0).random((20, 1, 8, 8), dtype=np.float32))


CASES = [
    Case("stream-missing-file", r"no dataset named '.*missing\.npy' and no such file or folder",
         ["train", "--data", "{root}/missing.npy", *STREAM]),
    Case("stream-npy-bad-header", r"cannot read .*bad\.npy: its \.npy header is damaged",
         ["train", "--data", "{root}/bad.npy", *STREAM], setup=_bad_header),
    Case("stream-tar-truncated", r"tar shard .*a\.tar is truncated: it holds 900 bytes",
         ["train", "--data", "{root}/shards", *STREAM], setup=_truncated_tar),
    Case("stream-parquet-text-column", r"column 'name' of .* holds text values; streaming reads numeric columns",
         ["train", "--data", "{root}/t.parquet", *STREAM], setup=_text_column),
    Case("stream-shards-differ-in-shape", r"samples of .*b\.tar differ in shape .*every shard must hold one kind",
         ["train", "--data", "{root}/shards", *STREAM], setup=_two_shapes),
    Case("stream-csv-cannot-stream", r"cannot be streamed.*--streaming off",
         ["train", "--data", "{root}/t.csv", *STREAM],
         setup=lambda w: w.write("t.csv", "a,b\n1,2\n3,4\n5,6\n")),
    Case("stream-static-binarization", r"--binarize static needs the whole training set in memory.*dynamic",
         ["train", "--data", "{root}/x.npy", "--binarize", "static", *STREAM], setup=_numbers),
    Case("stream-corruption-hide", r"--corruption hide needs the whole training set in memory.*train to fill in on a "
         r"sample held in memory, or train with --streaming off",
         ["train", "--data", "{root}/x.npy", "--objective", "denoising", "--corruption", "hide", *STREAM],
         setup=_numbers),
    Case("stream-workers-negative", r"data.workers must be 0 or more",
         ["train", "--data", "{root}/x.npy", "--streaming", "on", "--workers", "-1", "--out", "{root}/new"],
         setup=_numbers),
]


def _cut(path: Path, size: int | None = None) -> None:
    """A file cut short as a copy stopped part way leaves it: its first `size` bytes (default: half of them)."""
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2 if size is None else size])


def _one_shard_cut_in_half(w: Workspace) -> None:
    """Two shards of 20 samples, the second cut to half its bytes: tarfile reads the headers left and stops, as
    at the end of an archive, so this once trained on 30 samples without a word."""
    w.path("shards").mkdir()
    write_shard(w.path("shards/a.tar"), 8, 20)
    write_shard(w.path("shards/b.tar"), 8, 20, first=20)
    _cut(w.path("shards/b.tar"))


def _cut_inside_a_member(w: Workspace) -> None:
    """A shard whose last header survives but whose member's bytes run past the end of the file."""
    w.path("shards").mkdir()
    write_shard(w.path("shards/a.tar"), 8, 20)
    _cut(w.path("shards/a.tar"), 512 * 21 + 8)  # ten samples of two blocks each, the eleventh's header and 8 bytes


def _block_of_a_shard_cut_after_listing(w: Workspace) -> None:
    """A shard listed whole before training, then cut short (a copy still running, a disk filling): reading its
    block refuses it too, instead of training on the samples left."""
    from vaekit.data.streaming.tar_shards import TarShards

    w.path("shards").mkdir()
    write_shard(w.path("shards/a.tar"), 8, 20)
    reader = TarShards([w.path("shards/a.tar")], "shards")
    _cut(w.path("shards/a.tar"))
    reader.read(reader.blocks[0])


# a shard cut short is refused by name, never read as a shorter one (issue 22)
CASES += [
    Case("stream-tar-cut-in-half", r"tar shard .*b\.tar is truncated: it ends after its member 00034\.png "
         r"\(byte 15,360\) without the blocks of zeros that end a tar archive; copy or write the shard again",
         ["train", "--data", "{root}/shards", *STREAM], setup=_one_shard_cut_in_half),
    Case("stream-tar-member-past-the-end", r"tar shard .*a\.tar is truncated: its member 00010\.png ends at byte "
         r"[\d,]+ but the file holds 10,760 bytes", ["train", "--data", "{root}/shards", *STREAM],
         setup=_cut_inside_a_member),
    Case("stream-tar-block-cut-after-listing", r"tar shard .*a\.tar is truncated: it ends after its member "
         r"00014\.png", api=_block_of_a_shard_cut_after_listing, changes=("shards/a.tar",)),
]
