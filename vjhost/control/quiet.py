"""Keep libasound's and libjack's own stderr chatter off the performer's terminal.

Probing MIDI on a machine without an ALSA sequencer or a JACK server makes
those C libraries print several lines each time ("ALSA lib seq_hw.c ...",
"Cannot connect to server socket ...").  vjhost reports the situation itself,
once and in words, so the libraries' handlers are replaced with no-ops.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from pathlib import Path

_done = False
_keep: list = []  # the callbacks must outlive the libraries' use of them


def silence_native_audio_logs() -> None:
    global _done
    if _done:
        return
    _done = True
    try:
        name = ctypes.util.find_library("asound")
        if name:
            lib = ctypes.CDLL(name)
            handler_t = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                         ctypes.c_int, ctypes.c_char_p)
            cb = handler_t(lambda *a: None)
            lib.snd_lib_error_set_handler(cb)
            _keep.append(cb)
    except (OSError, AttributeError):
        pass
    # the system libjack (PortAudio's) and the copy bundled inside the python-rtmidi wheel
    jacks = [ctypes.util.find_library("jack")]
    try:
        import rtmidi

        site = Path(rtmidi.__file__).resolve().parent.parent
        jacks += [str(p) for p in sorted(site.glob("python_rtmidi*/libjack*.so*"))]
    except ImportError:
        pass
    msg_t = ctypes.CFUNCTYPE(None, ctypes.c_char_p)
    for name in filter(None, jacks):
        try:
            lib = ctypes.CDLL(name)
            cb = msg_t(lambda m: None)
            lib.jack_set_error_function(cb)
            lib.jack_set_info_function(cb)
            _keep.append(cb)
        except (OSError, AttributeError):
            pass
