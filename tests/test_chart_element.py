"""RoPE Lab's chart element (ropelab/chart.py + static/ropelab/*.js): payloads, static files and the scripts.

The browser half is exercised for real in tests/e2e/test_chart_element.py; here the scripts are parsed and their
pure helpers run under Node, and the Python half is checked without Streamlit running.
"""

from __future__ import annotations

import ast
import base64
import json
import shutil
import subprocess

import numpy as np
import pytest

from ropelab import chart, style
from ropelab.figures.spec import Scrub

SCRIPTS = sorted((chart.STATIC_DIR / "ropelab").glob("*.js"))
NODE = shutil.which("node")


def _node(code: str) -> str:
    if NODE is None:
        pytest.fail("Node.js is needed to check the chart element's scripts (it is on every machine of this kind)")
    result = subprocess.run([NODE, "--input-type=module", "-e", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda path: path.name)
def test_every_script_parses_as_a_module(script):
    if NODE is None:
        pytest.fail("Node.js is needed to check the chart element's scripts")
    result = subprocess.run(
        [NODE, "--input-type=module", "--check"], input=script.read_text(), capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_dark_theme_swaps_only_the_colours_that_vanish_on_dark_backgrounds():
    figure = {
        "data": [
            {"type": "scatter", "y": [1], "line": {"color": "#0072B2"}, "marker": {"color": "#E69F00"}},
            {"type": "scatter", "y": [1], "marker": {"color": ["#0072B2"], "line": {"color": "black", "width": 2}}},
        ],
        "layout": {"colorway": list(style.OKABE_ITO)},
        "frames": [{"name": "0", "data": [{"type": "scatter", "y": [2], "line": {"color": "#0072b2"}}]}],
    }
    code = f"""
        import {{ swapColours }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        const figure = {json.dumps(figure)};
        const dark = swapColours(figure, {json.dumps(style.DARK_BACKGROUND_SWAPS)});
        console.log(JSON.stringify({{ dark: {{ ...dark, swapTrace: undefined }}, original: figure }}));
    """
    result = json.loads(_node(code))
    dark, original = result["dark"], result["original"]
    assert dark["data"][0]["line"]["color"] == "#56B4E9"
    assert dark["data"][0]["marker"]["color"] == "#E69F00"
    assert dark["data"][1]["marker"]["color"] == ["#0072B2"]  # per-point arrays are left to the builder
    assert dark["data"][1]["marker"]["line"] == {"color": "white", "width": 2}
    assert dark["frames"][0]["data"][0]["line"]["color"] == "#56B4E9"
    assert dark["layout"]["colorway"][0] == "#56B4E9"
    assert original["data"][0]["line"]["color"] == "#0072B2"  # the figure it was given is untouched


def test_a_scrub_frame_patches_the_layout_key_by_key():
    code = f"""
        import {{ mergeLayout }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        const layout = {{ title: {{ text: "m = 0", x: 0 }}, xaxis: {{ range: [0, 1] }}, height: 400 }};
        console.log(JSON.stringify([mergeLayout(layout, {{ title: {{ text: "m = 5" }}, annotations: [1] }}), layout]));
    """
    merged, layout = json.loads(_node(code))
    assert merged == {"title": {"text": "m = 5", "x": 0}, "xaxis": {"range": [0, 1]}, "height": 400, "annotations": [1]}
    assert layout["title"]["text"] == "m = 0"


def test_an_unchanged_payload_is_recognised_byte_for_byte():
    code = f"""
        import {{ sameBytes }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        const a = new TextEncoder().encode('{{"figure": 1}}');
        console.log(JSON.stringify([
            sameBytes(a.slice(), a),
            sameBytes(a.slice(), a.buffer),
            sameBytes(a.slice(), new TextEncoder().encode('{{"figure": 2}}')),
            sameBytes(a.slice(), a.subarray(1)),
            sameBytes(undefined, a),
            sameBytes("x", "x"),
        ]));
    """
    assert json.loads(_node(code)) == [True, True, False, False, False, True]


def _decode(typed):
    return np.frombuffer(base64.b64decode(typed["bdata"]), dtype=np.dtype(typed["dtype"]))


def test_payload_sends_arrays_as_typed_arrays_and_keeps_the_config_between_updates():
    config = {"displaylogo": False, "toImageButtonOptions": {"format": "png", "filename": "x", "scale": 2}}
    payloads = []
    for shift in (0.0, 1.5):
        figure = {"data": [{"type": "scatter", "x": np.arange(300), "y": np.linspace(0, 1, 300) + shift}]}
        payloads.append(chart.decode(chart.payload(figure, alt="a line", config=config, dark_swaps={})))
    first, second = payloads
    assert first["config"] == second["config"] == config
    trace = first["figure"]["data"][0]
    assert trace["x"]["dtype"] == "i2"  # integers travel in the narrowest type that holds them
    assert trace["y"]["dtype"] == "f8"
    np.testing.assert_array_equal(_decode(trace["x"]), np.arange(300))
    np.testing.assert_allclose(_decode(second["figure"]["data"][0]["y"]), np.linspace(0, 1, 300) + 1.5)
    assert first["alt"] == "a line" and "scrub" not in first


def _scrub(**changes):
    values = list(range(5))
    settings = {
        "key": "m",
        "label": "Position m",
        "values": values,
        "index": 2,
        "traces": [0],
        "frames": [{"data": [{"y": np.full(3, value, dtype=np.float32)}]} for value in values],
    }
    return Scrub(**{**settings, **changes})


def test_payload_carries_every_scrub_stop_with_labels():
    data = chart.payload(
        {"data": [{"type": "scatter", "y": [0, 0, 0]}]}, alt="x", config={}, dark_swaps={}, scrub=_scrub()
    )
    scrub = chart.decode(data)["scrub"]
    assert scrub["index"] == 2 and scrub["traces"] == [0] and scrub["label"] == "Position m"
    assert scrub["labels"] == [f"Position m = {value}" for value in range(5)]
    assert [_decode(frame["data"][0]["y"]).tolist() for frame in scrub["frames"]] == [[v] * 3 for v in range(5)]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"index": 5}, "scrub index must be between 0 and 4"),
        ({"frames": []}, "one frame per stop"),
        ({"labels": ["a"]}, "one label per stop"),
        ({"values": [1], "frames": [{}]}, "2 to 512 stops"),
    ],
)
def test_a_malformed_scrubber_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        chart.payload({"data": []}, alt="x", config={}, dark_swaps={}, scrub=_scrub(**changes))


def test_payload_size_is_capped():
    huge = {"data": [{"type": "heatmap", "z": np.zeros((1200, 1200))}]}
    with pytest.raises(ValueError, match="chart payload must be at most"):
        chart.payload(huge, alt="x", config={}, dark_swaps={})


def test_plotly_js_is_copied_from_the_installed_package_once(tmp_path):
    target = chart.prepare_static_files(tmp_path)
    assert target.name == f"plotly-{chart.plotly_js_version()}.min.js"
    assert target.read_bytes() == chart.PLOTLY_SOURCE.read_bytes()
    mtime = target.stat().st_mtime_ns
    assert chart.prepare_static_files(tmp_path) == target and target.stat().st_mtime_ns == mtime
    assert [path.name for path in target.parent.iterdir()] == [target.name]  # no temporary file left behind


def test_the_loader_fetches_versioned_files_from_this_server_only():
    loader = chart._loader_script("chart.js")
    settings = json.loads(loader.split("const settings = ", 1)[1].split(";\n", 1)[0])
    assert settings["plotly"] == f"/app/static/vendor/{chart.plotly_js_name()}"
    assert settings["script"].startswith("/app/static/ropelab/chart.js?v=") and settings["chart"] == settings["script"]
    assert (
        json.loads(chart._loader_script("share.js").split("const settings = ", 1)[1].split(";\n", 1)[0])["chart"]
        == (settings["chart"])
    )  # the share link preloads the same chart module
    assert settings["styles"].startswith("/app/static/ropelab/chart.css?v=")
    assert "http" not in loader


def test_no_page_draws_a_chart_with_st_plotly_chart():
    """Every chart goes through ui.chart and this element (a page with one st.plotly_chart loads a second plotly.js)."""
    sources = [
        chart.REPO_ROOT / "app.py",
        *(chart.REPO_ROOT / "pages").glob("*.py"),
        *(chart.REPO_ROOT / "ropelab").rglob("*.py"),
    ]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "plotly_chart":
                pytest.fail(f"{path.relative_to(chart.REPO_ROOT)}:{node.lineno} uses st.plotly_chart")


def test_side_by_side_panels_are_stacked_for_a_phone_with_their_titles():
    from ropelab.figures import spec

    figure = spec.subplots(1, 3, subplot_titles=["a", "b", "c"])
    for column in (1, 2, 3):
        spec.add_trace(figure, {"type": "heatmap", "z": [[1, 2]], "colorbar": {"x": 1.02}}, row=1, col=column)
    spec.update_layout(figure, height=400, margin={"t": 60, "b": 50})
    figure = spec.finish(figure)
    code = f"""
        import {{ stackPanels }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        console.log(JSON.stringify(stackPanels({json.dumps(figure)})));
    """
    stacked = json.loads(_node(code))
    layout = stacked["layout"]
    assert [layout[f"xaxis{suffix}"]["domain"] for suffix in ("", "2", "3")] == [[0, 1]] * 3
    tops = [layout[f"yaxis{suffix}"]["domain"][1] for suffix in ("", "2", "3")]
    assert tops[0] == 1 and tops[0] > tops[1] > tops[2] > 0  # first panel on top, in reading order
    assert [(note["text"], note["x"], note["y"]) for note in layout["annotations"]] == [
        ("a", 0.5, tops[0]), ("b", 0.5, tops[1]), ("c", 0.5, tops[2])
    ]  # fmt: skip
    assert layout["height"] >= 3 * 300
    centres = [trace["colorbar"]["y"] for trace in stacked["data"]]
    assert centres == sorted(centres, reverse=True)  # each colour bar beside its own panel
    single = spec.finish(spec.subplots(2, 1))
    unchanged = json.loads(
        _node(f"""
        import {{ stackPanels }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        console.log(JSON.stringify(stackPanels({json.dumps(single)})));
    """)
    )
    assert unchanged == single


def test_a_shared_colour_bar_moves_beside_the_first_panel_that_uses_it():
    from ropelab.figures import spec

    figure = spec.subplots(1, 2)
    for column in (1, 2):
        spec.add_trace(figure, {"type": "heatmap", "z": [[1, 2]], "coloraxis": "coloraxis"}, row=1, col=column)
    spec.update_layout(figure, coloraxis={"colorbar": {"orientation": "h", "y": -0.3}})
    stacked = json.loads(
        _node(f"""
        import {{ stackPanels }} from {json.dumps((chart.STATIC_DIR / "ropelab" / "chart.js").as_uri())};
        console.log(JSON.stringify(stackPanels({json.dumps(spec.finish(figure))})));
    """)
    )
    bar = stacked["layout"]["coloraxis"]["colorbar"]
    top = stacked["layout"]["yaxis"]["domain"]
    assert bar["orientation"] == "v" and bar["y"] == (top[0] + top[1]) / 2
    assert "__moved" not in stacked["layout"]["coloraxis"]
