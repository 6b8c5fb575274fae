"""`vaekit compress RUN --out file.vkz` and `vaekit decompress RUN file.vkz --out X2.npy`: lossless compression of
discrete data with a trained run (bits-back coding with ANS, vaekit.tasks.compression)."""

from __future__ import annotations

import math
from pathlib import Path

import click
import numpy as np
import torch

from vaekit.cli.closing import say_done
from vaekit.cli.counts import at_least, seed_check
from vaekit.cli.outputs import DATA, RUN, SPLIT, _columns, _open
from vaekit.core.errors import VaekitError
from vaekit.core.io import atomic_path
from vaekit.core.paths import unusable
from vaekit.core.progress import say_stage

OUTPUT_SUFFIXES = (".npy", ".png", ".csv", ".parquet")


def _source_dtype(source: str | None) -> str:
    """The dtype of a .npy file given as --data (written back as it was); float32 (vaekit's values) otherwise."""
    if source is None or Path(source).suffix.lower() != ".npy" or not Path(source).is_file():
        return "float32"
    return np.load(source, mmap_mode="r", allow_pickle=False).dtype.name


def _as_dtype(x: torch.Tensor, levels: int, dtype: str) -> np.ndarray:
    """The values as they were stored: integers 0..255 for integer files (vaekit reads them divided by 255), the
    levels k / (L - 1) computed in the file's own float type, booleans as booleans."""
    kind = np.dtype(dtype)
    if kind == np.float32:
        return x.numpy()
    if kind == np.bool_:
        return x.numpy().astype(bool)
    if np.issubdtype(kind, np.integer):
        return np.rint(x.numpy().astype(np.float64) * 255).astype(kind)
    return np.rint(x.numpy().astype(np.float64) * (levels - 1)).astype(kind) / kind.type(levels - 1)


@click.command()
@RUN
@click.option("--out", required=True, help="the compressed file to write, ending in .vkz")
@click.option("--seed", default=0, show_default=True, help="seed of the initial words the coder starts with",
              callback=seed_check)
@click.option("--latent-bits", default=None, type=int, callback=at_least(1),
              help="buckets per latent dimension, as a power of 2 (at most 16) [default: 10]")
@click.option("--batch-size", default=None, type=int, callback=at_least(1),
              help="examples per network call [default: as many as keep each call's tables near 32 MiB]")
@DATA
@SPLIT
def compress(run: str, out: str, seed: int, latent_bits: int | None, batch_size: int | None, source: str | None,
             split: str | None) -> None:
    """Compress discrete data losslessly with the run's model (bits-back coding, BB-ANS).

    The data must lie on the likelihood's values: binary (0/1) for a Bernoulli run, 8-bit levels for a 256-level
    likelihood (discretized_logistic, categorical). A run trained with --binarize compresses its own split
    binarized as evaluate scores it (once, seeded with the run's split seed). Prints the bits per dimension
    achieved beside the model's -ELBO in bits per dimension, what the code length should be near.

    \b
    Example:
      vaekit compress runs/binary-digits --split test --out test.vkz
      vaekit compress runs/mnist8 --data images.npy --out images.vkz
      vaekit decompress runs/mnist8 images.vkz --out images-back.npy
    """
    from vaekit.tasks.compression import api
    from vaekit.tasks.compression.elbo_bits import neg_elbo_bits
    from vaekit.tasks.outputs import select_data
    from vaekit.training.data_prep import binarize

    if Path(out).suffix.lower() != ".vkz":  # before the work; a .npy or .png name would hide what the file is
        raise VaekitError(f"{out}: choose an output ending in .vkz (vaekit decompress turns it back into .npy, "
                          ".png, .csv or .parquet)")
    opened = _open(run, "cpu")
    config, model = opened.config, opened.model
    chosen = select_data(opened, source, split)
    x = chosen.x
    if source is None and config.data.binarize != "none":  # the data the model learned, binarized as evaluate does
        x = binarize(x, torch.Generator().manual_seed(config.data.split_seed))
    say_stage(f"compress: {len(x)} examples by bits-back coding (BB-ANS) with the run's model")
    data = api.compress(model, x, seed=seed, latent_bits=latent_bits or api.LATENT_BITS, batch_size=batch_size,
                        ids=chosen.ids, dtype=_source_dtype(source))
    header = api.read_header(data)
    with atomic_path(out) as tmp:
        tmp.write_bytes(data)
    dims = len(x) * math.prod(model.data_shape)
    say_stage("compress: the model's -ELBO in bits per dimension, the length the code should approach")
    elbo = float(neg_elbo_bits(model, x, seed=seed).sum()) / dims
    payload = 32 * header["words"]
    initial = 32 * header["coder"]["initial_words"]
    click.echo(f"compressed {len(x)} examples ({dims} dimensions) into {len(data)} bytes: "
               f"{8 * len(data) / dims:.4f} bits/dim ({payload / dims:.4f} without the {len(data) - payload // 8}-byte "
               f"header and checksum); the model's -ELBO: {elbo:.4f} bits/dim; initial words: "
               f"{header['coder']['initial_words']} ({initial} bits)")
    say_done([out], [f"vaekit decompress {run} {out} --out {Path(out).with_suffix('.npy')}   # the same examples, "
                     "exactly"])


@click.command()
@RUN
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--out", required=True, help="where to write the examples: .npy (the exact values, in the dtype of "
              "the .npy file compressed, else float32), .png (a picture grid), .csv or .parquet (a table with ids)")
def decompress(run: str, file: str, out: str) -> None:
    """Give back exactly the examples `vaekit compress` compressed into FILE, with the same run.

    A file that is not a .vkz file, is damaged or truncated, or was compressed with another model is refused.

    \b
    Example:
      vaekit decompress runs/binary-digits test.vkz --out test-back.npy
      vaekit decompress runs/binary-digits test.vkz --out test-back.png
    """
    from vaekit.data.writers import save_table
    from vaekit.tasks.compression.api import decompress_with_header, header_ids

    path = Path(out)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:  # before the work, not after it
        raise VaekitError(f"{out}: choose an output ending in {', '.join(OUTPUT_SUFFIXES)}")
    if Path(file).exists() and not Path(file).is_file():  # a pipe would wait for a writer; a device never ends
        raise VaekitError(f"{unusable(file)}; give the .vkz file")
    try:
        data = Path(file).read_bytes()
    except OSError as error:
        raise VaekitError(f"cannot read {file}: {error.strerror or error}") from None
    opened = _open(run, "cpu")
    say_stage(f"decompress: {file} with the run's model")
    x, header = decompress_with_header(opened.model, data, file)
    ids = header_ids(header)
    suffix = path.suffix.lower()
    if suffix == ".npy":
        with atomic_path(path) as tmp, tmp.open("wb") as handle:
            np.save(handle, _as_dtype(x, header["levels"], header.get("dtype", "float32")))
    elif suffix == ".png":  # the labelled picture style of every other command's examples
        from vaekit.plots.image_rows import paired_rows, save_image_rows

        rows = paired_rows([("", x)], per_row=int(np.ceil(np.sqrt(len(x)))))
        save_image_rows(path, rows, f"{len(x)} examples decompressed, exactly, from {Path(file).name}")
    else:
        save_table(path, x.reshape(len(x), -1).numpy(), _columns(opened), ids=ids)
    click.echo(f"decompressed {len(x)} examples to {path}")


COMMANDS = [compress, decompress]
