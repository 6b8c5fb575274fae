"""Issue 9's capabilities on a GPU against the CPU: scores, imputation, inpainting, denoising, compression and the
anomaly detector, each run on both devices from the command line or Python, with the differences measured.

    OUT=bench/results python bench/cuda_checks.py          # on a machine with CUDA; GPU=cpu runs both sides on the CPU

Writes OUT/device_checks.json (what each step printed and the differences) and its section of BENCHMARKS.md.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.estimators.anomaly_detector import VAEAnomalyDetector  # noqa: E402
from vaekit.tasks.imputation import impute  # noqa: E402
from vaekit.tasks.scoring import score_many  # noqa: E402

OUT = Path(os.environ.get("OUT", Path(__file__).resolve().parent / "results"))
OUT.mkdir(parents=True, exist_ok=True)
GPU = os.environ.get("GPU", "cuda")
found = {"torch": torch.__version__, "gpu": torch.cuda.get_device_name(0) if GPU == "cuda" else "none"}


def log(key, value):
    found[key] = value
    print(key, value, flush=True)
    (OUT / "device_checks.json").write_text(json.dumps(found, indent=1, default=str))


def cli(*args):
    r = subprocess.run([sys.executable, "-m", "vaekit", *args], capture_output=True, text=True)
    return r.returncode, (r.stdout + r.stderr)[-400:]


root = Path(tempfile.mkdtemp())
run = root / "digits"
t = time.perf_counter()
log("train cuda", cli("train", "--data", "digits", "--epochs", "5", "--device", GPU, "--out", str(run)))
log("train seconds", time.perf_counter() - t)
for name, device in (("cuda", GPU), ("cpu", "cpu")):
    log(f"score {name}", cli("score", str(run), "--device", device, "--k", "200", "--out", str(root / f"s-{name}.csv")))

a, b = pd.read_csv(root / "s-cuda.csv"), pd.read_csv(root / "s-cpu.csv")
num = [c for c in a.columns if c not in ("id", "label")]
log("score columns", num)
log("score max relative difference cuda vs cpu", float((abs(a[num] - b[num]) / (abs(b[num]) + 1e-6)).max().max()))
log("score ids equal", bool((a["id"] == b["id"]).all()))
model_gpu, model_cpu = vaekit.load(run, device=GPU), vaekit.load(run, device="cpu")
x = vaekit.load_dataset("digits").test_x
s1 = score_many(model_gpu, x, "iw", k=100, batch_size=37)["iw"]
s2 = score_many(model_gpu, x, "iw", k=100, batch_size=100)["iw"]
log("cuda iw batch-size invariance max abs", float((s1 - s2).abs().max()))
for name, device in (("cuda", GPU), ("cpu", "cpu")):
    log(
        f"denoise {name}",
        cli(
            "denoise", str(run), "--device", device, "--add-noise", "gaussian:0.2", "--out", str(root / f"d-{name}.npy")
        ),
    )
da, db = np.load(root / "d-cuda.npy"), np.load(root / "d-cpu.npy")
log("denoise max abs difference", float(np.abs(da - db).max()))
# missing values: train on cuda with 30% of entries missing, impute on cuda and on the cpu
rng = np.random.default_rng(0)
digits = vaekit.load_dataset("digits")
holes = digits.train_x.numpy().reshape(len(digits.train_x), -1).copy()
holes[rng.random(holes.shape) < 0.3] = np.nan
np.save(root / "holes.npy", holes.reshape(-1, 1, 8, 8))
mrun = root / "missing"
log(
    "train missing cuda",
    cli(
        "train",
        "--data",
        str(root / "holes.npy"),
        "--missing",
        "model",
        "--epochs",
        "5",
        "--device",
        GPU,
        "--out",
        str(mrun),
    ),
)

m_gpu, m_cpu = vaekit.load(mrun, device=GPU), vaekit.load(mrun, device="cpu")
part = torch.from_numpy(holes[:200].reshape(-1, 1, 8, 8))
for method in ("importance", "gibbs", "metropolis"):
    fa, fb = (
        impute(m_gpu, part, method=method, k=100, iterations=20),
        impute(m_cpu, part, method=method, k=100, iterations=20),
    )
    log(f"impute {method} cuda finite", bool(torch.isfinite(fa).all()))
    log(f"impute {method} observed kept", bool(torch.equal(fa[~torch.isnan(part)], part[~torch.isnan(part)])))
    log(f"impute {method} mean abs diff cuda vs cpu", float((fa - fb).abs().mean()))
    on_device = part.to(m_gpu.device)  # x itself on the GPU: the result stays there
    fc = impute(m_gpu, on_device, method=method, k=100, iterations=20)
    kept = bool(torch.equal(fc[~torch.isnan(on_device)], on_device[~torch.isnan(on_device)]))
    log(f"impute {method} of a GPU tensor", [str(fc.device), bool(torch.isfinite(fc).all()), kept])
log(
    "inpaint cuda",
    cli("inpaint", str(run), "--mask", "lower-half", "--device", GPU, "--out", str(root / "inpaint.png")),
)
log(
    "impute cli cuda",
    cli("impute", str(mrun), "--data", str(root / "holes.npy"), "--device", GPU, "--out", str(root / "filled.npy")),
)
# compression of a cuda-trained binarized run: the coder runs on the CPU by design
brun = root / "binary"
log(
    "train binary cuda",
    cli("train", "--data", "digits", "--binarize", "static", "--epochs", "5", "--device", GPU, "--out", str(brun)),
)
log("compress", cli("compress", str(brun), "--out", str(root / "c.vkz")))
log("decompress", cli("decompress", str(brun), str(root / "c.vkz"), "--out", str(root / "back.npy")))

t = time.perf_counter()
det = VAEAnomalyDetector(epochs=5, device=GPU, k=50).fit(digits.train_x.numpy())
log("detector cuda contamination on training data", float(det.labels_.mean()))
log("detector seconds", time.perf_counter() - t)
log("done", True)


def _ok(key: str) -> str:
    return "ran (exit 0)" if found[key][0] == 0 else f"FAILED: {found[key][1]}"


methods = ("importance", "gibbs", "metropolis")
rows = [
    ("`vaekit score`, every kind (k = 200), 180 test digits",
     f"largest relative difference {found['score max relative difference cuda vs cpu']:.1e}; ids equal: "
     f"{found['score ids equal']}"),
    ("`score_many(..., \"iw\")` on the GPU, batch 37 against batch 100",
     f"largest difference {found['cuda iw batch-size invariance max abs']:.1e}"),
    ("`vaekit denoise --add-noise gaussian:0.2`", f"largest difference {found['denoise max abs difference']:.1e}"),
    ("`vaekit train --missing model` (30% of entries missing)", _ok("train missing cuda")),
    ("`impute`, " + ", ".join(methods),
     "finite: " + ", ".join(str(found[f"impute {m} cuda finite"]) for m in methods)
     + "; observed entries kept: " + ", ".join(str(found[f"impute {m} observed kept"]) for m in methods)
     + "; mean difference to the CPU's: "
     + ", ".join(f"{found[f'impute {m} mean abs diff cuda vs cpu']:.4f}" for m in methods)
     + " (each device draws its own random numbers)"),
    ("`impute` of a tensor already on the GPU",
     "; ".join(f"{m}: on {found[f'impute {m} of a GPU tensor'][0]}, finite {found[f'impute {m} of a GPU tensor'][1]}, "
               f"observed kept {found[f'impute {m} of a GPU tensor'][2]}" for m in methods)),
    ("`vaekit inpaint --mask lower-half --device cuda`", _ok("inpaint cuda")),
    ("`vaekit impute --device cuda`", _ok("impute cli cuda")),
    ("`vaekit compress` / `decompress` of a GPU-trained binarized run (the coder runs on the CPU by design; "
     "decompress checks the data's hash)", f"compress {_ok('compress')}, decompress {_ok('decompress')}"),
    ("`VAEAnomalyDetector(device=\"cuda\")`, contamination 0.1",
     f"flags {found['detector cuda contamination on training data']:.1%} of its training data"),
]
table = "\n".join(["| what | GPU against CPU |", "|---|---|", *[f"| {what} | {result} |" for what, result in rows]])
write_results("cuda_checks", found, f"""## Issue 9's commands on a GPU against the CPU

Digits models trained with `--device {GPU}` (5 epochs), then used on both devices ({found['gpu']}):

{table}

Reproduce: `python bench/cuda_checks.py` on a machine with CUDA (measured on {machine()}).
""")
