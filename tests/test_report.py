"""report.html: self-contained, every section present, rendered by headless Chromium without console errors."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import invoke

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SECTIONS = ["metrics", "curves", "reconstructions", "samples", "latent", "manifold", "traversals", "kl", "config",
            "data", "environment"]


@pytest.fixture(scope="module")
def report(digits_run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("report") / "run"
    shutil.copytree(digits_run, run)
    code, output = invoke("report", run, "--k", "20")
    assert code == 0, output
    return run / "report.html"


def test_report_is_self_contained_with_every_section(report: Path) -> None:
    page = report.read_text()
    for section in SECTIONS:
        assert f'<section id="{section}">' in page, section
    assert page.count('src="data:image/png;base64,') == 7  # the 6 run pictures and the KL chart, embedded
    assert not re.search(r'(src|href)="(https?:|//|file:)', page)
    assert "<script" not in page
    assert (report.parent / "evaluation.json").is_file()  # evaluated on the way, as the report needs it


def test_report_shows_a_histogram_of_each_score_kind(digits_run: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    shutil.copytree(digits_run, run)
    code, output = invoke("score", run, "--kind", "iw,rate", "--k", "5")
    assert code == 0, output
    code, output = invoke("report", run, "--k", "20")
    assert code == 0, output
    page = (run / "report.html").read_text()
    section = page.split('<section id="scores">')[1].split("</section>")[0]
    assert section.count('src="data:image/png;base64,') == 2  # one histogram per kind
    assert "180 examples" in section
    assert (run / "scores-iw.png").is_file() and (run / "scores-rate.png").is_file()
    assert "scores-map" not in section  # no map was asked for
    code, output = invoke("score", run, "--kind", "iw", "--k", "5", "--map")
    assert code == 0, output
    code, output = invoke("report", run, "--k", "20")
    assert code == 0, output
    section = (run / "report.html").read_text().split('<section id="scores">')[1].split("</section>")[0]
    assert section.count('src="data:image/png;base64,') == 2 and 'alt="scores-map-iw.png"' in section  # + the map


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_report_renders_in_headless_chromium_without_console_errors(report: Path, tmp_path: Path) -> None:
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    dom = subprocess.run([*flags, "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom.stdout, section
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    shot = tmp_path / "report.png"
    subprocess.run([*flags, "--window-size=1200,2000", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=120, check=True)
    from PIL import Image

    with Image.open(shot) as picture:
        colours = picture.convert("L").getextrema()
    assert colours[0] < 50 and colours[1] > 200  # text and images drawn on a white page, not a blank one
