"""vjhost: a real-time, audio-reactive VJ host for neural decoders and GLSL effects.

The extension contract is :mod:`vjhost.hookspecs`; the objects plugins
register are in :mod:`vjhost.protocols`.
"""

from .hookspecs import hookimpl

__version__ = "0.1.0"
__all__ = ["hookimpl", "__version__"]
