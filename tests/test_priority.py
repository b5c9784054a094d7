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
