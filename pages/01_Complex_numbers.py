"""Chapter 1: complex numbers as points and arrows; multiplying by e^{iθ} is a rotation that keeps the length."""

import math

import streamlit as st

import rope_core
from ropelab import ui
from ropelab.figures import c01_complex_numbers as figures
from ropelab.lessons import c01_complex_numbers as lesson

CHAPTER = 1
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
    "and its **direction** (the argument $\\varphi$, the angle measured counter-clockwise from the positive "
    "real axis). That second description is the *polar form*."
)
ui.formula(lesson.polar_form)
controls, picture = st.columns([1, 2], gap="large")
with controls:
    a = ui.slider("Real part a", -2.0, 2.0, 1.5, key="a", step=0.1, help="Moves the point left and right.")
    b = ui.slider("Imaginary part b", -2.0, 2.0, 1.0, key="b", step=0.1, help="Moves the point up and down.")
    modulus, argument = lesson.polar_form(a, b)
    left, right = st.columns(2)
    left.metric("|z|", f"{modulus:.3f}", help="The modulus r: the length of the arrow.")
    right.metric("φ (rad)", f"{argument:.3f}", f"{math.degrees(argument):.1f}°", delta_color="off", delta_arrow="off")
    if modulus == 0:
        ui.notice("z = 0 has length 0, so it has no direction: its argument is undefined (atan2 reports 0).")
with picture:
    ui.chart(figures.complex_number_chart(a, b, modulus, argument), key="complex_point")

st.subheader("Euler's formula: $e^{i\\theta}$ walks around the unit circle")
ui.prose(
    "Euler's formula packs a whole circle into one expression: as the angle $\\theta$ grows, $e^{i\\theta}$ "
    "moves counter-clockwise around the circle of radius 1, with $\\cos\\theta$ as its real part and "
    "$\\sin\\theta$ as its imaginary part. Together with the modulus this gives the polar form "
    "$z = r\\,e^{i\\varphi}$: a length times a pure direction."
)
ui.formula(lesson.euler_point)
controls, picture = st.columns([1, 2], gap="large")
with controls:
    theta = ui.slider(
        "Angle θ (radians)",
        -6.28,
        6.28,
        0.79,
        key="theta",
        step=0.01,
        help="Positive angles turn counter-clockwise, negative ones clockwise. 2π ≈ 6.28 is a full turn.",
    )
    cos_value, sin_value = lesson.euler_point(theta)
    st.metric("θ in degrees", f"{math.degrees(theta):.1f}°")
    left, right = st.columns(2)
    left.metric("cos θ", f"{cos_value:.3f}")
    right.metric("sin θ", f"{sin_value:.3f}")
with picture:
    ui.chart(figures.euler_circle_chart(theta, cos_value, sin_value), key="euler_circle")

st.subheader("Multiplying by $e^{i\\theta}$ rotates, and keeps the length")
ui.prose(
    "When two complex numbers are multiplied, their lengths multiply and their angles add: "
    "$r_1 e^{i\\varphi_1} \\cdot r_2 e^{i\\varphi_2} = r_1 r_2\\, e^{i(\\varphi_1 + \\varphi_2)}$. "
    "Since $|e^{i\\theta}| = 1$, multiplying $z$ by $e^{i\\theta}$ leaves its length alone and adds $\\theta$ "
    "to its angle: it **rotates** $z$ by $\\theta$. Written out in real coordinates, the product is a 2×2 "
    "matrix acting on the column $(a, b)$, the rotation matrix $R(\\theta)$. RoPE uses exactly this: it reads "
    "each pair of coordinates of a query or key as one complex number and turns it by an angle that grows "
    "with the token's position."
)
ui.formula(lesson.rotate_complex, caption="Here x₀ = a, x₁ = b and α = θ.")
ui.formula(rope_core.rotation_matrix_2d)
routes = lesson.rotate_three_ways(a, b, theta)
rotated_modulus, rotated_argument = lesson.polar_form(*routes.by_product)
picture, numbers = st.columns([1.5, 1], gap="large")
with picture:
    ui.chart(figures.rotation_chart(a, b, theta, routes), key="rotation")
with numbers:
    left, right = st.columns(2)
    left.metric("|z| before", f"{modulus:.4f}")
    right.metric("|z·e^(iθ)| after", f"{rotated_modulus:.4f}")
    st.markdown("**The same point, three independent ways:** complex product, rotation matrix, matrix exponential")
    st.dataframe(
        {
            "route": ["z·e^(iθ)", "R(θ)·(a, b)", "e^(θJ)·(a, b)"],
            "x (real)": [routes.by_product[0], routes.by_matrix[0], routes.by_exponential[0]],
            "y (imag.)": [routes.by_product[1], routes.by_matrix[1], routes.by_exponential[1]],
        },
        hide_index=True,
        column_config={
            "x (real)": st.column_config.NumberColumn(format="%.6f"),
            "y (imag.)": st.column_config.NumberColumn(format="%.6f"),
        },
    )
    st.metric("Largest disagreement", f"{routes.max_difference:.1e}", help="Only floating-point rounding is left.")
ui.formula(
    lesson.rotate_three_ways,
    caption=(
        "J = [[0, −1], [1, 0]] is multiplication by i written as a matrix. Its exponential, summed as a power "
        "series that never calls cos or sin, lands on the same point: a rotation is the exponential of J."
    ),
)

ui.try_this(
    [
        "Set θ to 1.57 (a quarter turn, π/2). Where does z = 1 + 0i go? "
        "Multiplying by $e^{i\\pi/2}$ is multiplying by $i$.",
        "Set θ to 3.14 (π): every point flips to −z. Euler's famous $e^{i\\pi} = -1$ is the case $z = 1$.",
        "Drag a and b while θ stays fixed: the angle between the blue and orange arrows never changes, and "
        "neither does the length.",
        "Try θ = 6.28 and θ = −6.28: a full turn either way brings every point back (up to the rounding of 2π).",
    ]
)
ui.check_yourself(
    "Multiply $z = 3 + 4i$ by $e^{i\\pi/2}$. What is the result, and what is its modulus?",
    "$e^{i\\pi/2} = \\cos(\\pi/2) + i\\sin(\\pi/2) = i$, so $z \\cdot i = 3i + 4i^2 = -4 + 3i$. Its modulus is "
    "$\\sqrt{16 + 9} = 5$, the "
    "same as |3 + 4i| = 5: the arrow turned a quarter turn counter-clockwise and kept its length.",
)
ui.misconception(
    "The imaginary part is imaginary, so it cannot matter for real vectors.",
    "Nothing about the plane is imaginary: a + ib is just the pair (a, b) with a rule for multiplying pairs. RoPE "
    "never needs complex arithmetic on the GPU; it applies the same 2×2 rotation to real coordinates.",
)
ui.takeaway(
    "Multiplying by $e^{i\\theta}$ turns a point by θ and keeps its length; "
    "the 2×2 matrix R(θ) does the same to (a, b)."
)
ui.end_page(CHAPTER)
