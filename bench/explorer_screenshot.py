"""The explorer's screenshot in the docs (docs/explorer.png): `vaekit serve RUN` started as a user starts it, the
page opened in Debian's headless Chromium through Selenium, two examples picked as the ends of an interpolation,
a slider moved and one test image uploaded, then the window saved.

    vaekit train --data fashion-mnist --latent-dim 10 --epochs 10 --out runs/fashion
    python bench/explorer_screenshot.py runs/fashion --out docs/explorer.png

Needs the dev install (selenium) and the Debian packages chromium and chromium-driver.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from PIL import Image
from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import vaekit

WAIT_S = 120


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def started(address: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and server.poll() is None:
        try:
            urllib.request.urlopen(address + "/health", timeout=1).read()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"vaekit serve did not start: {server.stderr.read().decode() if server.stderr else ''}")


def pick(driver: webdriver.Chrome, index: int, button: str) -> None:
    """Click scatter point `index` and make it end A or B."""
    canvas = driver.find_element(By.ID, "scatter")
    x, y = driver.execute_script("const c = document.getElementById('scatter'), b = frame();"
                                 f"return toCanvas(...state.view.xy[{index}], c, b);")
    ActionChains(driver).move_to_element_with_offset(canvas, x - canvas.size["width"] / 2,
                                                     y - canvas.size["height"] / 2).click().perform()
    WebDriverWait(driver, WAIT_S).until(lambda d: d.execute_script("return state.picked") == index)
    WebDriverWait(driver, WAIT_S).until(lambda d: d.find_element(By.ID, button).is_enabled())
    driver.find_element(By.ID, button).click()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--out", type=Path, default=Path("docs/explorer.png"))
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args()
    address = f"http://127.0.0.1:{free_port()}"
    server = subprocess.Popen([sys.executable, "-m", "vaekit", "serve", str(args.run), "--port",
                               address.rsplit(":", 1)[1]], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    options = Options()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                     f"--window-size={args.width},{args.height}"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "chromedriver"), options=options)
    try:
        started(address, server)
        driver.get(address + "/")
        WebDriverWait(driver, WAIT_S).until(lambda d: "examples of" in d.find_element(By.ID, "status").text)
        labels = driver.execute_script("return state.view.labels")
        first = labels.index(0)  # a T-shirt and an ankle boot as the two ends
        pick(driver, labels.index(9), "set-b")
        pick(driver, first, "set-a")
        WebDriverWait(driver, WAIT_S).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#path canvas")) == 8)
        driver.find_elements(By.CSS_SELECTOR, "#sliders input")[0].send_keys(Keys.PAGE_UP * 3)
        with tempfile.TemporaryDirectory() as folder:
            image = Path(folder) / "test-image.png"
            pixels = vaekit.load_dataset("fashion-mnist").test_x[7, 0].numpy()
            Image.fromarray(np.round(pixels * 255).astype(np.uint8)).save(image)
            driver.find_element(By.ID, "upload-file").send_keys(str(image))
            driver.find_element(By.ID, "upload-go").click()
            WebDriverWait(driver, WAIT_S).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#upload-scores tr"))
        time.sleep(1)  # the last decodings drawn
        driver.execute_script("window.scrollTo(0, 0)")
        height = driver.execute_script("return document.body.scrollHeight")
        driver.set_window_size(args.width, height + 140)  # the whole page: the browser's frame takes the rest
        time.sleep(0.5)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
        print(f"wrote {args.out}")
    finally:
        driver.quit()
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
