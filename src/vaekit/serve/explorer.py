"""The explorer's model work: what the page at / shows of a run, as JSON values (routes in explorer_routes.py).

    state = Exploration(run)             # the run's test split encoded once: codes, 2-D projection, KL order
    state.view()                         # the scatter, the sliders' dimensions and ranges, an example row
    decoded(run, z)                      # codes -> what they decode to, in the form the page draws
    state.example(i)                     # one point's input and reconstruction
    uploaded(run, data, "cat.png")       # a user's file: its reconstruction, every score and a per-entry map
    state.columns()                      # a table's columns, real against synthetic, as shares per bin or level

The scatter is the posterior means of up to MAX_POINTS test examples; with more than two latent dimensions it is
their projection on the first two principal axes, and a point of the plane decodes as center + u a1 + v a2 (the
other directions at the data's mean). Sliders are ordered by each dimension's mean KL on those examples (the
variance of the means for a prior without a KL per dimension, as tasks/traversals.py orders them) and span the
prior's mean +- 3 standard deviations.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

from vaekit.core.errors import VaekitError
from vaekit.core.registry import SCORES
from vaekit.data.audio.folder import AUDIO_SUFFIXES
from vaekit.data.image.reading import IMAGE_SUFFIXES, probe
from vaekit.data.kinds import data_kind
from vaekit.data.text.reader import TEXT_SUFFIXES
from vaekit.model.input_checks import as_latent
from vaekit.serve import handlers
from vaekit.serve.bodies import as_json
from vaekit.tasks.outputs import embed, select_data
from vaekit.tasks.scoring import default_kinds
from vaekit.tasks.traversals import SPREAD, dimension_order, prior_moments

MAX_POINTS = 1000  # examples in the scatter
MAX_DECODED = 64  # codes one explorer request decodes
MAX_UPLOADED = 16  # examples of an uploaded file shown and scored
SLIDERS = 16  # latent dimensions given a slider, most informative first
SYNTHETIC_ROWS = 1000  # rows drawn for a table's real-against-synthetic charts
BINS, LEVELS = 20, 12  # a number column's bins; a category column's levels shown (the rest as "other")
MAX_COLUMNS = 48  # entries of a vector shown as a table row; more are drawn as a line
MAX_UPLOAD_PIXELS = 4096 * 4096  # an uploaded image's size, read from its header before it is decoded
# what an upload may be: files that hold no more than their bytes say (.npz and .parquet are compressed, so a body
# within the size limit could unpack to far more); images and recordings are read as a folder of one
FOLDER_SUFFIXES = (*IMAGE_SUFFIXES, *AUDIO_SUFFIXES)
UPLOAD_SUFFIXES = (*FOLDER_SUFFIXES, ".npy", ".csv", *TEXT_SUFFIXES)


def shown(run: Any, batch: torch.Tensor) -> dict[str, Any]:
    """Examples (N, *shape) in the form the page draws: table rows in the data's own columns and values, pictures
    (C, H, W), series (T, C) with null after their end, or nothing drawable (text)."""
    kind, info = kind_of(run)
    frame = kind.frame(batch, info)
    # a table row, unless it is a long vector of measures (784 pixels as a .npy): those read better as a line
    if frame is not None and (len(frame.columns) <= MAX_COLUMNS or not kind.values_are_measures):
        rows = [[_json_value(value) for value in row] for row in frame.itertuples(index=False)]
        return {"form": "rows", "columns": [str(name) for name in frame.columns], "rows": rows}
    values = np.asarray(kind.values(batch), dtype=np.float64)
    if kind.example_ndim == 3:
        return {"form": "image", "values": as_json(values), "unit": kind.unit_pictures}
    if kind.example_ndim == 2 or kind.values_are_measures:  # a long vector: a line over its entries
        return {"form": "series", "values": as_json(values if values.ndim == 3 else values[..., None])}
    return {"form": "none"}


def kind_of(run: Any) -> tuple[Any, dict[str, Any]]:
    """The run's data kind, and its config.json "data" with the run directory (what the kind reads)."""
    info = {**(run.data_info or {}), "run_dir": run.path}
    return data_kind(info.get("kind", run.model.data_kind)), info


def decoded(run: Any, z: np.ndarray, y: Any = None) -> dict[str, Any]:
    """What codes z (N, latent_dim) decode to: the likelihood's mean, in the form `shown` gives; y, the class of
    each code, for a run that decodes with one (a conditional or semi-supervised VAE)."""
    model = run.model
    codes = as_latent(z, model)
    if len(codes) > MAX_DECODED:
        raise VaekitError(f"decode at most {MAX_DECODED} codes per request, got {len(codes)}")
    labels = handlers.labels(model, y, len(codes))  # None for a run without classes; else checked, in one line
    with torch.no_grad():
        return shown(run, model.decode(codes.to(model.device), _on(labels, model)).mean.cpu())


def _on(labels: torch.Tensor | None, model: Any) -> torch.Tensor | None:
    return None if labels is None else labels.to(model.device)


def uploaded(run: Any, data: bytes, name: str, y: int | None = None) -> dict[str, Any]:
    """A user's file read as the run reads its data (an image, a table row, a series, an array): up to
    MAX_UPLOADED of its examples, their reconstructions, every score kind the run gives and the first kind's
    per-entry map; y, the examples' class, for a run with classes."""
    model = run.model
    suffix = Path(name).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise VaekitError(f"upload a file ending in {', '.join(UPLOAD_SUFFIXES)}; got {name!r}")
    with tempfile.TemporaryDirectory(prefix="vaekit-upload-") as folder:
        # an image is read as a folder of one, with the run's own --resize/--crop; other files as they are
        where = Path(folder, "upload")
        where.mkdir()
        file = where / f"upload{suffix}"
        file.write_bytes(data)
        try:
            size = probe(file).size if suffix in IMAGE_SUFFIXES else (0, 0)
            if math.prod(size) > MAX_UPLOAD_PIXELS:
                raise VaekitError(f"{name} has {size[0]}x{size[1]} pixels; upload images of at most "
                                  f"{MAX_UPLOAD_PIXELS:,} pixels")
            chosen = select_data(run, str(where if suffix in FOLDER_SUFFIXES else file))
        except VaekitError as failure:  # the user's file name, not the temporary folder's
            raise type(failure)(str(failure).replace(str(file), name).replace(str(where), name)) from None
    x = chosen.x[:MAX_UPLOADED]
    labels = handlers.labels(model, None if y is None else [y] * len(x), len(x))
    names = default_kinds(model, None)
    maps = [name for name in names if SCORES.get(name).maps][:1]
    found = handlers.score(model, x.numpy(), names, maps, 100, 0, labels)
    with torch.no_grad():
        reconstruction = model.reconstruct(x.to(model.device), y=_on(labels, model)).cpu()
    return {"count": len(chosen.x), "input": shown(run, x), "reconstruction": shown(run, reconstruction),
            "scores": as_json(found["scores"]), "map": {"kind": maps[0], "values": as_json(found["maps"][maps[0]])}
            if maps else None}


class Exploration:
    """A run's test split as the page shows it, computed once (the first request waits for it)."""

    def __init__(self, run: Any, seed: int = 0) -> None:
        model = run.model
        chosen = select_data(run)
        keep = np.sort(np.random.default_rng(seed).permutation(len(chosen.x))[:MAX_POINTS])
        self.run, self.x = run, chosen.x[keep]
        self.labels = None if chosen.y is None else chosen.y[keep].numpy()
        self.source, self.split = chosen.source, chosen.split
        # a run with classes encodes each example with its own (a CVAE needs it; M2 reads it where given)
        self.given = None if model.num_classes is None else torch.as_tensor(self.labels)
        self.codes = embed(model, self.x, y=self.given).double().numpy()
        self.center, self.axes = _projection(self.codes)
        self.order = dimension_order(model, self.x, self.given)
        with torch.no_grad():
            mean, sd = prior_moments(model.prior, model.device)
        self.prior_mean, self.prior_sd = mean.double().cpu().numpy(), sd.double().cpu().numpy()

    def view(self) -> dict[str, Any]:
        """The scatter (each point's plane position, label and code), the projection, the sliders' dimensions and
        the first example's table row as CSV (what a table's upload box starts from)."""
        info, model = self.run.data_info or {}, self.run.model
        kl = self.order.kl
        dims = [{"index": j, "kl": None if kl is None else float(kl[j]),
                 "low": float(self.prior_mean[j] - SPREAD * self.prior_sd[j]),
                 "high": float(self.prior_mean[j] + SPREAD * self.prior_sd[j])} for j in self.order.top(SLIDERS)]
        first = shown(self.run, self.x[:1])
        return {"source": str(self.source), "split": self.split, "count": len(self.x),
                "xy": as_json((self.codes - self.center) @ self.axes.T), "z": as_json(self.codes),
                "labels": None if self.labels is None else self.labels.tolist(),
                "class_names": info.get("class_names"), "center": self.center.tolist(), "axes": self.axes.tolist(),
                "classes": None if model.num_classes is None else
                (info.get("class_names") or [str(c) for c in range(model.num_classes)]),
                "order_by": "KL" if kl is not None else "variance of the means", "dims": dims,
                "form": first["form"], "example_csv": _csv(first) if first["form"] == "rows" else None}

    def example(self, index: int) -> dict[str, Any]:
        """Point `index` of the scatter: its input and its reconstruction."""
        if not 0 <= index < len(self.x):
            raise VaekitError(f"example must be 0..{len(self.x) - 1}, got {index}")
        model = self.run.model
        given = None if self.given is None else self.given[index:index + 1]
        with torch.no_grad():
            again = model.reconstruct(self.x[index:index + 1].to(model.device), y=_on(given, model)).cpu()
        return {"index": index, "input": shown(self.run, self.x[index:index + 1]),
                "reconstruction": shown(self.run, again), "code": self.codes[index].tolist()}

    def columns(self, seed: int = 0) -> dict[str, Any]:
        """Each column of the test rows beside the same column of SYNTHETIC_ROWS rows drawn from the model
        (x ~ p(x|z), z ~ p(z)): shares of each table's rows per bin (numbers) or level (categories)."""
        kind, info = kind_of(self.run)
        model = self.run.model
        generator = torch.Generator(device=model.device).manual_seed(seed)
        real = kind.frame(self.x, info)
        if real is None:
            raise VaekitError("real-against-synthetic column charts are for tables; this run's data are not one")
        # a run with classes draws them as often as the test rows hold them
        labels = None if self.given is None else self.given[torch.randint(len(self.given), (SYNTHETIC_ROWS,),
                                                                          generator=torch.Generator().manual_seed(seed))]
        drawn = model.sample(SYNTHETIC_ROWS, generator=generator, mean=False, labels=_on(labels, model))
        synthetic = kind.frame(drawn.cpu(), info)
        return {"rows": [len(real), len(synthetic)],
                "columns": [_column(name, real[name], synthetic[name]) for name in real.columns]}


def _projection(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(center (d,), axes (2, d)): the plane of the scatter. Two dimensions are themselves; more, the first two
    principal axes of the codes; one, its own axis and a flat second."""
    d = codes.shape[1]
    center = codes.mean(0) if d > 2 else np.zeros(d)
    if d <= 2 or len(codes) < 2:  # (one example has no spread to find axes in)
        return center, np.eye(2, d)
    _, _, vt = np.linalg.svd(codes - center, full_matrices=False)
    return center, vt[:2]


def _column(name: str, real: Any, synthetic: Any) -> dict[str, Any]:
    import pandas as pd

    if pd.api.types.is_numeric_dtype(real) and not pd.api.types.is_bool_dtype(real):
        a, b = real.to_numpy(float), synthetic.to_numpy(float)
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        both = np.concatenate([a, b]) if len(a) + len(b) else np.zeros(1)
        low, high = float(np.quantile(both, 0.005)), float(np.quantile(both, 0.995))
        edges = np.linspace(low, high if high > low else low + 1, BINS + 1)
        return {"name": str(name), "type": "numbers", "edges": edges.tolist(),
                "real": _shares(np.histogram(np.clip(a, edges[0], edges[-1]), edges)[0], len(real)),
                "synthetic": _shares(np.histogram(np.clip(b, edges[0], edges[-1]), edges)[0], len(synthetic))}
    real_text, synthetic_text = real.astype(str), synthetic.astype(str)
    levels = list(real_text.value_counts().index[:LEVELS])
    other = [not set(values.unique()) <= set(levels) for values in (real_text, synthetic_text)]
    names = levels + (["other"] if any(other) else [])

    def counts(values: Any) -> list[float]:
        known = [int((values == level).sum()) for level in levels]
        return _shares(known + ([len(values) - sum(known)] if any(other) else []), len(values))

    return {"name": str(name), "type": "levels", "levels": names, "real": counts(real_text),
            "synthetic": counts(synthetic_text)}


def _shares(counts: Any, total: int) -> list[float]:
    return [float(count) / max(total, 1) for count in counts]


def _csv(first: dict[str, Any]) -> str:
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(first["columns"])
    writer.writerow(["" if value is None else value for value in first["rows"][0]])
    return text.getvalue()


def _json_value(value: Any) -> Any:
    """A table cell as JSON: numbers (null for NaN), text, true/false."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):  # float32 values shown as they were written
        return float(f"{value:.7g}") if math.isfinite(value) else None
    import pandas as pd

    return None if pd.isna(value) else str(value)
