r"""The public ``draw`` and ``to_tikz``: from a RAC, a network or a report to a figure.

This facade resolves what it is given (a :class:`~rac_tn.RAC` and ``T``, a compiled
:class:`~rac_tn.RacNetwork` or an :class:`~rac_tn.analysis.Report`) and a partition into a
compiled network and a *computed* :class:`~rac_tn.bounds.CutBound` (a network cut for the
network view, a symmetric cut for the grid view), then hands them to :mod:`rac_tn.draw`, which
only draws.

Examples
--------
>>> from rac_tn import RAC, draw, to_tikz
>>> rac = RAC.random(input_dim=2, hidden_dim=2, depth=2, seed=0)
>>> fig = draw(rac, T=4, cut="start-end")                   # the copy tree, Start-End cut
>>> fig.savefig("tree.pdf")                                  # doctest: +SKIP
>>> fig = draw(rac, T=8, view="grid", cut="start-end")      # grid view, symmetric cut
>>> tex = to_tikz(rac, T=4, cut="start-end")                 # a pdflatex-ready document
>>> tex.startswith("\\documentclass")
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rac_tn._checks import positive_int
from rac_tn.analysis import Report
from rac_tn.bounds import CutBound, network_cut_bound, symmetric_bound
from rac_tn.draw import mpl, tikz
from rac_tn.draw.cuts import check_cut
from rac_tn.draw.grid_view import grid_view
from rac_tn.draw.network_view import network_view
from rac_tn.draw.scene import Scene
from rac_tn.draw.style import VIEWS, Style, View
from rac_tn.model import RAC
from rac_tn.network import RacNetwork, compile_rac, count_tensors
from rac_tn.partition import Partition, as_partition

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The network view refuses to draw more tensors than this (the copy tree grows like C(T+L, L));
#: the grid view draws any size.
MAX_DRAWN_TENSORS = 4000

Drawable = RAC | RacNetwork | Report
#: A cut to draw: a computed bound, or the partition whose bound the facade computes.
CutSpec = CutBound | Partition | str


def draw(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | None = None,
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
        Options of :class:`~rac_tn.draw.style.Style` (``labels``, ``dims``, ``degrees``,
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
    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, **style)
    return mpl.render(scene, ax=ax)


def to_tikz(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | None = None,
    standalone: bool = True,
    **style: Any,
) -> str:
    r"""Return the same figure as :func:`draw`, as TikZ source.

    Parameters
    ----------
    obj, T, view, cut, partition, **style
        As for :func:`draw`.
    standalone
        True (default): a complete document that ``pdflatex`` compiles unchanged (packages:
        tikz, amsmath) into a PDF cropped to the figure; False: the bare ``tikzpicture`` for
        ``\input`` into a paper that loads tikz.

    Returns
    -------
    str
        The LaTeX source.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> tex = to_tikz(RAC.random(2, 2, seed=0), T=4, standalone=False)
    >>> "\\begin{tikzpicture}" in tex and "\\documentclass" not in tex
    True
    """
    if not isinstance(standalone, bool):
        raise TypeError(f"standalone must be True or False, got {standalone!r}")
    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, **style)
    return tikz.render(scene, standalone=standalone)


def build_scene(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | None = None,
    **style: Any,
) -> Scene:
    """Return the backend-free scene behind :func:`draw` and :func:`to_tikz`.

    Parameters
    ----------
    obj, T, view, cut, partition, **style
        As for :func:`draw`.

    Returns
    -------
    Scene
        The :class:`~rac_tn.draw.scene.Scene`; ``meta['cut']`` is the drawn bound.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> build_scene(RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end").meta["cut"].value
    4
    """
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
        return network_view(net, opts, partition=part, cut=bound)
    return grid_view(rac.L, T, opts, M=rac.M, R=rac.R, C=rac.C, partition=part, cut=bound)


# ---------------------------------------------------------------------------------------------


def _compile(rac: RAC, T: int) -> RacNetwork:
    count = count_tensors(rac.L, T)
    if count > MAX_DRAWN_TENSORS:
        raise ValueError(
            f"the network of a depth-{rac.L} RAC over T = {T} steps has {count:,} tensors, too "
            f"many to draw (limit {MAX_DRAWN_TENSORS:,}); draw the computation grid instead: "
            "view='grid'"
        )
    return compile_rac(rac, T)


def _resolve_object(
    obj: Drawable, T: int | None, view: View
) -> tuple[RAC, RacNetwork | None, int, Partition | None, CutBound | None]:
    """Return ``(rac, net or None, T, default partition, default cut)`` of what was given."""
    if isinstance(obj, RAC):
        if T is None:
            raise ValueError("T is required when drawing a RAC (the sequence length), e.g. T=4")
        return obj, None, positive_int(T, "T"), None, None
    if isinstance(obj, RacNetwork):
        if T is not None and positive_int(T, "T") != obj.T:
            raise ValueError(f"T = {T} does not match the network's T = {obj.T}")
        return obj.rac, obj, obj.T, None, None
    if isinstance(obj, Report):
        part = obj.partition
        if T is not None and positive_int(T, "T") != part.T:
            raise ValueError(f"T = {T} does not match the report's T = {part.T}")
        bound = obj.network_bound if view == "network" else obj.symmetric_bound
        return obj.rac, None, part.T, part, bound
    raise TypeError(f"obj must be a RAC, a RacNetwork or a Report, got {type(obj).__name__}")


def _resolve_partition(partition: Partition | str, T: int, name: str = "partition") -> Partition:
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


def _resolve_cut(cut: CutSpec, T: int, view: View, rac: RAC, net: RacNetwork | None) -> CutBound:
    """Return the bound to draw: ``cut`` (checked), or the view's bound for a partition."""
    if isinstance(cut, CutBound):
        return check_cut(cut, view, T, net)
    if isinstance(cut, str | Partition):
        part = _resolve_partition(cut, T, "cut")
        if view == "network":
            return network_cut_bound(net, part)
        return symmetric_bound(rac, part)
    raise TypeError(
        "cut must be a CutBound, a Partition, 'start-end' or 'interleaved', got "
        f"{type(cut).__name__}"
    )


__all__ = ["MAX_DRAWN_TENSORS", "build_scene", "draw", "to_tikz"]
