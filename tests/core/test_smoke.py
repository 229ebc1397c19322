"""Smoke test: the public API imports and every public function carries its LaTeX."""

import inspect

import rope_core

NO_FORMULA = {"AttentionMaps", "RopePreset"}


def test_every_public_function_has_docstring_and_latex():
    for name in rope_core.__all__:
        obj = getattr(rope_core, name)
        if inspect.isfunction(obj):
            assert obj.__doc__ and "\n" not in obj.__doc__.strip().split("\n\n")[0], name
            assert isinstance(getattr(obj, "latex", None), str) and obj.latex.strip(), name
