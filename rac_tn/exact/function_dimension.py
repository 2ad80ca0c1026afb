"""The dimension of a model's function space, exactly modulo random primes.

The functions an architecture computes form the image of its parameters-to-function map
``theta -> y_theta``; its dimension (the dimension of the "neuromanifold") is the generic rank of
the Jacobian of that map. Here the map sends the parameters to the outputs at every position
(``y_1, ..., y_T`` at length T, or ``y_T`` only) as polynomials in the inputs, and the rank is
taken exactly modulo a prime (:func:`function_dimension`):

1. *The point.* Every parameter is drawn uniformly modulo a random ~62-bit prime p.
2. *The Jacobian.* The model's layers are rebuilt from the parameters carried as exact dual
   numbers (a residue and its gradient; :func:`rac_tn.models.parametrised.layers_at`), and run
   forward on N random input sequences in the compiled modular kernels: each sequence gives
   ``T C`` rows ``d y_{t,c} / d theta`` of an exact Jacobian modulo p.
3. *The rank.* N doubles until the rank falls below N (then it is the generic rank, unless the
   random points were degenerate) or meets the proven upper bound (then it is certified).

Whatever happens, the rank found is a lower bound on the generic dimension (a rank modulo p at
a point is at most the rank over Q there, and at most the generic rank). Two proven upper
bounds certify it: the number of parameters minus the rank of the tangents of the symmetries
the family declares (at a generic point the function is constant along them; the rank of their
tangents modulo p at this point is at most their generic rank) and the dimension of the space
of polynomials the outputs live in (``prod_t ((d~, deg_t))`` per output). Linear attention
declares ``GL(a)`` per layer, one scale per layer and ``GL(v)`` between layers, so its bound is
Henry, Marchetti & Kohn's ``l (a (2d - a) + d^2) - (l - 1) d^2 - l`` for ``a <= d``.

Examples
--------
>>> from rac_tn.models import LinearAttention
>>> result = function_dimension(LinearAttention.random(4, 2, depth=3, seed=0), T=3, seed=0)
>>> result.dimension, result.certified, result.num_parameters
(49, True, 96)
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from rac_tn._checks import check_seed, positive_int
from rac_tn.arith import elimination, modular
from rac_tn.counting import degree_scales, layer_copy_counts, multiset, paths
from rac_tn.exact import certify
from rac_tn.exact.attempts import MAX_PRIMES
from rac_tn.models.layers import BilinearLayer, forward_scaled
from rac_tn.models.parametrised import layers_at, parameter_arrays, symmetry_tangents
from rac_tn.models.protocol import RecurrentModel, check_model

#: The first number of input sequences N (doubled while the Jacobian has full row rank N).
FIRST_POINTS = 4
#: The default cap on N.
DEFAULT_MAX_POINTS = 1024


@dataclass(frozen=True)
class FunctionDimension:
    """The dimension of a model's function space, and how sure it is.

    Attributes
    ----------
    dimension
        The rank found: always a certified lower bound on the generic dimension.
    exact
        True when ``dimension`` is the generic dimension, certainly (``certified``) or with
        probability at least ``1 - failure_probability`` (below 1e-9).
    certified
        True when ``dimension`` meets ``upper_bound``.
    upper_bound
        ``min(num_parameters - symmetries, coefficient_count)``: proven.
    num_parameters, symmetries, coefficient_count
        The parameter count, the rank of the declared symmetries' tangents at the point, and
        the dimension of the space of polynomial maps the function lies in.
    T, every_step
        The length, and whether every position's output counts (else only ``y_T``).
    points, prime, primes, failure_probability
        Sequences of the last Jacobian, its prime, every prime tried, and the bound on the
        chance that ``dimension`` is below the generic dimension (0 when certified).
    seconds
        Wall time (not compared).
    """

    dimension: int
    exact: bool
    certified: bool
    upper_bound: int
    num_parameters: int
    symmetries: int
    coefficient_count: int
    T: int
    every_step: bool
    points: int
    prime: int
    primes: tuple[int, ...]
    failure_probability: float
    seconds: float = field(default=0.0, compare=False)

    def __int__(self) -> int:
        return self.dimension

    @property
    def claim(self) -> str:
        """``'exact dimension'`` or ``'certified lower bound'``."""
        return "exact dimension" if self.exact else "certified lower bound"

    @property
    def status(self) -> str:
        """How sure ``dimension`` is, in words."""
        if self.certified:
            return f"certified: meets the proven upper bound {self.upper_bound}"
        if self.exact:
            return f"exact with probability >= 1 - {self.failure_probability:.2g}"
        return f"lower bound only (upper bound {self.upper_bound})"

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe fields."""
        out = {k: getattr(self, k) for k in self.__dataclass_fields__}
        out["primes"] = list(self.primes)
        return out

    def __repr__(self) -> str:
        return (
            f"FunctionDimension({self.dimension}, {self.claim}, {self.status}, "
            f"P={self.num_parameters}, T={self.T}, points={self.points})"
        )


def function_dimension(
    model: RecurrentModel,
    T: int,
    *,
    every_step: bool = True,
    seed: int | np.random.Generator | None = None,
    prime: int | None = None,
    max_points: int = DEFAULT_MAX_POINTS,
) -> FunctionDimension:
    """The dimension of the space of functions ``model``'s architecture computes at length T.

    Parameters
    ----------
    model
        A RAC or a family; only its architecture is used (the point is drawn at random).
    T
        The sequence length.
    every_step
        Count the outputs at every position ``y_1 .. y_T`` as the function (the map from a
        sequence to its sequence of outputs, as Henry et al. count an attention layer's
        outputs); False: only ``y_T``.
    seed
        Seeds the primes, the point and the input sequences.
    prime
        Fix the modulus (one attempt; exact only when certified).
    max_points
        The most input sequences N.

    Returns
    -------
    FunctionDimension

    Notes
    -----
    *Why the rank stops at the generic rank.* Write ``r`` for the generic rank over ``F_p``.
    Each sequence adds ``T C`` rows; a random combination of them is one row of the Jacobian of
    the scalar map ``(theta, x, lambda) -> lambda . y_theta(x)``, whose rows at N generic points
    have rank ``min(N, r)``. So the rank of all the rows is at least ``min(N, r)`` unless an
    ``m x m`` minor (``m = min(N, r)``), a nonzero polynomial of degree at most ``m D`` in the
    random point and sequences, vanishes there: probability at most ``m D / p``
    (Schwartz-Zippel), ``D`` bounding the degree of an entry (the parameters' degree in y, from
    the copies of each layer's cells, plus ``sum_t deg_t``). A rank below N is therefore ``r``.
    ``r`` equals the rank over Q unless p divides every coefficient of every ``r x r`` minor of
    the coefficient Jacobian; their size is bounded from the sum of the absolute coefficients
    of y in parameters and inputs (y at all-ones parameters with absolute constants and
    all-ones inputs), and the chance that the random prime divides one is
    :func:`~rac_tn.exact.certify.prime_divides_bound`.

    Examples
    --------
    The formula of Henry, Marchetti & Kohn for deep lightning attention, ``d = 4``, ``t = 3``,
    ``l = 3``, ``a = 1``:

    >>> from rac_tn.models import LinearAttention
    >>> int(function_dimension(LinearAttention.random(4, 1, depth=3, seed=0), T=3))
    34
    """
    begin = time.perf_counter()
    model = check_model(model, "model")
    T = positive_int(T, "T")
    max_points = positive_int(max_points, "max_points")
    rng = np.random.default_rng(check_seed(seed))
    fixed = None if prime is None else modular.check_prime(prime, "prime")
    slots = parameter_arrays(model)
    P = sum(a.size for _, _, a in slots)
    count = _coefficient_count(model, T, every_step)
    deg_theta, log2_sum = _degree_and_size(model, T, slots)
    D = deg_theta + sum(model.input_degrees(T))
    best, primes, failures = None, [], []
    while True:
        p = fixed if fixed is not None else certify.random_prime(rng, large=True)
        primes.append(p)
        rank, points, symmetries, sz = _attempt(model, T, every_step, p, rng, max_points, D)
        upper = min(P - symmetries, count)
        capped = rank >= points  # the cap on N stopped it with full row rank: a lower bound
        if best is None or rank > best[0]:
            best = (rank, points, symmetries, upper, p, capped)
        if best[0] >= best[3] or capped:
            break
        if fixed is not None:
            failures.append(1.0)
            break
        log2_minor = rank * (math.log2(max(rank, 1)) + math.log2(max(deg_theta, 1)) + log2_sum)
        failures.append(min(1.0, certify.prime_divides_bound(log2_minor, large=True) + sz))
        if certify.combined_failure(failures) <= certify.EXACT_THRESHOLD:
            break
        if len(primes) >= MAX_PRIMES:
            break
    rank, points, symmetries, upper, p, capped = best
    certified = rank >= upper
    failure = 0.0 if certified else (certify.combined_failure(failures) if failures else 1.0)
    exact = certified or (not capped and failure <= certify.EXACT_THRESHOLD)
    return FunctionDimension(
        dimension=rank,
        exact=exact,
        certified=certified,
        upper_bound=upper,
        num_parameters=P,
        symmetries=symmetries,
        coefficient_count=count,
        T=T,
        every_step=bool(every_step),
        points=points,
        prime=p,
        primes=tuple(primes),
        failure_probability=failure,
        seconds=time.perf_counter() - begin,
    )


def _attempt(
    model: RecurrentModel,
    T: int,
    every_step: bool,
    p: int,
    rng: np.random.Generator,
    max_points: int,
    D: int,
) -> tuple[int, int, int, float]:
    """One prime: ``(rank, points N, symmetry rank, Schwartz-Zippel bound)``."""
    slots = parameter_arrays(model)
    values = [rng.integers(0, p, size=a.shape, dtype=np.uint64) for _, _, a in slots]
    P = sum(a.size for a in values)
    duals, offset = [], 0
    for arr in values:
        out = np.empty(arr.shape, dtype=object)
        for k, idx in enumerate(np.ndindex(arr.shape)):
            out[idx] = _Dual(int(arr[idx]), {offset + k: 1}, 1)
        duals.append(out)
        offset += arr.size
    layers, readout = layers_at(model, duals)
    net = _DualNet(layers, readout, P, p)
    ints = [np.vectorize(int, otypes=[object])(a) for a in values]
    tangents = symmetry_tangents(model, ints)
    symmetries = 0
    if tangents:
        flat = [np.concatenate([np.asarray(x, dtype=object).ravel() for x in t]) for t in tangents]
        rows = np.array(flat)
        symmetries = elimination.rank_mod_p(modular.to_residues(rows, p), p)
    upper = min(P - symmetries, _coefficient_count(model, T, every_step))
    width = model.input_node_dim
    blocks: list[np.ndarray] = []
    N, rank, sz = 0, 0, 0.0
    target = min(FIRST_POINTS, max_points)
    while True:
        new = target - N
        X = rng.integers(0, p, size=(new, T, width), dtype=np.uint64)
        blocks.append(net.jacobian(X, every_step))
        N = target
        J = np.concatenate(blocks, axis=0)
        rank = elimination.rank_mod_p(J, p)
        sz += min(N, rank + 1) * D / p
        if rank >= upper or rank < N or N >= max_points:
            break
        target = min(2 * N, max_points)
    return rank, N, symmetries, min(1.0, sz)


class _Dual:
    """An exact residue with its sparse gradient and its degree in the parameters."""

    __slots__ = ("d", "g", "v")

    def __init__(self, v: int, g: dict[int, int], d: int) -> None:
        self.v, self.g, self.d = v, g, d

    def __add__(self, other: int | _Dual) -> _Dual:
        if isinstance(other, _Dual):
            g = dict(self.g)
            for k, c in other.g.items():
                g[k] = g.get(k, 0) + c
            return _Dual(self.v + other.v, g, max(self.d, other.d))
        return _Dual(self.v + int(other), self.g, self.d)

    __radd__ = __add__

    def __neg__(self) -> _Dual:
        return _Dual(-self.v, {k: -c for k, c in self.g.items()}, self.d)

    def __sub__(self, other: int | _Dual) -> _Dual:
        return self + (-other)

    def __rsub__(self, other: int | _Dual) -> _Dual:
        return (-self) + other

    def __mul__(self, other: int | _Dual) -> _Dual:
        if isinstance(other, _Dual):
            g = {k: c * other.v for k, c in self.g.items()}
            for k, c in other.g.items():
                g[k] = g.get(k, 0) + c * self.v
            return _Dual(self.v * other.v, g, self.d + other.d)
        c = int(other)
        return _Dual(self.v * c, {k: v * c for k, v in self.g.items()}, self.d)

    __rmul__ = __mul__


def _split(arr: np.ndarray, P: int, p: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(values, gradients (..., P), degree)`` modulo p of an array of duals and numbers."""
    arr = np.asarray(arr, dtype=object)
    values = np.zeros(arr.shape, dtype=object)
    grads = np.zeros(arr.shape + (P,), dtype=np.uint64)
    degree = 0
    for idx in np.ndindex(arr.shape):
        x = arr[idx]
        if isinstance(x, _Dual):
            values[idx] = x.v
            degree = max(degree, x.d)
            for k, c in x.g.items():
                grads[idx + (k,)] = c % p
        else:
            values[idx] = x
    return modular.to_residues(values, p), grads, degree


class _DualNet:
    """The layers at a dual point: forward passes carrying exact gradients modulo p."""

    def __init__(self, layers: tuple[BilinearLayer, ...], readout: np.ndarray, P: int, p: int):
        self.P, self.p = P, p
        self.layers: list[dict[str, Any]] = []
        for layer in layers:
            A, _, C = layer.factors()
            parts: dict[str, Any] = {
                "A": self._right(A),
                "legs": [self._right(B) for B in layer.input_factors],
                "C": self._right(np.asarray(C).T),
            }
            h0_v, h0_g, _ = _split(layer.initial_state, P, p)
            parts["h0"] = (h0_v, h0_g)
            self.layers.append(parts)
        self.readout = self._right(np.asarray(readout).T)

    def _right(self, arr: np.ndarray) -> tuple[Any, Any, tuple[int, int]]:
        """Right multipliers of the values and of the gradients (reshaped ``s x (K P)``)."""
        v, g, _ = _split(arr, self.P, self.p)
        s, K = v.shape
        return (
            modular.right_multiplier(v, self.p),
            modular.right_multiplier(np.ascontiguousarray(g.reshape(s, K * self.P)), self.p),
            (s, K),
        )

    def _times(self, left: tuple, right: tuple) -> tuple[np.ndarray, np.ndarray]:
        """``left @ right`` of duals: values ``(b, K)``, gradients ``(b, K, P)``."""
        (lv, lg), (times_v, times_g, (s, K)) = left, right
        b, P, p = lv.shape[0], self.P, self.p
        value = times_v(lv)
        grad = times_g(lv).reshape(b, K, P)
        if lg is not None:
            flat = np.ascontiguousarray(lg.transpose(0, 2, 1)).reshape(b * P, s)
            grad = (grad + times_v(flat).reshape(b, P, K).transpose(0, 2, 1)) % np.uint64(p)
        return value, np.ascontiguousarray(grad)

    def _hadamard(self, x: tuple, y: tuple) -> tuple[np.ndarray, np.ndarray]:
        """The elementwise product of duals (product rule)."""
        (xv, xg), (yv, yg) = x, y
        p = self.p
        value = modular.multiply_mod(xv, yv, p)
        one = modular.multiply_mod(xg, np.broadcast_to(yv[..., None], xg.shape), p)
        two = modular.multiply_mod(np.broadcast_to(xv[..., None], yg.shape), yg, p)
        return value, (one + two) % np.uint64(p)

    def jacobian(self, X: np.ndarray, every_step: bool) -> np.ndarray:
        """Rows ``d y_{t,c} / d theta`` for sequences ``X`` (``(N, T, d~)`` residues)."""
        N, T, _ = X.shape
        states: list[tuple[Any, Any]] = [
            (np.repeat(v[None], N, 0), np.repeat(g[None], N, 0))
            for v, g in (layer["h0"] for layer in self.layers)
        ]
        rows = []
        for t in range(T):
            below: tuple[Any, Any] = (np.ascontiguousarray(X[:, t]), None)
            for i, layer in enumerate(self.layers):
                z = self._times(states[i], layer["A"])
                for leg in layer["legs"]:
                    z = self._hadamard(z, self._times(below, leg))
                states[i] = below = self._times(z, layer["C"])
            if every_step or t == T - 1:
                _, grad = self._times(states[-1], self.readout)
                rows.append(grad.reshape(-1, self.P))
        return np.concatenate(rows, axis=0)


def _coefficient_count(model: RecurrentModel, T: int, every_step: bool) -> int:
    """The dimension of the space of polynomial maps the outputs lie in."""
    width = model.input_node_dim
    total = 0
    for t in range(1 if every_step else T, T + 1):
        monomials = 1
        for degree in model.input_degrees(t):
            monomials *= multiset(width, degree)
        total += model.num_classes * monomials
    return total


def _degree_and_size(model: RecurrentModel, T: int, slots: list) -> tuple[int, float]:
    """A bound on y's degree in the parameters, and ``log2`` of its absolute coefficient sum.

    The degree: every copy of a cell uses each of its factors once, so each layer contributes
    its copies times the degrees of its factor entries in the parameters (1 for copies).
    The size: the layers at all-ones parameters, every entry made absolute, at all-ones
    inputs, the largest output over every position.
    """
    ones = [np.ones(a.shape, dtype=object) for _, _, a in slots]
    L = model.depth
    scales = degree_scales(model.arities, L)
    duals = [
        np.array([_Dual(1, {0: 1}, 1) for _ in range(a.size)], dtype=object).reshape(a.shape)
        for _, _, a in slots
    ]
    layers, readout = layers_at(model, duals)
    copies = layer_copy_counts(L, T, model.arities)
    degree = _split(readout, 1, 3)[2]
    for i, layer in enumerate(layers):
        A, _, C = layer.factors()
        per_copy = sum(_split(f, 1, 3)[2] for f in (A, *layer.input_factors, C))
        starts = paths(L, T, i + 1, 1) * scales[i + 1]
        degree += copies[i] * per_copy + starts * _split(layer.initial_state, 1, 3)[2]
    numeric, readout = layers_at(model, ones)

    def absolute(arr: np.ndarray) -> np.ndarray:
        return np.abs(np.asarray(arr, dtype=np.float64))

    plain = [
        BilinearLayer.cp(
            absolute(layer.factors()[0]),
            absolute(layer.input_factors[0]),
            absolute(layer.factors()[2]),
            absolute(layer.initial_state),
            affine=layer.affine,
            extra=[absolute(B) for B in layer.input_factors[1:]],
        )
        for layer in numeric
    ]
    x = np.ones((1, T, model.input_node_dim))
    mantissa, exponent = forward_scaled(plain, absolute(readout), x, True)
    tops = np.max(np.abs(mantissa[0]), axis=-1)
    logs = [float(e) + math.log2(m) for m, e in zip(tops, exponent[0], strict=True) if m > 0]
    return degree, (max(logs) + 1.0) if logs else 0.0


__all__ = ["DEFAULT_MAX_POINTS", "FIRST_POINTS", "FunctionDimension", "function_dimension"]
