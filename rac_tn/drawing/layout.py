"""Deterministic positions (in cm) from the structure of a network or grid; no force layout.

Three layouts, each a pure function of the structure:

- :func:`mps_layout` (shallow RAC, ``kind='mps'``): a straight chain ``h^{1,0}, G_1, ..., G_T,
  W^O`` with the input legs hanging down.
- :func:`tree_layout` (the copy tree, any depth): the copy tree is a binary tree rooted at the
  copy of cell ``(L, T)``; each copy of cell ``(l, t)`` has an ``'h'`` child (the copy of
  ``(l, t-1)`` it reads through ``W^H``, or the initial state at ``t = 1``) and an ``'i'`` child
  (the copy of ``(l-1, t)`` it reads through ``W^I``, or input ``t`` at ``l = 1``). A tidy
  drawing: the leaves in depth-first order (``'h'`` subtree first, so time runs left to right)
  get one column each, every copy sits in the column of its ``'i'`` child (so ``W^I`` bonds are
  vertical) at the height of its layer (so ``W^H`` bonds are horizontal). A horizontal bond of
  layer ``l`` only passes over columns holding layers below ``l``, and a vertical bond only
  spans one layer gap, so no two bonds cross. Each copy is a compact block: the COPY dot with
  ``W^H`` on its left and ``W^I`` below. The inputs sit on a bottom row, one hyperedge dot per
  input ``t`` under the mean position of its copies. A model family's copy (:mod:`rac_tn.models`)
  takes the same place: a CP core is its COPY diamond with ``A`` (reads the previous state) on
  its left, ``B`` (reads the input or the layer below) below and ``C`` (writes the new state)
  above, so the state runs up to the layer above or right to the next step; a dense core is
  one node on the column. A family is drawn so at every depth (at L = 1, a chain of cells).
- :func:`grid_layout`: the ``L x T`` computation grid, inputs below, the output above
  ``(L, T)``; layer ``l`` is shifted right by ``(l-1) * shear`` so that the fan-out point of a
  cell's output (a dot just right of the cell) lies directly below the cell above it: the
  wires run straight right and straight up, and never cross.

Examples
--------
>>> from rac_tn import RAC, compile_rac
>>> lay = tree_layout(compile_rac(RAC.random(2, 2, depth=2, seed=0), T=3))
>>> len(lay.columns)        # one column per input leg: C(T+L-1, L) = 6
6
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rac_tn.counting import LEG_LETTERS, copy_tree_walk
from rac_tn.drawing._geometry import GridGeometry, TreeGeometry, scale_of, tree_geometry

if TYPE_CHECKING:
    from rac_tn.network.compiled import RacNetwork

Point = tuple[float, float]


@dataclass
class Layout:
    """Positions of scene keys, and the geometry used to compute them.

    The keys are tensor ids, ``('input', t)``, ``('terminal', ...)``, ``('output',)``, grid
    nodes, and so on; ``columns`` and ``rows`` are the x of the input columns and the y of
    the layers.
    """

    pos: dict[Hashable, Point]
    geometry: TreeGeometry | GridGeometry
    columns: list[float] = field(default_factory=list)
    rows: dict[int, float] = field(default_factory=dict)


def mps_layout(net: RacNetwork, geometry: TreeGeometry | None = None) -> Layout:
    """Lay out a tensor train as a straight chain.

    ``h^{1,0}`` at the left, core ``t`` at ``x = t * spacing``, ``W^O`` at the right, leg ``t``
    hanging down to ``('terminal', t)``.

    Parameters
    ----------
    net
        A compiled network of kind ``'mps'``.
    geometry
        Spacings (default :class:`TreeGeometry`).

    Returns
    -------
    Layout
        Positions of every tensor id, ``('terminal', t)`` and ``('output',)``.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> lay = mps_layout(compile_rac(RAC.random(2, 2, seed=0), T=3))
    >>> sorted(lay.pos[("terminal", t)] for t in (1, 2, 3))[0]
    (0.95, -0.55)
    """
    g = geometry or TreeGeometry()
    pos: dict[Hashable, Point] = {}
    s = g.mps_spacing
    for tid, place in net.places.items():
        if place.role == "H0":
            pos[tid] = (s - 0.52 * scale_of(g), 0.0)
        elif place.role == "CORE":
            pos[tid] = (s * place.time, 0.0)
        elif place.role == "WO":
            pos[tid] = (s * net.T + 0.76 * scale_of(g), 0.0)
        else:
            raise ValueError(f"unexpected tensor role {place.role!r} in an MPS network")
    for t in range(1, net.T + 1):
        pos[("terminal", t)] = (s * t, -g.mps_leg)
    pos[("output",)] = (s * net.T + 1.33 * scale_of(g), 0.0)
    return Layout(pos, g, columns=[s * t for t in range(1, net.T + 1)], rows={1: 0.0})


def tree_layout(
    net: RacNetwork, geometry: TreeGeometry | None = None, *, hyperedges: bool = True
) -> Layout:
    """Lay out the copy tree tidily (see the module docstring).

    Parameters
    ----------
    net
        A compiled network of kind ``'tree'``.
    geometry
        Spacings; default :func:`tree_geometry` of ``net``.
    hyperedges
        One hyperedge dot per input (``('input', t)`` and its open leg's end
        ``('terminal', t)``); else an open leg ``('terminal', t, tid)`` below each ``W^{I,1}``.

    Returns
    -------
    Layout
        Positions of every tensor id, the input keys above and ``('output',)`` (the end of the
        class leg); one column per input leg.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> lay = tree_layout(compile_rac(RAC.random(2, 2, depth=2, seed=0), T=2))
    >>> lay.pos[("input", 1)][0] < lay.pos[("input", 2)][0]
    True
    """
    L, T = net.L, net.T
    g = geometry or tree_geometry(net)
    arities = tuple(net.model.arities)
    copies, columns = _copy_columns(L, T, g, arities)
    pos: dict[Hashable, Point] = {}
    holders: dict[int, list[tuple[float, int]]] = {t: [] for t in range(1, T + 1)}
    dense = any(p.role == "CORE3" for p in net.places.values())
    legs: dict[tuple, int] = {}  # a copy's k input factors and COPY tensors, in leg order
    for tid, p in net.places.items():
        if p.role == "WO":
            pos[tid] = (copies[(L, T, "")], _layer_y(g, L) + g.wo_offset)
            continue
        key = (p.layer, p.time if p.role != "H0" else 1, p.route)
        if key not in copies:
            raise ValueError(f"tensor {tid} has place {p} outside the copy tree")
        x = copies[key]
        if p.role in ("B", "DELTA") and arities[p.layer - 1] > 1:
            leg = legs.get((key, p.role), 0)
            legs[(key, p.role)] = leg + 1
            child = (p.layer - 1, p.time, p.route + LEG_LETTERS[leg])
            if p.role == "B" and child in copies:
                x = copies[child]  # above the copy of the layer below that this leg reads
            else:
                x += leg * _LEG_SHIFT * g.column
        pos[tid] = _tensor_point(p.role, x, _layer_y(g, p.layer), g, dense=dense)
        if p.role in _READS_INPUT and p.layer == 1:
            holders[p.time].append((pos[tid][0], tid))
    bottom = _layer_y(g, 1) - g.wi_drop
    if hyperedges:
        _place_input_dots(pos, holders, bottom, g)
    else:
        for t in range(1, T + 1):
            for x, tid in holders[t]:
                pos[("terminal", t, tid)] = (x, bottom - g.leg)
    pos[("output",)] = (copies[(L, T, "")], _layer_y(g, L) + g.wo_offset + 0.4)
    rows = {k: _layer_y(g, k) for k in range(1, L + 1)}
    return Layout(pos, g, columns=columns, rows=rows)


#: How far (in columns) the further legs of a cell that reads its input several times sit.
_LEG_SHIFT = 0.3


def _copy_columns(
    L: int, T: int, g: TreeGeometry, arities: tuple[int, ...] | None = None
) -> tuple[dict[tuple[int, int, str], float], list[float]]:
    """Return the column of every copy ``(layer, t, route)``, and the columns themselves.

    Copies come in post-order ('h' subtree, then the 'i' subtree and any further legs, then
    the copy): a layer-1 copy opens a new column, any other copy takes the column of its 'i'
    child.
    """
    pad = 0.0 if g.h0_above else g.chain_pad
    copies: dict[tuple[int, int, str], float] = {}
    columns: list[float] = []
    for layer, t, route in copy_tree_walk(L, T, arities):
        if layer > 1:
            x = copies[(layer - 1, t, route + "i")]
        else:
            x = 0.0 if not columns else columns[-1] + g.column + (pad if t == 1 else 0.0)
            columns.append(x)
        copies[(layer, t, route)] = x
    return copies, columns


def _layer_y(g: TreeGeometry, layer: int) -> float:
    return (layer - 1) * g.layer


#: The roles of the tensors of a layer-1 copy that read the input (one column each).
_READS_INPUT = ("WI", "B", "CORE3")


def _tensor_point(role: str, x: float, y: float, g: TreeGeometry, *, dense: bool = False) -> Point:
    """Where a tensor of a copy at column ``x``, layer height ``y`` goes.

    A family's ``A`` and ``B`` take the places of ``W^H`` and ``W^I``, its ``C`` goes above
    the COPY diamond; a dense core sits on the column and its ``h~_0`` where ``W^H`` would be.
    """
    if role in ("DELTA", "CORE3"):
        return (x, y)
    if role in ("WH", "A"):
        return (x - g.column / 2, y)
    if role in ("WI", "B"):
        return (x, y - g.wi_drop)
    if role == "C":
        return (x, y + g.c_rise)
    if role == "H0" and dense:
        step = g.h0_gap + g.h0_radius
        return (x - g.column / 2, y + step) if g.h0_above else (x - g.column / 2 - step, y)
    if role == "H0":
        step = g.w_radius + g.h0_gap + g.h0_radius
        if g.h0_above:
            return (x - g.column / 2, y + step)
        return (x - g.column / 2 - step, y)
    raise ValueError(f"unexpected tensor role {role!r} in a copy tree")


def _place_input_dots(
    pos: dict[Hashable, Point],
    holders: dict[int, list[tuple[float, int]]],
    bottom: float,
    g: TreeGeometry,
) -> None:
    """One dot per input under the mean of its copies, in time order, ``input_gap`` apart."""
    T = len(holders)
    means = [sum(x for x, _ in holders[t]) / len(holders[t]) for t in range(1, T + 1)]
    xs: list[float] = []
    for m in means:
        xs.append(m if not xs else max(m, xs[-1] + g.input_gap))
    shift = (sum(means) - sum(xs)) / T  # the spacing pass only pushes right: recentre
    for t, x in zip(range(1, T + 1), xs, strict=True):
        pos[("input", t)] = (x + shift, bottom - g.fan)
        pos[("terminal", t)] = (x + shift, bottom - g.fan - g.stub)


def grid_layout(L: int, T: int, geometry: GridGeometry | None = None) -> Layout:
    """Lay out the computation grid: cell ``(l, t)`` at ``((t-1) dx + (l-1) shear, (l-1) dy)``.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    geometry
        Spacings (default :class:`GridGeometry`).

    Returns
    -------
    Layout
        Positions of the grid nodes ``('x', t)``, ``('h', l, t)``, ``('y',)`` and of the
        fan-out points ``('fan', l, t)`` (right of the cell, directly below cell
        ``(l+1, t)``).

    Examples
    --------
    >>> lay = grid_layout(2, 3)
    >>> lay.pos[("fan", 1, 2)][0] == lay.pos[("h", 2, 2)][0]
    True
    """
    g = geometry or GridGeometry()
    pos: dict[Hashable, Point] = {}
    for t in range(1, T + 1):
        pos[("x", t)] = ((t - 1) * g.dx, -g.input_drop)
        for k in range(1, L + 1):
            x, y = (t - 1) * g.dx + (k - 1) * g.shear, (k - 1) * g.dy
            pos[("h", k, t)] = (x, y)
            pos[("fan", k, t)] = (x + g.shear, y)
    xL, yL = pos[("h", L, T)]
    pos[("y",)] = (xL + g.shear, yL + g.output)
    return Layout(
        pos,
        g,
        columns=[(t - 1) * g.dx for t in range(1, T + 1)],
        rows={k: (k - 1) * g.dy for k in range(1, L + 1)},
    )
