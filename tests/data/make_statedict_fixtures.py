"""Write the state-dict fixtures of tests/test_statedict_files.py (run once, by hand, with torch).

    python -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch==2.13.0 numpy safetensors
    /tmp/torchenv/bin/python tests/data/make_statedict_fixtures.py

Not run by the tests (torch is not a dependency of rac_tn). Each module below has the seed
code's parameter names and shapes (``MaudeLiz/cprnn`` models/*.py; ``MaudeLiz/Role_of_Depth_in_
RNNs`` src/models.py for the stacked ``DeepCPRNN`` and ``DeepRNN`` with ``LinearRNNCell``), at
tiny sizes. Each state dict is written three ways into tests/data/statedicts/: ``NAME.pt``
(``torch.save``), ``NAME.safetensors`` (``safetensors.torch.save_file``) and ``NAME.npz`` (the
same arrays through numpy, ``np.savez``), so the tests can check the readers array for array.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

OUT = Path(__file__).resolve().parent / "statedicts"
D, N, K, V = 2, 2, 3, 2  # input size, hidden size, CP rank, vocabulary (decoder outputs)


def _params(module: nn.Module, **shapes: tuple[int, ...]) -> None:
    for name, shape in shapes.items():
        setattr(module, name, nn.Parameter(torch.empty(*shape).uniform_(-0.7, 0.7)))


class CPRNN(nn.Module):
    """models/cp_rnn.py: A, B, C, U, V, d and decoder = Sequential(Dropout, Linear)."""

    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.Sequential(nn.Dropout(0.5), nn.Linear(N, V))
        _params(self, A=(N, K), B=(D, K), C=(N, K), U=(D, N), V=(N, N), d=(N,))


class SecondOrderRNN(nn.Module):
    """models/second_order_rnn.py: w of shape (n+1, d+1, n) on [h; 1], [x; 1]."""

    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.Sequential(nn.Dropout(0.5), nn.Linear(N, V))
        _params(self, w=(N + 1, D + 1, N))


class MIRNN(nn.Module):
    """models/mirnn.py: alpha, w, u, beta1, beta2, b."""

    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.Sequential(nn.Dropout(0.5), nn.Linear(N, V))
        _params(self, alpha=(N,), w=(D, N), u=(N, N), beta1=(N,), beta2=(N,), b=(N,))


class RNN(nn.Module):
    """models/rnn.py: w, u, b (its tanh gate is the identity in rac_tn's circuit)."""

    def __init__(self) -> None:
        super().__init__()
        self.decoder = nn.Sequential(nn.Dropout(0.5), nn.Linear(N, V))
        _params(self, w=(D, N), u=(N, N), b=(N,))


class CPRNNCell(nn.Module):
    """src/models.py CPRNN_cell: A, B, C, U, V, d (no decoder)."""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        _params(self, A=(N, K), B=(input_size, K), C=(N, K), U=(input_size, N), V=(N, N), d=(N,))


class DeepCPRNN(nn.Module):
    """src/models.py DeepCPRNN: cprnn_layers.<i>.* and decoder = Linear."""

    def __init__(self, layers: int = 2) -> None:
        super().__init__()
        self.cprnn_layers = nn.ModuleList(CPRNNCell(D if i == 0 else N) for i in range(layers))
        self.decoder = nn.Linear(N, V)


class LinearRNNCell(nn.Module):
    """src/models.py LinearRNNCell: weight_ih (n x d), weight_hh, bias_ih, bias_hh."""

    def __init__(self, input_size: int) -> None:
        super().__init__()
        _params(self, weight_ih=(N, input_size), weight_hh=(N, N), bias_ih=(N,), bias_hh=(N,))


class DeepRNN(nn.Module):
    """src/models.py DeepRNN(rnncell='linear'): rnn_layers.<i>.* and fc = Linear."""

    def __init__(self, layers: int = 2) -> None:
        super().__init__()
        self.rnn_layers = nn.ModuleList(LinearRNNCell(D if i == 0 else N) for i in range(layers))
        self.fc = nn.Linear(N, V)


def _write(name: str, state: dict[str, torch.Tensor]) -> None:
    state = {k: v.detach().contiguous() for k, v in state.items()}
    torch.save(state, OUT / f"{name}.pt")
    save_file(state, str(OUT / f"{name}.safetensors"))
    arrays = {k: (v.float() if v.dtype == torch.bfloat16 else v).numpy() for k, v in state.items()}
    np.savez(OUT / f"{name}.npz", **arrays)


def main() -> None:
    """Write every fixture (seeded, so a rerun writes the same arrays)."""
    OUT.mkdir(exist_ok=True)
    torch.manual_seed(0)
    models = {
        "cprnn": CPRNN(),
        "second_order_rnn": SecondOrderRNN(),
        "mirnn": MIRNN(),
        "rnn": RNN(),
        "deep_cprnn": DeepCPRNN(),
        "deep_linear_rnn": DeepRNN(),
    }
    for name, model in models.items():
        _write(name, model.state_dict())  # an OrderedDict with _metadata, as in training code
    # bfloat16 storages (a model trained in bf16): the 2RNN's weights rounded to bf16
    bf16 = {k: v.to(torch.bfloat16) for k, v in models["second_order_rnn"].state_dict().items()}
    _write("second_order_rnn_bf16", bf16)
    for path in sorted(OUT.iterdir()):
        print(f"{path.name}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
