"""Rules the architecture depends on, checked on the source so they cannot silently erode."""

from __future__ import annotations

import ast
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


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "ropelab" / "figures").glob("*.py")), ids=lambda p: p.name)
def test_figure_builders_do_not_import_streamlit(path):
    assert "streamlit" not in _imports(path)


def test_rope_core_imports_only_numpy_and_the_standard_library():
    code = (
        "import sys, rope_core; "
        "bad = sorted(m for m in ('streamlit', 'plotly', 'pandas', 'scipy', 'torch') if m in sys.modules); "
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


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
