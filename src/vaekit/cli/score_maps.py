"""Writing `vaekit score --map`: each kind's map in the data's own form, and a picture of where the most anomalous
examples' scores come from.

    images  NAME-map-KIND.npy (N, H, W), ids beside it; NAME-map-KIND.png: the 8 most anomalous over their maps
    tables  NAME-map-KIND.csv (id, one column per table column); NAME-map-KIND.png: the columns ranked over the
            most anomalous tenth of the rows
    series  NAME-map-KIND.csv (id, step, score; real steps only); NAME-map-KIND.png: the 4 most anomalous, shaded
    long series cut into windows (--window): also NAME-points.csv, each recording's steps with the mean of the
            scores of the windows covering them (KIND), and that score on two scales (KIND multiscale: the larger of
            it and its 9-step mean, each in median absolute deviations of its recording), which bench/
            series_anomalies.py chose on validation series for anomalies that last
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.data.writers import save_array_with_ids, save_table

SHOWN_IMAGES = 8
SHOWN_SERIES = 4


def map_path(scores_path: Path, kind: str, suffix: str) -> Path:
    """scores.csv -> scores-map-iw.npy: beside the scores, named by them."""
    return scores_path.with_name(f"{scores_path.stem}-map-{kind}{suffix}")


def write_map(scores_path: Path, kind: str, maps: torch.Tensor, scores: torch.Tensor, x: torch.Tensor,
              ids: np.ndarray, info: dict[str, Any]) -> list[Path]:
    """The files of one kind's map, beside the scores file; the examples shown are those with the highest
    `scores` of that kind."""
    values = maps.numpy()
    order = np.argsort(-scores.numpy(), kind="stable")
    names = [f"{ids[i]}\n{kind} {float(scores[i]):.1f}" for i in order]
    data = info.get("kind")
    if values.ndim == 3 and data == "image":
        from vaekit.plots.score_maps import save_image_maps

        shown = order[:SHOWN_IMAGES]
        return [save_array_with_ids(map_path(scores_path, kind, ".npy"), values, ids),
                save_image_maps(map_path(scores_path, kind, ".png"), x[shown].numpy(), values[shown],
                                names[:SHOWN_IMAGES], kind)]
    if values.ndim == 2 and data == "series":
        from vaekit.plots.score_maps import save_series_maps

        rows, steps = np.nonzero(np.isfinite(values))
        table = save_table(map_path(scores_path, kind, ".csv"), values[rows, steps][:, None], [kind],
                           {"step": steps}, ids=np.asarray(ids)[rows])
        shown = order[:SHOWN_SERIES]
        picture = save_series_maps(map_path(scores_path, kind, ".png"), x[shown][..., :-1].numpy(), values[shown],
                                   names[:SHOWN_SERIES], kind)
        return [table, picture]
    if values.ndim == 2:
        from vaekit.plots.score_maps import save_column_ranking

        columns = info.get("columns")
        columns = columns if columns is not None and len(columns) == values.shape[1] else \
            [f"x{j}" for j in range(values.shape[1])]
        top = order[:max(1, len(order) // 10)]
        return [save_table(map_path(scores_path, kind, ".csv"), values, list(columns), ids=ids),
                save_column_ranking(map_path(scores_path, kind, ".png"), values[top], columns, kind,
                                    f"the {len(top)} highest-scoring rows")]
    return [save_array_with_ids(map_path(scores_path, kind, ".npy"), values, ids)]  # other shapes: the array only


def write_points(scores_path: Path, data: Any, split: str, maps: dict[str, torch.Tensor]) -> Path:
    """NAME-points.csv: the windows' maps folded back onto their recordings' steps (tasks/scoring/points.py)."""
    from vaekit.tasks.scoring.points import multiscale_points, point_table, write_point_scores

    table = point_table(data, maps, split)
    for kind in maps:
        table[f"{kind} multiscale"] = table.groupby("id", sort=False)[kind].transform(
            lambda steps: multiscale_points(steps.to_numpy()))
    return write_point_scores(scores_path.with_name(f"{scores_path.stem}-points.csv"), table)

