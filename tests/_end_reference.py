"""An independent exact reference for the End span (not a test file).

``G(u, x_{k+1..T})``, the output computed from the boundary states after step k, is expanded
symbolically with exact Python integers (the recurrence written here, none of the library's
code paths) and the rank over Q of its coefficient matrix (rows: monomials in the boundary
variables, columns: monomials in the end inputs) is taken with FLINT.
"""

from __future__ import annotations

import math
from fractions import Fraction

import sympy
from _reference import exact_matrix, linear, multiply, rational_rank

from rac_tn import RAC


def range_bases(rac: RAC) -> list[list[list[Fraction]]]:
    """A basis of the range of each ``W^{H,l}`` (sympy's column space), as R x r lists."""
    out = []
    for w in rac.hidden_weights:
        cols = sympy.Matrix(exact_matrix(w)).columnspace()
        out.append([[Fraction(str(c[i])) for c in cols] for i in range(rac.R)])
    return out


def end_coefficients(
    rac: RAC, T: int, k: int, class_index: int = 0, reduce: bool = True
) -> tuple[list, list]:
    """The End coefficient matrix over Q and its row monomials (exponents per layer).

    Variables: ``v^l`` (r_l each: ``u^l = B_l v^l`` with B_l a basis of the range of
    ``W^{H,l}``, where ``u^l = W^{H,l} h^{l,k}`` lives; with ``reduce=False`` u itself), then
    ``x_{t,m}`` for t = k+1..T. The first step reads ``h^{l,k+1} = u^l * (W^{I,l}
    h^{l-1,k+1})``, later steps the RAC's recurrence. Rows: the monomials in v that occur;
    columns: those in x.
    """
    WI = [exact_matrix(w) for w in rac.input_weights]
    WH = [exact_matrix(w) for w in rac.hidden_weights]
    WO = exact_matrix(rac.output_weights)[class_index]
    L, R, M = rac.L, rac.R, rac.M
    if reduce:
        bases = range_bases(rac)
    else:
        bases = [[[Fraction(int(i == j)) for j in range(R)] for i in range(R)]] * L
    widths = [len(b[0]) for b in bases]
    bits = (math.comb(T - k - 1 + L, L) + 2).bit_length() + 1
    n_u = L * R

    def var(index: int) -> dict[int, int]:
        return {1 << (bits * index): 1}

    v = [[var(layer * R + r) for r in range(widths[layer])] for layer in range(L)]
    u = [linear(bases[layer], v[layer]) for layer in range(L)]
    states = None
    for s in range(T - k):
        below = [var(n_u + s * M + m) for m in range(M)]
        new = []
        for layer in range(L):
            left = u[layer] if states is None else linear(WH[layer], states[layer])
            below = [multiply(a, b) for a, b in zip(left, linear(WI[layer], below), strict=True)]
            new.append(below)
        states = new
    (y,) = linear([WO], states[-1])
    mask_u, mask = (1 << (bits * n_u)) - 1, (1 << bits) - 1
    rows: dict[int, int] = {}
    cols: dict[int, int] = {}
    entries = []
    for key, coef in y.items():
        i = rows.setdefault(key & mask_u, len(rows))
        j = cols.setdefault(key >> (bits * n_u), len(cols))
        entries.append((i, j, coef))
    matrix = [[0] * len(cols) for _ in rows]
    for i, j, coef in entries:
        matrix[i][j] = coef
    monomials = [
        tuple(
            tuple((key >> (bits * (layer * R + r))) & mask for r in range(R)) for layer in range(L)
        )
        for key in rows
    ]
    return matrix, monomials


def end_span_reference(rac: RAC, T: int, k: int, class_index: int = 0) -> tuple[int, int]:
    """``(rank over Q of the End coefficient matrix, number of u-monomials that occur)``."""
    matrix, monomials = end_coefficients(rac, T, k, class_index)
    return rational_rank(matrix), len(monomials)
