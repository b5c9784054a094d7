"""The built-in outputs: virtual camera, NDI, Spout, Syphon, and the lighting desk (OSC + Art-Net).

Registered through ``vjhost_register_outputs`` like a third party's; each
factory imports its implementation (and its device library) only when the
performer asks for the output (``vjhost run --output NAME[=SETTING]``).
The availability checks are cheap: a platform test and a module lookup, no
import of the device library.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable

from vjhost.protocols import OutputSpec


def _lazy(ref: str) -> Callable[..., Any]:
    def call(*args: Any, **kw: Any) -> Any:
        mod, _, attr = ref.partition(":")
        return getattr(importlib.import_module(mod), attr)(*args, **kw)

    call.__qualname__ = f"lazy({ref})"
    return call


OUTPUTS = (
    OutputSpec("virtualcam", _lazy("vjhost.output.video_out:VirtualCamera"),
               "a virtual webcam (v4l2loopback on Linux, via pyvirtualcam) for OBS, Zoom, a browser",
               available=_lazy("vjhost.output.video_out:virtualcam_available"), setting="device, e.g. /dev/video10"),
    OutputSpec("ndi", _lazy("vjhost.output.video_out:NdiSender"),
               "an NDI source on the local network (cyndilib) for Resolume, OBS, TouchDesigner, vMix",
               available=_lazy("vjhost.output.video_out:ndi_available"), setting="source name (default vjhost)"),
    OutputSpec("spout", _lazy("vjhost.output.video_out:SpoutSender"),
               "a Spout sender (Windows): the frame shared as a GPU texture",
               available=_lazy("vjhost.output.video_out:spout_available"), setting="sender name (default vjhost)"),
    OutputSpec("syphon", _lazy("vjhost.output.video_out:SyphonServer"),
               "a Syphon server (macOS): the frame shared as a GPU texture",
               available=_lazy("vjhost.output.video_out:syphon_available"), setting="server name (default vjhost)"),
    OutputSpec("lights", _lazy("vjhost.output.lighting:LightingOutput"),
               "beat, bar phase, bands, drop and the pack's palette to a lighting desk over OSC and Art-Net (DMX)",
               setting="mapping file .toml (docs/outputs.md)"),
)


def register_outputs(register: Callable[[OutputSpec], None]) -> None:
    for spec in OUTPUTS:
        register(spec)
