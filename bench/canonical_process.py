"""The canonical PyTorch VAE example as a whole process, as bench/overhead.py starts it: import, read the IDX files,
train (each epoch followed by the example's test pass, as in its main loop), save the model.

    python bench/canonical_process.py /usr/share/datasets/fashion-mnist --epochs 3 --out model.safetensors

Prints the example's per-epoch lines, then one JSON line with the seconds of each phase (imports, data, each
training epoch, each test pass, saving). The example also writes sample pictures with torchvision's save_image
every epoch; without torchvision that is left out (vaekit's pictures are counted on its side).
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))

from canonical_example import CanonicalVAE, make_loader, test_loss, train_epoch  # noqa: E402


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped), as torchvision's read_sn3_pascalvincent_tensor reads it: header, then the array."""
    raw = gzip.decompress(path.read_bytes())
    ndim = raw[3]
    dims = np.frombuffer(raw, dtype=">u4", count=ndim, offset=4).astype(np.int64)
    return np.frombuffer(bytearray(raw), dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)  # writable, as there


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="the folder of the four IDX files (gzipped)")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True, help="where to save the model's weights")
    args = parser.parse_args()
    phases: dict[str, float | list[float]] = {"import_s": time.perf_counter() - STARTED}
    started = time.perf_counter()
    train_images = read_idx(args.folder / "train-images-idx3-ubyte.gz")
    train_labels = read_idx(args.folder / "train-labels-idx1-ubyte.gz").astype(np.int64)
    test_images = read_idx(args.folder / "t10k-images-idx3-ubyte.gz")
    test_labels = read_idx(args.folder / "t10k-labels-idx1-ubyte.gz").astype(np.int64)
    phases["data_s"] = time.perf_counter() - started
    torch.manual_seed(1)  # the example's default seed
    model = CanonicalVAE()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = make_loader(train_images, train_labels)
    phases["setup_s"] = time.perf_counter() - started - float(phases["data_s"])
    epochs, tests = [], []
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        loss = train_epoch(model, loader, optimizer)
        epochs.append(time.perf_counter() - started)
        print(f"====> Epoch: {epoch} Average loss: {loss:.4f}", flush=True)
        started = time.perf_counter()
        print(f"====> Test set loss: {test_loss(model, test_images, test_labels):.4f}", flush=True)
        tests.append(time.perf_counter() - started)
    started = time.perf_counter()
    save_file(model.state_dict(), str(args.out))
    phases.update(epoch_s=epochs, test_s=tests, save_s=time.perf_counter() - started)
    print(json.dumps(phases))


if __name__ == "__main__":
    main()
