"""Lossless compression of Fashion-MNIST test images with BB-ANS (`vaekit compress`) against gzip, bz2, lzma, PNG
and WebP, on the same images in one run: binarized (once, seeded) and 8-bit.

For each kind of data, one model is trained here (binary: MLP 784-500-40, Bernoulli, dynamic binarization; 8-bit:
MLP 784-500-40 with a discretized logistic mixture), then the 10,000 test images are compressed and decompressed
(checked exact), and their bits per dimension are set beside the model's -ELBO in bits per dimension and beside
the peers:
  - gzip, bz2, lzma (strongest presets) on the raw bytes of the whole set: packed bits (np.packbits) for binary
    images, one byte a pixel for 8-bit ones;
  - PNG (Pillow, optimize=True; 1-bit for binary, 8-bit greyscale otherwise) and WebP lossless (Pillow,
    lossless=True, quality=100, method=6; greyscale 0/255 for binary) of each image as its own file, sizes summed
    (headers included: that is what storing the images one by one costs).

    nice python bench/compression.py                 # ~25 min on 2 cores; writes bench/results/ and BENCHMARKS.md
    python bench/compression.py --quick              # 2 epochs, 500 images: a smoke run, writes nothing
"""

from __future__ import annotations

import argparse
import bz2
import gzip
import io
import lzma
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))

import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.tasks.compression import compress, decompress, neg_elbo_bits, read_header  # noqa: E402

COMMAND = "nice python bench/compression.py"
BINARY = {"model": {"network": "mlp", "hidden": [500], "latent_dim": 40, "likelihood": "bernoulli"},
          "data": {"binarize": "dynamic"}}
EIGHT_BIT = {"model": {"network": "mlp", "hidden": [500], "latent_dim": 40, "likelihood": "discretized_logistic",
                       "logistic_components": 3},
             "data": {"binarize": "none"}}


def train(folder: Path, settings: dict, epochs: int) -> tuple[vaekit.VAE, float]:
    config = vaekit.Config.from_dict({
        "data": {"source": "fashion-mnist", "download": False, **settings["data"]},
        "model": settings["model"],
        "train": {"epochs": epochs, "batch_size": 128, "lr": 1e-3, "seed": 0, "device": "cpu"}})
    start = time.perf_counter()
    run = vaekit.train(config, folder, progress=False, pictures=False)
    return vaekit.load(run.path), time.perf_counter() - start


def timed(work: Callable[[], object]) -> tuple[object, float]:
    start = time.perf_counter()
    result = work()
    return result, time.perf_counter() - start


def png_bytes(image: np.ndarray, binary: bool) -> bytes:
    buffer = io.BytesIO()
    picture = Image.fromarray(image.astype(bool)) if binary else Image.fromarray(image, mode="L")
    picture.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def webp_bytes(image: np.ndarray, binary: bool) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image * 255 if binary else image, mode="L").save(buffer, format="WEBP", lossless=True,
                                                                     quality=100, method=6)
    return buffer.getvalue()


def peers(pixels: np.ndarray, binary: bool) -> dict[str, dict[str, float]]:
    """Bits per dimension and images per second (compression) of every peer on uint8 images (N, 28, 28)."""
    raw = np.packbits(pixels.reshape(-1)).tobytes() if binary else pixels.tobytes()
    dims = pixels.size
    found = {}
    for name, work in [("gzip -9", lambda: gzip.compress(raw, 9)), ("bz2 -9", lambda: bz2.compress(raw, 9)),
                       ("lzma -9e", lambda: lzma.compress(raw, preset=9 | lzma.PRESET_EXTREME)),
                       ("PNG per image (Pillow, optimize)", lambda: sum(len(png_bytes(i, binary)) for i in pixels)),
                       ("WebP lossless per image (Pillow, method 6)",
                        lambda: sum(len(webp_bytes(i, binary)) for i in pixels))]:
        size, seconds = timed(work)
        size = size if isinstance(size, int) else len(size)
        found[name] = {"bytes": size, "bits_per_dim": 8 * size / dims, "images_per_second": len(pixels) / seconds}
    found["raw (packed bits)" if binary else "raw (one byte a pixel)"] = {
        "bytes": len(raw), "bits_per_dim": 8 * len(raw) / dims, "images_per_second": None}
    return found


def measure(model: vaekit.VAE, x: torch.Tensor) -> dict[str, float]:
    """vaekit's numbers on x: the whole file's and the payload's bits per dimension, -ELBO, speeds; exactness."""
    data, seconds_in = timed(lambda: compress(model, x, seed=0))
    back, seconds_out = timed(lambda: decompress(model, data))
    if not torch.equal(back, x):
        raise SystemExit("the round trip was not exact")
    header = read_header(data)
    dims = x.numel()
    elbo = float(neg_elbo_bits(model, x, seed=0, samples=8).sum())
    return {"bytes": len(data), "bits_per_dim": 8 * len(data) / dims,
            "payload_bits_per_dim": 32 * header["words"] / dims,
            "neg_elbo_bits_per_dim": elbo / dims, "initial_bits": 32 * header["coder"]["initial_words"],
            "latent_bits": header["coder"]["latent_bits"], "batch_size": header["coder"]["batch_size"],
            "compress_images_per_second": len(x) / seconds_in, "decompress_images_per_second": len(x) / seconds_out,
            "exact": True}


def section(results: dict) -> str:
    lines = ["## Lossless compression of Fashion-MNIST with bits-back coding (issue 9)", "",
             f"Command: `{COMMAND}`. Machine: {results['machine']}.",
             f"The {results['images']} Fashion-MNIST test images, binarized once (torch.bernoulli of the grey "
             "levels, seed 0) and as 8-bit levels. vaekit: BB-ANS (`vaekit compress`, constriction's ANS coder, "
             "latents in 1024 equal-prior-mass buckets a dimension) with a model trained here "
             f"({results['binary']['model']} for {results['binary']['epochs']} epochs; "
             f"{results['eight_bit']['model']} for {results['eight_bit']['epochs']} epochs); sizes are the whole "
             ".vkz file (header and checksum included), every image decompressed and checked exact. gzip, bz2 and "
             "lzma compress the raw bytes of the whole set (packed bits for binary images, a byte a pixel for "
             "8-bit ones); PNG and WebP store each image as its own file (Pillow; sizes summed, headers "
             "included). Speeds are images per second on one thread, compression (and decompression for vaekit).",
             ""]
    for kind, title in (("binary", "binarized"), ("eight_bit", "8-bit")):
        r = results[kind]
        v = r["vaekit"]
        lines += [f"### {title}", "", "| method | bits/dim | images/s |", "|---|---|---|",
                  f"| **vaekit compress (BB-ANS)** | **{v['bits_per_dim']:.4f}** | "
                  f"{v['compress_images_per_second']:.0f} (decompress {v['decompress_images_per_second']:.0f}) |",
                  f"| vaekit model's -ELBO (bits/dim; 8 posterior draws) | {v['neg_elbo_bits_per_dim']:.4f} | |"]
        for name, peer in r["peers"].items():
            speed = "" if peer["images_per_second"] is None else f"{peer['images_per_second']:.0f}"
            lines.append(f"| {name} | {peer['bits_per_dim']:.4f} | {speed} |")
        best = min(r["peers"].items(), key=lambda item: item[1]["bits_per_dim"] if "raw" not in item[0] else 99)
        gap = 100 * (v["bits_per_dim"] / v["neg_elbo_bits_per_dim"] - 1)
        payload_gap = 100 * (v["payload_bits_per_dim"] / v["neg_elbo_bits_per_dim"] - 1)
        within = "reached" if abs(gap) <= 1 else "MISSED"
        below = all(v["bits_per_dim"] < p["bits_per_dim"] for p in r["peers"].values())
        lines += ["", f"Goal: below every peer ({'reached' if below else 'MISSED'}: best peer {best[0]} at "
                  f"{best[1]['bits_per_dim']:.4f}) and within 1% of the -ELBO ({within}: {gap:+.2f}%; the payload "
                  f"alone {payload_gap:+.2f}%, "
                  f"initial words {v['initial_bits']} bits for the whole set).", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 epochs and 500 images; writes nothing")
    parser.add_argument("--binary-epochs", type=int, default=30)
    parser.add_argument("--eight-bit-epochs", type=int, default=6)
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = vaekit.load_dataset("fashion-mnist", download=False)
    count = 500 if args.quick else len(data.test_x)
    grey = data.test_x[:count]
    binary_x = torch.bernoulli(grey, generator=torch.Generator().manual_seed(0))
    results: dict = {"machine": machine(), "images": count, "command": COMMAND}
    with tempfile.TemporaryDirectory() as folder:
        for kind, settings, epochs, x in (("binary", BINARY, args.binary_epochs, binary_x),
                                          ("eight_bit", EIGHT_BIT, args.eight_bit_epochs, grey)):
            epochs = 2 if args.quick else epochs
            model, seconds = train(Path(folder) / kind, settings, epochs)
            m = settings["model"]
            name = (f"MLP 784-{'-'.join(map(str, m['hidden']))}-{m['latent_dim']}, {m['likelihood']}"
                    + (f" ({m['logistic_components']} components)" if "logistic_components" in m else ""))
            pixels = np.rint(x[:, 0].numpy() * 255).astype(np.uint8) if kind == "eight_bit" else \
                x[:, 0].numpy().astype(np.uint8)
            results[kind] = {"model": name, "epochs": epochs, "train_seconds": seconds,
                             "vaekit": measure(model, x), "peers": peers(pixels, kind == "binary")}
            print(kind, results[kind], flush=True)
    if args.quick:
        print(section(results))
        return
    write_results("compression", results, section(results))
    print(section(results))


if __name__ == "__main__":
    main()
