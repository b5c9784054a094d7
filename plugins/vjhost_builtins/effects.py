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
        description="separable gaussian blur at half size whose radius follows the fader and relaxes on onsets",
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

# The effect library (issue #6).  Every effect has an ``amount`` (default 0, so
# it costs no pass until a fader brings it in) and reads the analysis through
# the standard header; the comments at the top of each shader say how.
LIBRARY: tuple[EffectSpec, ...] = (
    EffectSpec(
        "rgbsplit",
        shader="rgbsplit.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "base red/blue split width (0 = off)"),
            Param("kick_push", 0.5, 0.0, 1.0, "extra split on every kick"),
            Param("glitch", 0.0, 0.0, 1.0, "horizontal band tearing, more of it on onsets"),
        ),
        description="RGB split that widens on kicks, with onset-driven band tearing (glitch)",
    ),
    EffectSpec(
        "kaleido",
        shader="kaleido.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "mix of the kaleidoscope over the picture"),
            Param("segments", 6.0, 2.0, 16.0, "number of mirrored wedges"),
            Param("spin", 0.0, -1.0, 1.0, "turns per bar of the pattern"),
        ),
        description="kaleidoscope: N mirrored wedges about the centre, turning with the bar, zooming on kicks",
    ),
    EffectSpec(
        "mirror",
        shader="mirror.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "mix of the mirror tiling over the picture"),
            Param("tiles", 2.0, 1.0, 8.0, "tiles across; the bass zooms the tiling"),
            Param("scroll", 0.0, -1.0, 1.0, "tiles scrolled per bar"),
        ),
        description="mirror tiling: the picture repeated with every neighbour flipped; bass zooms it",
    ),
    EffectSpec(
        "strobe",
        shader="strobe.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "depth of the dark phase"),
            Param("rate", 1.0, 1.0, 8.0, "flashes per beat"),
            Param("duty", 0.5, 0.0, 1.0, "share of each period that is dark"),
            Param("flash", 0.0, 0.0, 1.0, "white flash on onsets"),
        ),
        description="beat-locked strobe (dark for part of each beat subdivision), white flashes on onsets",
    ),
    EffectSpec(
        "threshold",
        shader="threshold.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "mix of the black/white picture (1 = strictly binary)"),
            Param("level", 0.5, 0.0, 1.0, "luminance threshold"),
            Param("react", 0.0, -1.0, 1.0, "how far bass and kick move the threshold"),
        ),
        description="hard black/white threshold whose level follows the bass",
    ),
    EffectSpec(
        "posterize",
        shader="posterize.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "mix of the posterized picture"),
            Param("levels", 4.0, 2.0, 16.0, "levels per channel"),
            Param("react", 0.0, 0.0, 1.0, "share of the levels a full kick takes away"),
        ),
        description="posterize to N levels per channel; kicks take levels away",
    ),
    EffectSpec(
        "crt",
        shader="crt.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "strength of the CRT look"),
            Param("lines", 240.0, 60.0, 720.0, "scanlines per picture height"),
            Param("curve", 0.5, 0.0, 1.0, "barrel curvature of the tube"),
        ),
        description="scanlines / CRT: curvature, scanlines breathing with the bass, shadow mask, roll on onsets",
    ),
    EffectSpec(
        "bloom",
        shader="bloom.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "glow strength; kick and bass pump it"),
            Param("radius", 0.03, 0.005, 0.1, "glow radius, share of picture height"),
            Param("threshold", 0.6, 0.0, 1.0, "luminance above which things glow"),
        ),
        description="bloom of the bright parts (a quarter-size separable mip chain), pumping with kick and bass",
    ),
    EffectSpec(
        "halftone",
        shader="halftone.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "mix of the halftone over the picture"),
            Param("cell", 10.0, 4.0, 40.0, "dot cell size in pixels; kicks enlarge it"),
            Param("angle", 0.125, 0.0, 1.0, "screen angle, turns"),
        ),
        description="halftone dot screen, dot area following luminance, cells swelling on kicks",
    ),
    EffectSpec(
        "stencil",
        shader="stencil.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "ink opacity"),
            Param("level", 0.5, 0.0, 1.0, "decoded-image luminance where the stencil is cut"),
            Param("spray", 0.3, 0.0, 1.0, "width of the speckled overspray edge"),
        ),
        description="the decoded frame as a spray-paint stencil over the chain; onsets open the cut",
    ),
    EffectSpec(
        "collage",
        shader="collage.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "share of the grid cut up"),
            Param("cells", 6.0, 2.0, 16.0, "pieces across"),
            Param("image_share", 0.0, 0.0, 1.0, "share of pieces showing the decoded frame"),
        ),
        description="collage / cut-up: rearranged, rescaled pieces of the picture, re-dealt every beat",
    ),
    EffectSpec(
        "displace",
        shader="displace.glsl",
        params=(
            Param("amount", 0.0, 0.0, 1.0, "push distance"),
            Param("twist", 1.0, 0.0, 4.0, "turns of push direction across the decoded frame's black..white"),
            Param("react", 0.5, 0.0, 1.0, "how much bass and kick swell the push"),
        ),
        description="displacement of the chain by the decoded image (u_image): luminance sets the direction",
    ),
)

EFFECTS = EFFECTS + LIBRARY
