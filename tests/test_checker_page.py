"""The checker page in a real browser (headless Chromium driven by selenium), served by uvicorn
from kg.serve.app on a loopback port.

Typing a brand name offers the drug, the check shows the moderate interaction with its verbatim
quote ("Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE", "phenytoin
(Dilantin)") numbered, with its section (the heading of the text it is under, "Interactions with
other drugs and medications:"), the state goes into the URL, opening that URL again shows the same
report, and no request leaves the server (Chrome DevTools network events).

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them); skipped with the
reason where they are missing.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kg.serve.app import create_app
from kg.serve.child import free_port
from kg.sparql.query import open_engine

from tests.test_check import heading_in_text, same_title
from tests.test_viz_browser import CHROMEDRIVER, CHROMIUM, _requests, headless_chromium

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
uvicorn = pytest.importorskip("uvicorn", reason="uvicorn is not installed (pip install -e '.[test]')")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("headless Chromium is not installed: apt-get install chromium chromium-driver", allow_module_level=True)

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

SCREENSHOT = Path("/tmp/kg-checker.png")


@pytest.fixture(scope="module")
def server():
    port = free_port()
    config = uvicorn.Config(create_app(open_engine()), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        srv.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    yield from headless_chromium(tmp_path_factory, "1100,1400")


def _wait(driver, script: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {script}")


def test_typing_a_brand_finds_the_drug_and_the_interaction_with_its_quote(server, browser, tmp_path):
    browser.get("about:blank")
    _requests(browser)
    browser.get(server)
    box = browser.find_element(By.ID, "drug-input")
    box.send_keys("Dilan")
    offered = _wait(browser, "return [...document.querySelectorAll('#drug-names option')].map(o => o.value)")
    assert "Dilantin" in offered
    box.send_keys("tin", Keys.ENTER)
    browser.find_element(By.ID, "age").send_keys("40")
    browser.find_element(By.ID, "run").click()
    text = _wait(browser, "const r = document.getElementById('report'); return r.innerText.includes('Sources') "
                          "|| r.innerText.includes('verbatim') ? r.innerText : null")
    assert "MODERATE" in text.upper() and "phenytoin (Dilantin) with L-glutamine" in text
    assert "Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE" in text
    assert "reasoned from a stated mechanism" in text
    # numbered verbatim quotes with their section: "Medications used to prevent seizures
    # (Anticonvulsants) interact with GLUTAMINE" is under "Interactions with other drugs and medications:"
    quotes = browser.execute_script(
        "return [...document.querySelectorAll('ol.sources li')].map(li => [li.value, "
        "(li.querySelector('cite.section') || {}).textContent, li.querySelector('q').textContent])")
    heading = heading_in_text("Medications used to prevent seizures (Anticonvulsants) interact with GLUTAMINE")
    (n, section, _quote), = [q for q in quotes if q[2].startswith("Medications used to prevent seizures (Anti")]
    assert same_title(section, heading), quotes
    assert f"[{n}]" in text and f"section: {section}" in text
    assert all(section for _n, section, _quote in quotes), quotes
    state = parse_qs(urlsplit(browser.current_url).query)
    assert state == {"drug": ["Dilantin"], "age": ["40"]}
    browser.save_screenshot(str(tmp_path / "checker.png"))
    browser.save_screenshot(str(SCREENSHOT))
    # the URL is the check: opening it again shows the same report
    browser.get(browser.current_url)
    again = _wait(browser, "const r = document.getElementById('report'); return r.innerText.includes('verbatim') "
                           "? r.innerText : null")
    assert again == text
    requests = [u for u in _requests(browser) if u]
    assert requests and all(u.startswith(server) or u.startswith("data:") for u in requests), requests


def test_nothing_recorded_is_not_safe_and_unknown_names_are_not_checked(server, browser):
    browser.get(server + "?drug=acetaminophen&drug=Dilantn&supplement=glutamine")
    text = _wait(browser, "const r = document.getElementById('report'); return r.innerText.includes('Not checked') "
                          "? r.innerText : null")
    assert "not a statement that the combination is safe" in text
    assert "Dilantn" in text and "did you mean: Dilantin?" in text


def test_hostile_names_in_the_url_are_shown_as_text(server, browser):
    browser.get(server + "?drug=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&supplement=glutamine")
    _wait(browser, "return document.getElementById('report').innerText.includes('Not checked')")
    assert browser.execute_script("return document.querySelectorAll('#report img').length") == 0
    assert "<img src=x onerror=alert(1)>" in browser.find_element(By.ID, "report").text
