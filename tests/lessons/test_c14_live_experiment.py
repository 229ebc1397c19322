"""Chapter 14's lesson: hand-written gradients, the copy task, reproducibility, budget and stopping."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from rope_core import apply_rope, inv_freq
from ropelab.lessons.c14_live_experiment import (
    ABLATION_ORDERS,
    MULTIPLY_ADDS_PER_SECOND,
    SCHEMES,
    ExperimentRun,
    ExperimentSettings,
    PairAblation,
    Parameters,
    ablation_summary,
    accuracy_by_length,
    adam_step,
    attention_maps,
    check_settings,
    copy_task_batch,
    copy_task_example,
    estimated_seconds,
    evaluation_batch,
    finished_run,
    forward,
    ideal_attention,
    init_parameters,
    loss_and_gradients,
    mass_on_target,
    pair_ablation,
    pair_channels,
    pair_usage,
    pairs_switched_off,
    position_tables,
    removable_pairs,
    rotate_backward,
    rotate_forward,
    run_experiment,
    switch_off_pairs,
    training_work,
)

TINY = ExperimentSettings(offset=2, train_length=6, steps=3, seed=5, dim=4, vocab=5, batch=3)
# Multiply-adds of the default run (four models). Measured as work, not wall time, so it cannot flake; the
# benchmark in benchmarks/bench_training.py shows this takes about 3.1-3.4 s on the 2-core build machine.
DEFAULT_WORK_BOUND = 1.5e10


def _numeric_gradient(scheme, params, tokens, targets, tables, index, step=1e-6):
    original = params.flat[index]
    params.flat[index] = original + step
    plus, _ = loss_and_gradients(scheme, params, tokens, targets, tables)
    params.flat[index] = original - step
    minus, _ = loss_and_gradients(scheme, params, tokens, targets, tables)
    params.flat[index] = original
    return (plus - minus) / (2 * step)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_gradients_match_finite_differences_for_every_parameter(scheme):
    params = init_parameters(scheme, TINY)
    # Move away from the symmetric start so no gradient is accidentally zero.
    params.flat[...] += np.random.default_rng(1).normal(0.0, 0.3, params.flat.shape)
    tokens, targets = copy_task_batch(np.random.default_rng(2), TINY.batch, TINY.train_length, TINY.vocab, TINY.offset)
    tables = position_tables(scheme, params, TINY.train_length, TINY)
    _, grads = loss_and_gradients(scheme, params, tokens, targets, tables)
    numeric = np.array([_numeric_gradient(scheme, params, tokens, targets, tables, i) for i in range(params.flat.size)])
    np.testing.assert_allclose(grads.flat, numeric, rtol=1e-5, atol=1e-8)
    assert np.abs(grads.flat).max() > 1e-3
    for name, array in grads.arrays.items():
        assert np.abs(array).max() > 0, f"gradient of {name} is identically zero"


def test_rotation_matches_rope_core_apply_rope_half_split():
    x = np.random.default_rng(0).normal(size=(2, 7, 8))
    positions = np.arange(7)
    tables = position_tables("rope", init_parameters("rope", dataclasses.replace(TINY, dim=8)), 7, TINY)
    frequencies = inv_freq(4, TINY.base)
    assert tables.cos.shape == (7, 4)
    ours = rotate_forward(x[..., :4], tables.cos, tables.sin)
    np.testing.assert_allclose(ours, apply_rope(x[..., :4], positions, frequencies, convention="half"), atol=1e-12)


def test_rotation_backward_is_the_transpose_and_the_rotation_by_minus_the_angle():
    rng = np.random.default_rng(3)
    x, g = rng.normal(size=(5, 6)), rng.normal(size=(5, 6))
    frequencies = inv_freq(6, 100.0)
    angles = np.multiply.outer(np.arange(5.0), frequencies)
    cos, sin = np.tile(np.cos(angles), 2), np.tile(np.sin(angles), 2)
    assert np.sum(rotate_forward(x, cos, sin) * g) == pytest.approx(np.sum(x * rotate_backward(g, cos, sin)))
    np.testing.assert_allclose(
        rotate_backward(g, cos, sin), apply_rope(g, -np.arange(5.0), frequencies, convention="half"), atol=1e-12
    )
    np.testing.assert_allclose(rotate_backward(rotate_forward(x, cos, sin), cos, sin), x, atol=1e-12)


def test_copy_task_targets_are_the_token_k_steps_back():
    tokens, targets = copy_task_batch(np.random.default_rng(0), 4, 10, 7, 3)
    assert tokens.shape == targets.shape == (4, 10)
    assert (targets[:, :3] == -1).all()
    np.testing.assert_array_equal(targets[:, 3:], tokens[:, :7])
    assert tokens.min() >= 0 and tokens.max() < 7
    example, example_targets = copy_task_example(12, 16, 4, seed=9)
    np.testing.assert_array_equal(example_targets[4:], example[:8])


def test_ideal_attention_and_its_target_mass():
    ideal = ideal_attention(6, 2)
    assert ideal[4, 2] == 1 and ideal[1].sum() == 0 and ideal.sum() == 4
    assert mass_on_target(ideal, 2) == 1.0
    uniform = np.tril(np.ones((6, 6))) / np.arange(1, 7)[:, None]
    assert mass_on_target(uniform, 2) == pytest.approx(np.mean([1 / 3, 1 / 4, 1 / 5, 1 / 6]))


def test_attention_rows_are_causal_distributions():
    for scheme in SCHEMES:
        params = init_parameters(scheme, TINY)
        tokens, _ = copy_task_batch(np.random.default_rng(0), 2, 6, TINY.vocab, TINY.offset)
        run = forward(scheme, params, tokens, position_tables(scheme, params, 6, TINY))
        np.testing.assert_allclose(run.attention.sum(axis=-1), 1.0)
        assert np.abs(np.triu(run.attention, k=1)).max() == 0.0


def test_runs_are_reproducible_and_seed_dependent():
    first, second = run_experiment(TINY), run_experiment(TINY)
    other = run_experiment(dataclasses.replace(TINY, seed=6))
    for scheme in SCHEMES:
        np.testing.assert_array_equal(first.losses[scheme], second.losses[scheme])
        np.testing.assert_array_equal(first.weights[scheme].flat, second.weights[scheme].flat)
        assert not np.array_equal(first.losses[scheme], other.losses[scheme])


def test_chunk_callback_sees_growing_partial_results_and_can_stop_training():
    seen: list[int] = []

    class Stop(Exception):
        pass

    def on_chunk(partial):
        seen.append(partial.steps_done)
        assert all(len(curve) == partial.steps_done for curve in partial.losses.values())
        if partial.steps_done >= 4:
            raise Stop

    settings = dataclasses.replace(TINY, steps=10)
    with pytest.raises(Stop):
        run_experiment(settings, on_chunk=on_chunk, chunk_steps=2)
    assert seen == [2, 4]
    done = run_experiment(settings, on_chunk=lambda partial: seen.append(partial.steps_done), chunk_steps=4)
    assert seen[2:] == [4, 8, 10] and done.finished


def test_chunk_size_does_not_change_the_result():
    settings = dataclasses.replace(TINY, steps=6)
    a = run_experiment(settings, chunk_steps=1)
    b = run_experiment(settings, on_chunk=lambda partial: None, chunk_steps=5)
    np.testing.assert_array_equal(a.weights["rope"].flat, b.weights["rope"].flat)


def test_a_run_advanced_chunk_by_chunk_equals_one_trained_in_one_go():
    settings = dataclasses.replace(TINY, steps=7)
    run = ExperimentRun(settings)
    run.advance(3)
    halfway = run.snapshot()
    run.advance(1)
    run.advance(50)  # only the 3 steps that are left
    assert run.finished and run.steps_done == 7 and run.compute_seconds > 0
    whole = run_experiment(settings)
    for scheme in SCHEMES:
        np.testing.assert_array_equal(run.snapshot().weights[scheme].flat, whole.weights[scheme].flat)
        np.testing.assert_array_equal(run.snapshot().losses[scheme], whole.losses[scheme])
    # A snapshot is a copy: training on does not change what was handed out.
    assert halfway.steps_done == 3 and len(halfway.losses["rope"]) == 3
    assert not np.array_equal(halfway.weights["rope"].flat, whole.weights["rope"].flat)
    with pytest.raises(ValueError, match="steps"):
        run.advance(0)


def test_finished_run_store_returns_only_finished_runs_of_the_same_settings():
    result = run_experiment(TINY)
    assert finished_run(TINY, result) is result
    with pytest.raises(LookupError):
        finished_run(TINY)
    with pytest.raises(ValueError, match="_result"):
        finished_run(dataclasses.replace(TINY, seed=1), result)


def test_learned_absolute_has_no_answer_beyond_its_table():
    result = run_experiment(TINY)
    scores = accuracy_by_length(result, [4, 6, 9])
    assert np.isnan(scores["learned"][2]) and not np.isnan(scores["learned"][:2]).any()
    for scheme in ("nope", "sinusoidal", "rope"):
        assert not np.isnan(scores[scheme]).any()
        assert ((scores[scheme] >= 0) & (scores[scheme] <= 1)).all()
    _, maps = attention_maps(result, 9)
    assert maps["learned"] is None and maps["rope"].shape == (9, 9)
    with pytest.raises(ValueError, match="positions >= 6 have no embedding"):
        position_tables("learned", result.weights["learned"], 7, TINY)


@pytest.fixture(scope="module")
def trained():
    """The default settings trained for 200 steps: long enough for every model to learn what it can."""
    return run_experiment(dataclasses.replace(ExperimentSettings(), steps=200))


def test_the_task_needs_positions_and_rope_learns_it_and_extrapolates(trained):
    result = trained
    length = result.settings.train_length
    scores = accuracy_by_length(result, [length, 2 * length])
    assert scores["rope"][0] > 0.95 and scores["learned"][0] > 0.95
    assert scores["nope"][0] < 0.5
    assert scores["rope"][1] > 0.9
    assert result.losses["rope"][-1] < result.losses["rope"][0] / 10


def test_default_run_stays_within_a_fixed_work_budget():
    default = ExperimentSettings()
    assert training_work(default) <= DEFAULT_WORK_BOUND
    doubled = dataclasses.replace(default, steps=2 * default.steps)
    assert training_work(doubled) == 2 * training_work(default)


def test_the_time_estimate_is_the_work_at_the_measured_rate():
    default = ExperimentSettings()
    longer = dataclasses.replace(default, train_length=32)
    assert estimated_seconds(longer) > estimated_seconds(default) > 0
    doubled = dataclasses.replace(default, steps=2 * default.steps)
    assert estimated_seconds(doubled) == pytest.approx(2 * estimated_seconds(default))
    assert estimated_seconds(default) == pytest.approx(training_work(default) / MULTIPLY_ADDS_PER_SECOND)
    # The calibration: the default run took 3.1-3.4 s in benchmarks/bench_training.py on the build machine.
    assert 3.0 < estimated_seconds(default) < 3.5
    with pytest.raises(ValueError, match="steps"):
        estimated_seconds(dataclasses.replace(default, steps=0))


def test_adam_step_is_the_textbook_update_with_epsilon_added_to_the_corrected_root():
    rng = np.random.default_rng(4)
    shapes = {"w": (3, 2)}
    params, grads = Parameters(shapes, rng.normal(size=6)), Parameters(shapes, rng.normal(size=6) * 1e-6)
    start = params.flat.copy()
    first, second = rng.normal(size=6) * 1e-7, rng.uniform(size=6) * 1e-14
    m = 0.9 * first + 0.1 * grads.flat
    v = 0.999 * second + 0.001 * grads.flat**2
    step, rate = 3, 0.01
    expected = start - rate * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    adam_step(params, grads, first, second, step, rate)
    np.testing.assert_allclose(first, m, rtol=1e-12)
    np.testing.assert_allclose(second, v, rtol=1e-12)
    # Tiny gradients make ε matter, so the other placement (ε on the uncorrected √v) would fail this.
    np.testing.assert_allclose(params.flat, expected, rtol=1e-10)


def test_pair_channels_are_the_half_split_pairs():
    np.testing.assert_array_equal(pair_channels(8), [[0, 4], [1, 5], [2, 6], [3, 7]])
    np.testing.assert_array_equal(pairs_switched_off("fastest", 2, 8), [0, 1])
    np.testing.assert_array_equal(pairs_switched_off("slowest", 3, 8), [3, 2, 1])
    assert pairs_switched_off("slowest", 0, 8).size == 0
    with pytest.raises(ValueError, match="order"):
        pairs_switched_off("middle", 1, 8)


def test_pair_norms_equal_a_direct_computation(trained):
    usage = pair_usage(trained)
    settings, params = trained.settings, trained.weights["rope"]
    half = settings.dim // 2
    tokens, _ = evaluation_batch(settings, settings.train_length)
    inputs = params["embed"][tokens]
    queries = inputs @ params["w_q"] + params["b_q"]  # before rotation: rotating a pair keeps its length
    keys = inputs @ params["w_k"] + params["b_k"]
    for pair in range(half):
        columns = [pair, pair + half]
        assert usage.weight_q[pair] == pytest.approx(np.linalg.norm(params["w_q"][:, columns]))
        assert usage.weight_k[pair] == pytest.approx(np.linalg.norm(params["w_k"][:, columns]))
        assert usage.query[pair] == pytest.approx(np.linalg.norm(queries[..., columns], axis=-1).mean())
        assert usage.key[pair] == pytest.approx(np.linalg.norm(keys[..., columns], axis=-1).mean())
    np.testing.assert_allclose(usage.wavelengths, 2 * np.pi / inv_freq(settings.dim, settings.base))


def test_switching_off_a_pair_zeroes_exactly_its_query_and_key_channels(trained):
    params = trained.weights["rope"]
    switched = switch_off_pairs(params, [0, 5])
    tokens, _ = evaluation_batch(trained.settings, 16)
    tables = position_tables("rope", params, 16, trained.settings)
    before, after = forward("rope", params, tokens, tables), forward("rope", switched, tokens, tables)
    off = [0, 5, 16, 21]
    for name in ("queries", "keys"):
        assert np.abs(getattr(after, name)[..., off]).max() == 0.0
        kept = np.setdiff1d(np.arange(32), off)
        np.testing.assert_array_equal(getattr(after, name)[..., kept], getattr(before, name)[..., kept])
    np.testing.assert_array_equal(after.values, before.values)
    assert np.abs(params["w_q"][:, off]).min() > 0, "the trained weights themselves must stay untouched"
    with pytest.raises(ValueError, match="pairs"):
        switch_off_pairs(params, [16])
    with pytest.raises(ValueError, match="RoPE"):
        switch_off_pairs(trained.weights["learned"], [0])


def test_switching_off_no_pair_changes_nothing(trained):
    ablation = pair_ablation(trained)
    length = trained.settings.train_length
    assert ablation.accuracy == pytest.approx(accuracy_by_length(trained, [length])["rope"][0])
    tokens, maps = attention_maps(trained, length)
    np.testing.assert_array_equal(ablation.tokens, tokens)
    for order in ABLATION_ORDERS:
        accuracy, mass, attention = ablation.cumulative[order]
        assert accuracy[0] == ablation.accuracy and mass[0] == pytest.approx(ablation.mass)
        np.testing.assert_allclose(attention[0], maps["rope"], atol=1e-12)


def test_switching_off_every_pair_leaves_no_positional_pattern(trained):
    ablation = pair_ablation(trained)
    offset, length = trained.settings.offset, trained.settings.train_length
    # No query or key left: every score is 0, so each query spreads its attention evenly over what it can see.
    uniform = np.tril(np.ones((length, length))) / np.arange(1, length + 1)[:, None]
    for order in ABLATION_ORDERS:
        accuracy, mass, attention = ablation.cumulative[order]
        np.testing.assert_allclose(attention[-1], uniform, atol=1e-12)
        assert mass[-1] == pytest.approx(mass_on_target(uniform, offset))
        assert accuracy[-1] < 0.5 < ablation.accuracy
    np.testing.assert_allclose(ablation.cumulative["slowest"][0][-1], ablation.cumulative["fastest"][0][-1])


def test_the_fast_score_per_pair_equals_zeroing_the_weights_and_running_again(trained):
    ablation = pair_ablation(trained)
    settings = trained.settings
    tokens, targets = evaluation_batch(settings, settings.train_length)
    tables = position_tables("rope", trained.weights["rope"], settings.train_length, settings)
    scored = targets >= 0

    def direct(pairs):
        run = forward("rope", switch_off_pairs(trained.weights["rope"], pairs), tokens, tables)
        return float((run.logits.argmax(-1) == targets)[scored].mean()), mass_on_target(run.attention, settings.offset)

    for pair in (0, 7, 15):
        accuracy, mass = direct([pair])
        assert ablation.single_accuracy[pair] == pytest.approx(accuracy)
        assert ablation.single_mass[pair] == pytest.approx(mass)
    for order, count in (("slowest", 10), ("fastest", 3)):
        accuracy, mass = direct(pairs_switched_off(order, count, settings.dim))
        assert ablation.cumulative[order][0][count] == pytest.approx(accuracy)
        assert ablation.cumulative[order][1][count] == pytest.approx(mass)


def test_removable_pairs_counts_how_far_accuracy_holds_from_each_end():
    curve = np.array([1.0, 0.99, 0.95, 0.5, 0.2])
    ablation = PairAblation(4, np.zeros(4), 1.0, 0.9, np.zeros(4), np.zeros(4), {"slowest": (curve, curve, None),
                            "fastest": (np.array([1.0, 0.3, 0.2, 0.2, 0.2]),) * 2 + (None,)})  # fmt: skip
    assert removable_pairs(ablation, "slowest") == 2 and removable_pairs(ablation, "slowest", keep=0.4) == 3
    assert removable_pairs(ablation, "fastest") == 0 and removable_pairs(ablation, "fastest", keep=0.1) == 4


def test_the_summary_reports_the_costliest_pair_or_that_none_matters_alone():
    curve = np.array([1.0, 0.99, 0.95, 0.5, 0.2])
    cumulative = {"slowest": (curve, curve, None), "fastest": (np.array([1.0, 0.3, 0.2, 0.2, 0.2]),) * 2 + (None,)}
    wavelengths = np.array([6.283, 62.8, 628.3, 6283.2])
    hurt = PairAblation(4, np.zeros(4), 1.0, 0.9, np.array([0.4, 0.9, 1.0, 1.0]), np.zeros(4), cumulative)
    text = ablation_summary(hurt, wavelengths)
    assert "right 100% of the time" in text and "pair 0 alone (a turn every 6.3 tokens)" in text
    assert "falls to 40%" in text and "2 of the 4 pairs" in text and "from the fast end, 0" in text
    redundant = PairAblation(4, np.zeros(4), 1.0, 0.9, np.array([1.0, 0.995, 1.0, 1.0]), np.zeros(4), cumulative)
    assert "No single pair matters on its own" in ablation_summary(redundant, wavelengths)


def test_a_trained_copy_head_leans_on_its_fastest_pairs(trained):
    # The task is purely positional and its offsets are short, so the pairs that turn fastest carry the pattern.
    ablation = pair_ablation(trained)
    usage = pair_usage(trained)
    assert ablation.single_accuracy[0] < ablation.single_accuracy[-1]
    assert usage.query[0] * usage.key[0] > usage.query[-1] * usage.key[-1]
    assert removable_pairs(ablation, "slowest") > removable_pairs(ablation, "fastest")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"offset": 0}, "offset"),
        ({"offset": 15, "train_length": 16}, "offset"),
        ({"train_length": 999}, "train_length"),
        ({"steps": 0}, "steps"),
        ({"dim": 7}, "dim"),
        ({"vocab": 1}, "vocab"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"seed": -1}, "seed"),
        ({"base": 1.0}, "base"),
        ({"steps": 5000, "batch": 128, "train_length": 64, "dim": 64}, "work"),
    ],
)
def test_bad_settings_raise_value_errors_that_name_the_field(change, field):
    with pytest.raises(ValueError, match=field):
        check_settings(dataclasses.replace(ExperimentSettings(), **change))


def test_pickled_parameters_keep_their_arrays_as_views_of_the_flat_vector():
    params = pickle.loads(pickle.dumps(init_parameters("learned", TINY)))
    params.flat[...] = 0.0
    assert all(np.abs(array).max() == 0.0 for array in params.arrays.values())
