"""A show: one pack's analyzers, latent controller, decoder and effect chain, wired together.

:class:`Show` is built from the plugin host's registries and the pack's
manifest, and then driven frame by frame by either the live loop
(:mod:`vjhost.output.live`) or the offline renderer
(:mod:`vjhost.output.offline`).  It calls plain objects only; every call into
a plugin goes through a :class:`~vjhost.faults.Guard`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from .control.state import ControlState
from .faults import BLOCKED_S, FaultLog, Guard
from .packs import Manifest, ManifestError, load_manifest
from .plugins import Host
from .protocols import Analyzer, Decoder, Features, LatentController, Param, SettingsError

SAMPLE_RATE = 48000
HOP = 512

MASTER_PARAMS = (
    Param("master.brightness", 1.0, 0.0, 1.0, "output level"),
    Param("master.strobe", 0.0, 0.0, 1.0, "beat-locked strobe: share of each sixteenth that is dark"),
)


class GuardedAnalyzer:
    """An analyzer whose failures and hangs are reported and, after repeats, bypassed."""

    def __init__(self, name: str, inner: Analyzer, faults: FaultLog) -> None:
        self.name = name
        self.inner = inner
        self.guard = Guard(f"analyzer {name}", faults)
        #: live only (the analysis thread sets it): a call blocking longer than BLOCKED_S is a hang
        self.watch_hangs = False
        #: set by the live analysis' watchdog when it reported this analyzer stuck (said once, not twice)
        self.hang_reported = False
        self.calls = 0

    def process(self, block: np.ndarray, features: Features) -> None:
        if not self.watch_hangs:  # offline: deterministic, however long a hop takes
            self.guard.call(self.inner.process, block, features)
            return
        t0 = time.perf_counter()
        self.guard.call(self.inner.process, block, features)
        took = time.perf_counter() - t0
        if took > BLOCKED_S and self.calls:  # (the first call may plan FFTs and the like)
            self.guard.hung(took, reported=self.hang_reported)
        self.hang_reported = False
        self.calls += 1

    def reset(self) -> None:
        self.guard.call(self.inner.reset)


def make_analyzers(host: Host, faults: FaultLog,
                   sample_rate: int = SAMPLE_RATE, hop: int = HOP) -> list[GuardedAnalyzer]:
    """Instantiate every registered analyzer in order; one that fails to build is reported and left out."""
    out = []
    for spec in sorted(host.analyzers.specs(), key=lambda s: (s.order, s.name)):
        try:
            out.append(GuardedAnalyzer(spec.name, spec.factory(sample_rate, hop), faults))
        except Exception as exc:  # noqa: BLE001
            faults.exception(f"analyzer {spec.name}", exc, bypassed=True)
    return out


def make_controller(host: Host, m: Manifest, latent_dim: int, anchors: np.ndarray | None) -> LatentController:
    """The pack's latent controller, built from its ``[controller]`` table.

    An uninstalled controller or a setting its factory rejects
    (:class:`~vjhost.protocols.SettingsError`) is a :class:`ManifestError`
    naming the manifest, the line and the key.
    """
    spec = host.controllers.get(m.controller)
    if spec is None:
        raise m.error("controller.name", f"unknown latent controller {m.controller!r} "
                                         f"(installed: {', '.join(sorted(host.controllers.names())) or 'none'})")
    try:
        return spec.factory(latent_dim, anchors, m.controller_settings)
    except SettingsError as exc:
        raise m.error(f"controller.settings.{exc.key}", f"{m.controller}: {exc.problem}") from None


@dataclass
class DecodedFrame:
    image: np.ndarray
    t: float


class Show:
    """One pack, ready to render.  Create on the thread that owns the GL context."""

    def __init__(self, host: Host, pack: str, size: tuple[int, int], *, faults: FaultLog | None = None,
                 device: str = "auto", seed: int = 0, state: ControlState | None = None,
                 decoder: str | None = None, backend: str | None = None) -> None:
        from .render.chain import Renderer
        from .render.shaders import ShaderFinder

        self.host = host
        self.faults = faults or FaultLog()
        self.size = size
        self.seed = seed
        self.manifest: Manifest = load_manifest(host.pack(pack), controllers=host.controllers.names())
        m = self.manifest
        backend_name = backend or m.decoder_backend
        spec = host.decoders.get(backend_name)
        if spec is None:
            raise LookupError(f"{m.path}: decoder backend {backend_name!r} is not installed "
                              f"(have: {', '.join(host.decoders.names()) or 'none'})")
        try:
            self.decoder_file = m.decoder_file(decoder, backend_name)
        except ManifestError as exc:  # e.g. --decoder student on a pack that ships none: play its default
            if backend_name != m.decoder_backend or decoder in (None, m.variant):
                raise
            self.faults.report(f"pack {m.name}", f"{exc}; playing its {m.variant} decoder")
            self.decoder_file = m.decoder_file(m.variant, backend_name)
        self.decoder: Decoder = spec.factory(self.decoder_file, device)
        anchors = getattr(self.decoder, "anchors", None)
        self.controller: LatentController = make_controller(host, m, self.decoder.latent_dim, anchors)
        self.controller.reset(seed)
        self.controller_guard = Guard(f"controller {m.controller}", self.faults)
        self._z = np.zeros(self.decoder.latent_dim, np.float32)

        # control model: every parameter of everything in this show
        self.state = state or ControlState()
        for p in MASTER_PARAMS:
            self.state.declare(p)
        for p in getattr(self.controller, "PARAMS", ()):
            self.state.declare(p)
        self.state.pack = m.name
        self.state.packs = sorted(host.packs.names())
        self.state.scenes = list(m.scenes)
        self.state.scene = min(self.state.scene, max(0, len(m.scenes) - 1))

        self.finder = ShaderFinder([m.shader_dir, *host.shader_dirs])
        self.renderer = Renderer(size, self.finder, self.faults)
        self.renderer.set_source(m.source_shader)
        pack_fx = {e.name: e for e in m.effects}
        for name in m.chain:
            if name in pack_fx:
                e = pack_fx[name]
                params, shader, uniforms = e.params, e.shader, None
            elif name in host.effects:
                spec = host.effects[name]
                params, shader, uniforms = spec.params, spec.shader, spec.uniforms
            else:
                self.faults.report(f"effect {name}",
                                   f"{m.path}: chain names {name!r}, which no plugin registers (skipped)")
                continue
            for p in params:
                self.state.declare(Param(f"fx.{name}.{p.name}", p.default, p.min, p.max, p.description))
            self.renderer.add_effect(name, shader, params, uniforms)
        if any(getattr(p, "isf", None) is not None for p in [self.renderer.source, *self.renderer.effects]):
            from .render.isf import AudioTextures

            self.renderer.audio = AudioTextures()  # ISF audio / audioFFT inputs, Shadertoy's music channel
        for k, v in m.defaults.items():
            self.state.set(k, v)
        for k, v in m.controller_settings.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                self.state.set(k, v)
        for p in getattr(self.controller, "PARAMS", ()):  # set by short name ("jump" for "latent.jump")
            short = p.name.split(".", 1)[-1]
            if short != p.name and short in m.controller_settings and p.name not in m.controller_settings:
                self.state.set(p.name, p.default)
        self.frame_index = 0

    # ------------------------------------------------------------------ per frame
    def latent(self, features: Features, dt: float) -> np.ndarray:
        """The latent for this frame (the last good one if the controller fails)."""
        z = self.controller_guard.call(self.controller.step, features, dt, self.state, fallback=None)
        if z is not None:
            self._z = np.asarray(z, np.float32).reshape(-1)
        return self._z

    def render(self, features: Features, dt: float, image_mix: float = 1.0, waveform: np.ndarray | None = None,
               controls: tuple | None = None) -> int:
        """Draw one frame.  ``waveform``: the newest mono samples, for ISF ``audio`` inputs (optional).

        ``controls``: ``(params, toggles, scene, blackout)`` as they were when this frame's actions were
        applied (the offline renderer steps cues and replays on its decode thread, frames ahead); default:
        the state now.
        """
        st = self.state
        if self.renderer.audio is not None:
            self.renderer.audio.update(features=features, waveform=waveform)
        params, toggles, scene, blackout = controls if controls is not None else (
            st.snapshot(), st.toggles, st.scene, st.blackout)
        tex = self.renderer.render(features, params, toggles, frame=self.frame_index, dt=dt,
                                   image_mix=image_mix, scene=scene, blackout=blackout)
        self.frame_index += 1
        return tex

    def apply_action(self, name: str, value: Any) -> str | None:
        """Scene/toggle/blackout/freeze actions; returns the pack name if a pack switch was asked."""
        st = self.state
        if name == "scene" and st.scenes:
            st.scene = int(value) % len(st.scenes)
        elif name == "toggle" and value:
            st.toggle(str(value))
        elif name == "blackout":
            st.blackout = not st.blackout if value is None else bool(value)
        elif name == "freeze":
            st.freeze = not st.freeze if value is None else bool(value)
        elif name == "param" and isinstance(value, (tuple, list)) and len(value) == 2:
            st.set(str(value[0]), float(value[1]))
        elif name == "pack" and value and value != st.pack:
            return str(value)
        st.touch()
        return None
