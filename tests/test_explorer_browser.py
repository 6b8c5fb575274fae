"""The explorer in a real browser: Debian's headless Chromium driven by Selenium against `vaekit serve`'s app on
loopback. The page loads with no console error, a click in the scatter changes the decoded picture, a slider
moves the traversal, two picked examples give an interpolation, an upload returns scores and a map, and a table's
run shows its real-against-synthetic column charts."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from tests.conftest import invoke

from vaekit.runs.run import Run

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
uvicorn = pytest.importorskip("uvicorn")
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from vaekit.serve import create_app  # noqa: E402

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(CHROMIUM is None or DRIVER is None, reason="Debian's chromium and chromium-driver "
                                "are not installed (.ci/run installs them)")
WAIT_S = 30


@pytest.fixture(scope="module")
def address(digits_run: Path, penguin_runs: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[str]:
    cvae = tmp_path_factory.mktemp("cvae") / "run"
    code, output = invoke("train", "--data", "digits", "--conditional", "--latent-dim", "2", "--hidden", "32",
                          "--epochs", "2", "--out", str(cvae), "--quiet")
    assert code == 0, output
    runs = {"digits": Run.open(digits_run), "penguins": Run.open(penguin_runs["plain"]), "cvae": Run.open(cvae)}
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(runs), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + WAIT_S
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the service did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1300,1600"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def wait(driver: object, condition: object, what: str) -> object:
    return WebDriverWait(driver, WAIT_S).until(condition, message=f"timed out waiting for {what}")


def picture(driver: object, box: str) -> str:
    """The first canvas in #box as a data URL ('' while there is none)."""
    return driver.execute_script(f"const c = document.querySelector('#{box} canvas'); "
                                 "return c ? c.toDataURL() : '';")


def loaded(driver: object, address: str) -> None:
    driver.get(address + "/")
    wait(driver, lambda d: "examples of" in d.find_element(By.ID, "status").text, "the scatter")
    wait(driver, lambda d: picture(d, "decoded") and picture(d, "traversed"), "the first decodings")


def test_page_loads_and_a_click_in_the_scatter_changes_the_decoding(browser: object, address: str) -> None:
    loaded(browser, address)
    assert "digits" in browser.find_element(By.ID, "status").text
    canvas = browser.find_element(By.ID, "scatter")
    assert browser.execute_script("return document.querySelectorAll('#legend span').length") == 10
    before = picture(browser, "decoded")
    # a point far from the centre of the plane, where the first decoding was made
    ActionChains(browser).move_to_element_with_offset(canvas, 180, -180).click().perform()
    wait(browser, lambda d: picture(d, "decoded") != before, "the decoding at the clicked point")
    moved = picture(browser, "decoded")
    ActionChains(browser).move_to_element_with_offset(canvas, -180, 180).click_and_hold() \
        .move_by_offset(20, -20).release().perform()  # a drag decodes as it goes
    wait(browser, lambda d: picture(d, "decoded") not in (before, moved), "the decoding after a drag")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors


def test_a_slider_moves_the_traversal(browser: object, address: str) -> None:
    loaded(browser, address)
    sliders = browser.find_elements(By.CSS_SELECTOR, "#sliders input[type=range]")
    assert len(sliders) == 2  # one per latent dimension, most informative first
    before = picture(browser, "traversed")
    sliders[0].send_keys(Keys.END)  # the keyboard, as a user moves a focused slider: to the top of its range
    wait(browser, lambda d: picture(d, "traversed") != before, "the traversal to move")
    assert float(sliders[0].get_attribute("value")) == pytest.approx(3.0)


def test_two_picked_examples_give_an_interpolation(browser: object, address: str) -> None:
    loaded(browser, address)
    canvas = browser.find_element(By.ID, "scatter")
    for index, button in ((0, "set-a"), (1, "set-b")):
        x, y = browser.execute_script(
            "const c = document.getElementById('scatter'), b = frame();"
            f"return toCanvas(...state.view.xy[{index}], c, b);")
        offset_x, offset_y = x - canvas.size["width"] / 2, y - canvas.size["height"] / 2
        ActionChains(browser).move_to_element_with_offset(canvas, offset_x, offset_y).click().perform()
        wait(browser, lambda d, index=index: picture(d, "picked") and d.execute_script("return state.picked") == index,
             f"example {index} to be picked")
        wait(browser, lambda d, button=button: d.find_element(By.ID, button).is_enabled(), "the A/B buttons")
        browser.find_element(By.ID, button).click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#path canvas")) == 8, "the interpolation")
    assert "A: example 0" in browser.find_element(By.ID, "ends").text


def test_an_upload_returns_scores_and_a_map(browser: object, address: str, tmp_path: Path) -> None:
    loaded(browser, address)
    image = tmp_path / "my-digit.png"
    Image.fromarray((np.random.default_rng(1).random((8, 8)) * 255).astype(np.uint8)).save(image)
    browser.find_element(By.ID, "upload-file").send_keys(str(image))
    browser.find_element(By.ID, "upload-go").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#upload-scores tr"), "the scores")
    scores = {row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
              for row in browser.find_elements(By.CSS_SELECTOR, "#upload-scores tr")}
    assert "iw" in scores and all(np.isfinite(float(value)) for value in scores.values())
    assert picture(browser, "upload-map") and picture(browser, "upload-reconstruction")
    assert "my-digit.png: 1 example" in browser.find_element(By.ID, "status").text


def test_a_table_run_shows_its_columns_and_scores_an_edited_row(browser: object, address: str) -> None:
    loaded(browser, address)
    Select(browser.find_element(By.ID, "run")).select_by_value("penguins")
    wait(browser, lambda d: "penguins.csv" in d.find_element(By.ID, "status").text, "the table's scatter")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#column-charts svg"), "the column charts")
    charts = browser.find_elements(By.CSS_SELECTOR, "#column-charts .chart > div")
    assert [chart.text.split(" (")[0] for chart in charts][:3] == ["species", "island", "bill_length_mm"]
    row = browser.find_element(By.ID, "upload-row")
    assert row.get_attribute("value").startswith("species,island,")
    browser.find_element(By.ID, "upload-go").click()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#upload-scores tr"), "the row's scores")
    assert browser.find_elements(By.CSS_SELECTOR, "#upload-map svg rect")  # a bar per column


def test_a_conditional_run_decodes_in_the_class_chosen(browser: object, address: str) -> None:
    loaded(browser, address)
    Select(browser.find_element(By.ID, "run")).select_by_value("cvae")
    wait(browser, lambda d: d.execute_script("return state.run === 'cvae' && state.view !== null"), "the cvae view")
    assert browser.find_element(By.ID, "class-box").is_displayed()
    wait(browser, lambda d: picture(d, "traversed"), "the first traversal")
    before = picture(browser, "traversed")
    Select(browser.find_element(By.ID, "class")).select_by_value("7")
    wait(browser, lambda d: picture(d, "traversed") != before, "the traversal decoded as a 7")
    errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    assert not errors, errors
