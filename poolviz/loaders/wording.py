"""How the loaders' messages write shapes, counts and the tokens they quote."""

from __future__ import annotations

_TOKEN_SHOWN = 20
"""Longest token quoted in full in an error message; longer ones are cut to keep one line."""


def format_shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(n) for n in shape)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def quote_token(token: str) -> str:
    shown = token if len(token) <= _TOKEN_SHOWN else token[: _TOKEN_SHOWN - 1] + "…"
    return repr(shown)
