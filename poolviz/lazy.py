"""Package attributes loaded on first use (PEP 562), so that importing a package for one of
its modules does not import all the others: a terminal command's start-up pays only for what
it runs (``bench/cli.py`` measures it)."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_attributes(
    package: str, homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """A package's ``__getattr__`` and ``__dir__`` for the names of ``homes`` (name -> the
    module, absolute or relative to ``package``, that defines it; a subpackage of
    ``package`` named ``name`` is the name itself): a name is imported from its module when
    first asked for, then kept in the package."""
    namespace = importlib.import_module(package).__dict__

    def getattr_(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        home = home if "." in home else f"{package}.{home}"
        module = importlib.import_module(home)
        value = module if home == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *homes})

    return getattr_, dir_
