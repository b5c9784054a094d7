"""Shared fixtures.  All GL in the test run is headless EGL (Mesa llvmpipe here, the driver on a GPU box)."""

from __future__ import annotations

import contextlib
import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
os.environ.setdefault("VJHOST_TORCH_THREADS", "1")
os.environ["VJHOST_NO_LINK"] = "1"  # tests never join a Link session on the network (no multicast)

import numpy as np
import pytest


def pytest_configure(config):
    config.addinivalue_line("markers",
                            "chaos: fault injection on the real live loop (tests/test_chaos.py, about a minute)")


# `gl` (a current headless OpenGL context for the session) and `pack_chain` come from vjhost's pytest plugin,
# vjhost.packtest (entry point pytest11), which the packs' own tests use too.


@pytest.fixture(scope="session")
def host():
    from vjhost.plugins import load_host

    h = load_host()
    assert not h.errors(), h.errors()
    return h


@pytest.fixture(scope="session")
def demo_track():
    from vjhost.audio.demo import synthesize_demo

    return synthesize_demo(duration=16.0, bpm=128.0, seed=0)


@pytest.fixture
def tiny_weights(tmp_path):
    """A small random-initialised decoder saved in the pack weights format (64-d, 16x16x1)."""
    import torch

    from vjhost.decode.vae import Decoder, VAEConfig
    from vjhost.decode.weights import save_decoder

    torch.manual_seed(0)
    dec = Decoder(VAEConfig(latent_dim=64, size=16, channels=1, widths=(16, 8)))
    path = tmp_path / "tiny.safetensors"
    save_decoder(path, dec, anchors=torch.randn(3, 64), anchor_names=("a", "b", "c"))
    return path


def features(**kw):
    from vjhost.protocols import Features

    f = Features()
    for k, v in kw.items():
        setattr(f, k, v)
    return f


@pytest.fixture
def make_features():
    return features


def luminance(rgba: np.ndarray) -> np.ndarray:
    return rgba[..., :3].astype(np.float32).mean(axis=-1)


# --------------------------------------------------------------------------- JACK (real ports without hardware)


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the test process dies, however it dies (no orphaned jackd)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - not Linux: rely on the teardown
        pass


@contextlib.contextmanager
def private_jackd(tag: str, period: int = 1024, ready=None, timeout: float = 10.0):
    """Run a private ``jackd -d dummy`` named ``vjhost-TAG-PID`` and point libjack clients at it.

    ``ready()`` says when clients can connect (default: the server process is up).
    ``period`` 1024 (21 ms) leaves slack on a busy 2-core machine: a JACK client that
    misses its cycle loses that cycle's MIDI events.  Skips where jackd is missing.
    """
    import shutil
    import subprocess
    import tempfile
    import time

    jackd = shutil.which("jackd")
    if jackd is None:
        pytest.skip("jackd not installed (apt-get install -y jackd2): real-port tests need JACK's dummy backend")
    name = f"vjhost-{tag}-{os.getpid()}"
    saved = {k: os.environ.get(k) for k in ("JACK_DEFAULT_SERVER", "JACK_NO_START_SERVER")}
    os.environ["JACK_DEFAULT_SERVER"] = name  # libjack clients (rtmidi's, PortAudio's) connect to this server
    os.environ["JACK_NO_START_SERVER"] = "1"  # and never start one of their own
    log_path = os.environ.get("VJHOST_JACK_LOG")  # keep jackd's output there (xruns explain lost MIDI)
    log = open(log_path, "w+b") if log_path else tempfile.TemporaryFile()
    proc = subprocess.Popen([jackd, "-n", name, "--no-realtime", "-d", "dummy", "-r", "48000", "-p", str(period),
                             "-C", "2", "-P", "2"], stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
    try:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and not (ready or (lambda: True))():
            if time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if proc.poll() is not None or time.monotonic() > deadline:
            log.seek(0)
            pytest.fail(f"jackd did not start: {log.read().decode(errors='replace')[-2000:]}")
        yield name
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _rtmidi_jack_ready() -> bool:
    import rtmidi

    try:
        rtmidi.MidiIn(rtapi=rtmidi.API_UNIX_JACK).delete()
    except Exception:  # noqa: BLE001 - not up yet
        return False
    return True


@pytest.fixture(scope="module")
def jack():
    """A private JACK server for real virtual MIDI ports (mido backend ``mido.backends.rtmidi/UNIX_JACK``)."""
    import rtmidi

    if rtmidi.API_UNIX_JACK not in rtmidi.get_compiled_api():
        pytest.skip("python-rtmidi was built without JACK support")
    with private_jackd("midi", 1024, ready=_rtmidi_jack_ready) as name:
        yield name


@pytest.fixture
def keep_torch_threads():
    """Put torch's thread count back after a test that changes it (decoders set their own)."""
    import torch

    n = torch.get_num_threads()
    yield
    torch.set_num_threads(n)


def stripes_dataset(n: int, size: int = 16, seed: int = 0):
    """A toy pack dataset: horizontal or vertical stripes of random period and phase (two motifs)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, n)
    x = np.arange(size)
    out = np.zeros((n, 1, size, size), np.uint8)
    for i in range(n):
        period = int(rng.integers(2, 8))
        wave = ((x + int(rng.integers(period))) // max(1, period // 2)) % 2 * 255
        out[i, 0] = wave[None, :] if labels[i] == 0 else wave[:, None]
    return out, labels
