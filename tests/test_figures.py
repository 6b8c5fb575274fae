"""Every picture vaekit writes, in one labelled style: a title in plain words, a label on each row (input /
reconstruction, noisy / denoised / clean, masked / inpainted / original, class names), named columns where they
mean something (an interpolation's ends with their ids, a manifold's z values), a readable size, and something
drawn. Labels are read from the matplotlib figures that were saved, sizes and content from the files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from conftest import invoke
from vaekit.config import ModelConfig
from vaekit.model.build import build_model
from vaekit.plots.image_rows import MIN_GRID_PX, TILE_PX


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> list[Figure]:
    """Every matplotlib figure saved while the test runs, in order."""
    figures: list[Figure] = []
    original = Figure.savefig

    def record(self: Figure, *args, **kwargs):  # type: ignore[no-untyped-def]
        figures.append(self)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figures


def rows_of(fig: Figure) -> list[str]:
    return [label.get_text() for label in fig.axes[0].get_yticklabels()]


def columns_of(fig: Figure) -> list[str]:
    return [label.get_text() for label in fig.axes[0].get_xticklabels()]


def title_of(fig: Figure) -> str:
    return " ".join(fig.get_suptitle().split())  # the title as one line, however it was wrapped


def picture(path: Path, min_height: int = 300) -> np.ndarray:
    """The PNG's pixels (RGB floats), checked to be at least `min_height` tall and not one flat colour."""
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    assert pixels.shape[0] >= min_height, pixels.shape
    assert pixels.std() > 0.05  # something is drawn, not a blank page
    return pixels


def test_reconstruct_names_input_and_reconstruction_rows(digits_run: Path, tmp_path: Path, saved) -> None:
    code, output = invoke("reconstruct", digits_run, "-n", "12", "--out", tmp_path / "r.png")
    assert code == 0, output
    fig = saved[-1]
    assert rows_of(fig) == ["input", "reconstruction"] * 2  # rows of 8: each input row above its reconstructions
    assert title_of(fig).startswith("12 inputs and their reconstructions")
    picture(tmp_path / "r.png")


def test_sample_has_a_title_and_a_readable_size(digits_run: Path, tmp_path: Path, saved) -> None:
    code, output = invoke("sample", digits_run, "-n", "9", "--out", tmp_path / "s.png")
    assert code == 0, output
    assert title_of(saved[-1]) == "9 new examples decoded (the mean of p(x|z)) at random points z of the prior"
    assert rows_of(saved[-1]) == ["", "", ""]  # three rows of three, no classes to name
    pixels = picture(tmp_path / "s.png")
    assert pixels.shape[1] >= 3 * TILE_PX


def test_interpolate_shows_and_names_both_ends(digits_run: Path, tmp_path: Path, saved) -> None:
    from vaekit.tasks.outputs import select_data

    ids = select_data(digits_run).ids
    code, output = invoke("interpolate", digits_run, "--from", "2", "--to", "5", "--steps", "4", "--out",
                          tmp_path / "i.png")
    assert code == 0, output
    fig = saved[-1]
    assert columns_of(fig) == [f"example 2\nid {ids[2]}\n(input)", "0.00", "0.33", "0.67", "1.00",
                               f"example 5\nid {ids[5]}\n(input)"]
    assert f"from the code of example 2, id {ids[2]} to that of example 5, id {ids[5]}" in title_of(fig)
    pixels = picture(tmp_path / "i.png", min_height=MIN_GRID_PX)  # one strip of six: its tiles enlarged
    assert pixels.shape[1] >= 6 * MIN_GRID_PX


def test_denoise_names_noisy_denoised_and_clean_rows(digits_run: Path, tmp_path: Path, saved) -> None:
    code, output = invoke("denoise", digits_run, "-n", "5", "--add-noise", "gaussian:0.3", "--out",
                          tmp_path / "d.png", "--noisy-out", tmp_path / "noisy.png")
    assert code == 0, output
    denoised, noisy = saved[-2:]
    assert rows_of(denoised) == ["noisy", "denoised", "clean"]
    assert title_of(denoised).startswith("5 inputs made noisy with gaussian:0.3, denoised by the model")
    assert rows_of(noisy) == ["noisy"] and "gaussian:0.3" in title_of(noisy)
    picture(tmp_path / "d.png")
    np.save(tmp_path / "given.npy", np.random.default_rng(0).random((3, 1, 8, 8), dtype=np.float32))
    code, output = invoke("denoise", digits_run, "--data", tmp_path / "given.npy", "--out", tmp_path / "g.png")
    assert code == 0, output
    assert rows_of(saved[-1]) == ["input", "denoised"]  # the inputs as given: their noise is not known


def test_inpaint_names_masked_inpainted_and_original_rows(digits_run: Path, tmp_path: Path, saved) -> None:
    code, output = invoke("inpaint", digits_run, "--mask", "lower-half", "-n", "4", "--k", "5", "--out",
                          tmp_path / "p.png")
    assert code == 0, output
    fig = saved[-1]
    assert rows_of(fig) == ["masked", "inpainted", "original"]
    assert "masked (red)" in title_of(fig)
    pixels = picture(tmp_path / "p.png")
    red = (pixels[..., 0] > 0.9) & (pixels[..., 1] < 0.1) & (pixels[..., 2] < 0.1)
    assert red.sum() > 4 * 32 * 16  # the 32 masked pixels of each of 4 images, each drawn 4x4 or larger


def test_run_pictures_name_rows_and_manifold_values(digits_run: Path) -> None:
    from vaekit.runs.run import Run
    from vaekit.tasks.images import manifold_figure, reconstructions_picture, samples_picture

    run = Run.open(str(digits_run))
    model = run.load_model(torch.device("cpu"))
    x = torch.rand(16, 1, 8, 8)
    assert rows_of(reconstructions_picture(model, x)) == ["input", "reconstruction"] * 2
    assert title_of(samples_picture(model, n=16)).startswith("16 new examples")
    fig = manifold_figure(model, torch.eye(2), steps=5)  # the run's latent has two dimensions: z0 and z1
    assert columns_of(fig) == ["-1.64", "-0.60", "+0.00", "+0.60", "+1.64"]
    assert rows_of(fig) == ["+1.64", "+0.60", "+0.00", "-0.60", "-1.64"]  # high z1 at the top, as in latent.png
    assert fig.axes[0].get_xlabel() == "value along z0" and fig.axes[0].get_ylabel() == "value along z1"
    assert "z0 (across) and z1 (down), each from -1.64 to +1.64 (the middle 90% of the prior)" in title_of(fig)
    rotated = manifold_figure(model, torch.tensor([[0.6, 0.8], [-0.8, 0.6]]), steps=3)
    assert "direction 1 (across)" in title_of(rotated) and "codes of the data vary most" in title_of(rotated)


def test_samples_of_classes_are_named_by_class() -> None:
    from vaekit.tasks.images import samples_picture

    torch.manual_seed(0)
    cvae = build_model(ModelConfig(latent_dim=2, hidden=[16], conditional=True), (1, 8, 8), "image",
                       num_classes=3).eval()
    fig = samples_picture(cvae, ncol=4, class_names=["cat", "dog", "emu"])
    assert rows_of(fig) == ["cat", "dog", "emu"] and "each row of the class named on its left" in title_of(fig)
    fig = samples_picture(cvae, n=6, ncol=4, label=1, class_names=["cat", "dog", "emu"])
    assert rows_of(fig) == ["dog", "dog"] and title_of(fig).startswith("6 new examples of class dog")
    gmvae = build_model(ModelConfig(class_latent="gmvae", latent_dim=3, hidden=[16], prior_components=2),
                        (1, 8, 8)).eval()
    assert rows_of(samples_picture(gmvae, ncol=3, class_names=["0", "1"])) == ["cluster 0", "cluster 1"]


def test_sample_of_a_conditional_run_names_each_class(tmp_path: Path, saved) -> None:
    run = tmp_path / "cvae"
    code, output = invoke("train", "--conditional", "--latent-dim", "2", "--hidden", "16", "--epochs", "1",
                          "--out", run, "--quiet")
    assert code == 0, output
    samples = next(fig for fig in saved if "new examples" in title_of(fig))  # the run's samples.png
    assert rows_of(samples) == [str(k) for k in range(10)]  # the digits 0 to 9, one a row
    code, output = invoke("sample", run, "-n", "12", "--out", tmp_path / "all.png")
    assert code == 0, output
    assert rows_of(saved[-1]) == [str(k) for k in range(10)]  # 12 samples, the classes in turn: a row per class
    code, output = invoke("sample", run, "--label", "3", "-n", "4", "--out", tmp_path / "three.png")
    assert code == 0, output
    assert rows_of(saved[-1]) == ["3", "3"] and title_of(saved[-1]).startswith("4 new examples of class 3")


def drawn_ticks(axes) -> list[float]:  # type: ignore[no-untyped-def]
    """The x ticks the axes show once drawn (the locator runs at draw time), within its limits."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(axes.figure).draw()
    low, high = axes.get_xlim()
    return [t for t in axes.get_xticks() if low <= t <= high]


def test_loss_curves_of_a_short_run_tick_whole_epochs() -> None:
    from vaekit.plots.curves import loss_curves_figure

    metrics = [{"epoch": e, "train_neg_elbo": 40.0 - e, "val_neg_elbo": 39.0 - e, "val_distortion": 30.0 - e,
                "val_rate": 2.0 + e} for e in (1, 2)]
    fig = loss_curves_figure(metrics)
    for axes in fig.axes:
        ticks = drawn_ticks(axes)
        assert ticks and all(float(t).is_integer() for t in ticks), ticks  # 1 and 2, never 1.5
        assert axes.get_xlabel() == "epoch"
    assert "lower is better" in fig.axes[0].get_title()


def test_kl_chart_names_each_dimension_and_never_a_fraction() -> None:
    from vaekit.plots.kl_chart import kl_per_dimension_figure

    fig = kl_per_dimension_figure([2.0, 0.01, 1.5], [True, False, True])
    assert columns_of(fig) == ["z0", "z1", "z2"]
    assert "each latent dimension" in fig.axes[0].get_title()
    many = kl_per_dimension_figure([0.5] * 40, [True] * 40)
    assert all(float(t).is_integer() for t in drawn_ticks(many.axes[0]))
    empty = kl_per_dimension_figure([], [])
    assert "does not factorise" in empty.axes[0].texts[0].get_text()


@pytest.fixture(scope="module")
def audio_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A one-epoch run on twelve synthetic recordings (tones of two pitches, two speakers)."""
    from wav_files import write_digits

    root = tmp_path_factory.mktemp("audio")
    clips = write_digits(root / "clips", digits=2, per_speaker=3)
    code, output = invoke("train", "--data", clips, "--n-fft", "256", "--hop-length", "64", "--n-mels", "24",
                          "--latent-dim", "2", "--hidden", "16", "--likelihood", "gaussian", "--epochs", "1",
                          "--batch-size", "4", "--quiet", "--out", root / "run")
    assert code == 0, output
    return root / "run"


def panels_of(fig: Figure) -> list:  # type: ignore[type-arg]
    """The spectrogram panels that show something (not the colour bar, not an empty slot)."""
    return [axes for axes in fig.axes if axes.get_label() != "<colorbar>" and axes.images]


def colour_bars_of(fig: Figure) -> list[str]:
    return [axes.get_ylabel() for axes in fig.axes if axes.get_label() == "<colorbar>"]


def test_spectrograms_have_time_and_mel_axes_a_colour_bar_and_ids(audio_run: Path, tmp_path: Path, saved) -> None:
    from vaekit.tasks.outputs import select_data

    ids = select_data(audio_run, split="all").ids
    code, output = invoke("reconstruct", audio_run, "-n", "2", "--split", "all", "--out", tmp_path / "r.png")
    assert code == 0, output
    fig = saved[-1]
    panels = panels_of(fig)
    assert [axes.get_title() for axes in panels] == [f"id {ids[0]}", f"id {ids[1]}"] * 2  # input, then its
    assert [panels[0].get_ylabel(), panels[2].get_ylabel()] == ["input\nmel band", "reconstruction\nmel band"]
    assert panels[-1].get_xlabel() == "time (s)"  # the run's hop length and sample rate: seconds
    assert float(panels[-1].get_xlim()[1]) == pytest.approx(panels[-1].images[0].get_array().shape[1] * 64 / 8000)
    assert colour_bars_of(fig) == ["log-mel power (ln)"]
    assert title_of(fig).startswith("2 inputs and their reconstructions")
    # a reconstruction is cut to its input's length: the padding was never scored
    assert np.array_equal(np.isnan(panels[0].images[0].get_array().filled(np.nan)),
                          np.isnan(panels[2].images[0].get_array().filled(np.nan)))
    picture(tmp_path / "r.png")
    code, output = invoke("interpolate", audio_run, "--steps", "3", "--split", "all", "--out", tmp_path / "i.png")
    assert code == 0, output
    titles = [axes.get_title() for axes in panels_of(saved[-1])]
    assert titles == [f"example 0\nid {ids[0]}", "t=0.00", "t=0.50", "t=1.00", f"example 1\nid {ids[1]}"]


def test_audio_traversals_are_spectrograms_not_a_black_image(audio_run: Path, tmp_path: Path) -> None:
    for path in (audio_run / "traversals.png", tmp_path / "t.png"):  # training's, and the command's
        if path.parent == tmp_path:
            code, output = invoke("plot", "traversals", audio_run, "--out", path)
            assert code == 0, output
        pixels = picture(path, min_height=100)
        black = (pixels.max(-1) < 0.05).mean()
        assert black < 0.5, black  # a grey image of log-mel values clipped to [0, 1] was 98.9% black
        coloured = np.abs(pixels[..., 0] - pixels[..., 2]) > 0.2  # magma: red and blue differ; grey would not
        assert coloured.mean() > 0.05


def test_table_pictures_scale_each_column_and_name_columns_and_categories() -> None:
    import matplotlib

    from vaekit.plots.tables import table_figure

    x = torch.tensor([[20.0, 15000.0, 0.0], [50.0, 90000.0, 1.0], [80.0, 40000.0, 1.0]])
    fig = table_figure([("input", x), ("reconstruction", x + torch.tensor([1.0, 100.0, 0.0]))], "3 rows",
                       ["age", "income", "smoker"], [None, None, ["no", "yes"]])
    grid = fig.axes[0]
    assert [label.get_text() for label in grid.get_xticklabels()] == ["age\n20 to 81", "income\n1.5e+04 to 9.01e+04",
                                                                      "smoker\n(categories)"]
    assert [axes.get_title() for axes in fig.axes] == ["input", "reconstruction"]
    assert {"no", "yes", "20", "9e+04"} <= {text.get_text() for text in grid.texts}  # values written in
    viridis = matplotlib.colormaps["viridis"]
    # each column on its own scale (over inputs and reconstructions): the highest age (81) and the highest income
    # (90100) are both at the top of the scale, though an income is a thousand times an age
    shown = fig.axes[1].images[0].get_array()
    assert np.allclose(shown[2, 0], viridis(1.0)[:3]) and np.allclose(shown[1, 1], viridis(1.0)[:3])
    assert np.allclose(grid.images[0].get_array()[0, 0], viridis(0.0)[:3])  # 20: the lowest age
    many = table_figure([("sample", torch.rand(60, 3).round())], "60 rows", ["a", "b", "c"], [None, ["n", "y"],
                                                                                            ["p", "q"]])
    legend = [text.get_text() for text in many.legends[0].get_texts()]
    assert legend == ["b: n", "b: y", "c: p", "c: q"] and not many.axes[0].texts  # too many rows to write in


def test_table_traversals_draw_categories_as_categories() -> None:
    from vaekit.plots.traversals import Traversal, traversal_chart

    steps = 5
    decoded = torch.stack([torch.linspace(1, 3, steps), torch.tensor([0.0, 0, 1, 2, 2])], -1)  # (steps, 2)
    result = Traversal(dims=[0], values=torch.linspace(-3, 3, steps)[None], offsets=torch.linspace(-3, 3, steps),
                       codes=torch.zeros(1, 2), decoded=decoded[None, None], reconstructions=decoded[2:3])
    fig = traversal_chart(result, columns=["size", "colour"], column_values=[None, ["red", "green", "blue"]])
    panels = {axes.get_title(): axes for axes in fig.axes}
    assert [label.get_text() for label in panels["colour"].get_yticklabels()] == ["red", "green", "blue"]
    assert panels["colour"].lines[0].get_drawstyle() == "steps-mid"  # no value between two categories
    assert panels["size"].lines[0].get_drawstyle() == "default"


def test_a_table_runs_pictures_name_its_columns(tmp_path: Path, saved) -> None:
    rng = np.random.default_rng(0)
    age = rng.integers(18, 90, 80)
    table = {"age": age, "income": age * 1000 + rng.normal(0, 5000, 80).round(),
             "smoker": rng.choice(["no", "yes"], 80)}
    import pandas as pd

    pd.DataFrame(table).to_csv(tmp_path / "people.csv", index=False)
    code, output = invoke("train", "--data", tmp_path / "people.csv", "--epochs", "1", "--latent-dim", "2",
                          "--hidden", "8", "--out", tmp_path / "run", "--quiet")
    assert code == 0, output
    recon = next(fig for fig in saved if "inputs and their reconstructions" in title_of(fig))
    names = [label.get_text().split("\n")[0] for label in recon.axes[0].get_xticklabels()]
    assert names == ["age", "income", "smoker"]
    traversal = next(fig for fig in saved if "decoded mean of" in title_of(fig))
    smoker = next(axes for axes in traversal.axes if axes.get_title() == "smoker")
    assert [label.get_text() for label in smoker.get_yticklabels()] == ["no", "yes"]
    picture(tmp_path / "run" / "reconstructions.png")


def test_series_pictures_say_what_their_lines_are(tmp_path: Path, saved) -> None:
    from vaekit.plots.series import save_series_picture

    steps = torch.linspace(0, 6, 20)
    batch = torch.stack([torch.stack([torch.sin(steps + k), torch.ones(20)], -1) for k in range(3)])  # (3, 20, 1+1)
    save_series_picture(tmp_path / "s.png", batch * 0.9, ncol=3, inputs=batch)
    fig = saved[-1]
    assert title_of(fig) == "3 reconstructed series (solid) over their inputs (dashed); one line per series"
    assert [axes.get_title() for axes in fig.axes] == ["series 0", "series 1", "series 2"]
    assert (fig.get_supxlabel(), fig.get_supylabel()) == ("time step", "value")
    picture(tmp_path / "s.png", min_height=100)


def test_a_table_of_many_columns_shows_its_first_columns_and_says_so() -> None:
    from vaekit.plots.tables import SHOWN_COLUMNS, table_figure

    figure = table_figure([("input", torch.rand(5, 1000))], "5 rows")
    assert f"the first {SHOWN_COLUMNS} of 1,000 columns" in figure._suptitle.get_text()
    assert len(figure.axes[0].get_xticks()) == SHOWN_COLUMNS
