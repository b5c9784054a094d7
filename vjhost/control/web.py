"""A control page for a tablet browser, served on the LAN: ``vjhost run --web``.

:class:`WebSurface` serves one page (``web_static/``: pack and scene pads,
parameter faders, tap tempo, transition, blackout/freeze, BPM and beat, a
low-rate preview thumbnail) and a websocket on the same port, from its own
thread with its own asyncio loop.  It is one more surface on the
:class:`~vjhost.control.state.ControlState`: what the page does becomes
``state.trigger(...)`` (source ``"web"``) or ``state.set_normalized(...)``,
and what MIDI, OSC or the keyboard change shows up on the page, because the
surface polls ``state.version`` (~20 Hz) and pushes a compact diff.

Safe by default: the surface listens on 127.0.0.1 unless the user opens it
(``--web-host 0.0.0.0``; then the LAN URL and a QR code with the token are
printed).  Every HTTP request and websocket handshake must carry the token
(``http://HOST:PORT/?token=...``), compared in constant time
(:func:`hmac.compare_digest`) before anything else is looked at; without it,
or with a wrong one, the answer is 403.  The only documents are the page
itself (``web_static/`` inlined at start, each file checked to resolve inside
that folder, symlinks included) and the websocket: any other path is 404, so
nothing outside the folder can be reached.  Sizes and rates are bounded: the
request line and headers by the HTTP parser (8 KiB a line, 128 headers, no
request body), a websocket message to :data:`MAX_MESSAGE` bytes (a bigger one
closes that connection), at most :data:`MAX_CLIENTS` pages at once, and each
page to :data:`MAX_RATE` messages a second (bursts of :data:`MAX_BURST`): the
excess is dropped and counted in :attr:`WebSurface.throttled`, and a page that
keeps flooding is disconnected.  Every websocket message is validated (JSON, a
known ``type``, a known action or parameter, a value of the right kind and
range); a bad one is counted in :attr:`WebSurface.bad_messages` and ignored.
Nothing a browser sends can stop the show or the surface (there is no
``quit`` from the page).

Messages, page -> host (JSON text)::

    {"type": "action", "name": "pack", "value": "kusama"}
    {"type": "action", "name": "scene", "value": 2}
    {"type": "action", "name": "blackout", "value": true}     # or null: flip
    {"type": "action", "name": "freeze", "value": null}
    {"type": "action", "name": "toggle", "value": "fx.feedback"}
    {"type": "action", "name": "transition", "value": "crossfade"}
    {"type": "param", "name": "fx.feedback.amount", "value": 0.25}  # 0..1 of the range
    {"type": "tap"}
    {"type": "ping", "t": 123.4}

host -> page: ``layout`` (parameter specs, packs, scenes, transition kinds;
on connect and when they change), ``state`` (on connect in full, then only
what changed; parameters as 0..1 of their range), ``beat`` (~20 Hz: bpm,
beat/bar phase, beat count), ``pong``, and the preview thumbnail as a binary
message (JPEG or PNG bytes, at most ``preview_fps``).

The render loop feeds the preview through a :class:`PreviewSlot` (read the
frame only when a page is watching, encode off the GL thread) and the beat
display through a ``features`` callable returning the latest
:class:`~vjhost.protocols.Features`.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import math
import re
import secrets
import socket
import struct
import sys
import threading
import time
import weakref
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence, TextIO
from urllib.parse import parse_qs, urlsplit

import numpy as np

from .state import ControlState

if TYPE_CHECKING:  # pragma: no cover
    from ..faults import FaultLog
    from ..protocols import Features

STATIC = Path(__file__).with_name("web_static")
SOURCE = "web"
#: transition kinds offered on the page (vjhost.render.transition.KINDS, not imported: no GL here)
TRANSITIONS = ("crossfade", "cut", "paint")
#: what the page may trigger; deliberately no "quit" and no "hud"
ACTIONS = ("pack", "scene", "blackout", "freeze", "toggle", "transition", "tap",
           "crate.playing", "crate.energy", "crate.auto")  # crate.*: the AI-DJ companion (docs/crate.md)
MAX_MESSAGE = 4096  #: bytes in one websocket message; a bigger one closes the connection (1009)
MAX_CLIENTS = 8  #: pages connected at once; the next one is answered 503
MAX_RATE = 200.0  #: websocket messages a second one page may send (a three-finger fader sweep is ~180)
MAX_BURST = 400  #: ... in a burst (token bucket)
#: a page that has had this many messages dropped for rate without the bucket refilling is disconnected (1008)
MAX_FLOOD = 2000
#: the documents the surface serves (everything else is 404): the page and its websocket
ROUTES = ("/", "/index.html", "/ws")
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
#: everything is inline; the only connection the page makes is its websocket
CSP = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
       "img-src blob: data:; connect-src ws: wss:")
#: extra pages (``WebSurface.routes``) may also fetch their own JSON from this server
ROUTE_CSP = CSP.replace("connect-src", "connect-src 'self'")
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")


class BadMessage(ValueError):
    """A websocket message the surface refuses (counted, never raised out of the surface)."""


# --------------------------------------------------------------------------- validation


def _number(v: Any) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadMessage(f"not a finite number: {v!r}")
    return float(v)


def apply_message(state: ControlState, raw: Any, transitions: Sequence[str] = TRANSITIONS) -> dict | None:
    """Validate one message from the page and apply it to ``state``.

    :param raw: the websocket message as received (text expected).
    :return: a reply to send back (``pong``), or None.
    :raises BadMessage: for anything malformed or unknown; nothing is applied then.
    """
    if not isinstance(raw, str):
        raise BadMessage("binary message")
    if len(raw) > MAX_MESSAGE:
        raise BadMessage("message too long")
    try:
        msg = json.loads(raw)
    except ValueError as exc:
        raise BadMessage(f"not JSON: {exc}") from None
    if not isinstance(msg, dict):
        raise BadMessage("not a JSON object")
    kind = msg.get("type")
    if kind == "ping":
        t = msg.get("t")
        return {"type": "pong", "t": _number(t) if t is not None else None}
    if kind == "tap":
        state.trigger("tap", time.monotonic(), source=SOURCE)
        return None
    if kind == "param":
        name = msg.get("name")
        if not isinstance(name, str) or name not in state.params():
            raise BadMessage(f"unknown parameter {name!r}")
        x = _number(msg.get("value"))
        if not 0.0 <= x <= 1.0:
            raise BadMessage(f"parameter value {x} outside 0..1")
        state.set_normalized(name, x)
        return None
    if kind == "action":
        name = msg.get("name")
        if name not in ACTIONS:
            raise BadMessage(f"unknown action {name!r}")
        value = msg.get("value")
        if name == "tap":
            state.trigger("tap", time.monotonic(), source=SOURCE)
            return None
        if name == "pack":
            if not isinstance(value, str) or not _NAME.match(value) or (state.packs and value not in state.packs):
                raise BadMessage(f"unknown pack {value!r}")
        elif name == "scene":
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < len(state.scenes):
                raise BadMessage(f"no scene {value!r}")
        elif name in ("blackout", "freeze"):
            if value is not None and not isinstance(value, bool):
                raise BadMessage(f"{name} takes true, false or null, not {value!r}")
        elif name == "toggle":
            if not isinstance(value, str) or not _NAME.match(value):
                raise BadMessage(f"bad toggle {value!r}")
        elif name == "transition":
            if value is not None and value not in transitions:
                raise BadMessage(f"unknown transition {value!r}")
        elif name == "crate.playing":  # a track id, or a name part
            if isinstance(value, bool) or not (isinstance(value, int)
                                               or (isinstance(value, str) and _NAME.match(value))):
                raise BadMessage(f"bad track {value!r}")
        elif name == "crate.energy":
            if value not in ("keep", "up", "down", "room"):
                raise BadMessage(f"energy direction {value!r} is not keep, up, down or room")
        elif name == "crate.auto":
            if value is not None and not isinstance(value, bool):
                raise BadMessage(f"crate.auto takes true, false or null, not {value!r}")
        state.trigger(name, value, source=SOURCE)
        return None
    raise BadMessage(f"unknown message type {kind!r}")


# --------------------------------------------------------------------------- preview images


def encode_png(image: np.ndarray, level: int = 3) -> bytes:
    """A uint8 (H, W), (H, W, 3) or (H, W, 4) image as PNG bytes (in memory; cf. :func:`vjhost.png.write_png`)."""
    img = np.ascontiguousarray(image, dtype=np.uint8)
    if img.ndim == 2:
        img = img[:, :, None]
    h, w, c = img.shape
    colour = {1: 0, 3: 2, 4: 6}[c]
    raw = np.concatenate([np.zeros((h, 1), np.uint8), img.reshape(h, w * c)], axis=1).tobytes()

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, colour, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, level)) + chunk(b"IEND", b""))


def encode_jpeg(image: np.ndarray, quality: int = 5) -> bytes:
    """A uint8 RGB(A) image as JPEG bytes with PyAV's MJPEG encoder (``quality``: qscale, 2 best .. 31 worst)."""
    import av

    img = np.ascontiguousarray(image[..., :3], dtype=np.uint8)
    h, w = img.shape[:2]
    img = img[: h - h % 2, : w - w % 2]  # yuv420 wants even sizes
    ctx = av.CodecContext.create("mjpeg", "w")
    ctx.width, ctx.height = img.shape[1], img.shape[0]
    ctx.pix_fmt = "yuvj420p"
    ctx.options = {"qscale": str(int(quality))}
    frame = av.VideoFrame.from_ndarray(img, format="rgb24").reformat(format="yuvj420p")
    return b"".join(bytes(p) for p in [*ctx.encode(frame), *ctx.encode(None)])


def thumbnail(image: np.ndarray, max_width: int = 320) -> np.ndarray:
    """Shrink by an integer factor so the width is at most ``max_width``: the mean of each block
    (a box filter, so small lights and thin lines survive instead of falling between samples)."""
    step = max(1, -(-image.shape[1] // max_width))
    if step == 1:
        return image
    h, w = (image.shape[0] // step) * step, (image.shape[1] // step) * step
    blocks = image[:h, :w].reshape(h // step, step, w // step, step, *image.shape[2:])
    return blocks.mean(axis=(1, 3)).round().astype(image.dtype)


class PreviewSlot:
    """Hands frames from the render thread to the web thread, only when a page is watching.

    Render loop (GL thread), once per frame::

        if slot.wanted():
            slot.put(show.renderer.read_rgba(), flip=True)   # GL rows are bottom-up

    The surface calls the slot (``preview=slot``) at most ``fps`` times a second
    while a page is connected; shrinking (a box filter) and encoding (JPEG via
    PyAV, else PNG) happen there, off the GL thread, which only copies the frame
    into a buffer it reuses.  Feed it after the frame is drawn (not before the
    first one: that frame is black).
    """

    def __init__(self, fps: float = 2.0, max_width: int = 320, idle_s: float = 3.0) -> None:
        self.interval = 1.0 / fps
        self.max_width = max_width
        self.idle_s = idle_s
        self._lock = threading.Lock()
        self._image: np.ndarray | None = None
        self._put_at = -math.inf
        self._asked_at = -math.inf
        self._encoded: bytes | None = None
        self._encoded_for: int = -1
        self._seq = 0

    def wanted(self) -> bool:
        """True when a page asked recently and the last frame is older than the interval."""
        now = time.monotonic()
        return now - self._asked_at < self.idle_s and now - self._put_at >= self.interval

    def put(self, image: np.ndarray, flip: bool = False) -> None:
        src = image[..., :3] if image.ndim == 3 else image
        with self._lock:
            if self._image is None or self._image.shape != src.shape:
                self._image = np.empty(src.shape, np.uint8)
            np.copyto(self._image, src[::-1] if flip else src)
            self._put_at = time.monotonic()
            self._seq += 1

    def __call__(self) -> bytes | None:
        self._asked_at = time.monotonic()
        with self._lock:
            if self._image is None:
                return None
            seq = self._seq
            img = thumbnail(self._image, self.max_width) if seq != self._encoded_for else None
        if img is not None:
            try:
                self._encoded = encode_jpeg(img) if img.ndim == 3 else encode_png(img)
            except Exception:  # noqa: BLE001 - no PyAV/MJPEG here: PNG always works
                self._encoded = encode_png(img)
            self._encoded_for = seq
        return self._encoded


# --------------------------------------------------------------------------- the surface


def lan_address() -> str:
    """This machine's address on the LAN (the interface with the default route); 127.0.0.1 if none."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect(("10.255.255.255", 1))  # UDP connect sends nothing; it only picks the route
        return s.getsockname()[0]
    except OSError:
        return "127.0.0.1"
    finally:
        s.close()


def is_local(host: str) -> bool:
    """Is ``host`` a loopback address (the surface unreachable from the network)?"""
    if host in LOCAL_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def static_file(name: str, folder: Path | None = None) -> Path:
    """``folder/name`` (default :data:`STATIC`), refused unless it resolves inside the folder.

    ``..``, absolute names and symlinks pointing elsewhere raise ``PermissionError``.
    """
    root = (folder or STATIC).resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise PermissionError(f"{name!r} is not a file inside {root}")
    return path


def _page(folder: Path | None = None) -> bytes:
    """index.html with app.css and app.js inlined: one document, so the token guards everything."""
    html = static_file("index.html", folder).read_text(encoding="utf-8")
    css = static_file("app.css", folder).read_text(encoding="utf-8")
    js = static_file("app.js", folder).read_text(encoding="utf-8")
    html = html.replace('<link rel="stylesheet" href="app.css">', f"<style>\n{css}</style>")
    html = html.replace('<script src="app.js"></script>', f"<script>\n{js}</script>")
    return html.encode("utf-8")


class WebSurface:
    """The control page and its websocket, on a thread of its own.

    :param state: the show's control model.
    :param host: interface to bind; ``"0.0.0.0"`` opens it to the LAN (ask for it:
        the default is localhost only).
    :param port: TCP port (0 picks a free one; :attr:`port` says which after :meth:`start`).
    :param token: the access token; a random one (``secrets.token_urlsafe``) if None.
    :param preview: called from the surface's thread (in an executor) at most
        ``preview_fps`` times a second while a page is connected; returns JPEG or
        PNG bytes, or None when there is no new picture.  A :class:`PreviewSlot` fits.
    :param features: returns the latest :class:`~vjhost.protocols.Features` (or None),
        called ~``push_hz`` times a second for the BPM and beat display; must not block.
    :param show: returns how the show is doing (``fps``, ``render_scale``, ``auto_scale``,
        ``dropped``, ``decode_hz``; :meth:`LiveSession.show_status`) or None; sent with
        the beat as ``show`` for the page's fps / render-scale display; must not block.
    :param faults: where failures of ``preview`` / ``features`` are reported.
    """

    def __init__(self, state: ControlState, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
                 preview: Callable[[], bytes | None] | None = None,
                 features: Callable[[], "Features | None"] | None = None, *,
                 faults: "FaultLog | None" = None, push_hz: float = 20.0, preview_fps: float = 2.0,
                 transitions: Sequence[str] = TRANSITIONS, show: Callable[[], dict | None] | None = None) -> None:
        self.state = state
        self.host = host
        self.port = port
        self.token = token or secrets.token_urlsafe(16)
        self.preview = preview
        self.features = features
        self.show = show
        self.faults = faults
        self.push_period = 1.0 / push_hz
        self.preview_period = 1.0 / min(2.0, preview_fps)
        self.transitions = tuple(transitions)
        #: malformed or refused websocket messages since start (ignored, never applied)
        self.bad_messages = 0
        self.last_bad: str = ""
        #: requests answered 403 (wrong or missing token)
        self.rejected = 0
        #: websocket messages dropped because a page sent more than MAX_RATE a second
        self.throttled = 0
        #: pages disconnected for flooding, or refused because MAX_CLIENTS were connected
        self.refused = 0
        self.messages = 0
        self.error: BaseException | None = None
        self._page = _page()
        #: extra token-guarded documents: path -> () -> (content type, body bytes); vjhost.crate.web adds /crate
        self.routes: dict[str, Callable[[], tuple[str, bytes]]] = {}
        self._clients: set = set()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._reported: set[str] = set()
        self._last_image: bytes | None = None
        self._last: dict | None = None  # the state every page has been sent (push-loop baseline)
        self._last_layout: dict | None = None
        self._cheap: tuple = ()

    # ------------------------------------------------------------------ lifecycle
    @property
    def url(self) -> str:
        """The page's address with the token: what to open on the tablet."""
        host = lan_address() if self.host in ("0.0.0.0", "::", "") else self.host
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{self.port}/?token={self.token}"

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> "WebSurface":
        """Bind and serve; returns once listening.  :raises OSError: if the port can't be bound."""
        if self._thread is not None:
            return self
        self._ready.clear()
        self.error = None
        self._thread = threading.Thread(target=self._run, name="vjhost-web", daemon=True)
        self._thread.start()
        self._ready.wait(15)
        if self.error is not None:
            self._thread.join(2)
            self._thread = None
            raise self.error
        return self

    def stop(self) -> None:
        """Close every connection and the server, and join the thread.  Safe to call twice."""
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(stop.set)
            except RuntimeError:  # loop already closed
                pass
        if self._thread is not None:
            self._thread.join(5)
        self._thread = None

    def __enter__(self) -> "WebSurface":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def local_only(self) -> bool:
        """True while the surface is reachable from this machine only (the default)."""
        return is_local(self.host)

    def print_qr(self, out: TextIO | None = None) -> None:
        """Print the URL; when the surface is open to the LAN, also a QR code of it for the tablet's camera.

        On localhost (the default) there is no QR code: a tablet could not reach the address.
        """
        out = out or sys.stdout
        if self.local_only:
            print(f"vjhost: web control at {self.url}  (this machine only; --web-host 0.0.0.0 opens it to the LAN)",
                  file=out, flush=True)
            return
        print(f"vjhost: web control open to the network on {self.host}:{self.port}; anyone with the token can "
              "steer the show", file=out)
        try:
            import segno
        except ImportError:
            print(f"vjhost: web control at {self.url}  (pip install segno for a QR code)", file=out, flush=True)
            return
        print(f"vjhost: web control at {self.url}", file=out)
        segno.make(self.url, error="l").terminal(out=out, compact=True)
        out.flush()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # noqa: BLE001 - reported to start() or kept for the caller
            self.error = self.error or exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        from websockets.asyncio.server import ServerConnection, serve

        tracked: weakref.WeakSet = weakref.WeakSet()

        class Tracked(ServerConnection):  # every TCP connection, handshake done or not, for stop()
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                super().connection_made(transport)
                tracked.add(self)

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            server = await serve(self._handler, self.host, self.port, process_request=self._process_request,
                                 max_size=MAX_MESSAGE, max_queue=32, ping_interval=5, ping_timeout=15,
                                 server_header=None, compression=None, create_connection=Tracked)
        except OSError as exc:
            self.error = exc
            self._ready.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        tasks = [asyncio.create_task(self._push_loop())]
        if self.preview is not None:
            tasks.append(asyncio.create_task(self._preview_loop()))
        try:
            await self._stop.wait()
        finally:
            for t in tasks:
                t.cancel()
            server.close()
            try:  # a browser's idle pre-connected socket would hold this for the whole open_timeout
                await asyncio.wait_for(asyncio.shield(server.wait_closed()), 0.5)
            except asyncio.TimeoutError:
                for conn in list(tracked):
                    conn.transport.abort()
                try:
                    await asyncio.wait_for(server.wait_closed(), 2.0)
                except asyncio.TimeoutError:
                    pass

    # ------------------------------------------------------------------ HTTP side
    def _token_ok(self, path: str) -> bool:
        """The request's ``token`` query parameter against ours, in constant time."""
        try:
            given = parse_qs(urlsplit(path).query, max_num_fields=16).get("token", [""])[0]
        except ValueError:  # more fields than any page sends
            return False
        return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), self.token.encode("utf-8"))

    def _process_request(self, connection: Any, request: Any) -> Any:
        from websockets.datastructures import Headers
        from websockets.http11 import Response

        # the token first: without it nothing about the server is revealed, not even which paths exist
        if not self._token_ok(request.path):
            self.rejected += 1
            return connection.respond(403, "forbidden: open the URL vjhost printed (with its token)\n")
        path = urlsplit(request.path).path
        if path not in ROUTES and path not in self.routes:  # raw path, never decoded or joined to a folder
            return connection.respond(404, "not found\n")
        if path == "/ws":
            if len(self._clients) >= MAX_CLIENTS:
                self.refused += 1
                return connection.respond(503, f"busy: {MAX_CLIENTS} pages are connected already\n")
            return None  # go on with the websocket handshake
        ctype, body, csp = "text/html; charset=utf-8", self._page, CSP
        if path in self.routes:  # an extra page (e.g. the crate companion's), behind the same token
            (ctype, body), csp = self.routes[path](), ROUTE_CSP
        headers = Headers([
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
            ("Referrer-Policy", "no-referrer"),
            ("X-Content-Type-Options", "nosniff"),
            ("Content-Security-Policy", csp),
            ("Connection", "close"),
        ])
        return Response(200, "OK", headers, body)

    # ------------------------------------------------------------------ websocket side
    async def _handler(self, ws: Any) -> None:
        from websockets.exceptions import ConnectionClosed

        self._clients.add(ws)
        try:
            # a new page gets the push loop's baseline in full; the next diff brings it up to date
            if self._last is None:
                self._last_layout, self._last = self._layout(), self._state_dict()
            await ws.send(json.dumps(self._last_layout))
            await ws.send(json.dumps({"type": "state", "full": True, **self._last}))
            if self._last_image:
                await ws.send(self._last_image)
            bucket = _Bucket(MAX_RATE, MAX_BURST)
            async for raw in ws:
                self.messages += 1
                if not bucket.take():
                    self.throttled += 1
                    if bucket.dropped >= MAX_FLOOD:
                        self.refused += 1
                        self._report("flood", RuntimeError(f"a page sent more than {MAX_RATE:g} messages/s "
                                                           f"for too long; disconnected it"))
                        await ws.close(1008, "too many messages")
                        break
                    continue
                try:
                    reply = apply_message(self.state, raw, self.transitions)
                except BadMessage as exc:
                    self.bad_messages += 1
                    self.last_bad = str(exc)
                    if self.bad_messages == 1:  # once: a flood of garbage costs one line
                        self._report("message", BadMessage(f"a page sent a malformed message ({exc}); such "
                                                           "messages are ignored and counted"))
                    continue
                except Exception as exc:  # noqa: BLE001 - e.g. the engine redeclaring params mid-read
                    self._report("message", exc)
                    continue
                if reply is not None:
                    await ws.send(json.dumps(reply))
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(ws)

    def _layout(self) -> dict:
        st = self.state
        specs = sorted(st.params().values(), key=lambda p: p.name)
        return {"type": "layout",
                "params": [[p.name, p.min, p.max, p.default, p.description] for p in specs],
                "packs": list(st.packs), "scenes": list(st.scenes), "transitions": list(self.transitions)}

    def _state_dict(self) -> dict:
        st = self.state
        specs = st.params()
        values = st.snapshot()
        params = {}
        for name, p in specs.items():
            span = p.max - p.min
            params[name] = 0.0 if span == 0 else round((values.get(name, p.default) - p.min) / span, 4)
        return {"version": st.version, "pack": st.pack, "scene": st.scene, "blackout": bool(st.blackout),
                "freeze": bool(st.freeze), "toggles": dict(st.toggles), "params": params}

    def _report(self, what: str, exc: BaseException) -> None:
        if self.faults is not None:
            self.faults.exception(f"web {what}", exc)
        elif what not in self._reported:
            self._reported.add(what)
            print(f"vjhost: web {what}: {type(exc).__name__}: {exc}", file=sys.stderr)

    def _guarded(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except Exception as exc:  # noqa: BLE001 - the page goes on without it
            self._report(what, exc)
            return None

    async def _push_loop(self) -> None:
        """~20 Hz: what changed since the last push (one diff for every page), and the beat."""
        from websockets.asyncio.server import broadcast

        while True:
            await asyncio.sleep(self.push_period)
            if not self._clients:
                self._last = None
                continue
            try:
                self._push(broadcast)
            except Exception as exc:  # noqa: BLE001 - e.g. a pack switch redeclaring params mid-read; next tick
                self._last = None  # resend in full
                self._report("push", exc)

    def _push(self, broadcast: Callable[..., None]) -> None:
        """One tick: a layout if the parameter set changed, the state diff, the beat."""
        clients = set(self._clients)
        st = self.state
        now_cheap = (st.pack, st.scene, st.blackout, st.freeze)
        cheap = self._cheap
        layout = self._layout()
        if layout != self._last_layout:
            broadcast(clients, json.dumps(layout))
            self._last_layout, self._last = layout, None
        last = self._last
        if last is None or st.version != last["version"] or now_cheap != cheap:
            cur = self._state_dict()
            self._cheap = now_cheap
            if last is None:
                diff = {"full": True, **cur}
            else:
                diff = {k: v for k, v in cur.items() if k != "params" and v != last.get(k)}
                changed = {k: v for k, v in cur["params"].items() if last["params"].get(k) != v}
                if changed:
                    diff["params"] = changed
            if set(diff) - {"version"}:
                broadcast(clients, json.dumps({"type": "state", **diff}))
            self._last = cur
        if self.features is not None:
            f = self._guarded("features", self.features)
            if f is not None:
                msg = _beat_message(f)
                s = self._guarded("show", self.show) if self.show is not None else None
                if isinstance(s, dict):
                    msg["show"] = {k: round(float(s[k]), 2) for k in ("fps", "render_scale", "dropped", "decode_hz")
                                   if isinstance(s.get(k), (int, float)) and math.isfinite(float(s[k]))}
                    msg["show"]["auto"] = bool(s.get("auto_scale"))
                broadcast(clients, json.dumps(msg))

    async def _preview_loop(self) -> None:
        from websockets.asyncio.server import broadcast

        loop = asyncio.get_running_loop()
        last: bytes | None = None
        while True:
            await asyncio.sleep(self.preview_period)
            if not self._clients:
                last = None
                continue
            data = await loop.run_in_executor(None, self._guarded, "preview", self.preview)
            if isinstance(data, (bytes, bytearray)) and data and data != last:
                last = self._last_image = bytes(data)
                broadcast(set(self._clients), last)


class _Bucket:
    """A token bucket: ``rate`` messages a second, bursts of ``burst``; ``dropped`` counts refusals since it was
    last full."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate, self.burst = float(rate), float(burst)
        self.tokens = self.burst
        self.t = time.monotonic()
        self.dropped = 0

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        if self.tokens >= self.burst:
            self.dropped = 0
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        self.dropped += 1
        return False


def _beat_message(f: Any) -> dict:
    def num(name: str, default: float = 0.0) -> float:
        v = getattr(f, name, default)
        try:
            v = float(v)
        except (TypeError, ValueError):
            return default
        return v if math.isfinite(v) else default

    return {"type": "beat", "bpm": round(num("bpm", 120.0), 2), "phase": round(num("beat_phase"), 3),
            "bar": round(num("bar_phase"), 3), "count": int(num("beat_count")),
            "conf": round(num("beat_confidence"), 3), "level": round(num("rms"), 3),
            "section": str(getattr(f, "section", "") or "")}
