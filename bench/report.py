"""Writing a benchmark's results: a JSON file under bench/results/ and a section of BENCHMARKS.md."""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]


def machine() -> str:
    """The CPU model, core count, torch build and GPU (where there is one), for the line that says where numbers
    were measured."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        found = re.search(r"model name\s*:\s*(.+)", cpuinfo.read_text())
        model = found.group(1).strip() if found else model
    return (f"{model}, {os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads, "
            f"Python {platform.python_version()}"
            + (f", GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else ""))


def add_device_option(parser: argparse.ArgumentParser) -> None:
    """Add `--device cpu|cuda` to a benchmark's parser; settle it with `settle_device`."""
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cpu (default): one thread, as the recorded tables were measured; cuda: a lent GPU")


def settle_device(device: str) -> str:
    """The device a run trains on: "cpu" with torch held to one thread (the recorded tables were measured so, on
    shared machines), or "cuda" where a GPU is there; asking for cuda without one stops here in one line rather
    than deep inside the first training step."""
    if device == "cpu":
        torch.set_num_threads(1)
        return "cpu"
    if not torch.cuda.is_available():
        raise SystemExit("error: --device cuda, but torch sees no CUDA GPU on this machine; run with --device cpu")
    return "cuda"


def device_words(device: str) -> str:
    """Where a run ran, for the prose of a benchmark's section: "CPU, one thread" or "GPU (its name)"."""
    return f"GPU ({torch.cuda.get_device_name(0)})" if device == "cuda" else "CPU, one thread"


def write_results(name: str, results: dict, markdown: str) -> None:
    """Save results as JSON and replace the section between `<!-- name:start -->` and `<!-- name:end -->`."""
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.is_file() else "# Benchmarks\n"
    section = f"<!-- {name}:start -->\n{markdown.strip()}\n<!-- {name}:end -->"
    pattern = re.compile(rf"<!-- {re.escape(name)}:start -->.*?<!-- {re.escape(name)}:end -->", re.S)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)


def save_rows(path: str | Path, rows: list[dict]) -> None:
    """A bench's rows so far as JSON at `path`, with the machine they were measured on: written after each row,
    so a run stopped halfway keeps what it measured."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps({"machine": machine(), "threads": torch.get_num_threads(), "results": rows},
                                     indent=1))


def lowest_in_bold(row: dict, keys: list[str]) -> list[str]:
    """row's figures under `keys` as markdown cells to three decimals, the lowest (the best error) in bold."""
    best = min(row[key] for key in keys)
    return [f"**{row[key]:.3f}**" if row[key] == best else f"{row[key]:.3f}" for key in keys]
