"""rope_core must stay pure NumPy: importing it may not pull in UI or heavy numeric libraries."""

import subprocess
import sys
from pathlib import Path

FORBIDDEN = ("streamlit", "plotly", "pandas", "scipy", "torch", "matplotlib")


def test_rope_core_imports_only_numpy_and_stdlib():
    code = (
        "import sys, rope_core\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.stdout.strip() == ""
