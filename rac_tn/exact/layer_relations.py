"""The End span from the end inputs' side, proven layer by layer (deep models, short ends).

At a cut after step k the End span is the rank of the coefficient matrix of the End
polynomials: rows the boundary monomials (``prod_l ((r_l, d_l))``, huge when L is large), columns
the monomials of the end inputs (``prod_t ((w, n_t))``, small when ``T - k`` is). So it is also
``N_x - dim ker``, with the kernel made of the functionals ``lambda = sum_j a_j delta_{xi_j}`` on
the end lattices (unisolvent) for which ``lambda(G_k(u, .)) = 0`` at every boundary state u.

Such relations are found modulo primes from exact values at random boundary states, lifted to
integers, and proven by walking them up the End grid one *layer* at a time (the transpose of
:mod:`rac_tn.exact.relation_check`, which walks one step at a time). Write ``r^l`` for layer l's
states after the cut, ``(h^{l,k+1}, ..., h^{l,T})``, with ``r^0`` the end inputs; layer l computes
``r^l = F_l(u^l, r^{l-1})`` from its boundary state ``u^l = W^{H,l} h^{l,k}``, and y is a form in
``r^l`` of degree ``paths(l+1, t)`` in ``h^{l,t}``. A functional ``lambda`` on functions of
``r^{l-1}`` moves to ``lambda_u = sum_j a_j delta_{F_l(u, p_j)}``, and ``lambda(G)`` is a form of
degree ``d_l`` in ``u``, so the moved functionals at the simplex lattice of degree ``d_l`` span
every ``lambda_u``. A basis of their span (coefficient vectors on the monomials of ``r^l``,
independence and spanning checked exactly) moves on; the functionals left after layer L must
vanish on ``y = w . h^{L,T}``. Then every relation holds identically, and the End span is at most
``N_x`` minus their number.

Examples
--------
>>> from rac_tn import RAC
>>> from rac_tn.exact.end_span import integer_weights
>>> weights = integer_weights(RAC.random(2, 2, depth=3, seed=0, integer=True), 0)
>>> found = layer_relation_bound(weights, 6, 3, np.random.default_rng(0))
>>> found.value, found.relations, found.end_monomials
(52, 4, 56)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import flint
import numpy as np

from rac_tn.counting import paths
from rac_tn.exact import certify
from rac_tn.exact.boundary_space import BoundarySpace, exponents, lattice_sequences
from rac_tn.exact.end_relations import MAX_PRIMES, RelationLift, left_kernel
from rac_tn.exact.relation_check import (
    IntegerWeights,
    end_input_map,
    end_lattices,
    end_monomial_count,
    exact_row_basis,
)

#: Largest number of end monomials handled: their relations are found from exact values at
#: N_x + 16 random boundary states (M = R = 2, L = 6, T = 6: 308 of them, about 20 s).
MAX_END_MONOMIALS = 400
_EXTRA = 16  # random boundary states beyond the end monomials
_SPREAD = 1 << 12  # random boundary coordinates are drawn from [-_SPREAD, _SPREAD]


@dataclass(frozen=True)
class LayerRelations:
    """What the layer-by-layer route proved: ``value = end_monomials - relations``.

    ``value`` bounds the End span of these weights from above (``relations`` is 0 when none
    was proven); ``span_lower`` is the rank modulo the first prime.
    """

    value: int
    end_monomials: int
    relations: int
    span_lower: int
    primes: tuple[int, ...]
    note: str = ""


def layer_rows(
    weights: IntegerWeights, layer: int, boundary: np.ndarray, below: np.ndarray
) -> np.ndarray:
    """``r^l = F_l(u^l, r^{l-1})`` for each point (exact): ``(n, T-k, R)`` from ``(n, T-k, *)``.

    ``boundary`` holds ``u^l = W^{H,l} h^{l,k}`` per point (``(n, R)``); layer 0 reads the end
    inputs through :func:`end_input_map`.
    """
    read = _fmpz(end_input_map(weights) if layer == 0 else weights.input_weights[layer])
    hidden = _fmpz(weights.hidden_weights[layer])
    out = np.empty((below.shape[0], below.shape[1], hidden.shape[0]), dtype=object)
    left = boundary
    for s in range(below.shape[1]):
        out[:, s, :] = left * (below[:, s, :] @ read.T)
        left = out[:, s, :] @ hidden.T
    return out


def end_values(weights: IntegerWeights, boundary: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """``G_k(u_i, xi_j)`` exactly: boundary states ``(n, L, R)``, end inputs ``(m, T-k, w)``."""
    n, m = boundary.shape[0], ends.shape[0]
    rows = np.tile(ends, (n, 1, 1))
    for layer in range(weights.L):
        rows = layer_rows(weights, layer, np.repeat(boundary[:, layer, :], m, axis=0), rows)
    return (rows[:, -1, :] @ weights.readout).reshape(n, m)


def check_layer_relations(
    weights: IntegerWeights, T: int, k: int, ends: np.ndarray, relations: np.ndarray, prime: int
) -> bool:
    """Whether every row of ``relations`` (weights on the points ``ends``) kills ``G_k`` exactly.

    ``prime`` only chooses bases; every choice is checked exactly
    (:func:`~rac_tn.exact.relation_check.exact_row_basis`).
    """
    functionals = []
    for row in relations:
        used = np.nonzero(row)[0]
        if used.size:
            functionals.append((_fmpz(ends[used]), _fmpz(row[used])))
    for layer in range(weights.L):
        if not functionals:
            return True
        basis = weights.bases[layer]
        lattice = exponents(basis.shape[1], paths(weights.L, T, layer + 1, k + 1))
        states = _fmpz(lattice.astype(object) @ basis.T)  # u = B z at each lattice point z
        top = layer + 1 == weights.L
        if not top:
            degrees = tuple(paths(weights.L, T, layer + 2, t) for t in range(k + 1, T + 1))
            space = BoundarySpace(weights.R, degrees)
        generators, vectors = [], []
        for points, coeffs in functionals:
            n, J = points.shape[0], len(states)
            moved = layer_rows(
                weights, layer, np.repeat(states, n, axis=0), np.tile(points, (J, 1, 1))
            )
            if top:  # y = w . h^{L,T}: each moved functional must give 0
                outputs = (moved[:, -1, :] @ weights.readout).reshape(J, n)
                if any(coeffs @ row for row in outputs):
                    return False
                continue
            # the J moved functionals' coefficient vectors (FLINT integers: GMP products)
            values = space.values(moved).reshape(J, n, space.size)
            for j, vector in enumerate(np.tensordot(values, coeffs, axes=([1], [0]))):
                if any(vector):
                    generators.append((moved[j * n : (j + 1) * n], coeffs))
                    vectors.append(vector)
        if top:
            return True
        if not vectors:
            return True
        chosen = exact_row_basis(np.array(vectors, dtype=object), prime)
        functionals = [generators[i] for i in chosen]
    return True  # pragma: no cover (the top layer returns)


def layer_relation_bound(
    weights: IntegerWeights,
    T: int,
    k: int,
    rng: np.random.Generator,
    target: int | None = None,
    deadline: float | None = None,
    max_primes: int = MAX_PRIMES,
) -> LayerRelations:
    """The End span at the cut k as ``N_x`` minus relations proven layer by layer.

    Raises ValueError when ``N_x`` is above :data:`MAX_END_MONOMIALS`. With ``target`` (a
    certified lower bound to meet), relations are lifted only when the rank modulo the first
    prime meets it. ``deadline`` (a ``perf_counter`` time) stops the lifting.
    """
    count = end_monomial_count(weights, T, k)
    if count > MAX_END_MONOMIALS:
        raise ValueError(
            f"the end inputs have {count:,} monomials at this cut, above {MAX_END_MONOMIALS:,}"
        )
    width = end_input_map(weights).shape[1]
    ends = lattice_sequences(end_lattices(weights, T, k, width), width)
    coords = rng.integers(-_SPREAD, _SPREAD + 1, size=(count + _EXTRA, weights.L, weights.R))
    boundary = np.zeros(coords.shape, dtype=object)
    for layer, basis in enumerate(weights.bases):
        boundary[:, layer, :] = coords[:, layer, : basis.shape[1]].astype(object) @ basis.T
    values = end_values(weights, boundary, ends).T  # rows: end points (the functionals' index)

    def kernel(p: int):
        return left_kernel((values % p).astype(np.uint64), p)

    primes = [certify.random_prime(rng)]
    first = kernel(primes[0])
    lower = first.span_rank

    def result(relations: int, note: str) -> LayerRelations:
        return LayerRelations(count - relations, count, relations, lower, tuple(primes), note)

    if not first.free:
        return result(0, "no relation modulo p")
    if target is not None and lower != target:
        return result(0, f"relations not lifted: the End span modulo p is {lower}")
    support = first.support
    lift, misses = RelationLift(first.rows, primes[0]), 0
    while len(primes) < max_primes:
        if deadline is not None and time.perf_counter() > deadline:
            return result(0, "relations not lifted within the time budget")
        p = certify.random_prime(rng, large=True, avoid=primes)
        primes.append(p)
        found = kernel(p)
        if found.free != first.free or found.support != support:
            misses += 1
            if misses == 2:  # the first prime was the unlucky one
                return result(0, "two primes disagreed with the first")
            continue
        lifted = lift.add(found.rows, p)
        if lifted is None:
            continue
        full = np.zeros((len(first.free), count), dtype=object)
        full[:, list(support)] = lifted
        if check_layer_relations(weights, T, k, ends, full, p):
            s = len(first.free)
            return result(s, f"{s} relations verified exactly, layer by layer")
        # the values are fixed, so more primes would lift the same vectors: too few random
        # states saw the End span (or the prime was unlucky); nothing is claimed
        return result(0, "the lifted vectors are not all relations")
    return result(0, f"relations not lifted within {max_primes} primes")


def _fmpz(values: object) -> np.ndarray:
    """Exact integers as FLINT integers (GMP arithmetic, faster than Python's on long ones)."""
    return np.vectorize(flint.fmpz, otypes=[object])(np.asarray(values, dtype=object))
