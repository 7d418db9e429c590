"""The direction of imports: ``engine/`` and ``model/`` compute and never import what draws or
wires (checked statically: ``import poolviz`` runs the package's ``__init__``, which does
import the render side, so ``sys.modules`` cannot tell)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "poolviz"
COMPUTING = ("engine", "model")
FORBIDDEN = ("poolviz.render", "poolviz.cli", "matplotlib", "rich", "textual")


def _type_checking(test: ast.expr) -> bool:
    """Whether an ``if`` tests ``TYPE_CHECKING`` (its body's imports never run)."""
    name = test.attr if isinstance(test, ast.Attribute) else getattr(test, "id", None)
    return name == "TYPE_CHECKING"


def runtime_imports(source: str, module: str) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source`` that can run, inside functions too;
    relative imports resolved against ``module``."""
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _type_checking(child.test):
                visit(ast.Module(body=child.orelse, type_ignores=[]))
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    parent = module.split(".")[: -child.level]
                    base = ".".join([*parent, base] if base else parent)
                found.append((child.lineno, base))
            visit(child)

    visit(ast.parse(source))
    return found


def _modules() -> list[Path]:
    return sorted(p for folder in COMPUTING for p in (PACKAGE / folder).rglob("*.py"))


def test_the_checker_sees_every_kind_of_import() -> None:
    source = (
        "import rich\n"
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    import matplotlib\n"
        "else:\n"
        "    import textual\n"
        "def f():\n"
        "    from ..render import style\n"
        "    import poolviz.cli.app\n"
    )
    assert runtime_imports(source, "poolviz.engine.x") == [
        (1, "rich"),
        (2, "typing"),
        (6, "textual"),
        (8, "poolviz.render"),
        (9, "poolviz.cli.app"),
    ]


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_engine_and_model_import_no_renderer(path: Path) -> None:
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    bad = [
        f"{path.name}:{line} imports {name}"
        for line, name in runtime_imports(path.read_text(), module)
        if any(name == f or name.startswith(f + ".") for f in FORBIDDEN)
    ]
    assert bad == []


def test_there_are_modules_to_check() -> None:
    names = {p.name for p in _modules()}
    assert {"explain.py", "pooling.py", "layers.py", "trace.py"} <= names


MOST_LINES = 600
"""One file, one idea: a module grown past this holds more than one (issue 17 set the limit)."""


def test_no_module_is_over_most_lines() -> None:
    sizes = {
        path.relative_to(PACKAGE.parent).as_posix(): len(path.read_text().splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert len(sizes) > 100
    assert {path: n for path, n in sizes.items() if n > MOST_LINES} == {}
