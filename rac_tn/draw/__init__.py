"""Publication-quality diagrams of RAC tensor networks and computation grids.

Layout (:mod:`~rac_tn.draw.layout`, deterministic positions from the structure) → scene
(:mod:`~rac_tn.draw.scene`, backend-free primitives in cm) → backends (:mod:`~rac_tn.draw.mpl`,
:mod:`~rac_tn.draw.tikz`). Figures are sized for a journal column (about 8 cm wide at T = 4-8)
with 7 pt labels, and grow with T.

Examples
--------
>>> from rac_tn import RAC, draw, to_tikz
>>> rac = RAC.random(input_dim=2, hidden_dim=2, depth=2, seed=0)
>>> fig = draw(rac, T=4, cut="start-end")                   # the copy tree, Start-End cut
>>> fig.savefig("tree.pdf")                                  # doctest: +SKIP
>>> fig = draw(rac, T=8, view="grid", cut="start-end")      # grid view, symmetric cut
>>> tex = to_tikz(rac, T=4, cut="start-end")                 # a pdflatex-ready document
>>> tex.startswith("\\\\documentclass")
True
"""

from __future__ import annotations

import dataclasses
import sys
import types
from math import comb
from typing import TYPE_CHECKING, Any

from rac_tn.draw import layout as _layout
from rac_tn.draw.scene import (
    Scene,
    Style,
    add_network_cut,
    add_symmetric_cut,
    add_title,
    grid_scene,
)
from rac_tn.draw.scene import network_scene as _network_scene

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The network view refuses to draw more tensors than this (the copy tree grows like C(T+L, L));
#: the grid view draws any size.
MAX_DRAWN_TENSORS = 4000

VIEWS = ("network", "grid")


def draw(
    obj: Any,
    *,
    T: int | None = None,
    view: str = "network",
    cut: Any = None,
    partition: Any = None,
    ax: Axes | None = None,
    **style: Any,
) -> Figure:
    """Draw a RAC's tensor network or computation grid as a matplotlib Figure.

    Parameters
    ----------
    obj
        A :class:`~rac_tn.RAC` (then ``T`` is required), a :class:`~rac_tn.RacNetwork` or a
        :class:`~rac_tn.analysis.Report` (drawn with its partition and its bound for ``view``).
    T
        Sequence length (for a RAC; checked against the others).
    view
        ``'network'``: the compiled tensor network (an MPS for L = 1, else the copy tree).
        ``'grid'``: the L x T computation grid.
    cut
        A ``CutBound`` to draw (a network cut on ``view='network'``, a symmetric cut on
        ``view='grid'``), or a partition (``Partition``, ``'start-end'``, ``'interleaved'``)
        whose bound is computed for the view (network cut / symmetric cut).
    partition
        Colour the inputs by side without drawing a cut.
    ax
        Draw on these axes instead of a new Figure sized to the diagram.
    **style
        Options of :class:`~rac_tn.draw.scene.Style` (``labels``, ``dims``, ``degrees``,
        ``hyperedges``, ``font_size``, ``title``, ...).

    Returns
    -------
    matplotlib.figure.Figure
        Save it with ``fig.savefig('fig.pdf')`` (vector) or ``rac_tn.draw.mpl.save``.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> fig = draw(RAC.random(2, 2, seed=0), T=6, cut="start-end", dims=True)
    >>> bool(fig.get_figwidth() * 2.54 < 9)
    True
    """
    from rac_tn.draw import mpl

    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, **style)
    return mpl.render(scene, ax=ax)


def to_tikz(
    obj: Any,
    *,
    T: int | None = None,
    view: str = "network",
    cut: Any = None,
    partition: Any = None,
    standalone: bool = True,
    **style: Any,
) -> str:
    """The same figure as :func:`draw`, as TikZ source.

    With ``standalone=True`` (default) a complete document that ``pdflatex`` compiles unchanged
    (packages: tikz, amsmath) into a PDF cropped to the figure; with ``standalone=False`` the
    bare ``tikzpicture`` for ``\\input`` into a paper that loads tikz.

    >>> from rac_tn import RAC
    >>> tex = to_tikz(RAC.random(2, 2, seed=0), T=4, standalone=False)
    >>> "\\\\begin{tikzpicture}" in tex and "\\\\documentclass" not in tex
    True
    """
    from rac_tn.draw import tikz

    if not isinstance(standalone, bool):
        raise TypeError(f"standalone must be True or False, got {standalone!r}")
    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, **style)
    return tikz.render(scene, standalone=standalone)


def build_scene(
    obj: Any,
    *,
    T: int | None = None,
    view: str = "network",
    cut: Any = None,
    partition: Any = None,
    **style: Any,
) -> Scene:
    """The backend-free :class:`~rac_tn.draw.scene.Scene` behind :func:`draw` and
    :func:`to_tikz` (same arguments)."""
    opts = Style.from_kwargs(**style)
    if not isinstance(view, str) or view not in VIEWS:
        raise ValueError(f"view must be 'network' or 'grid', got {view!r}")
    rac, net, T, default_part, default_cut = _resolve_object(obj, T, view)
    if view == "network" and net is None:
        net = _compile(rac, T)
    part = _resolve_partition(partition, T) if partition is not None else None
    bound = None
    if cut is not None:
        bound = _resolve_cut(cut, T, view, rac, net)
        if part is not None and part != bound.partition:
            raise ValueError(
                f"partition {part} differs from the cut's partition {bound.partition}; "
                "pass only one of them"
            )
        part = bound.partition
    elif default_cut is not None and part in (None, default_part):
        bound = default_cut
        part = bound.partition
    elif part is None:
        part = default_part

    if view == "network":
        scene = _network_view(net, opts, part)
        if bound is not None:
            add_network_cut(scene, net, bound, opts)
    else:
        scene = _grid_view(rac, T, opts, part)
        if bound is not None:
            add_symmetric_cut(scene, bound, opts)
    add_title(scene, opts)
    scene.meta["partition"] = part
    return scene


# ---------------------------------------------------------------------------------------------


def _scaled(geometry: Any, factor: float) -> Any:
    if factor == 1.0:
        return geometry
    return dataclasses.replace(
        geometry,
        **{
            f.name: getattr(geometry, f.name) * factor
            for f in dataclasses.fields(geometry)
            if isinstance(getattr(geometry, f.name), float)
        },
    )


def _network_view(net: Any, opts: Style, part: Any) -> Scene:
    if net.kind == "mps":
        lay = _layout.mps_layout(net, _scaled(_layout.TreeGeometry(), opts.scale))
    else:
        kinds = [(p.role, p.layer) for p in net.places.values()]
        g = _layout.fit_tree_geometry(
            kinds.count(("WI", 1)), kinds.count(("H0", 1)), labels=opts.labels, scale=opts.scale
        )
        lay = _layout.tree_layout(net, g, hyperedges=opts.hyperedges)
    return _network_scene(net, lay, opts, partition=part)


def _grid_view(rac: Any, T: int, opts: Style, part: Any) -> Scene:
    L = rac.L
    lay = _layout.grid_layout(L, T, _scaled(_layout.GridGeometry(), opts.scale))
    paths = None
    if opts.degrees:
        # paths from a node to the output: C(T-t+L-l, L-l) for cell (l, t), n_t for input t
        paths = {
            ("h", k, t): comb(T - t + L - k, L - k)
            for k in range(1, L + 1)
            for t in range(1, T + 1)
        }
        paths.update({("x", t): comb(T - t + L - 1, L - 1) for t in range(1, T + 1)})
    return grid_scene(
        L, T, lay, opts, partition=part, dims={"M": rac.M, "R": rac.R, "C": rac.C}, paths=paths
    )


def _compile(rac: Any, T: int) -> Any:
    from rac_tn.network import compile_rac, count_tensors

    count = count_tensors(rac.L, T)
    if count > MAX_DRAWN_TENSORS:
        raise ValueError(
            f"the network of a depth-{rac.L} RAC over T = {T} steps has {count:,} tensors, too "
            f"many to draw (limit {MAX_DRAWN_TENSORS:,}); draw the computation grid instead: "
            "view='grid'"
        )
    return compile_rac(rac, T)


def _check_T(T: Any) -> int:
    if isinstance(T, bool) or not isinstance(T, int):
        try:
            import numpy as np

            if isinstance(T, np.integer):
                return _check_T(int(T))
        except ImportError:  # pragma: no cover
            pass
        raise TypeError(f"T must be a positive integer, got {T!r}")
    if T < 1:
        raise ValueError(f"T must be a positive integer, got {T}")
    return T


def _resolve_object(obj: Any, T: Any, view: str) -> tuple[Any, Any, int, Any, Any]:
    """``(rac, net or None, T, default partition, default cut)`` of what ``draw`` was given."""
    from rac_tn.model import RAC
    from rac_tn.network import RacNetwork

    if isinstance(obj, RAC):
        if T is None:
            raise ValueError("T is required when drawing a RAC (the sequence length), e.g. T=4")
        return obj, None, _check_T(T), None, None
    if isinstance(obj, RacNetwork):
        if T is not None and _check_T(T) != obj.T:
            raise ValueError(f"T = {T} does not match the network's T = {obj.T}")
        return obj.rac, obj, obj.T, None, None
    if _is_report(obj):
        part = obj.partition
        if T is not None and _check_T(T) != part.T:
            raise ValueError(f"T = {T} does not match the report's T = {part.T}")
        bound = getattr(obj, "network_bound" if view == "network" else "symmetric_bound", None)
        return obj.rac, None, part.T, part, bound
    raise TypeError(f"obj must be a RAC, a RacNetwork or a Report, got {type(obj).__name__}")


def _is_report(obj: Any) -> bool:
    try:
        from rac_tn.analysis import Report
    except ImportError:  # analysis not available: recognise a Report by its fields
        return all(hasattr(obj, a) for a in ("rac", "partition", "rows", "network_bound"))
    return isinstance(obj, Report)


def _is_cut_bound(obj: Any) -> bool:
    try:
        from rac_tn.bounds import CutBound
    except ImportError:
        return all(hasattr(obj, a) for a in ("value", "cut", "method", "side", "partition"))
    return isinstance(obj, CutBound)


def _resolve_partition(partition: Any, T: int, name: str = "partition") -> Any:
    from rac_tn.partition import Partition, as_partition

    if isinstance(partition, Partition):
        if partition.T != T:
            raise ValueError(f"{name} is for T = {partition.T}, but the figure has T = {T}")
        return partition
    if isinstance(partition, str):
        try:
            return as_partition(partition, T)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    raise TypeError(
        f"{name} must be a Partition or 'start-end' / 'interleaved', got {type(partition).__name__}"
    )


def _resolve_cut(cut: Any, T: int, view: str, rac: Any, net: Any) -> Any:
    if _is_cut_bound(cut):
        method = cut.method
        if view == "network" and method != "network-cut":
            raise ValueError(
                f"cut is a {method} bound, drawn on the computation grid: pass view='grid' "
                "(the network view draws network cuts)"
            )
        if view == "grid" and method != "symmetric-cut":
            raise ValueError(
                f"cut is a {method} bound, drawn on the tensor network: pass view='network' "
                "(the grid view draws symmetric cuts)"
            )
        if cut.partition.T != T:
            raise ValueError(f"cut is for T = {cut.partition.T}, but the figure has T = {T}")
        if view == "network" and net is not None and _network_side_mismatch(cut, net):
            raise ValueError("cut was computed on a different network (its tensors are unknown)")
        return cut
    if isinstance(cut, str) or type(cut).__name__ == "Partition":
        part = _resolve_partition(cut, T, "cut")
        if view == "network":
            from rac_tn.bounds import network_cut_bound

            return network_cut_bound(net, part)
        from rac_tn.bounds import symmetric_bound

        return symmetric_bound(rac, part)
    raise TypeError(
        "cut must be a CutBound, a Partition, 'start-end' or 'interleaved', got "
        f"{type(cut).__name__}"
    )


def _network_side_mismatch(cut: Any, net: Any) -> bool:
    tids = set(net.tn.tensor_map)
    inds = set(net.tn.ind_map)
    for element in cut.cut:
        if element.category == "delta" and element.name not in tids:
            return True
        if element.category in ("bond", "hyperedge") and element.name not in inds:
            return True
    return False


class _CallableModule(types.ModuleType):
    """``rac_tn.draw`` is both this package and the function :func:`draw`.

    ``rac_tn`` exports ``draw`` lazily, but once this package is imported (say by
    ``import rac_tn.draw.mpl``) Python binds the attribute ``rac_tn.draw`` to the package
    itself, so ``from rac_tn import draw`` may give the package: calling it draws.
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Figure:
        return draw(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = ["MAX_DRAWN_TENSORS", "build_scene", "draw", "to_tikz"]
