"""Music -> look: the music's character picks a persona (among the installed packs) and a palette.

The character is five things a VJ reads off a track: energy (0..1), brightness
(spectral centroid, 0..1), key mode (major 1 / minor 0, 0.5 when unknown),
tempo and the genre cluster the embedding's head puts it in.  Each of the ten
personas has a place in that space and the genres it suits; the nearest
*installed* one wins (a persona whose pack is not installed is never chosen).

The palette follows the key round the Camelot wheel (12 hues, so harmonically
close tracks get neighbouring colours), minor keys darker and cooler, major
ones lighter; energy sets the saturation.  ``hue_shift`` is the turn (0..1)
that brings the persona's own base hue to the palette's: the auto mode
feeds it to the ``hue`` effect where the pack's chain has one.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field
from typing import Iterable, Mapping

__all__ = ["PERSONAS", "Persona", "Character", "Look", "choose_look", "palette_for", "character_of_track"]


@dataclass(frozen=True)
class Persona:
    name: str
    energy: float
    brightness: float
    major: float
    tempo: float  #: 0 = 80 BPM .. 1 = 180 BPM
    genres: tuple[str, ...]
    base_hue: float  #: the pack's own dominant hue (0..1), for the hue shift
    note: str


#: the ten personas (only installed packs are ever chosen)
PERSONAS: tuple[Persona, ...] = (
    Persona("ikeda", 0.8, 0.8, 0.3, 0.55, ("techno", "dnb"), 0.0, "data minimalism: hard, fast, bright, monochrome"),
    Persona("kusama", 0.65, 0.55, 0.85, 0.45, ("house", "hiphop"), 0.0, "dots and nets: warm, playful, major"),
    Persona("teamlab", 0.35, 0.5, 0.7, 0.3, ("downtempo", "trance"), 0.55, "glowing flow: gentle, luminous"),
    Persona("ochiai", 0.3, 0.65, 0.6, 0.25, ("downtempo",), 0.5, "digital nature: soft light, holograms"),
    Persona("murakami", 0.75, 0.6, 0.95, 0.4, ("hiphop", "house"), 0.15, "superflat: loud colour, pop"),
    Persona("banksy", 0.55, 0.4, 0.2, 0.2, ("hiphop",), 0.0, "stencils: street grit, minor"),
    Persona("anadol", 0.55, 0.6, 0.6, 0.58, ("trance",), 0.65, "data sculpture: fluid, sweeping"),
    Persona("beeple", 0.9, 0.5, 0.2, 0.75, ("dubstep", "dnb"), 0.85, "dark neon sci-fi: heavy"),
    Persona("manabe", 0.8, 0.7, 0.4, 0.5, ("techno", "trance"), 0.5, "lasers and code: precise, fast"),
    Persona("mikami", 0.2, 0.3, 0.3, 0.2, ("downtempo",), 0.6, "perception: minimal, dark, quiet"),
)
_BY_NAME = {p.name: p for p in PERSONAS}


@dataclass(frozen=True)
class Character:
    energy: float = 0.5
    brightness: float = 0.5
    major: float = 0.5  #: 1 major, 0 minor, 0.5 unknown
    bpm: float = 120.0
    genre: str = ""
    camelot: str = ""  #: "8A"; "" when the key is unknown

    @property
    def tempo(self) -> float:
        return min(1.0, max(0.0, (self.bpm - 80.0) / 100.0))


@dataclass
class Look:
    persona: str
    palette: list[str]  #: "#rrggbb", darkest first
    hue: float  #: the palette's hue, 0..1
    hue_shift: float  #: turn from the persona's base hue to the palette's
    scores: dict[str, float] = field(default_factory=dict)  #: every installed persona's score
    reason: str = ""

    def to_dict(self) -> dict:
        return {"persona": self.persona, "palette": self.palette, "hue": round(self.hue, 3),
                "hue_shift": round(self.hue_shift, 3), "reason": self.reason,
                "scores": {k: round(v, 3) for k, v in self.scores.items()}}


def character_of_track(track) -> Character:
    """The character of an analysed crate track (:class:`vjhost.crate.db.Track`)."""
    return Character(energy=track.energy, brightness=track.brightness, major=1.0 if track.mode == "major" else 0.0,
                     bpm=track.bpm, genre=track.genre, camelot=track.camelot)


def palette_for(c: Character) -> tuple[list[str], float]:
    """Four colours, darkest first, and the palette's hue."""
    if c.camelot:
        num = int(c.camelot[:-1])
        hue = ((num - 1) / 12.0 + (0.0 if c.camelot.endswith("B") else 0.04)) % 1.0
    else:
        hue = 0.6 - 0.5 * c.brightness  # no key: bright music warm, dark music cool
    cool = 0.5 - c.major  # minor keys lean a little towards blue
    hue = (hue + 0.05 * cool) % 1.0
    sat = 0.35 + 0.6 * min(1.0, max(0.0, c.energy))
    light = 0.42 + 0.12 * (c.major - 0.5)
    cols = []
    for dl, dh, ds in ((-0.3, 0.0, 0.1), (-0.08, 0.04, 0.0), (0.12, -0.05, -0.05), (0.38, 0.5, -0.25)):
        r, g, b = colorsys.hls_to_rgb((hue + dh) % 1.0, min(0.95, max(0.04, light + dl)), min(1.0, max(0.0, sat + ds)))
        cols.append(f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}")
    return cols, hue


def choose_look(c: Character, installed: Iterable[str], weights: Mapping[str, float] | None = None) -> Look:
    """The installed persona nearest the music's character, and its palette.

    :raises LookupError: when no installed pack is one of the ten personas.
    """
    w = {"energy": 1.0, "brightness": 0.6, "major": 0.6, "tempo": 0.8, "genre": 0.35, **(weights or {})}
    names = [n for n in installed if n in _BY_NAME]
    if not names:
        raise LookupError("none of the installed packs is a persona the look mapping knows "
                          f"({', '.join(p.name for p in PERSONAS)})")
    scores = {}
    for n in names:
        p = _BY_NAME[n]
        d2 = (w["energy"] * (c.energy - p.energy) ** 2 + w["brightness"] * (c.brightness - p.brightness) ** 2
              + w["major"] * (c.major - p.major) ** 2 + w["tempo"] * (c.tempo - p.tempo) ** 2)
        scores[n] = -d2 + (w["genre"] if c.genre and c.genre in p.genres else 0.0)
    best = max(names, key=lambda n: (scores[n], -names.index(n)))
    palette, hue = palette_for(c)
    p = _BY_NAME[best]
    why = [f"energy {c.energy:.2f}", f"{'major' if c.major > 0.5 else 'minor' if c.major < 0.5 else 'key ?'}",
           f"{c.bpm:.0f} BPM"]
    if c.genre:
        why.append(c.genre + (" (its genre)" if c.genre in p.genres else ""))
    return Look(persona=best, palette=palette, hue=hue, hue_shift=(hue - p.base_hue) % 1.0, scores=scores,
                reason=f"{best}: {p.note} <- " + ", ".join(why))
