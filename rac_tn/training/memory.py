"""The memory of a trained model: what training changes (spectra) and what it cannot (ranks).

Trained float weights are almost surely generic: their exact ranks are the generic ranks of
the architecture (the exact rank of a model is at most the generic one, and equal to it off a
null set of weights), whatever the training did. What training changes is how the singular
values are spread, so every measurement here reports a NUMERICAL spectrum with its
``eps``-ranks and entropy, and the exact rank next to it, labelled as such:

- A linear RNN (``multiplicative`` False; degree 1 in every input, so its Start-End separation
  rank is at most 2 and measures nothing): the past-to-future (Hankel) map at the cut ``tau =
  T // 2``, ``H[(s, c), (t, m)] = d y_{s,c} / d x_{t,m}`` for ``s >= tau > t``. Its singular
  values (float64, from the model's impulse responses) and its exact rank
  (:func:`rac_tn.hankel_rank`, modulo random primes: an exact rank when it meets
  ``min(L n, tau d, (T - tau) C)``, a certified lower bound otherwise).
- A polynomial family: the Start-End separation spectrum over the task's input distribution.
  ``K`` start halves and ``K`` end halves are drawn from the task (independently), and the
  singular values are those of the ``K x (K * outputs)`` matrix of the outputs on every pair
  (the outputs of the end steps for a sequence task, of the last step otherwise, every class).
  Its rank is at most K, so a value reaching K is a floor; the exact Start-End separation rank
  (:func:`rac_tn.separation_rank`, on request) is that of the trained weights read as exact
  dyadic rationals: the generic rank of the architecture, up to the sample cap.

The ``eps``-rank counts the singular values above ``eps`` times the largest; the entanglement
entropy is ``-sum p_i ln p_i`` with ``p_i = s_i^2 / sum_j s_j^2`` (in nats), the entropy of the
normalised spectrum.

Examples
--------
>>> from rac_tn.models import LinearRNN
>>> model = LinearRNN.random(2, 3, depth=2, seed=0)
>>> report = hankel_memory(model, 6, eps=(1e-12,), seed=0)   # min(L n, tau d, (T - tau) C) = 3
>>> report.exact["rank"], report.exact["claim"], report.eps_ranks[1e-12], report.shape
(3, 'exact rank', 3, (3, 6))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from rac_tn._checks import positive_int
from rac_tn.models.protocol import RecurrentModel, check_model

__all__ = [
    "DEFAULT_EPS",
    "HEADLINE_EPS",
    "MemoryReport",
    "entanglement_entropy",
    "eps_ranks",
    "hankel_matrix",
    "hankel_memory",
    "measure_memory",
    "separation_matrix",
    "separation_memory",
    "summary",
]

#: The relative thresholds of the ``eps``-ranks every report gives.
DEFAULT_EPS: tuple[float, ...] = (1e-1, 1e-2, 1e-3)
#: The threshold of the headline numerical rank (``MemoryReport.numerical_rank()``).
HEADLINE_EPS = 1e-2


@dataclass(frozen=True, eq=False)
class MemoryReport:
    """One memory measurement: a numerical spectrum, its ``eps``-ranks and entropy, an exact rank.

    Attributes
    ----------
    measure
        ``'hankel'`` (a linear RNN's past-to-future map) or ``'separation'`` (the sampled
        Start-End matricization of a polynomial model).
    values
        The singular values, non-increasing (NUMERICAL).
    shape
        The shape of the matrix.
    tau, T
        The cut: past (start) ``1..tau``, future (end) ``tau+1..T``.
    eps_ranks
        ``{eps: number of values > eps * values[0]}`` (numerical, not ranks).
    entropy
        The entanglement entropy of the normalised spectrum, in nats; None for a zero matrix.
    exact
        The exact rank's fields with its ``claim`` (``'exact rank'`` or ``'certified lower
        bound'``), or None when not computed.
    samples
        K, the start (and end) halves sampled (``'separation'`` only).
    """

    measure: Literal["hankel", "separation"]
    values: np.ndarray
    shape: tuple[int, int]
    tau: int
    T: int
    eps_ranks: dict[float, int]
    entropy: float | None
    exact: dict[str, Any] | None = None
    samples: int | None = None
    claim: str = field(default="numerical", init=False)

    def numerical_rank(self, eps: float = HEADLINE_EPS) -> int:
        """The number of singular values above ``eps`` times the largest (numerical)."""
        return eps_ranks(self.values, (eps,))[eps]

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields (``eps_ranks`` keyed by ``str(eps)``)."""
        return {
            "measure": self.measure,
            "claim": self.claim,
            "values": [float(v) for v in self.values],
            "shape": list(self.shape),
            "tau": self.tau,
            "T": self.T,
            "eps_ranks": {repr(float(k)): v for k, v in self.eps_ranks.items()},
            "numerical_rank": self.numerical_rank(),
            "headline_eps": HEADLINE_EPS,
            "entropy_nats": self.entropy,
            "exact": self.exact,
            "samples": self.samples,
        }


def eps_ranks(values: object, eps: Sequence[float] = DEFAULT_EPS) -> dict[float, int]:
    """Per ``eps``, how many of ``values`` exceed ``eps`` times the largest (numerical).

    Examples
    --------
    >>> eps_ranks([2.0, 1.0, 0.01, 0.0], (0.1, 0.001))
    {0.1: 2, 0.001: 3}
    """
    s = np.sort(np.abs(np.asarray(values, dtype=np.float64)).ravel())[::-1]
    out = {}
    for e in eps:
        if not np.isfinite(e) or e <= 0:
            raise ValueError(f"eps must be positive and finite, got {e!r}")
        out[float(e)] = 0 if s.size == 0 or s[0] == 0 else int(np.sum(s > e * s[0]))
    return out


def entanglement_entropy(values: object) -> float | None:
    """``-sum p ln p`` with ``p = s^2 / sum s^2`` (nats); None when every value is zero.

    Examples
    --------
    >>> round(entanglement_entropy([1.0, 1.0]), 12) == round(float(np.log(2)), 12)
    True
    >>> entanglement_entropy([3.0, 0.0])
    0.0
    """
    s = np.abs(np.asarray(values, dtype=np.float64).ravel())
    if not np.all(np.isfinite(s)):
        raise ValueError("singular values must be finite")
    if s.size == 0 or s.max() == 0:
        return None
    s = s / s.max()  # scale-free, and no overflow in s^2
    p = (s * s) / float(np.sum(s * s))
    p = p[p > 0]
    return float(max(0.0, -np.sum(p * np.log(p))))


def _cut(T: int, tau: int | None) -> tuple[int, int]:
    """``(T, tau)`` checked: ``1 <= tau < T``, default ``T // 2``."""
    T = positive_int(T, "T")
    if T < 2:
        raise ValueError(f"T must be at least 2 (a past and a future), got {T}")
    tau = T // 2 if tau is None else positive_int(tau, "tau")
    if tau >= T:
        raise ValueError(f"tau must be below T = {T}, got {tau}")
    return T, tau


def hankel_matrix(model: RecurrentModel, T: int, tau: int | None = None) -> np.ndarray:
    """The float64 past-to-future map of a linear RNN: rows ``(s, c)``, columns ``(t, m)``.

    ``H[(s - tau) C + c, t d + m] = y_{s,c}(e_{t,m}) - y_{s,c}(0)`` for ``tau <= s < T`` and
    ``0 <= t < tau`` (0-based steps), from the model's own float forward pass (exact up to
    rounding: the output is affine in the inputs).

    Parameters
    ----------
    model
        A linear model (``multiplicative`` False).
    T
        The sequence length.
    tau
        The cut (default ``T // 2``).

    Returns
    -------
    numpy.ndarray
        ``((T - tau) C, tau d)``.
    """
    check_model(model)
    if model.multiplicative:
        raise TypeError(
            "hankel_matrix needs a linear RNN (its output is affine in the inputs); for a "
            "polynomial model use separation_matrix"
        )
    T, tau = _cut(T, tau)
    d = model.input_dim
    X = np.zeros((1 + tau * d, T, d))
    for k in range(tau * d):
        X[1 + k, k // d, k % d] = 1.0
    y = np.asarray(model.forward(X, every_step=True))[:, tau:, :]  # (1 + tau d, T - tau, C)
    future = y.reshape(1 + tau * d, -1)
    return (future[1:] - future[0]).T


def separation_matrix(
    model: RecurrentModel, starts: np.ndarray, ends: np.ndarray, *, every_step: bool
) -> np.ndarray:
    """The model's outputs on every (start, end) pair: rows starts, columns (end, output).

    Parameters
    ----------
    model
        Any model.
    starts, ends
        ``(K, tau, d)`` and ``(K', T - tau, d)`` input halves.
    every_step
        True: the outputs after every end step (``T - tau`` of them) per class; False: the
        last step's.

    Returns
    -------
    numpy.ndarray
        ``K x (K' * outputs)``.
    """
    check_model(model)
    starts, ends = np.asarray(starts, np.float64), np.asarray(ends, np.float64)
    if starts.ndim != 3 or ends.ndim != 3 or starts.shape[2] != ends.shape[2]:
        raise ValueError(
            f"starts and ends must be (K, tau, d) and (K', T - tau, d), got {starts.shape} "
            f"and {ends.shape}"
        )
    K, tau, d = starts.shape
    K2 = ends.shape[0]
    pairs = np.concatenate(
        [np.repeat(starts, K2, axis=0), np.tile(ends, (K, 1, 1))], axis=1
    )  # (K K', T, d), row-major in (start, end)
    if every_step:
        y = np.asarray(model.forward(pairs, every_step=True))[:, tau:, :]
    else:
        y = np.asarray(model.forward(pairs))
    return y.reshape(K, -1)


def _report(measure, matrix, tau, T, eps, exact=None, samples=None) -> MemoryReport:
    """The report of one matrix (singular values, eps-ranks, entropy)."""
    if not np.all(np.isfinite(matrix)):
        raise ValueError(
            f"the {measure} matrix has non-finite entries: the model's float outputs overflow "
            "at these inputs (use the exact ranks)"
        )
    values = np.linalg.svd(matrix, compute_uv=False)
    return MemoryReport(
        measure=measure,
        values=values,
        shape=tuple(int(n) for n in matrix.shape),
        tau=tau,
        T=T,
        eps_ranks=eps_ranks(values, eps),
        entropy=entanglement_entropy(values),
        exact=exact,
        samples=samples,
    )


def hankel_memory(
    model: RecurrentModel,
    T: int,
    *,
    tau: int | None = None,
    exact: bool = True,
    eps: Sequence[float] = DEFAULT_EPS,
    seed: int | np.random.Generator | None = None,
) -> MemoryReport:
    """A linear RNN's Hankel spectrum at the cut ``tau`` and (``exact``) its exact rank.

    Parameters
    ----------
    model
        A linear model (:class:`rac_tn.LinearRNN`).
    T
        The sequence length.
    tau
        The cut (default ``T // 2``).
    exact
        Also compute :func:`rac_tn.hankel_rank` (the rank of these very weights).
    eps
        The thresholds of the ``eps``-ranks.
    seed
        Seeds the primes of the exact rank.

    Returns
    -------
    MemoryReport
    """
    T, tau = _cut(T, tau)
    H = hankel_matrix(model, T, tau)
    info = None
    if exact:
        from rac_tn.exact.hankel import hankel_rank
        from rac_tn.partition import Partition

        result = hankel_rank(model, Partition(T, tuple(range(1, tau + 1))), seed=seed)
        info = {"quantity": "Hankel rank", "claim": result.claim, **result.to_dict()}
    return _report("hankel", H, tau, T, eps, exact=info)


def separation_memory(
    model: RecurrentModel,
    sample_inputs: Any,
    T: int,
    *,
    every_step: bool,
    samples: int = 128,
    exact: bool = False,
    exact_samples: int = 256,
    eps: Sequence[float] = DEFAULT_EPS,
    seed: int | None = None,
) -> MemoryReport:
    """The numerical Start-End separation spectrum over a task's inputs (and an exact rank).

    Parameters
    ----------
    model
        Any model (a polynomial family is what this is for).
    sample_inputs
        ``sample_inputs(count, seed) -> (count, T, d)``: draws from the task's inputs
        (:meth:`~rac_tn.training.specs.TaskSpec.sample_inputs`).
    T
        The sequence length (the cut is ``T // 2``).
    every_step
        Rank the outputs of every end step (a sequence task) or of the last step.
    samples
        K, start halves and end halves drawn (the spectrum has at most K values).
    exact
        Also compute the exact Start-End separation rank of class 0 (needs even T; capped at
        ``exact_samples``, past which it is a certified lower bound).
    exact_samples
        The cap of the exact rank.
    eps
        The thresholds of the ``eps``-ranks.
    seed
        Seeds the two draws (and the exact rank's primes and points).

    Returns
    -------
    MemoryReport
    """
    T, tau = _cut(T, None)
    K = positive_int(samples, "samples")
    seeds = np.random.SeedSequence(seed).spawn(2)
    starts = np.asarray(sample_inputs(K, np.random.default_rng(seeds[0])))[:, :tau]
    ends = np.asarray(sample_inputs(K, np.random.default_rng(seeds[1])))[:, tau:]
    if starts.shape[1] + ends.shape[1] != T:
        raise ValueError(f"sample_inputs must give sequences of length T = {T}")
    matrix = separation_matrix(model, starts, ends, every_step=every_step)
    info = None
    if exact:
        from rac_tn.exact.rank import separation_rank
        from rac_tn.partition import start_end

        result = separation_rank(
            model, start_end(T), seed=seed, max_samples=positive_int(exact_samples, "cap")
        )
        info = {"quantity": "separation rank", "claim": result.claim, "rank": result.rank,
                "status": result.status, "samples": result.samples,
                "upper_bound": result.upper_bound}  # fmt: skip
    return _report("separation", matrix, tau, T, eps, exact=info, samples=K)


def measure_memory(
    model: RecurrentModel,
    task: Any,
    *,
    samples: int = 128,
    exact: bool | None = None,
    exact_samples: int = 256,
    eps: Sequence[float] = DEFAULT_EPS,
    seed: int | None = 0,
) -> MemoryReport:
    """The memory measure that fits ``model``: Hankel (linear) or separation spectrum.

    Parameters
    ----------
    model
        A model (loaded from a trained state dict, typically).
    task
        A :class:`~rac_tn.training.specs.TaskSpec` (its length, input distribution and whether
        it scores every step).
    samples
        K of the separation spectrum.
    exact
        Compute the exact rank too; None: yes for the Hankel rank (cheap), no for the
        separation rank (its generic value is usually beyond any sample cap).
    exact_samples
        The cap of the exact separation rank.
    eps
        The thresholds of the ``eps``-ranks.
    seed
        Seeds the draws and primes.

    Returns
    -------
    MemoryReport
    """
    check_model(model)
    if not model.multiplicative:
        return hankel_memory(
            model, task.length, exact=True if exact is None else exact, eps=eps, seed=seed
        )
    return separation_memory(
        model, task.sample_inputs, task.length, every_step=task.every_step, samples=samples,
        exact=bool(exact), exact_samples=exact_samples, eps=eps, seed=seed,
    )  # fmt: skip


def summary(report: MemoryReport | Mapping[str, Any]) -> dict[str, Any]:
    """The few numbers a metrics row keeps of a report (no singular values)."""
    data = report.to_dict() if isinstance(report, MemoryReport) else dict(report)
    out = {k: data[k] for k in ("measure", "numerical_rank", "headline_eps", "entropy_nats")}
    out["eps_ranks"] = data["eps_ranks"]
    if data.get("exact"):
        out["exact_rank"] = data["exact"]["rank"]
        out["exact_claim"] = data["exact"]["claim"]
    return out
