"""The built-in effect chain pieces.  The GLSL lives in the top-level ``shaders/``."""

from __future__ import annotations

from vjhost.protocols import EffectSpec, Param

EFFECTS: tuple[EffectSpec, ...] = (
    EffectSpec(
        "feedback",
        shader="feedback.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "how much of the last frame is mixed back in"),
            Param("zoom", 0.02, -0.1, 0.1, "zoom per frame of the trail (bass adds to it)"),
            Param("rotate", 0.0, -0.05, 0.05, "rotation per frame of the trail, radians"),
        ),
        description="video feedback: last frame zoomed/rotated and decayed under the new one",
    ),
    EffectSpec(
        "blur",
        shader="blur.glsl",
        params=(Param("amount", 0.0, 0.0, 1.0, "blur radius (0 = off); onsets sharpen it"),),
        description="13-tap blur whose radius follows the fader and relaxes on onsets",
    ),
    EffectSpec(
        "hue",
        shader="hue.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "hue rotation, 1 = a full turn"),
            Param("beat_step", 0.0, 0.0, 1.0, "extra eighth of a turn per beat"),
        ),
        description="hue rotation in YIQ space, optionally stepped on the beat",
    ),
)
