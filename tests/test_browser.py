"""The web pages in a real browser: Debian's headless Chromium driven by Selenium, against uvicorn
serving a store with the seeds 003/004 and generated documents. Real navigation and clicks.

Needs ``chromium`` and ``chromium-driver`` (Debian packages; ``.ci/run`` installs them). Without
them the test is skipped — except under CI (``$CI`` set), where a missing browser is a failure.
No browser or driver is ever downloaded.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from budgetkg.api.app import create_app

from .conftest import seed
from .test_pages import build_store

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,1000",
)
SCREENSHOT = Path(tempfile.gettempdir()) / "budgetkg-unit-page.png"
WAIT = 20


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[test]')"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} not found (apt-get install {package})"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    import uvicorn

    seed("004")  # the clicks below follow seed 004's projects; skips only where ../shared is absent
    seed("003")
    root = tmp_path_factory.mktemp("browser")
    store = build_store(root / "store", root / "synth")
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(store=store), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    missing = _missing()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run under CI: {missing}")
        pytest.skip(f"no headless browser here: {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    # An explicit driver path: Selenium Manager (which could download one) is never consulted.
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def _wait(driver, condition):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT).until(condition)


def _go(driver, click_on) -> None:
    """Click a link or button and wait for the next page to replace this one."""
    from selenium.webdriver.support import expected_conditions as ec

    old = driver.find_element("tag name", "html")
    click_on.click()
    _wait(driver, ec.staleness_of(old))
    _wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def test_search_project_legal_basis_unit(browser, server: str) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/")
    assert "预算知识图谱" in d.title
    counts = d.find_element(By.CSS_SELECTOR, "ul.counts").text
    assert "个项目" in counts and "projects" in counts

    # home → type 电子政务 in the search box → submit
    box = d.find_element(By.ID, "q")
    box.send_keys("电子政务")
    _go(d, d.find_element(By.ID, "search-button"))
    assert "/search?q=" in d.current_url
    results = d.find_element(By.ID, "project-results")
    assert "电子政务外网网络租赁费用" in results.text

    # → click the project
    _go(d, results.find_element(By.XPATH, ".//a[normalize-space()='电子政务外网网络租赁费用']"))
    assert "/project/doc/" in d.current_url
    assert d.find_element(By.ID, "project-name").text == "电子政务外网网络租赁费用"
    assert "48.80 万元" in d.find_element(By.ID, "project-amount").text
    bases = d.find_element(By.ID, "legal-bases")
    assert "晋政办发〔2017〕10号" in bases.text and "吕政办发〔2017〕8号" in bases.text
    indicators = d.find_element(By.ID, "indicators").text
    assert "产出指标" in indicators and "68条" in indicators
    assert "第 400 行" in d.find_element(By.ID, "source-line").text

    # → click 晋政办发〔2017〕10号 (the link of the basis listed with that number)
    link = bases.find_element(
        By.XPATH, ".//li[span[@class='number' and normalize-space()='晋政办发〔2017〕10号']]/a"
    )
    _go(d, link)
    assert "/legal-basis/legal/" in d.current_url
    assert d.find_element(By.ID, "basis-number").text == "晋政办发〔2017〕10号"
    citing = d.find_element(By.ID, "citing-projects")
    assert "电子政务外网网络租赁费用" in citing.text and "兴县人民政府办公室" in citing.text
    assert "48.80 万元" in d.find_element(By.ID, "basis-total").text

    # → click the unit → chart present
    _go(d, citing.find_element(By.CSS_SELECTOR, "a.unit-link"))
    assert "/unit/unit/" in d.current_url
    assert d.find_element(By.ID, "unit-name").text == "兴县人民政府办公室"
    chart = d.find_element(By.CSS_SELECTOR, "figure.chart svg.bar-chart")
    bars = chart.find_elements(By.CSS_SELECTOR, "rect")
    assert len(bars) == 5 and all(int(b.get_attribute("width")) > 0 for b in bars)
    assert chart.size["width"] > 300 and chart.size["height"] > 100  # laid out, not collapsed
    assert "一般公共服务支出" in chart.text
    d.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_sparql_editor_runs_a_query(browser, server: str) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/sparql-editor")
    area = d.find_element(By.ID, "sparql-query")
    area.clear()
    area.send_keys(
        "PREFIX bkg: <https://w3id.org/budgetkg/def#>\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
        "SELECT ?name ?amount WHERE { ?p a bkg:Project ; rdfs:label ?name ; bkg:amount ?amount .\n"
        '  FILTER(CONTAINS(?name, "电子政务")) } ORDER BY DESC(?amount)'
    )
    d.find_element(By.ID, "run-query").click()
    table = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#sparql-table tbody tr"))
    text = d.find_element(By.ID, "sparql-table").text
    assert len(table) >= 2 and "电子政务外网网络租赁费用" in text and "488,000" in text
    assert "行结果" in d.find_element(By.ID, "sparql-status").text

    # a malformed query shows the endpoint's error, not a blank page
    area.clear()
    area.send_keys("SELECT WHERE {")
    d.find_element(By.ID, "run-query").click()
    error = _wait(d, lambda d: d.find_elements(By.CSS_SELECTOR, "#sparql-results p.error"))
    assert "Error" in error[0].text


def test_query_library_click_through(browser, server: str) -> None:
    from selenium.webdriver.common.by import By

    d = browser
    d.get(server + "/library")
    links = d.find_elements(By.CSS_SELECTOR, "a.query-link")
    if not links:
        assert d.find_element(By.ID, "library-unavailable")
        pytest.skip("budgetkg.queries provides no named queries (yet)")
    wanted = [a for a in links if a.get_attribute("href").endswith("/library/largest-projects")]
    _go(d, wanted[0] if wanted else links[0])
    assert "/library/" in d.current_url
    rows = d.find_elements(By.CSS_SELECTOR, "table.results tbody tr")
    assert rows or d.find_elements(By.CSS_SELECTOR, "p.answer")
