"""The one exception type for problems a user can fix."""

from __future__ import annotations


class PoolvizError(ValueError):
    """A request poolviz cannot honour, with a one-line message naming the problem and what
    would be accepted.

    ``exit_code`` is 2: the request itself is wrong (an option value, an inline matrix, a
    missing input file, impossible geometry). ``hint`` is at most one extra line for the user,
    e.g. ``try: poolviz pool --help``.
    """

    exit_code = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class PoolvizRuntimeError(PoolvizError):
    """A valid request that failed while running: an input file whose content cannot be used,
    an output that cannot be written, a memory budget that would be exceeded. Exit code 1."""

    exit_code = 1
