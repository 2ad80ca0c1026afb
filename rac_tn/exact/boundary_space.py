"""Polynomials in the boundary states of a prefix/suffix cut: monomials and unisolvent grids.

After the first ``k`` steps a RAC's output depends on the start only through the states
``h^{1,k}, ..., h^{L,k}``, and it is homogeneous of degree ``d_l = C(T-k-1+L-l, L-l)`` (the
paths from cell ``(l, k+1)`` to the output) in layer l's state. A :class:`BoundarySpace` is the
space of such multi-homogeneous polynomials in L vectors of ``R`` variables: its monomials
(``prod_l ((R, d_l))`` of them, layer 1's exponent the most significant digit) and a grid of
points on which a polynomial of the space is determined by its values (per layer the simplex
lattice ``{a in Z_{>=0}^R : |a| = d}``, unisolvent for forms of degree d; the grid is their
product, so its evaluation matrix is the Kronecker product of the layers' matrices).

Examples
--------
>>> space = BoundarySpace(2, (2, 1))
>>> space.size, space.exponents[0].tolist()
(6, [[2, 0], [1, 1], [0, 2]])
>>> boundary_degrees(3, 6, 3)          # L = 3, T = 6, k = 3: the symmetric cut's degrees
(6, 3, 1)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from itertools import combinations_with_replacement, product
from typing import cast

import flint
import numpy as np

from rac_tn.counting import paths


def boundary_degrees(L: int, T: int, k: int) -> tuple[int, ...]:
    """The degrees ``d_l`` of the output in the states ``h^{l,k}`` (``1 <= k < T``).

    >>> boundary_degrees(2, 8, 4)
    (4, 1)
    """
    return tuple(paths(L, T, layer, k + 1) for layer in range(1, L + 1))


def exponents(R: int, degree: int) -> np.ndarray:
    """Every exponent vector of ``R`` variables with sum ``degree``, lexicographically falling.

    >>> exponents(3, 1).tolist()
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    """
    rows = []
    for combo in combinations_with_replacement(range(R), degree):
        row = [0] * R
        for i in combo:
            row[i] += 1
        rows.append(row)
    return np.array(rows, dtype=np.int64).reshape(len(rows), R)


def power_products(points: np.ndarray, exps: np.ndarray) -> np.ndarray:
    """``out[i, j] = prod_r points[i, r] ** exps[j, r]`` as exact Python integers (``0**0 = 1``).

    >>> power_products(np.array([[2, 3]], dtype=object), exponents(2, 2)).tolist()
    [[4, 6, 9]]
    """
    points = np.asarray(points, dtype=object)
    n, R = points.shape
    top = int(exps.max()) if exps.size else 0
    powers = np.empty((n, R, top + 1), dtype=object)
    powers[:, :, 0] = 1
    for e in range(1, top + 1):
        powers[:, :, e] = powers[:, :, e - 1] * points
    out = np.ones((n, exps.shape[0]), dtype=object)
    for r in range(R):
        out = out * powers[:, r, exps[:, r]]
    return out


@dataclass(frozen=True)
class BoundarySpace:
    """Multi-homogeneous polynomials of degrees ``degrees`` in L vectors of variables.

    Attributes
    ----------
    R
        Variables per layer: one count for every layer, or one per layer. Points are arrays
        ``(n, L, max width)``; a layer reads the first ``width`` coordinates of its row.
    degrees
        The degree ``d_l`` in each layer's vector.
    """

    R: int | tuple[int, ...]
    degrees: tuple[int, ...]

    @property
    def widths(self) -> tuple[int, ...]:
        """Variables in each layer."""
        if isinstance(self.R, tuple):
            return self.R
        return (self.R,) * len(self.degrees)

    @cached_property
    def exponents(self) -> tuple[np.ndarray, ...]:
        """Per layer, the ``((r_l, d_l)) x r_l`` exponent vectors (:func:`exponents`)."""
        return tuple(exponents(r, d) for r, d in zip(self.widths, self.degrees, strict=True))

    @property
    def shape(self) -> tuple[int, ...]:
        """Monomials per layer: ``((R, d_l))``."""
        return tuple(e.shape[0] for e in self.exponents)

    @property
    def size(self) -> int:
        """The number of monomials, ``prod_l ((R, d_l))``."""
        return math.prod(self.shape)

    def monomial(self, index: int) -> tuple[tuple[int, ...], ...]:
        """The exponents (one tuple per layer) of monomial ``index``.

        >>> BoundarySpace(2, (2, 1)).monomial(1)
        ((2, 0), (0, 1))
        """
        digits = np.unravel_index(index, self.shape)
        pairs = zip(self.exponents, digits, strict=True)
        return tuple(tuple(int(v) for v in e[i]) for e, i in pairs)

    def grid_matrix(self, layer: int) -> np.ndarray:
        """``Phi_l[i, j]``: monomial j of layer ``layer`` at grid point i (exact integers).

        The grid points are the exponent vectors themselves (the simplex lattice).
        """
        e = self.exponents[layer]
        return power_products(e.astype(object), e)

    @cached_property
    def grid_inverses(self) -> tuple[tuple[np.ndarray, int], ...]:
        """Per layer ``(D * Phi_l^{-1}, D)``: Python integers and their positive denominator."""
        out = []
        for layer in range(len(self.degrees)):
            phi = flint.fmpz_mat(self.grid_matrix(layer).tolist())
            # Phi_l is invertible (the lattice is unisolvent); its inverse is an fmpq_mat
            inverse = cast(flint.fmpq_mat, phi.inv())
            numer, denom = inverse.numer_denom()
            values = [[int(v) for v in row] for row in numer.tolist()]
            out.append((np.array(values, dtype=object).reshape(phi.nrows(), -1), int(denom)))
        return tuple(out)

    def grid_points(self) -> np.ndarray:
        """The grid, ``(size, L, max width)`` exact integers (zero padded), in monomial order."""
        grids = np.meshgrid(*[np.arange(n) for n in self.shape], indexing="ij")
        out = np.zeros((self.size, len(self.degrees), max(self.widths)), dtype=object)
        for layer, g in enumerate(grids):
            e = self.exponents[layer]
            out[:, layer, : e.shape[1]] = e.astype(object)[g.ravel()]
        return out

    def values(self, points: np.ndarray) -> np.ndarray:
        """Every monomial at every point: ``(n, size)`` exact integers.

        Parameters
        ----------
        points
            ``(n, L, R)`` integers (Python ints in an object array, or any integer dtype).

        >>> BoundarySpace(2, (1, 1)).values(np.array([[[1, 2], [3, 4]]], dtype=object)).tolist()
        [[3, 4, 6, 8]]
        """
        points = np.asarray(points, dtype=object)
        out = np.ones((points.shape[0], 1), dtype=object)
        for layer, e in enumerate(self.exponents):
            part = power_products(points[:, layer, : e.shape[1]], e)
            out = (out[:, :, None] * part[:, None, :]).reshape(points.shape[0], -1)
        return out

    def point_form(self, coefficients: np.ndarray) -> np.ndarray:
        """Functionals given by monomial coefficients, as weights on the grid's points.

        A functional ``c`` (``c(P) = sum_m c_m P_m``) equals ``sum_i a_i P(z_i)`` with
        ``a = Phi^{-T} c``; rows are scaled by one positive integer so ``a`` is integral.

        Parameters
        ----------
        coefficients
            ``(s, size)`` exact integers, one functional a row.

        Returns
        -------
        numpy.ndarray
            ``(s, size)`` exact integers ``D * Phi^{-T} c`` (D a positive integer).
        """
        a = np.asarray(coefficients, dtype=object).reshape(-1, *self.shape)
        for layer, (inverse, _denom) in enumerate(self.grid_inverses):
            # a = Phi^{-T} c is the row c^T Phi^{-1}: contract each layer's axis with Phi_l^{-1}
            a = np.moveaxis(np.tensordot(a, inverse, axes=([layer + 1], [0])), -1, layer + 1)
        return a.reshape(a.shape[0], -1)


def lattice_sequences(lattices: list[np.ndarray], M: int) -> np.ndarray:
    """Every sequence of lattice points (one per time): ``(count, times, M)`` objects."""
    count = math.prod(len(x) for x in lattices)
    out = np.empty((count, len(lattices), M), dtype=object)
    for i, digits in enumerate(product(*[range(len(x)) for x in lattices])):
        for t, d in enumerate(digits):
            out[i, t] = lattices[t][d]
    return out


def rational_rank(matrix: np.ndarray | flint.fmpz_mat) -> int:
    """The rank over Q of an integer matrix (FLINT's exact row reduction, tall orientation).

    >>> rational_rank(np.array([[1, 2], [2, 4], [3, 7]], dtype=object))
    2
    """
    if isinstance(matrix, flint.fmpz_mat):
        A, rows, cols = matrix, matrix.nrows(), matrix.ncols()
    else:
        rows, cols = matrix.shape
        if rows == 0 or cols == 0:
            return 0
        A = flint.fmpz_mat([[int(v) for v in row] for row in matrix])
    if rows == 0 or cols == 0:
        return 0
    if rows < cols:
        A = A.transpose()
    return int(A.rref()[2])
