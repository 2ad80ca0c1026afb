"""Compile a RAC, or any model family of :mod:`rac_tn.models`, into a quimb tensor network.

``compile_rac(rac, T)`` builds the network of the output ``y(f_1, ..., f_T)``:

- ``kind='mps'`` (the default for L = 1): a tensor train, one core per step,
  ``G_t[a, b, d] = W^H[b, a] * W^I[b, d]``, closed by ``h^{1,0}`` on the left and ``W^O`` on
  the right.
- ``kind='tree'`` (L >= 2, also available for L = 1): the copy tree. A network cannot copy a
  vector, so every use of ``h^{l,t}`` gets its own copy of the sub-network that computes it.
  A copy of cell ``(l, t)`` is three tensors, ``W^{H,l}``, ``W^{I,l}`` and an order-3 COPY
  (delta) tensor for the elementwise product, plus the initial state ``h^{l,0}`` it reads when
  ``t = 1``. Cell ``(l, t)`` has ``C(T-t+L-l, L-l)`` copies and input ``t`` appears
  ``n_t = C(T-t+L-1, L-1)`` times.

Model families (:mod:`rac_tn.models`) compile from their bilinear layers on augmented vectors
(exact, no approximation), along the same copy tree (at L = 1 the chain of the T cells, a
tensor train with a small network per site, ``kind='mps'``). A copy of cell ``(l, t)`` is
its layer's core: a CP core is four tensors, ``A`` (``h -> a``), ``B`` (``x -> b``), an
order-3 COPY tensor of dimension K (``a, b -> k``, tag ``'DELTA'``) and ``C`` (``k -> h'``),
so the network cut finds min(n, K) by itself; a dense core (the 2RNN) is one order-3 tensor
``CORE3`` ``(h, x, h')``. With affine terms, states and inputs are augmented (``h~ = (h, 1)``,
``x~ = (x, 1)``), K counts every CP term of the layer, and the input legs ``d{t}`` (dimension
d + 1) read ``x~``: :meth:`RacNetwork.evaluate` and grid tensors append the constant 1 to
every input and template row. The readout is ``WO`` and ``h~_0`` is ``H0``, as for a RAC.

Index names (all stable; ``route`` is the copy id defined below):

====================  =====  ==================================================================
index                 size   meaning
====================  =====  ==================================================================
``d{t}``              M      input ``t`` (1-based), open. In the tree one hyperedge shared by
                             every ``W^{I,1}`` copy of input ``t`` (COPY semantics); in the MPS
                             on core ``t`` only.
``c``                 C      class index on ``W^O``, open; present only when C > 1.
``h{l}_{t}.R{route}`` R      state ``h^{l,t}`` of copy ``route`` (``t = 0``: the initial state
                             read by copy ``route`` of cell ``(l, 1)``). MPS: ``h1_{t}.R``.
``a{l}_{t}.R{route}`` R      ``W^{H,l} h^{l,t-1}``, from ``WH`` into the ``DELTA`` of the copy.
``b{l}_{t}.R{route}`` R      ``W^{I,l} h^{l-1,t}``, from ``WI`` into the ``DELTA`` of the copy.
``k{l}_{t}.R{route}`` K      a family's CP term index, from the ``DELTA`` into ``C``.
====================  =====  ==================================================================

A CP layer of arity k (it reads its input k times, as linear attention's) has k input legs:
``b{l}_{t}.R{route}`` and ``b{l}_{t}.R{route}~{j}`` (j = 1..k-1), joined by a chain of COPY
tensors through ``k{l}_{t}.R{route}~{j}``; leg j of a copy above layer 1 reads the copy of the
layer below at route ``route + 'ijk...'[j]``.

Routes and tags. The ``route`` of a copy of cell ``(l, t)`` is the path from the output down to
it, a string over ``{'h', 'i'}``: ``'h'`` steps to the previous time of the same layer (through
``W^H``), ``'i'`` one layer down (through ``W^I``). The root copy ``(L, T)`` has route ``''``;
its previous-time child is ``'h'``, the child below it ``'i'``. Every tensor carries four tags:
its role (``'WH'``, ``'WI'``, ``'DELTA'``, ``'H0'``, ``'WO'``; MPS: ``'CORE'``, ``'H0'``,
``'WO'``), ``L{l}``, ``T{t}`` and ``R{route}`` (``'R'`` for the root). ``H0`` of layer ``l``
is ``L{l}``/``T0``, ``W^O`` is ``L{L+1}``/``T{T}``; the tensors of one copy (and the ``H0`` it
reads) share its route. ``net.places[tid]`` holds the same as a :class:`TensorPlace`.

Examples
--------
>>> from rac_tn import RAC, compile_rac
>>> net = compile_rac(RAC.random(2, 3, depth=2, seed=0), T=3)
>>> net.kind, net.input_inds, net.num_tensors == count_tensors(2, 3)
('tree', ('d1', 'd2', 'd3'), True)
>>> len(net.tn.select_tensors(["WI", "L1", "T1"]))   # n_1 = C(3-1+1, 1) = 3 copies of input 1
3
"""

from __future__ import annotations

import gc
import re
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import quimb.tensor as qtn

from rac_tn._checks import check_fits_in_memory, positive_int
from rac_tn.counting import total_degree
from rac_tn.models.protocol import RecurrentModel, check_model, rac_form
from rac_tn.network import contract, grid_routes
from rac_tn.network.build import (
    KINDS,
    Builder,
    FamilyBuilder,
    NetworkKind,
    TensorPlace,
    _resolve_kind,
    copy_sizes,
    count_tensors,
)

#: What :func:`compile_rac` compiles: any model (:class:`~rac_tn.models.RecurrentModel`).
Model = RecurrentModel

#: :func:`compile_rac` refuses to build more tensors than this unless told otherwise.
DEFAULT_MAX_TENSORS = 200_000
_BYTES_PER_TENSOR = 3_000  # measured: 2.8 kB per tensor at the peak of a 242,202-tensor build
#: What an index carries (see :class:`IndexInfo`).
IndexRole = Literal["input", "class", "state", "recurrent", "drive", "term"]


@dataclass(frozen=True)
class IndexInfo:
    """What an index of a compiled network is (see the module docstring's table).

    Attributes
    ----------
    role
        ``'input'`` (``d{t}``), ``'class'`` (``c``), ``'state'`` (``h{l}_{t}``: a state or
        initial state), ``'recurrent'`` (``a{l}_{t}``: ``W^H h``; a family's ``A^T h``),
        ``'drive'`` (``b{l}_{t}``: ``W^I h``; a family's ``B^T x``), ``'term'``
        (``k{l}_{t}``: a family's CP term index, from the COPY tensor into ``C``).
    symbol
        The paper's symbol for its dimension: ``'M'``, ``'R'`` or ``'Y'`` (RAC); ``'d'``,
        ``'d+1'``, ``'n'``, ``'n+1'``, ``'K'`` or ``'Y'`` (a family; ``+1`` for augmented
        vectors, ``'K'`` for the CP terms of the layer, affine terms included). The number of
        classes is ``'Y'`` (the papers' C would clash with the CP factor ``C``).
    dim
        Its dimension.
    layer, time, route
        The cell and copy it belongs to (inputs: layer 0; the class index: layer L+1, time T).
    """

    role: IndexRole
    symbol: str
    dim: int
    layer: int
    time: int
    route: str


class RacNetwork:
    """A RAC or model family compiled into a quimb :class:`~quimb.tensor.TensorNetwork`.

    Attributes
    ----------
    tn : quimb.tensor.TensorNetwork
        The network; its open indices are ``input_inds`` (and ``'c'`` when C > 1).
    T, rac, kind
        Sequence length, the source model, and ``'mps'`` or ``'tree'``. ``rac`` is the
        :class:`~rac_tn.RAC` for a RAC; for a model family (:mod:`rac_tn.models`) it is the
        family object itself (also :attr:`model`), which has the same ``forward``,
        ``forward_scaled``, ``M``, ``R``, ``L`` and ``num_classes``.
    model
        The source model, as given (a RAC, or a family).
    family : str
        ``'rac'``, ``'2rnn'``, ``'cp2rnn'``, ``'mirnn'`` or ``'linear'``.
    augmented_input : bool
        True when the input legs ``d{t}`` carry ``x~ = (x, 1)`` (a family with affine
        terms): :meth:`evaluate` and :meth:`grid_tensor` attach ``(x, 1)`` (templates
        ``[F, 1]``), the constant 1 in the last coordinate, so ``d{t}`` has dimension d + 1.
    input_inds : tuple[str, ...]
        ``('d1', ..., 'dT')``.
    output_inds : tuple[str, ...]
        ``('c',)`` when C > 1, else ``()``.
    places : dict[int, TensorPlace]
        The role, layer, time and route of every tensor id of ``tn.tensor_map``.
    path : tuple[tuple[int, int], ...]
        The structured contraction order emitted by the compiler, as an SSA path over the
        tensors in ``tids`` order (MPS: left-to-right sweep; tree: bottom-up, each copy after
        its two children). Contracting along it needs no search.
    tids : tuple[int, ...]
        The tensor ids in the order ``path`` refers to.

    Parameters
    ----------
    tn, T, rac, kind, places, path
        As the attributes; a RacNetwork is built by :func:`compile_rac`, not by hand.

    Notes
    -----
    Methods are bound quimb-style by the modules that implement them: :meth:`evaluate`,
    :meth:`contraction_cost` and :meth:`contraction_tree` by :mod:`rac_tn.network.contract`,
    :meth:`grid_tensor` and :meth:`to_mps` by :mod:`rac_tn.network.grid_tensor` (both loaded with
    ``compile_rac`` from the ``rac_tn`` namespace).

    Examples
    --------
    >>> from rac_tn import RAC
    >>> net = compile_rac(RAC.random(2, 3, depth=1, seed=0), T=5)
    >>> net.kind, net.num_tensors, net.input_inds[:2], net.output_inds
    ('mps', 7, ('d1', 'd2'), ())
    >>> net.places[net.tids[1]]
    TensorPlace(role='CORE', layer=1, time=1, route='')
    """

    def __init__(
        self,
        tn: qtn.TensorNetwork,
        T: int,
        rac: Model,
        kind: NetworkKind,
        places: dict[int, TensorPlace],
        path: tuple[tuple[int, int], ...],
        *,
        has_values: bool = True,
    ) -> None:
        self.tn = tn
        #: False for a network compiled with ``values=False``: its COPY tensors are zero-byte
        #: placeholders, so it serves cuts, drawings and costs, and contracting it is refused.
        self.has_values = has_values
        self.T = T
        self.rac = rac
        self.model = rac
        self.kind = kind
        self.places = places
        self.path = path
        self.tids = tuple(tn.tensor_map)
        self.input_inds = tuple(f"d{t}" for t in range(1, T + 1))
        self.output_inds: tuple[str, ...] = ("c",) if rac.num_classes > 1 else ()
        self.family = rac.family
        self.augmented_input = rac.augmented_input
        #: True when the network is the RAC's own (``W^H``, ``W^I``, COPY cells; ``'mi'`` layers).
        self.rac_form = rac_form(rac)

    # -- sizes --------------------------------------------------------------------------------

    @property
    def L(self) -> int:
        """Depth of the RAC."""
        return self.rac.L

    @property
    def num_tensors(self) -> int:
        """Number of tensors in ``tn``."""
        return self.tn.num_tensors

    @property
    def signature(self) -> tuple[Any, ...]:
        """``(kind, M, R, L, C, T)``: everything the network's structure depends on.

        A family's adds its name and every layer's core and shapes.
        """
        rac = self.rac
        base = (self.kind, rac.M, rac.R, rac.L, rac.num_classes, self.T)
        if self.rac_form and self.family == "rac":
            return base
        shapes = tuple(
            (
                layer.core,
                *(
                    getattr(layer, n).shape
                    for n in ("A", "B", "W")
                    if getattr(layer, n) is not None
                ),
            )
            for layer in rac.layers
        )
        return (*base, self.family, shapes)

    def __repr__(self) -> str:
        rac = self.rac
        if self.rac_form:
            return (
                f"RacNetwork(kind={self.kind!r}, T={self.T}, M={rac.M}, R={rac.R}, L={rac.L}, "
                f"C={rac.num_classes}, tensors={self.num_tensors})"
            )
        rank = f", K={rac.rank}" if rac.rank is not None else ""
        return (
            f"RacNetwork(kind={self.kind!r}, family={self.family!r}, T={self.T}, "
            f"d={rac.input_dim}, n={rac.hidden_dim}{rank}, L={rac.depth}, "
            f"num_classes={rac.num_classes}, bias={rac.bias}, tensors={self.num_tensors})"
        )

    # -- contraction and grid tensors (quimb style: functions bound as methods) ----------------

    evaluate = contract.evaluate
    contraction_cost = contract.contraction_cost
    contraction_tree = contract.contraction_tree
    to_mps = grid_routes.to_mps

    def grid_tensor(
        self,
        templates: object = None,
        *,
        method: str = "network",
        optimize: contract.Optimize = None,
        max_entries: int | None = None,
    ) -> np.ndarray:
        """The grid tensor, by default by contracting this network (see :func:`rac_tn.grid_tensor`).

        Examples
        --------
        >>> from rac_tn import RAC
        >>> compile_rac(RAC.random(2, 2, seed=0), T=3).grid_tensor().shape
        (2, 2, 2)
        """
        return grid_routes.grid_from(
            self.model, self.T, templates, self, method, optimize, max_entries
        )

    # -- what an index is -----------------------------------------------------------------------

    def index_info(self, ind: str) -> IndexInfo:
        """What index ``ind`` of :attr:`tn` is: its role, dimension symbol, size and place.

        Parameters
        ----------
        ind
            An index name of ``tn`` (see the module docstring's table).

        Returns
        -------
        IndexInfo

        Raises
        ------
        KeyError
            When ``ind`` is not an index of the network.

        Examples
        --------
        >>> from rac_tn import RAC
        >>> net = compile_rac(RAC.random(3, 2, depth=2, seed=0), T=2)
        >>> net.index_info("d1").symbol, net.index_info("b2_2.R").role
        ('M', 'drive')
        """
        rac = self.rac
        family = not self.rac_form
        if ind in self.input_inds:
            t = int(ind[1:])
            if family:
                symbol = "d+1" if self.augmented_input else "d"
                return IndexInfo("input", symbol, rac.input_node_dim, 0, t, "")
            return IndexInfo("input", "M", rac.M, 0, t, "")
        if ind in self.output_inds:
            return IndexInfo("class", "Y", rac.num_classes, rac.L + 1, self.T, "")
        match = _STATE_INDEX.fullmatch(ind)
        if match is None or ind not in self.tn.ind_map:
            raise KeyError(f"{ind!r} is not an index of this network")
        letter, layer, time, route = match.groups()
        roles: dict[str, IndexRole] = {"h": "state", "a": "recurrent", "b": "drive", "k": "term"}
        role = roles[letter]
        if not family:
            return IndexInfo(role, "R", rac.R, int(layer), int(time), route)
        tensor = self.tn.tensor_map[next(iter(self.tn.ind_map[ind]))]
        dim = tensor.shape[tensor.inds.index(ind)]
        if letter == "h":
            symbol = "n+1" if rac.layers[int(layer) - 1].affine else "n"
        else:
            symbol = "K"
        return IndexInfo(role, symbol, dim, int(layer), int(time), route)


_STATE_INDEX = re.compile(r"([habk])(\d+)_(\d+)\.R([h-q]*)(?:~\d+)?")


# -- compiler ---------------------------------------------------------------------------------


def compile_rac(
    rac: Model,
    T: int,
    *,
    kind: NetworkKind | None = None,
    max_tensors: int = DEFAULT_MAX_TENSORS,
    values: bool = True,
) -> RacNetwork:
    """Compile a RAC or a model family for sequences of length ``T`` into a :class:`RacNetwork`.

    A RAC (any model whose layers are the RAC's ``'mi'`` cells) gives the tensor train
    or copy tree of the module docstring. A model family (:mod:`rac_tn.models`: CP2RNN,
    SecondOrderRNN, MIRNN, LinearRNN) is compiled from its :attr:`layers` (bilinear layers on
    augmented vectors, exact): the same copy tree (at L = 1 the chain of the T cells, a tensor
    train, ``kind='mps'``), each cell copy being its layer's core. A CP core is a COPY tensor
    of dimension K (tag ``'DELTA'``) between its factor matrices ``A`` (reads the state,
    ``(h, a)``), ``B`` (reads the input, ``(x, b)``) and ``C`` (writes the new state,
    ``(h', k)``), tags ``'A'``, ``'B'``, ``'C'``; so the network cut sees min(n, K) by itself.
    A dense core (the 2RNN) is one order-3 tensor ``W[h, x, h']`` (tag ``'CORE3'``). With
    affine terms the states and inputs are augmented (``h~ = (h, 1)``, ``x~ = (x, 1)``,
    dimension n + 1 / d + 1) and K counts every term of the layer (first-order terms and the
    constant included); the input legs ``d{t}`` then carry ``x~``: :meth:`RacNetwork.evaluate`
    and grid tensors attach ``(x, 1)``. The readout (``W^O``, the decoder with its bias in the
    constant column) closes the network; ``h~_0`` sits in ``H0``. Index names as in the module
    docstring, plus ``k{l}_{t}.R{route}`` (the CP term index, COPY -> ``C``).

    Parameters
    ----------
    rac
        The model: a :class:`~rac_tn.RAC` or a family of :mod:`rac_tn.models`.
    T
        Number of time steps.
    kind
        ``'mps'`` (L = 1 only; the default there) or ``'tree'`` (the default for L >= 2; for
        a RAC at L = 1 it shows ``W^H``, ``W^I`` and the COPY tensors explicitly; for a family
        at L = 1 both are the chain of cells).
    max_tensors
        Refuse to build more tensors than this (the copy tree grows like ``C(T+L, L)``).
    values
        False: the structure only. Every COPY tensor is then a zero-byte placeholder of its
        shape (a dense one holds R^3 or K^3 floats: 8.6 GB at R = 1024), which serves the
        network cut, drawings and contraction costs of models too large to hold; contracting
        it (``evaluate`` with ``optimize=``, the ``'network'`` grid tensor, ``to_mps``) is
        refused.

    Returns
    -------
    RacNetwork
        The network, its tensor places and its structured contraction path.

    Raises
    ------
    TypeError
        When ``rac`` is neither a :class:`~rac_tn.RAC` nor a model family.
    ValueError
        For an invalid ``T`` or ``kind``, or more than ``max_tensors`` tensors (the message
        points to the computation-grid routes, which never duplicate).
    MemoryError
        When the build would need more than 3/4 of this machine's memory.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> net = compile_rac(RAC.random(3, 2, depth=2, seed=1), T=4)
    >>> net
    RacNetwork(kind='tree', T=4, M=3, R=2, L=2, C=1, tensors=48)

    A CP-2RNN: four tensors per cell (``A``, ``B``, ``C`` around a COPY tensor of dimension K).

    >>> from rac_tn.models import CP2RNN
    >>> net = compile_rac(CP2RNN.random(2, 3, 2, seed=0), T=4)
    >>> net.kind, net.num_tensors, sorted(net.tn.select_tensors(["DELTA", "T1"])[0].shape)
    ('mps', 18, [2, 2, 2])
    """
    rac = check_model(rac, "rac")
    T = positive_int(T, "T")
    kind = _resolve_kind(rac.L, kind)
    max_tensors = positive_int(max_tensors, "max_tensors")
    count = rac.count_tensors(T, kind)
    if count > max_tensors:
        raise ValueError(
            f"compile_rac: a depth-{rac.L} {_name(rac)} over T = {T} steps compiles to "
            f"{count:,} tensors "
            f"(cell (l,t) is copied C(T-t+L-l, L-l) times; {total_degree(rac.L, T):,} input "
            f"legs), above max_tensors={max_tensors:,}. Pass max_tensors= to build it anyway, "
            "or use the computation-grid analysis, which never duplicates: "
            "rac_tn.counting.computation_grid(rac, T) and rac_tn.bounds.symmetric_bound(rac, "
            "partition); rac_tn.grid_tensor(rac, T, method='prefix') gives the grid tensor "
            "without building the network."
        )
    if not isinstance(values, bool):
        raise TypeError(f"values must be True or False, got {values!r}")
    check_fits_in_memory(
        count * _BYTES_PER_TENSOR + (_copy_bytes(rac, kind) if values else 0),
        f"compile_rac: {count:,} tensors (a depth-{rac.L} {_name(rac)} over T = {T} steps)",
        "Use the computation-grid analysis, which never duplicates: "
        "rac_tn.symmetric_bound(rac, partition); or values=False for the structure only "
        "(cuts, drawings, contraction costs).",
    )
    # The build allocates several objects per tensor; the cyclic garbage collector's passes
    # over them took half the build time (measured), and nothing here needs collecting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        if not rac_form(rac):
            builder = FamilyBuilder(rac, T, values)
            builder.build_tree()
        elif kind == "mps":
            builder = Builder(rac, T, values)
            builder.build_mps()
        else:
            builder = Builder(rac, T, values)
            builder.build_tree()
        tn, places, path = builder.finish()
        return RacNetwork(tn, T, rac, kind, places, path, has_values=values)
    finally:
        if collecting:
            gc.enable()


#: The neutral name of :func:`compile_rac` (it compiles every model family).
compile_network = compile_rac


__all__ = [
    "DEFAULT_MAX_TENSORS",
    "KINDS",
    "NetworkKind",
    "IndexInfo",
    "RacNetwork",
    "TensorPlace",
    "compile_network",
    "compile_rac",
    "count_tensors",
]


def _copy_bytes(model: RecurrentModel, kind: NetworkKind) -> int:
    """Bytes of the dense COPY tensors a build with values allocates."""
    if rac_form(model) and kind == "mps":
        return 0
    return sum(8 * size**3 for size in copy_sizes(model))


def _name(model: RecurrentModel) -> str:
    """``'RAC'`` or the family's name, for messages."""
    return "RAC" if model.family == "rac" else f"{model.family} model"
