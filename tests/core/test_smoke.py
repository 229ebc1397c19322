"""Smoke test: the public API imports and every public function carries its LaTeX."""

import inspect

import rope_core

NO_FORMULA = {"AttentionMaps", "RopePreset"}
# Plumbing with no equation to show: tokenising, seeding, timing, running experiments, building and marking quizzes.
NO_EQUATION_FUNCTIONS = {
    "build_quiz",
    "check_choice",
    "compare_methods",
    "parse_number",
    "run_experiment",
    "score_by_chapter",
    "seeded_qkv",
    "split_tokens",
    "time_linear_attention",
    "time_rope_forms",
}


def test_every_public_function_has_docstring_and_latex():
    for name in rope_core.__all__:
        obj = getattr(rope_core, name)
        if inspect.isfunction(obj):
            assert obj.__doc__ and "\n" not in obj.__doc__.strip().split("\n\n")[0], name
            if name not in NO_EQUATION_FUNCTIONS:
                assert isinstance(getattr(obj, "latex", None), str) and obj.latex.strip(), name
