"""Opening input files: the one place a loader reads a path's bytes or text.

A missing path or a folder is a :class:`PoolvizError` (a usage error, exit 2); a file that
cannot be read, is empty or is not the text it should be is a :class:`PoolvizRuntimeError`
(exit 1).
"""

from __future__ import annotations

from pathlib import Path

from poolviz.errors import PoolvizError, PoolvizRuntimeError

TEXT_FILE_LIMIT = 64 << 20
"""The largest file :func:`read_text_file` reads (64 MiB): a Keras model's JSON is some
kilobytes, and a JSON parse needs several times the text."""


def read_text_file(path: str | Path, *, hint: str | None = None) -> str:
    """The whole text of the UTF-8 file ``path`` (a byte-order mark dropped), for readers of
    text formats that live elsewhere (Keras JSON), so that this stays the one module that opens
    input files.

    The contract of :func:`load_path`: a missing path or a folder is a PoolvizError (exit 2);
    a file that cannot be read, is empty, is over :data:`TEXT_FILE_LIMIT` (refused unread) or
    is not UTF-8 is a PoolvizRuntimeError (exit 1). ``hint`` says what the file should be: the
    missing file's hint line, and the end of the too-large and not-UTF-8 messages.
    """
    shown = str(path)
    file = Path(path)
    check_file(file, shown, hint)
    advice = hint or "give a UTF-8 text file"
    try:
        size = file.stat().st_size
    except OSError as err:
        raise PoolvizRuntimeError(f"{shown}: cannot read: {reason(err)}") from None
    if size > TEXT_FILE_LIMIT:
        raise PoolvizRuntimeError(
            f"{shown}: {size:,} bytes, more than the {TEXT_FILE_LIMIT:,} poolviz reads as "
            f"text; {advice}"
        )
    return decode_text(read_bytes(file, shown), shown, advice)


def check_file(file: Path, shown: str, hint: str | None = None) -> None:
    """Refuse a path that is not an existing file (a usage error: exit 2)."""
    if not file.exists():
        raise PoolvizError(f"{shown}: no such file", hint=hint)
    if file.is_dir():
        raise PoolvizError(f"{shown}: is a folder; give a file inside it")


def read_bytes(file: Path, shown: str) -> bytes:
    """The whole file, or a runtime error naming it when it cannot be read or is empty."""
    try:
        data = file.read_bytes()
    except OSError as err:
        raise PoolvizRuntimeError(f"{shown}: cannot read: {reason(err)}") from None
    if not data:
        raise PoolvizRuntimeError(f"{shown}: the file is empty")
    return data


def decode_text(data: bytes, shown: str, advice: str = "a text matrix is rows of numbers") -> str:
    """``data`` as UTF-8 (a byte-order mark dropped); a runtime error ending in ``advice``
    when it is not."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PoolvizRuntimeError(f"{shown}: not a text file (not UTF-8); {advice}") from None


def reason(err: BaseException) -> str:
    """An OS error's reason without its number and path: ``Permission denied``."""
    if isinstance(err, OSError) and err.strerror:
        return err.strerror.lower()
    return str(err) or type(err).__name__
