"""Compile a RAC into a quimb tensor network.

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
====================  =====  ==================================================================

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
from math import comb
from typing import Any, Literal

import quimb.tensor as qtn

from rac_tn._build import Builder, TensorPlace
from rac_tn._checks import check_fits_in_memory, positive_int
from rac_tn.grid import total_degree
from rac_tn.model import RAC

#: :func:`compile_rac` refuses to build more tensors than this unless told otherwise.
DEFAULT_MAX_TENSORS = 200_000
_BYTES_PER_TENSOR = 3_000  # measured: 2.8 kB per tensor at the peak of a 242,202-tensor build
#: The network shapes :func:`compile_rac` builds: a tensor train or the copy tree.
NetworkKind = Literal["mps", "tree"]
KINDS: tuple[NetworkKind, ...] = ("mps", "tree")
#: The role tag of a tensor (see the module docstring).
#: What an index carries (see :class:`IndexInfo`).
IndexRole = Literal["input", "class", "state", "recurrent", "drive"]


@dataclass(frozen=True)
class IndexInfo:
    """What an index of a compiled network is (see the module docstring's table).

    Attributes
    ----------
    role
        ``'input'`` (``d{t}``), ``'class'`` (``c``), ``'state'`` (``h{l}_{t}``: a state or
        initial state), ``'recurrent'`` (``a{l}_{t}``: ``W^H h``), ``'drive'`` (``b{l}_{t}``:
        ``W^I h``).
    symbol
        The paper's symbol for its dimension: ``'M'``, ``'R'`` or ``'C'``.
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


def count_tensors(L: int, T: int, kind: NetworkKind | None = None) -> int:
    """Number of tensors ``compile_rac`` builds, in closed form.

    The tree has ``C(T+L, L) - 1`` cell copies (3 tensors each), one ``H0`` per copy of a
    ``t = 1`` cell (``C(T+L-1, L-1)`` of them) and ``W^O``; the MPS has ``T + 2`` tensors.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    kind
        ``'mps'``, ``'tree'``, or None for the default of the depth (as :func:`compile_rac`).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        For an unknown ``kind``, or ``kind='mps'`` with ``L > 1``.

    Examples
    --------
    >>> count_tensors(1, 10), count_tensors(1, 10, kind="tree"), count_tensors(2, 4)
    (12, 32, 48)
    """
    L, T = positive_int(L, "L"), positive_int(T, "T")
    kind = _resolve_kind(L, kind)
    if kind == "mps":
        return T + 2
    return 3 * (comb(T + L, L) - 1) + comb(T + L - 1, L - 1) + 1


class RacNetwork:
    """A RAC compiled into a quimb :class:`~quimb.tensor.TensorNetwork` for ``T`` steps.

    Attributes
    ----------
    tn : quimb.tensor.TensorNetwork
        The network; its open indices are ``input_inds`` (and ``'c'`` when C > 1).
    T, rac, kind
        Sequence length, the source :class:`~rac_tn.RAC`, and ``'mps'`` or ``'tree'``.
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
    :meth:`contraction_cost` and :meth:`contraction_tree` by :mod:`rac_tn.contract`,
    :meth:`grid_tensor` and :meth:`to_mps` by :mod:`rac_tn.gridtensor` (both loaded with
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
        rac: RAC,
        kind: NetworkKind,
        places: dict[int, TensorPlace],
        path: tuple[tuple[int, int], ...],
    ) -> None:
        self.tn = tn
        self.T = T
        self.rac = rac
        self.kind = kind
        self.places = places
        self.path = path
        self.tids = tuple(tn.tensor_map)
        self.input_inds = tuple(f"d{t}" for t in range(1, T + 1))
        self.output_inds = ("c",) if rac.C > 1 else ()

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
        """``(kind, M, R, L, C, T)``: everything the network's structure depends on."""
        rac = self.rac
        return (self.kind, rac.M, rac.R, rac.L, rac.C, self.T)

    def __repr__(self) -> str:
        rac = self.rac
        return (
            f"RacNetwork(kind={self.kind!r}, T={self.T}, M={rac.M}, R={rac.R}, L={rac.L}, "
            f"C={rac.C}, tensors={self.num_tensors})"
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
        if ind in self.input_inds:
            t = int(ind[1:])
            return IndexInfo("input", "M", rac.M, 0, t, "")
        if ind in self.output_inds:
            return IndexInfo("class", "C", rac.C, rac.L + 1, self.T, "")
        match = _STATE_INDEX.fullmatch(ind)
        if match is None or ind not in self.tn.ind_map:
            raise KeyError(f"{ind!r} is not an index of this network")
        letter, layer, time, route = match.groups()
        role = {"h": "state", "a": "recurrent", "b": "drive"}[letter]
        return IndexInfo(role, "R", rac.R, int(layer), int(time), route)


_STATE_INDEX = re.compile(r"([hab])(\d+)_(\d+)\.R([hi]*)")


# -- compiler ---------------------------------------------------------------------------------


def compile_rac(
    rac: RAC, T: int, *, kind: NetworkKind | None = None, max_tensors: int = DEFAULT_MAX_TENSORS
) -> RacNetwork:
    """Compile ``rac`` for sequences of length ``T`` into a :class:`RacNetwork`.

    Parameters
    ----------
    rac
        The model.
    T
        Number of time steps.
    kind
        ``'mps'`` (L = 1 only; the default there) or ``'tree'`` (the default for L >= 2; for
        L = 1 it shows ``W^H``, ``W^I`` and the COPY tensors explicitly).
    max_tensors
        Refuse to build more tensors than this (the copy tree grows like ``C(T+L, L)``).

    Returns
    -------
    RacNetwork
        The network, its tensor places and its structured contraction path.

    Raises
    ------
    TypeError
        When ``rac`` is not a :class:`~rac_tn.RAC`.
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
    """
    if not isinstance(rac, RAC):
        raise TypeError(f"rac must be a rac_tn.RAC, got {type(rac).__name__}")
    T = positive_int(T, "T")
    kind = _resolve_kind(rac.L, kind)
    max_tensors = positive_int(max_tensors, "max_tensors")
    count = count_tensors(rac.L, T, kind)
    if count > max_tensors:
        raise ValueError(
            f"compile_rac: a depth-{rac.L} RAC over T = {T} steps compiles to {count:,} tensors "
            f"(cell (l,t) is copied C(T-t+L-l, L-l) times; {total_degree(rac.L, T):,} input "
            f"legs), above max_tensors={max_tensors:,}. Pass max_tensors= to build it anyway, "
            "or use the computation-grid analysis, which never duplicates: "
            "rac_tn.grid.computation_grid(rac, T) and rac_tn.bounds.symmetric_bound(rac, "
            "partition); rac_tn.grid_tensor(rac, T, method='prefix') gives the grid tensor "
            "without building the network."
        )
    check_fits_in_memory(
        count * _BYTES_PER_TENSOR,
        f"compile_rac: {count:,} tensors (a depth-{rac.L} RAC over T = {T} steps)",
        "Use the computation-grid analysis, which never duplicates: "
        "rac_tn.symmetric_bound(rac, partition).",
    )
    # The build allocates several objects per tensor; the cyclic garbage collector's passes
    # over them took half the build time (measured), and nothing here needs collecting.
    collecting = gc.isenabled()
    gc.disable()
    try:
        builder = Builder(rac, T)
        if kind == "mps":
            builder.build_mps()
        else:
            builder.build_tree()
        tn, places, path = builder.finish()
        return RacNetwork(tn, T, rac, kind, places, path)
    finally:
        if collecting:
            gc.enable()


# -- validation -------------------------------------------------------------------------------


def _resolve_kind(L: int, kind: str | None) -> NetworkKind:
    """``kind``, or the default for depth ``L`` (``'mps'`` for L = 1, else ``'tree'``).

    Raises
    ------
    ValueError
        For an unknown kind, or ``'mps'`` with ``L > 1``.
    """
    if kind is None:
        return "mps" if L == 1 else "tree"
    if kind not in KINDS:
        raise ValueError(f"kind must be 'mps' or 'tree' (or None for the default), got {kind!r}")
    if kind == "mps" and L != 1:
        raise ValueError(
            f"kind='mps' needs a shallow RAC (L = 1), got depth L = {L}: a deep RAC's network "
            "is the copy tree (kind='tree')"
        )
    return kind


__all__ = [
    "DEFAULT_MAX_TENSORS",
    "IndexInfo",
    "RacNetwork",
    "TensorPlace",
    "compile_rac",
    "count_tensors",
]
