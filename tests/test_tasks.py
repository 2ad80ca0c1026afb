"""The task generators against the papers' definitions, written out here sample by sample.

Each definition below is re-implemented from the papers' code (cited in rac_tn.tasks), one
sequence at a time with plain loops, and compared with the vectorised generators; the
distributions are checked by counting.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from rac_tn import tasks


def _copying_reference(word: list[int], n: int, B: int) -> tuple[list[int], list[int]]:
    """``preprocess_data`` of copying_task_utils.py for one word."""
    M = len(word)
    T = 2 * M + B
    blank, recall = n, n + 1  # the alphabet lists the letters, then '-', then ':'
    x = word + [blank] * (B + M)
    x[T - M] = recall
    y = [blank] * (M + B) + word
    return x, y


@pytest.mark.parametrize(("n", "M", "B"), [(3, 2, 0), (4, 3, 5), (32, 30, 10), (2, 1, 1)])
def test_copying_matches_the_paper_sample_by_sample(n, M, B):
    x, y = tasks.copying(50, alphabet=n, memorize=M, delay=B, seed=3)
    assert x.shape == y.shape == (50, 2 * M + B)
    assert x.dtype == y.dtype == np.int64
    for row_x, row_y in zip(x, y):
        word = row_x[:M].tolist()
        assert all(0 <= s < n for s in word)
        ref_x, ref_y = _copying_reference(word, n, B)
        assert row_x.tolist() == ref_x
        assert row_y.tolist() == ref_y
    assert tasks.copying_vocabulary(n) == n + 2
    assert int(x.max()) == n + 1  # the marker, the largest symbol


def test_copying_words_are_uniform_and_seeded():
    x, _ = tasks.copying(4000, alphabet=4, memorize=3, delay=2, seed=0)
    counts = np.bincount(x[:, :3].ravel(), minlength=4)
    expected = 4000 * 3 / 4
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 16.3  # chi-square, 3 degrees of freedom, p = 0.001
    again, _ = tasks.copying(4000, alphabet=4, memorize=3, delay=2, seed=0)
    other, _ = tasks.copying(4000, alphabet=4, memorize=3, delay=2, seed=1)
    assert np.array_equal(x, again) and not np.array_equal(x, other)


def _ses_label(x: list[int], T: int, n: int, m: int, C: int) -> int:
    """``calc_y`` of SES_utils.py for one sequence: the block starts at the first letter."""
    pos = next(i for i, s in enumerate(x) if s < n)
    matches = sum(x[pos + t] == x[pos + t + T // 2] for t in range(m))
    return int(np.round(C * (matches / m)))


@pytest.mark.parametrize(
    ("T", "n", "m", "C"), [(8, 3, 4, 2), (12, 2, 4, 2), (16, 5, 8, 4), (10, 4, 2, 1)]
)
def test_start_end_similarity_matches_the_paper_sample_by_sample(T, n, m, C):
    x, y = tasks.start_end_similarity(300, length=T, alphabet=n, compared=m, classes=C, seed=1)
    assert x.shape == (300, T) and y.shape == (300,)
    allowed_matches = {int(np.round(k * m / C)) for k in range(C + 1)}
    half = T // 2
    for row, label in zip(x.tolist(), y.tolist()):
        assert label == _ses_label(row, T, n, m, C)
        assert 0 <= label <= C
        letters = [i for i, s in enumerate(row) if s < n]
        if m < half:
            pos = letters[0]
            assert 0 <= pos <= half - m - 1
            assert letters == list(range(pos, pos + m)) + list(range(pos + half, pos + half + m))
            assert all(row[i] == n for i in range(T) if i not in letters)  # blanks elsewhere
        else:
            assert letters == list(range(T))
            pos = 0
        matches = sum(row[pos + t] == row[pos + t + half] for t in range(m))
        assert matches in allowed_matches
        assert label == int(np.round(C * matches / m))
    assert tasks.start_end_vocabulary(n, T, m) == n + (m < half)


def test_start_end_classes_are_uniform_and_mismatches_avoid_the_start_symbol():
    T, n, m, C = 12, 3, 6, 2
    x, y = tasks.start_end_similarity(6000, length=T, alphabet=n, compared=m, classes=C, seed=2)
    counts = np.bincount(y, minlength=C + 1)
    expected = 6000 / (C + 1)
    assert float(((counts - expected) ** 2 / expected).sum()) < 13.8  # 2 d.o.f., p = 0.001
    first, second = x[:, :m], x[:, m:]
    # a mismatch is uniform over the n - 1 other symbols: given first = a, second in {a+1, a+2}
    pairs = Counter((a, b) for a, b in zip(first.ravel(), second.ravel()) if a != b)
    for a in range(n):
        seen = [pairs[(a, b)] for b in range(n) if b != a]
        assert min(seen) > 0.8 * max(seen), (a, seen)
    # the positions of the matches are a uniform subset: each position matches as often
    same = (first == second).mean(axis=0)
    assert same.max() - same.min() < 0.05


def test_start_end_refuses_what_the_paper_refuses():
    with pytest.raises(ValueError, match="even"):
        tasks.start_end_similarity(1, length=7, alphabet=3, compared=3, classes=2)
    with pytest.raises(ValueError, match="compared"):
        tasks.start_end_similarity(1, length=8, alphabet=3, compared=5, classes=2)
    with pytest.raises(ValueError, match="compared"):
        tasks.start_end_similarity(1, length=8, alphabet=3, compared=1, classes=2)
    with pytest.raises(ValueError, match="classes"):
        tasks.start_end_similarity(1, length=8, alphabet=3, compared=4, classes=5)
    with pytest.raises(ValueError, match="alphabet"):
        tasks.start_end_similarity(1, length=8, alphabet=1, compared=4, classes=2)


def test_synthetic_copy_matches_the_paper_step_by_step():
    T, p, d = 16, 8, 5
    x, y = tasks.synthetic_copy(20, mode="linear", length=T, lookahead=p, dim=d, seed=4)
    xs, ys = tasks.synthetic_copy(20, mode="sin", length=T, lookahead=p, dim=d, seed=4)
    xp, yp = tasks.synthetic_copy(20, mode="temporal_product", length=T, lookahead=3, dim=d,
                                  seed=4)  # fmt: skip
    assert np.array_equal(x, xs) and np.array_equal(x, xp)  # the same Gaussian draw
    for i in range(20):
        for t in range(T):
            if t < p:
                assert not y[i, t].any() and not ys[i, t].any()
            else:
                assert np.array_equal(y[i, t], x[i, t - p])
                assert np.allclose(ys[i, t], np.sin(x[i, t - p]), rtol=0, atol=1e-15)
            if t < 3:
                assert not yp[i, t].any()
            else:
                for k in range(d):
                    P = x[i, t - 3, k] * x[i, t - 2, k] * x[i, t - 1, k] * x[i, t, k]
                    want = np.sign(P) * abs(P) ** 0.25
                    assert abs(yp[i, t, k] - want) <= 1e-12 * max(1.0, abs(want))
    mask = tasks.target_mask(y)
    assert mask.shape == (20, T)
    assert (mask[:, :p] == 0).all() and mask[:, p:].all()


def test_synthetic_copy_is_standard_gaussian():
    x, _ = tasks.synthetic_copy(2000, length=16, lookahead=8, dim=5, seed=0)
    assert abs(x.mean()) < 0.01
    assert abs(x.std() - 1) < 0.01


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: tasks.synthetic_copy(1, mode="cube", length=4, lookahead=1, dim=1), "mode"),
        (lambda: tasks.synthetic_copy(1, length=4, lookahead=4, dim=1), "lookahead"),
        (lambda: tasks.synthetic_copy(1, length=4, lookahead=0, dim=1), "lookahead"),
        (lambda: tasks.copying(0, alphabet=2, memorize=1, delay=0), "num_samples"),
        (lambda: tasks.copying(1, alphabet=2, memorize=1, delay=-1), "delay"),
        (lambda: tasks.copying(1, alphabet=2, memorize=1, delay=0, seed=-1), "seed"),
    ],
)
def test_bad_arguments_name_themselves(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()
