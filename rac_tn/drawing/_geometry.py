"""The spacings (cm) of the layouts, fitted to a page width before anything is placed."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal, TypeVar

if TYPE_CHECKING:
    from rac_tn.network.compiled import RacNetwork


__all__ = [
    "CellDrawing",
    "Geometry",
    "GridGeometry",
    "cell_drawing",
    "TreeGeometry",
    "fit_mps_geometry",
    "fit_tree_geometry",
    "min_full_label_width",
    "min_network_width",
    "scale_of",
    "scaled",
    "tree_geometry",
]


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
    # model families (rac_tn.models): a CP core's COPY tensor is a diamond, its C above it
    diamond: float = 0.09  # half-diagonal of the diamond
    c_rise: float = 0.0  # C (writes the new state) this far above the diamond


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
    """``geometry`` with every distance multiplied by ``factor``."""
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
#: A CP copy has A between two columns and a diamond (not a dot) on each: a little more room.
_MIN_CP_COLUMN = 0.54
#: How a cell copy is drawn: a RAC's W^H, W^I and COPY dot (an MPS core at L = 1), a CP
#: core's A, B, C around a COPY diamond, or a dense core's one order-3 tensor.
CellDrawing = Literal["rac", "cp", "dense"]
#: The closest MPS cores may sit (their labels ``G_t`` stay inside, the bonds stay visible).
_MIN_MPS_SPACING = 0.64
#: Width of a tensor train besides its cores' spacing (h^{1,0} and its label, W^O), cm.
_MPS_EXTRAS = 3.3
#: Width of a copy tree besides its columns (``h^{l,0}`` of the first column, margins), cm.
_TREE_EXTRAS = 0.75
#: What changes when the W circles hold full ``W^{H,l}`` labels.
_FULL_LABELS: dict[str, Any] = dict(
    w_radius=0.36, layer=1.15, wi_drop=0.48, h0_gap=0.08, chain_pad=0.25, wo_offset=0.5
)


def fit_tree_geometry(
    columns: int,
    chain_starts: int,
    *,
    labels: str = "auto",
    width: float = 7.4,
    scale: float = 1.0,
    cell: CellDrawing = "rac",
) -> TreeGeometry:
    """The geometry of a copy tree of ``columns`` input legs in ``width`` cm, labels legible."""
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
        least = _MIN_CP_COLUMN if cell == "cp" else _MIN_COLUMN
        c = min(max((width - extras + 0.2) / gaps, least), _MAX_COLUMN)
        g = replace(
            g, column=c, h0_above=True, w_radius=min(g.w_radius, c / 2 - 0.06), delta_radius=0.032
        )
    if labels in ("short", "none"):
        g = replace(g, labels=labels)
    return scaled(_fit_cell(g, cell), scale)


def _fit_cell(g: TreeGeometry, cell: CellDrawing) -> TreeGeometry:
    """Adjust a RAC geometry to a model family's cell copies."""
    if cell == "cp":
        diamond = min(g.diamond, max(0.05, g.column / 2 - g.w_radius - 0.035))
        rise = g.w_radius + diamond + 0.1
        drop = 0.12  # B further below: room for the K label beside its leg
        return replace(
            g,
            diamond=diamond,
            c_rise=rise,
            wi_drop=g.wi_drop + drop,
            leg=max(g.leg, g.w_radius + 0.3),  # B's circle is large with full labels
            layer=g.layer + rise + drop,
            wo_offset=g.wo_offset + rise,
        )
    if cell == "dense":  # no W^I: the input leg leaves the core itself, long enough to label
        return replace(g, wi_drop=0.15, wo_offset=g.wo_offset + 0.1)
    return g


def min_network_width(L: int, T: int, *, scale: float = 1.0, cell: CellDrawing = "rac") -> float:
    """The narrowest legible width (cm) of the network view of a depth-``L`` model."""
    if L == 1 and cell == "rac":
        return (_MIN_MPS_SPACING * max(T - 1, 0) + _MPS_EXTRAS) * scale
    columns = math.comb(T + L - 1, L)
    least = _MIN_CP_COLUMN if cell == "cp" else _MIN_COLUMN
    return (_TREE_EXTRAS + (columns - 1) * least) * scale


def min_full_label_width(net: RacNetwork, *, scale: float = 1.0) -> float:
    """The narrowest width (cm) of the copy tree of ``net`` with full ``W^{H,l}`` labels."""
    columns, starts, _ = _tree_counts(net)
    pads = max(starts - 1, 0) * _FULL_LABELS["chain_pad"]
    return (_TREE_EXTRAS + max(columns - 1, 1) * _FULL_COLUMN + pads) * scale


def fit_mps_geometry(T: int, *, width: float, scale: float = 1.0) -> TreeGeometry:
    """Space the cores of a tensor train (0.95 cm down to the least legible) to fit ``width`` cm."""
    g = TreeGeometry()
    fits = (width / scale - _MPS_EXTRAS) / max(T - 1, 1)
    spacing = max(min(g.mps_spacing, math.floor(fits * 100) / 100), _MIN_MPS_SPACING)
    return scaled(replace(g, mps_spacing=spacing), scale)


def tree_geometry(net: RacNetwork, *, labels: str = "auto", scale: float = 1.0) -> TreeGeometry:
    """:func:`fit_tree_geometry` for the copy tree of ``net``."""
    columns, starts, cell = _tree_counts(net)
    return fit_tree_geometry(columns, starts, labels=labels, scale=scale, cell=cell)


def _tree_counts(net: RacNetwork) -> tuple[int, int, CellDrawing]:
    """The input legs, the chains of layer 1 and the cell drawing of the copy tree of ``net``."""
    roles = Counter((p.role, p.layer) for p in net.places.values())
    columns = roles["WI", 1] + roles["B", 1] + roles["CORE3", 1]  # the input legs
    return columns, roles["H0", 1], cell_drawing(net)


def cell_drawing(net: RacNetwork) -> CellDrawing:
    """How the cell copies of ``net`` are drawn: ``'rac'``, ``'cp'`` or ``'dense'``."""
    if net.family == "rac":
        return "rac"
    return "dense" if any(p.role == "CORE3" for p in net.places.values()) else "cp"


def scale_of(geometry: TreeGeometry) -> float:
    """The factor a :class:`TreeGeometry` was scaled by (from its leg length)."""
    return geometry.mps_leg / TreeGeometry.mps_leg
