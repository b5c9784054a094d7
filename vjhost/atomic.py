"""Writing the user's files safely: a temporary name in the same folder, renamed into place at the end.

A render, a recorded take or a screenshot is written under a hidden temporary
name next to its destination (same filesystem, so the final rename is atomic)
and only renamed when it is complete: an interrupted write never leaves half a
file under the real name, and never destroys the file that was there.  An
existing file is only replaced when the caller says so (``force``, the CLI's
``--force``); otherwise :func:`finish` refuses with :class:`OutputExists`, and
:func:`free_name` offers the next free ``name-2.ext``, ``name-3.ext`` ...
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path
from typing import Iterator

__all__ = ["OutputExists", "free_name", "temp_name", "finish", "atomic_output", "check_new", "shareable"]


class OutputExists(FileExistsError):
    """The destination exists and the caller did not ask to overwrite it."""


def free_name(path: Path | str) -> Path:
    """``path`` if nothing is there, else the first free ``stem-N.suffix`` (N = 2, 3, ...)."""
    path = Path(path)
    n = 2
    out = path
    while out.exists() or out.is_symlink():
        out = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return out


def temp_name(path: Path | str) -> Path:
    """A hidden, unique name in ``path``'s folder that keeps its suffix (encoders pick the format by it)."""
    path = Path(path)
    return path.with_name(f".{path.stem}.{secrets.token_hex(4)}.part{path.suffix}")


def check_new(path: Path | str, force: bool = False, flag: str = "--force") -> Path:
    """Refuse up front (before any work) to write over an existing file; also checks the folder exists."""
    path = Path(path)
    if (path.exists() or path.is_symlink()) and not force:
        raise OutputExists(f"{path} exists; pass {flag} to overwrite it (nothing was written)")
    if path.is_dir():
        raise OutputExists(f"{path} is a folder")
    if not path.parent.is_dir():
        raise FileNotFoundError(f"{path}: the folder {path.parent} does not exist")
    return path


def finish(tmp: Path | str, path: Path | str, force: bool = False) -> Path:
    """Move the finished ``tmp`` to ``path``.  Without ``force`` an existing ``path`` is never replaced.

    The no-overwrite move is a hard link (fails atomically if ``path`` appeared
    meanwhile) and an unlink; where links are unsupported, a check and a rename.
    Raises :class:`OutputExists` (``tmp`` is left in place, nothing is lost).
    """
    tmp, path = Path(tmp), Path(path)
    if force:
        os.replace(tmp, path)
        return path
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise OutputExists(f"{path} exists; the new file is kept as {tmp}") from None
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
            raise
        if path.exists() or path.is_symlink():
            raise OutputExists(f"{path} exists; the new file is kept as {tmp}") from None
        os.replace(tmp, path)
        return path
    tmp.unlink()
    return path


@contextlib.contextmanager
def atomic_output(path: Path | str, force: bool = False) -> Iterator[Path]:
    """``with atomic_output("take.mid") as tmp: write(tmp)``: renamed to the real name only if the block succeeds.

    On an exception the temporary file is removed and the destination is untouched.
    """
    path = Path(path)
    tmp = temp_name(path)
    try:
        yield tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finish(tmp, path, force)


def shareable(path: Path | str) -> Path:
    """Make a file that others run from (a pack's or the crate's weights) readable by all: 0644.

    safetensors (like ``mkstemp``) creates its files private (0600), so weights trained by one user
    could not be read by the one running the show."""
    os.chmod(path, 0o644)
    return Path(path)
