"""The lighting desk output: what the analysis hears, over OSC and Art-Net (DMX), from a mapping file.

``vjhost run --output lights=rig.toml``.  The mapping file (TOML, validated:
every problem as ``file:line: key: message``, all at once) says where the
values go; docs/outputs.md has the full reference.  A small one::

    schema_version = 1
    rate = 44                      # continuous values this many times a second (beats go out at once)

    [artnet]
    host = "127.0.0.1"             # the node or desk (broadcast needs broadcast = true)
    universe = 0                   # with net (0..127) and subnet (0..15): the 15-bit Port-Address

    [[artnet.channels]]
    channel = 1                    # DMX channel 1..512
    value = "beat"                 # full on for the first eighth of every beat

    [[artnet.channels]]
    channel = 2
    rgb = "palette.beat"           # channels 2, 3, 4: the pack's colours, the next one on every beat
    dimmer = "bass"

    [osc]
    host = "127.0.0.1"
    port = 7700
    prefix = "/vjhost"
    send = ["beat", "bar_phase", "bands", "drop", "palette"]

Values (0..1): ``beat``, ``downbeat`` (pulses: on for the first eighth of the
beat / bar), ``beat_env``, ``beat_phase``, ``bar_phase``, ``kick``, ``snare``,
``hat``, ``onset`` (their envelopes), ``rms``, ``bass``, ``mid``, ``high``,
``energy``, ``band.0`` .. ``band.7``, ``drop``, ``build``, ``breakdown`` (1
while in that section), ``bpm`` (BPM / 300), ``confidence``.  Colours (``rgb =``):
``palette.N`` (the pack's N-th colour), ``palette.beat`` / ``palette.bar``
(the next colour every beat / bar).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from ..control.layout import TomlChecker, TomlFileError, _suggest, parse_toml, read_toml_text
from ..protocols import Features, OutputFrame
from .artnet import PORT as ARTNET_PORT
from .artnet import ArtDmx, dmx_length, port_address, udp_socket

SCHEMA_VERSION = 1
PULSE = 0.125  #: share of a beat (bar) that ``beat`` (``downbeat``) stays on: DMX at 44 Hz never misses it


def _section(name: str) -> Callable[[Features], float]:
    return lambda f: 1.0 if f.section == name else 0.0


VALUES: dict[str, Callable[[Features], float]] = {
    "beat": lambda f: 1.0 if f.beat or float(f.beat_phase) < PULSE else 0.0,
    "downbeat": lambda f: 1.0 if f.downbeat or float(f.bar_phase) < PULSE / 4 else 0.0,
    "beat_env": lambda f: f.beat_env,
    "beat_phase": lambda f: f.beat_phase,
    "bar_phase": lambda f: f.bar_phase,
    "kick": lambda f: f.kick_env,
    "snare": lambda f: f.snare_env,
    "hat": lambda f: f.hat_env,
    "onset": lambda f: f.onset_env,
    "rms": lambda f: f.rms,
    "bass": lambda f: f.bass,
    "mid": lambda f: f.mid,
    "high": lambda f: f.high,
    "energy": lambda f: f.energy,
    "drop": _section("drop"),
    "build": _section("build"),
    "breakdown": _section("breakdown"),
    "bpm": lambda f: f.bpm / 300.0,
    "confidence": lambda f: f.beat_confidence,
}
VALUES.update({f"band.{i}": (lambda f, i=i: float(f.bands[i]) if len(f.bands) > i else 0.0) for i in range(8)})
COLOURS = ("palette.beat", "palette.bar")  # and palette.N
OSC_SEND = ("beat", "downbeat", "beat_phase", "bar_phase", "bands", "bass", "mid", "high", "rms", "energy", "bpm",
            "drop", "section", "palette", "color", "kick", "onset")
OSC_EVENTS = ("beat", "downbeat")

_TOP = ("schema_version", "rate", "artnet", "osc")
_ARTNET = ("host", "port", "net", "subnet", "universe", "broadcast", "channels")
_CHANNEL = ("channel", "value", "rgb", "dimmer", "range", "fine")
_OSC = ("host", "port", "prefix", "send")


class MappingError(TomlFileError):
    """A lighting mapping file that cannot be used; ``str()`` lists every problem as ``file:line: key: message``."""


@dataclass(frozen=True)
class Channel:
    channel: int  #: 1..512 (the first of three for ``rgb``, of two for ``fine``)
    value: str = ""  #: a key of VALUES
    rgb: str = ""  #: "palette.N", "palette.beat", "palette.bar"
    dimmer: str = ""  #: a VALUES key scaling the colour
    lo: int = 0
    hi: int = 255
    fine: bool = False

    @property
    def last(self) -> int:
        return self.channel + (2 if self.rgb else 1 if self.fine else 0)


@dataclass(frozen=True)
class LightMapping:
    source: str
    rate: float = 44.0
    artnet_host: str | None = None
    artnet_port: int = ARTNET_PORT
    address: int = 0
    broadcast: bool = False
    channels: tuple[Channel, ...] = ()
    osc_host: str | None = None
    osc_port: int = 7700
    prefix: str = "/vjhost"
    send: tuple[str, ...] = ()


def load_mapping(path: str | Path) -> LightMapping:
    """Read and validate a mapping file; raises :class:`MappingError` naming the file, line and key."""
    name = str(path)
    text = read_toml_text(path, name, MappingError)
    v = _Checker(name, text)
    m = v.document(parse_toml(text, name, MappingError))
    if v.issues:
        raise MappingError(name, sorted(v.issues, key=lambda i: i.line or 0))
    return m


class _Checker(TomlChecker):
    top_keys = _TOP

    def ranged(self, t: Mapping[str, Any], key: str, lo: int, hi: int, path: tuple, default: Any) -> Any:
        v = self.typed(t, key, int, path, default)
        if v is not None and v is not default and not lo <= v <= hi:
            self.error(path + (key,), f"{v} out of range {lo}..{hi}")
            return default
        return v

    def host(self, t: Mapping[str, Any], path: tuple) -> str:
        h = self.typed(t, "host", str, path, "127.0.0.1")
        if not h.strip():
            self.error(path + ("host",), "empty host")
        return h.strip() or "127.0.0.1"

    def value_name(self, t: Mapping[str, Any], key: str, path: tuple) -> str:
        v = self.typed(t, key, str, path, "")
        if v and v not in VALUES:
            self.error(path + (key,), f"unknown value {v!r} (one of {', '.join(VALUES)}){_suggest(v, VALUES)}")
            return ""
        return v

    def document(self, data: Mapping[str, Any]) -> LightMapping:
        self.keys(data, _TOP, ())
        ver = self.typed(data, "schema_version", int, (), None, required=True,
                         what=f"write schema_version = {SCHEMA_VERSION}")
        if ver is not None and ver != SCHEMA_VERSION:
            self.error(("schema_version",), f"unsupported schema_version {ver} (this vjhost reads {SCHEMA_VERSION})")
        rate = self.typed(data, "rate", float, (), 44.0)
        if not (math.isfinite(rate) and 1.0 <= rate <= 240.0):
            self.error(("rate",), f"{rate}: packets per second must be 1..240")
            rate = 44.0
        out: dict[str, Any] = {"rate": rate}
        if "artnet" not in data and "osc" not in data:
            self.error((), "nothing to send: add an [artnet] table, an [osc] table, or both")
        art = self.typed(data, "artnet", dict, (), None)
        if art is not None:
            out.update(self.artnet(art))
        osc = self.typed(data, "osc", dict, (), None)
        if osc is not None:
            out.update(self.osc(osc))
        return LightMapping(self.source, **out)

    def artnet(self, t: Mapping[str, Any]) -> dict:
        p = ("artnet",)
        self.keys(t, _ARTNET, p)
        host = self.host(t, p)
        port = self.ranged(t, "port", 1, 65535, p, ARTNET_PORT)
        net = self.ranged(t, "net", 0, 127, p, 0)
        sub = self.ranged(t, "subnet", 0, 15, p, 0)
        uni = self.ranged(t, "universe", 0, 15, p, 0)
        broadcast = self.typed(t, "broadcast", bool, p, False)
        if host.endswith(".255") and not broadcast:
            self.error(p + ("host",), f"{host} is a broadcast address: add broadcast = true if you mean it")
        items = self.typed(t, "channels", list, p, [], required=True, what="add [[artnet.channels]] tables")
        chans: list[Channel] = []
        used: dict[int, int] = {}
        for i, c in enumerate(items):
            ch = self.channel(c, p + ("channels", i))
            if ch is None:
                continue
            for n in range(ch.channel, ch.last + 1):
                if n in used:
                    self.error(p + ("channels", i, "channel"),
                               f"DMX channel {n} is already driven by channels entry {used[n]}")
                used.setdefault(n, i)
            chans.append(ch)
        return {"artnet_host": host, "artnet_port": port, "address": port_address(net, sub, uni),
                "broadcast": broadcast, "channels": tuple(chans)}

    def channel(self, c: Any, p: tuple) -> Channel | None:
        if not isinstance(c, dict):
            self.error(p, f"expected a table ([[artnet.channels]]), got {c!r}")
            return None
        self.keys(c, _CHANNEL, p)
        n = self.typed(c, "channel", int, p, None, required=True, what="the DMX channel, 1..512")
        value = self.value_name(c, "value", p)
        rgb = self.typed(c, "rgb", str, p, "")
        if rgb and rgb not in COLOURS and not (rgb.startswith("palette.") and rgb[8:].isdigit()):
            self.error(p + ("rgb",), f"unknown colour {rgb!r} (palette.N, palette.beat or palette.bar)")
            rgb = ""
        dimmer = self.value_name(c, "dimmer", p)
        if ("value" in c) == ("rgb" in c):
            self.error(p, "give value = \"...\" (one channel) or rgb = \"palette...\" (three channels), one of them")
        if dimmer and "rgb" not in c:
            self.error(p + ("dimmer",), "dimmer only applies to rgb channels")
        lo, hi = 0, 255
        rng = self.typed(c, "range", list, p, None)
        if rng is not None:
            if len(rng) != 2 or not all(isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= 255 for x in rng):
                self.error(p + ("range",), f"expected [low, high] DMX levels 0..255, got {rng!r}")
            else:
                lo, hi = rng
        fine = self.typed(c, "fine", bool, p, False)
        if fine and "rgb" in c:
            self.error(p + ("fine",), "fine (16-bit) applies to single values, not rgb")
            fine = False
        if n is None:
            return None
        last = n + (2 if rgb else 1 if fine else 0)
        if not 1 <= n or last > 512:
            span = f" (to {last})" if last != n else ""
            self.error(p + ("channel",), f"channel {n}{span} out of range 1..512")
            return None
        return Channel(n, value, rgb, dimmer, lo, hi, fine)

    def osc(self, t: Mapping[str, Any]) -> dict:
        p = ("osc",)
        self.keys(t, _OSC, p)
        host = self.host(t, p)
        port = self.ranged(t, "port", 1, 65535, p, 7700)
        prefix = self.typed(t, "prefix", str, p, "/vjhost")
        if not prefix.startswith("/") or " " in prefix or prefix.endswith("/"):
            self.error(p + ("prefix",), f"{prefix!r}: an OSC address starts with / and has no spaces or trailing /")
            prefix = "/vjhost"
        send = self.typed(t, "send", list, p, list(OSC_SEND))
        good = []
        for i, s in enumerate(send):
            if s not in OSC_SEND:
                self.error(p + ("send",),
                           f"entry {i}: unknown {s!r} (one of {', '.join(OSC_SEND)}){_suggest(str(s), OSC_SEND)}")
            else:
                good.append(s)
        return {"osc_host": host, "osc_port": port, "prefix": prefix, "send": tuple(good)}


# --------------------------------------------------------------------------- the output


def _colour(palette: np.ndarray, which: str, f: Features) -> np.ndarray | None:
    n = len(palette)
    if not n:
        return None
    if which == "palette.beat":
        return palette[int(f.beat_count) % n]
    if which == "palette.bar":
        return palette[(int(f.beat_count) // 4) % n]
    return palette[int(which[8:]) % n]


class LightingOutput:
    """Sends the analysis to a lighting desk: ArtDmx packets and/or OSC messages, from a mapping file.

    ``send`` runs on the render thread: continuous values go out ``rate`` times
    a second, beats and downbeats at once; the sockets never block (a full
    buffer drops a packet, a closed port on the desk is ignored).
    """

    wants = "features"

    def __init__(self, setting: str | None, size: tuple[int, int] = (0, 0), fps: float = 60.0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if not setting:
            raise ValueError("lights needs a mapping file: --output lights=rig.toml (docs/outputs.md)")
        self.mapping = m = load_mapping(setting)
        self.clock = clock
        self.period = 1.0 / m.rate
        self._next = 0.0
        self._last_beat = -1
        self._last_pack = None
        self._last_section = None
        self.packets = 0  #: ArtDmx packets sent
        self.messages = 0  #: OSC messages sent
        self.dmx: ArtDmx | None = None
        self._art = self._osc = None
        parts = []
        if m.artnet_host is not None:
            top = max((c.last for c in m.channels), default=1)
            self.dmx = ArtDmx(m.address, dmx_length(top))
            self._art = udp_socket(m.broadcast)
            self._art_to = (m.artnet_host, m.artnet_port)
            parts.append(f"Art-Net universe {m.address} -> {m.artnet_host}:{m.artnet_port} "
                         f"({len(m.channels)} channels)")
        if m.osc_host is not None:
            from pythonosc.osc_message_builder import OscMessageBuilder

            self._builder = OscMessageBuilder
            self._osc = udp_socket(m.osc_host.endswith(".255"))
            self._osc_to = (m.osc_host, m.osc_port)
            parts.append(f"OSC {m.prefix}/... -> {m.osc_host}:{m.osc_port}")
        self.description = "; ".join(parts)

    # ------------------------------------------------------------------ values
    def fill_dmx(self, f: Features, palette: np.ndarray) -> None:
        d = self.dmx.data
        for c in self.mapping.channels:
            i = c.channel - 1
            if c.rgb:
                col = _colour(palette, c.rgb, f)
                k = 1.0 if not c.dimmer else min(1.0, max(0.0, float(VALUES[c.dimmer](f))))
                for j in range(3):
                    x = 0.0 if col is None else col[j] / 255.0 * k
                    d[i + j] = int(round(c.lo + (c.hi - c.lo) * x))
                continue
            x = min(1.0, max(0.0, float(VALUES[c.value](f))))
            if c.fine:
                q = int(round((c.lo + (c.hi - c.lo) * x) / 255.0 * 65535))
                d[i], d[i + 1] = q >> 8, q & 0xFF
            else:
                d[i] = int(round(c.lo + (c.hi - c.lo) * x))

    def _send_udp(self, sock, data, to) -> bool:
        try:
            sock.sendto(data, to)
            return True
        except (BlockingIOError, ConnectionRefusedError, InterruptedError):
            return False  # a full buffer or nobody listening yet: the next packet follows at once

    def _msg(self, name: str, *args: Any) -> None:
        b = self._builder(f"{self.mapping.prefix}/{name}")
        for a in args:
            b.add_arg(a)
        if self._send_udp(self._osc, b.build().dgram, self._osc_to):
            self.messages += 1

    def send_osc(self, f: Features, palette: np.ndarray, beat: bool, periodic: bool, pack: str) -> None:
        send = self.mapping.send
        if beat:
            if "beat" in send:
                self._msg("beat", int(f.beat_count))
            if "downbeat" in send and int(f.beat_count) % 4 == 0:
                self._msg("downbeat", int(f.beat_count) // 4)
            if "color" in send and len(palette):
                col = _colour(palette, "palette.beat", f)
                self._msg("color", *(float(x) / 255.0 for x in col))
        section_changed = f.section != self._last_section
        if "drop" in send and (section_changed or periodic):
            self._msg("drop", 1 if f.section == "drop" else 0)
        if "section" in send and (section_changed or periodic):
            self._msg("section", f.section or "none")
        self._last_section = f.section
        if "palette" in send and (pack != self._last_pack or (beat and int(f.beat_count) % 4 == 0)):
            self._msg("palette", *(int(x) for x in palette.reshape(-1)))
        if not periodic:
            return
        for name in ("beat_phase", "bar_phase", "bass", "mid", "high", "rms", "energy"):
            if name in send:
                self._msg(name, float(getattr(f, name)))
        if "bpm" in send:
            self._msg("bpm", float(f.bpm))
        if "kick" in send:
            self._msg("kick", float(f.kick_env))
        if "onset" in send:
            self._msg("onset", float(f.onset_env))
        if "bands" in send:
            self._msg("bands", *(float(x) for x in f.bands))

    # ------------------------------------------------------------------ per frame
    def send(self, frame: OutputFrame) -> None:
        f = frame.features
        now = self.clock()
        beat = int(f.beat_count) != self._last_beat and (f.beat or self._last_beat >= 0)
        if beat:
            self._last_beat = int(f.beat_count)
        periodic = now >= self._next
        if periodic:
            self._next += self.period
            if self._next <= now:  # the first packet, or after a stall: no burst to catch up
                self._next = now + self.period
        if not (beat or periodic or frame.pack != self._last_pack):
            return
        if self.dmx is not None:
            self.fill_dmx(f, frame.palette)
            self.dmx.next_sequence()
            if self._send_udp(self._art, self.dmx.packet, self._art_to):
                self.packets += 1
        if self._osc is not None:
            self.send_osc(f, frame.palette, beat, periodic, frame.pack)
        self._last_pack = frame.pack

    def close(self) -> None:
        for s in (self._art, self._osc):
            if s is not None:
                s.close()
