"""Chapter 1: complex numbers as points and arrows; multiplying by e^{iθ} is a rotation that keeps the length."""

import math

import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c01_complex_numbers as figures
from ropelab.figures import spec
from ropelab.lessons import c01_complex_numbers as lesson

CHAPTER = 1
PART_LIMIT = 5.0  # a and b reach ±5, so 3 + 4i (the check-yourself example) can be drawn
THETA_LIMIT = 6.3  # a little past one full turn (2π ≈ 6.283) either way


@st.cache_data(max_entries=64, show_spinner=False)
def turn_picture(a: float, b: float, theta: float) -> tuple[spec.Chart, lesson.AngleSweep, int]:
    """The turn chart with all its scrubber stops (the one call here that costs milliseconds), per setting."""
    stops, index = lesson.angle_stops(-THETA_LIMIT, THETA_LIMIT, theta)
    sweep = lesson.sweep_angles(a, b, stops)
    return figures.turn_chart(a, b, sweep, index), sweep, index


@ui.section
def turn_section(a: float, b: float) -> None:
    st.subheader("Multiplying by $e^{i\\theta}$ turns $z$ by $\\theta$")
    ui.prose(
        "Euler's formula packs a whole circle into one expression: as the angle $\\theta$ grows, $e^{i\\theta}$ "
        "walks counter-clockwise around the circle of radius 1, with $\\cos\\theta$ as its real part and "
        "$\\sin\\theta$ as its imaginary part. Now multiply your $z$ by it. Lengths multiply and angles add, "
        "and $|e^{i\\theta}| = 1$, so what happens to $z$? **Drag θ under the chart** and watch both arrows."
    )
    controls, readout = st.columns([1.2, 1], gap="large")
    with controls:
        theta = ui.slider(
            "Angle θ (radians)",
            -THETA_LIMIT,
            THETA_LIMIT,
            math.pi / 4,
            key="theta",
            step=0.01,
            exact=True,
            help="Positive angles turn counter-clockwise, negative ones clockwise. 2π ≈ 6.283 is a full turn.",
        )
    chart, sweep, index = turn_picture(a, b, theta)
    cos_value, sin_value = sweep.unit[index]
    turned = sweep.by_product[index]
    with readout:
        left, middle, right = st.columns(3)
        left.metric("θ in degrees", f"{math.degrees(theta):.1f}°")
        middle.metric("cos θ", f"{cos_value:.3f}")
        right.metric("sin θ", f"{sin_value:.3f}")
        st.caption(
            f"|z| = {math.hypot(a, b):.4f} before and {math.hypot(*turned):.4f} after: "
            f"z·e^(iθ) = {figures.complex_text(*turned)}."
        )
        ui.formula(lesson.euler_point)
    ui.chart(chart, key="turn")
    words, matrix = st.columns([1.6, 1], gap="large", vertical_alignment="center")
    with words:
        ui.prose(
            "The orange arrow is the blue one turned by exactly $\\theta$, on the same circle: multiplying by "
            "$e^{i\\theta}$ **rotates** $z$ by $\\theta$ and keeps its length. In real coordinates the product is a "
            "2×2 matrix acting on $(a, b)$, the rotation matrix $R(\\theta)$; the green ring is its answer. RoPE does "
            "exactly this to each pair of coordinates of a query or key, with an angle that grows with the token's "
            "position."
        )
    with matrix:
        ui.formula(rope_core.rotation_matrix_2d)
    with ui.go_deeper("the same point, three independent ways"):
        three_routes(a, b, theta)


def three_routes(a: float, b: float, theta: float) -> None:
    ui.formula(lesson.rotate_complex, caption="Here x₀ = a, x₁ = b and α = θ.")
    routes = lesson.rotate_three_ways(a, b, theta)
    rows = (
        ("z·e^(iθ), complex product", routes.by_product),
        ("R(θ)·(a, b), rotation matrix", routes.by_matrix),
        ("e^(θJ)·(a, b), matrix exponential", routes.by_exponential),
    )
    st.markdown(
        "| route | x (real) | y (imaginary) |\n|---|---:|---:|\n"
        + "\n".join(f"| {name} | {point[0]:.6f} | {point[1]:.6f} |" for name, point in rows)
    )
    st.metric("Largest disagreement", f"{routes.max_difference:.1e}", help="Only floating-point rounding is left.")
    ui.formula(
        lesson.rotate_three_ways,
        caption=(
            "J = [[0, −1], [1, 0]] is multiplication by i written as a matrix. Its exponential, summed as a power "
            "series that never calls cos or sin, lands on the same point: a rotation is the exponential of J."
        ),
    )


ui.start_page(CHAPTER)
ui.goal(
    "read a complex number as a point and as an arrow, write it in polar form, and see why multiplying by "
    "$e^{i\\theta}$ is exactly a rotation. RoPE makes this move on every pair of coordinates of a query and a key."
)

st.subheader("A complex number is a point in the plane")
ui.prose(
    "A complex number $z = a + ib$ has a **real part** $a$ and an **imaginary part** $b$, where $i^2 = -1$. "
    "Draw $a$ along the horizontal axis and $b$ along the vertical one, and $z$ becomes a point, or an arrow "
    "from the origin to that point. The same arrow can also be described by its **length** (the modulus $r$) "
    "and its **direction** (the argument $\\varphi$, measured counter-clockwise from the positive real axis): "
    "the *polar form*."
)
ui.formula(lesson.polar_form)
controls, picture = st.columns([1, 2], gap="large")
with controls:
    a = ui.slider("Real part a", -PART_LIMIT, PART_LIMIT, 1.5, key="a", step=0.1, help="Moves the point sideways.")
    b = ui.slider("Imaginary part b", -PART_LIMIT, PART_LIMIT, 1.0, key="b", step=0.1, help="Moves it up and down.")
    modulus, argument = lesson.polar_form(a, b)
    left, right = st.columns(2)
    left.metric("|z|", f"{modulus:.3f}", help="The modulus r: the length of the arrow.")
    right.metric("φ (rad)", f"{argument:.3f}", f"{math.degrees(argument):.1f}°", delta_color="off", delta_arrow="off")
    if modulus == 0:
        ui.notice("z = 0 has length 0, so it has no direction: its argument is undefined (atan2 reports 0).")
with picture:
    ui.chart(figures.complex_number_chart(a, b, modulus, argument), key="complex_point")

turn_section(a, b)

ui.try_this(
    [
        "Type θ = pi/2 (a quarter turn). Where does z = 1 + 0i go? Multiplying by $e^{i\\pi/2}$ is multiplying by $i$.",
        "Drag θ to π: every point flips to −z. Euler's famous $e^{i\\pi} = -1$ is the case $z = 1$.",
        "Move a and b while θ stays fixed: the angle between the blue and orange arrows never changes, and "
        "neither does the length.",
        "Drag θ to 2π and to −2π: a full turn either way brings every point back.",
    ]
)
question, misconception = st.columns(2, gap="medium")
with question:
    ui.check_yourself(
        "Multiply $z = 3 + 4i$ by $e^{i\\pi/2}$. What is the result, and what is its modulus? (Set a = 3, b = 4 "
        "and type θ = pi/2 to check.)",
        "$e^{i\\pi/2} = \\cos(\\pi/2) + i\\sin(\\pi/2) = i$, so $z \\cdot i = 3i + 4i^2 = -4 + 3i$. Its modulus "
        "is $\\sqrt{16 + 9} = 5$, the same as |3 + 4i| = 5: the arrow turned a quarter turn counter-clockwise and "
        "kept its length.",
    )
with misconception:
    ui.misconception(
        "The imaginary part is imaginary, so it cannot matter for real vectors.",
        "Nothing about the plane is imaginary: a + ib is just the pair (a, b) with a rule for multiplying pairs. "
        "RoPE needs no complex arithmetic: most code applies the same 2×2 rotation to real coordinates (Meta's "
        "reference Llama code multiplies complex numbers instead, with the same result).",
    )
ui.takeaway(
    "Multiplying by $e^{i\\theta}$ turns a point by θ and keeps its length; "
    "the 2×2 matrix R(θ) does the same to (a, b)."
)
ui.end_page(CHAPTER)
