"""Safe by default: network surfaces on localhost unless opened, the web token on everything,
no way out of the static folder, bounded requests and message rates, and no pickle on the runtime path."""

from __future__ import annotations

import ast
import contextlib
import json
import socket
import time
from pathlib import Path

import pytest

pytest.importorskip("websockets", reason="the web surface needs the websockets package")

from vjhost.cli import build_parser
from vjhost.control import web
from vjhost.control.state import ControlState
from vjhost.control.web import MAX_BURST, MAX_CLIENTS, MAX_MESSAGE, MAX_RATE, WebSurface, lan_address, static_file
from vjhost.protocols import Param

ROOT = Path(__file__).resolve().parents[1]


def make_state() -> ControlState:
    st = ControlState((Param("latent.speed", 0.2, 0.0, 1.0, "walk speed"),))
    st.packs, st.pack = ["ikeda", "kusama"], "ikeda"
    st.scenes, st.scene = ["a", "b"], 0
    return st


@pytest.fixture
def surface():
    s = WebSurface(make_state(), port=0).start()
    yield s
    s.stop()


def http_raw(port: int, request: bytes, timeout: float = 5.0) -> bytes:
    """Send ``request`` as is (no client-side path normalisation) and return the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as c:
        c.sendall(request)
        data = b""
        try:
            while chunk := c.recv(65536):
                data += chunk
        except (socket.timeout, ConnectionResetError):
            pass
    return data


def get(port: int, target: str, extra: str = "") -> bytes:
    return http_raw(port, f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


# --------------------------------------------------------------------------- defaults


def test_cli_listens_on_localhost_unless_opened():
    args = build_parser().parse_args(["run", "--web"])
    assert args.web_host == "127.0.0.1" and args.osc_host == "127.0.0.1"
    opened = build_parser().parse_args(["run", "--web", "--web-host", "0.0.0.0", "--osc-host", "0.0.0.0"])
    assert opened.web_host == "0.0.0.0" and opened.osc_host == "0.0.0.0"


def test_web_surface_binds_loopback_only(surface, capsys):
    assert surface.local_only and surface.host == "127.0.0.1"
    lan = lan_address()
    if lan != "127.0.0.1":  # from the LAN address the port is closed
        with pytest.raises(OSError):
            socket.create_connection((lan, surface.port), timeout=2).close()
    surface.print_qr()
    out = capsys.readouterr().out
    assert surface.url in out and "this machine only" in out
    assert not any(block in out for block in "\u2580\u2584\u2588")  # no QR code for an address a tablet can't reach


def test_opened_web_surface_prints_the_lan_url_and_a_qr_code(capsys):
    pytest.importorskip("segno")
    with WebSurface(make_state(), host="0.0.0.0", port=0) as s:
        assert not s.local_only
        s.print_qr()
        out = capsys.readouterr().out
        assert f"http://{lan_address()}:{s.port}/?token={s.token}" in out
        assert "open to the network" in out
        assert any(block in out for block in "\u2580\u2584\u2588")


def test_osc_listens_on_localhost_by_default():
    from vjhost.control.osc import OscControl

    osc = OscControl(ControlState(), port=0).start()
    try:
        assert osc.address[0] == "127.0.0.1" and osc.warning is None
    finally:
        osc.stop()


# --------------------------------------------------------------------------- the token


def test_token_checked_on_every_request_in_constant_time(surface, monkeypatch):
    calls = []
    real = web.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(web.hmac, "compare_digest", spy)
    # without the token every path is 403, even ones that don't exist: nothing is revealed
    for target in ("/", "/index.html", "/ws", "/nothing", "/../../etc/passwd", f"/?token={surface.token[:-1]}",
                   f"/?token={surface.token}x", "/?token=", f"/?TOKEN={surface.token}"):
        assert status(get(surface.port, target)) == 403, target
    assert len(calls) == 9 and all(b == surface.token.encode() for _, b in calls)
    assert surface.rejected == 9
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus) as err:
        with connect(f"ws://127.0.0.1:{surface.port}/ws?token=nope", open_timeout=10):
            pass
    assert err.value.response.status_code == 403 and len(calls) == 10
    with connect(f"ws://127.0.0.1:{surface.port}/ws?token={surface.token}", open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "layout"
    assert len(calls) == 11


# --------------------------------------------------------------------------- no way out of the folder

TRAVERSALS = [
    "/../../../../etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/%252e%252e/etc/passwd", "/..\\..\\web.py", "/web_static/../web.py", "/index.html/../../web.py",
    "//etc/passwd", "/app.js", "/app.css", "/web_static/app.js", "/./index.html/..", "/%2fetc%2fpasswd",
    "/ws/../../web.py", "/..;/web.py", "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
]


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_gets_nothing(surface, path):
    sep = "&" if "?" in path else "?"
    answer = get(surface.port, f"{path}{sep}token={surface.token}")
    assert status(answer) == 404, answer[:200]
    assert b"root:" not in answer and b"import" not in answer and b"function" not in answer


def test_static_files_resolve_inside_their_folder_symlinks_included(tmp_path):
    folder = tmp_path / "static"
    folder.mkdir()
    secret = tmp_path / "secret.txt"
    secret.write_text("the show's API keys")
    (folder / "index.html").write_text('<link rel="stylesheet" href="app.css"><script src="app.js"></script>')
    (folder / "app.css").write_text("body{}")
    (folder / "app.js").symlink_to(secret)  # a link out of the folder
    with pytest.raises(PermissionError, match="app.js"):
        web._page(folder)
    for name in ("../secret.txt", str(secret), "app.js", "nope.js", "."):
        with pytest.raises(PermissionError):
            static_file(name, folder)
    (folder / "app.js").unlink()
    (folder / "real.js").write_text("let x = 1;")
    (folder / "app.js").symlink_to(folder / "real.js")  # a link that stays inside is fine
    assert b"let x = 1;" in web._page(folder)
    assert static_file("index.html") == (web.STATIC / "index.html").resolve()


# --------------------------------------------------------------------------- bounded sizes and rates


def test_oversized_requests_are_refused_and_the_surface_goes_on(surface):
    t = surface.token
    assert status(get(surface.port, f"/?token={t}&pad={'a' * 20000}")) == 414
    many = "".join(f"X-H{i}: y\r\n" for i in range(300))
    assert status(get(surface.port, f"/?token={t}", many)) == 431
    assert status(get(surface.port, f"/?token={t}", f"X-Big: {'b' * 20000}\r\n")) == 431
    body = http_raw(surface.port, f"POST /?token={t} HTTP/1.1\r\nHost: x\r\nContent-Length: 9000000\r\n\r\n".encode()
                    + b"x" * 65536)
    assert status(body) != 200  # no request bodies at all
    fields = "&".join(f"f{i}=1" for i in range(40))
    assert status(get(surface.port, f"/?{fields}&token={t}")) == 403  # more query fields than any page sends
    assert status(get(surface.port, f"/?token={t}")) == 200  # still serving


def test_oversized_websocket_message_closes_only_that_connection(surface):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{surface.port}/ws?token={surface.token}"
    with connect(url, open_timeout=10, max_size=None) as ws:
        ws.recv(timeout=10)
        ws.send("x" * (MAX_MESSAGE + 1))
        with pytest.raises(ConnectionClosed) as err:
            for _ in range(10):
                ws.recv(timeout=10)
        assert err.value.rcvd is not None and err.value.rcvd.code == 1009  # message too big
    with connect(url, open_timeout=10) as ws:  # the next page is served
        assert json.loads(ws.recv(timeout=10))["type"] == "layout"


def test_websocket_message_rate_is_bounded(surface):
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    st = surface.state
    url = f"ws://127.0.0.1:{surface.port}/ws?token={surface.token}"
    msg = json.dumps({"type": "action", "name": "scene", "value": 1})
    n = 1500
    t0 = time.monotonic()
    with connect(url, open_timeout=10) as ws:
        for _ in range(n):
            ws.send(msg)
        ws.send(json.dumps({"type": "ping", "t": 7}))
        end = time.monotonic() + 20
        while surface.messages < n + 1 and time.monotonic() < end:
            time.sleep(0.02)
    elapsed = time.monotonic() - t0
    accepted = surface.messages - surface.throttled
    assert surface.messages == n + 1 and surface.throttled > 0 and surface.bad_messages == 0
    assert accepted <= MAX_BURST + MAX_RATE * elapsed + 1, (accepted, elapsed)
    assert accepted >= MAX_BURST  # a burst as big as a fader sweep goes through
    assert st.drain_actions()  # and was applied (the state keeps the newest 256 actions)

    # a page that never stops is disconnected; the surface itself goes on
    with connect(url, open_timeout=10) as ws:
        with pytest.raises(ConnectionClosed) as err:
            for _ in range(20000):
                ws.send(msg)
            for _ in range(100):
                ws.recv(timeout=10)
        code = (err.value.rcvd or err.value.sent)
        assert code is not None and code.code == 1008
    assert surface.refused >= 1
    with connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "layout"


def test_connected_pages_are_bounded(surface):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    url = f"ws://127.0.0.1:{surface.port}/ws?token={surface.token}"
    with contextlib.ExitStack() as stack:
        pages = [stack.enter_context(connect(url, open_timeout=10)) for _ in range(MAX_CLIENTS)]
        for p in pages:
            p.recv(timeout=10)
        with pytest.raises(InvalidStatus) as err:
            with connect(url, open_timeout=10):
                pass
        assert err.value.response.status_code == 503
    end = time.monotonic() + 5
    while surface.clients and time.monotonic() < end:
        time.sleep(0.02)
    with connect(url, open_timeout=10) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "layout"


# --------------------------------------------------------------------------- nothing loads with pickle

PICKLE_MODULES = {"pickle", "cPickle", "_pickle", "dill", "cloudpickle", "joblib", "shelve", "marshal"}


def pickle_uses(source: str, filename: str = "<src>") -> list[str]:
    """Where ``source`` could unpickle: pickle-like imports, torch.load / torch.jit.load, allow_pickle=True."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        where = f"{filename}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            found += [f"{where} import {a.name}" for a in node.names if a.name.split(".")[0] in PICKLE_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in PICKLE_MODULES:
            found.append(f"{where} from {node.module} import")
        elif isinstance(node, ast.Call):
            fn = ast.unparse(node.func)
            if fn in ("torch.load", "torch.jit.load") or fn.endswith("read_pickle"):
                found.append(f"{where} {fn}(...)")
            if fn in ("importlib.import_module", "__import__", "import_module") and node.args and \
                    isinstance(node.args[0], ast.Constant) and str(node.args[0].value).split(".")[0] in PICKLE_MODULES:
                found.append(f"{where} {fn}({node.args[0].value!r})")
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and not (isinstance(kw.value, ast.Constant) and kw.value.value is False):
                    found.append(f"{where} {fn}(allow_pickle={ast.unparse(kw.value)})")
        elif isinstance(node, ast.ImportFrom) and node.module == "torch" and any(a.name == "load" for a in node.names):
            found.append(f"{where} from torch import load")
    return found


def runtime_files() -> list[Path]:
    """Everything the live show can import: vjhost/ but vjhost/train, plugins/, the packs' modules but dataset.py."""
    files = [p for p in (ROOT / "vjhost").rglob("*.py") if "train" not in p.relative_to(ROOT / "vjhost").parts[:1]]
    files += list((ROOT / "plugins").rglob("*.py"))
    for pkg in (ROOT / "persona_packs").glob("*/vjhost_*"):
        files += [p for p in pkg.rglob("*.py") if p.name != "dataset.py"]
    return sorted(files)


def test_the_scanner_finds_pickle():
    bad = """
import pickle
from dill import loads
import torch, numpy as np
x = torch.load("w.pt")
y = torch.jit.load("m.pt")
z = np.load("a.npy", allow_pickle=True)
w = np.load("a.npy", allow_pickle=flag)
m = importlib.import_module("cloudpickle")
ok = np.load("a.npy", allow_pickle=False)
"""
    found = pickle_uses(bad)
    assert len(found) == 7, found
    assert pickle_uses("import json\nfrom safetensors.torch import load_file\nload_file('w')\n") == []


def test_nothing_on_the_runtime_path_loads_with_pickle():
    files = runtime_files()
    assert any(p.name == "weights.py" for p in files) and any(p.parts[-2] == "vjhost_builtins" for p in files)
    assert not any(p.relative_to(ROOT).parts[:2] == ("vjhost", "train") for p in files)
    found = [hit for p in files for hit in pickle_uses(p.read_text(encoding="utf-8"), str(p.relative_to(ROOT)))]
    assert found == []
