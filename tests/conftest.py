"""Shared test set-up: a fixed random seed, matplotlib's Agg backend, figures closed after
each test."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterator

import numpy as np
import pytest

try:
    import matplotlib
except ImportError:  # the terminal-only parts are tested without matplotlib too
    pass
else:
    matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _seeded() -> None:
    """The same random numbers in every test, so a failure can be reproduced."""
    random.seed(0)
    np.random.seed(0)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close every figure a test left open (only if pyplot was imported at all)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")
