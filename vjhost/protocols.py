"""The objects plugins register and the per-frame path calls.

Hooks (see :mod:`vjhost.hookspecs`) register *specs*: a name, a description
and a factory.  The host calls a factory once, when a show is set up, and then
calls the plain object it returns on every hop or frame -- never the plugin
manager.  This module imports neither torch nor OpenGL, so listing plugins and
packs stays cheap.

Signal path::

    audio block -> Analyzer.process -> Features
    Features + ControlState -> LatentController.step -> latent (D,)
    latent -> Decoder.decode (worker thread) -> image (H, W, C) uint8
    image + Features -> pack source shader -> EffectSpec shaders -> output
    MIDI message -> Mapping.handle -> ControlState ; ControlState -> Mapping.feedback -> LED messages
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    import mido

    from .control.state import ControlState

N_BANDS = 8


# --------------------------------------------------------------------------- audio analysis


@dataclass
class Features:
    """What the analysis stage heard, as of the end of the latest hop.

    Every continuous value is normalised (mostly 0..1, with automatic gain) so
    that mappings and shaders need no per-track tuning.  Triggers (``onset``,
    ``kick``, ``beat`` ...) are true only in the hop where the event happened;
    the ``*_env`` values are decaying envelopes of them, which is what shaders
    usually want.
    """

    t: float = 0.0  #: stream time (s) at the end of the hop
    rms: float = 0.0
    peak: float = 0.0
    bands: np.ndarray = field(default_factory=lambda: np.zeros(N_BANDS, np.float32))
    bass: float = 0.0
    mid: float = 0.0
    high: float = 0.0
    centroid: float = 0.0  #: spectral centroid, 0 = lowest band, 1 = highest
    flux: float = 0.0  #: normalised positive spectral flux
    onset: bool = False
    onset_env: float = 0.0
    kick: bool = False
    kick_env: float = 0.0
    snare: bool = False
    snare_env: float = 0.0
    hat: bool = False
    hat_env: float = 0.0
    bpm: float = 120.0
    beat: bool = False
    beat_env: float = 0.0
    beat_phase: float = 0.0  #: 0 at the beat, rising to 1 just before the next
    bar_phase: float = 0.0  #: 0 at the downbeat (4/4)
    downbeat: bool = False
    beat_count: int = 0
    beat_confidence: float = 0.0
    energy: float = 0.0  #: slow loudness trend, 0..1
    section: str = ""  #: "", "build", "drop" or "breakdown"

    def copy(self) -> "Features":
        f = Features(**{k.name: getattr(self, k.name) for k in fields(self)})
        f.bands = self.bands.copy()
        return f

    # the scalar fields, in a fixed order (used by timelines and shader uniforms)
    @classmethod
    def scalar_names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls) if f.name not in ("bands", "section"))


@runtime_checkable
class Analyzer(Protocol):
    """Turns audio into :class:`Features`.  Called on the analysis thread, once per hop.

    ``process`` gets the newest ``hop`` samples (mono float32, -1..1) and writes
    the fields it owns into ``features`` (which earlier analyzers in the chain
    have already filled for this hop).  It must be causal and must not block.
    """

    def process(self, block: np.ndarray, features: Features) -> None: ...

    def reset(self) -> None: ...


@dataclass(frozen=True)
class AnalyzerSpec:
    name: str
    factory: Callable[[int, int], Analyzer]  #: (sample_rate, hop) -> Analyzer
    description: str = ""
    order: int = 100  #: analyzers run in ascending order within a hop


# --------------------------------------------------------------------------- latent control


@runtime_checkable
class LatentController(Protocol):
    """Audio + controls -> the next point of the latent path.  Called by the render loop each frame.

    The host builds one per show with the :class:`ControllerSpec` factory,
    declares the controller's ``PARAMS`` (an optional tuple of :class:`Param`,
    the manifest's defaults applied) in the :class:`ControlState`, calls
    ``reset(seed)`` and then ``step`` once per frame on the render thread.
    ``step`` reads its parameters with ``controls.get(name, default)`` every
    call (so MIDI, OSC and the web surface move them live), the scene the VJ
    picked from ``controls.scene`` (an index into the pack's ``scenes`` and
    its decoder's anchors; names in ``controls.scenes``) and holds still while
    ``controls.freeze`` is true.  A bad manifest setting raises
    :class:`SettingsError` from the factory.
    """

    def reset(self, seed: int) -> None: ...

    def step(self, features: Features, dt: float, controls: "ControlState") -> np.ndarray:
        """Return the latent for this frame, float32 ``(latent_dim,)``."""
        ...


class SettingsError(ValueError):
    """A controller factory's complaint about one entry of a pack's ``[controller.settings]``.

    ``key`` is the entry's path inside ``[controller.settings]`` (``"hold"``,
    ``"keyframes[2].scene"``).  The host turns it into a manifest error that
    names the file, the line and ``controller.settings.<key>``.
    """

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class ControllerSpec:
    name: str
    #: (latent_dim, anchors (K, D) float32 or None, settings from the pack manifest) -> controller
    factory: Callable[[int, "np.ndarray | None", Mapping[str, Any]], LatentController]
    description: str = ""


# --------------------------------------------------------------------------- decoding


@runtime_checkable
class Decoder(Protocol):
    """Latents -> images.  Called on the decode worker thread; may block for the length of one decode."""

    latent_dim: int
    size: tuple[int, int]  #: (height, width)
    channels: int  #: 1 or 3
    device: str

    def decode(self, z: np.ndarray) -> np.ndarray:
        """``(B, latent_dim)`` float32 -> ``(B, H, W, channels)`` uint8."""
        ...


@dataclass(frozen=True)
class DecoderSpec:
    name: str  #: the backend name a pack manifest's ``decoder.backend`` refers to
    factory: Callable[[Path, str], Decoder]  #: (weights path, device "auto"/"cpu"/"cuda") -> Decoder
    description: str = ""


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Param:
    """A named, ranged parameter: what faders, OSC and the sequencer move."""

    name: str
    default: float = 0.0
    min: float = 0.0
    max: float = 1.0
    description: str = ""

    def clamp(self, v: float) -> float:
        return min(self.max, max(self.min, float(v)))


Uniforms = Mapping[str, "float | int | tuple[float, ...]"]


@dataclass(frozen=True)
class EffectSpec:
    """A GLSL pass in the effect chain.

    ``shader`` names a fragment shader found by the shader resource finder
    (directories registered with ``vjhost_register_shader_dirs``).  Every pass
    receives the standard uniforms (see ``shaders/vjhost.glsl``): ``u_input``
    (the chain so far), ``u_prev`` (last frame's output, for feedback),
    ``u_image`` (the newest decoded frame), the audio features and
    ``u_<param>`` for each of ``params``.  ``uniforms``, if given, is called
    once per frame on the render thread to compute extra uniforms in Python; it
    must be quick and must not block.
    """

    name: str
    shader: str
    params: tuple[Param, ...] = ()
    description: str = ""
    uniforms: Callable[[Features, Mapping[str, float]], Uniforms] | None = None


# --------------------------------------------------------------------------- controller mappings


class ControllerMapping(Protocol):
    """A connected MIDI controller.  Called on the MIDI thread; must not block."""

    def on_connect(self) -> Sequence["mido.Message"]:
        """Messages to send when the port opens (mode select, LED state)."""
        ...

    def handle(self, msg: "mido.Message") -> None:
        """Apply one incoming message to the control state."""
        ...

    def feedback(self) -> Sequence["mido.Message"]:
        """LED messages that bring the device up to date with the control state (only what changed)."""
        ...



@dataclass(frozen=True)
class MappingSpec:
    name: str
    #: does this mapping drive the MIDI input port with this name?
    match: Callable[[str], bool]
    #: (layout dict from the pack's TOML or None, control state) -> mapping
    factory: Callable[["Mapping[str, Any] | None", "ControlState"], ControllerMapping]
    description: str = ""
    layout_key: str = ""  #: the key under ``[layouts]`` in a pack manifest this mapping reads


# --------------------------------------------------------------------------- packs


@dataclass(frozen=True)
class PackSpec:
    """A persona pack: a directory holding ``pack.toml`` and what it names."""

    name: str
    root: Path  #: directory containing pack.toml
    package: str = ""  #: the importable package that registered it
    description: str = ""

    @classmethod
    def from_package(cls, package: str, name: str | None = None) -> "PackSpec":
        """The pack whose ``pack.toml`` sits inside ``package`` (no code beyond the package itself runs)."""
        from importlib.resources import files

        root = Path(str(files(package)))
        return cls(name=name or package.removeprefix("vjhost_"), root=root, package=package)

    @property
    def manifest_path(self) -> Path:
        return self.root / "pack.toml"


# --------------------------------------------------------------------------- outputs


@dataclass
class OutputFrame:
    """What an output gets each frame: one object, refilled in place by the host (never copied per frame).

    ``rgba`` is the picture the audience saw, ``(H, W, 4)`` uint8, *top row
    first*, read back from the GPU without a stall (a pixel-buffer read started
    the frame before, so it is one frame old) -- present only when an output
    asked for ``"rgba"``; it is the host's buffer: copy it to keep it past
    ``send``.  ``texture`` is the GL texture of the frame just drawn, *bottom
    row first* (GL's convention), valid on the render thread during ``send``
    (for texture-sharing outputs: Spout, Syphon).  ``palette`` is the current
    pack's colours as ``(N, 3)`` uint8 RGB.
    """

    t: float = 0.0  #: show time of the frame (s)
    index: int = 0  #: frames sent so far
    size: tuple[int, int] = (0, 0)  #: (width, height) of ``rgba`` / ``texture``
    features: Features = field(default_factory=Features)
    rgba: "np.ndarray | None" = None
    texture: int = 0
    pack: str = ""
    palette: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.uint8))


@runtime_checkable
class Output(Protocol):
    """A place the show goes besides the window: another program, a virtual camera, a lighting desk.

    ``wants`` says what :meth:`send` needs: ``"rgba"`` (CPU pixels), ``"texture"``
    (a GL texture, shared on the GPU) or ``"features"`` (the analysis and the
    palette only: nothing is read back).  ``send`` runs on the render thread once
    per frame and must not block (hand the pixels to a thread of your own if the
    device is slow); it may raise -- the host reports it once and, after three
    in a row, bypasses the output while the show goes on.  ``close`` releases the
    device; it is called once, on the render thread.
    """

    wants: str

    def send(self, frame: OutputFrame) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class OutputSpec:
    """An output the show can be sent to (``vjhost run --output NAME[=SETTING]``).

    ``factory(setting, size, fps)`` opens the device (``setting`` is the text
    after ``=`` or ``None``; ``size`` is the output's (width, height)) and raises
    with a clear message when it cannot.  ``available()`` says, cheaply and
    without opening anything, why the output cannot work here (``"Windows only"``,
    ``"pip install cyndilib"``, ``"no v4l2loopback device"``) or ``None`` if it
    can; ``vjhost devices`` lists it.
    """

    name: str
    factory: Callable[["str | None", tuple[int, int], float], Output]
    description: str = ""
    available: Callable[[], "str | None"] = lambda: None
    setting: str = ""  #: what ``=SETTING`` means, for the help ("sender name", "mapping file.toml" ...)
