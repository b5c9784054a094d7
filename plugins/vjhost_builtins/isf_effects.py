"""Register a folder of ISF files as effects, reading only their JSON headers (no GL, cheap).

From a ``vjhost_register_effects`` hook::

    from vjhost_builtins.isf_effects import isf_effect_specs

    @hookimpl
    def vjhost_register_effects(register):
        for spec in isf_effect_specs(Path(str(files("my_pack"))) / "isf"):
            register(spec)

Each spec's ``shader`` is the absolute path of the ``.fs`` file, which the
effect chain recognises (by the ``.fs`` suffix) and draws with the ISF runner;
its ``params`` are the file's inputs (``point2D``/``color`` split into
components), so ``fx.<name>.<input>`` reaches them from MIDI, OSC and the web.
A file whose header does not parse is skipped (``errors`` collects why).

:func:`user_isf_dir` names the per-user folder (``$VJHOST_ISF_DIR``, else
``$XDG_CONFIG_HOME/vjhost/isf``, else ``~/.config/vjhost/isf``).
"""

from __future__ import annotations

import os
from pathlib import Path

from vjhost.protocols import EffectSpec


def isf_effect_specs(directory: str | Path, kinds: tuple[str, ...] = ("filter",), prefix: str = "",
                     errors: list[str] | None = None) -> list[EffectSpec]:
    """EffectSpecs for the ISF files directly in ``directory`` and below, sorted by name.

    :param directory: folder to scan (missing folder: no specs).
    :param kinds: which kinds to return: "filter" (chain effects, the default), "generator", "transition".
    :param prefix: prepended to each effect name (the file's stem), e.g. ``"isf-"``.
    :param errors: if given, a ``file:line: message`` is appended for each file skipped.
    """
    from vjhost.render.isf import ISFError, isf_params, parse_isf

    root = Path(directory)
    if not root.is_dir():
        return []
    specs: list[EffectSpec] = []
    seen: set[str] = set()
    for path in sorted(p for p in root.rglob("*") if p.suffix.lower() == ".fs" and p.is_file()):
        try:
            doc = parse_isf(path)
        except ISFError as exc:
            if errors is not None:
                errors.append(str(exc))
            continue
        name = prefix + path.stem
        if doc.kind not in kinds or name in seen:
            continue
        seen.add(name)
        desc = doc.description or f"ISF {doc.kind} {path.name}"
        specs.append(EffectSpec(name, shader=str(path.resolve()), params=isf_params(doc), description=desc))
    return specs


def user_isf_dir() -> Path:
    """The user's own ISF folder (it need not exist)."""
    if os.environ.get("VJHOST_ISF_DIR"):
        return Path(os.environ["VJHOST_ISF_DIR"]).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "vjhost" / "isf"
