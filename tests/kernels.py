"""The engine's compiled kernels, found by reading the source: every function under ``sim/`` decorated with
one of numba's compilers (``@njit``, ``@jit``, ``@vectorize``, ...), by its qualified name
(``sim.model.ledger._credit``). Reading the source rather than importing finds a kernel however numba is
configured (with ``NUMBA_DISABLE_JIT=1`` a decorated function is a plain function)."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
COMPILERS = {"njit", "jit", "vectorize", "guvectorize", "cfunc", "stencil", "generated_jit"}


def _compiler_name(decorator: ast.expr) -> str | None:
    """``njit`` for ``@njit``, ``@njit(cache=True)``, ``@numba.njit(...)``; None for any other decorator."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    name = target.attr if isinstance(target, ast.Attribute) else target.id if isinstance(target, ast.Name) else None
    return name if name in COMPILERS else None


def kernel_names() -> list[str]:
    """Qualified names of every compiled function in the ``sim`` package, sorted."""
    names = []
    for path in sorted((ROOT / "sim").rglob("*.py")):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(map(_compiler_name, node.decorator_list)):
                names.append(f"{module}.{node.name}")
    return sorted(names)


def kernel(name: str) -> Callable[..., Any]:
    """The object a qualified kernel name refers to (a numba dispatcher, or a plain function without JIT)."""
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)  # type: ignore[no-any-return]


def python_version(function: Callable[..., Any]) -> Callable[..., Any]:
    """The plain Python function a kernel compiles (itself when numba is disabled)."""
    return getattr(function, "py_func", function)


def is_compiled(function: Callable[..., Any]) -> bool:
    """Whether ``function`` is a numba dispatcher (it compiles on first call) rather than plain Python."""
    return hasattr(function, "py_func")
