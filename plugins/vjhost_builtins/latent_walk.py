"""``audio-walk``: the latent controller that walks a pack's latent space with the music.

What it does, frame by frame (``AudioWalk.step``):

* **Glide.**  Between beats the latent travels from where it was to a target
  point along a great circle (:func:`slerp`), eased with smoothstep over the
  jump period using ``features.beat_phase``.  Consecutive frames never jump
  unless a beat (or a drop) hits.
* **Beat-quantised jumps.**  On the beat grid -- every ``latent.jump_every``
  beats, counted from the bar lines the tracker's downbeats mark (so 4 jumps
  on every downbeat) -- a new target is drawn: the current scene's anchor
  (``anchors[controls.scene]``; a seeded random point per scene when the pack
  has no anchors) plus a normal offset scaled by ``latent.jump`` (in prior
  standard deviations).  On a real beat the latent also moves
  ``latent.beat_snap`` of the way there at once, the visible hit; the rest
  glides.
* **Bass push.**  Kick/bass (``max(features.bass, features.kick_env)``) push the
  latent along a random direction that changes every bar (downbeat, or every 4
  beats), scaled by ``latent.bass_push``.  It springs back when the bass stops.
* **Bass zoom.**  The same bass level moves the latent outward, away from the
  origin (its radius), by ``latent.bass_zoom``: up to the top of the norm band.
* **Onset pulse.**  Each onset adds a small, quickly decaying pulse in a fresh
  random direction, scaled by ``latent.onset_pulse``.
* **Centroid steers the drift.**  A slow leaky drift (``latent.drift``) travels
  in a direction the spectral centroid turns within a plane of the latent
  space (the plane changes every 16 beats): the darkest sound heads one way,
  the brightest the other, ``latent.centroid_steer`` x 90 degrees either side
  of the plane's middle direction.
* **Build and drop.**  ``features.section == "build"`` pulls the latent
  gradually toward the next anchor (``anchors[scene + 1]``) over
  ``build_bars`` bars, up to ``latent.build_pull`` of the way; entering
  ``"drop"`` morphs into that anchor's region: ``latent.drop_snap`` of the way
  at once (it does not wait for a beat), the rest within one beat (no jump
  interrupts the morph), and the walk stays around there until the drop ends.
  Changing ``controls.scene`` re-targets to the new scene (gliding;
  ``scene_snap`` for a cut) and cancels a drop region.
* **On the shell.**  Targets lie on the prior's typical norm shell
  (``|z| ~ sqrt(D)``) and the output's norm is softly compressed into
  ``sqrt(D) * (1 +- norm_band)`` (a tanh, no clipping), so decodes stay on the
  manifold whatever the pushes add.
* With no beat from the tracker for two beat periods (silence, ambient), it
  free-runs on ``features.bpm`` (glides only, no snaps) unless ``free_run`` is
  false.  ``controls.freeze`` holds the last latent.

Live parameters (:attr:`AudioWalk.PARAMS`, read each frame with
``controls.get(name, default)``, so MIDI, OSC and the web surface reach
them): ``latent.speed``, ``latent.jump``, ``latent.jump_every``,
``latent.beat_snap``, ``latent.bass_push``, ``latent.bass_zoom``,
``latent.onset_pulse``, ``latent.drift``, ``latent.centroid_steer``,
``latent.build_pull``, ``latent.drop_snap``.

Pack manifest settings (the ``settings`` mapping; unknown keys warn, a
value of the wrong type raises :class:`~vjhost.protocols.SettingsError`):

* any parameter, by full or short name (``"latent.jump" = 0.9`` or
  ``jump = 0.9``, ``jump_every = 4``, ``beat_snap = 1.0`` ...): its default.
* ``scene_snap`` (0.0): fraction of the way taken at once when the VJ changes scene (0: glide there).
* ``build_bars`` (8): bars for a build to reach its full pull.
* ``norm_band`` (0.12): half-width of the norm shell, as a fraction of sqrt(D).
* ``free_run`` (true): keep gliding on the BPM when the beat tracker is silent.

The instance's ``PARAMS`` carries the manifest's defaults; the host should
declare ``controller.PARAMS`` (not the class attribute) into its
:class:`~vjhost.control.state.ControlState`.

:func:`slerp`, :class:`BeatClock` and :func:`parse_settings` are shared with
the ``keyframes`` controller (:mod:`vjhost_builtins.keyframes`).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import replace
from typing import Any, Mapping

import numpy as np

from vjhost.protocols import Features, Param, SettingsError

__all__ = ["AudioWalk", "BeatClock", "parse_settings", "slerp"]

# offsets, in prior standard deviations (a unit-variance latent has norm ~ sqrt(D))
_PUSH_SCALE = 2.0  # |push| at bass_push = 1, full bass
_PULSE_SCALE = 2.0  # |pulse| at onset_pulse = 1, fresh onset
_DRIFT_SCALE = 1.0  # drift speed (units / s) at drift = 1
_DRIFT_TAU = 3.0  # s: the drift offset leaks back with this time constant
_PUSH_TAU = 0.04  # s: smoothing of the push / pulse vectors and the zoom
_PULSE_DECAY = 0.15  # s
_MAX_DT = 0.25

_SETTINGS_DEFAULTS: dict[str, Any] = {
    "scene_snap": 0.0,
    "build_bars": 8.0,
    "norm_band": 0.12,
    "free_run": True,
}


# --------------------------------------------------------------------------- shared helpers


def _unit(rng: np.random.Generator, d: int) -> np.ndarray:
    v = rng.standard_normal(d)
    return v / math.sqrt(float(v @ v))


def _perpendicular(u: np.ndarray) -> np.ndarray:
    """A unit vector perpendicular to the unit vector ``u`` (deterministic: no randomness)."""
    k = int(np.argmin(np.abs(u)))
    p = -u[k] * u
    p[k] += 1.0
    return p / math.sqrt(float(p @ p))


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation of the directions of ``a`` and ``b``, linear interpolation of their norms.

    ``t <= 0`` returns ``a`` and ``t >= 1`` returns ``b`` themselves (treat the
    result as read-only).  In between, the direction moves along the great
    circle at constant angular speed and the norm goes from ``|a|`` to ``|b|``
    linearly.  Nearly parallel directions (where ``sin(angle)`` vanishes) use a
    normalised lerp, exact to third order; exactly opposite ones, which have no
    unique great circle, turn through a fixed perpendicular direction; a zero
    vector falls back to a plain lerp.
    """
    if t <= 0.0:
        return a
    if t >= 1.0:
        return b
    na = math.sqrt(float(a @ a))
    nb = math.sqrt(float(b @ b))
    if na < 1e-12 or nb < 1e-12:
        return a + (b - a) * t
    c = float(a @ b) / (na * nb)
    n = na + (nb - na) * t
    if c > 1.0 - 1e-10:  # angle < ~1.4e-5 rad
        v = a * ((1.0 - t) / na) + b * (t / nb)
        return v * (n / math.sqrt(float(v @ v)))
    if c < -1.0 + 1e-10:  # opposite
        u = a / na
        th = math.pi * t
        return (u * math.cos(th) + _perpendicular(u) * math.sin(th)) * n
    om = math.acos(c)
    s = math.sin(om)
    return a * (math.sin((1.0 - t) * om) / s * n / na) + b * (math.sin(t * om) / s * n / nb)


class BeatClock:
    """The beat a latent controller follows: the tracker's, or the BPM's while the tracker is silent.

    Call :meth:`tick` once per frame.  Afterwards ``beat`` says whether a beat
    fell in this frame, ``real`` whether the tracker reported it (not the
    free-running clock), ``phase`` is the position in the beat (0..1),
    ``period`` the beat length (s), ``beats`` the beats counted since
    :meth:`reset` (-1 before the first), ``time`` = ``beats + phase`` (the
    beat clock, continuous), and ``grid`` the beat's place on the bar grid,
    so that ``grid % n == 0`` is "on an n-beat boundary" and multiples of 4
    are bar lines: the analysis beat count (``features.beat_count``), shifted
    to put the tracker's downbeats on multiples of 4 once it reports one
    (counted here instead while the tracker does not count, or is silent).
    """

    __slots__ = ("free_run", "beat", "real", "phase", "period", "beats", "grid", "_since_real", "_count", "_bar_offset")

    def __init__(self, free_run: bool = True) -> None:
        self.free_run = free_run
        self.reset()

    def reset(self) -> None:
        self.beat = self.real = False
        self.phase = 0.0
        self.period = 0.5
        self.beats = -1
        self.grid = -1
        self._since_real = 0.0
        self._count: int | None = None  # the tracker's beat count at its last beat
        self._bar_offset = 0

    @property
    def time(self) -> float:
        return self.beats + self.phase

    def tick(self, features: Features, dt: float) -> bool:
        bpm = features.bpm if features.bpm > 1.0 else 120.0
        period = self.period = 60.0 / bpm
        real = self.real = bool(features.beat)
        if real:
            self._since_real = 0.0
        else:
            self._since_real += dt
        if self.free_run and self._since_real > 2.0 * period:
            ph = self.phase + dt / period
            beat = ph >= 1.0
            if beat:
                ph -= math.floor(ph)
        else:
            beat = real
            ph = features.beat_phase
            ph = 0.0 if ph < 0.0 else (1.0 if ph > 1.0 else float(ph))
        self.phase = ph
        if beat:
            self.beats += 1
            count = int(features.beat_count)
            if real and count != self._count:  # the analysis counts beats: follow its count
                self._count = count
                if features.downbeat:
                    self._bar_offset = -count % 4
                self.grid = count + self._bar_offset
            else:
                self.grid += 1
                if real and features.downbeat:
                    self.grid = (self.grid + 2) // 4 * 4
        self.beat = beat
        return beat


def parse_settings(controller: str, params: tuple[Param, ...], settings: Mapping[str, Any],
                   config: Mapping[str, Any]) -> tuple[tuple[Param, ...], dict[str, Any]]:
    """Split a pack's ``[controller.settings]`` into parameter defaults and the controller's own settings.

    A parameter may be given by its full name (``"latent.jump"``) or its short
    name (``jump``, the part after the first dot); its value must be a number
    and becomes the parameter's default (clamped to its range).  Keys in
    ``config`` replace its values (unchecked: the caller checks them).  Other
    keys warn.  Returns ``(params with the new defaults, config)``.
    """
    by_short = {p.name.split(".", 1)[1]: p.name for p in params}
    defaults = {p.name: p.default for p in params}
    cfg = dict(config)
    unknown = []
    for key, value in settings.items():
        name = by_short.get(key, key)
        if name in defaults:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise SettingsError(key, f"expected a number, got {value!r}")
            defaults[name] = float(value)
        elif key in cfg:
            cfg[key] = value
        else:
            unknown.append(key)
    if unknown:
        warnings.warn(f"{controller}: unknown settings ignored: {sorted(unknown)}", stacklevel=3)
    return tuple(replace(p, default=p.clamp(defaults[p.name])) for p in params), cfg


def setting_number(cfg: Mapping[str, Any], key: str, lo: float, hi: float) -> float:
    """``cfg[key]`` as a float clamped to ``lo..hi``; :class:`SettingsError` if it is not a number."""
    v = cfg[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise SettingsError(key, f"expected a number, got {v!r}")
    return min(hi, max(lo, float(v)))


def setting_bool(cfg: Mapping[str, Any], key: str) -> bool:
    v = cfg[key]
    if not isinstance(v, bool):
        raise SettingsError(key, f"expected true or false, got {v!r}")
    return v


def checked_anchors(latent_dim: int, anchors: Any) -> np.ndarray | None:
    """The scene anchors as float64 ``(K, latent_dim)`` (``None`` when there are none); bad shapes raise."""
    if latent_dim < 2:
        raise ValueError(f"latent_dim must be >= 2, got {latent_dim}")
    if anchors is None:
        return None
    anchors = np.asarray(anchors, dtype=np.float64)
    if anchors.ndim != 2 or anchors.shape[1] != latent_dim:
        raise ValueError(f"anchors must be (K, {latent_dim}), got {anchors.shape}")
    return anchors if anchors.shape[0] else None


# --------------------------------------------------------------------------- the walk


class AudioWalk:
    PARAMS: tuple[Param, ...] = (
        Param("latent.speed", 1.0, 0.0, 4.0, "glide speed: 1 reaches each target in one jump period, 0 holds"),
        Param("latent.jump", 0.5, 0.0, 2.0, "beat jump size: random offset from the scene anchor, in prior std devs"),
        Param("latent.jump_every", 1.0, 1.0, 16.0,
              "beats per jump (rounded): jumps fall on this beat grid, 4 = every bar line"),
        Param("latent.beat_snap", 0.3, 0.0, 1.0,
              "share of the way to a new target taken on the beat itself (1 = hard cut)"),
        Param("latent.bass_push", 0.5, 0.0, 2.0, "how far kick / bass push the latent along the bar's direction"),
        Param("latent.bass_zoom", 0.3, 0.0, 2.0,
              "how far kick / bass push the latent outward (its radius, within the norm band)"),
        Param("latent.onset_pulse", 0.3, 0.0, 2.0, "size of the short pulse on each onset"),
        Param("latent.drift", 0.3, 0.0, 2.0, "slow drift speed (its direction follows the spectral centroid)"),
        Param("latent.centroid_steer", 1.0, 0.0, 2.0,
              "how far the spectral centroid turns the drift (1: +-90 degrees dark to bright)"),
        Param("latent.build_pull", 0.5, 0.0, 1.0, "how far a full build leans toward the drop's anchor (slerp share)"),
        Param("latent.drop_snap", 0.75, 0.0, 1.0,
              "share of the morph into the drop's region taken at once (the rest within a beat)"),
    )

    def __init__(self, latent_dim: int, anchors: np.ndarray | None = None,
                 settings: Mapping[str, Any] | None = None) -> None:
        self.latent_dim = d = int(latent_dim)
        self.anchors = checked_anchors(d, anchors)
        self.n_anchors = 0 if self.anchors is None else int(self.anchors.shape[0])

        # ---- settings: parameter defaults + behaviour constants
        self.PARAMS, cfg = parse_settings("audio-walk", type(self).PARAMS, settings or {}, _SETTINGS_DEFAULTS)
        self._defaults = {p.name: p.default for p in self.PARAMS}
        self.scene_snap = setting_number(cfg, "scene_snap", 0.0, 1.0)
        self.build_bars = setting_number(cfg, "build_bars", 0.25, 1e6)
        self.norm_band = setting_number(cfg, "norm_band", 0.01, 0.9)
        self.free_run = setting_bool(cfg, "free_run")

        #: the prior's typical norm and the soft shell half-width
        self.radius = math.sqrt(d)
        self._band_w = self.norm_band * self.radius
        self.reset(0)

    # ------------------------------------------------------------------ geometry
    _slerp = staticmethod(slerp)

    def _shell(self, v: np.ndarray) -> np.ndarray:
        """Project onto the exact shell |v| = sqrt(D)."""
        n = math.sqrt(float(v @ v))
        if n < 1e-9:
            return _unit(self._rng, self.latent_dim) * self.radius
        return v * (self.radius / n)

    def _soft_norm(self, v: np.ndarray, zoom: float = 0.0) -> None:
        """Compress |v| smoothly (tanh) into radius +- band, in place, keeping the direction.

        ``zoom`` (>= 0) moves the norm outward within the band: the bass zoom.
        """
        n = math.sqrt(float(v @ v))
        if n < 1e-9:
            return
        w = self._band_w
        v *= (self.radius + w * math.tanh((n - self.radius) / w + zoom)) / n

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
        self._src = slerp(cur, dst, snap) if snap > 0.0 else cur
        self._dst = dst
        self._beats_since = 0
        self._phase0 = phase
        self._q = 0.0
        self._morph = False

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
        self._clock = BeatClock(self.free_run)
        self._started = False
        self._scene = 0
        self._section = ""
        self._src = self._dst = self._glide = np.zeros(d)
        self._q = 0.0
        self._phase0 = 0.0
        self._beats_since = 0
        self._morph = False
        self._build = 0.0
        self._build_home: np.ndarray | None = None
        self._drop_home: np.ndarray | None = None
        self._push = np.zeros(d)
        self._push_dir = _unit(self._rng, d)
        self._beats_push = 0
        self._pulse = np.zeros(d)
        self._pulse_dir = _unit(self._rng, d)
        self._pulse_env = 0.0
        self._zoom = 0.0
        self._drift = np.zeros(d)
        self._new_drift_plane()
        self._beats_drift = 0
        self._tmp = np.zeros(d)
        self._out = np.zeros(d)
        #: what happened in the last step (for HUDs and tests): "", "beat", "jump", "drop", "scene"
        self.last_event = ""

    def _start(self, scene: int, jump: float) -> None:
        self._scene = scene
        home = self._home(scene)
        self._src = self._glide = self._target(home, jump)
        self._dst = self._target(home, jump)
        np.copyto(self._out, self._src)
        self._started = True

    def step(self, features: Features, dt: float, controls: Any) -> np.ndarray:
        """The latent for this frame: float32 ``(latent_dim,)``, a fresh array."""
        get = controls.get
        dflt = self._defaults
        speed = get("latent.speed", dflt["latent.speed"])
        jump = get("latent.jump", dflt["latent.jump"])
        jump_every = get("latent.jump_every", dflt["latent.jump_every"])
        n_every = 1 if jump_every < 1.5 else int(jump_every + 0.5)
        beat_snap = get("latent.beat_snap", dflt["latent.beat_snap"])
        bass_push = get("latent.bass_push", dflt["latent.bass_push"])
        bass_zoom = get("latent.bass_zoom", dflt["latent.bass_zoom"])
        onset_pulse = get("latent.onset_pulse", dflt["latent.onset_pulse"])
        drift = get("latent.drift", dflt["latent.drift"])
        steer = get("latent.centroid_steer", dflt["latent.centroid_steer"])
        build_pull = get("latent.build_pull", dflt["latent.build_pull"])
        drop_snap = get("latent.drop_snap", dflt["latent.drop_snap"])
        scene = int(getattr(controls, "scene", 0) or 0)

        if not self._started:
            self._start(scene, jump)
        if getattr(controls, "freeze", False):
            self.last_event = ""
            return self._out.astype(np.float32)

        dt = 0.0 if dt < 0.0 else (_MAX_DT if dt > _MAX_DT else float(dt))
        clock = self._clock
        beat = clock.tick(features, dt)
        phase = clock.phase
        beat_period = clock.period
        event = ""
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
            self._glide = self._base(build_pull)  # morph from what is showing, build lean included
            self._drop_home = home
            self._build, self._build_home = 0.0, None
            self._retarget(home, jump, drop_snap, phase)
            self._morph = True  # the rest of the way within one beat, whatever speed and jump_every say
            event = "drop"
        else:
            if entering and self._drop_home is not None:  # the drop is over: home again on the next jump
                self._drop_home = None
            if (beat and self._beats_since >= 1 and clock.grid % n_every == 0
                    and not (self._morph and self._q < 1.0)):
                self._retarget(self._region(), jump, beat_snap if clock.real else 0.0, phase)
                event = "jump"

        # ---- glide (eased over the jump period -- one beat for a drop's morph -- never backwards)
        span = self._beats_since + phase - self._phase0
        raw = span if self._morph else span / n_every * speed
        q = self._q if raw < self._q else (1.0 if raw > 1.0 else raw)
        self._q = q
        if q >= 1.0:
            self._morph = False
        self._glide = slerp(self._src, self._dst, q * q * (3.0 - 2.0 * q))
        base = self._base(build_pull)

        # ---- bass push along the bar's direction, bass zoom outward (both smoothed)
        if features.downbeat or self._beats_push >= 4:
            self._push_dir = _unit(self._rng, self.latent_dim)
            self._beats_push = 0
        a = 1.0 - math.exp(-dt / _PUSH_TAU) if dt > 0.0 else 0.0
        level = max(features.bass, features.kick_env)
        level = 0.0 if level < 0.0 else (1.5 if level > 1.5 else level)
        tmp = self._tmp
        push = self._push
        push *= 1.0 - a
        np.multiply(self._push_dir, bass_push * _PUSH_SCALE * level * a, out=tmp)
        push += tmp
        self._zoom += (bass_zoom * level - self._zoom) * a

        # ---- onset pulse
        if features.onset:
            self._pulse_dir = _unit(self._rng, self.latent_dim)
            self._pulse_env = 1.0
        elif self._pulse_env > 0.0:
            self._pulse_env *= math.exp(-dt / _PULSE_DECAY)
            if self._pulse_env < 1e-3:
                self._pulse_env = 0.0
        pulse = self._pulse
        pulse *= 1.0 - a
        np.multiply(self._pulse_dir, onset_pulse * _PULSE_SCALE * self._pulse_env * a, out=tmp)
        pulse += tmp

        # ---- drift, its direction turned by the spectral centroid within the drift plane
        if self._beats_drift >= 16:
            self._new_drift_plane()
            self._beats_drift = 0
        th = (min(1.0, max(0.0, features.centroid)) - 0.5) * math.pi * steer
        v = drift * _DRIFT_SCALE * dt
        dr = self._drift
        np.multiply(self._drift_a, math.cos(th) * v, out=tmp)
        dr += tmp
        np.multiply(self._drift_b, math.sin(th) * v, out=tmp)
        dr += tmp
        dr *= math.exp(-dt / _DRIFT_TAU)

        out = self._out
        np.add(base, push, out=out)
        out += pulse
        out += dr
        self._soft_norm(out, self._zoom)
        self.last_event = event
        return out.astype(np.float32)

    def _base(self, build_pull: float) -> np.ndarray:
        """The glide position, leaned toward the next anchor while a build is on."""
        if self._build > 0.0 and self._build_home is not None and build_pull > 0.0:
            b = self._build
            return slerp(self._glide, self._build_home, build_pull * b * b * (3.0 - 2.0 * b))
        return self._glide

    # ------------------------------------------------------------------ introspection
    @property
    def scene_anchor(self) -> np.ndarray:
        """The current region's centre on the shell (the drop region during a drop)."""
        return self._region().astype(np.float32)
