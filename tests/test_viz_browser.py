"""The interactive HTML page in a real browser: headless Chromium driven by selenium.

Checks that the page draws as many nodes and edges as the view graph has, that it makes no
network request at all (Chrome DevTools network events: every request is the file itself or a
``data:`` URL), that clicking a node or an edge shows its statement and quote, and that the
search box finds a node. Screenshots go to the test's tmp folder and to ``/tmp/kg-viz.png``.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium;
skipped with the reason where they are missing.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from kg.graph.build import build, shipped_paths
from kg.publish.viz import to_html, view_graph

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
LEAD_SCREENSHOT = Path("/tmp/kg-viz.png")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("headless Chromium is not installed: apt-get install chromium chromium-driver "
                "(.ci/run does this in CI)", allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def graph():
    return build(shipped_paths()).graph


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from headless_chromium(tmp_path_factory, "1400,900")


def headless_chromium(tmp_path_factory, window: str):
    """A headless Chromium with DevTools network logging, quit afterwards (a fixture body)."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--window-size={window}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _requests(driver) -> list[str]:
    """URLs of every request the browser started since the last call (DevTools events)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] in ("Network.requestWillBeSent", "Network.webSocketCreated"):
            params = message["params"]
            urls.append(params.get("request", {}).get("url") or params.get("url", ""))
    return urls


def _open(driver, page: Path) -> dict:
    """Load ``page`` and wait until its script reports what it drew."""
    driver.get("about:blank")
    _requests(driver)  # drop the browser's own start-up traffic (new tab page)
    driver.get(page.as_uri())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        rendered = driver.execute_script("return window.kgRendered || null")
        if rendered:
            return rendered
        time.sleep(0.2)
    raise AssertionError("the page never reported window.kgRendered (graph not drawn)")


def _assert_offline(driver, page: Path, *, loading: bool = True) -> None:
    """No request since the last check but (when ``loading``) the page file itself."""
    urls = _requests(driver)
    if loading:
        assert page.as_uri() in urls, urls
    others = [u for u in urls if u != page.as_uri() and not u.startswith("data:")]
    assert others == [], f"the page made network requests: {others}"


def _dom_point(driver, node_id: str) -> tuple[float, float]:
    return tuple(driver.execute_script(
        "var p = window.kgNetwork.getPositions([arguments[0]])[arguments[0]];"
        "var d = window.kgNetwork.canvasToDOM(p); return [d.x, d.y];", node_id))


def _click_at(driver, x: float, y: float) -> None:
    canvas = driver.find_element(By.CSS_SELECTOR, "#graph canvas")
    size = canvas.size
    ActionChains(driver).move_to_element_with_offset(canvas, int(x - size["width"] / 2),
                                                     int(y - size["height"] / 2)).click().perform()


def test_overview_draws_every_node_offline(browser, graph, tmp_path):
    vg = view_graph(graph, "all")
    page = tmp_path / "overview.html"
    page.write_text(to_html(vg), encoding="utf-8")
    rendered = _open(browser, page)
    assert rendered == {"nodes": vg.number_of_nodes(), "edges": vg.number_of_edges()}
    _assert_offline(browser, page)
    legend = browser.find_element(By.ID, "legend").text
    assert "drug" in legend and "condition" in legend
    browser.save_screenshot(str(tmp_path / "overview.png"))


def test_focus_view_click_and_search(browser, graph, tmp_path):
    vg = view_graph(graph, "interactions", focus="phenytoin", depth=2)
    page = tmp_path / "phenytoin.html"
    page.write_text(to_html(vg), encoding="utf-8")
    rendered = _open(browser, page)
    assert rendered == {"nodes": vg.number_of_nodes(), "edges": vg.number_of_edges()}
    _assert_offline(browser, page)
    details = browser.find_element(By.ID, "details")

    # Click a node: its name, type and statements appear.
    drug = next(n for n, d in vg.nodes(data=True) if d["label"] == "phenytoin")
    _click_at(browser, *_dom_point(browser, drug))
    assert "phenytoin" in details.text and "drug" in details.text.lower()

    # Click the middle of the (straight) interaction edge: its severity and quote appear.
    u, v, data = next((u, v, d) for u, v, d in vg.edges(data=True) if d.get("severity"))
    (x1, y1), (x2, y2) = _dom_point(browser, u), _dom_point(browser, v)
    _click_at(browser, (x1 + x2) / 2, (y1 + y2) / 2)
    assert data["severity"] in details.text
    quotes = details.find_elements(By.CSS_SELECTOR, "blockquote.quote")
    assert [q.text for q in quotes] == data["quote"].split("\n")
    browser.save_screenshot(str(tmp_path / "phenytoin-edge.png"))
    browser.save_screenshot(str(LEAD_SCREENSHOT))

    # The search box finds and selects a node.
    box = browser.find_element(By.ID, "search")
    box.send_keys("valpro")
    assert browser.find_element(By.ID, "matches").text == "1 of 1"
    assert "valproic acid" in details.text
    assert browser.execute_script("return window.kgNetwork.getSelectedNodes()") == [
        n for n, d in vg.nodes(data=True) if d["label"] == "valproic acid"]
    _assert_offline(browser, page, loading=False)
