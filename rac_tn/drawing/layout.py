"""Deterministic positions (cm) from the structure of a network or grid; no force layout.

The copy tree is drawn tidily: one column per input leg (``'h'`` subtrees first, so time runs
left to right), every copy in the column of its ``'i'`` child at the height of its layer, so
``W^I`` bonds are vertical, ``W^H`` bonds horizontal, and no two bonds cross. The grid's layer
l is sheared right by ``(l-1) * shear`` so its wires run straight right and up.
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
    """Positions of scene keys (tensor ids, ``('input', t)``, grid nodes) and the geometry."""

    pos: dict[Hashable, Point]
    geometry: TreeGeometry | GridGeometry
    columns: list[float] = field(default_factory=list)
    rows: dict[int, float] = field(default_factory=dict)


def mps_layout(net: RacNetwork, geometry: TreeGeometry | None = None) -> Layout:
    """Lay out a tensor train as a straight chain, legs hanging down to ``('terminal', t)``."""
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
    """Lay out the copy tree tidily (see the module docstring)."""
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
    """The column of every copy ``(layer, t, route)``, and the columns themselves."""
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
    """Where a tensor of a copy at column ``x``, layer height ``y`` goes."""
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
    """Lay out the computation grid: cell ``(l, t)`` at ``((t-1) dx + (l-1) shear, (l-1) dy)``."""
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
