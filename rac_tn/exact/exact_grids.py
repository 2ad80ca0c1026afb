"""Exact ranks over Q from values on unisolvent grids: no prime, no probability.

A polynomial that is homogeneous of degree ``n`` in a vector of M variables is determined by
its values on the simplex lattice ``{a in Z_{>=0}^M : |a| = n}``, and the evaluation matrix
there is invertible. So for a product of such lattices over the times of P (rows) and of Q
(columns), the matrix of values ``y(zeta_i, xi_j)`` is ``Phi_P Cf Phi_Q^T`` with invertible
``Phi``: its rank over Q *is* the separation rank (:func:`exact_separation_rank`). In the same
way, at a cut after step k, the End span is the rank of ``G(z_i, xi_j)`` over the boundary
grid (:class:`~rac_tn.exact.boundary_space.BoundarySpace`) and the end inputs' lattices, and the
separation rank that of its product with the start side's monomials (:func:`exact_prefix_rank`).
Every value is an exact integer (Python ints, integer-scaled weights); the rank is FLINT's
exact integer row reduction. Only small grids are affordable: the number of values is the
product of the two sides' monomial counts.

Examples
--------
>>> from rac_tn import RAC, start_end, interleaved
>>> rac = RAC.random(2, 2, depth=3, seed=0, integer=True)
>>> exact_separation_rank(rac, start_end(4)), exact_separation_rank(rac, interleaved(4))
(8, 14)
"""

from __future__ import annotations

import math
from itertools import product

import flint
import numpy as np

from rac_tn.counting import input_degrees, multiset
from rac_tn.exact.boundary_space import (
    BoundarySpace,
    boundary_degrees,
    exponents,
    lattice_sequences,
    rational_rank,
)
from rac_tn.exact.end_span import integer_model, prefix_cut
from rac_tn.models.rac import RAC
from rac_tn.partition import Partition

#: Largest number of exact values (grid pairs) computed by default.
MAX_PAIRS = 100_000
#: Through the boundary (:func:`exact_prefix_rank`): largest factor computed by default.
MAX_FACTOR = 250_000
#: The certificate name a rank computed here carries (``RankResult.certificate``).
EXACT_GRIDS = "exact grids"


def small_exact_rank(rac: RAC, partition: Partition, class_index: int = 0) -> int | None:
    """The exact separation rank when the grids are small enough, else None.

    Through the boundary at a cut (:func:`exact_prefix_rank`, factors up to
    :data:`MAX_FACTOR`), otherwise on the full grids (:func:`exact_separation_rank`, up to
    :data:`MAX_PAIRS` values).
    """
    if prefix_cut(partition) is not None:
        try:
            return exact_prefix_rank(rac, partition, class_index, MAX_FACTOR)[0]
        except ValueError:
            pass
    if pairs_needed(rac.M, rac.L, partition) <= MAX_PAIRS:
        return exact_separation_rank(rac, partition, class_index)
    return None


def pairs_needed(M: int, L: int, partition: Partition) -> int:
    """The number of values :func:`exact_separation_rank` computes: ``prod_t ((M, n_t))``.

    >>> from rac_tn import start_end
    >>> pairs_needed(2, 3, start_end(4))      # n = (10, 6, 3, 1): 11 * 7 * 4 * 2
    616
    """
    return math.prod(multiset(M, n) for n in input_degrees(L, partition.T))


def exact_separation_rank(
    rac: RAC, partition: Partition, class_index: int = 0, max_pairs: int = MAX_PAIRS
) -> int:
    """The separation rank of ``y_c`` over Q, exactly, from its values on unisolvent grids.

    Parameters
    ----------
    rac
        The model (integer or float weights; floats are dyadic rationals).
    partition
        Any partition.
    class_index
        The output ranked.
    max_pairs
        Refuse grids with more values than this (:func:`pairs_needed`).

    Returns
    -------
    int
        ``rank_Q [y(zeta_i, xi_j)]``, the separation rank (certain: no prime is involved).

    Raises
    ------
    ValueError
        When the grids need more than ``max_pairs`` values.
    """
    need = pairs_needed(rac.M, rac.L, partition)
    if need > max_pairs:
        raise ValueError(
            f"the exact grids need {need:,} values of y, above max_pairs={max_pairs:,}"
        )
    degrees = input_degrees(rac.L, partition.T)
    lattices = [exponents(rac.M, n).astype(object) for n in degrees]
    rows = list(product(*[range(len(lattices[t - 1])) for t in partition.start]))
    cols = list(product(*[range(len(lattices[t - 1])) for t in partition.end]))
    sequences = np.empty((len(rows) * len(cols), partition.T, rac.M), dtype=object)
    for i, (a, b) in enumerate(product(rows, cols)):
        for t, digit in zip(partition.start, a, strict=True):
            sequences[i, t - 1] = lattices[t - 1][digit]
        for t, digit in zip(partition.end, b, strict=True):
            sequences[i, t - 1] = lattices[t - 1][digit]
    WI, WH, WO, initial = integer_model(rac)
    states = [np.broadcast_to(h, (len(sequences), rac.R)) for h in initial]
    for t in range(partition.T):
        below = sequences[:, t, :]
        for layer in range(rac.L):
            below = (states[layer] @ WH[layer].T) * (below @ WI[layer].T)
            states[layer] = below
    values = states[-1] @ WO[class_index]
    return rational_rank(values.reshape(len(rows), len(cols)))


def exact_prefix_rank(
    rac: RAC, partition: Partition, class_index: int = 0, max_pairs: int = MAX_PAIRS
) -> tuple[int, int]:
    """``(separation rank, End span)`` over Q, exactly, at a cut after step k.

    Through the boundary: ``y = sum_m u(x_start)^m e_m(x_end)`` (``u^l = W^{H,l} h^{l,k}``,
    every u in ``R^R``), so ``Cf = S E`` with S the start side's monomials and E the End
    coefficient matrix, and on the grids ``Phi_P Cf Phi_Q^T = A (Phi_u^{-1} Y)`` with
    ``A[i, m] = u(zeta_i)^m`` and ``Y[l, j] = G(z_l, xi_j)`` on the boundary grid. The End span is
    ``rank Y``, the separation rank ``rank A Phi_u^{-1} Y`` (FLINT products and ranks).

    Raises
    ------
    ValueError
        When no side is ``1..k``, or a factor has more than ``max_pairs`` entries.
    """
    k = prefix_cut(partition)
    if k is None:
        raise ValueError(f"a side of the partition must be 1..k, got {partition}")
    T, L, R, M = partition.T, rac.L, rac.R, rac.M
    degrees = input_degrees(L, T)
    boundary = boundary_degrees(L, T, k)
    # sizes from closed forms first: the lattices themselves can be far too large to build
    n_start = math.prod(multiset(M, n) for n in degrees[:k])
    n_end = math.prod(multiset(M, n) for n in degrees[k:])
    n_boundary = math.prod(multiset(R, d) for d in boundary)
    if max(n_start, n_end) * n_boundary > max_pairs:
        raise ValueError(
            f"the exact factors need {max(n_start, n_end) * n_boundary:,} values, above "
            f"max_pairs={max_pairs:,}"
        )
    space = BoundarySpace(R, boundary)
    lattices = [exponents(M, n).astype(object) for n in degrees]
    WI, WH, WO, initial = integer_model(rac)
    # start side: the states after step k on the start grid, as u = W^H h
    starts = lattice_sequences(lattices[:k], M)
    states = [np.broadcast_to(h, (n_start, R)) for h in initial]
    for t in range(k):
        below = starts[:, t, :]
        for layer in range(L):
            below = (states[layer] @ WH[layer].T) * (below @ WI[layer].T)
            states[layer] = below
    u = np.stack([h @ w.T for h, w in zip(states, WH, strict=True)], axis=1)
    A = space.values(u)  # (n_start, N)
    # end side: G on the boundary grid (u itself) and the end grid
    grid = space.grid_points()
    ends = lattice_sequences(lattices[k:], M)
    uu = np.repeat(grid, n_end, axis=0)
    x = np.tile(ends, (space.size, 1, 1))
    states = [uu[:, layer, :] for layer in range(L)]  # u^l: the first step skips W^H
    for s in range(T - k):
        below = x[:, s, :]
        for layer in range(L):
            left = states[layer] if s == 0 else states[layer] @ WH[layer].T
            below = left * (below @ WI[layer].T)
            states[layer] = below
    Y = (states[-1] @ WO[class_index]).reshape(space.size, n_end)
    C = Y.reshape(*space.shape, n_end)
    for layer, (numer, _denom) in enumerate(space.grid_inverses):  # Phi^{-1} up to a scale
        C = np.moveaxis(np.tensordot(numer, C, axes=([1], [layer])), 0, layer)
    C = flint.fmpz_mat([[int(v) for v in row] for row in C.reshape(space.size, n_end)])
    product_rank = rational_rank(flint.fmpz_mat([[int(v) for v in row] for row in A]) * C)
    return product_rank, rational_rank(C)
