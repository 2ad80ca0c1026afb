"""The deep grid tensor modulo a prime: :func:`rac_tn.arith.tree_kernels.grid_walk` on residues.

``SMALL`` primes (``p < 2**31``) walk plain residues with sums reduced once every three terms;
``MONT`` primes walk Montgomery forms ``x B mod p`` (``B = 2**64``), mapped back as the outputs
are written. The documentation's "Exact arithmetic" page says why each sum fits in ``uint64``.
"""

from __future__ import annotations

import numpy as np

from rac_tn.arith import modular, tree_kernels


def grid_deep_mod(
    h0: np.ndarray,
    wh: np.ndarray,
    wi: np.ndarray,
    fold: np.ndarray,
    drive: np.ndarray,
    T: int,
    p: int,
    *,
    parallel: bool,
) -> np.ndarray:
    """Grid tensor ``(N**T * C,)`` of a deep RAC modulo an odd prime ``p < 2**63`` (``uint64``).

    Arguments as for :func:`rac_tn.arith.tree_kernels.grid_deep` (plain residues), except ``fold``
    ``(C, R, R)``: ``W^{I,L}^T diag(W^O_c) W^{H,L}`` modulo ``p`` for each class ``c``.
    """
    arith = modular.kernel_arith(p)
    # Montgomery forms x B mod p (B = 1 below 2**31: unchanged)
    h0, wh, wi, fold, drive = (
        modular.scale(np.asarray(x), arith, 1) for x in (h0, wh, wi, fold, drive)
    )
    return tree_kernels.grid_walk(h0, wh, wi, fold, drive, T, arith.args, parallel=parallel)
