"""``keyframes``: a latent path through keyframes, each held for beats, moving by slerp on the beat grid.

A pack lists its keyframes in the manifest::

    [controller]
    name = "keyframes"

    [controller.settings]
    keyframes = ["stripes", "barcode", 4, { seed = 7, hold = 8 }, { scene = "flash", hold = 4, glide = 1 }]
    hold = 16       # beats each keyframe is held (keyframes.hold)
    glide = 4       # beats each move takes (keyframes.glide)
    quantize = 4    # moves start on bar lines (keyframes.quantize)

What it does, frame by frame (``Keyframes.step``):

* **Hold.**  The latent sits exactly on the current keyframe for its ``hold``
  beats, counted from when it arrived.
* **Quantised moves.**  Once the hold is over, the move to the next keyframe
  starts on the first beat that is a multiple of ``keyframes.quantize`` beats
  on the bar grid (1: any beat, 4: a bar line; bar lines follow the tracker's
  downbeats), never in between, even when the hold ends mid-beat.
* **Glide.**  The move takes ``glide`` beats on the beat clock (the tracker's
  beat count plus ``features.beat_phase``) and follows :func:`slerp`: the
  direction turns along the great circle between the two keyframes while the
  norm goes linearly from one to the other, eased by ``keyframes.ease`` (0:
  constant speed, 1: smoothstep).  It arrives exactly at the next keyframe
  ``glide`` beats after it left; ``glide = 0`` cuts on the boundary beat.
* **Audio on top.**  Bass / kick (``max(features.bass, features.kick_env)``,
  smoothed over 40 ms) push the latent outward -- its radius grows by up to
  ``0.15 x latent.bass_push`` at full bass -- and each onset kicks off a pulse
  along a fresh random direction orthogonal to the latent, scaled by
  ``latent.onset_pulse``, which turns the latent without changing its norm
  and decays with a 150 ms time constant.
* **Scenes.**  When the VJ picks a scene (``controls.scene``), the path moves
  there on the next quantise boundary without waiting for the hold: to the
  first keyframe that is that scene, carrying on along the path from it; or,
  when no keyframe is, to the scene's anchor, carrying on with the keyframe
  after the one it left.
* The path loops (``loop``), free-runs on ``features.bpm`` when the tracker
  has been silent for two beats (``free_run``) and holds still while
  ``controls.freeze`` is on.

Keyframes (``keyframes``, a list; default: every anchor in order, or four
seeded random points for a pack without anchors).  Each entry is

* an integer: scene / anchor index (``anchors[i]``, the decoder's anchor for
  the pack's scene ``i``);
* a string: a scene name from the pack's ``scenes`` (looked up in
  ``controls.scenes`` on the first frame);
* a table with exactly one of ``scene`` (an index or a name) and ``seed`` (an
  integer: a seeded standard-normal point, the prior's typical latent), and
  optionally ``hold`` and ``glide`` (beats) for this keyframe, overriding the
  live parameters: ``hold`` while it is held, ``glide`` for the move into it.

Settings (anything else warns; a bad value raises
:class:`~vjhost.protocols.SettingsError` naming the key):

* the parameters by full or short name (``hold``, ``glide``, ``quantize``,
  ``ease``, ``bass_push``, ``onset_pulse``): their defaults;
* ``loop`` (true): after the last keyframe, move on to the first (false: stay);
* ``on_shell`` (true): keyframes are scaled onto the prior's typical norm
  shell ``|z| = sqrt(D)`` (false: anchors keep their own norms, which the
  glides then interpolate);
* ``free_run`` (true).

Live parameters (:attr:`Keyframes.PARAMS`, read each frame): ``keyframes.hold``,
``keyframes.glide``, ``keyframes.quantize``, ``keyframes.ease``,
``latent.bass_push``, ``latent.onset_pulse``.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from vjhost.protocols import Features, Param, SettingsError

from .latent_walk import BeatClock, checked_anchors, parse_settings, setting_bool, slerp

__all__ = ["Keyframes"]

_ZOOM_SCALE = 0.15  # radius gain at bass_push = 1, full bass
_PULSE_SCALE = 2.0  # |pulse| at onset_pulse = 1, fresh onset (prior std devs)
_PUSH_TAU = 0.04  # s: smoothing of the bass level
_PULSE_DECAY = 0.15  # s
_MAX_DT = 0.25
_EPS = 1e-6  # beats: slack when comparing beat-clock times

_SETTINGS_DEFAULTS: dict[str, Any] = {"keyframes": None, "loop": True, "on_shell": True, "free_run": True}


class _Key:
    """One keyframe: where it is (``vec``, once resolved) and its own hold / glide, if any."""

    __slots__ = ("where", "scene", "name", "seed", "hold", "glide", "vec")

    def __init__(self, where: str, scene: int | None = None, name: str | None = None, seed: int | None = None,
                 hold: float | None = None, glide: float | None = None) -> None:
        self.where = where  #: the settings key, for errors
        self.scene, self.name, self.seed = scene, name, seed
        self.hold, self.glide = hold, glide
        self.vec: np.ndarray | None = None


def _beats(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value >= 0.0):
        raise SettingsError(key, f"expected a number of beats >= 0, got {value!r}")
    return float(value)


def _parse_key(entry: Any, where: str) -> _Key:
    def scene_ref(v: Any, key: str) -> dict[str, Any]:
        if isinstance(v, bool):
            raise SettingsError(key, f"expected a scene index or name, got {v!r}")
        if isinstance(v, int):
            if v < 0:
                raise SettingsError(key, f"scene index must be >= 0, got {v}")
            return {"scene": v}
        if isinstance(v, str) and v:
            return {"name": v}
        raise SettingsError(key, f"expected a scene index or name, got {v!r}")

    if not isinstance(entry, Mapping):
        return _Key(where, **scene_ref(entry, where))
    extra = sorted(set(entry) - {"scene", "seed", "hold", "glide"})
    if extra:
        raise SettingsError(f"{where}.{extra[0]}", "unknown keyframe key (expected scene or seed, hold, glide)")
    if ("scene" in entry) == ("seed" in entry):
        raise SettingsError(where, "a keyframe table needs exactly one of scene and seed")
    kw: dict[str, Any] = {}
    if "scene" in entry:
        kw.update(scene_ref(entry["scene"], f"{where}.scene"))
    else:
        seed = entry["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise SettingsError(f"{where}.seed", f"expected an integer >= 0, got {seed!r}")
        kw["seed"] = seed
    if "hold" in entry:
        kw["hold"] = _beats(entry["hold"], f"{where}.hold")
    if "glide" in entry:
        kw["glide"] = _beats(entry["glide"], f"{where}.glide")
    return _Key(where, **kw)


class Keyframes:
    PARAMS: tuple[Param, ...] = (
        Param("keyframes.hold", 16.0, 0.0, 64.0, "beats each keyframe is held (those without their own hold)"),
        Param("keyframes.glide", 4.0, 0.0, 32.0, "beats each move between keyframes takes (0 = cut)"),
        Param("keyframes.quantize", 4.0, 1.0, 16.0,
              "moves start on multiples of this many beats (1 = any beat, 4 = bar lines)"),
        Param("keyframes.ease", 1.0, 0.0, 1.0, "easing of the moves: 0 constant speed, 1 smoothstep"),
        Param("latent.bass_push", 0.5, 0.0, 2.0, "how far kick / bass push the latent outward (its radius)"),
        Param("latent.onset_pulse", 0.3, 0.0, 2.0, "size of the short sideways pulse on each onset"),
    )

    def __init__(self, latent_dim: int, anchors: np.ndarray | None = None,
                 settings: Mapping[str, Any] | None = None) -> None:
        self.latent_dim = d = int(latent_dim)
        self.anchors = checked_anchors(d, anchors)
        self.n_anchors = 0 if self.anchors is None else int(self.anchors.shape[0])

        self.PARAMS, cfg = parse_settings("keyframes", type(self).PARAMS, settings or {}, _SETTINGS_DEFAULTS)
        self._defaults = {p.name: p.default for p in self.PARAMS}
        self.loop = setting_bool(cfg, "loop")
        self.on_shell = setting_bool(cfg, "on_shell")
        self.free_run = setting_bool(cfg, "free_run")
        self.radius = math.sqrt(d)

        entries = cfg["keyframes"]
        if entries is None:
            entries = list(range(self.n_anchors or 4))
        elif not isinstance(entries, (list, tuple)) or not entries:
            raise SettingsError("keyframes", f"expected a non-empty list of keyframes, got {entries!r}")
        self._keys = [_parse_key(e, f"keyframes[{i}]") for i, e in enumerate(entries)]
        for k in self._keys:
            if k.scene is not None and self.anchors is not None and k.scene >= self.n_anchors:
                raise SettingsError(k.where, f"scene {k.scene}, but the decoder has {self.n_anchors} anchors")
        self.reset(0)

    # ------------------------------------------------------------------ keyframe vectors
    def _place(self, v: np.ndarray) -> np.ndarray:
        v = np.array(v, dtype=np.float64)
        if self.on_shell:
            n = math.sqrt(float(v @ v))
            if n > 1e-9:
                v *= self.radius / n
        return v

    def _scene_vec(self, scene: int) -> np.ndarray:
        v = self._scene_vecs.get(scene)
        if v is None:
            if self.anchors is not None:
                a = self.anchors[scene % self.n_anchors]
            else:
                a = np.random.default_rng([self._seed, 7919, scene]).standard_normal(self.latent_dim)
            v = self._scene_vecs[scene] = self._place(a)
        return v

    def _resolve(self, scenes: list[str] | None) -> None:
        """Turn the keyframes into vectors; those that name a scene wait for ``scenes`` (``controls.scenes``)."""
        self._scene_key: dict[int, int] = {}
        for i, k in enumerate(self._keys):
            if k.name is not None:
                if scenes is None:
                    continue
                if k.name not in scenes:
                    known = ", ".join(repr(s) for s in scenes) or "none"
                    raise SettingsError(k.where, f"no scene named {k.name!r} (the pack's scenes: {known})")
                k.scene = scenes.index(k.name)
                if self.anchors is not None and k.scene >= self.n_anchors:
                    raise SettingsError(k.where, f"scene {k.name!r} is scene {k.scene}, "
                                                 f"but the decoder has {self.n_anchors} anchors")
            if k.seed is not None:
                k.vec = self._place(np.random.default_rng(k.seed).standard_normal(self.latent_dim))
            else:
                k.vec = self._scene_vec(k.scene)
                self._scene_key.setdefault(k.scene, i)

    @property
    def keyframe_vectors(self) -> np.ndarray:
        """The keyframes as float32 ``(N, latent_dim)`` (NaN for those naming a scene until the first step)."""
        vecs = [k.vec if k.vec is not None else np.full(self.latent_dim, np.nan) for k in self._keys]
        return np.stack(vecs).astype(np.float32)

    # ------------------------------------------------------------------ protocol
    def reset(self, seed: int) -> None:
        """Start over at the first keyframe, deterministically for a seed and a feature stream."""
        self._seed = int(seed) & 0xFFFFFFFF
        self._rng = np.random.default_rng(self._seed)
        self._scene_vecs: dict[int, np.ndarray] = {}
        for k in self._keys:
            k.vec = None
        self._resolve(None)
        d = self.latent_dim
        self._clock = BeatClock(self.free_run)
        self._started = False
        self._scene = 0
        self._now = -math.inf
        self._i = 0  #: the path position: the keyframe held, or left by the current move
        self._cur: np.ndarray = np.zeros(d)  #: where the latent rests when not moving
        self._cur_hold: float | None = None
        self._arrived: float | None = None  #: beat-clock time the current keyframe was reached
        self._moving = False
        self._src = self._dst = self._cur
        self._dst_i = 0
        self._dst_hold: float | None = None
        self._dst_glide: float | None = None
        self._t0 = 0.0
        self._u = 0.0
        #: a move the VJ asked for (a scene): (path position after it or None to stay, vector, hold, glide)
        self._pending: tuple[int | None, np.ndarray, float | None, float | None] | None = None
        self._level = 0.0
        self._pulse_dir = np.zeros(d)
        self._pulse_env = 0.0
        self._out = np.zeros(d)
        #: what happened in the last step: "", "beat", "move", "arrive", "cut", "scene"
        self.last_event = ""

    def _start(self, controls: Any, scene: int) -> None:
        self._resolve(list(getattr(controls, "scenes", None) or []))
        k = self._keys[0]
        self._i = 0
        self._cur, self._cur_hold = k.vec, k.hold
        self._src = self._dst = self._cur
        self._scene = scene
        np.copyto(self._out, self._cur)
        self._started = True

    def _next(self) -> tuple[int | None, np.ndarray, float | None, float | None] | None:
        if self._pending is not None:
            return self._pending
        j = self._i + 1
        if j >= len(self._keys):
            if not self.loop:
                return None
            j = 0
        k = self._keys[j]
        return j, k.vec, k.hold, k.glide

    def _arrive(self, at: float) -> None:
        self._moving = False
        self._i, self._cur, self._cur_hold = self._dst_i, self._dst, self._dst_hold
        self._arrived = at
        self._u = 0.0

    def step(self, features: Features, dt: float, controls: Any) -> np.ndarray:
        """The latent for this frame: float32 ``(latent_dim,)``, a fresh array."""
        get = controls.get
        dflt = self._defaults
        hold = get("keyframes.hold", dflt["keyframes.hold"])
        glide = get("keyframes.glide", dflt["keyframes.glide"])
        quantize = get("keyframes.quantize", dflt["keyframes.quantize"])
        grid = 1 if quantize < 1.5 else int(quantize + 0.5)
        ease = get("keyframes.ease", dflt["keyframes.ease"])
        bass_push = get("latent.bass_push", dflt["latent.bass_push"])
        onset_pulse = get("latent.onset_pulse", dflt["latent.onset_pulse"])
        scene = int(getattr(controls, "scene", 0) or 0)

        if not self._started:
            self._start(controls, scene)
        if getattr(controls, "freeze", False):
            self.last_event = ""
            return self._out.astype(np.float32)

        dt = 0.0 if dt < 0.0 else (_MAX_DT if dt > _MAX_DT else float(dt))
        clock = self._clock
        beat = clock.tick(features, dt)
        now = clock.time
        if now < self._now:  # the beat clock never runs backwards here
            now = self._now
        self._now = now
        if self._arrived is None:
            self._arrived = now
        event = "beat" if beat else ""

        # ---- the VJ picked a scene: go there on the next boundary
        if scene != self._scene:
            self._scene = scene
            j = self._scene_key.get(scene)
            if j is None:  # not on the path: visit the scene's anchor, then carry on
                self._pending = (None, self._scene_vec(scene), None, None)
            else:
                k = self._keys[j]
                self._pending = (j, k.vec, k.hold, k.glide)
            if self._pending[1] is (self._dst if self._moving else self._cur):  # there, or on the way there
                self._pending = None
            event = "scene"

        # ---- a move arrives
        if self._moving:
            g = glide if self._dst_glide is None else self._dst_glide
            u = 1.0 if g <= 0.0 else (now - self._t0) / g
            if u < self._u:
                u = self._u
            if u >= 1.0 - _EPS:
                self._arrive(self._t0 + g if g > 0.0 else now)
                event = "arrive"
            else:
                self._u = u

        # ---- a move starts: only on a quantise boundary, once the hold is over (or the VJ asked)
        if beat and clock.grid % grid == 0:
            due = self._pending is not None or (
                not self._moving and now + _EPS >= self._arrived + (hold if self._cur_hold is None else self._cur_hold))
            nxt = self._next() if due else None
            if nxt is not None:
                self._pending = None
                j, vec, h, g = nxt
                src = self._position(ease)
                self._dst_i, self._dst, self._dst_hold, self._dst_glide = self._i if j is None else j, vec, h, g
                self._t0 = float(clock.beats)  # from the boundary itself: the move lasts exactly `glide` beats
                g = glide if g is None else g
                if g <= 0.0:
                    self._arrive(self._t0)
                    event = "cut"
                else:
                    self._src = src
                    self._moving = True
                    self._u = 0.0
                    event = "move"
        base = self._position(ease)

        # ---- audio on top: bass -> radius, onsets -> a sideways pulse
        a = 1.0 - math.exp(-dt / _PUSH_TAU) if dt > 0.0 else 0.0
        level = max(features.bass, features.kick_env)
        level = 0.0 if level < 0.0 else (1.5 if level > 1.5 else level)
        self._level += (level - self._level) * a
        nb = math.sqrt(float(base @ base))
        if features.onset and nb > 1e-9:
            r = self._rng.standard_normal(self.latent_dim)
            r -= base * (float(base @ r) / (nb * nb))
            self._pulse_dir = r / math.sqrt(float(r @ r))
            self._pulse_env = 1.0
        elif self._pulse_env > 0.0:
            self._pulse_env *= math.exp(-dt / _PULSE_DECAY)
            if self._pulse_env < 1e-4:
                self._pulse_env = 0.0
        out = self._out
        scale = 1.0 + _ZOOM_SCALE * bass_push * self._level
        p = onset_pulse * _PULSE_SCALE * self._pulse_env
        if p > 0.0 and nb > 1e-9:
            np.multiply(self._pulse_dir, p, out=out)
            out += base
            # the pulse turns the latent; only the bass changes its norm
            out *= nb * scale / math.sqrt(float(out @ out))
        else:
            np.multiply(base, scale, out=out)
        self.last_event = event
        return out.astype(np.float32)

    def _position(self, ease: float) -> np.ndarray:
        """Where the path is now, before the audio: the keyframe held, or a point of the move."""
        if not self._moving:
            return self._cur
        u = self._u
        e = u + ease * (u * u * (3.0 - 2.0 * u) - u)
        return slerp(self._src, self._dst, e)

    # ------------------------------------------------------------------ introspection
    @property
    def keyframe(self) -> int:
        """The path position: the keyframe held, or the one the current move left."""
        return self._i

    @property
    def moving(self) -> bool:
        return self._moving
