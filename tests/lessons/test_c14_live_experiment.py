"""Chapter 14's lesson: hand-written gradients, the copy task, reproducibility, budget and stopping."""

from __future__ import annotations

import dataclasses
import pickle

import numpy as np
import pytest

from rope_core import apply_rope, inv_freq
from ropelab.lessons.c14_live_experiment import (
    SCHEMES,
    ExperimentSettings,
    accuracy_by_length,
    attention_maps,
    check_settings,
    copy_task_batch,
    copy_task_example,
    finished_run,
    forward,
    ideal_attention,
    init_parameters,
    loss_and_gradients,
    mass_on_target,
    position_tables,
    rotate_backward,
    rotate_forward,
    run_experiment,
    training_work,
)

TINY = ExperimentSettings(offset=2, train_length=6, steps=3, seed=5, dim=4, vocab=5, batch=3)
# Multiply-adds of the default run (four models). Measured as work, not wall time, so it cannot flake; the
# benchmark in benchmarks/bench_training.py shows this takes ~3-10 s on the 2-core build machine.
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


def test_the_task_needs_positions_and_rope_learns_it_and_extrapolates():
    result = run_experiment(dataclasses.replace(ExperimentSettings(), steps=200))
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
