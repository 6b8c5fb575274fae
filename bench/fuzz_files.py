"""Fuzzing the readers of files from strangers with many more cases than tests/test_file_fuzz.py runs: the same
strategies and the same checks (a result or a one-line VaekitError, no other exception, no hang, nothing
allocated beyond the memory check under an address-space limit), drawn at random from a seed.

Prints one JSON object: the cases per reader and how many gave a result, the cases in all, the seconds and the
process's peak resident memory (MB).

    python bench/fuzz_files.py --write               # 5,000 cases a reader: 20,000 in all; BENCHMARKS.md
    python bench/fuzz_files.py --cases 200 --seed 1  # a quick look
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import test_file_fuzz as fuzz  # noqa: E402  (the strategies and checks live with the test)
from report import machine, write_results  # noqa: E402


def run(strategy: st.SearchStrategy, check: Callable[[Any], bool], cases: int, seed_value: int) -> dict[str, int]:
    """`cases` values drawn from `strategy`, each given to `check`: how many there were and gave a result."""
    counts = {"cases": 0, "results": 0}

    @settings(max_examples=cases, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @seed(seed_value)
    @given(strategy)
    def fuzzed(value: Any) -> None:
        counts["cases"] += 1
        counts["results"] += check(value)

    fuzzed()
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000, help="cases a reader (four readers)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write BENCHMARKS.md's section and results/")
    args = parser.parse_args()
    model, base = fuzz.small_model()
    folder = Path(tempfile.mkdtemp(prefix="vaekit-fuzz-"))
    readers = {
        "vkz_edited_headers": (fuzz.edited_headers(base), lambda data: fuzz.decompressed(model, data)),
        "vkz_damaged_files": (fuzz.damaged_files(base), lambda data: fuzz.decompressed(model, data)),
        "npy_npz_files": (fuzz.array_files(), lambda drawn: fuzz.loaded(folder, drawn)),
        "vocabularies": (st.tuples(fuzz.vocabularies(), st.none() | st.integers(0, 12)),
                         lambda drawn: fuzz.read(folder, *drawn)),
    }
    start = time.perf_counter()
    results = {name: run(strategy, check, args.cases, args.seed) for name, (strategy, check) in readers.items()}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux
    summary = {"readers": results, "cases": sum(r["cases"] for r in results.values()),
               "seconds": round(seconds, 1), "peak_mb": round(peak), "seed": args.seed,
               "address_space_headroom_gb": fuzz.HEADROOM / 1024 ** 3,
               "machine_memory_told_mb": fuzz.MACHINE / 1024 ** 2,
               "vkz_machine_memory_told_mb": fuzz.VKZ_MACHINE / 1024 ** 2, "machine": machine()}
    print(json.dumps(summary))
    if args.write:
        rows = "\n".join(f"| {name.replace('_', ' ')} | {r['cases']:,} | {r['results']:,} | "
                         f"{r['cases'] - r['results']:,} |" for name, r in results.items())
        write_results("fuzz_files", summary, f"""## Fuzzing the readers of files from others (issue 22)

`python bench/fuzz_files.py --write` (seed {args.seed}) on {machine()}: Hypothesis draws crafted and damaged
files for each reader (.vkz headers edited and signed again, .vkz bytes flipped and cut, .npy/.npz files with
crafted headers and zip members, vocabulary.json files), each read under an address-space limit
{fuzz.HEADROOM / 1024 ** 3:.0f} GB above the process's own and a 20 s alarm. Every case must give a result or one
line of VaekitError: no other exception, no hang, no allocation past the limit.

| reader | cases | read | refused in one line |
|---|---|---|---|
{rows}

{summary['cases']:,} cases in {seconds:.0f} s, peak resident memory {peak:.0f} MB, no failure.
""")


if __name__ == "__main__":
    main()
