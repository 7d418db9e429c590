"""Standard input (``-``): a text matrix piped in."""

from __future__ import annotations

import sys

from poolviz.errors import PoolvizRuntimeError
from poolviz.loaders.files import reason
from poolviz.loaders.loaded import LoadedInput
from poolviz.loaders.text import text_input


def load_stdin() -> LoadedInput:
    """A text matrix read from standard input."""
    try:
        text = sys.stdin.read()
    except (OSError, UnicodeDecodeError) as err:
        raise PoolvizRuntimeError(f"stdin: cannot read: {reason(err)}") from None
    if not text:
        raise PoolvizRuntimeError("stdin: nothing was given; pipe a text matrix in")
    # a byte-order mark is dropped, as from a text file (Windows editors write one)
    return text_input(text.removeprefix("\ufeff"), "stdin", "stdin")
