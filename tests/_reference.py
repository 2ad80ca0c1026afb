"""An independent exact reference for separation ranks and grid-tensor ranks (not a test file).

Nothing here calls the library's code paths (no ``forward``, ``forward_mod``, ``modular``,
``grid_tensor``, ``separation_rank``, ``symmetric_bound``, nor anything in ``rac_tn.counting``):
only the public weight arrays of a :class:`rac_tn.RAC` are read (``input_weights``,
``hidden_weights``, ``output_weights``, ``initial_states``) and, from them, everything is
computed with exact Python integers and :class:`fractions.Fraction`.

How
---
1. **Exact weights.** Every weight becomes an exact rational: an integer stays an ``int``; a
   float is the dyadic rational it stores, ``Fraction(float_value)`` (so ``0.1`` is
   ``3602879701896397 / 2**55``, not 1/10).
2. **The output as a sparse polynomial.** The recurrence of the RAC::

       h^{0,t} = x_t,   h^{l,0} = initial state,
       h^{l,t} = (W^{H,l} h^{l,t-1}) ⊙ (W^{I,l} h^{l-1,t}),   y = W^O h^{L,T}

   is run on polynomials in the ``T * M`` variables ``x_{t,m}``. A polynomial is a ``dict``
   from a monomial to its nonzero exact coefficient. A monomial is packed into one Python
   integer: the exponent of variable ``v = (t-1) M + m`` sits in bits ``[v B, (v+1) B)``, with
   ``B`` one bit wider than the largest degree of any state in one input (the degree of
   ``h^{l,t}`` in ``x_1``, from the degree recurrence run here), so multiplying two monomials
   is adding their keys (no carries). Linear maps are sums of scaled dicts; the elementwise
   product is the schoolbook product of dicts.
3. **Separation rank.** For a partition (P, Q), split every monomial of ``y_c`` into its
   ``x_P`` part and its ``x_Q`` part; the coefficient matrix ``Cf`` (rows: monomials in
   ``x_P``, columns: monomials in ``x_Q``) satisfies ``y = Σ Cf[a, b] x_P^a x_Q^b``, so the
   separation rank of the polynomial y is exactly ``rank_Q(Cf)`` (a sum of K products of
   functions of x_P and of x_Q, restricted to polynomials, is a factorisation of Cf through
   K, and conversely). The rank is taken over Q by FLINT ``fmpz_mat.rank()`` after clearing
   denominators (fraction-free elimination over Z, no modulus anywhere).
4. **Grid rank.** The grid tensor for templates ``F`` (rows ``F[d]``) is
   ``A[d_1..d_T] = y(F[d_1], ..., F[d_T])``. Its (P, Q) matricization is
   ``E_P Cf E_Q^T`` with ``E_P[d_P, a] = Π_{t∈P} Π_m F[d_t, m]^{a_{t,m}}`` (the monomials
   evaluated at the templates), computed exactly (``fmpq_mat`` products), and its rank is the
   exact rational rank.

Sizes: the number of monomials of y is ``Π_t ((M, n_t))``, ``n_t = C(T-t+L-1, L-1)``; keep it
to a few thousand (e.g. L=3, T=4, M=2: 616; L=4, T=4, M=2: 2310; L=2, T=6, M=2: 5040).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from fractions import Fraction
from functools import reduce
from math import lcm

import flint
import numpy as np

Coefficient = int | Fraction
Poly = dict[int, Coefficient]


def exact(value: object) -> Coefficient:
    """One weight as an exact rational: ints stay ints, floats are their dyadic value.

    (A ``Fraction`` is kept as it is, so a test can also expand the model it *meant*.)
    """
    if isinstance(value, (int, np.integer)):
        return int(value)
    number = value if isinstance(value, Fraction) else Fraction(float(value))
    return int(number) if number.denominator == 1 else number


def exact_matrix(array: object) -> list[list[Coefficient]]:
    """A 2-D array as nested lists of exact rationals."""
    return [[exact(v) for v in row] for row in np.asarray(array).tolist()]


def exact_vector(array: object) -> list[Coefficient]:
    """A 1-D array as a list of exact rationals."""
    return [exact(v) for v in np.asarray(array).tolist()]


# -- sparse polynomials on packed monomials ----------------------------------------------------


def linear(matrix: Sequence[Sequence[Coefficient]], polys: Sequence[Poly]) -> list[Poly]:
    """``matrix @ polys``: each output row is ``Σ_j matrix[i][j] * polys[j]`` (zeros dropped)."""
    out = []
    for row in matrix:
        acc: Poly = {}
        for weight, poly in zip(row, polys):
            if weight == 0:
                continue
            for key, coef in poly.items():
                acc[key] = acc.get(key, 0) + weight * coef
        out.append({k: c for k, c in acc.items() if c != 0})
    return out


def multiply(a: Poly, b: Poly) -> Poly:
    """The product of two polynomials (packed keys add)."""
    if len(a) > len(b):
        a, b = b, a
    acc: Poly = {}
    get = acc.get
    for ka, ca in a.items():
        for kb, cb in b.items():
            key = ka + kb
            acc[key] = get(key, 0) + ca * cb
    return {k: c for k, c in acc.items() if c != 0}


class Expansion:
    """The outputs ``y_1..y_C`` of a RAC on T steps, expanded as exact sparse polynomials.

    Parameters
    ----------
    rac
        A ``rac_tn.RAC``; only its weight arrays are read.
    T
        Sequence length.

    Attributes
    ----------
    T, M, L, C, bits
        Sizes; ``bits`` is the width B of one packed exponent.
    outputs
        ``outputs[c]``: the polynomial ``y_c`` as ``{packed monomial: coefficient}``.
    """

    def __init__(self, rac: object, T: int) -> None:
        input_weights = [exact_matrix(w) for w in rac.input_weights]
        hidden_weights = [exact_matrix(w) for w in rac.hidden_weights]
        output_weights = exact_matrix(rac.output_weights)
        initial_states = [exact_vector(h) for h in rac.initial_states]
        L = len(input_weights)
        M = len(input_weights[0][0])
        R = len(hidden_weights[0])
        self.T, self.M, self.L, self.C = T, M, L, len(output_weights)
        # the largest degree of any state in one input, by the degree recurrence itself:
        # deg h^{l,t} in x_s = deg h^{l,t-1} + deg h^{l-1,t} (0 for t = 0), deg h^{0,t} = [s = t]
        degree = {(0, t): 1 for t in range(1, T + 1)}  # in x_1 (the largest), by symmetry in s
        top = 1
        for layer in range(1, L + 1):
            for t in range(1, T + 1):
                below = degree.get((layer - 1, t), 0) if layer > 1 else (1 if t == 1 else 0)
                degree[layer, t] = degree.get((layer, t - 1), 0) + below
                top = max(top, degree[layer, t])
        self.bits = top.bit_length() + 1
        B = self.bits

        def variable(t: int, m: int) -> int:  # t = 1..T, m = 0..M-1
            return 1 << (B * ((t - 1) * M + m))

        states = [[{0: c} if c != 0 else {} for c in h] for h in initial_states]  # h^{l,t-1}
        for t in range(1, T + 1):
            below = [{variable(t, m): 1} for m in range(M)]  # h^{0,t} = x_t
            for layer in range(L):
                left = linear(hidden_weights[layer], states[layer])
                up = linear(input_weights[layer], below)
                below = [multiply(a, b) for a, b in zip(left, up)]
                states[layer] = below
        assert all(len(h) == R for h in states)
        self.outputs = linear(output_weights, states[L - 1])

    # -- monomials ------------------------------------------------------------------------------

    def exponents(self, key: int) -> tuple[tuple[int, ...], ...]:
        """Unpack a monomial: ``exponents[t-1][m]`` is the power of ``x_{t,m}``."""
        mask = (1 << self.bits) - 1
        flat = [(key >> (self.bits * v)) & mask for v in range(self.T * self.M)]
        return tuple(tuple(flat[t * self.M : (t + 1) * self.M]) for t in range(self.T))

    def degrees(self, class_index: int = 0) -> set[tuple[int, ...]]:
        """The set of per-step degree vectors ``(deg in x_1, ..., deg in x_T)`` of y's terms."""
        return {tuple(sum(e) for e in self.exponents(key)) for key in self.outputs[class_index]}

    def coefficient_matrix(
        self, start: Sequence[int], class_index: int = 0
    ) -> tuple[list[list[Coefficient]], list, list]:
        """``Cf`` with rows = monomials in ``x_start``, columns = monomials in the other steps.

        Returns ``(matrix, row_monomials, column_monomials)``; only monomials that occur are
        listed (a zero row or column never changes the rank).
        """
        start_set = set(start)
        rows: dict[tuple, int] = {}
        cols: dict[tuple, int] = {}
        entries = []
        for key, coef in self.outputs[class_index].items():
            e = self.exponents(key)
            a = tuple(e[t - 1] for t in range(1, self.T + 1) if t in start_set)
            b = tuple(e[t - 1] for t in range(1, self.T + 1) if t not in start_set)
            entries.append((rows.setdefault(a, len(rows)), cols.setdefault(b, len(cols)), coef))
        matrix = [[0] * len(cols) for _ in range(len(rows))]
        for i, j, coef in entries:
            matrix[i][j] = coef
        return matrix, list(rows), list(cols)

    def evaluate(self, point: Sequence[Sequence[object]], class_index: int = 0) -> Fraction:
        """``y_c`` at one input sequence (``point[t-1][m]``), exactly."""
        values = [[Fraction(exact(v)) for v in row] for row in point]
        total = Fraction(0)
        for key, coef in self.outputs[class_index].items():
            term = Fraction(coef)
            for t, powers in enumerate(self.exponents(key)):
                for m, power in enumerate(powers):
                    if power:
                        term *= values[t][m] ** power
            total += term
        return total


# -- exact ranks --------------------------------------------------------------------------------


def integer_matrix(matrix: Sequence[Sequence[Coefficient]]) -> flint.fmpz_mat:
    """The matrix times the lcm of its denominators, as a FLINT integer matrix (same rank)."""
    rows = len(matrix)
    cols = len(matrix[0]) if rows else 0
    scale = reduce(lcm, (Fraction(v).denominator for row in matrix for v in row), 1)
    return flint.fmpz_mat(rows, cols, [int(Fraction(v) * scale) for row in matrix for v in row])


def rational_rank(matrix: Sequence[Sequence[Coefficient]] | flint.fmpz_mat) -> int:
    """The rank over Q of a matrix of ints / Fractions (or an ``fmpz_mat``).

    Denominators are cleared and FLINT's exact integer row reduction ``fmpz_mat.rref`` is run
    on the orientation with at least as many rows as columns (FLINT's fraction-free ``rank``
    is far slower on wide matrices with entries of thousands of bits; the result is the same).
    """
    A = matrix if isinstance(matrix, flint.fmpz_mat) else integer_matrix(matrix)
    if A.nrows() == 0 or A.ncols() == 0:
        return 0
    if A.nrows() < A.ncols():
        A = A.transpose()
    return int(A.rref()[2])


def separation_rank(expansion: Expansion, start: Sequence[int], class_index: int = 0) -> int:
    """The exact separation rank of ``y_c`` for (P = start, Q = the rest): ``rank_Q(Cf)``."""
    matrix, _, _ = expansion.coefficient_matrix(start, class_index)
    return rational_rank(matrix)


def _monomial_values(
    monomials: Sequence[tuple[tuple[int, ...], ...]], templates: list[list[Coefficient]], k: int
) -> list[list[Coefficient]]:
    """``E[d][a] = Π_i Π_m F[d_i, m]^{a_i[m]}`` over the ``N^k`` index tuples d (lex order)."""
    N = len(templates)
    cache: dict[tuple[int, tuple[int, ...]], Coefficient] = {}

    def value(d: int, powers: tuple[int, ...]) -> Coefficient:  # F[d]^powers
        if (d, powers) not in cache:
            out: Coefficient = 1
            for f, power in zip(templates[d], powers):
                out *= f**power
            cache[d, powers] = out
        return cache[d, powers]

    table = []
    for d in itertools.product(range(N), repeat=k):
        row = []
        for a in monomials:
            out: Coefficient = 1
            for d_i, a_i in zip(d, a):
                out *= value(d_i, a_i)
                if out == 0:
                    break
            row.append(out)
        table.append(row)
    return table


def grid_matrix(
    expansion: Expansion,
    start: Sequence[int],
    templates: object = None,
    class_index: int = 0,
) -> list[list[Coefficient]]:
    """The exact (P, Q) matricization of the grid tensor: rows ``d_P``, columns ``d_Q``.

    ``A[d_P, d_Q] = Σ_{a, b} E_P[d_P, a] Cf[a, b] E_Q[d_Q, b]``: index tuples run over
    ``N^|P|`` and ``N^|Q|`` in lexicographic order, the times of each side increasing.
    ``templates=None`` is the identity ``I_M`` (N = M).
    """
    F = exact_matrix(np.eye(expansion.M, dtype=np.int64) if templates is None else templates)
    k_p = len(set(start))
    k_q = expansion.T - k_p
    Cf, row_monomials, col_monomials = expansion.coefficient_matrix(start, class_index)
    E_P = _monomial_values(row_monomials, F, k_p)
    E_Q = _monomial_values(col_monomials, F, k_q)
    # (Cf E_Q^T)[a, d_Q], then A = E_P (Cf E_Q^T), with exact Python arithmetic
    right = [
        [sum(c * e for c, e in zip(cf_row, eq_row) if c and e) for eq_row in E_Q] for cf_row in Cf
    ]
    return [
        [sum(e * right[a][j] for a, e in enumerate(ep_row) if e) for j in range(len(E_Q))]
        for ep_row in E_P
    ]


def grid_rank(
    expansion: Expansion, start: Sequence[int], templates: object = None, class_index: int = 0
) -> int:
    """The exact rank of the grid tensor's (P, Q) matricization (identity templates by default)."""
    return rational_rank(grid_matrix(expansion, start, templates, class_index))


def reference_ranks(
    rac: object, T: int, start: Sequence[int], class_index: int = 0
) -> tuple[int, int]:
    """``(separation rank, grid rank)`` of ``y_c`` for P = start, both exact over Q."""
    expansion = Expansion(rac, T)
    return (
        separation_rank(expansion, start, class_index),
        grid_rank(expansion, start, None, class_index),
    )
