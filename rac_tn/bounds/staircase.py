"""The symmetric cut's search space: closed sets of the computation grid as staircases of widths.

See the Theory page, "Closed sets are staircases" and "The search, and round-off".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import gammaln

from rac_tn.bounds.flow import min_cut_arrays
from rac_tn.counting import multiset, paths, product

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import Side

_LN2 = math.log(2.0)


def boundary(
    L: int,
    T: int,
    widths: Sequence[int],
    upstream: Sequence[int],
    scales: Sequence[int] | None = None,
) -> list[tuple[tuple, str, int]]:
    """The nodes of U feeding nodes outside U, as ``(node, 'M' or 'R', deg_U)``, inputs first.

    ``scales`` (:func:`~rac_tn.counting.degree_scales`, None: bilinear cells) multiplies the
    degree of a node of layer l by ``g_l``: cells that read their input k times multiply the
    degrees below them by k.
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
    """``log2`` of the cost of U in floats (inputs capped at N templates), to rank candidates."""
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
    """The widths of a minimum-cost closed set, by dynamic programming over the layers (in bits)."""
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
    """The widths of a minimum-cost closed set, by max-flow on the three-arc gadget network."""
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
    """``log2 ((n, k))`` from ``log2 k``, by ``gammaln`` below ``k = 2**30`` and a series above."""
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
    """``(node, dim, degree, factor)`` per boundary node of U, ``factor = ((dim, degree))``."""
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
) -> tuple[list[tuple[tuple, int, int, int]], tuple[int, ...], tuple[int, ...], Side]:
    """The exact factors, widths, upstream times and side of the exactly cheapest candidate set."""
    cheapest = min(cost for cost, *_ in candidates)
    best = None
    for cost, widths, upstream, side_name in sorted(candidates, key=lambda c: c[0]):
        if cost > cheapest + 1e-6 * (1 + cheapest):
            break
        factors = exact_factors(M, R, L, T, upstream, widths, N, scales)
        value = product(f[3] for f in factors)
        if best is None or value < best[0]:
            best = (value, factors, widths, upstream, side_name)
    assert best is not None  # the cheapest candidate is always taken
    return best[1:]
