"""Procedural, featureless human figures: a 2-D skeleton posed by a dozen angles.

A :class:`Pose` is ten joint angles (torso lean, head tilt, each upper arm
and forearm, each thigh and shin); :func:`joints` places the skeleton's
sixteen joints for a figure standing at ``(x, ground)`` ``height`` tall, by
forward kinematics, so a whole figure follows from about fourteen numbers.
:func:`silhouette` is its filled body (capsule limbs, a round head: a stencil
or a shadow, no face, no likeness), :func:`skeleton` its bones as lines
(wireframes and motion-capture views), and :func:`bust` a head-and-shoulders
shape for monitor windows.  :func:`random_pose` draws standing, walking,
dancing and reaching poses; :func:`dance_pose` poses a figure from a few
smooth parameters (a move from :data:`DANCE_MOVES`, its phase, the energy,
a lean), so a dancer -- or its motion trail over a stretch of the phase --
follows from three or four numbers.  :func:`bone_points` spaces points evenly
along the bones (point-cloud bodies, joints as dots).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from . import shapes

__all__ = ["Pose", "POSE_STYLES", "random_pose", "DANCE_MOVES", "dance_pose", "joints", "BONES", "silhouette",
           "skeleton", "bone_points", "bust", "extent"]

# segment lengths as shares of the figure's height
_HEAD_R, _NECK, _TORSO, _SHOULDER, _UPPER_ARM, _FOREARM, _HIP, _THIGH, _SHIN = (
    0.065, 0.045, 0.28, 0.105, 0.165, 0.155, 0.055, 0.235, 0.235)

#: Bones as (joint, joint, thickness as a share of the height) for the silhouette.
BONES: tuple[tuple[str, str, float], ...] = (
    ("pelvis", "chest", 0.13), ("chest", "neck", 0.07), ("l_shoulder", "r_shoulder", 0.075),
    ("l_shoulder", "l_elbow", 0.06), ("l_elbow", "l_wrist", 0.05), ("r_shoulder", "r_elbow", 0.06),
    ("r_elbow", "r_wrist", 0.05), ("l_hip", "r_hip", 0.1), ("l_hip", "l_knee", 0.08), ("l_knee", "l_ankle", 0.06),
    ("r_hip", "r_knee", 0.08), ("r_knee", "r_ankle", 0.06),
)


@dataclass(frozen=True)
class Pose:
    """Joint angles in radians.  Limbs hang straight down at 0; positive turns toward the figure's front."""

    lean: float = 0.0        # the torso, from upright
    tilt: float = 0.0        # the head, from the torso's line
    l_arm: float = 0.0       # upper arms, from hanging down (pi: straight up)
    r_arm: float = 0.0
    l_elbow: float = 0.0     # forearms, bent from the upper arm's line
    r_elbow: float = 0.0
    l_leg: float = 0.0       # thighs, from straight down
    r_leg: float = 0.0
    l_knee: float = 0.0      # shins, bent from the thigh's line (backward for positive)
    r_knee: float = 0.0

    def lerp(self, other: Pose, t: float) -> Pose:
        return Pose(*[(1 - t) * getattr(self, f.name) + t * getattr(other, f.name) for f in fields(self)])

    def mirrored(self) -> Pose:
        """Left and right swapped (the pose seen from behind)."""
        return Pose(-self.lean, -self.tilt, self.r_arm, self.l_arm, self.r_elbow, self.l_elbow,
                    self.r_leg, self.l_leg, self.r_knee, self.l_knee)


POSE_STYLES = ("stand", "walk", "dance", "reach")


def random_pose(rng: np.random.Generator, style: str = "dance") -> Pose:
    """A plausible pose of ``style`` (``stand``, ``walk``, ``dance`` or ``reach``): ten draws from ``rng``."""
    u = rng.uniform
    if style == "stand":
        return Pose(u(-0.05, 0.05), u(-0.1, 0.1), u(0.05, 0.25), u(0.05, 0.25), u(0, 0.3), u(0, 0.3),
                    u(0.02, 0.1), u(0.02, 0.1), u(0, 0.1), u(0, 0.1))
    if style == "walk":
        s = u(0.25, 0.5)
        return Pose(u(-0.08, 0.02), u(-0.1, 0.1), s * u(0.6, 1.0), -s * u(0.6, 1.0), u(0.1, 0.5), u(0.1, 0.5),
                    -s, s, u(0.1, 0.4), u(0.0, 0.5))
    if style == "dance":
        return Pose(u(-0.3, 0.3), u(-0.3, 0.3), u(0.2, 2.9), u(0.2, 2.9), u(-1.0, 1.4), u(-1.0, 1.4),
                    u(-0.6, 0.35), u(-0.35, 0.6), u(0.0, 0.9), u(0.0, 0.9))
    if style == "reach":
        return Pose(u(-0.15, 0.15), u(-0.3, 0.1), u(2.2, 2.9), u(0.1, 0.6), u(-0.3, 0.3), u(0, 0.6),
                    u(-0.2, 0.1), u(-0.1, 0.2), u(0, 0.3), u(0, 0.3))
    raise ValueError(f"pose style must be one of {POSE_STYLES}, got {style!r}")


#: Moves (six dances and a walk): the two key poses a move swings between (phase 0 and phase 0.5; back at 1).
DANCE_MOVES: dict[str, tuple[Pose, Pose]] = {
    "wave": (Pose(0.12, 0.15, 2.6, 0.5, -0.4, 0.6, -0.15, 0.1, 0.2, 0.05),     # one arm up, then the other
             Pose(-0.12, -0.15, 0.5, 2.6, 0.6, -0.4, -0.1, 0.15, 0.05, 0.2)),
    "jump": (Pose(0.0, 0.0, 2.7, 2.7, 0.1, 0.1, -0.35, 0.35, 0.1, -0.1),      # a star in the air, then a crouch
             Pose(0.05, 0.2, 0.9, 0.9, 1.3, 1.3, -0.5, 0.5, -0.9, 0.9)),  # knees out, feet in
    "step": (Pose(0.15, 0.1, 1.2, 0.3, 1.2, 0.4, -0.45, 0.05, 0.3, 0.0),      # a side step, arms swinging
             Pose(-0.15, -0.1, 0.3, 1.2, 0.4, 1.2, -0.05, 0.45, 0.0, 0.3)),
    "pump": (Pose(-0.05, -0.2, 2.9, 0.4, 0.2, 1.4, -0.1, 0.1, 0.15, 0.15),    # a fist punched up on the beat
             Pose(0.05, 0.15, 1.5, 0.3, 1.6, 1.2, -0.2, 0.2, 0.5, 0.5)),
    "robot": (Pose(0.0, 0.0, 1.57, 0.2, 1.57, -1.2, -0.1, 0.1, 0.0, 0.0),     # angular arms at right angles
              Pose(0.0, 0.0, 0.2, 1.57, -1.2, 1.57, -0.1, 0.1, 0.0, 0.0)),
    "sway": (Pose(0.3, 0.25, 2.0, 2.2, -0.6, -0.5, -0.3, 0.2, 0.2, 0.4),      # the whole body leaning side to side
             Pose(-0.3, -0.25, 2.2, 2.0, -0.5, -0.6, -0.2, 0.3, 0.4, 0.2)),
    "walk": (Pose(0.05, 0.0, 0.28, 0.28, 0.25, 0.25, 0.3, -0.3, 0.05, 0.35),  # a stride (facing +u)
             Pose(0.05, 0.0, -0.28, -0.28, 0.25, 0.25, -0.3, 0.3, 0.35, 0.05)),
}


def dance_pose(move: str | int, phase: float, energy: float = 1.0, lean: float = 0.0) -> Pose:
    """A pose of the dance ``move`` (a name or an index of :data:`DANCE_MOVES`) at ``phase`` (turns: 0..1 a cycle).

    Smooth in every parameter: the pose eases between the move's two key poses
    (cosine), ``energy`` scales it from a relaxed stand (0) through the move (1)
    to exaggerated (up to about 1.3), ``lean`` (radians) tilts the torso on top.
    """
    names = tuple(DANCE_MOVES)
    if not isinstance(move, str):
        move = names[int(move) % len(names)]
    if move not in DANCE_MOVES:
        raise ValueError(f"dance move must be one of {names}, got {move!r}")
    a, b = DANCE_MOVES[move]
    t = 0.5 - 0.5 * float(np.cos(2 * np.pi * phase))
    p = Pose(0.0, 0.0, 0.12, 0.12, 0.15, 0.15, -0.05, 0.05, 0.05, 0.05).lerp(a.lerp(b, t), energy)
    return Pose(p.lean + lean, *[getattr(p, f.name) for f in fields(p)][1:])


def _dir(angle: float) -> np.ndarray:
    """A unit vector ``angle`` from straight down (v grows downward), turning toward +u."""
    return np.array([np.sin(angle), np.cos(angle)])


def joints(pose: Pose, x: float, ground: float, height: float, facing: float = 1.0) -> dict[str, np.ndarray]:
    """The skeleton's joints (uv) for a figure whose feet stand near ``(x, ground)``, ``height`` tall.

    ``facing`` 1 or -1 mirrors the figure left to right.
    """
    h, f = height, float(np.sign(facing) or 1.0)
    j: dict[str, np.ndarray] = {}
    pelvis = np.array([x, ground - (_THIGH + _SHIN + 0.02) * h])
    up = -_dir(f * pose.lean)  # the torso's direction, upward
    side = np.array([-up[1], up[0]])  # to the figure's right on screen for facing 1
    j["pelvis"] = pelvis
    j["chest"] = pelvis + up * _TORSO * h
    j["neck"] = j["chest"] + up * _NECK * h
    head_dir = -_dir(f * (pose.lean + pose.tilt))
    j["head"] = j["neck"] + head_dir * (_HEAD_R + 0.01) * h
    for s_name, sgn in (("l", -1.0), ("r", 1.0)):
        sh = j["chest"] - up * 0.02 * h + side * sgn * _SHOULDER * h
        hip = pelvis + side * sgn * _HIP * h
        arm = getattr(pose, f"{s_name}_arm") * sgn * f  # arms swing out to their own side as they rise
        elbow = sh + _dir(arm) * _UPPER_ARM * h
        wrist = elbow + _dir(arm + getattr(pose, f"{s_name}_elbow") * sgn * f) * _FOREARM * h
        leg = getattr(pose, f"{s_name}_leg") * f
        knee = hip + _dir(leg) * _THIGH * h
        ankle = knee + _dir(leg - getattr(pose, f"{s_name}_knee") * f) * _SHIN * h
        j[f"{s_name}_shoulder"], j[f"{s_name}_elbow"], j[f"{s_name}_wrist"] = sh, elbow, wrist
        j[f"{s_name}_hip"], j[f"{s_name}_knee"], j[f"{s_name}_ankle"] = hip, knee, ankle
    return j


def extent(js: dict[str, np.ndarray], height: float, pad: float = 0.1) -> tuple[float, float, float, float]:
    """A uv box around the figure (its joints, grown by ``pad * height``): the bounds to draw it in."""
    p = np.array(list(js.values()))
    m = (pad + _HEAD_R) * height
    return float(p[:, 0].min() - m), float(p[:, 1].min() - m), float(p[:, 0].max() + m), float(p[:, 1].max() + m)


def silhouette(x, y, js: dict[str, np.ndarray], height: float, build: float = 1.0) -> np.ndarray:
    """The filled, featureless body: capsule limbs and a round head (``build`` scales the thickness)."""
    d = shapes.disc(x, y, js["head"][0], js["head"][1], _HEAD_R * height * (0.9 + 0.1 * build))
    for a, b, t in BONES:
        d = np.minimum(d, shapes.segment(x, y, *js[a], *js[b], t * height * build))
    return d


def skeleton(x, y, js: dict[str, np.ndarray], width: float, head: bool = True) -> np.ndarray:
    """The bones as lines ``width`` thick (and the head as a ring, ``head``)."""
    d = None
    for a, b, _ in BONES:
        s = shapes.segment(x, y, *js[a], *js[b], width)
        d = s if d is None else np.minimum(d, s)
    if head:
        height = np.linalg.norm(js["neck"] - js["pelvis"]) / (_TORSO + _NECK)
        d = np.minimum(d, shapes.ring(x, y, js["head"][0], js["head"][1], _HEAD_R * height, width))
    return d


def bone_points(js: dict[str, np.ndarray], spacing: float, head: bool = True) -> np.ndarray:
    """``(k, 2)`` uv points at most ``spacing`` apart along the bones (ends included, shared joints once) and, with
    ``head``, around the head's outline: a point-cloud body that follows the pose."""
    pts = [np.asarray(p, np.float64) for p in js.values() if p is not js.get("head")]
    for a, b, _ in BONES:
        pa, pb = js[a], js[b]
        n = int(np.ceil(float(np.linalg.norm(pb - pa)) / spacing - 1e-9))  # gaps of at most `spacing`
        if n > 1:
            t = np.arange(1, n)[:, None] / n
            pts.extend(pa + t * (pb - pa))
    if head:
        height = np.linalg.norm(js["neck"] - js["pelvis"]) / (_TORSO + _NECK)
        r = _HEAD_R * height
        n = max(6, int(round(2 * np.pi * r / spacing)))
        a = np.arange(n) * (2 * np.pi / n)
        pts.extend(js["head"] + r * np.stack([np.cos(a), np.sin(a)], 1))
    return np.vstack([np.atleast_2d(p) for p in pts])


def bust(x, y, cx: float, cy: float, size: float, turn: float = 0.0) -> np.ndarray:
    """A head-and-shoulders silhouette ``size`` tall whose head centre is at ``(cx, cy)``; ``turn`` leans it."""
    head = shapes.ellipse(x, y, cx, cy, 0.21 * size, 0.26 * size, turn * 0.3)
    neck = shapes.box(x, y, cx, cy + 0.3 * size, 0.09 * size, 0.12 * size)
    body = shapes.ellipse(x, y, cx + turn * 0.05 * size, cy + 0.88 * size, 0.52 * size, 0.42 * size)
    return shapes.union(head, neck, body)
