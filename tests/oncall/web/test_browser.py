"""The pages in a real browser: headless Debian Chromium driven by Selenium (docs/web.md).

One Chromium for the whole session, the system's own ``chromedriver`` (``make browser``
installs both); Selenium Manager never runs, so nothing is downloaded. Each page is checked
as a person sees it, with no console error (a CSP violation is one) and every request made to
the server itself. The screenshots in docs/images are written here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.oncall.calendar.client import Running

from .conftest import FILING_DISCREPANCY

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: the screenshots of docs/web.md and the README; they show a random port, so a run rewrites them
#: only when asked: ONCALL_UPDATE_SCREENSHOTS=1 .venv/bin/pytest tests/oncall/web/test_browser.py
DOCS_IMAGES = Path(__file__).resolve().parents[3] / "docs" / "images"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium Manager fetch a browser or driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900"):
        options.add_argument(argument)
    options.add_argument("--disable-dev-shm-usage")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def visit(driver: Any, running: Running, path: str) -> None:
    """Load a page, then check the console and every request the page made."""
    driver.get_log("browser")  # forget what earlier pages left
    driver.get_log("performance")
    driver.get(running.url + path)
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == [], errors
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    own = (running.url + "/", "data:")
    assert urls and all(u.startswith(own) for u in urls), urls


def body_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return " ".join(driver.find_element(By.TAG_NAME, "body").text.split())


def set_scheme(driver: Any, scheme: str) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )


def background(driver: Any) -> str:
    return str(driver.execute_script("return getComputedStyle(document.body).backgroundColor"))


@pytest.fixture(scope="session")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if os.environ.get("ONCALL_UPDATE_SCREENSHOTS") == "1":
        return DOCS_IMAGES
    return tmp_path_factory.mktemp("screenshots")


def shoot(driver: Any, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    png = driver.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000  # not a blank page
    (folder / name).write_bytes(png)


@pytest.fixture
def failing_profit(diagnosed: Callable[..., None]) -> None:
    diagnosed(
        "profit",
        "2027-01-06T08:00:00+00:00",
        "fail",
        [
            FILING_DISCREPANCY,
            {"id": "cost_data_delay", "status": "ok", "count": 0, "unit": "months"},
        ],
    )


def test_overview(browser: Any, running: Running, failing_profit: None, images: Path) -> None:
    from selenium.webdriver.common.by import By

    set_scheme(browser, "light")
    visit(browser, running, "/")
    card = browser.find_element(By.CSS_SELECTOR, "section[aria-labelledby=p-profit]")
    seen = " ".join(card.text.split())
    assert "ON CALL Fatima Khan" in seen  # the label is upper case on screen
    assert "FAIL filing_discrepancy: 2 months" in seen
    assert "never diagnosed" in body_text(browser)
    shoot(browser, images, "web-overview.png")
    # a phone: one column, nothing wider than the screen
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    try:
        browser.refresh()
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        shoot(browser, images, "web-overview-phone.png")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_rotation_light_and_dark(browser: Any, running: Running, images: Path) -> None:
    from selenium.webdriver.common.by import By

    set_scheme(browser, "light")
    visit(browser, running, "/rotations/data-engineering")
    first = browser.find_elements(By.CSS_SELECTOR, "table.grid tbody tr")[0]
    cells = [c.text for c in first.find_elements(By.CSS_SELECTOR, "th, td")]
    assert cells[:3] == ["Mon 4 Jan 2027", "Alice Adams", "Wed 6 Jan 2027: Epiphany"]
    bars = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg rect.bar")
    assert len(bars) == 2 * 4  # weeks and holiday days for each of the four members
    assert all(float(b.get_attribute("width")) > 0 for b in bars)
    labels = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg text.value")
    assert [t.text for t in labels[:2]] == ["13 weeks", "4 holiday days"]  # Alice's bars
    assert "webcal://" in body_text(browser)
    light = background(browser)
    chart = browser.find_element(By.CSS_SELECTOR, "#fairness")
    browser.execute_script("arguments[0].scrollIntoView()", chart)
    shoot(browser, images, "web-rotation-light.png")  # the fairness chart
    browser.execute_script("window.scrollTo(0, 0)")
    set_scheme(browser, "dark")
    try:
        browser.refresh()
        assert background(browser) != light
        shoot(browser, images, "web-rotation-dark.png")
    finally:
        set_scheme(browser, "light")


def test_pipeline_and_handoff(browser: Any, running: Running, failing_profit: None) -> None:
    visit(browser, running, "/pipelines/profit")
    seen = body_text(browser)
    assert (
        "filing_discrepancy Profit does not match the official filings FAIL 2 months "
        "2 filed months differ from the pipeline's figures"
    ) in seen
    assert "Fatima Khan" in seen and "Common issues" in seen
    visit(browser, running, "/handoff/data-engineering")
    seen = body_text(browser)
    assert "Hand-off: Data Engineering Team" in seen
    assert "Incoming" in seen
    # printed: the agenda without the site's navigation
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "header.site").is_displayed()
        assert browser.find_element(By.TAG_NAME, "h1").is_displayed()
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
