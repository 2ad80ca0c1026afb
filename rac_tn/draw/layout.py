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

from collections.abc import Hashable
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rac_tn.network import RacNetwork

Point = tuple[float, float]


@dataclass(frozen=True)
class TreeGeometry:
    """Spacings and sizes (cm) of the network views, chosen for 7 pt labels at 8 cm width."""

    column: float = 0.46  # distance between neighbouring input legs (tree)
    layer: float = 0.92  # vertical distance between layers (tree)
    wi_drop: float = 0.38  # W^I below its COPY dot
    w_radius: float = 0.125  # W^H, W^I circles (half-width of the boxes of full labels)
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


def fit_tree_geometry(
    columns: int,
    chain_starts: int,
    *,
    labels: str = "auto",
    width: float = 7.4,
    scale: float = 1.0,
) -> TreeGeometry:
    """The geometry that fits a copy tree with ``columns`` input legs (of which ``chain_starts``
    begin a chain) into ``width`` cm, never tighter than readable 7 pt labels allow.

    Roomy trees put ``h^{l,0}`` on the left of the chain it starts (the paper's picture); dense
    ones put it above its ``W^H`` so chain starts need no extra space. Past the minimum column
    spacing the figure grows with T instead of shrinking its labels. Full ``W^{H,l}`` labels
    need large circles: ``labels='auto'`` uses them only when they fit at this width, else the
    letters H and I.

    >>> fit_tree_geometry(10, 4).h0_above, fit_tree_geometry(20, 10).h0_above
    (False, True)
    >>> fit_tree_geometry(3, 1).labels, fit_tree_geometry(10, 4).labels
    ('full', 'short')
    """
    if labels not in ("auto", "full", "short", "none"):
        raise ValueError(f"labels must be 'auto', 'full', 'short' or 'none', got {labels!r}")
    g = TreeGeometry()
    lo, hi = 0.38, 0.62
    extras = 0.75  # h^{l,0} of the first column, margins
    gaps = max(columns - 1, 1)
    c_left = (width - extras - max(chain_starts - 1, 0) * g.chain_pad) / gaps
    full_column = 0.95
    if labels == "full" or (labels == "auto" and c_left >= full_column):
        g = replace(
            g,
            labels="full",
            column=max(min(c_left, 1.1), full_column),
            w_radius=0.36,
            layer=1.15,
            wi_drop=0.48,
            h0_gap=0.08,
            chain_pad=0.25,
            wo_offset=0.5,
        )
    elif c_left >= 0.5:
        g = replace(g, column=min(c_left, hi))
    else:
        c = min(max((width - extras + 0.2) / gaps, lo), hi)
        g = replace(
            g, column=c, h0_above=True, w_radius=min(g.w_radius, c / 2 - 0.075), delta_radius=0.032
        )
    if labels in ("short", "none"):
        g = replace(g, labels=labels)
    if scale != 1.0:
        g = replace(
            g,
            **{
                f.name: getattr(g, f.name) * scale
                for f in fields(g)
                if isinstance(getattr(g, f.name), float)
            },
        )
    return g


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


@dataclass
class Layout:
    """Positions of scene keys (tensor ids, ``('input', t)``, ``('terminal', ...)``,
    ``('output',)``, grid nodes ...) and the geometry used to compute them."""

    pos: dict[Hashable, Point]
    geometry: object
    columns: list[float] = field(default_factory=list)
    rows: dict[int, float] = field(default_factory=dict)


def mps_layout(net: RacNetwork, geometry: TreeGeometry | None = None) -> Layout:
    """A straight chain: ``h^{1,0}`` at the left, core ``t`` at ``x = t * spacing``, ``W^O`` at
    the right, leg ``t`` hanging down to ``('terminal', t)``.

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
            pos[tid] = (s * 0.45, 0.0)
        elif place.role == "CORE":
            pos[tid] = (s * place.time, 0.0)
        elif place.role == "WO":
            pos[tid] = (s * (net.T + 0.8), 0.0)
        else:
            raise ValueError(f"unexpected tensor kind {place.role!r} in an MPS network")
    for t in range(1, net.T + 1):
        pos[("terminal", t)] = (s * t, -g.mps_leg)
    pos[("output",)] = (s * (net.T + 0.8) + 0.6 * s, 0.0)
    return Layout(pos, g, columns=[s * t for t in range(1, net.T + 1)], rows={1: 0.0})


def tree_layout(
    net: RacNetwork, geometry: TreeGeometry | None = None, *, hyperedges: bool = True
) -> Layout:
    """Tidy drawing of the copy tree (see the module docstring).

    Keys: every tensor id; ``('input', t)`` (hyperedge dot) and ``('terminal', t)`` (end of its
    open leg) when ``hyperedges``, else ``('terminal', t, tid)`` below each ``W^{I,1}`` copy;
    ``('output',)`` (end of the class leg). Without ``geometry``, :func:`fit_tree_geometry`.
    """
    L, T = net.rac.L, net.T
    if geometry is None:
        kinds = [(p.role, p.layer) for p in net.places.values()]
        geometry = fit_tree_geometry(kinds.count(("WI", 1)), kinds.count(("H0", 1)))
    g = geometry
    copies: dict[tuple[int, int, str], float] = {}
    columns: list[float] = []
    pad = 0.0 if g.h0_above else g.chain_pad

    def next_column(chain_start: bool) -> float:
        x = 0.0 if not columns else columns[-1] + g.column + (pad if chain_start else 0.0)
        columns.append(x)
        return x

    # Iterative post-order ('h' subtree, then 'i' subtree, then the copy itself): a copy takes
    # the column of its 'i' child, a layer-1 copy opens a new column.
    stack: list[tuple[bool, int, int, str]] = [(False, L, T, "")]
    below: list[float] = []
    while stack:
        leaving, k, t, r = stack.pop()
        if not leaving:
            stack.append((True, k, t, r))
            if k > 1:
                stack.append((False, k - 1, t, r + "i"))
            if t > 1:
                stack.append((False, k, t - 1, r + "h"))
            continue
        x = below.pop() if k > 1 else next_column(t == 1)
        copies[(k, t, r)] = x
        if r.endswith("i"):
            below.append(x)

    def y_of(k: int) -> float:
        return (k - 1) * g.layer

    pos: dict[Hashable, Point] = {}
    holders: dict[int, list[tuple[float, int]]] = {t: [] for t in range(1, T + 1)}
    for tid, p in net.places.items():
        key = (p.layer, p.time if p.role != "H0" else 1, p.route)
        if p.role == "WO":
            pos[tid] = (copies[(L, T, "")], y_of(L) + g.wo_offset)
            continue
        if key not in copies:
            raise ValueError(f"tensor {tid} has place {p} outside the copy tree")
        x, y = copies[key], y_of(p.layer)
        if p.role == "DELTA":
            pos[tid] = (x, y)
        elif p.role == "WH":
            pos[tid] = (x - g.column / 2, y)
        elif p.role == "WI":
            pos[tid] = (x, y - g.wi_drop)
            if p.layer == 1:
                holders[p.time].append((x, tid))
        elif p.role == "H0":
            step = g.w_radius + g.h0_gap + g.h0_radius
            if g.h0_above:
                pos[tid] = (x - g.column / 2, y + step)
            else:
                pos[tid] = (x - g.column / 2 - step, y)
        else:
            raise ValueError(f"unexpected tensor kind {p.role!r} in a copy tree")

    bottom = y_of(1) - g.wi_drop
    if hyperedges:
        means = [sum(x for x, _ in holders[t]) / len(holders[t]) for t in range(1, T + 1)]
        xs: list[float] = []
        for m in means:  # keep the dots in time order, at least input_gap apart
            xs.append(m if not xs else max(m, xs[-1] + g.input_gap))
        shift = (sum(means) - sum(xs)) / T  # the spacing pass only pushes right: recentre
        for t, x in zip(range(1, T + 1), xs, strict=True):
            pos[("input", t)] = (x + shift, bottom - g.fan)
            pos[("terminal", t)] = (x + shift, bottom - g.fan - g.stub)
    else:
        for t in range(1, T + 1):
            for x, tid in holders[t]:
                pos[("terminal", t, tid)] = (x, bottom - 0.45)
    root_x = copies[(L, T, "")]
    pos[("output",)] = (root_x, y_of(L) + g.wo_offset + 0.4)
    rows = {k: y_of(k) for k in range(1, L + 1)}
    return Layout(pos, g, columns=columns, rows=rows)


def grid_layout(L: int, T: int, geometry: GridGeometry | None = None) -> Layout:
    """The computation grid: cell ``(l, t)`` at ``((t-1) * dx + (l-1) * shear, (l-1) * dy)``.

    Keys are the grid nodes ``('x', t)``, ``('h', l, t)``, ``('y',)`` and the fan-out points
    ``('fan', l, t)`` (right of the cell, directly below cell ``(l+1, t)``).

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
