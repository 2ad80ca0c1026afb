"""The five families as PyTorch modules: identity activations, the seed code's parameter names.

Each module's ``state_dict()`` loads straight into the family's ``from_state_dict`` (and,
saved with ``torch.save``, into :func:`rac_tn.models.weights.load_weights`), so a trained
model is analysed by the rest of rac_tn as it is. Every activation is the identity, so the
module computes the very polynomial its rac_tn twin does (the tests check ``forward`` against
rac_tn's own, in float64). Initial states are zero, as in the seed code, except the RAC's
(ones, fixed).

=========  ==========================================================  =======================
family     parameters (layer ``i`` of a stack; the seed code it follows)  decoder
=========  ==========================================================  =======================
linear     ``rnn_layers.<i>.weight_ih, weight_hh, bias_ih, bias_hh``    ``fc.*``
           (``DeepRNN`` with ``LinearRNNCell``, Role_of_Depth_in_RNNs)
cp2rnn     ``cprnn_layers.<i>.A, B, C, U, V, d`` (``DeepCPRNN``)        ``decoder.*``
mirnn      ``layers.<i>.alpha, w, u, beta1, beta2, b`` (cprnn's MIRNN)   ``decoder.*``
2rnn       ``layers.<i>.w``, ``(n+1) x (d+1) x n`` (cprnn's 2RNN)        ``decoder.*``
rac        ``input_weights.<i>, hidden_weights.<i>`` and the fixed      ``output_weights``
           ``initial_states.<i>`` (rac_tn's own names)
=========  ==========================================================  =======================

Initialisation follows the seed code: Xavier-uniform weights and zero biases for the linear
cell; ``U(-1/sqrt(n), 1/sqrt(n))`` for the second-order cells (and, as the cprnn code does, the
decoders of the MIRNN and 2RNN); PyTorch's default for the other decoders. The RAC has no
trained seed code; here ``W^H = I + U(-s, s)``, ``W^I`` near all ones (first layer) or near the
identity (above), ``s = 0.1``, so that products of many steps start near 1.

This module needs PyTorch (``pip install torch``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from rac_tn._checks import positive_int
from rac_tn.models.protocol import RecurrentModel
from rac_tn.models.registry import get_family

__all__ = [
    "TORCH_FAMILIES",
    "TorchRecurrent",
    "count_parameters",
    "state_arrays",
    "to_rac_tn",
    "torch_model",
]


class TorchRecurrent(nn.Module):
    """Base of the families: a stack of cells read out after every step (or the last)."""

    family = ""

    def __init__(self, input_dim: int, hidden_dim: int, depth: int, num_classes: int) -> None:
        super().__init__()
        self.input_dim, self.hidden_dim = input_dim, hidden_dim
        self.depth, self.num_classes = depth, num_classes

    def initial_state(self, layer: int, batch: int, like: torch.Tensor) -> torch.Tensor:
        """``h_0`` of ``layer`` for a batch (zeros: the seed code's)."""
        return like.new_zeros(batch, self.hidden_dim)

    def inputs(self, layer: int, x: torch.Tensor) -> Any:
        """What ``layer`` computes from its whole input sequence ``(batch, T, m)`` at once."""
        return x

    def cell(self, layer: int, h: torch.Tensor, part: Any, t: int) -> torch.Tensor:
        """One step of ``layer``: ``h_t`` from ``h_{t-1}`` and step ``t`` of :meth:`inputs`."""
        raise NotImplementedError

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """The outputs from the last layer's states (any leading axes)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor, every_step: bool = True) -> torch.Tensor:
        """``(batch, T, C)`` outputs after every step, or ``(batch, C)`` after the last.

        ``x`` is ``(batch, T, input_dim)``. Layer by layer: each layer's input terms are
        computed for every step at once, then its recurrence runs over the steps.
        """
        if x.ndim != 3 or x.shape[2] != self.input_dim:
            raise ValueError(f"x must be (batch, T, {self.input_dim}), got {tuple(x.shape)}")
        batch, steps = x.shape[0], x.shape[1]
        seq = x
        for i in range(self.depth):
            part = self.inputs(i, seq)
            h = self.initial_state(i, batch, x)
            states = []
            for t in range(steps):
                h = self.cell(i, h, part, t)
                states.append(h)
            seq = torch.stack(states, dim=1)
        return self.readout(seq if every_step else seq[:, -1])


def _uniform(*shape: int, bound: float) -> nn.Parameter:
    return nn.Parameter(torch.empty(*shape).uniform_(-bound, bound))


class _LinearCell(nn.Module):
    """``LinearRNNCell``: ``h' = x W_ih^T + b_ih + h W_hh^T + b_hh``."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.zeros(hidden_size))
        self.bias_hh = nn.Parameter(torch.zeros(hidden_size))
        nn.init.xavier_uniform_(self.weight_ih)
        nn.init.xavier_uniform_(self.weight_hh)


class TorchLinearRNN(TorchRecurrent):
    """The depth paper's ``DeepRNN`` of ``LinearRNNCell`` with identity activations."""

    family = "linear"

    def __init__(self, input_dim: int, hidden_dim: int, depth: int, num_classes: int) -> None:
        super().__init__(input_dim, hidden_dim, depth, num_classes)
        sizes = [input_dim] + [hidden_dim] * (depth - 1)
        self.rnn_layers = nn.ModuleList(_LinearCell(m, hidden_dim) for m in sizes)
        self.fc = nn.Linear(hidden_dim, num_classes)

    def inputs(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """``x W_ih^T + b_ih + b_hh`` at every step."""
        c = self.rnn_layers[layer]
        return x @ c.weight_ih.T + c.bias_ih + c.bias_hh

    def cell(self, layer: int, h: torch.Tensor, part: torch.Tensor, t: int) -> torch.Tensor:
        """``h W_hh^T`` plus the input terms."""
        return torch.addmm(part[:, t], h, self.rnn_layers[layer].weight_hh.T)

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``fc``."""
        return self.fc(h)


class _CPCell(nn.Module):
    """``CPRNN_cell`` with the identity gate."""

    def __init__(self, input_size: int, hidden_size: int, rank: int) -> None:
        super().__init__()
        s = 1.0 / math.sqrt(hidden_size)
        self.A = _uniform(hidden_size, rank, bound=s)
        self.B = _uniform(input_size, rank, bound=s)
        self.C = _uniform(hidden_size, rank, bound=s)
        self.U = _uniform(input_size, hidden_size, bound=s)
        self.V = _uniform(hidden_size, hidden_size, bound=s)
        self.d = _uniform(hidden_size, bound=s)


class TorchCP2RNN(TorchRecurrent):
    """The depth paper's ``DeepCPRNN`` with identity gate, activation and readout."""

    family = "cp2rnn"

    def __init__(
        self, input_dim: int, hidden_dim: int, depth: int, num_classes: int, rank: int
    ) -> None:
        super().__init__(input_dim, hidden_dim, depth, num_classes)
        self.rank = rank
        sizes = [input_dim] + [hidden_dim] * (depth - 1)
        self.cprnn_layers = nn.ModuleList(_CPCell(m, hidden_dim, rank) for m in sizes)
        self.decoder = nn.Linear(hidden_dim, num_classes)

    def inputs(self, layer: int, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``B^T x`` and ``U^T x + d`` at every step."""
        c = self.cprnn_layers[layer]
        return x @ c.B, x @ c.U + c.d

    def cell(self, layer: int, h: torch.Tensor, part: tuple, t: int) -> torch.Tensor:
        """``C[(A^T h) * (B^T x)] + V^T h + U^T x + d``."""
        c = self.cprnn_layers[layer]
        hA, hV = (h @ torch.cat([c.A, c.V], dim=1)).split([c.A.shape[1], c.V.shape[1]], dim=1)
        return torch.addmm(hV + part[1][:, t], hA * part[0][:, t], c.C.T)

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``decoder``."""
        return self.decoder(h)


class _MICell(nn.Module):
    """cprnn's ``MIRNN`` cell with the identity gate."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        s = 1.0 / math.sqrt(hidden_size)
        self.alpha = _uniform(hidden_size, bound=s)
        self.w = _uniform(input_size, hidden_size, bound=s)
        self.u = _uniform(hidden_size, hidden_size, bound=s)
        self.beta1 = _uniform(hidden_size, bound=s)
        self.beta2 = _uniform(hidden_size, bound=s)
        self.b = _uniform(hidden_size, bound=s)


def _seed_decoder(hidden_dim: int, num_classes: int) -> nn.Linear:
    """A decoder initialised as cprnn's ``init_weights`` does: ``U(-1/sqrt(n), 1/sqrt(n))``."""
    decoder = nn.Linear(hidden_dim, num_classes)
    s = 1.0 / math.sqrt(hidden_dim)
    with torch.no_grad():
        decoder.weight.uniform_(-s, s)
        decoder.bias.uniform_(-s, s)
    return decoder


class TorchMIRNN(TorchRecurrent):
    """The multiplicative-integration RNN (cprnn's ``models/mirnn.py``), stacked."""

    family = "mirnn"

    def __init__(self, input_dim: int, hidden_dim: int, depth: int, num_classes: int) -> None:
        super().__init__(input_dim, hidden_dim, depth, num_classes)
        sizes = [input_dim] + [hidden_dim] * (depth - 1)
        self.layers = nn.ModuleList(_MICell(m, hidden_dim) for m in sizes)
        self.decoder = _seed_decoder(hidden_dim, num_classes)

    def inputs(self, layer: int, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``alpha (x w) + beta1`` and ``beta2 (x w) + b`` at every step."""
        c = self.layers[layer]
        xw = x @ c.w
        return c.alpha * xw + c.beta1, c.beta2 * xw + c.b

    def cell(self, layer: int, h: torch.Tensor, part: tuple, t: int) -> torch.Tensor:
        """``alpha (x w)(h u) + beta1 (h u) + beta2 (x w) + b``."""
        return torch.addcmul(part[1][:, t], h @ self.layers[layer].u, part[0][:, t])

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``decoder``."""
        return self.decoder(h)


class _DenseCell(nn.Module):
    """cprnn's ``SecondOrderRNN`` cell: ``w`` of shape ``(n+1) x (d+1) x n``."""

    def __init__(self, input_size: int, hidden_size: int) -> None:
        super().__init__()
        s = 1.0 / math.sqrt(hidden_size)
        self.w = _uniform(hidden_size + 1, input_size + 1, hidden_size, bound=s)


class TorchSecondOrderRNN(TorchRecurrent):
    """The second-order RNN with a dense core (cprnn's ``models/second_order_rnn.py``)."""

    family = "2rnn"

    def __init__(self, input_dim: int, hidden_dim: int, depth: int, num_classes: int) -> None:
        super().__init__(input_dim, hidden_dim, depth, num_classes)
        sizes = [input_dim] + [hidden_dim] * (depth - 1)
        self.layers = nn.ModuleList(_DenseCell(m, hidden_dim) for m in sizes)
        self.decoder = _seed_decoder(hidden_dim, num_classes)

    def inputs(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """``sum_j [x; 1]_j w[:, j, :]`` at every step: ``(batch, T, n+1, n)``."""
        w = self.layers[layer].w
        xx = torch.cat([x, x.new_ones(*x.shape[:2], 1)], dim=2)
        return torch.einsum("btj,ijk->btik", xx, w)

    def cell(self, layer: int, h: torch.Tensor, part: torch.Tensor, t: int) -> torch.Tensor:
        """``einsum('bi,bj,ijk->bk', [h; 1], [x; 1], w)``."""
        P = part[:, t]  # (batch, n+1, n)
        return torch.baddbmm(P[:, -1, None, :], h[:, None, :], P[:, :-1, :])[:, 0]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``decoder``."""
        return self.decoder(h)


class _Buffers(nn.Module):
    """Fixed per-layer vectors saved as ``<name>.<i>`` (buffers, not trained)."""

    def __init__(self, vectors: list[torch.Tensor]) -> None:
        super().__init__()
        for i, v in enumerate(vectors):
            self.register_buffer(str(i), v)

    def __getitem__(self, i: int) -> torch.Tensor:
        return getattr(self, str(i))


class TorchRAC(TorchRecurrent):
    """The RAC: ``h^{l,t} = (W^{H,l} h^{l,t-1}) * (W^{I,l} h^{l-1,t})``, ``y = W^O h^{L,t}``."""

    family = "rac"

    def __init__(self, input_dim: int, hidden_dim: int, depth: int, num_classes: int) -> None:
        super().__init__(input_dim, hidden_dim, depth, num_classes)
        R, s = hidden_dim, 0.1
        eye = torch.eye(R)
        self.hidden_weights = nn.ParameterList(
            nn.Parameter(eye + torch.empty(R, R).uniform_(-s, s)) for _ in range(depth)
        )
        first = torch.ones(R, input_dim) + torch.empty(R, input_dim).uniform_(-s, s)
        above = [eye + torch.empty(R, R).uniform_(-s, s) for _ in range(depth - 1)]
        self.input_weights = nn.ParameterList(nn.Parameter(w) for w in [first, *above])
        self.output_weights = nn.Parameter(torch.empty(num_classes, R))
        nn.init.xavier_uniform_(self.output_weights)
        self.initial_states = _Buffers([torch.ones(R) for _ in range(depth)])

    def initial_state(self, layer: int, batch: int, like: torch.Tensor) -> torch.Tensor:
        """``h^{l,0}`` (ones unless changed)."""
        return self.initial_states[layer].to(like.dtype).expand(batch, -1)

    def inputs(self, layer: int, x: torch.Tensor) -> torch.Tensor:
        """``W^{I,l} x`` at every step."""
        return x @ self.input_weights[layer].T

    def cell(self, layer: int, h: torch.Tensor, part: torch.Tensor, t: int) -> torch.Tensor:
        """Multiplicative integration."""
        return (h @ self.hidden_weights[layer].T) * part[:, t]

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """``W^O h``."""
        return h @ self.output_weights.T


#: The trainable families, by registry name (as :data:`rac_tn.training.TRAINABLE_FAMILIES`).
TORCH_FAMILIES: dict[str, type[TorchRecurrent]] = {
    "linear": TorchLinearRNN,
    "cp2rnn": TorchCP2RNN,
    "mirnn": TorchMIRNN,
    "2rnn": TorchSecondOrderRNN,
    "rac": TorchRAC,
}


def torch_model(
    family: str,
    input_dim: int,
    hidden_dim: int,
    depth: int = 1,
    num_classes: int = 1,
    *,
    rank: int | None = None,
    seed: int | None = None,
) -> TorchRecurrent:
    """A new module of ``family`` (float32), initialised as its seed code does.

    Parameters
    ----------
    family
        ``'linear'``, ``'cp2rnn'``, ``'mirnn'``, ``'2rnn'`` or ``'rac'``.
    input_dim, hidden_dim, depth, num_classes
        d, n, L and the number of outputs.
    rank
        The CP rank K of ``'cp2rnn'`` (default n); refused for the other families.
    seed
        Seeds the initialisation (``torch.manual_seed``; None: PyTorch's global generator).

    Returns
    -------
    TorchRecurrent

    Examples
    --------
    >>> module = torch_model("cp2rnn", 3, 4, depth=2, num_classes=2, rank=2, seed=0)
    >>> sorted(module.state_dict())[:3], count_parameters(module)
    (['cprnn_layers.0.A', 'cprnn_layers.0.B', 'cprnn_layers.0.C'], 124)
    """
    if family not in TORCH_FAMILIES:
        raise ValueError(f"family must be one of {', '.join(TORCH_FAMILIES)}; got {family!r}")
    sizes = [positive_int(v, name) for v, name in (
        (input_dim, "input_dim"), (hidden_dim, "hidden_dim"), (depth, "depth"),
        (num_classes, "num_classes"))]  # fmt: skip
    if rank is not None and family != "cp2rnn":
        raise ValueError(f"rank is the CP rank of cp2rnn; {family} has none")
    if seed is not None:
        torch.manual_seed(seed)
    if family == "cp2rnn":
        return TorchCP2RNN(*sizes, rank=sizes[1] if rank is None else positive_int(rank, "rank"))
    return TORCH_FAMILIES[family](*sizes)


def count_parameters(module: nn.Module) -> int:
    """The number of trained entries (fixed initial states not counted)."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)


def state_arrays(module: nn.Module) -> dict[str, np.ndarray]:
    """The module's ``state_dict()`` as numpy arrays (copies)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def to_rac_tn(module: TorchRecurrent) -> RecurrentModel:
    """The rac_tn model of ``module``'s current weights, through ``from_state_dict``.

    Float32 weights are read exactly (as float64 dyadic rationals), so the rac_tn model
    computes the module's polynomial exactly (up to the module's own float32 rounding).
    """
    return get_family(module.family).model_class.from_state_dict(state_arrays(module))
