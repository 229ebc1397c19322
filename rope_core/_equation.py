"""Attach the LaTeX of the implemented equation to a function: the formula shown is the code that ran."""

from collections.abc import Callable
from typing import TypeVar

F = TypeVar("F", bound=Callable)


def equation(latex: str) -> Callable[[F], F]:
    """Return a decorator that stores `latex` on the decorated function as `func.latex`."""
    if not isinstance(latex, str) or not latex.strip():
        raise ValueError(f"latex must be a non-empty string, got {latex!r}")

    def attach(func: F) -> F:
        func.latex = latex
        return func

    return attach
