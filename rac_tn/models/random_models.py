"""One constructor for a random model of any family, by name (used by sweeps and the CLI).

Examples
--------
>>> model = random_model("cp2rnn", 2, 3, rank=2, seed=0, integer=True)
>>> model.family, model.rank
('cp2rnn', 2)
"""

from __future__ import annotations

from rac_tn._checks import check_choice, positive_int
from rac_tn.models.base import FAMILIES, RecurrentModel
from rac_tn.models.cp import CP2RNN
from rac_tn.models.linear import LinearRNN
from rac_tn.models.mirnn import MIRNN
from rac_tn.models.rac import RAC
from rac_tn.models.second_order import SecondOrderRNN

__all__ = ["random_model"]

_CLASSES = {"2rnn": SecondOrderRNN, "mirnn": MIRNN, "linear": LinearRNN}


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
) -> RAC | RecurrentModel:
    """A random model of ``family`` (one of :data:`~rac_tn.models.FAMILIES`).

    Parameters
    ----------
    family
        ``'rac'`` (a :class:`~rac_tn.RAC`, as :meth:`RAC.random` draws it), ``'2rnn'``,
        ``'cp2rnn'``, ``'mirnn'`` or ``'linear'``.
    input_dim, hidden_dim, depth
        d (M), n (R) and L.
    rank
        The CP rank K of ``'cp2rnn'`` (default: ``hidden_dim``); refused for other families.
    bias
        First-order terms and biases; refused for ``'rac'`` (it has none).
    num_classes, seed, integer
        As in each family's ``random``.

    Returns
    -------
    RAC or RecurrentModel

    Raises
    ------
    ValueError
        An unknown family, ``rank`` for a family without one, ``bias`` for a RAC.
    """
    family = check_choice(family, "model", FAMILIES)
    if family == "rac":
        if bias:
            raise ValueError("bias=True: a RAC has no first-order terms or biases")
        if rank is not None:
            raise ValueError("rank is the CP rank of cp2rnn; a RAC has none")
        return RAC.random(
            input_dim, hidden_dim, depth=depth, num_classes=num_classes, seed=seed,
            integer=integer,
        )  # fmt: skip
    options = {"bias": bool(bias), "num_classes": num_classes, "seed": seed, "integer": integer}
    if family == "cp2rnn":
        K = hidden_dim if rank is None else positive_int(rank, "rank")
        return CP2RNN.random(input_dim, hidden_dim, K, depth, **options)
    if rank is not None:
        raise ValueError(f"rank is the CP rank of cp2rnn; model {family!r} has none")
    return _CLASSES[family].random(input_dim, hidden_dim, depth, **options)
