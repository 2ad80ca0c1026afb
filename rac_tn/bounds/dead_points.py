"""An upper bound on a prefix cut's separation rank valid for every weight: dead boundary points.

Cut after step k and write ``u^l = W^{H,l} h^{l,k}`` (the states the end side reads). The output
is ``y = sum_m u^m e_m(x_end)`` over the monomials of degrees ``d_l = C(T-k-1+L-l, L-l)`` in the
``u^l``, so ``sep <= N - (independent linear relations among the e_m)`` with ``N = prod_l ((R,
d_l))`` (the symmetric cut's count for this cut). At depth ``L >= 3`` some relations hold for
*every* weight:

- take ``u^1 = e_r``: then ``h^{1,k+1} = (W^{I,1} x_{k+1})_r e_r`` whatever the input, and
  ``h^{L-1,k+1}`` is that scalar times ``g_r(u^2, ..., u^{L-1})``, a vector that is linear in
  each of ``u^2..u^{L-1}``;
- take ``u^L = e_s``: then ``h^{L,k+1} = (W^{I,L} h^{L-1,k+1})_s e_s``, which is 0 for every
  input when ``f_rs = (W^{I,L} g_r)_s`` vanishes at ``(u^2..u^{L-1})``. The top layer then stays
  0 and y = 0: the End function vanishes at such a boundary point for every end input.

Evaluation at such a point is a relation among the e_m. For fixed ``(r, s)`` these evaluations
span the functionals that vanish on the multiples of ``f_rs`` of degrees ``(d_2..d_{L-1})``
(``f_rs`` is linear in each ``u^l``, so it has no repeated factor and the points where it
vanishes determine that space), which has dimension at least
``prod_{l=2}^{L-1} ((R, d_l)) - prod_{l=2}^{L-1} ((R, d_l - 1))`` (all of it when
``f_rs = 0``); and the ``R^2`` families are independent of each other, because the functionals
``delta_{e_r}`` (on forms of degree ``d_1 >= 1``) and ``delta_{e_s}`` (on linear forms) are.
So, for every weight,

    sep <= N - R^2 (prod_{l=2}^{L-1} ((R, d_l)) - prod_{l=2}^{L-1} ((R, d_l - 1))).

At L = 3 each ``f_rs`` is a linear form and the count is ``R^2 ((R-1, d_2))``: 4 at R = 2 (one
dead point per (r, s)), which is the whole gap between the symmetric cut and the separation
rank there. At L <= 2 there is nothing to subtract.

Examples
--------
>>> dead_point_bound(2, 3, 6, 3), dead_point_bound(2, 3, 12, 6)      # 56 - 4, 308 - 4
(52, 304)
>>> dead_point_bound(2, 2, 8, 4)                                     # depth 2: R ((R, T/2))
10
"""

from __future__ import annotations

import math

from rac_tn.counting import multiset, paths


def dead_point_relations(R: int, L: int, T: int, k: int) -> int:
    """Relations among the End polynomials after step k that hold for every weight.

    Parameters
    ----------
    R, L, T
        Width, depth, sequence length.
    k
        The cut: after step k (``1 <= k < T``).

    Returns
    -------
    int
        ``R^2 (prod_{l=2}^{L-1} ((R, d_l)) - prod_{l=2}^{L-1} ((R, d_l - 1)))`` for L >= 3,
        0 for L <= 2.

    >>> dead_point_relations(3, 3, 6, 3)        # 9 ((2, 3))
    36
    """
    if L <= 2:
        return 0
    degrees = [paths(L, T, layer, k + 1) for layer in range(2, L)]
    full = math.prod(multiset(R, d) for d in degrees)
    multiples = math.prod(multiset(R, d - 1) if d >= 1 else 0 for d in degrees)
    return R * R * (full - multiples)


def dead_point_bound(R: int, L: int, T: int, k: int) -> int:
    """``N - dead_point_relations``: an upper bound on the separation rank for every weight.

    ``N = prod_l ((R, d_l))`` counts the monomials in the states after step k (see the
    module).

    >>> dead_point_bound(2, 4, 6, 3)
    576
    """
    N = math.prod(multiset(R, paths(L, T, layer, k + 1)) for layer in range(1, L + 1))
    return N - dead_point_relations(R, L, T, k)
