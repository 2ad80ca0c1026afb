"""The papers' synthetic tasks as numpy data: Copying, Start-End Similarity, synthetic copy.

Each generator follows the code the paper's experiments ran (cited in its docstring), draws
from its own ``numpy.random.Generator`` (so a seed fixes the data, whatever else draws random
numbers) and returns numpy arrays:

- :func:`copying` (Levine, Sharir & Shashua): symbol indices in, symbol indices out;
- :func:`start_end_similarity` (the same paper): symbol indices in, one class label out;
- :func:`synthetic_copy` (Lizaire, Rizvi-Martel, Dupuis & Rabusseau): Gaussian vectors in,
  vectors out, zero before the lookahead (the positions the loss leaves out).

The generators use numpy's random numbers, not TensorFlow's or PyTorch's: the distributions are
the papers', the individual draws are not.

Examples
--------
>>> inputs, targets = copying(2, alphabet=3, memorize=2, delay=1, seed=0)
>>> inputs[0].tolist(), targets[0].tolist()   # 3 letters, the blank 3, the recall marker 4
([2, 1, 3, 4, 3], [3, 3, 3, 2, 1])
"""

from __future__ import annotations

import numpy as np

from rac_tn._checks import check_choice, check_seed, nonnegative_int, positive_int

__all__ = [
    "BLANK_OFFSET",
    "COPY_MODES",
    "RECALL_OFFSET",
    "copying",
    "copying_vocabulary",
    "start_end_similarity",
    "start_end_vocabulary",
    "synthetic_copy",
    "target_mask",
]

#: In :func:`copying`, the blank is symbol ``alphabet + BLANK_OFFSET``.
BLANK_OFFSET = 0
#: In :func:`copying`, the recall marker is symbol ``alphabet + RECALL_OFFSET``.
RECALL_OFFSET = 1
#: The target functions of :func:`synthetic_copy`.
COPY_MODES = ("linear", "sin", "temporal_product")


def copying_vocabulary(alphabet: int) -> int:
    """The number of symbols of :func:`copying`: the alphabet, the blank and the recall marker.

    Examples
    --------
    >>> copying_vocabulary(8)
    10
    """
    return positive_int(alphabet, "alphabet") + 2


def copying(
    num_samples: int,
    *,
    alphabet: int,
    memorize: int,
    delay: int,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The Copying Memory task: recall ``memorize`` symbols after ``delay`` blanks.

    Follows ``copying_memory_task/copying_task_utils.py`` (``preprocess_data`` and
    ``generate_batch``) of HUJI-Deep/Long-Term-Memory-of-Deep-RNNs. With ``M = memorize``,
    ``B = delay`` and ``T = 2M + B``: the word is ``M`` symbols drawn uniformly from
    ``0..alphabet-1``; the input is the word followed by ``B + M`` blanks, except that the
    recall marker replaces the blank at position ``T - M`` (0-based: the first of the last
    ``M`` steps); the target is ``M + B`` blanks followed by the word. The blank is symbol
    ``alphabet`` and the marker ``alphabet + 1`` (the paper's alphabet lists the letters, then
    ``'-'``, then ``':'``); the paper's model reads one-hot vectors of
    :func:`copying_vocabulary` symbols and is scored at every step.

    Parameters
    ----------
    num_samples
        The number of sequences.
    alphabet
        The number of letters n (the paper's default: 32).
    memorize
        M, the letters to remember (the paper's default: 30).
    delay
        B >= 0, the blanks between the word and the recall (the paper varies it).
    seed
        Seeds the draw (an int, a Generator, or None).

    Returns
    -------
    inputs, targets : numpy.ndarray
        ``(num_samples, T)`` int64 symbol indices each.

    Examples
    --------
    >>> x, y = copying(1, alphabet=4, memorize=3, delay=2, seed=1)
    >>> x.tolist()[0][3:], y.tolist()[0][:5]      # blanks (4), marker (5), blanks
    ([4, 4, 5, 4, 4], [4, 4, 4, 4, 4])
    """
    count = positive_int(num_samples, "num_samples")
    n = positive_int(alphabet, "alphabet")
    M = positive_int(memorize, "memorize")
    B = nonnegative_int(delay, "delay")
    rng = np.random.default_rng(check_seed(seed))
    T = 2 * M + B
    blank, recall = n + BLANK_OFFSET, n + RECALL_OFFSET
    words = rng.integers(n, size=(count, M), dtype=np.int64)
    inputs = np.full((count, T), blank, dtype=np.int64)
    inputs[:, :M] = words
    inputs[:, T - M] = recall
    targets = np.full((count, T), blank, dtype=np.int64)
    targets[:, M + B :] = words
    return inputs, targets


def start_end_vocabulary(alphabet: int, length: int, compared: int) -> int:
    """The number of symbols of :func:`start_end_similarity` (a blank when it pads).

    Examples
    --------
    >>> start_end_vocabulary(4, 16, 8), start_end_vocabulary(4, 16, 6)
    (4, 5)
    """
    n = positive_int(alphabet, "alphabet")
    return n + (1 if compared < length // 2 else 0)


def start_end_similarity(
    num_samples: int,
    *,
    length: int,
    alphabet: int,
    compared: int,
    classes: int,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The Start-End Similarity task: how many of ``compared`` symbol pairs agree, in classes.

    Follows ``start_end_similarity/SES_utils.py`` (``uniform_y_data`` and ``calc_y``) of
    HUJI-Deep/Long-Term-Memory-of-Deep-RNNs. With ``T = length``, ``m = compared`` and
    ``C = classes``: a class ``k`` is drawn uniformly from ``0..C``, and the number of
    matching pairs is ``round(k m / C)``; the first block is m symbols drawn uniformly from
    ``0..alphabet-1``; the second block copies it at a uniformly random subset of that many
    positions and, elsewhere, draws uniformly among the ``alphabet - 1`` other symbols. When
    ``m < T/2`` both blocks start at the same uniformly drawn offset ``pos`` in
    ``0..T/2-m-1`` of their halves (the first at ``pos``, the second at ``pos + T/2``) and the
    rest is the blank symbol ``alphabet``; when ``m = T/2`` the sequence is the two blocks. The
    label is ``round(C * matches / m)`` (numpy's round, halves to even, as the paper's code).

    The paper's code replaces ``classes`` by ``min(classes, T/2)``; here a larger value is an
    error instead of a silent change.

    Parameters
    ----------
    num_samples
        The number of sequences.
    length
        T, even (the paper: 80 and more).
    alphabet
        The number of symbols n >= 2 (the paper's default: 32).
    compared
        m, the pairs compared, ``2 <= m <= T/2`` (the paper's default: 30).
    classes
        C: the labels are ``0..C`` (the paper uses C = 2, three classes), ``C <= T/2``.
    seed
        Seeds the draw (an int, a Generator, or None).

    Returns
    -------
    inputs : numpy.ndarray
        ``(num_samples, T)`` int64 symbol indices.
    labels : numpy.ndarray
        ``(num_samples,)`` int64 labels in ``0..C``.

    Examples
    --------
    >>> x, y = start_end_similarity(3, length=8, alphabet=4, compared=4, classes=2, seed=0)
    >>> x.shape, y.shape, bool(((x[:, :4] == x[:, 4:]).sum(1) == np.round(y * 4 / 2)).all())
    ((3, 8), (3,), True)
    """
    count = positive_int(num_samples, "num_samples")
    T = positive_int(length, "length")
    n = positive_int(alphabet, "alphabet")
    m = positive_int(compared, "compared")
    C = positive_int(classes, "classes")
    if T % 2:
        raise ValueError(f"length must be even (a start half and an end half), got {T}")
    if n < 2:
        raise ValueError(f"alphabet must be at least 2 (a mismatch needs another symbol), got {n}")
    if not 2 <= m <= T // 2:
        raise ValueError(f"compared must be in 2..length/2 = 2..{T // 2}, got {m}")
    if C > T // 2:
        raise ValueError(
            f"classes must be at most length/2 = {T // 2} (the paper's code caps it there), got {C}"
        )
    rng = np.random.default_rng(check_seed(seed))
    k = rng.integers(C + 1, size=count)
    matches = np.round(k * (m / C)).astype(np.int64)
    first = rng.integers(n, size=(count, m), dtype=np.int64)
    # a uniformly random subset of `matches` positions: the smallest of m random keys
    order = np.argsort(np.argsort(rng.random((count, m)), axis=1), axis=1)
    same = order < matches[:, None]
    other = rng.integers(n - 1, size=(count, m), dtype=np.int64)
    other += other >= first  # uniform over the n - 1 symbols other than first
    second = np.where(same, first, other)
    half = T // 2
    if m < half:
        pos = rng.integers(half - m, size=count)
        inputs = np.full((count, T), n, dtype=np.int64)
        cols = pos[:, None] + np.arange(m)
        rows = np.arange(count)[:, None]
        inputs[rows, cols] = first
        inputs[rows, cols + half] = second
    else:
        inputs = np.concatenate([first, second], axis=1)
    found = (first == second).sum(axis=1)
    labels = np.round(C * found / m).astype(np.int64)
    return inputs, labels


def synthetic_copy(
    num_samples: int,
    *,
    mode: str = "linear",
    length: int,
    lookahead: int,
    dim: int,
    seed: int | np.random.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """The depth paper's synthetic copy tasks on real vectors (``datatype: real``).

    Follows ``src/data_synthetic.py`` (``SyntheticCopyDataset.gen_data``) of
    MaudeLiz/Role_of_Depth_in_RNNs, with the sizes of ``configs/synthetic_configs.yaml``
    (``seq_len: 16``, ``vocab_size: 5``, ``lookahead: 8``, 1000 training sequences). Inputs
    ``x_t`` are standard Gaussian vectors of size ``dim``; with ``p = lookahead`` the target is
    zero for ``t < p`` (0-based) and, for ``t >= p``:

    - ``'linear'``: ``y_t = x_{t-p}``;
    - ``'sin'``: ``y_t = sin(x_{t-p})``;
    - ``'temporal_product'``: ``y_t = sign(P) |P|^(1/(p+1))`` with ``P = x_{t-p} ... x_t``
      (elementwise product over the window of ``p + 1`` steps).

    The paper's loss reads only the target vectors that are not all zero
    (:func:`target_mask`).

    Parameters
    ----------
    num_samples
        The number of sequences.
    mode
        One of :data:`COPY_MODES`.
    length
        T.
    lookahead
        p, ``1 <= p < T``.
    dim
        The size of each vector (the paper's ``vocab_size``).
    seed
        Seeds the draw (an int, a Generator, or None).

    Returns
    -------
    inputs, targets : numpy.ndarray
        ``(num_samples, T, dim)`` float64 each.

    Examples
    --------
    >>> x, y = synthetic_copy(2, length=5, lookahead=2, dim=3, seed=0)
    >>> bool((y[:, 2:] == x[:, :3]).all()), bool((y[:, :2] == 0).all())
    (True, True)
    """
    count = positive_int(num_samples, "num_samples")
    check_choice(mode, "mode", COPY_MODES)
    T = positive_int(length, "length")
    p = positive_int(lookahead, "lookahead")
    d = positive_int(dim, "dim")
    if p >= T:
        raise ValueError(f"lookahead must be below length = {T}, got {p}")
    rng = np.random.default_rng(check_seed(seed))
    inputs = rng.standard_normal((count, T, d))
    targets = np.zeros_like(inputs)
    if mode == "linear":
        targets[:, p:] = inputs[:, :-p]
    elif mode == "sin":
        targets[:, p:] = np.sin(inputs[:, :-p])
    else:
        windows = np.lib.stride_tricks.sliding_window_view(inputs, p + 1, axis=1)
        product = windows.prod(axis=-1)  # (count, T - p, d)
        targets[:, p:] = np.sign(product) * np.abs(product) ** (1.0 / (p + 1))
    return inputs, targets


def target_mask(targets: np.ndarray) -> np.ndarray:
    """The positions the depth paper's loss reads: target vectors that are not all zero.

    ``mask = (|y|.sum(-1) != 0)`` as in ``src/task.py`` (``CopyTaskRegression``) of
    MaudeLiz/Role_of_Depth_in_RNNs; the masked MSE is the mean squared error over the entries
    of those vectors.

    Parameters
    ----------
    targets
        ``(..., dim)`` real array.

    Returns
    -------
    numpy.ndarray
        Boolean, ``targets.shape[:-1]``.

    Examples
    --------
    >>> target_mask(np.array([[[0.0, 0.0], [0.0, 2.0]]])).tolist()
    [[False, True]]
    """
    arr = np.asarray(targets)
    if arr.ndim < 1:
        raise ValueError("targets must have a last axis (the vector of each step)")
    return np.abs(arr).sum(axis=-1) != 0
