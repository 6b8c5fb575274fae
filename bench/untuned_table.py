"""The markdown tables of BENCHMARKS.md's small-data section, rendered from what bench/untuned_data.py wrote, so
that no figure there is typed by hand.

    python bench/untuned_table.py bench/results/untuned_data_whole_2p5.json            # every use in the file
    python bench/untuned_table.py bench/results/untuned_clustering_criterion.json --uses clustering
    python bench/untuned_table.py five.json --beside "one.json=one M2"   # one.json's defaults as "vaekit one M2"

One table per use: each baseline, the defaults, the tuned model (and the defaults of runs given --beside), whether
each wins (at least as good as the best baseline, as the script decides it) and the seconds the case took; then
the counts of cases won.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path

TITLES = {"denoising_gaussian": "denoising, gaussian 0.3", "denoising_salt_pepper": "denoising, salt and pepper 0.1",
          "inpainting": "inpainting, lower half"}
DATA_NAMES = {"mnist": "MNIST", "fashion_mnist": "Fashion-MNIST"}
IMAGE_USES = ("denoising", "inpainting")  # PSNR in dB, two decimals; the other uses' figures take three
BASELINE = "baseline "
VAEKIT = "vaekit "


def _wins(row: dict, value: float) -> bool:
    best = (max if row["higher_is_better"] else min)(v for k, v in row.items() if k.startswith(BASELINE))
    return value >= best if row["higher_is_better"] else value <= best


def render(rows: list[dict]) -> str:
    """The tables of `rows` (the script's "results"), one per use in their order, and the counts. Rows of several
    splits (--split-seeds) name their split, and each data set's means over the splits follow its use's table; a
    run without a search (--minutes 0) has no tuned columns."""
    lines: list[str] = []
    uses = list(dict.fromkeys(row["use"] for row in rows))
    found = list(dict.fromkeys(k[len(VAEKIT):] for row in rows for k in row if k.startswith(VAEKIT)))
    won = {label: 0 for label in found}
    several = len({row.get("split_seed", 0) for row in rows}) > 1
    for use in uses:
        cases = [row for row in rows if row["use"] == use]
        baselines = list(dict.fromkeys(k for row in cases for k in row if k.startswith(BASELINE)))
        shown = (lambda v: f"{v:.2f}") if use.startswith(IMAGE_USES) else (lambda v: f"{v:.3f}")
        better = "higher" if cases[0]["higher_is_better"] else "lower"
        labels = [label for label in found if any(f"vaekit {label}" in row for row in cases)]
        lines += ["", f"**{TITLES.get(use, use)}** ({better} is better)", "",
                  "| data | " + " | ".join(b[len(BASELINE):] for b in baselines) + " | "
                  + " | ".join(f"vaekit {label}" for label in labels) + " | "
                  + " | ".join(f"{label} win" for label in labels) + " | seconds |",
                  "|---" * (len(baselines) + 2 * len(labels) + 2) + "|"]
        for row in cases:
            verdicts, figures = [], []
            for label in labels:
                if f"vaekit {label}" not in row:  # a row of a run without a search (--minutes 0)
                    verdicts.append(""), figures.append("")
                    continue
                wins = _wins(row, row[f"vaekit {label}"])
                won[label] += wins
                verdicts.append("yes" if wins else "**no**")
                figures.append(shown(row[f"vaekit {label}"]))
            cells = [shown(row[b]) if b in row else "" for b in baselines]
            split = f", split {row.get('split_seed', 0)}" if several else ""
            lines.append(f"| {DATA_NAMES.get(row['data'], row['data'])}{split} | " + " | ".join(cells)
                         + " | " + " | ".join(figures) + " | " + " | ".join(verdicts) + f" | {row['seconds']:.0f} |")
        if several:
            lines += [""] + [_means(cases, name, baselines, shown) for name in dict.fromkeys(r["data"] for r in cases)]
    minutes = sum(row["seconds"] for row in rows) / 60
    wins = [f"the tuned model wins {count}" if label == "tuned" else f"the {label} win {count}" if
            label == "defaults" else f"vaekit {label} wins {count}" for label, count in won.items()]
    lines += ["", f"{len(rows)} cases in {minutes:.0f} minutes: {', '.join(wins)}."]
    return "\n".join(lines)


def _means(cases: list[dict], name: str, baselines: list[str], shown: Callable[[float], str]) -> str:
    """'- NAME, mean over N splits: each baseline's, and vaekit's' for one data set of a use."""
    rows = [row for row in cases if row["data"] == name]
    keys = [key for key in baselines + [k for k in rows[0] if k.startswith(VAEKIT)] if all(key in row for row in rows)]
    means = ", ".join(f"{key.removeprefix(BASELINE)} {shown(sum(row[key] for row in rows) / len(rows))}"
                      for key in keys)
    return f"- {DATA_NAMES.get(name, name)}, mean over {len(rows)} splits: {means}"


def _case(row: dict) -> tuple:
    """What makes two runs' rows the same case: the use, the data and the split."""
    return row["use"], row["data"], row.get("split_seed", 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, help="the JSON bench/untuned_data.py wrote (--out)")
    parser.add_argument("--uses", default=None, help="uses to show, separated by commas [default: all in the file]")
    parser.add_argument("--beside", action="append", default=[], metavar="FILE=LABEL",
                        help="another run of the same cases (and splits): its defaults shown as 'vaekit LABEL'")
    args = parser.parse_args()
    found = json.loads(args.results.read_text())
    rows = [row for row in found["results"] if args.uses is None or row["use"] in args.uses.split(",")]
    for beside in args.beside:
        path, label = beside.split("=", 1)
        other = {_case(row): row for row in json.loads(Path(path).read_text())["results"]}
        for row in rows:
            if _case(row) in other:
                row[f"{VAEKIT}{label}"] = other[_case(row)]["vaekit defaults"]
    print(f"<!-- {args.results.name}: {found['machine']}, {found['threads']} threads, --minutes {found['minutes']} -->")
    print(render(rows))


if __name__ == "__main__":
    main()
