"""The kusama persona pack, headless on Mesa: what a player sees.

Polka dots on flat, vivid grounds that swell with the bass and flip like a negative
on accented beats; an infinity mirror room that leaves the picture alone at amount 0;
a controller layout whose top row picks the eight scenes (the dataset: persona_packs/kusama/tests).
``vjhost pack validate`` for every shipped pack is in test_cli.py.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

import mido
import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param

ROOT = Path(__file__).resolve().parents[1]
PACK = Path(str(files("vjhost_kusama")))
WEIGHTS = PACK / "weights" / "decoder.safetensors"
SIZE = (96, 54)
RED, WHITE = np.array([220, 13, 20]), np.array([250, 247, 240])

# an asymmetric, colourful picture for the mirror room: colour ramps and a bright blob up left
ASYMMETRIC = """
void main() {
    vec2 p = v_uv;
    vec3 c = vec3(fract(p.x * 2.3 + p.y * 0.7), p.y, 0.5 + 0.5 * sin(9.0 * p.x * p.y + 1.0));
    c = mix(c, vec3(1.0), smoothstep(0.12, 0.08, length(p - vec2(0.3, 0.7))));
    o_color = vec4(c, 1.0);
}
"""


def polka(size: int = 128, pitch: int = 16, radius: float = 4.0) -> np.ndarray:
    """A decoded-looking frame: white dots on a hexagonal lattice on red, (H, W, 3) uint8."""
    y, x = np.mgrid[0:size, 0:size] + 0.5
    row = np.floor(y / pitch)
    gx = x / pitch + np.where(row % 2 == 1, 0.5, 0.0)
    d = np.hypot((gx - np.floor(gx) - 0.5) * pitch, (y / pitch - row - 0.5) * pitch)
    m = np.clip(radius - d + 0.5, 0.0, 1.0)[..., None]
    return (RED * (1 - m) + WHITE * m).round().astype(np.uint8)


@pytest.fixture
def show(gl, tmp_path):
    """show(source="kusama.glsl", mirror=False, motif=False) -> renderer with the pack's shader path, over a
    polka frame."""
    from vjhost.render.chain import Renderer
    from vjhost.render.shaders import ShaderFinder

    (tmp_path / "asym.glsl").write_text(ASYMMETRIC)
    made = []

    def make(source: str = "kusama.glsl", mirror: bool = False, size=SIZE, image: np.ndarray | None = None,
             motif: bool = False):
        faults = FaultLog(stream=None)
        r = Renderer(size, ShaderFinder([PACK / "shaders", tmp_path, ROOT / "shaders"]), faults)
        r.set_source(source)
        if motif:  # the pack's `motif` layer (off by default: amount 0)
            r.add_effect("motif", "kusama_motif.glsl", (Param("amount", 0.0),))
        if mirror:
            r.add_effect("kusama_mirror", "kusama_mirror.glsl", (Param("amount", 0.0),))
        upload(r, polka() if image is None else image)
        assert not faults.faults, faults.faults
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def upload(r, image: np.ndarray) -> None:
    # twice: the renderer's first upload allocates both decode textures, the second is the frame as shown
    r.upload_image(image)
    r.upload_image(image)


def frame(r, params=None, **feats) -> np.ndarray:
    from vjhost.protocols import Features

    f = Features()
    for k, v in feats.items():
        setattr(f, k, v)
    r.render(f, params or {})
    return r.read_rgba()[::-1, :, :3].astype(np.int16).copy()  # top row first


def dot_share(px: np.ndarray) -> float:
    """Share of the screen covered by dots: pixels nearer the white dot colour than the red ground."""
    to_white = np.abs(px - WHITE).sum(-1)
    to_red = np.abs(px - RED).sum(-1)
    return float((to_white < to_red).mean())


def saturation(px: np.ndarray) -> np.ndarray:
    return px.max(-1) - px.min(-1)


# --------------------------------------------------------------------------- the source pass


PALETTE = (np.array([[0.86, 0.05, 0.08], [0.98, 0.82, 0.02], [0.98, 0.97, 0.94], [0.03, 0.03, 0.03],
                     [0.10, 0.22, 0.80], [0.95, 0.30, 0.62], [0.05, 0.55, 0.25], [0.98, 0.45, 0.05],
                     [0.30, 0.60, 1.00]]) * 255).round()


def on_palette(px: np.ndarray) -> np.ndarray:
    """Which pixels are exactly (within rounding) one of the pack's flat colours."""
    return (np.abs(px[..., None, :] - PALETTE).max(-1) <= 1).any(-1)


def test_dots_swell_with_the_bass(show):
    """The decoder's own dots grow into the ground with the bass (the source pass draws no dots of its own)."""
    r = show(size=(320, 180))
    rest = dot_share(frame(r, bass=0.0))
    half = dot_share(frame(r, bass=0.5))
    full_px = frame(r, bass=1.0)
    full = dot_share(full_px)
    kick = dot_share(frame(r, bass=0.5, kick_env=1.0))
    # at rest: the decoded dots as they are (radius 4 on a 16-pixel lattice: about a fifth of the screen)
    assert 0.12 < rest < 0.3
    assert rest < half < full and full > 1.5 * rest
    assert kick > half  # the kick pushes them further
    # they swell in their own colour and stay flat: white dots, red ground, crisp edges
    assert on_palette(full_px).mean() > 0.85
    white = np.abs(full_px - PALETTE[2]).max(-1) <= 1
    assert white.mean() > 1.4 * rest


def test_ground_is_one_flat_vivid_colour(show):
    px = frame(show(size=(320, 180)), bass=0.0)
    colours, counts = np.unique(px.reshape(-1, 3), axis=0, return_counts=True)
    ground = colours[np.argmax(counts)]
    assert counts.max() > 0.4 * px.shape[0] * px.shape[1]  # one colour holds the ground ...
    assert np.abs(ground - PALETTE[0]).max() <= 1  # ... the pack's red, as saturated as the decode's
    assert on_palette(px).mean() > 0.7  # dots and ground flat; only anti-aliased edges in between


def test_dull_decodes_come_out_vivid(show):
    grey = polka().astype(np.float32)
    l = grey.mean(-1, keepdims=True)
    dull = (l + 0.45 * (grey - l)).round().astype(np.uint8)  # a muddy, half-saturated decode
    px = frame(show(image=dull, size=(320, 180)), bass=0.0)
    vivid = np.percentile(saturation(px.reshape(-1, 3)), 50)
    assert vivid > np.percentile(saturation(dull.reshape(-1, 3).astype(np.int16)), 50) + 60
    assert on_palette(px).mean() > 0.7


def test_a_flat_frame_stays_flat_unless_the_motif_is_raised(show):
    """The shader finishes the decode but does not replace it: no dots of its own until `motif` is up."""
    r = show(image=np.full((128, 128, 3), (30, 60, 190), np.uint8), size=(320, 180), motif=True)
    for bass in (0.0, 1.0):
        px = frame(r, {"fx.motif.amount": 0.0}, bass=bass)
        assert (np.abs(px - PALETTE[4]).max(-1) <= 1).mean() > 0.99  # one flat blue, swell or not
    assert not r._active(r.effects[0], {"fx.motif.amount": 0.0}, {})  # off: no pass at all
    px = frame(r, {"fx.motif.amount": 1.0}, bass=0.0)
    blue = np.abs(px - PALETTE[4]).max(-1) <= 1
    white = np.abs(px - PALETTE[2]).max(-1) <= 1
    assert blue.mean() > 0.5 and white.mean() > 0.15  # the motif layer: white polka dots on the flat blue ground


def test_the_motif_lattice_swells_with_the_bass(show):
    r = show(image=np.full((128, 128, 3), (30, 60, 190), np.uint8), size=(320, 180), motif=True)
    white = [(np.abs(frame(r, {"fx.motif.amount": 1.0}, bass=b) - PALETTE[2]).max(-1) <= 1).mean() for b in (0.0, 1.0)]
    assert white[1] > 1.3 * white[0]


def test_colours_flip_like_a_negative_on_accented_beats(show):
    r = show()
    plain = frame(r, bass=0.3)
    downbeat = frame(r, bass=0.3, beat_env=1.0, bar_phase=0.0)
    assert np.abs(downbeat - (255 - plain)).max() <= 2  # the exact negative: red/white -> cyan/black
    faded = frame(r, bass=0.3, beat_env=0.4, bar_phase=0.0)  # a moment later it is back
    assert np.abs(faded - plain).max() <= 2
    calm = frame(r, bass=0.3, beat_env=1.0, bar_phase=0.0, section="breakdown")
    assert np.abs(calm - plain).max() <= 2  # the breakdown stays calm


# --------------------------------------------------------------------------- the mirror room


def mirror_params(amount: float) -> dict[str, float]:
    return {"fx.kusama_mirror.amount": amount}


def test_mirror_at_zero_is_the_input_exactly(show):
    r = show("asym.glsl", mirror=True)
    fx = r.effects[0]
    assert not fx.broken
    bare = frame(r, mirror_params(0.0), beat_phase=0.3, beat_count=5)
    assert not r._active(fx, mirror_params(0.0), {})  # amount 0: no pass at all
    r.effects.remove(fx)
    assert np.array_equal(frame(r, {}, beat_phase=0.3, beat_count=5), bare)
    r.effects.append(fx)
    # and the shader itself is the identity as amount goes to 0
    nearly = frame(r, mirror_params(1e-6), beat_phase=0.3, beat_count=5)
    assert np.abs(nearly - bare).max() <= 2


def test_mirror_at_one_is_a_symmetric_room_of_copies(show):
    w, h = 128, 72
    r = show("asym.glsl", mirror=True, size=(w, h))
    bare = frame(r, {}, beat_phase=0.3, beat_count=5)
    room = frame(r, mirror_params(1.0), beat_phase=0.3, beat_count=5)
    assert np.abs(room - bare).mean() > 20
    # the walls (everything outside the small far wall) are mirror images left to right,
    # although the picture itself is not symmetric at all
    y, x = np.mgrid[0:h, 0:w]
    n = np.maximum(np.abs((x + 0.5) / w * 2 - 1), np.abs((y + 0.5) / h * 2 - 1))
    walls = n > 0.3
    flipped = room[:, ::-1]
    assert np.abs(bare - bare[:, ::-1])[walls].mean() > 25
    assert np.abs(room - flipped)[walls].mean() < 1.5
    # the far wall is the whole picture shrunk, and darker than the front of the room
    far = n < 0.2
    assert room[far].mean() < 0.85 * room[n > 0.9].mean()
    # the picture's bright blob (at uv 0.3, 0.7) sits in the far wall at 0.5 + 0.25 * (-0.2, 0.2)
    box = np.where(far[..., None], room, 0).sum(-1)
    by, bx = np.unravel_index(np.argmax(box), box.shape)
    assert abs((bx + 0.5) / w - 0.45) < 0.04 and abs(1 - (by + 0.5) / h - 0.55) < 0.06


def test_mirror_room_scrolls_with_the_beat(show):
    r = show("asym.glsl", mirror=True)
    a = frame(r, mirror_params(1.0), beat_phase=0.0, beat_count=8)
    b = frame(r, mirror_params(1.0), beat_phase=0.5, beat_count=8)
    c = frame(r, mirror_params(1.0), beat_phase=0.0, beat_count=8)
    assert np.abs(a - b).mean() > 5 and np.array_equal(a, c)


# --------------------------------------------------------------------------- the layout


def kusama_layout():
    from vjhost.control.layout import load_layout

    return load_layout(PACK / "layouts" / "apc_mini_mk2.toml")


def test_layout_validates_and_maps_the_show():
    from vjhost.control.layout import Binding

    layout = kusama_layout()
    by_note = {p.note: p for p in layout.pads}
    assert [by_note[56 + i].binding for i in range(8)] == [Binding("scene", i) for i in range(8)]
    toggles = {p.binding.value for p in layout.pads if p.binding.action == "toggle"}
    assert toggles == {"fx.feedback", "fx.blur", "fx.hue", "fx.kusama_mirror"}
    assert {p.binding.action for p in layout.pads} >= {"blackout", "freeze", "tap"}
    assert layout.grid.packs_row == 0
    assert {f.fader: f.param for f in layout.faders}[7] == "fx.kusama_mirror.amount"
    assert layout.faders[-1].param == "master.brightness"
    # saturated, all different scene colours (no white or grey on the scene row)
    scene_colours = [by_note[56 + i].look.color.text for i in range(8)]
    assert len(set(scene_colours)) == 8 and not set(scene_colours) & {"white", "grey", "dark_grey"}
    assert scene_colours[:3] == ["red", "yellow", "pink"]


def test_scene_pads_send_their_scene_and_shift_sets_the_room_depth():
    from vjhost_kusama.dataset import MOTIFS

    from vjhost.control.state import Action, ControlState
    from vjhost_builtins.apcmini import ApcMiniMk2

    state = ControlState([Param("fx.kusama_mirror.amount", 0.0), Param("fx.feedback.amount", 0.0),
                          Param("master.brightness", 1.0)])
    state.scenes, state.packs, state.pack, state.scene = list(MOTIFS), ["kusama", "ikeda"], "kusama", 0
    apc = ApcMiniMk2(kusama_layout(), state)
    apc.on_connect()
    for i in range(8):
        apc.handle(mido.Message("note_on", note=56 + i, velocity=127))
        apc.handle(mido.Message("note_off", note=56 + i))
    assert state.drain_actions() == [Action("scene", i, "apc") for i in range(8)]
    apc.handle(mido.Message("note_on", note=11, velocity=127))  # mirror toggle
    assert state.drain_actions() == [Action("toggle", "fx.kusama_mirror", "apc")]
    apc.handle(mido.Message("note_on", note=16, velocity=127))  # hold: into the room
    assert state.get("fx.kusama_mirror.amount") == 1.0
    apc.handle(mido.Message("note_off", note=16))
    assert state.get("fx.kusama_mirror.amount") == 0.0
    apc.handle(mido.Message("note_on", note=122, velocity=127))  # SHIFT + scene button 3: half-deep room
    apc.handle(mido.Message("note_on", note=114, velocity=127))
    apc.handle(mido.Message("note_off", note=122))
    assert state.get("fx.kusama_mirror.amount") == 0.5


# --------------------------------------------------------------------------- the dataset


# the training data's own tests (determinism, balance, colours, parameter budget, dot counts) are in
# persona_packs/kusama/tests/test_kusama_dataset.py


def test_manifest_names_the_scenes_shaders_and_layout():
    from vjhost_kusama.dataset import MOTIFS

    from vjhost.tomlcompat import tomllib

    m = tomllib.loads((PACK / "pack.toml").read_text())
    assert tuple(m["scenes"]) == MOTIFS  # scene i steers to the anchor of motif family i
    effects = {e["name"]: e for e in m["effects"]}
    assert set(effects) == {"motif", "kusama_mirror"} and m["chain"][-1] == "kusama_mirror"
    # the shader's own dot lattice is a layer drawn right after the source pass, off by default
    assert m["chain"][0] == "motif" and m["defaults"]["fx.motif.amount"] == 0.0
    assert (PACK / "shaders" / m["shaders"]["source"]).is_file()
    for e in effects.values():
        assert (PACK / "shaders" / e["shader"]).is_file()
        assert {p["name"]: p["default"] for p in e["params"]}["amount"] == 0.0
    assert (PACK / m["layouts"]["apc_mini_mk2"]).is_file()
    assert m["defaults"]["fx.kusama_mirror.amount"] == 0.0
    for shader in (PACK / "shaders").glob("*.glsl"):
        head = shader.read_text().splitlines()[0]
        assert head.startswith("// ") and len(head) > 20, f"{shader.name} needs a header comment"


def test_pack_is_installed_and_registered(host):
    spec = host.pack("kusama")
    assert spec.root == PACK


# --------------------------------------------------------------------------- with the trained decoder


def test_decoded_scenes_come_out_vivid_and_swell(host, show):
    from vjhost_kusama.dataset import MOTIFS

    dec = host.decoders.get("torch").factory(WEIGHTS, "cpu")
    assert (dec.latent_dim, dec.channels, len(dec.anchors)) == (64, 3, len(MOTIFS))
    images = dec.decode(np.asarray(dec.anchors, np.float32))
    r = show(size=(320, 180))
    swelled = 0
    for name, img in zip(MOTIFS, images):
        upload(r, img)
        rest = frame(r, bass=0.0)
        loud = frame(r, bass=1.0, kick_env=1.0)
        assert rest.std() > 20, f"{name}: the source pass drew a blank"
        # vivid and flat: (nearly) every pixel one of the pack's colours, at least as saturated as the
        # decode (or as saturated as the palette goes: its pink, the least vivid hue, is 166)
        assert on_palette(rest).mean() > 0.7, name
        top = np.percentile(saturation(rest.reshape(-1, 3)), 90)
        assert top >= min(160, np.percentile(saturation(img.reshape(-1, 3).astype(np.int16)), 90)), name
        # the dots grow: at least a quarter more of the screen off the ground colour when the bass is loud
        # (sparse scenes like the mirror room have small dots, so the gain is relative); strokes only a
        # decoded pixel or two wide have hardly an inside to swell from, so a scene of them may grow less
        colours, counts = np.unique(rest.reshape(-1, 3), axis=0, return_counts=True)
        ground = colours[np.argmax(counts)]
        dots_rest, dots_loud = ((np.abs(px - ground).max(-1) > 1).mean() for px in (rest, loud))
        assert dots_loud > dots_rest, f"{name}: the dots did not grow with the bass"
        swelled += int(dots_loud > 1.25 * dots_rest)
    assert swelled >= len(MOTIFS) - 3
