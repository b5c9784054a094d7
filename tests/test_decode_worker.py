"""DecodeWorker: latest-wins mailbox, newest finished frame, stale latents dropped, faults survived."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from vjhost.decode.worker import DecodeWorker
from vjhost.faults import FaultLog

D = 4


class FakeDecoder:
    """Encodes the latent's first value into every pixel; optional delay, gate and failure."""

    latent_dim = D
    size = (2, 3)
    channels = 1
    device = "cpu"

    def __init__(self, delay: float = 0.0, gated: bool = False) -> None:
        self.delay = delay
        self.gate = threading.Event()
        if not gated:
            self.gate.set()
        self.started = threading.Semaphore(0)
        self.seen: list[float] = []
        self.fail_below = None  # raise for latents whose first value is below this

    def decode(self, z: np.ndarray) -> np.ndarray:
        assert z.shape == (1, D) and z.dtype == np.float32
        self.seen.append(float(z[0, 0]))
        self.started.release()
        assert self.gate.wait(5)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_below is not None and z[0, 0] < self.fail_below:
            raise RuntimeError("decoder blew up")
        return np.full((1, 2, 3, 1), int(z[0, 0]) % 256, np.uint8)


def lat(v: float) -> np.ndarray:
    return np.full(D, v, np.float32)


@pytest.fixture
def faults():
    return FaultLog(stream=None)


def test_first_frame_and_shape(faults):
    with DecodeWorker(FakeDecoder(), faults) as w:
        assert w.latest() is None
        w.submit(lat(7), tag="a")
        fid, img, tag = w.wait_frame(0, timeout=5)
        assert (fid, tag) == (1, "a")
        assert img.shape == (2, 3, 1) and img.dtype == np.uint8 and img[0, 0, 0] == 7
        assert w.latest()[0] == 1
        with pytest.raises(ValueError):
            w.submit(np.zeros(D + 1, np.float32))


def test_stale_latents_are_dropped_newest_wins(faults):
    dec = FakeDecoder(gated=True)
    w = DecodeWorker(dec, faults)
    try:
        w.submit(lat(1), tag=1)
        assert dec.started.acquire(timeout=5)  # the worker is stuck inside decode(1)
        for v in (2, 3, 4, 5):  # latents arrive faster than decodes
            t0 = time.perf_counter()
            w.submit(lat(v), tag=v)
            assert time.perf_counter() - t0 < 0.05  # submit never waits for the decoder
        assert w.latest() is None
        dec.gate.set()
        assert w.wait_idle(timeout=5)
        fid, img, tag = w.latest()
        assert (fid, tag, img[0, 0, 0]) == (2, 5, 5)  # 2, 3 and 4 were never decoded
        assert dec.seen == [1.0, 5.0]
        s = w.stats()
        assert (s["submitted"], s["decoded"], s["dropped"], s["errors"]) == (5, 2, 3, 0)
        assert s["decode_ms"] is not None and s["decode_ms"] >= 0 and not s["pending"]
    finally:
        w.close()
    assert not w.alive


def test_serves_the_newest_finished_frame_under_load(faults):
    # ~500 latents/s against a ~20 decodes/s decoder
    w = DecodeWorker(FakeDecoder(delay=0.05), faults)
    seen = []
    try:
        for i in range(1, 61):
            w.submit(lat(i), tag=i)
            got = w.latest()
            if got is not None:
                seen.append(got)
            time.sleep(0.002)
        assert w.wait_idle(timeout=5)
        fid, img, tag = w.latest()
        assert tag == 60 and img[0, 0, 0] == 60  # the last latent always gets decoded
        ids = [f[0] for f in seen]
        tags = [f[2] for f in seen]
        assert ids == sorted(ids) and tags == sorted(tags)  # never goes back in time
        s = w.stats()
        assert s["submitted"] == 60
        assert s["decoded"] < 30 and s["dropped"] > 30
        assert s["decoded"] + s["dropped"] == s["submitted"]
        assert 40 <= s["decode_ms"] < 500
    finally:
        w.close()


def test_survives_a_failing_decoder(faults):
    dec = FakeDecoder()
    dec.fail_below = 0
    w = DecodeWorker(dec, faults, source="decoder:test")
    try:
        w.submit(lat(9), tag="good")
        first = w.wait_frame(0, timeout=5)
        w.submit(lat(-1), tag="bad")
        assert w.wait_idle(timeout=5)
        assert w.latest() is first  # the previous frame stays up
        assert "decoder:test" in faults.faults
        assert "decoder blew up" in faults.faults["decoder:test"].message
        w.submit(lat(-2), tag="bad again")
        assert w.wait_idle(timeout=5)
        assert faults.faults["decoder:test"].count == 2
        assert w.alive
        w.submit(lat(11), tag="good again")
        fid, img, tag = w.wait_frame(first[0], timeout=5)
        assert (fid, tag, img[0, 0, 0]) == (2, "good again", 11)
        assert w.stats()["errors"] == 2
    finally:
        w.close()


def test_decode_now_is_synchronous_and_in_order(faults):
    dec = FakeDecoder()
    w = DecodeWorker(dec, faults, start=False)
    imgs = [w.decode_now(lat(v), tag=v) for v in (3, 1, 2)]
    assert [int(i[0, 0, 0]) for i in imgs] == [3, 1, 2]
    assert w.latest()[0] == 3 and w.latest()[2] == 2
    assert w.stats()["decoded"] == 3 and w.stats()["dropped"] == 0
    dec.fail_below = 0
    with pytest.raises(RuntimeError):  # offline rendering fails loudly
        w.decode_now(lat(-1))
    w.close()


def test_close_is_prompt_and_idempotent(faults):
    w = DecodeWorker(FakeDecoder(), faults)
    t0 = time.perf_counter()
    w.close()
    w.close()
    assert not w.alive and time.perf_counter() - t0 < 1
    w.submit(lat(1))  # ignored after close
    assert w.latest() is None


def test_with_the_torch_decoder(tmp_path, faults):
    torch = pytest.importorskip("torch")
    from vjhost.decode.vae import Decoder, VAEConfig
    from vjhost.decode.weights import save_decoder
    from vjhost_builtins.torch_decoder import TorchDecoder

    n = torch.get_num_threads()
    try:
        path = tmp_path / "w.safetensors"
        save_decoder(path, Decoder(VAEConfig(latent_dim=8, size=16, channels=3, widths=(8, 4))))
        dec = TorchDecoder(path, "cpu")
        z = np.random.default_rng(0).standard_normal(8).astype(np.float32)
        with DecodeWorker(dec, faults) as w:
            w.submit(z, tag=0)
            fid, img, _ = w.wait_frame(0, timeout=10)
            assert img.shape == (16, 16, 3) and img.dtype == np.uint8
            np.testing.assert_array_equal(img, w.decode_now(z))
    finally:
        torch.set_num_threads(n)
