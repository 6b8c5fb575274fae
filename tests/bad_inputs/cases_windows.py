"""Bad long series: a window longer than the series (or than one of several recordings), recordings too short for
a training and a test window, a stride longer than the window, a table without a numeric channel, with a text
column, with a gap inside a recording, a named time or id column that is not there, id= on a .npy file, and point
scores written to a file that is not a table."""

from __future__ import annotations

import numpy as np

from bad_inputs.case import Case, Workspace

TRAIN = ["train", "--epochs", "1", "--out", "{root}/new", "--data"]


def _log(w: Workspace, name: str = "log.csv", steps: int = 100, **columns: object) -> None:
    lines = ["time,a,b"] + [f"2024-01-01 {i // 60:02d}:{i % 60:02d},{np.sin(i / 5):.4f},{i % 7}" for i in range(steps)]
    w.write(name, "\n".join(lines) + "\n")


def _two(w: Workspace) -> None:
    rows = [f"{name},{i},{i % 5}" for name, length in (("long", 200), ("short", 40)) for i in range(length)]
    w.write("two.csv", "machine,step,value\n" + "\n".join(rows) + "\n")


def _points_to_npy(w: Workspace) -> None:
    import pandas as pd

    from vaekit.tasks.scoring.points import write_point_scores

    write_point_scores(w.path("points.npy"), pd.DataFrame({"id": [0], "step": [0], "iw": [1.0]}))


CASES = [
    Case("window-longer-than-series", r"--window 500 is longer than the series \(100 steps, the shortest\); choose a "
         r"window of at most 100 steps", [*TRAIN, "series:path={root}/log.csv", "--window", "500"], setup=_log),
    Case("window-longer-than-a-recording", r"--window 64 is longer than recording 'short' \(40 steps, the shortest\)",
         [*TRAIN, "series:path={root}/two.csv,id=machine", "--window", "64"], setup=_two),
    Case("window-no-test-part", r"no recording is long enough for a training window and a test window of 60 steps "
         r"\(the longest has 100 steps, 120 needed\)", [*TRAIN, "series:path={root}/log.csv", "--window", "60"],
         setup=_log),
    Case("window-stride-longer", r"data\.stride 40 is longer than data\.window 20.*choose a stride of at most",
         [*TRAIN, "series:path={root}/log.csv", "--window", "20", "--stride", "40"], setup=_log),
    Case("series-table-no-channel", r"has no numeric column besides its time and id columns",
         [*TRAIN, "series:path={root}/dates.csv", "--window", "4"],
         setup=lambda w: w.write("dates.csv", "date\n2024-01-01\n2024-01-02\n")),
    Case("series-table-text-column", r"column 'state' of .* is not numeric .*drop it, or name the time or id column",
         [*TRAIN, "series:path={root}/text.csv", "--window", "2"],
         setup=lambda w: w.write("text.csv", "a,state\n1,on\n2,off\n3,on\n4,on\n")),
    Case("series-table-gap", r"column 'a' is NaN, empty or infinite at step 2; a series has no gaps inside it",
         [*TRAIN, "series:path={root}/gap.csv", "--window", "2"],
         setup=lambda w: w.write("gap.csv", "a,b\n1,1\n2,2\n,3\n4,4\n5,5\n")),
    Case("series-table-time-absent", r"has no column 'stamp' to read as the time column; its columns are: time, a, b",
         [*TRAIN, "series:path={root}/log.csv,time=stamp", "--window", "10"], setup=_log),
    Case("series-table-id-absent", r"has no column 'unit' to read as the recording id column",
         [*TRAIN, "series:path={root}/log.csv,id=unit", "--window", "10"], setup=_log),
    Case("series-npy-with-id", r"id= and time= name columns of a \.csv or \.parquet table; .* is \.npy: leave them out",
         [*TRAIN, "series:path={root}/walks.npy,id=unit"],
         setup=lambda w: np.save(w.path("walks.npy"), np.zeros((4, 6, 1), dtype=np.float32))),
    Case("point-scores-not-a-table", r"point scores are a long table; choose an output ending in \.csv or \.parquet",
         api=_points_to_npy),
    Case("window-on-images", r"--window and --stride cut long series .* 'digits' is not series data",
         ["train", "--data", "digits", "--window", "8", "--epochs", "1", "--out", "{root}/new"]),
]
