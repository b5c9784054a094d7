"""The anadol persona pack.  Importing it only registers the pack's directory."""

from vjhost import hookimpl
from vjhost.protocols import PackSpec


@hookimpl
def vjhost_register_packs(register):
    register(PackSpec.from_package(__name__, "anadol"))
