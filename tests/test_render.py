"""End to end, headless: the synthesized demo through the real ikeda pack into an mp4.

What a user would notice: the picture changes when the music hits a beat and
holds together between beats, the mp4 has every frame and the sound, renders
are repeatable, and a broken plugin does not black out the show.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from vjhost.faults import FaultLog
from vjhost.protocols import Param

FPS = 30
SIZE = (256, 144)


@pytest.fixture(scope="module")
def demo_render(host, demo_track, tmp_path_factory):
    from vjhost.output.offline import render_offline

    frames: list[np.ndarray] = []
    out = tmp_path_factory.mktemp("render") / "demo.mp4"
    res = render_offline(host, "ikeda", demo_track.audio, demo_track.sr, out, size=SIZE, fps=FPS,
                         start=4.0, duration=4.0, faults=FaultLog(stream=None),
                         on_frame=lambda i, rgba: frames.append(rgba[..., :3].copy()))
    return res, np.stack(frames)


def frame_changes(frames: np.ndarray) -> np.ndarray:
    """Mean absolute pixel change from the previous frame (index i = change into frame i)."""
    f = frames.astype(np.int16)
    return np.concatenate([[0.0], np.abs(np.diff(f, axis=0)).mean(axis=(1, 2, 3))])


def test_frames_change_on_beats_and_hold_between_them(demo_render, demo_track):
    res, frames = demo_render
    change = frame_changes(frames)
    t = 4.0 + np.arange(len(frames)) / FPS
    period = 60.0 / demo_track.bpm
    beats = demo_track.beats[(demo_track.beats > 4.0) & (demo_track.beats < 8.0)]
    since = np.array([min((ti - b) for b in beats if b <= ti + 1e-9) if (beats <= ti).any() else np.inf for ti in t])
    on_beat = (since >= 0) & (since < 0.1)               # the frames right after a beat
    between = (since > 0.3 * period) & (since < 0.7 * period)  # the middle of a beat
    assert on_beat.sum() >= 5 and between.sum() >= 10
    hit, calm = np.median(change[on_beat]), np.median(change[between])
    assert hit > 3 * calm, (hit, calm)
    assert calm < 12  # coherent: no frame-to-frame noise between beats
    # and the picture is a real picture: black and white stripes, not a flat field
    assert frames.mean() > 10 and frames.std() > 40


def test_mp4_has_every_frame_and_the_audio(demo_render):
    import av

    res, frames = demo_render
    assert res.frames == len(frames) == 4 * FPS
    with av.open(str(res.path)) as c:
        v = c.streams.video[0]
        a = c.streams.audio
        assert (v.codec_context.name, v.width, v.height) == ("h264", *SIZE)
        assert a and a[0].codec_context.name == "aac" and a[0].rate == 48000
        decoded = sum(1 for _ in c.decode(video=0))
    assert decoded == len(frames)


def test_render_is_deterministic(host, demo_track, demo_render):
    from vjhost.output.offline import render_offline

    _, first = demo_render
    again: list[np.ndarray] = []
    render_offline(host, "ikeda", demo_track.audio, demo_track.sr, None, size=SIZE, fps=FPS, start=4.0, duration=1.0,
                   faults=FaultLog(stream=None), on_frame=lambda i, rgba: again.append(rgba[..., :3].copy()))
    assert np.array_equal(np.stack(again), first[: len(again)])


def test_a_failing_effect_plugin_does_not_black_out_the_show(host, demo_track, tmp_path):
    from vjhost.output.offline import render_offline

    (tmp_path / "explodes.glsl").write_text("uniform float u_amount;\n"
                                            "void main() { o_color = texture(u_input, v_uv); }\n")
    (tmp_path / "nocompile.glsl").write_text("void main() { o_color = vec4(oops); }\n")

    def crash(features, params):
        raise RuntimeError("plugin bug")

    def setup(show):
        show.finder.add(tmp_path)
        show.renderer.add_effect("explodes", "explodes.glsl", (Param("amount", 1.0),), uniforms=crash)
        show.renderer.add_effect("nocompile", "nocompile.glsl", (Param("amount", 1.0),))

    faults = FaultLog(stream=None)
    frames: list[np.ndarray] = []
    render_offline(host, "ikeda", demo_track.audio, demo_track.sr, None, size=SIZE, fps=FPS, start=4.0, duration=1.0,
                   faults=faults, setup=setup, on_frame=lambda i, rgba: frames.append(rgba[..., :3].copy()))
    assert faults.faults["effect explodes"].bypassed and "plugin bug" in faults.faults["effect explodes"].message
    assert "shader nocompile" in faults.faults and "oops" in faults.faults["shader nocompile"].message
    lum = np.stack(frames).mean(axis=(1, 2, 3))
    assert (lum > 5).all()  # never a black frame


def test_render_refuses_to_overwrite_and_reads_compressed_audio(host, demo_track, tmp_path, capsys):
    from vjhost.audio.demo import write_wav
    from vjhost.cli import main

    wav = tmp_path / "track.wav"
    write_wav(wav, demo_track.audio[: 48000 * 3], demo_track.sr)
    out = tmp_path / "mine.mp4"
    out.write_bytes(b"the user's own video")
    with pytest.raises(SystemExit) as err:
        main(["render", "--audio", str(wav), "--out", str(out), "--size", "128x72", "--fps", "10", "--quiet"])
    assert err.value.code == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert out.read_bytes() == b"the user's own video"
    assert main(["render", "--audio", str(wav), "--out", str(tmp_path / "new.mp4"), "--size", "128x72",
                 "--fps", "10", "--duration", "1", "--quiet"]) == 0
    assert "wrote" in capsys.readouterr().out


def test_headless_gl_takes_a_gpu_when_there_is_one(gl, monkeypatch):
    """A GPU's EGL device comes before Mesa's software rasterizer; without one, llvmpipe, said so."""
    from OpenGL import EGL

    from vjhost.render.context import HeadlessContext

    labels = [label for label, _ in HeadlessContext._displays(EGL)]
    assert labels == ["egl-device", "egl-surfaceless", "egl-default"]
    monkeypatch.setenv("VJHOST_EGL", "surfaceless")
    assert [label for label, _ in HeadlessContext._displays(EGL)] == ["egl-surfaceless"]
    monkeypatch.delenv("VJHOST_EGL")
    if HeadlessContext._hardware_device(EGL) is None:  # this machine: Mesa only
        ctx = HeadlessContext()
        try:
            assert ctx.platform == "egl-surfaceless" and "egl-surfaceless" in ctx.info()
        finally:
            ctx.close()
        device = dict(HeadlessContext._displays(EGL))["egl-device"]
        with pytest.raises(Exception, match="no GPU among the EGL devices"):
            device()


def test_offline_render_at_a_reduced_scale_is_still_the_full_size(host, demo_track, tmp_path):
    import io

    from vjhost.output.offline import progress_bar, render_offline

    log = io.StringIO()  # not a terminal: a few plain lines, no carriage returns
    frames = []
    res = render_offline(host, "ikeda", demo_track.audio, demo_track.sr, None, size=(320, 180), fps=30, duration=2.0,
                         render_scale=0.5, progress=progress_bar(log),
                         on_frame=lambda i, rgba: frames.append(rgba.shape))
    assert res.frames == 60 and set(frames) == {(180, 320, 4)}
    lines = log.getvalue().splitlines()
    assert "\r" not in log.getvalue() and 2 <= len(lines) <= 11 and lines[-1].startswith("render 100%: 60/60 frames")


@pytest.mark.parametrize("gl_yuv", ["0", "1"])
def test_the_mp4_has_the_rendered_colours_either_way(host, demo_track, tmp_path, monkeypatch, gl_yuv):
    """Colour conversion by swscale on the CPU (software GL) or by a GL pass (a GPU): the same picture."""
    import av

    monkeypatch.setenv("VJHOST_GL_YUV", gl_yuv)
    from vjhost.output.offline import render_offline

    shown = {}
    res = render_offline(host, "kusama", demo_track.audio, demo_track.sr, tmp_path / "c.mp4", size=(320, 180), fps=30,
                         duration=1.0, on_frame=lambda i, rgba: shown.setdefault(i, rgba[::-1, :, :3].copy()))
    with av.open(str(res.path)) as c:
        frames = [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]
    assert len(frames) == 30
    for i in (0, 15, 29):
        assert np.abs(frames[i] - shown[i]).mean() < 6  # H.264 at crf 20 on flat kusama colours


def test_gl_reads_the_picture_straight_into_the_encoders_frame_the_right_way_up(host, demo_track, tmp_path,
                                                                                 monkeypatch):
    """Software GL turns the rows itself (GL_MESA_pack_invert) into the encoder's pooled frames: the mp4 is
    the very same as through the copy-and-flip path, frame for frame."""
    import av

    from vjhost.output.offline import render_offline
    from vjhost.render.chain import Renderer

    monkeypatch.setenv("VJHOST_GL_YUV", "0")
    used = []
    real = Renderer.read_rgba_top_down

    def spy(self, out):
        used.append(out.shape)
        return real(self, out)

    def render(name):
        res = render_offline(host, "kusama", demo_track.audio, demo_track.sr, tmp_path / name, size=(320, 180),
                             fps=30, duration=1.0)
        with av.open(str(res.path)) as c:
            return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])

    monkeypatch.setattr(Renderer, "read_rgba_top_down", spy)
    direct = render("direct.mp4")
    assert len(used) == 30 and set(used) == {(180, 320, 4)}  # every frame went the direct way
    monkeypatch.setattr(Renderer, "read_rgba_top_down", lambda self, out: False)  # a GL without the extension
    copied = render("copied.mp4")
    assert direct.shape == copied.shape == (30, 180, 320, 3)
    assert np.array_equal(direct, copied)
    assert direct[:, :90].mean() != direct[:, 90:].mean()  # not a flat picture, so the flip would show


def test_read_rgba_top_down_fills_padded_rows(gl, host):
    from vjhost.engine import Show

    show = Show(host, "kusama", (64, 36), faults=FaultLog(stream=None))
    try:
        show.renderer.upload_image(show.decoder.decode(np.zeros((1, show.decoder.latent_dim), np.float32))[0])
        from vjhost.bench import busy_features

        show.render(busy_features(), 1 / 60)
        want = show.renderer.read_rgba()[::-1].copy()
        padded = np.zeros((36, 80, 4), np.uint8)
        assert show.renderer.read_rgba_top_down(padded[:, :64])
        assert np.array_equal(padded[:, :64], want) and not padded[:, 64:].any()
        with pytest.raises(ValueError, match=r"\(36, 64, 4\) uint8"):
            show.renderer.read_rgba_top_down(np.zeros((36, 64, 3), np.uint8))
    finally:
        show.renderer.close()


def test_a_render_stopped_early_has_no_audio_past_its_last_frame(host, demo_track, tmp_path):
    """The bench's time limit stops a render part-way: the mp4's sound ends with its pictures."""
    import av

    from vjhost.output.offline import render_offline

    res = render_offline(host, "ikeda", demo_track.audio, demo_track.sr, tmp_path / "short.mp4", size=(160, 90),
                         fps=30, duration=4.0, on_frame=lambda i, rgba: time.sleep(0.2) if i == 5 else None,
                         time_limit=0.1)
    assert 0 < res.frames < 120
    with av.open(str(res.path)) as c:
        samples = sum(f.samples for f in c.decode(audio=0))
    with av.open(str(res.path)) as c:
        pictures = sum(1 for _ in c.decode(video=0))
    assert pictures == res.frames
    assert abs(samples / 48000 - res.frames / 30) < 0.05  # the AAC frame it ends in, no more


@pytest.mark.parametrize("pack, reads_prev", [("ochiai", False), ("teamlab", True)])
def test_a_chain_ending_small_is_scaled_up_by_the_encoder_not_by_gl(host, demo_track, tmp_path, monkeypatch, pack,
                                                                     reads_prev):
    """ochiai's and teamlab's chains end on half-size passes: offline, the encoder's colour conversion scales the
    half-size picture up and the video is the same picture (bilinear either way) as through GL's upscale.  GL
    draws no full-size closing upscale at all for ochiai; teamlab's trails read last frame's output (u_prev),
    so there it is still drawn, for the next frame's passes to read (the encoder still reads the small one)."""
    import av

    from vjhost.output.offline import render_offline
    from vjhost.render.chain import Renderer

    monkeypatch.setenv("VJHOST_GL_YUV", "0")
    copies, reads = [], []
    real_copy, real_read = Renderer._copy, Renderer.read_rgba_top_down
    monkeypatch.setattr(Renderer, "_copy", lambda self, tex, dst: (copies.append((dst.w, dst.h)),
                                                                   real_copy(self, tex, dst))[1])
    monkeypatch.setattr(Renderer, "read_rgba_top_down", lambda self, out: (reads.append(out.shape[:2]),
                                                                           real_read(self, out))[1])

    def render(name):
        copies.clear()
        res = render_offline(host, pack, demo_track.audio, demo_track.sr, tmp_path / name, size=(320, 180),
                             fps=30, start=2.0, duration=1.0)
        with av.open(str(res.path)) as c:
            return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)]).astype(np.float32)

    direct = render("direct.mp4")
    assert set(reads) == {(90, 160)} and len(reads) == 30  # the half-size picture, read as drawn
    # no closing upscale drawn (ochiai); teamlab's trails read it next frame, so it is drawn as before
    assert copies.count((320, 180)) == (30 if reads_prev else 0)
    monkeypatch.setattr(Renderer, "read_rgba_top_down", lambda self, out: False)
    through_gl = render("gl.mp4")
    assert copies.count((320, 180)) == 30  # the copy path: GL upscales every frame
    assert direct.shape == through_gl.shape == (30, 180, 320, 3)
    psnr = 10 * np.log10(255 ** 2 / np.mean((direct - through_gl) ** 2))
    assert psnr > 32, psnr
    assert direct.std() > 10  # a picture, not a flat field


def test_an_offline_render_at_a_reduced_scale_is_scaled_up_by_the_encoder(host, demo_track, tmp_path, monkeypatch):
    """`vjhost render --render-scale 0.5`: GL draws and reads half the pixels, the mp4 is the full size."""
    import av

    from vjhost.output.offline import render_offline
    from vjhost.render.chain import Renderer

    monkeypatch.setenv("VJHOST_GL_YUV", "0")
    reads = []
    real_read = Renderer.read_rgba_top_down
    monkeypatch.setattr(Renderer, "read_rgba_top_down", lambda self, out: (reads.append(out.shape[:2]),
                                                                           real_read(self, out))[1])
    res = render_offline(host, "ikeda", demo_track.audio, demo_track.sr, tmp_path / "half.mp4", size=(320, 180),
                         fps=30, duration=0.5, render_scale=0.5)
    assert set(reads) == {(90, 160)} and len(reads) == 15
    with av.open(str(res.path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == 15 and frames[0].shape == (180, 320, 3) and frames[-1].std() > 5
