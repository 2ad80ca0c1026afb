"""The singular-value spectrum of the float matricized grid tensor: NUMERICAL, never a rank.

Floating-point SVD ranks of these tensors are wrong (entries span many orders of magnitude);
the spectrum is for plots of the decay. Exact ranks: :func:`rac_tn.separation_rank`.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod

import numpy as np

from rac_tn._checks import check_class_index, check_max_entries, template_count
from rac_tn.models.protocol import RecurrentModel, check_model
from rac_tn.network.grid_tensor import grid_tensor
from rac_tn.partition import Partition
from rac_tn.results import Claim, Serialisable


@dataclass(frozen=True, eq=False)  # the generated __eq__ would compare arrays ambiguously
class Spectrum(Serialisable):
    """Singular values of the float64 matricized grid tensor: a NUMERICAL estimate, for plots.

    The number of values above a threshold is not a rank (the entries span many orders of
    magnitude and round-off fills the tail): for ranks use :func:`rac_tn.separation_rank`.

    Attributes
    ----------
    values : numpy.ndarray
        The singular values, non-increasing.
    shape : tuple of int
        The shape ``(N^|P|, N^|Q|)`` of the matricization.
    partition : Partition
        The partition (P, Q).
    claim : str
        Always ``'numerical'``.

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> s = spectrum(RAC.random(2, 2, depth=1, seed=0), start_end(4))
    >>> len(s), np.asarray(s).shape
    (4, (4,))
    >>> Spectrum.from_dict(s.to_dict()).shape
    (4, 4)
    """

    values: np.ndarray
    shape: tuple[int, int]
    partition: Partition
    claim: Claim = "numerical"

    def numerical_rank(self, rtol: float | None = None) -> int:
        """Values above ``rtol * max`` (default ``max(shape) * eps``): a count, never a rank."""
        if self.values.size == 0:
            return 0
        rtol = max(self.shape) * np.finfo(np.float64).eps if rtol is None else rtol
        return int(np.sum(self.values > rtol * self.values[0]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Spectrum):
            return NotImplemented
        return (
            self.shape == other.shape
            and self.partition == other.partition
            and self.claim == other.claim
            and np.array_equal(self.values, other.values)
        )

    # equal spectra need not hash alike: the values are an array
    __hash__ = None  # type: ignore[assignment]  # the documented way to make a class unhashable

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        return self.values if dtype is None else self.values.astype(dtype)

    def __len__(self) -> int:
        return len(self.values)

    def __repr__(self) -> str:
        head = ", ".join(f"{v:.3g}" for v in self.values[:4])
        more = ", ..." if len(self.values) > 4 else ""
        return (
            f"Spectrum(numerical singular values of the {self.shape[0]} x {self.shape[1]} "
            f"matricization over {self.partition}: [{head}{more}])"
        )


def spectrum(
    rac: RecurrentModel,
    partition: Partition,
    *,
    templates: object = None,
    class_index: int = 0,
    max_entries: int | None = None,
) -> Spectrum:
    """Singular values of the float64 matricization of the grid tensor (numerical).

    Parameters
    ----------
    rac
        The model.
    partition
        The partition (P, Q): rows are indexed by the templates at the times of P.
    templates
        The ``N x M`` template array (identity by default).
    class_index
        Which output ``y_c`` (for C > 1).
    max_entries
        Refuse grid tensors with more entries than this (default
        :data:`rac_tn._checks.DEFAULT_MAX_ENTRIES`).

    Returns
    -------
    Spectrum
        The singular values (``claim='numerical'``).

    Raises
    ------
    TypeError
        When ``rac`` is not a model or ``partition`` not a :class:`Partition`.
    ValueError
        For a grid tensor above ``max_entries``, or an invalid ``class_index`` or ``templates``.

    Examples
    --------
    >>> from rac_tn import RAC, start_end
    >>> s = spectrum(RAC.random(2, 2, depth=1, seed=0), start_end(4))
    >>> s.claim, s.shape, s.numerical_rank()
    ('numerical', (4, 4), 2)
    """
    check_model(rac, "rac")
    if not isinstance(partition, Partition):
        raise TypeError(f"partition must be a Partition, got {type(partition).__name__}")
    class_index = check_class_index(class_index, rac.num_classes)
    T = partition.T
    N = template_count(templates, rac.input_dim) or rac.input_dim
    max_entries = check_max_entries(max_entries)
    if N**T > max_entries:
        raise ValueError(
            f"spectrum needs the grid tensor's {N}^{T} = {N**T:,} entries, above "
            f"max_entries={max_entries:,}"
        )
    A = grid_tensor(rac, T, templates, max_entries=max_entries * rac.num_classes)
    if rac.num_classes > 1:
        A = A[..., class_index]
    axes = [t - 1 for t in partition.start] + [t - 1 for t in partition.end]
    rows = prod([N] * len(partition.start))
    matrix = A.transpose(axes).reshape(rows, -1)
    values = np.linalg.svd(matrix, compute_uv=False)
    return Spectrum(values=values, shape=matrix.shape, partition=partition)


__all__ = ["Spectrum", "spectrum"]
