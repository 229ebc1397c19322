"""Rules the architecture depends on, checked on the source so they cannot silently erode."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
APP_SOURCES = [
    REPO_ROOT / "app.py",
    *sorted((REPO_ROOT / "pages").glob("*.py")),
    *sorted((REPO_ROOT / "ropelab").rglob("*.py")),
]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split(".")[0])
    return names


LESSONS = sorted((REPO_ROOT / "ropelab" / "lessons").glob("c[0-9][0-9]_*.py"))
FIGURES = sorted((REPO_ROOT / "ropelab" / "figures").glob("*.py"))
PAGES = sorted((REPO_ROOT / "pages").glob("[0-9][0-9]_*.py"))
# Modules no part of the teaching stack below the pages may import: the UI, plotting and heavy numeric libraries.
UI_AND_HEAVY = ("streamlit", "plotly", "pandas", "scipy", "torch", "matplotlib")


def chapter_slug(page: Path) -> str:
    """pages/06_RoPE_in_d_dimensions.py -> c06_rope_in_d_dimensions: the name of chapter 6's code everywhere."""
    number, _, title = page.stem.partition("_")
    return f"c{number}_{title.lower()}"


def _import_names(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            yield "." * node.level + (node.module or "")


def test_rope_core_imports_only_numpy_and_the_standard_library():
    code = (
        "import sys, rope_core; "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {UI_AND_HEAVY!r} or m.startswith('ropelab')); "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lessons_use_only_numpy_the_standard_library_rope_core_and_earlier_lessons(path):
    """No Streamlit, no Plotly: a lesson is tested and usable without the app; chapter N builds on chapters < N."""
    number = int(path.name[1:3])
    for name in _import_names(path):
        if name.startswith("."):
            earlier = name.lstrip(".")
            assert earlier[:1] == "c" and int(earlier[1:3]) < number, f"{path.name} imports the lesson {name}"
        elif name == "ropelab.numbers":
            continue  # the app's safe number parser: standard library only (checked below)
        elif name.split(".")[0] == "ropelab":
            later = not name.startswith("ropelab.lessons.c") or int(name[17:19]) >= number
            assert not later, f"{path.name} imports {name}"
        else:
            top = name.split(".")[0]
            assert top in {"numpy", "rope_core"} or top in sys.stdlib_module_names, f"{path.name} imports {name}"


def test_the_number_parser_lessons_may_use_imports_only_the_standard_library():
    names = set(_import_names(REPO_ROOT / "ropelab" / "numbers.py")) - {"__future__"}
    assert all(name.split(".")[0] in sys.stdlib_module_names for name in names), names


@pytest.mark.parametrize("path", FIGURES, ids=lambda p: p.name)
def test_figure_builders_do_not_import_streamlit(path):
    assert "streamlit" not in _imports(path)


def test_every_page_has_its_figures_and_every_chapter_module_has_its_page():
    slugs = {chapter_slug(page) for page in PAGES}
    figures = {path.stem for path in FIGURES if path.stem[:1] == "c" and path.stem[1:3].isdigit()}
    assert slugs <= figures, f"pages without a figures module: {sorted(slugs - figures)}"
    tests = [
        path.stem.removeprefix("test_")
        for folder in ("lessons", "figures", "app")
        for path in (REPO_ROOT / "tests" / folder).glob("test_c[0-9][0-9]_*.py")
    ]
    strays = sorted({*(path.stem for path in LESSONS), *figures, *tests} - slugs)
    assert not strays, f"modules named like a chapter that has no page: {strays} (the pages give {sorted(slugs)})"


def _formula_calls(path: Path):
    """The first argument of every ui.formula(...) call in a page, with the names the page imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    imported: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            imported.update({alias.asname or alias.name: alias.name for alias in node.names})
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.update({alias.asname or alias.name: f"{node.module}:{alias.name}" for alias in node.names})
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        is_formula = isinstance(func, ast.Attribute) and func.attr == "formula"
        if is_formula and isinstance(func.value, ast.Name) and func.value.id == "ui" and node.args:
            yield node.args[0], imported


def _resolve(expression: ast.expr, imported: dict[str, str]):
    """The object an expression such as `rope_core.inv_freq` or `lesson.polar_form` names; None for local values."""
    chain = []
    while isinstance(expression, ast.Attribute):
        chain.insert(0, expression.attr)
        expression = expression.value
    if not isinstance(expression, ast.Name) or expression.id not in imported:
        return None
    module_name, _, attribute = imported[expression.id].partition(":")
    if attribute:
        try:  # `from package import module` names a submodule, which getattr finds only once it is imported
            return _follow(importlib.import_module(f"{module_name}.{attribute}"), chain)
        except ModuleNotFoundError:
            chain = [attribute, *chain]
    return _follow(importlib.import_module(module_name), chain)


def _follow(target, chain: list[str]):
    for name in chain:
        target = getattr(target, name)
    return target


def test_every_function_a_page_shows_as_a_formula_carries_its_latex():
    resolved = 0
    for path in [REPO_ROOT / "app.py", *PAGES]:
        for argument, imported in _formula_calls(path):
            target = None if isinstance(argument, ast.Constant) else _resolve(argument, imported)
            if target is None:
                continue  # LaTeX text itself, or an equation the page computed (one pipeline stage's)
            latex = getattr(target, "latex", None)
            assert isinstance(latex, str) and latex.strip(), f"{path.name}: {ast.unparse(argument)} has no .latex"
            resolved += 1
    assert resolved > 50, f"only {resolved} formulas resolved: the scan no longer sees the pages' calls"


def test_every_public_rope_core_function_has_a_one_line_summary():
    import inspect

    import rope_core

    for name in rope_core.__all__:
        obj = getattr(rope_core, name)
        if inspect.isfunction(obj):
            assert obj.__doc__ and "\n" not in obj.__doc__.strip().split("\n\n")[0], name


def test_pages_folder_holds_only_numbered_page_scripts():
    for path in (REPO_ROOT / "pages").iterdir():
        if path.name == "__pycache__":
            continue
        assert path.suffix == ".py" and path.name[:2].isdigit(), f"{path.name} does not belong in pages/"


def _html_calls(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        unsafe = any(
            keyword.arg in {"unsafe_allow_html", "unsafe_allow_javascript"}
            and not (isinstance(keyword.value, ast.Constant) and keyword.value.value is False)
            for keyword in node.keywords
        )
        if name == "html" or unsafe:
            yield node


@pytest.mark.parametrize("path", APP_SOURCES, ids=lambda p: str(p.relative_to(REPO_ROOT)))
def test_raw_html_only_ever_receives_constant_text(path):
    """User text must never reach HTML: every raw-HTML call takes a literal string, nothing computed."""
    for call in _html_calls(path):
        assert call.args and all(isinstance(arg, ast.Constant) and isinstance(arg.value, str) for arg in call.args), (
            f"{path.name}:{call.lineno} passes computed text to raw HTML"
        )


def test_config_keeps_security_settings_on():
    import tomllib

    config = tomllib.loads((REPO_ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["enableCORS"] is True
    assert config["browser"]["gatherUsageStats"] is False
    assert config["client"]["showErrorDetails"] in {"type", "none", False}
