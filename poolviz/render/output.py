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
    ``cannot write out.png: no space left on device``.
    """
    target = Path(path)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp{target.suffix}")
    try:
        # Created by us (O_EXCL) with the usual permissions: 0o666 less the umask.
        os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        yield temporary
        os.replace(temporary, target)
    except OSError as err:
        _discard(temporary)
        reason = err.strerror.lower() if err.strerror else str(err)
        raise PoolvizRuntimeError(f"cannot write {path}: {reason}") from None
    except BaseException:
        _discard(temporary)
        raise


def _discard(temporary: Path) -> None:
    """Remove a temporary file if it exists; a failure here must not hide the first error."""
    with suppress(OSError):
        temporary.unlink()
