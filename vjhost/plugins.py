"""Plugin discovery and the registries the show is built from.

:func:`load_host` makes a fresh pluggy manager, loads every entry point in
the ``vjhost`` group (built-ins, packs and third-party plugins alike), rejects
misspelled hook implementations, then calls each registration hook once per
plugin, so every registered object is attributed to the plugin that made it
and a plugin that fails is named and skipped rather than taking the host down.
"""

from __future__ import annotations

import importlib.metadata as md
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, Iterable, TypeVar

import pluggy

from . import hookspecs
from .protocols import AnalyzerSpec, ControllerSpec, DecoderSpec, EffectSpec, MappingSpec, OutputSpec, PackSpec

GROUP = "vjhost"
T = TypeVar("T")

#: registry attribute -> (hook name, spec type)
KINDS: dict[str, tuple[str, type]] = {
    "analyzers": ("vjhost_register_analyzers", AnalyzerSpec),
    "controllers": ("vjhost_register_controllers", ControllerSpec),
    "decoders": ("vjhost_register_decoders", DecoderSpec),
    "effects": ("vjhost_register_effects", EffectSpec),
    "mappings": ("vjhost_register_mappings", MappingSpec),
    "packs": ("vjhost_register_packs", PackSpec),
    "outputs": ("vjhost_register_outputs", OutputSpec),
    "shader_dirs": ("vjhost_register_shader_dirs", Path),
}


@dataclass
class PluginInfo:
    name: str  #: entry-point name (or module name for plugins passed in directly)
    module: str
    distribution: str = ""
    version: str = ""
    registers: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


@dataclass
class Registered(Generic[T]):
    spec: T
    plugin: str


class Registry(Generic[T]):
    """Name -> spec for one extension point.  Later plugins override built-ins, with a note."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, Registered[T]] = {}

    def add(self, name: str, spec: T, plugin: str, builtin: bool) -> str | None:
        old = self._items.get(name)
        self._items[name] = Registered(spec, plugin)
        if old is not None and not builtin:
            return f"{self.kind[:-1]} {name!r} from {plugin} overrides the one from {old.plugin}"
        if old is not None:  # a built-in never replaces a third party's
            self._items[name] = old
        return None

    def __getitem__(self, name: str) -> T:
        return self._items[name].spec

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def get(self, name: str) -> T | None:
        r = self._items.get(name)
        return None if r is None else r.spec

    def names(self) -> list[str]:
        return list(self._items)

    def specs(self) -> list[T]:
        return [r.spec for r in self._items.values()]

    def owner(self, name: str) -> str:
        return self._items[name].plugin

    def __len__(self) -> int:
        return len(self._items)


BUILTIN = "vjhost_builtins"


@dataclass
class Host:
    """What is installed: plugins (with their load errors) and the registries they filled."""

    pm: pluggy.PluginManager
    plugins: dict[str, PluginInfo]
    analyzers: Registry[AnalyzerSpec]
    controllers: Registry[ControllerSpec]
    decoders: Registry[DecoderSpec]
    effects: Registry[EffectSpec]
    mappings: Registry[MappingSpec]
    packs: Registry[PackSpec]
    outputs: Registry[OutputSpec]
    shader_dirs: list[Path]
    notes: list[str] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [f"{p.name}: {e}" for p in self.plugins.values() for e in p.errors]

    def pack(self, name: str) -> PackSpec:
        spec = self.packs.get(name)
        if spec is None:
            have = ", ".join(sorted(self.packs.names())) or "none installed"
            raise LookupError(f"no pack named {name!r} (installed: {have})")
        return spec


def _entry_points() -> Iterable[md.EntryPoint]:
    return md.entry_points(group=GROUP)


def new_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT)
    pm.add_hookspecs(hookspecs)
    return pm


def _check(pm: pluggy.PluginManager, plugin: Any) -> str | None:
    """Reject a plugin with a ``vjhost_*`` function that is no hook (a typo) or a bad signature."""
    for attr in dir(plugin):
        if attr.startswith("vjhost_") and callable(getattr(plugin, attr)):
            if not hasattr(pm.hook, attr) or getattr(pm.hook, attr).spec is None:
                return f"unknown hook {attr!r} (misspelled? see vjhost.hookspecs)"
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        return str(exc)
    return None


def load_host(
    *,
    entry_points: bool = True,
    plugins: Iterable[ModuleType | tuple[str, Any]] = (),
    block: Iterable[str] = (),
) -> Host:
    """Discover plugins and fill the registries.

    :param entry_points: load the ``vjhost`` entry-point group (off in some tests).
    :param plugins: extra plugin objects (modules, or ``(name, object)`` pairs) registered after discovery.
    :param block: entry-point names not to load (like pytest's ``-p no:NAME``).
    """
    pm = new_manager()
    infos: dict[str, PluginInfo] = {}
    blocked = set(block)
    candidates: list[tuple[str, Any, PluginInfo]] = []
    if entry_points:
        for ep in sorted(_entry_points(), key=lambda e: (e.value.split(":")[0] != BUILTIN, e.name)):
            if ep.name in blocked:
                continue
            dist = getattr(ep, "dist", None)
            info = PluginInfo(ep.name, ep.value, dist.name if dist else "", dist.version if dist else "")
            infos[ep.name] = info
            try:
                obj = ep.load()
            except Exception as exc:  # noqa: BLE001
                info.errors.append(f"failed to import {ep.value}: {type(exc).__name__}: {exc}")
                continue
            candidates.append((ep.name, obj, info))
    for p in plugins:
        name, obj = p if isinstance(p, tuple) else (p.__name__, p)
        info = infos[name] = PluginInfo(name, getattr(obj, "__name__", repr(obj)))
        candidates.append((name, obj, info))
    for name, obj, info in candidates:
        try:
            pm.register(obj, name=name)
        except (pluggy.PluginValidationError, ValueError) as exc:
            info.errors.append(str(exc))
            continue
        problem = _check(pm, obj)
        if problem:
            pm.unregister(obj)
            info.errors.append(problem)

    regs = {k: Registry(k) for k in KINDS if k != "shader_dirs"}
    shader_dirs: list[Path] = []
    notes: list[str] = []
    for kind, (hook, typ) in KINDS.items():
        for impl in getattr(pm.hook, hook).get_hookimpls():  # registration order: built-ins first
            info = infos[impl.plugin_name]
            builtin = info.module.split(":")[0].split(".")[0] == BUILTIN
            got: list[Any] = []

            def register(spec: Any, _got=got, _typ=typ, _hook=hook) -> None:
                if not isinstance(spec, _typ):
                    raise TypeError(f"{_hook} registered {type(spec).__name__}, expected {_typ.__name__}")
                _got.append(spec)

            try:
                impl.function(register=register)
            except Exception as exc:  # noqa: BLE001
                info.errors.append(f"{hook} failed: {type(exc).__name__}: {exc}")
                continue
            for spec in got:
                if kind == "shader_dirs":
                    shader_dirs.append(Path(spec))
                    info.registers.setdefault(kind, []).append(str(spec))
                    continue
                note = regs[kind].add(spec.name, spec, impl.plugin_name, builtin)
                if note:
                    notes.append(note)
                info.registers.setdefault(kind, []).append(spec.name)
    return Host(pm, infos, shader_dirs=shader_dirs, notes=notes, **regs)
