"""A persona's prompt library (``persona_packs/<name>/prompts.toml``): text-to-video prompts for training footage.

    lib = load_prompts("persona_packs/ochiai/prompts.toml")
    for p in lib.prompts:
        p.id, p.scene, p.full_text, p.model, p.seconds, p.size

Format (``schema_version = 1``)::

    schema_version = 1
    persona = "ochiai"                 # the pack the clips are for (the folder's name)
    description = "..."                # optional: what the prompts aim at

    [safety]                           # required: how every prompt stays safe to send and to train on
    suffix = "No text, ..."            # appended to every prompt as sent (no text, logos, real people ...)
    avoid = ["some name", ...]         # words no prompt may contain (checked here), besides the built-in list
    notes = ["...", ...]               # the rules the prompts were written to, for the people editing them

    [defaults]                         # per-prompt values unless a prompt sets its own
    model = "sora-2"                   # the provider's model
    seconds = 4                        # 4, 8 or 12 (what the video API accepts)
    size = "1280x720"                  # 1280x720, 720x1280, 1792x1024 or 1024x1792

    [[prompts]]
    id = "clouds-01"                   # unique: the clip's file name (a-z, 0-9, - and _)
    scene = "clouds"                   # the footage subfolder, i.e. the scene / motif the clip trains
    text = "Slow time-lapse of ..."    # what to generate (the visual language, never an artist or a person)
    seconds = 8                        # optional, overrides [defaults]
    size = "1280x720"                  # optional

Every problem is reported at once in a :class:`PromptsError` as
``file:line: key: message`` lines (like controller layouts and cue lists).
The content-safety check is a floor, not a filter: a prompt naming one of the
artists the personas are homages to, asking for a style "of" someone, or
containing a word of ``[safety] avoid`` is an error; the provider's own
policy still applies to what is sent.  Training side only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from ..control.layout import TomlChecker, TomlFileError, parse_toml, read_toml_text

__all__ = ["SCHEMA_VERSION", "SECONDS", "SIZES", "FORBIDDEN", "Prompt", "PromptLibrary", "PromptsError",
           "load_prompts", "parse_prompts", "find_prompts"]

SCHEMA_VERSION = 1
#: clip lengths and sizes the video API accepts (openai ``VideoSeconds`` / ``VideoSize``)
SECONDS = (4, 8, 12)
SIZES = ("1280x720", "720x1280", "1792x1024", "1024x1792")
MAX_TEXT = 2000
#: never in a prompt: the artists the ten personas are homages to (and their studios), and asking for someone's style
FORBIDDEN = (
    "ochiai", "yoichi", "murakami", "takashi", "banksy", "teamlab", "team lab", "anadol", "refik", "beeple",
    "winkelmann", "ikeda", "ryoji", "manabe", "daito", "rhizomatiks", "mikami", "seiko", "kusama", "yayoi",
    "in the style of", "style of", "signature", "signed by", "watermark of", "trademark",
)
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_TOP = ("schema_version", "persona", "description", "safety", "defaults", "prompts")


class PromptsError(TomlFileError):
    """A prompt library that cannot be used.  ``str()`` lists every problem, one ``file:line: key: message`` a line."""


@dataclass(frozen=True)
class Prompt:
    id: str
    scene: str
    text: str
    model: str
    seconds: int
    size: str
    suffix: str = ""
    line: int | None = None

    @property
    def full_text(self) -> str:
        """What is sent: the prompt, then the library's safety suffix."""
        return f"{self.text.strip()} {self.suffix.strip()}".strip()


@dataclass(frozen=True)
class PromptLibrary:
    path: Path
    persona: str
    description: str
    prompts: tuple[Prompt, ...]
    suffix: str
    avoid: tuple[str, ...]
    notes: tuple[str, ...]

    def scenes(self) -> tuple[str, ...]:
        out: list[str] = []
        for p in self.prompts:
            if p.scene not in out:
                out.append(p.scene)
        return tuple(out)

    def get(self, prompt_id: str) -> Prompt:
        for p in self.prompts:
            if p.id == prompt_id:
                return p
        raise KeyError(prompt_id)


def _words(term: str) -> re.Pattern:
    return re.compile(r"(?<![a-z0-9])" + r"\s+".join(map(re.escape, term.lower().split())) + r"(?![a-z0-9])")


class _Checker(TomlChecker):
    top_keys = _TOP

    def library(self, data: Mapping[str, Any], path: Path, persona_hint: str | None) -> PromptLibrary:
        self.keys(data, _TOP, ())
        ver = self.typed(data, "schema_version", int, (), required=True,
                         what=f"write schema_version = {SCHEMA_VERSION}")
        if ver is not None and ver != SCHEMA_VERSION:
            self.error(("schema_version",), f"unsupported schema_version {ver} (this vjhost reads {SCHEMA_VERSION})")
        persona = self.typed(data, "persona", str, (), "", required=True, what="the pack's name")
        if persona and persona_hint and persona != persona_hint:
            self.error(("persona",), f"is {persona!r} but the file lies in the {persona_hint!r} pack's folder")
        description = self.typed(data, "description", str, (), "")

        safety = self.typed(data, "safety", dict, (), {}, required=True,
                            what="a [safety] table with suffix = \"No text, logos, ...\"")
        self.keys(safety, ("suffix", "avoid", "notes"), ("safety",))
        suffix = self.typed(safety, "suffix", str, ("safety",), "", required=bool(safety) or "safety" in data,
                            what="appended to every prompt: no text, logos, signatures or real people")
        avoid = tuple(self.strings(safety, "avoid", ("safety",)))
        notes = tuple(self.strings(safety, "notes", ("safety",)))

        defaults = self.typed(data, "defaults", dict, (), {})
        self.keys(defaults, ("model", "seconds", "size"), ("defaults",))
        d_model = self.typed(defaults, "model", str, ("defaults",), "sora-2")
        d_seconds = self.seconds(defaults, ("defaults",), 4)
        d_size = self.size(defaults, ("defaults",), "1280x720")

        rows = self.typed(data, "prompts", list, (), [], required=True, what="[[prompts]] tables")
        if "prompts" in data and isinstance(data["prompts"], list) and not rows:
            self.error(("prompts",), "no prompts")
        checks = [(t, _words(t)) for t in (*FORBIDDEN, *avoid)]
        prompts: list[Prompt] = []
        seen: dict[str, int] = {}
        for i, row in enumerate(rows):
            p = ("prompts", i)
            if not isinstance(row, dict):
                self.error(p, "expected a table ([[prompts]] with id, scene, text)")
                continue
            self.keys(row, ("id", "scene", "text", "seconds", "size", "model"), p)
            pid = self.typed(row, "id", str, p, None, required=True, what="a unique name: a-z, 0-9, - and _")
            if pid is not None:
                if not _ID.match(pid):
                    self.error(p + ("id",), f"{pid!r}: use a-z, 0-9, - and _ (it names the clip's file), at most 64")
                elif pid in seen:
                    self.error(p + ("id",), f"{pid!r} is used twice (also prompts[{seen[pid]}])")
                else:
                    seen[pid] = i
            scene = self.typed(row, "scene", str, p, None, required=True, what="the scene / footage subfolder")
            if scene is not None and not _ID.match(scene):
                self.error(p + ("scene",), f"{scene!r}: use a-z, 0-9, - and _ (it names a footage subfolder)")
            text = self.typed(row, "text", str, p, None, required=True, what="the prompt")
            if text is not None:
                if not text.strip():
                    self.error(p + ("text",), "empty prompt")
                elif len(text) > MAX_TEXT:
                    self.error(p + ("text",), f"{len(text)} characters, at most {MAX_TEXT}")
                low = text.lower()
                for term, pat in checks:
                    if pat.search(low):
                        self.error(p + ("text",), f"contains {term!r}: prompts describe the visual language, "
                                                  "never an artist, a person, a work or a brand ([safety])")
            model = self.typed(row, "model", str, p, d_model)
            seconds = self.seconds(row, p, d_seconds)
            size = self.size(row, p, d_size)
            if None not in (pid, scene, text):
                prompts.append(Prompt(pid, scene, text, model, seconds, size, suffix or "", self.line_of(p)))
        if suffix:
            low = suffix.lower()
            for term, pat in checks:
                if term not in ("signature", "trademark") and pat.search(low):
                    self.error(("safety", "suffix"), f"contains {term!r}")
        return PromptLibrary(path, persona or "", description or "", tuple(prompts), suffix or "", avoid, notes)

    def strings(self, table: Mapping[str, Any], key: str, path: tuple) -> list[str]:
        vals = self.typed(table, key, list, path, [])
        out = []
        for j, v in enumerate(vals):
            if not isinstance(v, str) or not v.strip():
                self.error(path + (key, j), f"expected a non-empty string, got {v!r}")
            else:
                out.append(v.strip())
        return out

    def seconds(self, table: Mapping[str, Any], path: tuple, default: int) -> int:
        v = self.typed(table, "seconds", int, path, default)
        if v not in SECONDS:
            self.error(path + ("seconds",), f"{v} seconds: the video API makes clips of {', '.join(map(str, SECONDS))}")
            return default
        return v

    def size(self, table: Mapping[str, Any], path: tuple, default: str) -> str:
        v = self.typed(table, "size", str, path, default)
        if v not in SIZES:
            self.error(path + ("size",), f"{v!r}: the video API makes {', '.join(SIZES)}")
            return default
        return v


def parse_prompts(text: str, source: str = "<prompts>", *, path: Path | None = None,
                  persona: str | None = None) -> PromptLibrary:
    """Parse and check prompt-library TOML ``text``; ``persona``, if given, is the name it must declare."""
    data = parse_toml(text, source, PromptsError)
    c = _Checker(source, text)
    lib = c.library(data, Path(path or source), persona)
    if c.issues:
        raise PromptsError(source, c.issues)
    return lib


def load_prompts(path: str | Path, persona: str | None = None) -> PromptLibrary:
    """Read and check a ``prompts.toml``.  ``persona`` defaults to the name of the folder it lies in."""
    path = Path(path)
    text = read_toml_text(path, str(path), PromptsError)
    return parse_prompts(text, str(path), path=path, persona=persona or path.resolve().parent.name)


def find_prompts(pack: str) -> Path:
    """The ``prompts.toml`` of ``pack``: a path (the file or its folder), an installed pack (the folder
    above its package, i.e. ``persona_packs/NAME``), or ``persona_packs/NAME`` of this checkout."""
    p = Path(pack).expanduser()
    if p.suffix == ".toml" and p.is_file():
        return p
    if (p / "prompts.toml").is_file():
        return p / "prompts.toml"
    tried = [p / "prompts.toml"]
    if re.fullmatch(r"[a-z][a-z0-9_]*", pack):
        try:
            from ..plugins import load_host

            spec = load_host().packs.get(pack)
        except Exception:  # noqa: BLE001 - a broken plugin elsewhere must not hide a prompts file
            spec = None
        if spec is not None:
            for cand in (spec.root / "prompts.toml", spec.root.parent / "prompts.toml"):
                if cand.is_file():
                    return cand
                tried.append(cand)
        repo = Path(__file__).resolve().parents[2] / "persona_packs" / pack / "prompts.toml"
        if repo.is_file():
            return repo
        tried.append(repo)
    raise FileNotFoundError(f"no prompts.toml for {pack!r} (looked at {', '.join(str(t) for t in tried)})")
