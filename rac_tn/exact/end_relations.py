"""Linear relations among the End polynomials, found modulo primes and lifted to the rationals.

Cut a RAC after step k and write ``u^l = W^{H,l} h^{l,k}``. The output is a polynomial
``G(u, x_{k+1..T})``, multi-homogeneous in the ``u^l`` (:class:`BoundarySpace`), so
``y = sum_m u(x_start)^m e_m(x_end)`` over its monomials m. A *relation* is a vector c with
``sum_m c_m e_m = 0`` identically; the relations are the left kernel of the coefficient matrix
E (rows m, columns the monomials in ``x_end``).

Modulo a prime p, ``Y = Phi E V`` is computed from values of G: rows at the grid points
``z_i`` of the boundary space (``Phi = prod_l Phi_l``, Kronecker, invertible), columns at
random end parts (``V``); so ``E V = Phi^{-1} Y`` and its left kernel is that of E for all but
a few primes and points. Every row of that kernel's normal form (identity on its free columns)
is a vector of rationals whose residues are lifted by the Chinese remainder theorem and
rational reconstruction. Nothing here is trusted: :mod:`rac_tn.exact.relation_check` verifies
the lifted relations exactly.
"""

from __future__ import annotations

import ctypes
import math
from dataclasses import dataclass
from fractions import Fraction

import flint
import numpy as np

from rac_tn.arith import flint_matrices, modular
from rac_tn.exact.boundary_space import BoundarySpace


@dataclass(frozen=True)
class ModularKernel:
    """The relations modulo one prime, in normal form.

    Attributes
    ----------
    prime
        The modulus.
    span_rank
        ``rank(E V mod p)``: a lower bound on the rank of the End span.
    free
        The free columns (monomial indices), one per relation.
    support
        The monomials any relation uses (sorted; contains ``free``).
    rows
        ``(len(free), len(support))`` residues: relation i is 1 at ``free[i]``, 0 at the other
        free columns.
    """

    prime: int
    span_rank: int
    free: tuple[int, ...]
    support: tuple[int, ...]
    rows: np.ndarray


def end_values_mod(
    weights: modular.ModularWeights,
    points: np.ndarray,
    ends: np.ndarray,
    class_index: int,
    lifts: tuple[tuple[np.ndarray, int], ...],
) -> np.ndarray:
    """``G(B v_i, x_j) mod p`` for boundary points ``v_i`` and end parts ``x_j``.

    Parameters
    ----------
    weights
        The model's residues (:meth:`rac_tn.RAC.modular`).
    points
        ``(n, L, width)`` residues: the boundary variables ``v^l`` of each row (layer l reads
        its first ``r_l`` coordinates).
    ends
        ``(K, T - k, M)`` residues: the inputs after the cut.
    class_index
        The output ranked.
    lifts
        Per layer ``(C, D)`` with ``W^{H,l} C / D = B_l``: the state ``h^{l,k} = C v / D``
        has ``u^l = W^{H,l} h^{l,k} = B_l v``
        (:class:`~rac_tn.exact.relation_check.IntegerWeights`).

    Returns
    -------
    numpy.ndarray
        ``(n, K)`` residues.

    Raises
    ------
    ZeroDivisionError
        When p divides a denominator D (the caller draws another prime).
    """
    p = weights.p
    starts = []
    for layer, (numer, denom) in enumerate(lifts):
        r = numer.shape[1]
        lift = ((numer % p) * pow(denom, -1, p) % p).astype(np.uint64)
        v = np.ascontiguousarray(points[:, layer, :r], dtype=np.uint64)
        starts.append(modular.matmul_mod(v, np.ascontiguousarray(lift.T), p))
    n = points.shape[0]
    rows = np.zeros((n, ends.shape[1], ends.shape[2]), dtype=np.uint64)
    everything = np.ones(ends.shape[1], dtype=np.bool_)
    return modular.pair_outputs(weights, starts, rows, ends, everything, class_index)


def coefficient_rows(
    space: BoundarySpace,
    values: np.ndarray,
    p: int,
    sub: tuple[list[np.ndarray], list[np.ndarray]] | None = None,
) -> np.ndarray:
    """``E V = Phi^{-1} Y`` modulo p: from values on the grid to monomial coefficients.

    With ``sub = (monomials, points)`` (per layer: the monomial indices wanted, the grid
    indices whose values are given, as :func:`sub_grid` chooses them), ``values`` holds the
    product of the layers' points and the result the product of their monomials.
    """
    K = values.shape[1]
    shape = space.shape if sub is None else tuple(len(c) for c in sub[1])
    out = values.reshape(*shape, K)
    for layer, (numer, denom) in enumerate(space.grid_inverses):
        block = numer if sub is None else numer[np.ix_(sub[0][layer], sub[1][layer])]
        inv = ((block % p) * pow(denom, -1, p) % p).astype(np.uint64)
        moved = np.moveaxis(out, layer, -1)
        dims = moved.shape
        # (rest x n_l) @ Phi_l^{-T}: the small factor on the right (converted once)
        product = modular.matmul_mod(moved.reshape(-1, dims[-1]), inv.T.copy(), p)
        out = np.moveaxis(product.reshape(*dims[:-1], inv.shape[0]), -1, layer)
    return np.ascontiguousarray(out.reshape(-1, K))


def sub_grid(
    space: BoundarySpace, support: tuple[int, ...]
) -> tuple[list[np.ndarray], list[np.ndarray], np.ndarray]:
    """The grid points that determine the coefficients of the monomials ``support``.

    Per layer: the monomials used and the grid points where their rows of ``Phi_l^{-1}`` are
    not 0 (a pure power's coefficient is the value at one vertex of the lattice). Returns
    ``(monomials, points, where)``: ``where[i]`` is ``support[i]``'s row in the product of the
    layers' monomials.
    """
    digits = np.unravel_index(np.asarray(support, dtype=np.int64), space.shape)
    monomials, points = [], []
    for layer, (numer, _) in enumerate(space.grid_inverses):
        used = np.unique(digits[layer])
        monomials.append(used)
        points.append(np.nonzero(np.any(numer[used] != 0, axis=0))[0])
    sizes = [len(m) for m in monomials]
    local = [np.searchsorted(m, d) for m, d in zip(monomials, digits, strict=True)]
    return monomials, points, np.ravel_multi_index(tuple(local), sizes)


def left_kernel(
    matrix: np.ndarray, p: int, columns: tuple[int, ...] | None = None
) -> ModularKernel:
    """The left kernel of ``matrix`` (rows: monomials) modulo p, in normal form.

    Parameters
    ----------
    matrix
        ``(n, K)`` residues: rows indexed by ``columns`` (default ``0..n-1``).
    p
        The prime.
    columns
        The monomial index of each row.

    Returns
    -------
    ModularKernel
        The kernel's basis with identity on its free columns (the free columns of the reduced
        row echelon form of ``matrix^T``).
    """
    n = matrix.shape[0]
    names = tuple(range(n)) if columns is None else tuple(columns)
    reduced, rank = rref_mod(np.ascontiguousarray(matrix.T), p)
    pivots = _pivots(reduced, rank)
    pivot_set = set(pivots)
    free = [j for j in range(n) if j not in pivot_set]
    # relation for free column j: e_j - sum_i reduced[i, j] e_{pivot_i}
    coeffs = (p - reduced[:rank, free].astype(object)) % p  # (rank, len(free))
    used = sorted(set(free) | {pivots[i] for i in range(rank) if any(coeffs[i])})
    where = {j: c for c, j in enumerate(used)}
    rows = np.zeros((len(free), len(used)), dtype=np.uint64)
    for r, j in enumerate(free):
        rows[r, where[j]] = 1
        for i in range(rank):
            if coeffs[i, r]:
                rows[r, where[pivots[i]]] = int(coeffs[i, r])
    return ModularKernel(
        prime=p,
        span_rank=rank,
        free=tuple(names[j] for j in free),
        support=tuple(names[j] for j in used),
        rows=rows,
    )


def _pivots(reduced: np.ndarray, rank: int) -> list[int]:
    """The pivot column of each nonzero row of a reduced row echelon form."""
    out = []
    j = 0
    for i in range(rank):
        while reduced[i, j] == 0:
            j += 1
        out.append(j)
        j += 1
    return out


def rref_mod(matrix: np.ndarray, p: int) -> tuple[np.ndarray, int]:
    """The reduced row echelon form of a residue matrix modulo p (FLINT) and its rank."""
    arr = np.ascontiguousarray(matrix, dtype=np.uint64) % np.uint64(p)
    rows, cols = arr.shape
    if rows == 0 or cols == 0:
        return arr, 0
    if _direct_rref_available():
        return _rref_direct(arr, p)
    reduced, rank = flint.nmod_mat(rows, cols, arr.ravel().tolist(), p).rref()
    out = np.array([int(v) for v in reduced.entries()], dtype=np.uint64).reshape(rows, cols)
    return out, int(rank)


_DIRECT: list[bool] = []  # [] untested, [True] or [False] after the self-test


def _rref_direct(arr: np.ndarray, p: int) -> tuple[np.ndarray, int]:
    """``nmod_mat_rref`` on a copy of ``arr`` in FLINT's own storage (no per-entry conversion)."""
    lib = flint_matrices._lib
    assert lib is not None  # _direct_rref_available() loaded it
    rows, cols = arr.shape
    mat = ctypes.create_string_buffer(256)
    lib.nmod_mat_init(mat, rows, cols, ctypes.c_ulong(p))
    try:
        entries = ctypes.c_void_p.from_buffer(mat).value
        assert entries is not None  # nmod_mat_init allocated the entries
        ctypes.memmove(entries, arr.ctypes.data, arr.nbytes)
        rank = int(lib.nmod_mat_rref(mat))
        out = np.empty_like(arr)
        ctypes.memmove(out.ctypes.data, entries, arr.nbytes)
        return out, rank
    finally:
        lib.nmod_mat_clear(mat)


def _direct_rref_available() -> bool:
    """Whether the direct path works here (checked once against python-flint's ``rref``)."""
    if not _DIRECT:
        ok = False
        try:
            available = flint_matrices._direct_available()  # loads the library once
            lib = flint_matrices._lib
            if available and lib is not None:
                lib.nmod_mat_rref.argtypes = [ctypes.c_void_p]
                lib.nmod_mat_rref.restype = ctypes.c_long
                rng = np.random.default_rng(7)
                ok = True
                for p in (101, (1 << 61) - 1):
                    a = rng.integers(0, p, size=(9, 4), dtype=np.uint64)
                    b = rng.integers(0, p, size=(4, 13), dtype=np.uint64)
                    prod = flint.nmod_mat(a.tolist(), p) * flint.nmod_mat(b.tolist(), p)
                    arr = np.array([int(v) for v in prod.entries()], dtype=np.uint64)
                    arr = arr.reshape(9, 13)
                    want, rank = prod.rref()
                    got, got_rank = _rref_direct(arr, p)
                    want_arr = np.array([int(v) for v in want.entries()], dtype=np.uint64)
                    ok = ok and got_rank == rank and np.array_equal(got.ravel(), want_arr)
        except (AttributeError, OSError, TypeError):
            ok = False
        _DIRECT.append(ok)
    return _DIRECT[0]


# -- lifting residues to rationals -----------------------------------------------------------

#: Primes tried at most to lift relations (about 60 bits each).
MAX_PRIMES = 48


class RelationLift:
    """Relation rows modulo several primes, combined (CRT) and lifted to integer rows.

    :meth:`add` returns the lift once two successive primes give the same rows (a lift that
    still changes has not converged); the caller then verifies it exactly.
    """

    def __init__(self, rows: np.ndarray, p: int) -> None:
        self.acc, self.modulus = rows.astype(object), p
        self.previous: np.ndarray | None = None

    def add(self, rows: np.ndarray, p: int) -> np.ndarray | None:
        """Combine the rows modulo ``p``; the lifted rows if they repeat the last lift."""
        self.acc, self.modulus = crt_combine(self.acc, self.modulus, rows, p), self.modulus * p
        lifted = lift_rows(self.acc, self.modulus)
        stable = (
            lifted is not None
            and self.previous is not None
            and np.array_equal(lifted, self.previous)
        )
        self.previous = None if stable else lifted  # a lift that failed its check starts over
        return lifted if stable else None


def crt_combine(acc: np.ndarray, modulus: int, residues: np.ndarray, p: int) -> np.ndarray:
    """Residues modulo ``modulus * p`` from residues modulo ``modulus`` and modulo ``p``.

    >>> crt_combine(np.array([2], dtype=object), 3, np.array([3]), 5).tolist()   # 8 = 2 (3), 3 (5)
    [8]
    """
    inverse = pow(modulus, -1, p)
    res = residues.astype(object)
    return acc + modulus * (((res - acc) % p) * inverse % p)


def rational_reconstruction(a: int, m: int) -> Fraction | None:
    """The fraction ``n/d`` with ``n = a d (mod m)``, ``|n|, d <= sqrt(m/2)``, or None.

    >>> rational_reconstruction(3 * pow(7, -1, 10007) % 10007, 10007)
    Fraction(3, 7)
    """
    bound = math.isqrt(m // 2)
    r0, r1 = m, a % m
    s0, s1 = 0, 1
    while r1 > bound:
        q = r0 // r1
        r0, r1 = r1, r0 - q * r1
        s0, s1 = s1, s0 - q * s1
    if s1 == 0 or abs(s1) > bound or math.gcd(r1, abs(s1)) != 1:
        return None
    return Fraction(r1, s1)


def lift_rows(acc: np.ndarray, modulus: int) -> np.ndarray | None:
    """Integer rows proportional to the rational reconstructions of ``acc`` (or None).

    Each row is reconstructed entrywise and scaled by the lcm of its denominators.
    """
    out = np.empty(acc.shape, dtype=object)
    for i, row in enumerate(acc):
        fractions = []
        for value in row:
            f = rational_reconstruction(int(value), modulus)
            if f is None:
                return None
            fractions.append(f)
        scale = math.lcm(*(f.denominator for f in fractions)) if fractions else 1
        out[i] = [int(f * scale) for f in fractions]
    return out
