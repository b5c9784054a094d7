"""Background threads yield the cores to the render thread: a per-thread nice value.

A frame's critical path is serial: the render thread submits a pass, waits
for the rasterizer (software GL runs it on every core), submits the next, and
reads the picture back.  The encoder (x264 and its worker threads) and the
decoder run beside it with frames of slack in their queues, so they should
take the cores only when the render path leaves them idle.  Linux schedules
threads, and a thread's nice value weighs it against the others of the
process: a background thread calls :func:`background` on itself, and the
threads it starts later (x264's, created at the first encoded frame) inherit
it.  Measured on 2 cores with software GL, 1280x720 offline renders, round
robin in one run: teamlab 0.90 -> 1.05x realtime, murakami 0.90 -> 1.01x
with the encoder at +15 and the decoder at +10 (+10/+5 gave 0.98/1.01x).

The live show's decode worker goes further, into ``SCHED_IDLE`` (:func:`idle`):
the render thread has a frame deadline, the decoder does not (the show
crossfades to the newest decode whenever it comes), and the live loop leaves
the CPU idle between frames (the frame limiter).  In the bench's live loop at
1280x720, round robin, 18 runs over six packs each way: the decode rate stayed
at 23.8 a second, the dynamic resolution settled at 95 % on average instead of
78 % at nice +10, and p99 went over 20 ms in 1 run against 4.  (Nice +10
against nice 0, five rounds of kusama and murakami: 75-100 % instead of 50 %,
p99 <= 20 ms in 4 of 5 runs against 3 of 5.)

Where threads have no nice value of their own (Windows, macOS) this does nothing.
"""

from __future__ import annotations

import os
import sys
import threading

ENCODER_NICE = 15  #: the video encoder thread (and x264's threads, which inherit it)
DECODER_NICE = 10  #: the offline render's latent + decode producer


def background(nice: int) -> bool:
    """Lower the calling thread's priority to ``nice`` (0..19; never raises it).  True if it took effect."""
    if not sys.platform.startswith("linux") or not hasattr(os, "setpriority"):
        return False
    tid = threading.get_native_id()
    try:
        now = os.getpriority(os.PRIO_PROCESS, tid)
        if nice > now:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, int(nice)))
        return True
    except OSError:
        return False


def idle() -> bool:
    """Put the calling thread in ``SCHED_IDLE``: it runs only on a core nothing else wants (the live show's
    decode worker).  Where that class is missing, the lowest nice value instead.  True if either took effect."""
    if sys.platform.startswith("linux") and hasattr(os, "SCHED_IDLE"):
        try:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))  # 0: this thread (Linux schedules threads)
            return True
        except OSError:
            pass
    return background(19)
