"""The grid view: the ``L x T`` computation grid of a RAC or a model family as a scene."""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING

from rac_tn.counting import path_counts
from rac_tn.drawing._geometry import GridGeometry, scaled
from rac_tn.drawing._labels import INPUT_TILDE, add_key, affine_key, place_dim_labels
from rac_tn.drawing._tn_parts import rendered_size
from rac_tn.drawing.cuts import add_symmetric_cut
from rac_tn.drawing.layout import Layout, grid_layout
from rac_tn.drawing.scene import (
    Edge,
    Node,
    Point,
    Scene,
    Text,
    add_title,
    bond_width,
    style_meta,
    too_wide_message,
)
from rac_tn.drawing.style import GREY, INK, LIGHT, WHITE, Style

if TYPE_CHECKING:
    from rac_tn.bounds.cut_bound import CutBound
    from rac_tn.partition import Partition

GridNode = tuple


def grid_view(
    L: int,
    T: int,
    style: Style,
    *,
    M: int | None = None,
    R: int | None = None,
    C: int | None = None,
    symbols: dict[str, str] | None = None,
    model: str | None = None,
    partition: Partition | None = None,
    cut: CutBound | None = None,
    arities: tuple[int, ...] | None = None,
    augmented: tuple[bool, bool] = (False, False),
) -> Scene:
    """Draw the computation grid of a depth-``L`` model over ``T`` steps.

    Parameters
    ----------
    L, T
        Depth and sequence length.
    style
        Drawing options (``degrees=True`` labels every node with its paths to the output).
    M, R, C
        The wire dimensions: input, cell and class wires (for a model family, those the
        symmetric cut prices); ``C`` is the number of classes.
    symbols
        What ``dims='symbolic'`` writes on the wires of the sizes ``'M'``, ``'R'``, ``'C'``
        (default ``M``, ``R`` and ``Y``: the class wire's symbol is Y, since C is also the
        CP-2RNN factor).
    model
        The name of a model family (``'CP2RNN'``), for the TikZ header; None for a RAC.
    partition
        Colours the inputs by side (the cut's partition when ``cut`` is given).
    cut
        A symmetric-cut :class:`~rac_tn.bounds.CutBound`, or None.
    arities
        Per layer, how many times its cells read the layer below (the degrees drawn are the
        path counts times :func:`~rac_tn.counting.degree_scales`); None: once.
    augmented
        Whether the inputs and the states carry the augmented ``(x_t, 1)`` and ``(h, 1)`` of
        affine terms: the inputs are then labelled with a tilde (``x̃_t``) and a key below says what
        both are, as in the network view of the same model.

    Returns
    -------
    Scene
        The figure; ``meta`` holds the view, T, L, the partition and the cut.

    Examples
    --------
    >>> from rac_tn import RAC, start_end, symmetric_bound
    >>> bound = symmetric_bound(RAC.random(2, 2, depth=2, seed=0), start_end(4))
    >>> scene = grid_view(2, 4, Style(), cut=bound)
    >>> scene.meta["cut"].value == bound.value
    True
    """
    geometry = scaled(GridGeometry(), style.scale)
    paths = path_counts(L, T, arities) if style.degrees else None
    if paths is None:
        check_grid_width(L, T, geometry, style)
    else:
        geometry = _fit_degree_labels(geometry, paths, style.font_size)
        check_grid_width(L, T, geometry, style, _widest(paths, style.font_size))
    lay = grid_layout(L, T, geometry)
    dims = {"M": M, "R": R, "C": C}
    letter = INPUT_TILDE if augmented[0] else "x"
    scene = grid_scene(
        L, T, lay, style, partition=partition, dims=dims, paths=paths, symbols=symbols,
        letter=letter,
    )  # fmt: skip
    if model is not None:
        scene.meta["model"] = model
    if cut is not None:
        add_symmetric_cut(scene, cut, style)
    add_title(scene, style)
    if style.labels != "none":
        add_key(scene, affine_key(*augmented), style.font_size)
    if scene.width > style.width + 1e-9:
        raise ValueError(too_wide_message(*_what(L, T), scene.width, style.width, GRID_ADVICE))
    scene.meta["partition"] = partition
    return scene


#: What to do when the grid view does not fit the page width.
GRID_ADVICE = "allow a wider figure (width=...), or draw fewer steps (a smaller T)"


def _what(L: int, T: int) -> tuple[str, str]:
    return f"grid view of a depth-{L} model over T = {T} steps", f"{T} columns of cells"


def check_grid_width(
    L: int, T: int, geometry: GridGeometry, style: Style, degree_width: float = 0.0
) -> None:
    """A ValueError before anything is drawn when the grid's columns exceed the width.

    The width counted is from the first input's degree (or the first cell) to the output box,
    margins included: what the figure needs at least.
    """
    g = geometry
    left = min(-g.cell, -(g.input_radius + _DEGREE_GAP + degree_width))
    right = (T - 1) * g.dx + L * g.shear + g.cell_h
    need = right - left + 2 * Scene.margin
    if need > style.width + 1e-9:
        raise ValueError(too_wide_message(*_what(L, T), need, style.width, GRID_ADVICE))


def _widest(paths: dict[GridNode, int], fs: float) -> float:
    """The width (cm) of the widest degree label."""
    return max(rendered_size(str(n), fs)[0] for n in paths.values())


def _fit_degree_labels(g: GridGeometry, paths: dict[GridNode, int], fs: float) -> GridGeometry:
    """Widen the columns so each degree fits between its node and the column on its left."""
    widest = _widest(paths, fs)
    # an input's degree sits between its dot and the previous dot; a cell's below it, between
    # its own incoming wire and the previous column's
    need = max(widest + 2 * g.input_radius + _DEGREE_GAP + 0.08, widest + 0.08 + 0.12)
    return g if need <= g.dx else replace(g, dx=math.ceil(need * 100) / 100)


_DEGREE_GAP = 0.05  # between an input's degree and its dot (cm)


def grid_scene(
    L: int,
    T: int,
    layout: Layout,
    style: Style,
    *,
    partition: Partition | None = None,
    dims: dict[str, int | None] | None = None,
    paths: dict[GridNode, int] | None = None,
    symbols: dict[str, str] | None = None,
    letter: str = "x",
) -> Scene:
    """The scene of the computation grid from its layout (no cut, no title); inputs ``letter``."""
    scene = Scene(meta={"view": "grid", "T": T, "L": L, **style_meta(style)})
    mode = "full" if style.labels == "auto" else style.labels
    g, pos, fs = layout.geometry, layout.pos, style.font_size
    assert isinstance(g, GridGeometry)  # a grid layout's
    for t in range(1, T + 1):
        _add_input(scene, pos[("x", t)], g, style, partition, t, letter)
        for k in range(1, L + 1):
            label = f"h^{{{k}{{,}}{t}}}" if mode == "full" else None
            cell = ("h", k, t)
            scene.add_node(
                Node(
                    cell,
                    *pos[cell],
                    "box",
                    g.cell,
                    height=g.cell_h,
                    label=label,
                    label_size=fs,
                    role="cell",
                    ref=cell,
                    name=f"h-{k}-{t}",
                )
            )
    label = "y" if mode != "none" else None
    scene.add_node(
        Node(
            ("y",),
            *pos[("y",)],
            "box",
            g.cell_h,
            label=label,
            label_size=fs,
            fill=LIGHT,
            role="output",
            ref=("y",),
            name="y",
        )
    )
    _Wires(scene, style, dims or {}, symbols).add_all(L, T, layout)
    if paths is not None:
        _add_path_labels(scene, paths, fs)
    place_dim_labels(scene, horizontal="below")
    return scene


def _add_input(
    scene: Scene,
    at: Point,
    g: GridGeometry,
    style: Style,
    partition: Partition | None,
    t: int,
    letter: str = "x",
) -> None:
    color = style.side_color(partition, t)
    fill = color if partition is not None else WHITE
    scene.add_node(
        Node(
            ("x", t),
            *at,
            "circle",
            g.input_radius,
            fill=fill,
            stroke=color,
            role="input",
            ref=("x", t),
            name=f"x-{t}",
        )
    )
    x, y = at[0], at[1] - g.input_radius - 0.08
    text = style.input_text(t, letter)
    scene.add_text(
        Text(x, y, text, size=style.font_size, color=color, va="top", role="input", owner=("x", t))
    )


#: What ``dims='symbolic'`` writes on the grid view's wires by default, by size.
WIRE_SYMBOLS = {"M": "M", "R": "R", "C": "Y"}


class _Wires:
    """The wires of the grid view, each labelled with its dimension when it represents a kind."""

    def __init__(
        self,
        scene: Scene,
        style: Style,
        dims: dict[str, int | None],
        symbols: dict[str, str] | None = None,
    ) -> None:
        self.scene = scene
        self.style = style
        self.M, self.R, self.C = dims.get("M"), dims.get("R"), dims.get("C")
        self.symbols = {**WIRE_SYMBOLS, **(symbols or {})}

    def add_all(self, L: int, T: int, layout: Layout) -> None:
        pos = layout.pos
        for t in range(1, T + 1):
            u, v = ("x", t), ("h", 1, t)
            self.wire([pos[u], pos[v]], u, v, (u, v), self.M, True)
        for k in range(1, L + 1):
            for t in range(1, T + 1):
                right = ("h", k, t + 1) if t < T else None
                up = ("h", k + 1, t) if k < L else (("y",) if t == T else None)
                self.leave_cell(("h", k, t), right, up, layout)

    def leave_cell(
        self, u: GridNode, right: GridNode | None, up: GridNode | None, layout: Layout
    ) -> None:
        """Add the wires out of cell ``u`` to its successors ``right`` and ``up``."""
        pos, R = layout.pos, self.R
        (x, y), fan = pos[u], ("fan", u[1], u[2])
        if right is not None and up is not None:  # fan-out: one dot, two wires
            fx, fy = pos[fan]
            assert isinstance(layout.geometry, GridGeometry)  # a grid layout's
            r = layout.geometry.fan_radius
            self.scene.add_node(
                Node(
                    fan,
                    fx,
                    fy,
                    "dot",
                    r,
                    fill=INK,
                    linewidth=0.0,
                    role="fanout",
                    ref=fan,
                    name=f"fan-{u[1]}-{u[2]}",
                )
            )
            self.wire([(x, y), (fx, fy)], u, fan, (u, "fan"), R, False)
            self.wire([(fx, fy), pos[right]], fan, right, (u, right), R, True)
            self.wire([(fx, fy), pos[up]], fan, up, (u, up), R, True)
        elif right is not None:
            self.wire([(x, y), pos[right]], u, right, (u, right), R, True)
        elif up is not None:
            dim = self.C if up == ("y",) else R
            self.wire([(x, y), pos[fan], pos[up]], u, up, (u, up), dim, True)

    def wire(
        self,
        points: list[Point],
        u: GridNode,
        v: GridNode,
        ref: object,
        dim: int | None,
        arrow: bool,
    ) -> None:
        """Add a wire from ``u`` to ``v``, ending on ``v``'s boundary when it has an arrow."""
        scene, style = self.scene, self.style
        target = scene.node(v) if scene.has_node(v) else None
        pts = list(points)
        if arrow and target is not None:
            pts[-1] = target.boundary_point(pts[-2])
        label = None
        if style.dims and dim is not None and _representative(u, v):
            symbol = "M" if u[0] == "x" else ("C" if v == ("y",) else "R")
            label = self.symbols[symbol] if style.dims == "symbolic" else str(dim)
        scene.add_edge(
            Edge(
                pts,
                ends=(u, v),
                ref=ref,
                role="wire",
                dim=dim,
                width=bond_width(dim),
                arrow=arrow and style.arrows and target is not None,
                label=label,
                label_size=style.font_size,
            )
        )


def _representative(u: GridNode, v: GridNode) -> bool:
    """Whether the wire ``u -> v`` carries the label of its kind (the first of each kind)."""
    return (
        u == ("x", 1)
        or v == ("y",)
        or (u[0] in ("fan", "h") and u[1:] == (1, 1) and v[0] == "h" and v[1] > u[1])
    )


def _add_path_labels(scene: Scene, paths: dict[GridNode, int], fs: float) -> None:
    """Each input's and each cell's number of paths to the output (its degree), in grey.

    A layer-1 cell is labelled only where its number differs from its input's (cells above
    that read their input several times).
    """
    for node in list(scene.nodes):
        if node.ref not in paths or node.role not in ("cell", "input"):
            continue
        if node.role == "cell" and node.ref[1] == 1:
            if paths[node.ref] == paths.get(("x", node.ref[2])):
                continue
        n = str(paths[node.ref])
        if node.role == "cell":  # below left: no wire passes there
            x, y = node.x - 0.08, node.y - node.half_height - 0.03
            text = Text(x, y, n, size=fs, color=GREY, ha="right", va="top")
        else:
            x = node.x - node.size - _DEGREE_GAP
            text = Text(x, node.y, n, size=fs, color=GREY, ha="right")
        text.role, text.owner = "degree", node.key
        scene.add_text(text)


__all__ = ["grid_scene", "grid_view"]
