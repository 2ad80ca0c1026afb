"""Exact verification that linear relations among the End polynomials hold (no modulus trusted).

A relation at the cut k is a functional ``lambda`` on the boundary space (coefficients c on the
monomials in ``u^l = W^{H,l} h^{l,k}``) with ``lambda(G_k(., x)) = 0`` for every end part x,
where ``G_t(u, x_{t+1..T})`` is the output computed from the states ``u`` after step t. Written
on points, ``lambda = sum_i a_i delta_{z_i}`` (exact integers; :meth:`BoundarySpace.point_form`).

One step forward: ``G_t(u, x_{t+1}, x') = G_{t+1}(step(u, x_{t+1}), x')``, so
``lambda(G_t(., x_{t+1}, x')) = lambda_x(G_{t+1}(., x'))`` with
``lambda_x = sum_i a_i delta_{step(z_i, x)}``. As a function of ``x``, ``lambda_x`` is a form
of degree ``n_{t+1}`` (the output's degree in ``x_{t+1}``), so its values at the simplex lattice
of that degree (unisolvent) span every ``lambda_x``. Hence with ``S_k`` the span of the given
functionals and ``S_{t+1}`` the span of ``lambda_x`` over ``lambda`` in ``S_t`` and x in the
lattice: if every functional of ``S_{T-1}`` vanishes on ``G_{T-1}(., x_T)`` for ``x_T`` in a
basis (``G_{T-1}`` is linear in ``x_T``), every functional of ``S_k`` vanishes on ``G_k``: the
relations hold. ``S_{t+1}`` is represented by a basis chosen among its generators, whose
independence and spanning are both checked exactly (coefficient vectors as Python integers;
FLINT ``fmpz_mat.solve`` for membership). A relation space that is not closed shows up as a
final value that is not 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import cast

import flint
import numpy as np

from rac_tn.counting import paths
from rac_tn.exact.boundary_space import (
    BoundarySpace,
    boundary_degrees,
    exponents,
    lattice_sequences,
)
from rac_tn.exact.end_relations import rref_mod


@dataclass(frozen=True)
class IntegerWeights:
    """A RAC's weights as exact integers (each array scaled by its own positive integer).

    Scaling one weight array by a constant scales every End polynomial by one common constant
    (each is homogeneous in every weight array), so relations are unchanged. ``bases[l]``
    (``R x r_l`` integers) spans the range of ``W^{H,l}``, where ``u^l`` lives: the boundary
    variables are ``v^l`` with ``u^l = bases[l] v^l`` (``r_l = R`` and the identity when
    ``W^{H,l}`` is invertible), and ``lifts[l] = (C, D)`` gives a state with that ``u``:
    ``W^{H,l} (C / D) = bases[l]``.
    """

    input_weights: tuple[np.ndarray, ...]
    hidden_weights: tuple[np.ndarray, ...]
    readout: np.ndarray  # the row of W^O of the class ranked
    bases: tuple[np.ndarray, ...] = ()
    lifts: tuple[tuple[np.ndarray, int], ...] = ()

    @classmethod
    def of(
        cls, inputs: tuple[np.ndarray, ...], hiddens: tuple[np.ndarray, ...], readout: np.ndarray
    ) -> IntegerWeights:
        """The weights with the range bases of every ``W^{H,l}`` computed exactly."""
        pairs = [range_basis(w) for w in hiddens]
        return cls(
            inputs,
            hiddens,
            readout,
            tuple(b for b, _ in pairs),
            tuple(lift for _, lift in pairs),
        )

    @property
    def widths(self) -> tuple[int, ...]:
        """``r_l``: the rank of each ``W^{H,l}``."""
        return tuple(b.shape[1] for b in self.bases)

    @property
    def L(self) -> int:
        """The depth."""
        return len(self.hidden_weights)

    @property
    def M(self) -> int:
        """The input size."""
        return self.input_weights[0].shape[1]

    @property
    def R(self) -> int:
        """The width."""
        return self.hidden_weights[0].shape[0]


def integral(values: object) -> np.ndarray:
    """An exact rational array (ints, floats as dyadic rationals, Fractions) times its lcm.

    >>> integral(np.array([0.5, -3])).tolist()
    [1, -6]
    """
    arr = np.asarray(values)
    if arr.dtype != object and np.issubdtype(arr.dtype, np.integer):
        return arr.astype(object)
    flat = [Fraction(v) if not isinstance(v, Fraction) else v for v in arr.ravel().tolist()]
    scale = math.lcm(*(f.denominator for f in flat)) if flat else 1
    out = np.array([int(f * scale) for f in flat], dtype=object)
    return out.reshape(arr.shape)


def range_basis(weight: np.ndarray) -> tuple[np.ndarray, tuple[np.ndarray, int]]:
    """An integer basis B of the range of a square matrix W, and ``(C, D)`` with ``W C = D B``.

    B is the transposed reduced row echelon form of ``W^T`` with each column scaled to
    integers, so the identity when W is invertible (then ``C / D = W^{-1}``).

    >>> B, (C, D) = range_basis(np.array([[1, 2], [2, 4]], dtype=object))
    >>> B.tolist(), (np.array([[1, 2], [2, 4]]) @ C).tolist() == (D * B).tolist()
    ([[1], [2]], True)
    """
    W = flint.fmpq_mat(flint.fmpz_mat(np.asarray(weight, dtype=object).tolist()))
    basis = column_basis(weight)
    R, rank = basis.shape
    if rank == 0:  # W = 0: u = 0 always
        return basis, (np.zeros((R, 0), dtype=object), 1)
    # C: columns J of W independent, rows I where W[I, J] is invertible
    cols = _pivot_columns_q(W.rref()[0], rank)
    sub = flint.fmpq_mat([[W[i, j] for j in cols] for i in range(R)])
    rows = _pivot_columns_q(sub.transpose().rref()[0], rank)
    square = flint.fmpq_mat([[sub[i, j] for j in range(rank)] for i in rows])
    target = flint.fmpq_mat([[int(basis[i, j]) for j in range(rank)] for i in rows])
    solved = square.solve(target)
    lift = flint.fmpq_mat(R, rank)
    for a, j in enumerate(cols):
        for b in range(rank):
            lift[j, b] = solved[a, b]
    if W * lift != flint.fmpq_mat(flint.fmpz_mat(basis.tolist())):
        raise AssertionError("range basis: W C != B")  # cannot happen: B spans range(W)
    numer, denom = lift.numer_denom()
    values = np.array([[int(v) for v in row] for row in numer.tolist()], dtype=object)
    return basis, (values.reshape(R, rank), int(denom))


def column_basis(weight: np.ndarray) -> np.ndarray:
    """An integer basis of the column space of an integer matrix (``rows x rank``).

    The transposed reduced row echelon form of ``W^T``, each column scaled to integers: the
    identity when the columns of W span everything.

    >>> column_basis(np.array([[1, 2, 3], [2, 4, 6]], dtype=object)).tolist()
    [[1], [2]]
    """
    W = flint.fmpq_mat(flint.fmpz_mat(np.asarray(weight, dtype=object).tolist()))
    reduced, rank = W.transpose().rref()
    R = W.nrows()
    columns = []
    for i in range(rank):
        row = [Fraction(int(reduced[i, j].p), int(reduced[i, j].q)) for j in range(R)]
        scale = math.lcm(*(f.denominator for f in row))
        columns.append([int(f * scale) for f in row])
    return np.array(columns, dtype=object).T.reshape(R, rank)


def _pivot_columns_q(reduced: flint.fmpq_mat, rank: int) -> list[int]:
    """The pivot columns of a reduced row echelon form (fmpq)."""
    out, j = [], 0
    for i in range(rank):
        while reduced[i, j] == 0:
            j += 1
        out.append(j)
        j += 1
    return out


def step_points(
    weights: IntegerWeights, points: np.ndarray, x: np.ndarray, block: int = 0
) -> np.ndarray:
    """``step(z, x)`` for every point: the next ``u^l = W^{H,l} h^l`` after one input x.

    ``h^1 = u^1 * (W^{I,1} x)``, ``h^l = u^l * (W^{I,l} h^{l-1})`` (elementwise); exact.
    With ``block > 0``, ``x`` holds one input per block of ``block`` consecutive points.
    """
    out = np.empty(points.shape, dtype=object)
    x = np.asarray(x, dtype=object)
    below = np.repeat(x, block, axis=0) if block else x[None, :]
    for layer in range(weights.L):
        below = points[:, layer, :] * (below @ weights.input_weights[layer].T)
        out[:, layer, :] = below @ weights.hidden_weights[layer].T
    return out


def boundary_points(weights: IntegerWeights, space: BoundarySpace) -> np.ndarray:
    """The space's grid as states: the boundary variables ``v^l`` mapped to ``u^l = B_l v^l``."""
    grid = space.grid_points()
    points = np.zeros((grid.shape[0], weights.L, weights.R), dtype=object)
    for layer, basis in enumerate(weights.bases):
        points[:, layer, :] = grid[:, layer, : basis.shape[1]] @ basis.T
    return points


def end_input_map(weights: IntegerWeights) -> np.ndarray:
    """What layer 1 reads of an end input: ``W^{I,1}``, or a basis of its range when narrower.

    y sees ``x_t`` only through ``z_t = W^{I,1} x_t``. When ``W^{I,1}`` has rank ``r < M``
    (M > R, say), write ``z_t = B w_t`` with B a basis of its range: the End polynomials in x
    are polynomials in ``w`` composed with a map onto ``R^r``, so their linear relations, hence
    their span's rank, are those of the polynomials in ``w``, on lattices of r coordinates.
    """
    first = weights.input_weights[0]
    basis = column_basis(first)
    return basis if basis.shape[1] < first.shape[1] else first


def end_lattices(weights: IntegerWeights, T: int, k: int, width: int) -> list[np.ndarray]:
    """Per end step ``t = k+1..T``: the simplex lattice (``width`` coordinates) of y's degree."""
    return [exponents(width, paths(weights.L, T, 1, t)).astype(object) for t in range(k + 1, T + 1)]


def end_monomial_count(weights: IntegerWeights, T: int, k: int) -> int:
    """The end inputs' monomials (read through :func:`end_input_map`): their lattices' size."""
    width = end_input_map(weights).shape[1]
    return math.prod(
        math.comb(width + n - 1, n)
        for n in (paths(weights.L, T, 1, t) for t in range(k + 1, T + 1))
    )


def end_value_count(weights: IntegerWeights, T: int, k: int) -> int:
    """How many values :func:`end_value_matrix` computes (boundary grid times end lattices)."""
    space = BoundarySpace(weights.widths, boundary_degrees(weights.L, T, k))
    return space.size * end_monomial_count(weights, T, k)


def end_value_matrix(weights: IntegerWeights, T: int, k: int) -> np.ndarray:
    """``Y[i, j] = G_k(z_i, xi_j)`` exactly: the boundary grid against the end lattices.

    ``G_k`` is a form of the boundary space's degrees in ``v`` and of degree ``n_t`` in each end
    input (read through :func:`end_input_map`), and both grids are unisolvent, so
    ``Y = Phi_v E Phi_x^T`` with invertible ``Phi``: ``rank_Q Y`` is the End span itself (the
    rank of the End polynomials' coefficient matrix).
    """
    space = BoundarySpace(weights.widths, boundary_degrees(weights.L, T, k))
    points = boundary_points(weights, space)
    first = end_input_map(weights)
    ends = lattice_sequences(end_lattices(weights, T, k, first.shape[1]), first.shape[1])
    n, m = points.shape[0], ends.shape[0]
    states = [np.repeat(points[:, layer, :], m, axis=0) for layer in range(weights.L)]
    x = np.tile(ends, (n, 1, 1))
    reads = [first, *weights.input_weights[1:]]
    for s in range(T - k):
        below = x[:, s, :]
        for layer in range(weights.L):
            left = states[layer] if s == 0 else states[layer] @ weights.hidden_weights[layer].T
            below = left * (below @ reads[layer].T)
            states[layer] = below
    return (states[-1] @ weights.readout).reshape(n, m)


def final_values(weights: IntegerWeights, points: np.ndarray, x: np.ndarray) -> np.ndarray:
    """``G_{T-1}(z, x_T) = w . h^{L,T}`` at every point (exact)."""
    below = np.asarray(x, dtype=object)[None, :]
    for layer in range(weights.L):
        below = points[:, layer, :] * (below @ weights.input_weights[layer].T)
    return below @ weights.readout


@dataclass(frozen=True)
class Functional:
    """``sum_i coeffs[i] * (evaluation at points[i])`` (exact integers)."""

    points: np.ndarray  # (n, L, R)
    coeffs: np.ndarray  # (n,)


def check_relations(
    weights: IntegerWeights,
    T: int,
    k: int,
    coefficients: np.ndarray,
    prime: int,
) -> bool:
    """Whether every relation (a row of monomial coefficients at the cut k) holds exactly.

    Parameters
    ----------
    weights
        The integer weights.
    T, k
        Sequence length and cut (the relations are on the boundary space after step k).
    coefficients
        ``(s, size)`` exact integers on the monomials of ``BoundarySpace(R, d(k))``.
    prime
        A prime used only to *choose* bases (every choice is then checked exactly).

    Returns
    -------
    bool
        True: proven (every relation holds identically). False: some does not hold.
    """
    space = BoundarySpace(weights.widths, boundary_degrees(weights.L, T, k))
    points = boundary_points(weights, space)
    functionals = []
    for row in space.point_form(coefficients):
        used = np.nonzero(row)[0]
        if used.size:
            functionals.append(Functional(points[used], row[used]))
    for t in range(k, T - 1):
        if not functionals:
            return True
        nxt = BoundarySpace(weights.R, boundary_degrees(weights.L, T, t + 1))
        lattice = exponents(weights.M, paths(weights.L, T, 1, t + 1))
        generators: list[Functional] = []
        vectors = []
        for f in functionals:
            n = f.points.shape[0]
            moved = step_points(weights, np.tile(f.points, (len(lattice), 1, 1)), lattice, n)
            blocks = [moved[j * n : (j + 1) * n] for j in range(len(lattice))]
            # a generator proven 0 by grouping its points needs no coefficients; the others
            # get theirs in one batch
            pending = [b for b in blocks if not is_zero(nxt, b, f.coeffs, decide=False)]
            if not pending:
                continue
            values = nxt.values(np.concatenate(pending)).reshape(len(pending), n, nxt.size)
            vecs = np.tensordot(values, f.coeffs, axes=([1], [0]))
            for points, vec in zip(pending, vecs, strict=True):
                if any(vec):
                    generators.append(Functional(points, f.coeffs))
                    vectors.append(vec)
        if not vectors:
            return True
        chosen = exact_row_basis(np.array(vectors, dtype=object), prime)
        functionals = [generators[i] for i in chosen]
    final = np.eye(weights.M, dtype=np.int64)
    return all(
        not (f.coeffs @ final_values(weights, f.points, x)) for f in functionals for x in final
    )


def is_zero(
    space: BoundarySpace,
    points: np.ndarray,
    coeffs: np.ndarray,
    layer: int = 0,
    decide: bool = True,
) -> bool:
    """Whether ``sum_i coeffs[i] * (evaluation at points[i])`` is 0 on the space (exact).

    Layer by layer: write each point's component as ``g q`` (q primitive), so its evaluation
    is ``g^d`` times that at q, and group the points by q. At most ``d + 1`` distinct
    directions have linearly independent evaluations on forms of degree d (a product of d
    linear forms vanishes on all but one of them), so the functional is 0 exactly when each
    group's functional on the remaining layers is 0. With more directions than that, the
    coefficients on the remaining layers are computed and compared with 0 (with ``decide=False``
    and too many directions in the first layer the answer is False: "not shown to be 0").

    >>> space = BoundarySpace(2, (1,))
    >>> points = np.array([[[1, 1]], [[2, 2]]], dtype=object)   # (2,2) = 2 (1,1)
    >>> is_zero(space, points, np.array([2, -1], dtype=object)), is_zero(space, points[:1], [1])
    (True, False)
    """
    coeffs = np.asarray(coeffs, dtype=object)
    if layer == len(space.degrees):
        return sum(coeffs) == 0
    degree, width = space.degrees[layer], space.widths[layer]
    if degree == 0:
        return is_zero(space, points, coeffs, layer + 1, decide)
    groups: dict[tuple[int, ...], list[tuple[int, int]]] = {}
    for i, c in enumerate(coeffs):
        v = [int(a) for a in points[i, layer, :width]]
        g = math.gcd(*v)
        if g == 0 or c == 0:
            continue  # the point's evaluation is 0 (degree > 0)
        if next(a for a in v if a) < 0:
            g = -g
        groups.setdefault(tuple(a // g for a in v), []).append((i, c * g**degree))
    if len(groups) <= degree + 1:
        return all(
            is_zero(
                space,
                points[[i for i, _ in g]],
                np.array([c for _, c in g], dtype=object),
                layer + 1,
            )
            for g in groups.values()
        )
    if not decide:
        return False
    rest = BoundarySpace(space.widths[layer:], space.degrees[layer:])
    return not any(coeffs @ rest.values(points[:, layer:, :]))


def exact_row_basis(rows: np.ndarray, prime: int) -> list[int]:
    """Indices of rows that form a basis of the rows' span over Q (checked exactly).

    Rows independent modulo ``prime`` are independent over Q. Each other row is checked to be
    a rational combination of them (``fmpz_mat.solve`` on columns where they are invertible,
    then the full product compared exactly); a row that is not is added to the basis.

    >>> exact_row_basis(np.array([[1, 2], [2, 4], [0, 1]], dtype=object), 101)
    [0, 2]
    """
    residues = np.array([[int(v) % prime for v in row] for row in rows], dtype=np.uint64)
    reduced, rank = rref_mod(residues.T, prime)
    basis = _pivot_columns(reduced, rank)
    while True:
        rest = [i for i in range(rows.shape[0]) if i not in set(basis)]
        if not rest:
            return basis
        outside = _not_in_span(rows, basis, rest, prime)
        if not outside:
            return sorted(basis)
        basis = sorted(basis + [outside[0]])


def _pivot_columns(reduced: np.ndarray, rank: int) -> list[int]:
    """The pivot columns of a reduced row echelon form."""
    out, j = [], 0
    for i in range(rank):
        while reduced[i, j] == 0:
            j += 1
        out.append(j)
        j += 1
    return out


def _not_in_span(rows: np.ndarray, basis: list[int], rest: list[int], prime: int) -> list[int]:
    """The rows of ``rest`` that are not rational combinations of the rows ``basis``."""
    B = rows[basis]
    residues = np.array([[int(v) % prime for v in row] for row in B], dtype=np.uint64)
    reduced, rank = rref_mod(residues, prime)
    if rank < len(basis):  # cannot happen for rows independent modulo prime
        raise AssertionError("basis rows are dependent modulo the prime")
    cols = _pivot_columns(reduced, rank)
    square = flint.fmpz_mat(B[:, cols].T.tolist())  # invertible: its determinant is not 0 mod p
    target = rows[rest]
    # Z^T = (B_J^T)^{-1} G_J^T; then G must equal Z B
    z_t = cast(flint.fmpq_mat, square.solve(flint.fmpz_mat(target[:, cols].T.tolist())))
    product = flint.fmpq_mat(flint.fmpz_mat(B.T.tolist())) * z_t  # (size, len(rest)) = (Z B)^T
    want = flint.fmpq_mat(flint.fmpz_mat(target.T.tolist()))
    if product == want:
        return []
    out = []
    for c, i in enumerate(rest):
        column_ok = all(product[r, c] == want[r, c] for r in range(B.shape[1]))
        if not column_ok:
            out.append(i)
    return out
