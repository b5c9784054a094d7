"""``audio-walk``: the latent controller that walks a pack's latent space with the music.

What it does, frame by frame (``AudioWalk.step``):

* **Glide.**  Between beats the latent travels from where it was to a target
  point along a great circle (spherical interpolation), eased with smoothstep
  over the beat using ``features.beat_phase``.  Consecutive frames never jump
  unless a beat (or a drop) hits.
* **Jump.**  On a beat -- every ``jump_every`` beats -- a new target is drawn:
  the current scene's anchor (``anchors[controls.scene]``; a seeded random
  point per scene when the pack has no anchors) plus a normal offset scaled by
  ``latent.jump`` (in prior standard deviations).  On a real beat the latent
  also moves ``beat_snap`` of the way there at once, the visible hit; the rest
  glides.
* **Bass push.**  Kick/bass (``max(features.bass, features.kick_env)``) push the
  latent along a random direction that changes every bar (downbeat, or every 4
  beats), scaled by ``latent.bass_push``.  It springs back when the bass stops.
* **Onset pulse.**  Each onset adds a small, quickly decaying pulse in a fresh
  random direction, scaled by ``latent.onset_pulse``.
* **Drift.**  A slow leaky drift (``latent.drift``) whose direction the
  spectral centroid tilts: dark sounds drift one way, bright sounds the other,
  within a plane that changes every 16 beats.
* **Sections.**  ``features.section == "build"`` pulls the latent gradually
  toward the next anchor (``anchors[scene + 1]``) over ``build_bars`` bars;
  entering ``"drop"`` triggers one big morph (``drop_snap`` of the way at once)
  into a different anchor region -- the one the build leaned toward -- which
  the walk stays around until the drop ends.  Changing ``controls.scene``
  re-targets to the new scene (gliding; ``scene_snap`` for a cut) and cancels a
  drop region.
* **On the shell.**  Targets lie on the prior's typical norm shell
  (``|z| ~ sqrt(D)``) and the output's norm is softly compressed into
  ``sqrt(D) * (1 +- norm_band)`` (a tanh, no clipping), so decodes stay on the
  manifold whatever the pushes add.
* With no beat from the tracker for two beat periods (silence, ambient), it
  free-runs on ``features.bpm`` (glides only, no snaps) unless ``free_run`` is
  false.  ``controls.freeze`` holds the last latent.

Live parameters (:attr:`AudioWalk.PARAMS`, read each frame with
``controls.get(name, default)``): ``latent.speed``, ``latent.jump``,
``latent.bass_push``, ``latent.onset_pulse``, ``latent.drift``.

Pack manifest settings (the ``settings`` mapping; unknown keys warn):

* ``latent.speed`` (1.0), ``latent.jump`` (0.5), ``latent.bass_push`` (0.5),
  ``latent.onset_pulse`` (0.3), ``latent.drift`` (0.3): the parameters'
  defaults; the short names (``speed``, ``jump`` ...) work too.
* ``jump_every`` (1): beats per new target (int >= 1).
* ``beat_snap`` (0.3): fraction of the way to a new target taken on the beat itself.
* ``drop_snap`` (0.75): the same for the morph at the start of a drop.
* ``scene_snap`` (0.0): the same when the VJ changes scene (0: glide there).
* ``build_pull`` (0.5): how far (slerp fraction) a full build leans toward the next anchor.
* ``build_bars`` (8): bars for a build to reach its full pull.
* ``norm_band`` (0.12): half-width of the norm shell, as a fraction of sqrt(D).
* ``free_run`` (true): keep gliding on the BPM when the beat tracker is silent.

The instance's ``PARAMS`` carries the manifest's defaults; the host should
declare ``controller.PARAMS`` (not the class attribute) into its
:class:`~vjhost.control.state.ControlState`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any, Mapping

import numpy as np

from vjhost.protocols import Features, Param

__all__ = ["AudioWalk"]

# offsets, in prior standard deviations (a unit-variance latent has norm ~ sqrt(D))
_PUSH_SCALE = 2.0  # |push| at bass_push = 1, full bass
_PULSE_SCALE = 2.0  # |pulse| at onset_pulse = 1, fresh onset
_DRIFT_SCALE = 1.0  # drift speed (units / s) at drift = 1
_DRIFT_TAU = 3.0  # s: the drift offset leaks back with this time constant
_PUSH_TAU = 0.04  # s: smoothing of the push / pulse vectors
_PULSE_DECAY = 0.15  # s
_MAX_DT = 0.25

_SETTINGS_DEFAULTS: dict[str, Any] = {
    "jump_every": 1,
    "beat_snap": 0.3,
    "drop_snap": 0.75,
    "scene_snap": 0.0,
    "build_pull": 0.5,
    "build_bars": 8.0,
    "norm_band": 0.12,
    "free_run": True,
}


def _unit(rng: np.random.Generator, d: int) -> np.ndarray:
    v = rng.standard_normal(d)
    return v / math.sqrt(float(v @ v))


class AudioWalk:
    PARAMS: tuple[Param, ...] = (
        Param("latent.speed", 1.0, 0.0, 4.0, "glide speed: 1 reaches each target in one jump period, 0 holds"),
        Param("latent.jump", 0.5, 0.0, 2.0, "beat jump size: random offset from the scene anchor, in prior std devs"),
        Param("latent.bass_push", 0.5, 0.0, 2.0, "how far kick / bass push the latent along the bar's direction"),
        Param("latent.onset_pulse", 0.3, 0.0, 2.0, "size of the short pulse on each onset"),
        Param("latent.drift", 0.3, 0.0, 2.0, "slow drift speed (its direction follows the spectral centroid)"),
    )

    def __init__(self, latent_dim: int, anchors: np.ndarray | None = None, settings: Mapping[str, Any] | None = None) -> None:
        self.latent_dim = d = int(latent_dim)
        if d < 2:
            raise ValueError(f"latent_dim must be >= 2, got {latent_dim}")
        if anchors is not None:
            anchors = np.asarray(anchors, dtype=np.float64)
            if anchors.ndim != 2 or anchors.shape[1] != d:
                raise ValueError(f"anchors must be (K, {d}), got {anchors.shape}")
            if anchors.shape[0] == 0:
                anchors = None
        self.anchors = anchors
        self.n_anchors = 0 if anchors is None else int(anchors.shape[0])

        # ---- settings: parameter defaults + behaviour constants
        settings = dict(settings or {})
        by_short = {p.name.split(".", 1)[1]: p.name for p in self.PARAMS}
        defaults = {p.name: p.default for p in self.PARAMS}
        cfg = dict(_SETTINGS_DEFAULTS)
        unknown = []
        for key, value in settings.items():
            name = by_short.get(key, key)
            if name in defaults:
                defaults[name] = float(value)
            elif key in cfg:
                cfg[key] = value
            else:
                unknown.append(key)
        if unknown:
            warnings.warn(f"audio-walk: unknown settings ignored: {sorted(unknown)}", stacklevel=2)
        self.PARAMS = tuple(replace(p, default=p.clamp(defaults[p.name])) for p in type(self).PARAMS)
        self._defaults = {p.name: p.default for p in self.PARAMS}
        self.jump_every = max(1, int(cfg["jump_every"]))
        self.beat_snap = min(1.0, max(0.0, float(cfg["beat_snap"])))
        self.drop_snap = min(1.0, max(0.0, float(cfg["drop_snap"])))
        self.scene_snap = min(1.0, max(0.0, float(cfg["scene_snap"])))
        self.build_pull = min(1.0, max(0.0, float(cfg["build_pull"])))
        self.build_bars = max(0.25, float(cfg["build_bars"]))
        self.norm_band = min(0.9, max(0.01, float(cfg["norm_band"])))
        self.free_run = bool(cfg["free_run"])

        #: the prior's typical norm and the soft shell half-width
        self.radius = math.sqrt(d)
        self._band_w = self.norm_band * self.radius
        self.reset(0)

    # ------------------------------------------------------------------ geometry
    def _shell(self, v: np.ndarray) -> np.ndarray:
        """Project onto the exact shell |v| = sqrt(D)."""
        n = math.sqrt(float(v @ v))
        if n < 1e-9:
            return _unit(self._rng, self.latent_dim) * self.radius
        return v * (self.radius / n)

    def _soft_norm(self, v: np.ndarray) -> np.ndarray:
        """Compress |v| smoothly into radius +- band (tanh), keeping the direction."""
        n = math.sqrt(float(v @ v))
        if n < 1e-9:
            return v
        w = self._band_w
        target = self.radius + w * math.tanh((n - self.radius) / w)
        return v * (target / n)

    @staticmethod
    def _slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
        """Spherical interpolation of directions, linear interpolation of norms."""
        if t <= 0.0:
            return a
        if t >= 1.0:
            return b
        na = math.sqrt(float(a @ a))
        nb = math.sqrt(float(b @ b))
        if na < 1e-9 or nb < 1e-9:
            return a + (b - a) * t
        c = float(a @ b) / (na * nb)
        c = -1.0 if c < -1.0 else (1.0 if c > 1.0 else c)
        om = math.acos(c)
        s = math.sin(om)
        if s < 1e-6:
            return a + (b - a) * t
        n = na + (nb - na) * t
        wa = math.sin((1.0 - t) * om) / s * n / na
        wb = math.sin(t * om) / s * n / nb
        return a * wa + b * wb

    # ------------------------------------------------------------------ regions
    def _home(self, scene: int) -> np.ndarray:
        """The scene's anchor on the shell (a seeded random point per scene without anchors)."""
        h = self._homes.get(scene)
        if h is None:
            if self.anchors is not None:
                a = self.anchors[scene % self.n_anchors]
            else:
                a = np.random.default_rng([self._seed, 7919, scene]).standard_normal(self.latent_dim)
            h = self._homes[scene] = self._shell(np.array(a, dtype=np.float64))
        return h

    def _next_home(self, scene: int) -> np.ndarray:
        """Where a build leans and a drop goes: the next anchor, or a fresh random region."""
        if self.n_anchors > 1:
            return self._home((scene % self.n_anchors + 1) % self.n_anchors)
        return self._shell(self._rng.standard_normal(self.latent_dim))

    def _region(self) -> np.ndarray:
        return self._drop_home if self._drop_home is not None else self._home(self._scene)

    def _target(self, home: np.ndarray, jump: float) -> np.ndarray:
        t = home + self._rng.standard_normal(self.latent_dim) * jump
        return self._shell(t)

    def _retarget(self, home: np.ndarray, jump: float, snap: float, phase: float) -> None:
        dst = self._target(home, jump)
        cur = self._glide
        self._src = self._slerp(cur, dst, snap) if snap > 0.0 else cur
        self._dst = dst
        self._beats_since = 0
        self._phase0 = phase
        self._q = 0.0

    def _new_drift_plane(self) -> None:
        a = _unit(self._rng, self.latent_dim)
        b = self._rng.standard_normal(self.latent_dim)
        b -= a * float(a @ b)
        self._drift_a = a
        self._drift_b = b / math.sqrt(float(b @ b))

    # ------------------------------------------------------------------ protocol
    def reset(self, seed: int) -> None:
        """Start over, deterministically: the same seed and feature stream give the same path."""
        self._seed = int(seed) & 0xFFFFFFFF
        self._rng = np.random.default_rng(self._seed)
        self._homes: dict[int, np.ndarray] = {}
        d = self.latent_dim
        self._started = False
        self._scene = 0
        self._section = ""
        self._src = self._dst = self._glide = np.zeros(d)
        self._q = 0.0
        self._phase0 = 0.0
        self._beats_since = 0
        self._free_phase = 0.0
        self._since_real_beat = 0.0
        self._build = 0.0
        self._build_home: np.ndarray | None = None
        self._drop_home: np.ndarray | None = None
        self._push = np.zeros(d)
        self._push_dir = _unit(self._rng, d)
        self._beats_push = 0
        self._pulse = np.zeros(d)
        self._pulse_dir = _unit(self._rng, d)
        self._pulse_env = 0.0
        self._drift = np.zeros(d)
        self._new_drift_plane()
        self._beats_drift = 0
        self._out = np.zeros(d)
        #: what happened in the last step (for HUDs and tests): "", "beat", "jump", "drop", "scene"
        self.last_event = ""

    def _start(self, scene: int, jump: float) -> None:
        self._scene = scene
        home = self._home(scene)
        self._src = self._glide = self._target(home, jump)
        self._dst = self._target(home, jump)
        self._out = self._src
        self._started = True

    def step(self, features: Features, dt: float, controls: Any) -> np.ndarray:
        """The latent for this frame: float32 ``(latent_dim,)``, a fresh array."""
        get = controls.get
        dflt = self._defaults
        speed = get("latent.speed", dflt["latent.speed"])
        jump = get("latent.jump", dflt["latent.jump"])
        bass_push = get("latent.bass_push", dflt["latent.bass_push"])
        onset_pulse = get("latent.onset_pulse", dflt["latent.onset_pulse"])
        drift = get("latent.drift", dflt["latent.drift"])
        scene = int(getattr(controls, "scene", 0) or 0)

        if not self._started:
            self._start(scene, jump)
        if getattr(controls, "freeze", False):
            self.last_event = ""
            return self._out.astype(np.float32)

        dt = 0.0 if dt < 0.0 else (_MAX_DT if dt > _MAX_DT else float(dt))
        bpm = features.bpm if features.bpm > 1.0 else 120.0
        beat_period = 60.0 / bpm
        event = ""

        # ---- beat source: the tracker, or the BPM clock when the tracker is silent
        real_beat = bool(features.beat)
        if real_beat:
            self._since_real_beat = 0.0
        else:
            self._since_real_beat += dt
        if self.free_run and self._since_real_beat > 2.0 * beat_period:
            self._free_phase += dt / beat_period
            beat = self._free_phase >= 1.0
            if beat:
                self._free_phase -= math.floor(self._free_phase)
            phase = self._free_phase
        else:
            beat = real_beat
            phase = features.beat_phase
            phase = 0.0 if phase < 0.0 else (1.0 if phase > 1.0 else float(phase))
            self._free_phase = phase
        if beat:
            self._beats_since += 1
            self._beats_push += 1
            self._beats_drift += 1
            event = "beat"

        # ---- sections
        section = features.section
        entering = section != self._section
        self._section = section
        if section == "build":
            if entering and (self._build_home is None or self._build <= 0.0):
                self._build_home = self._next_home(scene)
            self._build = min(1.0, self._build + dt / (self.build_bars * 4.0 * beat_period))
        elif self._build > 0.0:
            self._build = max(0.0, self._build - dt / (8.0 * beat_period))  # relax over two bars

        # ---- re-targeting: scene change, drop, beat
        if scene != self._scene:
            self._scene = scene
            self._drop_home = None
            if self._build_home is not None and self.n_anchors > 1:
                self._build_home = self._next_home(scene)
            self._retarget(self._home(scene), jump, self.scene_snap, phase)
            event = "scene"
        elif entering and section == "drop":
            home = self._build_home if (self._build_home is not None and self._build > 0.0) else self._next_home(scene)
            self._glide = self._base()  # morph from what is showing, build lean included
            self._drop_home = home
            self._build, self._build_home = 0.0, None
            self._retarget(home, jump, self.drop_snap, phase)
            event = "drop"
        else:
            if entering and self._drop_home is not None:  # the drop is over: home again on the next jump
                self._drop_home = None
            if beat and self._beats_since >= self.jump_every:
                self._retarget(self._region(), jump, self.beat_snap if real_beat else 0.0, phase)
                event = "jump"

        # ---- glide (eased over the jump period, never backwards)
        raw = (self._beats_since + phase - self._phase0) / self.jump_every * speed
        q = self._q if raw < self._q else (1.0 if raw > 1.0 else raw)
        self._q = q
        self._glide = self._slerp(self._src, self._dst, q * q * (3.0 - 2.0 * q))
        base = self._base()

        # ---- bass push along the bar's direction
        if features.downbeat or self._beats_push >= 4:
            self._push_dir = _unit(self._rng, self.latent_dim)
            self._beats_push = 0
        a = 1.0 - math.exp(-dt / _PUSH_TAU) if dt > 0.0 else 0.0
        level = max(features.bass, features.kick_env)
        level = 0.0 if level < 0.0 else (1.5 if level > 1.5 else level)
        self._push += (self._push_dir * (bass_push * _PUSH_SCALE * level) - self._push) * a

        # ---- onset pulse
        if features.onset:
            self._pulse_dir = _unit(self._rng, self.latent_dim)
            self._pulse_env = 1.0
        elif self._pulse_env > 0.0:
            self._pulse_env *= math.exp(-dt / _PULSE_DECAY)
            if self._pulse_env < 1e-3:
                self._pulse_env = 0.0
        self._pulse += (self._pulse_dir * (onset_pulse * _PULSE_SCALE * self._pulse_env) - self._pulse) * a

        # ---- drift, tilted by the spectral centroid
        if self._beats_drift >= 16:
            self._new_drift_plane()
            self._beats_drift = 0
        th = (min(1.0, max(0.0, features.centroid)) - 0.5) * math.pi
        v = drift * _DRIFT_SCALE * dt
        self._drift += self._drift_a * (math.cos(th) * v) + self._drift_b * (math.sin(th) * v)
        self._drift *= math.exp(-dt / _DRIFT_TAU)

        out = self._soft_norm(base + self._push + self._pulse + self._drift)
        self._out = out
        self.last_event = event
        return out.astype(np.float32)

    def _base(self) -> np.ndarray:
        """The glide position, leaned toward the next anchor while a build is on."""
        if self._build > 0.0 and self._build_home is not None and self.build_pull > 0.0:
            b = self._build
            return self._slerp(self._glide, self._build_home, self.build_pull * b * b * (3.0 - 2.0 * b))
        return self._glide

    # ------------------------------------------------------------------ introspection
    @property
    def scene_anchor(self) -> np.ndarray:
        """The current region's centre on the shell (the drop region during a drop)."""
        return self._region().astype(np.float32)
