"""vjhost's built-in plugins, registered through the ``vjhost`` entry-point group like any other.

Registering is cheap: each spec's factory imports its implementation module
(numpy, aubio, torch ...) only when a show actually uses it.
"""

from __future__ import annotations

import importlib
from importlib.resources import files
from pathlib import Path
from typing import Any, Callable

from vjhost import hookimpl
from vjhost.protocols import AnalyzerSpec, ControllerSpec, DecoderSpec, MappingSpec

from .effects import EFFECTS


def _lazy(ref: str) -> Callable[..., Any]:
    """A factory that imports ``module:attr`` on first call."""

    def factory(*args: Any, **kw: Any) -> Any:
        mod, _, attr = ref.partition(":")
        return getattr(importlib.import_module(mod), attr)(*args, **kw)

    factory.__qualname__ = f"lazy({ref})"
    return factory


@hookimpl
def vjhost_register_analyzers(register):
    register(AnalyzerSpec("spectrum", _lazy("vjhost_builtins.analysis:SpectrumAnalyzer"),
                          "pyfftw spectrum: RMS/peak, 8 log bands + bass/mid/high with auto gain, centroid, flux",
                          order=10))
    register(AnalyzerSpec("onsets", _lazy("vjhost_builtins.analysis:OnsetAnalyzer"),
                          "aubio onsets plus band-split kick / snare / hi-hat triggers", order=20))
    register(AnalyzerSpec("beats", _lazy("vjhost_builtins.analysis:BeatTracker"),
                          "tempo (BPM), beat events, beat and bar phase, confidence", order=30))
    register(AnalyzerSpec("energy", _lazy("vjhost_builtins.analysis:EnergyAnalyzer"),
                          "slow energy trend and build / drop / breakdown sections", order=40))


@hookimpl
def vjhost_register_controllers(register):
    register(ControllerSpec("audio-walk", _lazy("vjhost_builtins.latent_walk:AudioWalk"),
                            "walks the latent space with the music: beats jump, bass pushes, "
                            "smooth glide between beats"))
    register(ControllerSpec("keyframes", _lazy("vjhost_builtins.keyframes:Keyframes"),
                            "a path through keyframes from the manifest: held for beats, slerp moves on the beat grid"))


@hookimpl
def vjhost_register_decoders(register):
    register(DecoderSpec("torch", _lazy("vjhost_builtins.torch_decoder:TorchDecoder"),
                         "PyTorch VAE decoder from safetensors (CUDA when present, else CPU, channels_last)"))
    register(DecoderSpec("onnx", _lazy("vjhost_builtins.onnx_decoder:OnnxDecoder"),
                         "ONNX Runtime decoder from a pack's .onnx export "
                         "(TensorRT/CUDA providers when present, else CPU)"))


@hookimpl
def vjhost_register_effects(register):
    for spec in EFFECTS:
        register(spec)
    # ISF filters the user dropped into their folder (headers only: no GL, no compile here)
    from .isf_effects import isf_effect_specs, user_isf_dir

    for spec in isf_effect_specs(user_isf_dir()):
        register(spec)


@hookimpl
def vjhost_register_mappings(register):
    register(MappingSpec("apc-mini-mk2", _lazy("vjhost_builtins.apcmini:is_mk2_port"),
                         _lazy("vjhost_builtins.apcmini:ApcMiniMk2"),
                         "AKAI APC mini MK2: pads pick pack/scene/effects with RGB LED feedback, "
                         "faders drive parameters",
                         layout_key="apc_mini_mk2"))
    register(MappingSpec("apc-mini", _lazy("vjhost_builtins.apcmini:is_mk1_port"),
                         _lazy("vjhost_builtins.apcmini:ApcMiniMk1"),
                         "AKAI APC mini (mk1): same layout with the mk1 notes and LED values",
                         layout_key="apc_mini_mk2"))
    register(MappingSpec("generic-midi", _lazy("vjhost_builtins.generic_midi:match_port"),
                         _lazy("vjhost_builtins.generic_midi:GenericMidi"),
                         "any MIDI controller bound with `vjhost midi learn` (the user's layout file)",
                         layout_key="generic"))


@hookimpl
def vjhost_register_outputs(register):
    from .outputs import register_outputs  # specs only: each device library is imported when its output opens

    register_outputs(register)


@hookimpl
def vjhost_register_shader_dirs(register):
    register(Path(str(files("vjhost_shaders"))))
