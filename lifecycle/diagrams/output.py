"""Writing generated files without destroying anything that is not ours.

``lifecycle docs --out DIR`` once deleted every file with a diagram or Markdown
suffix under DIR that it had not just written (``--out .`` in a clone deleted
159 tracked files). The rules now:

* a file is written atomically: a temporary file in the same folder, then
  ``os.replace``, so a crash never leaves half a file;
* never through a symbolic link (not the file, not a folder on the way), and
  never over something that is not a regular file (a folder, a FIFO, a device);
* the set of files a generator wrote is recorded in a manifest, and only files
  the previous manifest lists may be deleted later.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path

from lifecycle.errors import LifecycleError

__all__ = ["OutputRefusedError", "check_target", "write_atomic"]


class OutputRefusedError(LifecycleError):
    """A write that would go through a link, over a non-file, or into a folder that is not ours."""


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_target(path: Path, root: Path | None = None) -> bool:
    """Refuse ``path`` unless it is absent or a regular file and no folder from ``root`` down is a link.

    Returns:
        True when ``path`` exists (a write would replace it).

    Raises:
        OutputRefusedError: naming the link or the non-regular file.
    """
    if root is not None:
        parts = path.relative_to(root).parts[:-1]
        here = root
        for part in parts:
            here = here / part
            if here.is_symlink():
                raise OutputRefusedError(f"refusing to write through the symbolic link {here}")
            if here.exists() and not here.is_dir():
                raise OutputRefusedError(f"{here} is not a directory")
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if not stat.S_ISREG(info.st_mode):
        raise OutputRefusedError(f"refusing to replace {path}: it is {_kind(info.st_mode)}, not a regular file")
    return True


def write_atomic(path: Path, data: bytes, root: Path | None = None) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename; returns whether a file was replaced.

    Without ``root``, the folder ``path`` goes in must exist already.

    Raises:
        OutputRefusedError: see :func:`check_target`; or, without ``root``, a missing folder.
        OSError: the folder cannot be written.
    """
    replaced = check_target(path, root)
    if root is None:
        # a single file (``lifecycle diagram -o``): a missing folder is most likely a typo,
        # so it is refused rather than created
        if not path.parent.is_dir():
            raise OutputRefusedError(f"the folder {path.parent} does not exist: create it first, or pick another path")
    else:  # a generated set: the folders below ``root`` are ours to create
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        if replaced:
            with contextlib.suppress(OSError):
                os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        else:
            os.chmod(temp, 0o644)  # what a plain open() gives under the usual umask 022
        check_target(path, root)  # nothing swapped in a link meanwhile
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    return replaced
