"""The symmetric cut's search space: closed sets of the computation grid, as staircases.

A set U of grid nodes closed under predecessors holds, in layer l, the cells ``(l, 1..w_l)``
with ``w_1 >= w_2 >= ... >= w_L`` (a cell needs its left and lower neighbours), plus the
inputs of its side. So U is the vector of widths ``w``: its exact cost needs only its boundary
(at most ``width + L`` cells), and the minimum-cost U is one max-flow over arrays (the flow
network of :func:`rac_tn.bounds.symmetric_bound`, Notes), never a Python object per cell.

Examples
--------
>>> boundary(2, 6, (3, 1), [1, 2, 3])           # L = 2, T = 6, w = (3, 1), start inputs 1..3
[(('h', 1, 3), 'R', 4), (('h', 1, 2), 'R', 1), (('h', 2, 1), 'R', 1)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from scipy.special import gammaln

from rac_tn.bounds.flow import min_cut_arrays
from rac_tn.counting import multiset, paths, product

_LN2 = math.log(2.0)


def boundary(
    L: int,
    T: int,
    widths: Sequence[int],
    upstream: Sequence[int],
    scales: Sequence[int] | None = None,
) -> list[tuple[tuple, str, int]]:
    """The nodes of U that feed nodes outside U: ``(node, 'M' or 'R', degree)``.

    ``degree`` is ``deg_U(v)``: the paths to the output through successors outside U, times
    ``scales[l]`` for a node of layer l (:func:`~rac_tn.counting.degree_scales`: cells that
    read their input k times multiply the degrees below them by k). Inputs come first (in time
    order), then cells by layer, rightmost first.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    widths
        The staircase ``w_1 >= ... >= w_L`` (each ``< T``).
    upstream
        The input times of U's side.
    scales
        ``(g_0, ..., g_L)``, or None (every ``g_l = 1``: bilinear cells).

    Returns
    -------
    list of tuple
        ``(node, symbol, degree)``: the grid node (``("x", t)`` or ``("h", l, t)``), its
        dimension symbol and ``deg_U``. A top-layer cell is listed even with degree 0.

    Examples
    --------
    >>> boundary(1, 4, (2,), [1, 2])             # the MPS: one bond, the state h^{1,2}
    [(('h', 1, 2), 'R', 1)]
    """
    g = (1,) * (L + 1) if scales is None else tuple(scales)
    out: list[tuple[tuple, str, int]] = []
    w1 = widths[0] if widths else 0
    out += [(("x", t), "M", paths(L, T, 0, t) * g[0]) for t in upstream if t > w1]
    for layer in range(1, L + 1):
        w = widths[layer - 1]
        above = widths[layer] if layer < L else w  # the top layer has no successor above
        for t in range(w, above, -1) if w > above else ([w] if w else []):
            degree = paths(L, T, layer, t + 1) if t == w else 0  # t <= width < T
            if layer < L and t > above:
                degree += paths(L, T, layer + 1, t)
            out.append((("h", layer, t), "R", degree * g[layer]))
    return out


def log2_cost(
    M: int,
    R: int,
    L: int,
    T: int,
    widths: Sequence[int],
    upstream: np.ndarray,
    N: int | None,
    scales: Sequence[int] | None = None,
) -> float:
    """``log2`` of the cost of U (floats, vectorised): for choosing among candidates.

    The same boundary as :func:`boundary`, priced ``((dim, degree))`` (inputs capped at N).

    Parameters
    ----------
    M, R, L, T
        The sizes.
    widths
        The staircase of U.
    upstream
        The input times of U's side, as an int array.
    N
        The template count (inputs cost at most N), or None.
    scales
        The degree scales ``(g_0, ..., g_L)`` (:func:`boundary`), or None.

    Returns
    -------
    float
        ``log2`` of the product of the boundary's factors.

    Examples
    --------
    >>> round(log2_cost(2, 2, 2, 6, (3, 1), np.array([1, 2, 3]), None), 4)   # log2(5 * 2 * 2)
    4.3219
    """
    lg = _log2_scales(scales, L)
    w1 = widths[0] if len(widths) else 0
    times = upstream[upstream > w1]
    inputs = _log2_multiset(M, _log2_paths(L, T, np.ones_like(times), times) + lg[0])
    if N is not None:
        inputs = np.minimum(inputs, math.log2(N))
    total = float(inputs.sum())
    for layer in range(1, L + 1):
        w = widths[layer - 1]
        if w == 0:
            continue
        above = widths[layer] if layer < L else w
        t = np.arange(min(above, w - 1) + 1, w + 1)  # t == w, and t > above
        log_degree = np.full(t.shape, -np.inf)
        log_degree[-1] = _log2_paths(L, T, np.array([layer]), np.array([w + 1]))[0]
        if layer < L:
            up = t > above
            log_up = _log2_paths(L, T, np.full(up.sum(), layer + 1), t[up])
            log_degree[up] = np.logaddexp2(log_degree[up], log_up)
        total += float(_log2_multiset(R, log_degree + lg[layer]).sum())
    return total


def cheapest_staircase(
    M: int,
    R: int,
    L: int,
    T: int,
    width: int,
    N: int | None,
    scales: Sequence[int] | None = None,
) -> tuple[int, ...]:
    """The widths of a minimum-cost closed set U, by dynamic programming over the layers.

    With ``w_l`` the width of layer l, the cost splits into the cut inputs
    (``t`` in ``w_1+1..width``) and one term per layer that depends on ``(w_l, w_{l+1})`` only:
    cells ``t`` in ``w_{l+1}+1..w_l-1`` feed only the cell above, cell ``w_l`` feeds the one
    to its right (and the one above when ``w_l > w_{l+1}``). So ``F_l(a) = min over b <= a``
    of ``cost_l(a, b) + F_{l+1}(b)``, and the minimum over ``b < a`` is a running minimum:
    ``O(L * width)`` array operations. Costs in bits (floats); the caller recounts exactly.
    It minimises the same objective over the same sets as the max-flow of
    :func:`min_staircase` (the tests check that they agree).

    Parameters
    ----------
    M, R, L, T
        The sizes.
    width
        The cells of times ``1..width`` may be in U: the other side's first time is
        ``width + 1``.
    N
        The template count (inputs cost at most N), or None.
    scales
        The degree scales ``(g_0, ..., g_L)`` (:func:`boundary`), or None.

    Returns
    -------
    tuple of int
        The widths ``(w_1, ..., w_L)``, non-increasing.

    Examples
    --------
    >>> cheapest_staircase(2, 2, 2, 6, 3, None)
    (3, 3)
    """
    if width == 0:
        return (0,) * L
    lg = _log2_scales(scales, L)
    a = np.arange(width + 1)  # candidate widths 0..width
    t = a[1:]
    inputs = _log2_multiset(M, _log2_paths(L, T, np.ones_like(t), t) + lg[0])
    if N is not None:
        inputs = np.minimum(inputs, math.log2(N))
    cut_inputs = np.concatenate([np.cumsum(inputs[::-1])[::-1], [0.0]])  # inputs t > a
    top = _log2_paths(L, T, np.full(width, L), t + 1) + lg[L]
    right = np.concatenate([[0.0], _log2_multiset(R, top)])
    F = np.where(a > 0, right, 0.0)  # the top layer: only cell w_L's right neighbour
    choices = []
    for layer in range(L - 1, 0, -1):
        log_right = _log2_paths(L, T, np.full(width, layer), t + 1) + lg[layer]
        log_up = _log2_paths(L, T, np.full(width, layer + 1), t) + lg[layer]
        up_only = np.concatenate([[0.0], _log2_multiset(R, log_up)])
        both = np.concatenate([[0.0], _log2_multiset(R, np.logaddexp2(log_right, log_up))])
        equal = np.concatenate([[0.0], _log2_multiset(R, log_right)]) + F  # b = a
        S = np.cumsum(up_only)  # S[k] = up-only cost of cells 1..k
        G = F - S  # for b < a: S[a-1] - S[b] + both[a] + F[b]
        running = np.minimum.accumulate(G)
        arg = np.maximum.accumulate(np.where(G <= running, a, -1))
        lower = np.full(width + 1, np.inf)
        lower[1:] = S[:-1] + both[1:] + running[:-1]
        take_lower = lower < equal
        choices.append(np.where(take_lower, np.concatenate([[0], arg[:-1]]), a))
        F = np.where(take_lower, lower, equal)
    total = F + cut_inputs
    widths = [int(np.argmin(total))]
    for choice in reversed(choices):
        widths.append(int(choice[widths[-1]]))
    return tuple(widths)


def min_staircase(
    M: int,
    R: int,
    L: int,
    T: int,
    width: int,
    N: int | None,
    bound: float,
    scales: Sequence[int] | None = None,
) -> tuple[int, ...]:
    """The widths of a minimum-cost closed set U (cells of times ``1..width`` only).

    Arcs (node ids: source 0, sink 1, cell ``(l, t)`` at ``2 + (l-1) width + t-1``, its
    auxiliary node ``L width`` further): the source to cell ``(1, t)`` at the input's cost,
    closure arcs (infinite) to each cell's predecessors, and per cell the three-arc gadget over
    its successors (cells past ``width`` are the sink). Capacities are binary logarithms of the
    multiset coefficients, in floats (the U found is re-costed exactly by the caller).

    Parameters
    ----------
    M, R, L, T, width, N
        As :func:`cheapest_staircase`.
    bound
        The cost in bits of some closed set: the flow's scale
        (:func:`~rac_tn.bounds.flow.min_cut_arrays`).
    scales
        The degree scales ``(g_0, ..., g_L)`` (:func:`boundary`), or None.

    Returns
    -------
    tuple of int
        The widths ``(w_1, ..., w_L)``.

    Examples
    --------
    >>> min_staircase(2, 2, 2, 6, 3, None, bound=10.0)
    (3, 3)
    """
    if width == 0:
        return (0,) * L
    layer = np.repeat(np.arange(1, L + 1), width)
    t = np.tile(np.arange(1, width + 1), L)
    cell = 2 + (layer - 1) * width + (t - 1)
    aux = cell + L * width
    right = np.where(t < width, cell + 1, 1)
    up = cell + width
    lg = _log2_scales(scales, L)
    log_right = _log2_paths(L, T, layer, t + 1) + lg[layer]
    top = layer == L
    log_up = np.where(top, 0.0, _log2_paths(L, T, np.minimum(layer + 1, L), t) + lg[layer])
    cost_right = _log2_multiset(R, log_right)
    cost_up = _log2_multiset(R, log_up)
    cost_both = _log2_multiset(R, np.logaddexp2(log_right, log_up))
    first = layer == 1
    n_t = _log2_paths(L, T, np.ones(width, dtype=np.int64), np.arange(1, width + 1)) + lg[0]
    input_cost = _log2_multiset(M, n_t)
    if N is not None:
        input_cost = np.minimum(input_cost, math.log2(N))
    inf = np.inf
    tails = [np.zeros(width, np.int64), cell[t > 1], cell[layer > 1]]
    heads = [cell[first], cell[t > 1] - 1, cell[layer > 1] - width]
    caps = [input_cost, np.full((t > 1).sum(), inf), np.full((layer > 1).sum(), inf)]
    tails += [cell[top], cell[~top], aux[~top], aux[~top]]
    heads += [right[top], aux[~top], right[~top], up[~top]]
    caps += [cost_right[top], cost_both[~top], cost_right[~top], cost_up[~top]]
    reached = min_cut_arrays(
        2 + 2 * L * width, np.concatenate(tails), np.concatenate(heads), np.concatenate(caps), bound
    )
    inside = reached[2 : 2 + L * width].reshape(L, width)
    return tuple(int(row.sum()) for row in inside)


def _log2_scales(scales: Sequence[int] | None, L: int) -> np.ndarray:
    """``log2 g_l`` for l = 0..L (zeros for bilinear cells)."""
    if scales is None:
        return np.zeros(L + 1)
    return np.log2(np.asarray(scales, dtype=np.float64))


def _log2_paths(L: int, T: int, layer: np.ndarray, t: np.ndarray) -> np.ndarray:
    """``log2 C(T-t+L-l, L-l)`` for arrays of cells (``gammaln``: accurate to ~1e-9 bits)."""
    n = (T - t + L - layer).astype(np.float64)
    r = (L - layer).astype(np.float64)
    return (gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1)) / _LN2


def _log2_multiset(n: int, log2_k: np.ndarray) -> np.ndarray:
    """``log2 ((n, k)) = log2 C(k+n-1, n-1)`` from ``log2 k`` (k may be astronomically large).

    For ``k < 2**30`` by ``gammaln``; beyond, ``(n-1) log2 k - log2 (n-1)!`` plus the first two
    terms of ``sum_j log2(1 + j/k)``, exact to far below a flow unit.
    """
    log2_k = np.asarray(log2_k, dtype=np.float64)
    small = log2_k < 30
    k = np.exp2(np.where(small, log2_k, 0.0))
    exact = (gammaln(k + n) - gammaln(k + 1) - gammaln(n)) / _LN2
    big_k = np.exp2(np.where(small, 30.0, log2_k))
    m = n - 1
    series = m * (m + 1) / (2 * big_k) - m * (m + 1) * (2 * m + 1) / (12 * big_k**2)
    large = m * log2_k - gammaln(n) / _LN2 + series / _LN2
    return np.where(small, exact, large)


def exact_factors(
    M: int,
    R: int,
    L: int,
    T: int,
    upstream: Sequence[int],
    widths: Sequence[int],
    N: int | None,
    scales: Sequence[int] | None = None,
) -> list[tuple[tuple, int, int, int]]:
    """The exact cut of U = upstream inputs + the staircase ``widths`` (degrees ``scales``d).

    Returns
    -------
    list of tuple
        ``(node, dim, degree, factor)`` per boundary node: ``factor = ((dim, degree))``
        (an input's capped at N templates).

    Examples
    --------
    >>> exact_factors(2, 2, 1, 4, [1, 2], (0,), None)    # the two inputs, degree 1 each
    [(('x', 1), 2, 1, 2), (('x', 2), 2, 1, 2)]
    """
    factors = []
    for node, symbol, degree in boundary(L, T, widths, upstream, scales):
        if symbol == "M":
            factor = multiset(M, degree) if N is None else min(N, multiset(M, degree))
            factors.append((node, M, degree, factor))
        elif degree:
            factors.append((node, R, degree, multiset(R, degree)))
    return factors


def cheapest_candidate(
    M: int,
    R: int,
    L: int,
    T: int,
    N: int | None,
    candidates: list,
    scales: Sequence[int] | None = None,
) -> tuple[list[tuple[tuple, int, int, int]], tuple[int, ...], tuple[int, ...], str]:
    """The exactly cheapest of candidate closed sets.

    Candidates whose cost in bits is clearly above the cheapest are not recounted exactly (a
    recount forms every factor as a big integer).

    Parameters
    ----------
    M, R, L, T
        The sizes.
    N
        The template count, or None for the separation rank.
    candidates
        ``(log2 cost, widths, upstream times, side name)`` tuples.
    scales
        The degree scales ``(g_0, ..., g_L)`` (:func:`boundary`), or None.

    Returns
    -------
    tuple
        The exact factors (:func:`exact_factors`), widths, upstream times and side name of
        the cheapest candidate.
    """
    cheapest = min(cost for cost, *_ in candidates)
    best = None
    for cost, widths, upstream, side_name in sorted(candidates, key=lambda c: c[0]):
        if cost > cheapest + 1e-6 * (1 + cheapest):
            break
        factors = exact_factors(M, R, L, T, upstream, widths, N, scales)
        value = product(f[3] for f in factors)
        if best is None or value < best[0]:
            best = (value, factors, widths, upstream, side_name)
    return best[1:]
