"""`vaekit serve` under load on loopback: score requests of 100 Fashion-MNIST images from several concurrent
clients for a fixed time, against the same scores computed in-process (model.score), in one run.

Run 1 (throughput), once per --workers count (vaekit serve --workers N; default 1 and 2): CLIENTS threads post .npy
bodies of 100 test images to /score (kind iw, K importance samples) for SECONDS; requests per second, p50 / p99
latency, errors, the server's resident memory (all its processes) at the start and the end, and the service's
examples per second against in-process score_many on the same batches.
Run 2 (hostile mix): the service started with a token; each client cycles through a valid request, a malformed
one (a wrong shape), an oversized one (over --max-bytes) and one without the token. Every bad one must get its
4xx (400, 413, 401) and every good one the in-process scores of its batch (the same seed).

    python bench/serve_load.py                      # writes BENCHMARKS.md section serve-load
    python bench/serve_load.py --seconds 10 --no-write
"""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import vaekit  # noqa: E402
from report import machine, write_results  # noqa: E402
from vaekit.tasks.scoring import score_many  # noqa: E402

BATCH = 100
K = 20
TOKEN = "bench-token"
MAX_BYTES = 1_000_000  # an oversized body: 400 images (1.25 MB) against this limit


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _rss_mb(pid: int) -> float:
    """The resident memory of a process and its children (uvicorn's worker processes), in MB."""
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):  # a process that ended meanwhile
            continue
    tree, grew = {pid}, True
    while grew:
        found = {child for child, parent in parents.items() if parent in tree}
        grew = not found <= tree
        tree |= found
    total = 0.0
    for member in tree:
        try:
            status = Path(f"/proc/{member}/status").read_text().splitlines()
        except OSError:
            continue
        total += sum(int(line.split()[1]) / 1024 for line in status if line.startswith("VmRSS:"))
    return total


def _npy(x: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, x, allow_pickle=False)
    return buffer.getvalue()


def _serve(run: Path, port: int, token: str | None, workers: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "vaekit", "serve", str(run), "--port", str(port), "--max-bytes", str(MAX_BYTES),
               "--workers", str(workers)]
    if token:
        command += ["--token", token]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1,
                         headers={"Authorization": f"Bearer {token}"} if token else {}).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the service did not start: {server.stderr.read().decode()[-500:]}")


def throughput(run: Path, batches: list[np.ndarray], clients: int, seconds: float, workers: int,
               fresh: bool) -> dict:
    """One run of `clients` threads posting for `seconds`; `fresh`: a new connection for every request (else each
    client keeps one, and with several workers each connection stays with the process that accepted it)."""
    import httpx

    port = _port()
    server = _serve(run, port, None, workers)
    url = f"http://127.0.0.1:{port}/score?kind=iw&k={K}&seed=0"
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    try:
        start_memory = _rss_mb(server.pid)
        bodies = [_npy(b) for b in batches]

        def client(index: int) -> None:
            with httpx.Client(timeout=60, limits=httpx.Limits(max_keepalive_connections=0 if fresh else 1)) as http:
                i = index
                while time.perf_counter() < stop:
                    began = time.perf_counter()
                    answer = http.post(url, content=bodies[i % len(bodies)],
                                       headers={"Content-Type": "application/octet-stream"})
                    took = time.perf_counter() - began
                    with lock:
                        latencies.append(took)
                        errors[0] += answer.status_code != 200
                    i += clients

        began = time.perf_counter()
        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for thread in threads:
            thread.start()
        time.sleep(min(10.0, seconds / 2))
        warm_memory = _rss_mb(server.pid)  # after the first requests: the allocator's and torch's pools filled
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        end_memory = _rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    found = np.array(latencies)
    return {"requests": len(found), "seconds": elapsed, "requests_per_s": len(found) / elapsed,
            "examples_per_s": len(found) * BATCH / elapsed, "p50_ms": float(np.percentile(found, 50) * 1000),
            "p99_ms": float(np.percentile(found, 99) * 1000), "errors": errors[0],
            "memory_start_mb": start_memory, "memory_warm_mb": warm_memory, "memory_end_mb": end_memory}


def in_process(model: vaekit.VAE, batches: list[np.ndarray], seconds: float) -> float:
    """Examples per second of score_many on the same batches, one after another, for `seconds`."""
    count, began = 0, time.perf_counter()
    while time.perf_counter() - began < seconds:
        score_many(model, torch.from_numpy(batches[count % len(batches)]), "iw", k=K, seed=0)
        count += 1
    return count * BATCH / (time.perf_counter() - began)


def hostile(run: Path, model: vaekit.VAE, batches: list[np.ndarray], clients: int, seconds: float,
            workers: int) -> dict:
    import httpx

    port = _port()
    server = _serve(run, port, TOKEN, workers)
    url = f"http://127.0.0.1:{port}/score?kind=iw&k={K}&seed=0"
    good = {"Content-Type": "application/octet-stream", "Authorization": f"Bearer {TOKEN}"}
    expected = [score_many(model, torch.from_numpy(b), "iw", k=K, seed=0)["iw"].numpy() for b in batches[:8]]
    kinds = {"valid": (200, lambda i: _npy(batches[i % 8]), good),
             "malformed": (400, lambda i: _npy(batches[0][:, :, :20]), good),
             "oversized": (413, lambda i: _npy(np.concatenate(batches[:4])), good),
             "no token": (401, lambda i: _npy(batches[0]), {"Content-Type": "application/octet-stream"})}
    tally = {name: {"sent": 0, "as_expected": 0} for name in kinds}
    wrong_answers = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    try:
        def client(index: int) -> None:
            names = list(kinds)
            with httpx.Client(timeout=60) as http:
                i = index
                while time.perf_counter() < stop:
                    name = names[i % len(names)]
                    status, body, headers = kinds[name]
                    answer = http.post(url, content=body(i // len(names)), headers=headers)
                    right = answer.status_code == status and "error" in answer.json() if status != 200 else \
                        answer.status_code == 200
                    if status == 200 and right:
                        found = np.asarray(answer.json()["scores"]["iw"])
                        if not np.allclose(found, expected[(i // len(names)) % 8], rtol=1e-5, atol=1e-4):
                            with lock:
                                wrong_answers[0] += 1
                            right = False
                    with lock:
                        tally[name]["sent"] += 1
                        tally[name]["as_expected"] += bool(right)
                    i += clients

        threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"requests": tally, "wrong_answers": wrong_answers[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--workers", default="1,2", help="vaekit serve --workers, one throughput run each")
    parser.add_argument("--connections", default="kept,fresh", help="kept (one per client) and/or fresh (one per "
                        "request): a throughput run each, with more than one worker")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("VAEKIT_TOKEN", "")
    data = vaekit.load_dataset("fashion-mnist", download=False)
    images = data.test_x.numpy()
    batches = [images[i:i + BATCH] for i in range(0, 2000, BATCH)]
    config = {"data": {"source": "fashion-mnist"},
              "model": {"network": "mlp", "hidden": [400], "latent_dim": 20, "likelihood": "bernoulli"},
              "train": {"epochs": args.epochs, "batch_size": 128, "seed": 0}}
    with tempfile.TemporaryDirectory() as folder:
        run = Path(folder) / "run"
        model = vaekit.train(config, run, progress=False, pictures=False).model.cpu().eval()
        local = in_process(model, batches, min(args.seconds, 20))
        counts = [int(count) for count in args.workers.split(",")]
        modes = args.connections.split(",")
        loads = {(count, mode): throughput(run, batches, args.clients, args.seconds, count, mode == "fresh")
                 for count in counts for mode in (modes if count > 1 else modes[:1])}
        mix = hostile(run, model, batches, args.clients, args.seconds, max(counts))
    results = {"machine": machine(), "clients": args.clients, "seconds": args.seconds, "k": K, "batch": BATCH,
               "in_process_examples_per_s": local, "loads": {f"{c} {m}": load for (c, m), load in loads.items()},
               "hostile": mix}
    command = "python bench/serve_load.py" + "".join(f" {a}" for a in sys.argv[1:])
    lines = ["## The scoring service under load (issue 25)", "",
             f"`{command}` on {machine()}. `vaekit serve --workers N` on loopback (uvicorn; N processes, each with "
             f"the cores / N torch threads) with the classic model (MLP 784-400-20, Bernoulli, {args.epochs} epochs on "
             f"Fashion-MNIST); {args.clients} concurrent clients (threads of this script, on the same cores) for "
             f"{args.seconds:.0f} s each, each request a .npy body of {BATCH} test images scored with iw, k = {K}. "
             "In-process: score_many on the same batches one after another, torch on every core. Memory: the "
             "server's processes together (the parent that checked the runs, and each worker). Connections: kept, "
             "each client keeps one (with several workers, a connection stays with the process that accepted it, "
             "so the load is split by connections, not by requests); fresh, a new one for every request.", "",
             "| workers | connections | requests | requests / s | p50 | p99 | errors | server memory: idle, after "
             "10 s, at the end | examples / s | in-process score_many | service / in-process |",
             "|---:|---|---:|---:|---:|---:|---:|---|---:|---:|---:|"]
    for (count, mode), load in loads.items():
        share = load["examples_per_s"] / local
        lines.append(f"| {count} | {mode} | {load['requests']:,} | {load['requests_per_s']:.1f} | "
                     f"{load['p50_ms']:.0f} ms | "
                     f"{load['p99_ms']:.0f} ms | {load['errors']} | {load['memory_start_mb']:.0f}, "
                     f"{load['memory_warm_mb']:.0f}, {load['memory_end_mb']:.0f} MB | {load['examples_per_s']:,.0f} | "
                     f"{local:,.0f} | {share:.2f} (goal ≥ 0.70: {'met' if share >= 0.7 else 'missed'}) |")
    lines += ["", f"A second {args.seconds:.0f} s with a token set ({max(counts)} workers), each client cycling "
              "through a valid request, a malformed one (a wrong shape), an oversized one (over --max-bytes) and one "
              "without the token:", "",
             "| request | sent | answered as expected |", "|---|---:|---:|"]
    expected = {"valid": "200, the in-process scores", "malformed": "400", "oversized": "413", "no token": "401"}
    for name, tally in mix["requests"].items():
        lines.append(f"| {name} ({expected[name]}) | {tally['sent']:,} | {tally['as_expected']:,} |")
    lines.append(f"\nValid answers that differed from the in-process scores: {mix['wrong_answers']}.")
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_results("serve-load", results, text)


if __name__ == "__main__":
    main()
