"""Background threads (the encoder, the offline decoder) yield the cores to the render thread."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from vjhost.priority import background


def _nice_of(tid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, tid)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice values are Linux's")
def test_background_lowers_only_the_calling_thread_and_what_it_starts_later():
    seen = {}

    def worker():
        seen["took"] = background(12)
        seen["self"] = _nice_of(threading.get_native_id())
        child = threading.Thread(target=lambda: seen.setdefault("child", _nice_of(threading.get_native_id())))
        child.start()
        child.join()
        seen["again"] = background(5)  # never raised back up
        seen["after"] = _nice_of(threading.get_native_id())

    main_before = _nice_of(threading.get_native_id())
    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["took"] and seen["again"]
    assert seen["self"] == seen["child"] == seen["after"] == max(12, main_before)
    assert _nice_of(threading.get_native_id()) == main_before  # the render thread keeps its place


def test_background_elsewhere_does_nothing(monkeypatch):
    monkeypatch.setattr(sys, "platform", "win32")
    assert background(10) is False


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")
def test_idle_puts_only_the_calling_thread_in_the_idle_class():
    seen = {}

    def worker():
        from vjhost.priority import idle

        seen["took"] = idle()
        seen["policy"] = os.sched_getscheduler(0)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert seen["took"] and seen["policy"] == os.SCHED_IDLE
    assert os.sched_getscheduler(0) != os.SCHED_IDLE  # the render thread keeps its class


def test_the_live_decode_worker_runs_in_the_idle_class():
    import numpy as np

    from vjhost.decode.worker import DecodeWorker

    class Probe:
        latent_dim, size, channels = 4, (8, 8), 3

        def decode(self, z):
            self.policy = os.sched_getscheduler(0) if hasattr(os, "SCHED_IDLE") else None
            return np.zeros((len(z), 8, 8, 3), np.uint8)

    dec = Probe()
    w = DecodeWorker(dec)
    try:
        w.submit(np.zeros(4, np.float32))
        for _ in range(200):
            if w.latest() is not None:
                break
            threading.Event().wait(0.01)
        assert w.latest() is not None
        if hasattr(os, "SCHED_IDLE"):
            assert dec.policy == os.SCHED_IDLE
    finally:
        w.close()
