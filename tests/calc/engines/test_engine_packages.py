"""Each engine model is a package of one module per job, listed in order in its docstring.

A module may import only the modules listed above it, so the rules read from top to bottom and no
import loop can form; the list names every module, so the docstring stays a true map of the package.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import ModuleType

import pytest

from generator.calc.engines import llamacpp, vllm


@pytest.mark.parametrize("package", [llamacpp, vllm], ids=["llamacpp", "vllm"])
def test_modules_import_only_those_listed_before_them(package: ModuleType) -> None:
    order = re.findall(r"^- ``(\w+)``", package.__doc__ or "", re.M)
    folder = Path(package.__file__ or "").parent
    assert sorted(order) == sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    prefix = package.__name__ + "."
    for i, name in enumerate(order):
        tree = ast.parse((folder / f"{name}.py").read_text(encoding="utf-8"))
        imported = {node.module[len(prefix):] for node in ast.walk(tree)
                    if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(prefix)}
        assert imported <= set(order[:i]), f"{name} imports {sorted(imported - set(order[:i]))}, listed after it"
