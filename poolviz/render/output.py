"""Writing an output file completely or not at all."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from poolviz.errors import PoolvizRuntimeError


@contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` to write to; it replaces ``path`` only when the
    block finishes.

    The temporary name keeps the extension, so matplotlib and Pillow pick the format from it.
    On any error, Ctrl-C included, the temporary file is removed and ``path`` keeps its old
    content (or still does not exist). An OSError becomes a PoolvizRuntimeError (exit 1):
    ``cannot write out.png: no space left on device``, also where another error raised while
    cleaning up hides it (:func:`_write_failure`).
    """
    target = Path(path)
    temporary = target.with_name(_temporary_name(target.name))
    try:
        # Created by us (O_EXCL) with the usual permissions: 0o666 less the umask.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        yield temporary
        os.replace(temporary, target)
    except BaseException as err:
        _discard(temporary)
        failure = _write_failure(err)
        if failure is None:
            raise
        reason = failure.strerror.lower() if failure.strerror else str(failure)
        raise PoolvizRuntimeError(f"cannot write {path}: {reason}") from None


def _write_failure(err: BaseException) -> OSError | None:
    """The OSError behind ``err``: itself, or one an error raised while handling it hides
    (matplotlib's PDF writer, closing its streams after a full disk, raises an
    AttributeError or a zlib error of its own). None for anything else, Ctrl-C included."""
    if not isinstance(err, Exception):
        return None
    seen: BaseException | None = err
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__context__
    return None


NAME_MAX = 255
"""The longest file name, in bytes, on the usual Linux and macOS file systems."""


def _temporary_name(name: str) -> str:
    """``.NAME.RANDOM.tmp.EXT``, the name cut short so that the whole stays within
    :data:`NAME_MAX` bytes: a target whose own name is nearly that long can still be
    written."""
    tail = os.fsencode(f".{secrets.token_hex(8)}.tmp{Path(name).suffix}")
    head = os.fsencode(name)[: max(1, NAME_MAX - 1 - len(tail))]
    return os.fsdecode(b"." + head + tail)


def _discard(temporary: Path) -> None:
    """Remove a temporary file if it exists; a failure here must not hide the first error."""
    with suppress(OSError):
        temporary.unlink()
