"""The vjhost extension contract.

Every hook here is a *registration* hook: the host calls it once per show
set-up (and for ``vjhost plugins`` / ``vjhost packs``), on the main thread,
passing a ``register`` callable.  An implementation calls ``register`` with
spec objects from :mod:`vjhost.protocols` and returns nothing.  It must be
cheap: no torch, no GL, no weights, no devices -- those belong in the spec's
factory, which the host calls only when a show actually uses the thing.

The per-frame path never goes through these hooks: it calls the plain objects
the factories return.  Built-ins (``vjhost_builtins``) register through these
same hooks, found through the same entry-point group (``vjhost``) as
third-party plugins and persona packs.

A plugin is a module with functions named like the hooks below, decorated
with :data:`hookimpl`::

    from vjhost import hookimpl
    from vjhost.protocols import EffectSpec, Param

    @hookimpl
    def vjhost_register_effects(register):
        register(EffectSpec("invert", shader="invert.glsl", params=(Param("amount", 1.0),)))

and is found through an entry point in its ``pyproject.toml``::

    [project.entry-points.vjhost]
    invert = "my_invert_plugin"

A function starting with ``vjhost_`` that matches no hook below is an error:
the plugin is rejected and named in ``vjhost plugins``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from .protocols import AnalyzerSpec, ControllerSpec, DecoderSpec, EffectSpec, MappingSpec, OutputSpec, PackSpec

PROJECT = "vjhost"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def vjhost_register_analyzers(register: Callable[[AnalyzerSpec], None]) -> None:
    """Register audio analyzers.

    :param register: call with an :class:`~vjhost.protocols.AnalyzerSpec` per analyzer.

    Called on the main thread at set-up.  The factory ``(sample_rate, hop)``
    runs once per show; the :class:`~vjhost.protocols.Analyzer` it returns is
    called on the analysis thread once per hop, in ascending ``order``, and
    must not block.  Every registered analyzer runs (they fill different
    fields of :class:`~vjhost.protocols.Features`).
    """


@hookspec
def vjhost_register_controllers(register: Callable[[ControllerSpec], None]) -> None:
    """Register latent controllers (audio + controls -> latent path).

    :param register: call with a :class:`~vjhost.protocols.ControllerSpec` per controller.

    Called on the main thread at set-up.  A pack's manifest picks one by name
    (``[controller] name``; an unknown name is a manifest error); its factory
    gets the latent size, the pack's scene anchors and the manifest's
    ``[controller.settings]``, and raises
    :class:`~vjhost.protocols.SettingsError` for a bad setting (reported with
    the manifest's file and line).  The controller's ``PARAMS`` are declared
    in the control model, so MIDI, OSC and the web surface move them.
    ``step`` is called on the render thread once per frame and must not block.
    Built-ins: ``audio-walk`` and ``keyframes`` (docs/controllers.md).
    """


@hookspec
def vjhost_register_decoders(register: Callable[[DecoderSpec], None]) -> None:
    """Register decoder backends (latent -> image).

    :param register: call with a :class:`~vjhost.protocols.DecoderSpec` per backend.

    Called on the main thread at set-up.  A pack's manifest picks a backend
    (``[decoder] backend``).  The factory loads the weights (on the main thread,
    may take seconds); ``decode`` runs on the decode worker thread and may
    block for one decode, never longer.  The render loop never waits for it.
    """


@hookspec
def vjhost_register_effects(register: Callable[[EffectSpec], None]) -> None:
    """Register shader effects for the effect chain.

    :param register: call with an :class:`~vjhost.protocols.EffectSpec` per effect.

    Called on the main thread at set-up.  The shader is compiled on the
    render thread when a chain uses it; a shader that fails to compile is
    reported with its log and bypassed.  ``EffectSpec.uniforms`` (optional)
    runs on the render thread every frame and must not block.
    """


@hookspec
def vjhost_register_mappings(register: Callable[[MappingSpec], None]) -> None:
    """Register MIDI controller mappings (e.g. the AKAI APC mini MK2).

    :param register: call with a :class:`~vjhost.protocols.MappingSpec` per mapping.

    Called on the main thread at set-up.  When a MIDI input port whose name
    ``match`` accepts is found, the host builds the mapping with the active
    pack's layout; ``handle`` and ``feedback`` run on the MIDI thread and must
    not block.
    """


@hookspec
def vjhost_register_outputs(register: Callable[[OutputSpec], None]) -> None:
    """Register outputs: where the show goes besides the window (NDI, Spout, Syphon, a virtual camera, a lighting desk).

    :param register: call with an :class:`~vjhost.protocols.OutputSpec` per output.

    Called on the main thread at set-up and by ``vjhost devices`` (which calls
    each spec's ``available()`` to say why an output cannot work here).  Every
    output is off until the performer asks for it (``vjhost run --output
    NAME[=SETTING]``); an output asked for but unavailable is named once with
    its reason and the show starts without it.  The factory runs on the render
    thread with the GL context current; the :class:`~vjhost.protocols.Output` it
    returns gets :meth:`~vjhost.protocols.Output.send` once per frame on the
    render thread and must not block.  One that raises is reported once and,
    after three failures in a row, bypassed -- the show keeps rendering.
    Built-ins: ``virtualcam``, ``ndi``, ``spout``, ``syphon``, ``lights``
    (OSC + Art-Net, docs/outputs.md).
    """


@hookspec
def vjhost_register_packs(register: Callable[[PackSpec], None]) -> None:
    """Register persona packs.

    :param register: call with a :class:`~vjhost.protocols.PackSpec` per pack
        (usually ``PackSpec.from_package(__name__)``).

    Called on the main thread whenever packs are listed or a show starts.
    Must only point at the pack's directory: the manifest is read, validated
    and its weights loaded by the host, and only for the pack being played.
    """


@hookspec
def vjhost_register_shader_dirs(register: Callable[[Path], None]) -> None:
    """Register directories the shader resource finder searches.

    :param register: call with a directory :class:`~pathlib.Path`.

    Called on the main thread at set-up.  Shader names (``EffectSpec.shader``,
    ``#include "..."``, a pack's ``[shaders]``) are resolved against the active
    pack's ``shaders/`` first, then these directories in registration order.
    """
