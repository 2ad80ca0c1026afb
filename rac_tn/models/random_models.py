"""One constructor for a random model of any family, by name (used by sweeps and the CLI).

Examples
--------
>>> model = random_model("cp2rnn", 2, 3, rank=2, seed=0, integer=True)
>>> model.family, model.rank
('cp2rnn', 2)
"""

from __future__ import annotations

from rac_tn._checks import positive_int
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.registry import get_family

__all__ = ["random_model"]


def random_model(
    family: str,
    input_dim: int,
    hidden_dim: int,
    depth: int = 1,
    *,
    rank: int | None = None,
    bias: bool = False,
    num_classes: int = 1,
    seed: object = None,
    integer: bool = False,
) -> RecurrentModel:
    """A random model of a registered ``family`` (:func:`~rac_tn.models.family_names`).

    Parameters
    ----------
    family
        ``'rac'`` (a :class:`~rac_tn.RAC`, as :meth:`RAC.random` draws it), ``'2rnn'``,
        ``'cp2rnn'``, ``'mirnn'``, ``'linear'`` or a registered family of your own.
    input_dim, hidden_dim, depth
        d (M), n (R) and L.
    rank
        The CP rank K of a family that has one (default: ``hidden_dim``); refused otherwise.
    bias
        First-order terms and biases; refused for a family without them (the RAC).
    num_classes, seed, integer
        As in each family's ``random``.

    Returns
    -------
    RecurrentModel

    Raises
    ------
    ValueError
        An unknown family, ``rank`` for a family without one, ``bias`` for a family without.
    """
    entry = get_family(family)
    options: dict[str, object] = {"num_classes": num_classes, "seed": seed, "integer": integer}
    if "rank" in entry.options:
        options["rank"] = hidden_dim if rank is None else positive_int(rank, "rank")
    elif rank is not None:
        raise ValueError(f"rank is a CP rank; model {family!r} has none")
    if "bias" in entry.options:
        options["bias"] = bool(bias)
    elif bias:
        raise ValueError(f"bias=True: model {family!r} has no first-order terms or biases")
    return entry.model_class.random(input_dim, hidden_dim, depth=depth, **options)
