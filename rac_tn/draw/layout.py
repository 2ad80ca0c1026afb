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
  input ``t`` under the mean position of its copies.
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

import math
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field, fields, replace
from typing import TypeVar

from rac_tn.grid import copy_tree_walk
from rac_tn.network import RacNetwork

Point = tuple[float, float]


@dataclass(frozen=True)
class TreeGeometry:
    """Spacings and sizes (cm) of the network views, chosen for 7 pt labels at 8 cm width."""

    column: float = 0.46  # distance between neighbouring input legs (tree)
    layer: float = 0.92  # vertical distance between layers (tree)
    wi_drop: float = 0.38  # W^I below its COPY dot
    w_radius: float = 0.15  # W^H, W^I circles (half-width of the boxes of full labels)
    w_half_height: float = 0.19  # half-height of those boxes
    delta_radius: float = 0.036  # COPY tensors: small filled dots
    h0_radius: float = 0.05  # initial states: small open circles
    h0_gap: float = 0.09  # between h^{l,0} and the W^H it feeds
    h0_above: bool = False  # h^{l,0} above its W^H (compact) instead of on its left
    labels: str = "short"  # what fits in the W circles: 'full' W^{H,l}, 'short' H / I, 'none'
    chain_pad: float = 0.19  # extra space before a column that starts a chain (h0 on the left)
    wo_offset: float = 0.42  # W^O above the root COPY dot
    wo_size: float = 0.2
    drop: float = 0.14  # input legs leave W^{I,1} vertically for this long ...
    fan: float = 0.62  # ... and reach the input dots this far below W^{I,1}
    input_radius: float = 0.06
    input_gap: float = 0.34  # minimum distance between input dots
    stub: float = 0.15  # open leg below an input dot
    # MPS
    mps_spacing: float = 0.95
    core_radius: float = 0.21
    mps_leg: float = 0.55
    leg: float = 0.45  # open input legs of a copy tree, below W^{I,1}


@dataclass(frozen=True)
class GridGeometry:
    """Spacings and sizes (cm) of the grid view."""

    dx: float = 0.86
    dy: float = 0.8
    shear: float = 0.38
    cell: float = 0.27  # half-width of a cell box
    cell_h: float = 0.19  # half-height of a cell box
    input_radius: float = 0.1
    input_drop: float = 0.78  # inputs below layer 1
    fan_radius: float = 0.038
    output: float = 0.78  # output above (L, T)


Geometry = TypeVar("Geometry", TreeGeometry, GridGeometry)


def scaled(geometry: Geometry, factor: float) -> Geometry:
    """Return ``geometry`` with every distance multiplied by ``factor``.

    Examples
    --------
    >>> scaled(GridGeometry(), 2.0).dx
    1.72
    """
    if factor == 1.0:
        return geometry
    return replace(
        geometry,
        **{
            f.name: getattr(geometry, f.name) * factor
            for f in fields(geometry)
            if isinstance(getattr(geometry, f.name), float)
        },
    )


_MIN_COLUMN, _MAX_COLUMN, _FULL_COLUMN = 0.42, 0.62, 0.95
#: The closest MPS cores may sit (their labels ``G_t`` stay inside, the bonds stay visible).
_MIN_MPS_SPACING = 0.64
#: Width of a tensor train besides its cores' spacing (h^{1,0} and its label, W^O), cm.
_MPS_EXTRAS = 3.3
#: Width of a copy tree besides its columns (``h^{l,0}`` of the first column, margins), cm.
_TREE_EXTRAS = 0.75
#: What changes when the W circles hold full ``W^{H,l}`` labels.
_FULL_LABELS = dict(
    w_radius=0.36, layer=1.15, wi_drop=0.48, h0_gap=0.08, chain_pad=0.25, wo_offset=0.5
)


def fit_tree_geometry(
    columns: int,
    chain_starts: int,
    *,
    labels: str = "auto",
    width: float = 7.4,
    scale: float = 1.0,
) -> TreeGeometry:
    """Fit a copy tree into ``width`` cm, never tighter than readable 7 pt labels allow.

    Roomy trees put ``h^{l,0}`` on the left of the chain it starts (the paper's picture); dense
    ones put it above its ``W^H`` so chain starts need no extra space. Past the minimum column
    spacing the figure grows with T instead of shrinking its labels.

    Parameters
    ----------
    columns
        Input legs of the tree (one column each).
    chain_starts
        How many columns begin a chain (the layer-1 ``h^{1,0}``).
    labels
        ``'full'`` ``W^{H,l}`` labels need large circles: ``'auto'`` uses them only when they
        fit at this width, else the letters H and I (``'short'``); or ``'none'``.
    width
        Target width in cm.
    scale
        Multiplies every distance of the result.

    Returns
    -------
    TreeGeometry
        The spacings.

    Examples
    --------
    >>> fit_tree_geometry(10, 4).h0_above, fit_tree_geometry(20, 10).h0_above
    (False, True)
    >>> fit_tree_geometry(3, 1).labels, fit_tree_geometry(10, 4).labels
    ('full', 'short')
    """
    if labels not in ("auto", "full", "short", "none"):
        raise ValueError(f"labels must be 'auto', 'full', 'short' or 'none', got {labels!r}")
    g = TreeGeometry()
    extras = _TREE_EXTRAS
    gaps = max(columns - 1, 1)
    c_left = (width - extras - max(chain_starts - 1, 0) * g.chain_pad) / gaps
    if labels == "full" or (labels == "auto" and c_left >= _FULL_COLUMN):
        g = replace(g, labels="full", column=max(min(c_left, 1.1), _FULL_COLUMN), **_FULL_LABELS)
    elif c_left >= 0.5:
        g = replace(g, column=min(c_left, _MAX_COLUMN))
    else:
        c = min(max((width - extras + 0.2) / gaps, _MIN_COLUMN), _MAX_COLUMN)
        g = replace(
            g, column=c, h0_above=True, w_radius=min(g.w_radius, c / 2 - 0.06), delta_radius=0.032
        )
    if labels in ("short", "none"):
        g = replace(g, labels=labels)
    return scaled(g, scale)


def min_network_width(L: int, T: int, *, scale: float = 1.0) -> float:
    """Return the narrowest legible width (cm) of the network view of a depth-``L`` RAC.

    A copy tree has one column per input leg, ``C(T+L-1, L)`` of them, at least
    ``0.42 * scale`` cm apart (7 pt ``x_t`` labels side by side); a tensor train has ``T``
    cores at least ``0.64 * scale`` cm apart. Computed from the sizes alone, before any
    network is compiled.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    scale
        The style's scale.

    Returns
    -------
    float
        The width in cm.

    Examples
    --------
    >>> round(min_network_width(2, 8), 1), round(min_network_width(3, 6), 1)
    (15.4, 23.8)
    """
    if L == 1:
        return (_MIN_MPS_SPACING * max(T - 1, 0) + _MPS_EXTRAS) * scale
    columns = math.comb(T + L - 1, L)
    return (_TREE_EXTRAS + (columns - 1) * _MIN_COLUMN) * scale


def fit_mps_geometry(T: int, *, width: float, scale: float = 1.0) -> TreeGeometry:
    """Space the cores of a tensor train so that the chain fits ``width`` cm.

    The natural spacing (0.95 cm) is kept while it fits, then reduced down to the smallest
    legible one; the caller refuses a train that does not fit even then.

    Parameters
    ----------
    T
        Number of cores.
    width
        The widest the figure may be, cm.
    scale
        Multiplies every distance.

    Returns
    -------
    TreeGeometry
        The spacings (``mps_spacing``, ``core_radius``).

    Examples
    --------
    >>> fit_mps_geometry(6, width=16).mps_spacing, fit_mps_geometry(16, width=16).mps_spacing
    (0.95, 0.84)
    """
    g = TreeGeometry()
    fits = (width / scale - _MPS_EXTRAS) / max(T - 1, 1)
    spacing = max(min(g.mps_spacing, math.floor(fits * 100) / 100), _MIN_MPS_SPACING)
    return scaled(replace(g, mps_spacing=spacing), scale)


def tree_geometry(net: RacNetwork, *, labels: str = "auto", scale: float = 1.0) -> TreeGeometry:
    """Return :func:`fit_tree_geometry` for the copy tree of ``net``.

    Its columns are the ``W^{I,1}`` tensors (one per input leg), its chain starts the
    ``h^{1,0}`` tensors.

    Examples
    --------
    >>> from rac_tn import RAC, compile_rac
    >>> tree_geometry(compile_rac(RAC.random(2, 2, depth=3, seed=0), T=8)).h0_above
    True
    """
    roles = Counter((p.role, p.layer) for p in net.places.values())
    return fit_tree_geometry(roles["WI", 1], roles["H0", 1], labels=labels, scale=scale)


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


def scale_of(geometry: TreeGeometry) -> float:
    """Return the factor a :class:`TreeGeometry` was scaled by (from its leg length)."""
    return geometry.mps_leg / TreeGeometry.mps_leg


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
    copies, columns = _copy_columns(L, T, g)
    pos: dict[Hashable, Point] = {}
    holders: dict[int, list[tuple[float, int]]] = {t: [] for t in range(1, T + 1)}
    for tid, p in net.places.items():
        if p.role == "WO":
            pos[tid] = (copies[(L, T, "")], _layer_y(g, L) + g.wo_offset)
            continue
        key = (p.layer, p.time if p.role != "H0" else 1, p.route)
        if key not in copies:
            raise ValueError(f"tensor {tid} has place {p} outside the copy tree")
        pos[tid] = _tensor_point(p.role, copies[key], _layer_y(g, p.layer), g)
        if p.role == "WI" and p.layer == 1:
            holders[p.time].append((copies[key], tid))
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


def _copy_columns(
    L: int, T: int, g: TreeGeometry
) -> tuple[dict[tuple[int, int, str], float], list[float]]:
    """Return the column of every copy ``(layer, t, route)``, and the columns themselves.

    Copies come in post-order ('h' subtree, then 'i' subtree, then the copy): a layer-1 copy
    opens a new column, any other copy takes the column of its 'i' child.
    """
    pad = 0.0 if g.h0_above else g.chain_pad
    copies: dict[tuple[int, int, str], float] = {}
    columns: list[float] = []
    for layer, t, route in copy_tree_walk(L, T):
        if layer > 1:
            x = copies[(layer - 1, t, route + "i")]
        else:
            x = 0.0 if not columns else columns[-1] + g.column + (pad if t == 1 else 0.0)
            columns.append(x)
        copies[(layer, t, route)] = x
    return copies, columns


def _layer_y(g: TreeGeometry, layer: int) -> float:
    return (layer - 1) * g.layer


def _tensor_point(role: str, x: float, y: float, g: TreeGeometry) -> Point:
    """Where a tensor of a copy at column ``x``, layer height ``y`` goes."""
    if role == "DELTA":
        return (x, y)
    if role == "WH":
        return (x - g.column / 2, y)
    if role == "WI":
        return (x, y - g.wi_drop)
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
