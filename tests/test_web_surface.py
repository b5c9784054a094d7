"""The web control surface: protocol validation, token, and the real page in headless Chromium.

The browser tests need Debian's ``chromium`` and ``chromium-driver`` (apt) and
``selenium`` (pip); without them they are skipped, saying which is missing.
"""

from __future__ import annotations

import json
import shutil
import struct
import time
import urllib.error
import urllib.request
import zlib

import numpy as np
import pytest

pytest.importorskip("websockets", reason="the web surface needs the websockets package (pip install websockets)")

from vjhost.control.state import ControlState
from vjhost.control.web import BadMessage, PreviewSlot, WebSurface, apply_message, encode_png
from vjhost.protocols import Features, Param

PACKS = ["ikeda", "kusama"]
SCENES = ["intro", "drop", "outro"]
PARAMS = (
    Param("master.brightness", 1.0, 0.0, 1.0, "output level"),
    Param("fx.feedback.amount", 0.5, 0.0, 2.0, "feedback"),
    Param("latent.speed", 0.2, 0.0, 1.0, "walk speed"),
)


def make_state() -> ControlState:
    st = ControlState(PARAMS)
    st.packs, st.pack = list(PACKS), "ikeda"
    st.scenes, st.scene = list(SCENES), 0
    return st


def wait_for(pred, timeout: float = 10.0, what: str = "condition"):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = pred()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def ws_url(surface: WebSurface, token: str | None = None) -> str:
    return f"ws://127.0.0.1:{surface.port}/ws?token={surface.token if token is None else token}"


def recv_type(ws, kind: str, timeout: float = 10.0) -> dict:
    """The next JSON message of type ``kind`` from a websocket (others skipped)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        m = ws.recv(timeout=timeout)
        if isinstance(m, str) and json.loads(m).get("type") == kind:
            return json.loads(m)
    raise AssertionError(f"no {kind!r} message within {timeout}s")


@pytest.fixture
def state():
    return make_state()


@pytest.fixture
def surface(state):
    s = WebSurface(state, port=0, features=lambda: Features(bpm=128.0, beat_phase=0.25, bar_phase=0.5, beat_count=9))
    s.start()
    yield s
    s.stop()


# --------------------------------------------------------------------------- protocol, no browser


def test_messages_are_validated_and_applied(state):
    apply_message(state, json.dumps({"type": "action", "name": "pack", "value": "kusama"}))
    apply_message(state, json.dumps({"type": "action", "name": "scene", "value": 2}))
    apply_message(state, json.dumps({"type": "action", "name": "blackout", "value": True}))
    apply_message(state, json.dumps({"type": "action", "name": "transition", "value": "paint"}))
    apply_message(state, json.dumps({"type": "tap"}))
    apply_message(state, json.dumps({"type": "param", "name": "fx.feedback.amount", "value": 0.75}))
    assert apply_message(state, json.dumps({"type": "ping", "t": 3})) == {"type": "pong", "t": 3.0}
    acts = state.drain_actions()
    assert [(a.name, a.value) for a in acts[:4]] == [("pack", "kusama"), ("scene", 2), ("blackout", True),
                                                      ("transition", "paint")]
    assert acts[4].name == "tap" and all(a.source == "web" for a in acts)
    assert state.get("fx.feedback.amount") == pytest.approx(1.5)

    bad = [b"\x00binary", "not json", "[1, 2]", "{}", json.dumps({"type": "nope"}),
           json.dumps({"type": "action", "name": "quit"}),
           json.dumps({"type": "action", "name": "pack", "value": "nowhere"}),
           json.dumps({"type": "action", "name": "pack", "value": 3}),
           json.dumps({"type": "action", "name": "scene", "value": 7}),
           json.dumps({"type": "action", "name": "scene", "value": True}),
           json.dumps({"type": "action", "name": "blackout", "value": "yes"}),
           json.dumps({"type": "action", "name": "toggle", "value": "fx feedback; rm"}),
           json.dumps({"type": "action", "name": "transition", "value": "wipe"}),
           json.dumps({"type": "param", "name": "no.such", "value": 0.5}),
           json.dumps({"type": "param", "name": "latent.speed", "value": 1.5}),
           json.dumps({"type": "param", "name": "latent.speed", "value": "0.5"}),
           '{"type": "param", "name": "latent.speed", "value": NaN}',
           "x" * 5000]
    for raw in bad:
        with pytest.raises(BadMessage):
            apply_message(state, raw)
    assert state.drain_actions() == []
    assert state.get("latent.speed") == pytest.approx(0.2)


def test_token_is_required(surface):
    page = urllib.request.urlopen(f"http://127.0.0.1:{surface.port}/?token={surface.token}", timeout=10)
    html = page.read().decode()
    assert page.status == 200 and "<script>" in html and 'src="app.js"' not in html  # all inline
    assert not any(f'{attr}="http' in html or f"{attr}='http" in html for attr in ("src", "href"))  # no CDN
    for url in (f"http://127.0.0.1:{surface.port}/", f"http://127.0.0.1:{surface.port}/?token=wrong",
                f"http://127.0.0.1:{surface.port}/ws?token=wrong"):
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(url, timeout=10)
        assert err.value.code == 403
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as err:
        connect(ws_url(surface, "wrong"), open_timeout=10)
    assert err.value.response.status_code == 403
    assert surface.rejected == 4


def test_bad_websocket_messages_are_counted_and_ignored(surface, state):
    from websockets.sync.client import connect

    with connect(ws_url(surface), open_timeout=10) as ws:
        first = [json.loads(ws.recv(timeout=10)) for _ in range(2)]
        assert first[0]["type"] == "layout" and first[0]["packs"] == PACKS
        assert first[1]["type"] == "state" and first[1]["full"] and first[1]["pack"] == "ikeda"
        for raw in ("{", "[]", json.dumps({"type": "action", "name": "quit"}), b"\x01\x02",
                    json.dumps({"type": "param", "name": "latent.speed", "value": 9})):
            ws.send(raw)
        ws.send(json.dumps({"type": "action", "name": "scene", "value": 1}))
        wait_for(lambda: surface.messages >= 6, what="the messages to arrive")
        # the connection survives: a ping still gets its pong
        ws.send(json.dumps({"type": "ping", "t": 1}))
        assert recv_type(ws, "pong")["t"] == 1.0
    assert surface.bad_messages == 5
    assert [(a.name, a.value) for a in state.drain_actions()] == [("scene", 1)]
    assert state.get("latent.speed") == pytest.approx(0.2)


def test_state_changes_are_pushed_as_diffs(surface, state):
    from websockets.sync.client import connect

    with connect(ws_url(surface), open_timeout=10) as ws:
        for _ in range(2):
            ws.recv(timeout=10)
        state.set("latent.speed", 0.9)

        m = recv_type(ws, "state")
        assert m["params"] == {"latent.speed": 0.9} and "full" not in m and "pack" not in m
        beat = recv_type(ws, "beat")
        assert beat["bpm"] == 128.0 and beat["count"] == 9


def test_failing_callbacks_are_reported_not_fatal(state):
    from websockets.sync.client import connect

    from vjhost.faults import FaultLog

    def boom():
        raise RuntimeError("no frame")

    faults = FaultLog(stream=None)
    with WebSurface(state, port=0, features=boom, preview=boom, faults=faults) as s:
        with connect(ws_url(s), open_timeout=10) as ws:
            for _ in range(2):
                ws.recv(timeout=10)
            wait_for(lambda: "web preview" in faults.faults and "web features" in faults.faults,
                     what="both failures reported")
            state.set("latent.speed", 0.5)
            m = recv_type(ws, "state")  # pushes go on
            assert m["params"] == {"latent.speed": 0.5}


def test_port_in_use_raises(surface, state):
    with pytest.raises(OSError):
        WebSurface(state, port=surface.port).start()


def test_preview_slot_and_png():
    img = np.zeros((720, 1280, 4), np.uint8)
    img[:360] = 255  # GL rows are bottom-up: the top half of the buffer is the bottom of the picture
    slot = PreviewSlot(fps=2.0, max_width=320)
    assert not slot.wanted() and slot() is None  # nobody watching yet
    assert slot.wanted()  # a page asked
    slot.put(img, flip=True)
    assert not slot.wanted()  # too soon for another
    data = slot()
    assert data[:2] == b"\xff\xd8" or data[:8] == b"\x89PNG\r\n\x1a\n"
    assert slot() is data  # encoded once per frame

    png = encode_png(np.full((3, 5, 3), 7, np.uint8))
    w, h = struct.unpack(">II", png[16:24])
    assert (w, h) == (5, 3)
    idat = png[png.index(b"IDAT") + 4:png.index(b"IEND") - 8]
    assert zlib.decompress(idat) == (b"\x00" + b"\x07" * 15) * 3


def test_qr_code_prints(state, capsys):
    pytest.importorskip("segno")
    with WebSurface(state, host="0.0.0.0", port=0) as surface:  # opened to the LAN: a tablet scans the code
        surface.print_qr()
    out = capsys.readouterr().out
    assert surface.url in out
    assert any(block in out for block in "\u2580\u2584\u2588")  # the code, in half blocks


# --------------------------------------------------------------------------- the page in headless Chromium


def _chromium() -> tuple[str | None, str | None, str]:
    driver = shutil.which("chromedriver")
    browser = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
    missing = [what for what, have in (("chromium (apt: chromium)", browser),
                                       ("chromedriver (apt: chromium-driver)", driver)) if not have]
    return browser, driver, ", ".join(missing)


@pytest.fixture(scope="module")
def chrome():
    pytest.importorskip("selenium", reason="browser tests need selenium (pip install selenium)")
    browser, driver_path, missing = _chromium()
    if missing:
        pytest.skip(f"browser tests need {missing}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1180,820", "--no-first-run", "--disable-extensions", "--mute-audio"):
        opts.add_argument(arg)
    try:
        drv = webdriver.Chrome(service=Service(executable_path=driver_path), options=opts)
    except Exception as exc:  # noqa: BLE001 - a broken browser install is a skip, said clearly
        pytest.skip(f"headless chromium did not start: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    drv.set_page_load_timeout(30)
    yield drv
    drv.quit()


@pytest.fixture
def page(chrome, surface):
    chrome.get(surface.url)
    wait_for(lambda: chrome.execute_script("return !!(window.vj && vj.connected && vj.layout && vj.state.version)"),
             timeout=20, what="the page to connect")
    return chrome


def _fader(drv, name):
    from selenium.webdriver.common.by import By

    return drv.find_element(By.CSS_SELECTOR, f'input[data-param="{name}"]')


def test_page_pack_pad_switches_pack(page, state):
    from selenium.webdriver.common.by import By

    pads = page.find_elements(By.CSS_SELECTOR, "#packs .pad")
    assert [p.text for p in pads] == PACKS
    assert "active" in pads[0].get_attribute("class")  # ikeda is showing
    page.find_element(By.CSS_SELECTOR, '#packs .pad[data-pack="kusama"]').click()
    acts = wait_for(lambda: [a for a in state.drain_actions() if a.name == "pack"], what="the pack action")
    assert (acts[0].value, acts[0].source) == ("kusama", "web")
    # the engine switches; the page follows
    state.pack = "kusama"
    state.touch()
    wait_for(lambda: "active" in page.find_element(By.CSS_SELECTOR, '#packs .pad[data-pack="kusama"]')
             .get_attribute("class"), what="the kusama pad to light")


def test_page_fader_sets_parameter(page, state):
    from selenium.webdriver.common.action_chains import ActionChains

    # a real pointer: click 30% of the width right of the centre -> 0.8 of the range
    f = _fader(page, "fx.feedback.amount")
    ActionChains(page).move_to_element_with_offset(f, int(f.size["width"] * 0.3), 0).click().perform()
    wait_for(lambda: abs(state.normalized("fx.feedback.amount") - 0.8) < 0.05,
             what=f"fx.feedback.amount to move (now {state.get('fx.feedback.amount')})")
    # and the range input's own events (keyboard, assistive tech)
    page.execute_script("""const el = arguments[0]; el.value = '0.25';
        el.dispatchEvent(new Event('input', {bubbles: true}));
        el.dispatchEvent(new Event('change', {bubbles: true}));""", _fader(page, "master.brightness"))
    wait_for(lambda: state.get("master.brightness") == pytest.approx(0.25, abs=1e-3), what="master.brightness")
    assert not state.drain_actions()  # parameters are set, not queued


def test_page_follows_changes_from_other_surfaces(page, state):
    from selenium.webdriver.common.by import By

    state.set("latent.speed", 0.65)  # MIDI, OSC, the keyboard ...
    wait_for(lambda: abs(float(_fader(page, "latent.speed").get_attribute("value")) - 0.65) < 1e-3,
             what="the latent.speed fader to follow")
    state.blackout = True
    state.scene = 2
    state.touch()
    wait_for(lambda: "active" in page.find_element(By.ID, "blackout").get_attribute("class"), what="blackout lit")
    assert "active" in page.find_element(By.CSS_SELECTOR, '#scenes .pad[data-scene="2"]').get_attribute("class")
    # the BPM display runs from the features callable
    wait_for(lambda: page.find_element(By.ID, "bpm").text == "128.0", what="the BPM display")
    # a pack switch declares new parameters: the page grows their faders
    state.declare(Param("fx.bloom.amount", 0.4, 0.0, 1.0))
    wait_for(lambda: page.find_elements(By.CSS_SELECTOR, 'input[data-param="fx.bloom.amount"]'),
             what="the new fader")
    assert float(_fader(page, "fx.bloom.amount").get_attribute("value")) == pytest.approx(0.4)
    assert page.find_elements(By.CSS_SELECTOR, '#fx .pad[data-toggle="fx.bloom"]')


def test_page_controls_and_preview(chrome, state):
    from selenium.webdriver.common.by import By

    img = np.zeros((90, 160, 3), np.uint8)
    img[:, :80] = (255, 0, 128)
    slot = PreviewSlot(fps=2.0)
    slot.put(img)
    with WebSurface(state, port=0, preview=slot) as s:
        chrome.get(s.url)
        wait_for(lambda: chrome.execute_script("return !!(window.vj && vj.connected && vj.layout)"), timeout=20,
                 what="the page to connect")
        chrome.find_element(By.ID, "blackout").click()
        chrome.find_element(By.ID, "tap").click()
        chrome.find_element(By.CSS_SELECTOR, '#scenes .pad[data-scene="1"]').click()
        chrome.find_element(By.CSS_SELECTOR, '#transitions .pad[data-transition="cut"]').click()
        got: list = []
        wait_for(lambda: got.extend(state.drain_actions()) or len(got) >= 4, what="four actions")
        assert [(a.name, a.value) for a in got if a.name != "tap"] == [("blackout", True), ("scene", 1),
                                                                        ("transition", "cut")]
        assert any(a.name == "tap" for a in got)
        wait_for(lambda: chrome.execute_script(
            "const i = document.getElementById('preview'); return vj.previews > 0 && i.complete && i.naturalWidth"),
            what="the preview thumbnail")
        assert chrome.execute_script("return document.getElementById('preview').naturalWidth") == 160
        assert s.bad_messages == 0
