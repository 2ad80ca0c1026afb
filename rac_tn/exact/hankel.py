"""The memory measure that grows for a linear RNN: the rank of its past-to-future (Hankel) map.

A linear RNN's separation rank is at most 2 for any partition, so Start-End rank cannot see
its memory; the rank of the map from the past inputs to the future outputs can, and it is at
most ``min(L n, tau d, (T - tau) C)`` ([Theory: the linear RNN][theory-linear-rnn]).

Examples
--------
>>> from rac_tn.models import LinearRNN
>>> model = LinearRNN.random(2, 3, depth=2, seed=0, integer=True)
>>> result = hankel_rank(model, 6, seed=0)
>>> result.rank, result.upper_bound, result.certified     # min(L n, tau d, (T - tau) C)
(3, 3, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rac_tn._checks import check_seed, positive_int
from rac_tn.arith import flint_matrices
from rac_tn.exact import certify
from rac_tn.models.protocol import RecurrentModel
from rac_tn.partition import Partition
from rac_tn.results import Claim, Serialisable

_ATTEMPTS = 2  # independent random primes when the rank stays below the bound


@dataclass(frozen=True)
class HankelRank(Serialisable):
    """The rank of a model's past-to-future map at one cut time.

    Attributes
    ----------
    rank
        The largest rank found modulo the primes tried: always a certified lower bound.
    upper_bound
        ``min(L n, tau d, (T - tau) C)``, proven for a linear RNN.
    certified
        ``rank == upper_bound``: the rank, whatever the prime.
    tau, T
        The cut: past ``1..tau``, future ``tau+1..T``.
    shape
        ``((T - tau) C, tau d)``: the matrix whose rank was taken.
    primes
        The primes tried.
    seconds
        Wall time (not compared).
    """

    rank: int
    upper_bound: int
    certified: bool
    tau: int
    T: int
    shape: tuple[int, int]
    primes: tuple[int, ...]
    seconds: float = field(default=0.0, compare=False)

    @property
    def claim(self) -> Claim:
        """``'exact rank'`` when certified, else ``'certified lower bound'``."""
        return "exact rank" if self.certified else "certified lower bound"


def hankel_rank(
    model: RecurrentModel,
    cut: int | Partition,
    *,
    seed: int | np.random.Generator | None = None,
) -> HankelRank:
    """The rank of a linear RNN's past-to-future map across a cut, exactly modulo random primes.

    The matrix ``H[(s, c), (t, m)] = d y_{s,c} / d x_{t,m}`` is formed from impulse responses.

    Parameters
    ----------
    model
        A :class:`rac_tn.LinearRNN` (any depth).
    cut
        The sequence length T (cut at ``tau = T // 2``), or a Partition whose start part is
        ``1..tau``.
    seed
        Seeds the primes.

    Returns
    -------
    HankelRank

    Raises
    ------
    TypeError
        For a model that is not linear.
    ValueError
        For a partition whose start part is not ``1..tau``.
    """
    begin = time.perf_counter()
    if not isinstance(model, RecurrentModel) or model.multiplicative:
        raise TypeError(
            "hankel_rank needs a linear RNN (rac_tn.LinearRNN): the past-to-future map is "
            f"linear only there; got {type(model).__name__}"
        )
    T, tau = _cut(cut)
    d, C = model.input_dim, model.num_classes
    bound = min(model.depth * model.hidden_dim, tau * d, (T - tau) * C)
    # impulses: the zero sequence, then a unit in each past input coordinate
    X = np.zeros((1 + tau * d, T, d), dtype=np.int64)
    for k in range(tau * d):
        X[1 + k, k // d, k % d] = 1
    rng = np.random.default_rng(check_seed(seed))
    best, primes = 0, []
    for _ in range(_ATTEMPTS):
        p = certify.random_prime(rng, large=True)
        primes.append(p)
        y = model.forward_mod(X, p, every_step=True)  # (batch, T, C) residues
        future = y[:, tau:, :].reshape(1 + tau * d, -1).astype(object)
        H = ((future[1:] - future[0]) % p).T.astype(np.uint64)  # ((T - tau) C, tau d)
        best = max(best, flint_matrices.rank_mod_p(np.ascontiguousarray(H), p))
        if best == bound:
            break
    return HankelRank(
        rank=best,
        upper_bound=bound,
        certified=best == bound,
        tau=tau,
        T=T,
        shape=((T - tau) * C, tau * d),
        primes=tuple(primes),
        seconds=time.perf_counter() - begin,
    )


def _cut(cut: int | Partition) -> tuple[int, int]:
    if isinstance(cut, Partition):
        tau = len(cut.start)
        if cut.start != tuple(range(1, tau + 1)):
            raise ValueError(f"the past-to-future map needs a cut: a start part 1..tau, got {cut}")
        return cut.T, tau
    T = positive_int(cut, "cut")
    if T < 2:
        raise ValueError(f"cut as a length T must be at least 2, got {T}")
    return T, T // 2


__all__ = ["HankelRank", "hankel_rank"]
