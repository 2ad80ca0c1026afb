r"""The public ``draw`` and ``to_tikz``: from a model, a network or a report to a figure.

The facade turns what it is given (a model and ``T``, a compiled network or a report) and a
partition into a compiled network and a *computed* cut (a network cut for the network view, a
symmetric cut for the grid view), then hands them to :mod:`rac_tn.drawing`, which only draws.

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

A model family: the CP-2RNN's cores are drawn as in the second-order RNN paper, the factor
matrices A, B, C around a COPY diamond of dimension K.

>>> from rac_tn.models import CP2RNN
>>> fig = draw(CP2RNN.random(2, 3, 2, depth=2, seed=0), T=4, cut="start-end", dims=True)

Any quimb network, with its minimum cut between two sets of open indices (or tags):

>>> import quimb.tensor as qtn
>>> peps = qtn.PEPS.rand(3, 3, bond_dim=2, phys_dim=2, seed=0)
>>> fig = draw(peps, cut=(["k0,0", "k1,0", "k2,0"], ["k0,2", "k1,2", "k2,2"]))
>>> build_scene(peps, cut=(["I0,0"], ["I2,2"])).meta["cut"].value     # tags: their open legs
2
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias, cast, overload

import quimb.tensor as qtn

from rac_tn._checks import positive_int
from rac_tn.analysis.reports import Report
from rac_tn.bounds.cut_bound import CutBound
from rac_tn.bounds.network_cut import CopyChoice, copy_tensors, network_cut_bound
from rac_tn.bounds.symmetric import symmetric_bound
from rac_tn.drawing import mpl, tikz
from rac_tn.drawing.cuts import check_cut
from rac_tn.drawing.grid_view import grid_view
from rac_tn.drawing.network_view import network_view
from rac_tn.drawing.scene import Scene
from rac_tn.drawing.style import VIEWS, Style, View
from rac_tn.drawing.tn_cut import check_tn_cut
from rac_tn.drawing.tn_view import tn_view
from rac_tn.models.protocol import RecurrentModel, rac_form
from rac_tn.network.compiled import Model, RacNetwork, compile_rac
from rac_tn.partition import Partition, as_partition

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: The network view refuses to draw more tensors than this (the copy tree grows like C(T+L, L));
#: the grid view draws any size.
MAX_DRAWN_TENSORS = 4000

Drawable: TypeAlias = RecurrentModel | RacNetwork | Report | qtn.TensorNetwork
#: Two sides of open indices (or tags) of a quimb network: ``(left, right)``.
NetworkSides = tuple[Sequence[str] | str, Sequence[str] | str]
#: A cut to draw: a computed bound, or the partition (for a quimb network: the two sides of
#: open indices or tags) whose bound the facade computes.
CutSpec = CutBound | Partition | str | NetworkSides


@overload
def draw(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | NetworkSides | None = None,
    ax: None = None,
    copies: CopyChoice | Collection[int] | None = None,
    **style: Any,
) -> Figure: ...


@overload
def draw(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | NetworkSides | None = None,
    ax: Axes,
    copies: CopyChoice | Collection[int] | None = None,
    **style: Any,
) -> Axes: ...


def draw(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | NetworkSides | None = None,
    ax: Axes | None = None,
    copies: CopyChoice | Collection[int] | None = None,
    **style: Any,
) -> Figure | Axes:
    """Draw a model's tensor network or computation grid as a matplotlib Figure.

    Parameters
    ----------
    obj
        A :class:`~rac_tn.RAC` or a model family of :mod:`rac_tn.models` (``CP2RNN``,
        ``SecondOrderRNN``, ``MIRNN``, ``LinearRNN``; then ``T`` is required), a
        :class:`~rac_tn.RacNetwork`, a :class:`~rac_tn.analysis.Report` (drawn with its
        partition and its bound for ``view``), or any quimb
        :class:`~quimb.tensor.TensorNetwork` (MPS, MPO, PEPS, trees, MERA, networks built by
        hand with hyperedges and COPY tensors), laid out from its structure: site tags and
        lattices where it has them, levels for trees and MERA
        (:mod:`~rac_tn.drawing.tn_layout`).
    T
        Sequence length (for a model; checked against the others).
    view
        ``'network'``: the compiled tensor network (a RAC's MPS for L = 1, else the copy
        tree). A CP core is drawn as the second-order RNN paper draws it, factors ``A``
        (reads the state), ``B`` (reads the input) and ``C`` (writes the new state) around a
        COPY diamond of dimension K; a dense core is one order-3 tensor; affine cells read
        ``x~_t = (x_t, 1)``, as a note under the figure says. ``'grid'``: the L x T
        computation grid, its wires labelled with the dimensions the symmetric cut prices.
    cut
        A ``CutBound`` to draw (a network cut on ``view='network'``, a symmetric cut on
        ``view='grid'``), or a partition (``Partition``, ``'start-end'``, ``'interleaved'``)
        whose bound is computed for the view (network cut / symmetric cut). For a quimb
        network: ``(left, right)``, each a list of open indices or tags (a tag stands for
        the open indices of its tensors); its minimum cut
        (:func:`~rac_tn.bounds.network_cut_bound`) is drawn as a closed curve, each cut bond
        labelled with its dimension (a COPY tensor or hyperedge once), the bound in the legend.
    partition
        Colour the inputs (a quimb network's open legs) by side without drawing a cut.
    ax
        Draw on these axes (and return them, as matplotlib's own plotting functions do, so
        that a notebook shows the figure once) instead of a new Figure sized to the diagram.
    copies
        For a quimb network only: which tensors are COPY tensors, drawn as dots and priced once
        by the cut: ``'detect'`` (default: tagged ``'DELTA'`` or exactly diagonal),
        ``'tagged'``, or tensor ids (as :func:`~rac_tn.bounds.network_cut_bound`).
    **style
        Options of :class:`~rac_tn.drawing.style.Style` (``labels``, ``dims``, ``degrees``,
        ``hyperedges``, ``font_size``, ``title``, ...).

    Returns
    -------
    matplotlib.figure.Figure or matplotlib.axes.Axes
        A new Figure (save it with ``fig.savefig('fig.pdf')``, vector, or
        ``rac_tn.drawing.mpl.save``); ``ax`` itself when given.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> fig = draw(RAC.random(2, 2, seed=0), T=6, cut="start-end", dims=True)
    >>> bool(fig.get_figwidth() * 2.54 < 9)
    True
    >>> from rac_tn.models import SecondOrderRNN
    >>> fig = draw(SecondOrderRNN.random(2, 3, bias=True, seed=0), T=4, view="grid", dims=True)
    >>> import quimb.tensor as qtn
    >>> mps = qtn.MPS_rand_state(8, bond_dim=3, seed=0)
    >>> fig = draw(mps, cut=(["k0", "k1", "k2", "k3"], ["k4", "k5", "k6", "k7"]), dims=True)
    """
    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, copies=copies, **style)
    fig = mpl.render(scene, ax=ax)
    return fig if ax is None else ax


def to_tikz(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | NetworkSides | None = None,
    standalone: bool = True,
    copies: CopyChoice | Collection[int] | None = None,
    **style: Any,
) -> str:
    r"""Return the same figure as :func:`draw`, as TikZ source.

    Parameters
    ----------
    obj, T, view, cut, partition, copies, **style
        As for :func:`draw`.
    standalone
        True (default): a complete document that ``pdflatex`` compiles into a PDF cropped to
        the figure; False: the bare ``tikzpicture`` for ``\input`` into a paper whose preamble
        loads ``tikz`` and ``\usetikzlibrary{backgrounds,calc}`` (its first lines say so).
        Only the nodes are placed at numbers: labels, dimensions, the cut and the shading
        are written relative to the nodes they go with, so moving a node moves them too.

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
    >>> from rac_tn.models import CP2RNN                  # the CP cores' COPY diamonds
    >>> "rac/diamond" in to_tikz(CP2RNN.random(2, 3, 2, seed=0), T=3)
    True
    >>> import quimb.tensor as qtn
    >>> tex = to_tikz(qtn.MPS_rand_state(4, bond_dim=2, seed=0), cut=(["k0"], ["k3"]))
    >>> "rac/cut bond" in tex
    True
    """
    if not isinstance(standalone, bool):
        raise TypeError(f"standalone must be True or False, got {standalone!r}")
    scene = build_scene(obj, T=T, view=view, cut=cut, partition=partition, copies=copies, **style)
    return tikz.render(scene, standalone=standalone)


def build_scene(
    obj: Drawable,
    *,
    T: int | None = None,
    view: View = "network",
    cut: CutSpec | None = None,
    partition: Partition | str | NetworkSides | None = None,
    copies: CopyChoice | Collection[int] | None = None,
    **style: Any,
) -> Scene:
    """The backend-free :class:`~rac_tn.drawing.scene.Scene` behind :func:`draw` (same arguments).

    ``meta['cut']`` of the scene is the drawn bound.

    Examples
    --------
    >>> from rac_tn import RAC
    >>> build_scene(RAC.random(2, 2, depth=2, seed=0), T=4, cut="start-end").meta["cut"].value
    4
    """
    opts = Style.from_kwargs(**style)
    if not isinstance(view, str) or view not in VIEWS:
        raise ValueError(f"view must be 'network' or 'grid', got {view!r}")
    if isinstance(obj, qtn.TensorNetwork):
        return _network_scene(obj, T, view, cut, partition, copies, opts)
    if copies is not None:
        raise TypeError(
            "copies applies to a quimb network; a model's COPY tensors are known (drop copies)"
        )
    model, net, T, default_part, default_cut = _resolve_object(obj, T, view)
    if view == "network" and net is None:
        net = _compile(model, T)
    part = _resolve_partition(partition, T) if partition is not None else None
    bound = None
    if cut is not None:
        bound = _resolve_cut(cut, T, view, model, net)
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
        assert net is not None  # compiled above
        return network_view(net, opts, partition=part, cut=bound)
    dims, symbols = _grid_dims(model)
    name = None if rac_form(model) else type(model).__name__
    return grid_view(
        model.L, T, opts, **dims, symbols=symbols, model=name, partition=part, cut=bound,
        arities=model.arities, augmented=_augmented(model),
    )  # fmt: skip


def _augmented(model: Model) -> tuple[bool, bool]:
    """Whether the inputs and the states of ``model`` are augmented by a constant 1."""
    if rac_form(model):
        return False, False
    return bool(model.augmented_input), any(layer.affine for layer in model.layers)


# ---------------------------------------------------------------------------------------------


def _compile(model: Model, T: int) -> RacNetwork:
    count = model.count_tensors(T)
    what = "RAC" if rac_form(model) else type(model).__name__
    if count > MAX_DRAWN_TENSORS:
        raise ValueError(
            f"the network of a depth-{model.L} {what} over T = {T} steps has {count:,} tensors, "
            f"too many to draw (limit {MAX_DRAWN_TENSORS:,}); draw the computation grid "
            "instead: view='grid'"
        )
    return compile_rac(model, T)


def _grid_dims(model: Model) -> tuple[dict[str, int], dict[str, str] | None]:
    """The grid view's wire dimensions and symbols: those the symmetric cut prices."""
    if rac_form(model):
        return {"M": model.M, "R": model.R, "C": model.num_classes}, None
    dims = {"M": model.input_node_dim, "R": model.node_dim, "C": model.num_classes}
    declared = getattr(model, "cell_symbol", None)  # a family's own (linear attention's)
    if declared is not None:
        cell = declared
    elif model.bias or not model.multiplicative:
        cell = "n+1"
    elif model.rank is not None and model.rank < model.hidden_dim:
        cell = "K"
    else:
        cell = "n"
    return dims, {"M": "d+1" if model.augmented_input else "d", "R": cell, "C": "Y"}


def _resolve_object(
    obj: Drawable, T: int | None, view: View
) -> tuple[Model, RacNetwork | None, int, Partition | None, CutBound | None]:
    """Return ``(model, net or None, T, default partition, default cut)`` of what was given."""
    if isinstance(obj, RecurrentModel):
        if T is None:
            raise ValueError(
                f"T is required when drawing a {type(obj).__name__} (the sequence length), e.g. T=4"
            )
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
        if obj.rac is None:
            raise ValueError(
                "obj is a Report without its model (as Report.from_dict rebuilds one): draw "
                "the model itself, with partition= or cut="
            )
        return obj.rac, None, part.T, part, bound
    raise TypeError(
        "obj must be a model (a RAC, a family of rac_tn.models such as CP2RNN, or any "
        "RecurrentModel), a RacNetwork, a Report or a quimb TensorNetwork, got "
        f"{type(obj).__name__}"
    )


def _resolve_partition(partition: object, T: int, name: str = "partition") -> Partition:
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


def _resolve_cut(
    cut: CutSpec, T: int, view: View, model: Model, net: RacNetwork | None
) -> CutBound:
    """Return the bound to draw: ``cut`` (checked), or the view's bound for a partition."""
    if isinstance(cut, CutBound):
        return check_cut(cut, view, T, net)
    if isinstance(cut, str | Partition):
        part = _resolve_partition(cut, T, "cut")
        if view == "network":
            return network_cut_bound(net, part)
        return symmetric_bound(model, part)
    raise TypeError(
        "cut must be a CutBound, a Partition, 'start-end' or 'interleaved', got "
        f"{type(cut).__name__}"
    )


# -- any quimb network ---------------------------------------------------------------------------


def _network_scene(
    tn: qtn.TensorNetwork,
    T: int | None,
    view: View,
    cut: CutSpec | None,
    partition: object,
    copies: CopyChoice | Collection[int] | None,
    opts: Style,
) -> Scene:
    """The scene of a quimb network, with the minimum cut between the given sides."""
    if T is not None:
        raise ValueError("T applies to a model; a quimb network is drawn as it is (drop T)")
    if view != "network":
        raise ValueError(
            "view='grid' draws a model's computation grid; a quimb network has view='network'"
        )
    chosen = _network_copies(tn, "detect" if copies is None else copies)
    sides = _network_sides(tn, partition, "partition") if partition is not None else None
    bound = None
    if isinstance(cut, CutBound):
        bound = check_tn_cut(cut, list(tn.tensor_map), list(tn.ind_map))
        chosen |= {cast(int, e.name) for e in bound.cut if e.category == "delta"}  # tensor ids
    elif cut is not None:
        bound = network_cut_bound(tn, _network_sides(tn, cut, "cut"), copies=chosen)
    if bound is not None and sides is not None:
        if [set(s) for s in sides] != [set(s) for s in bound.index_sides or ((), ())]:
            raise ValueError("partition differs from the cut's sides; pass only one of them")
    return tn_view(tn, opts, copies=chosen, sides=sides, cut=bound)


def _network_copies(tn: qtn.TensorNetwork, copies: object) -> set[int]:
    """The tensor ids drawn as COPY dots (and priced once by the cut)."""
    if isinstance(copies, str):
        if copies not in ("tagged", "detect"):
            raise ValueError(f"copies must be 'tagged', 'detect' or tensor ids, got {copies!r}")
        return copy_tensors(tn) if copies == "detect" else set(tn.tag_map.get("DELTA", ()))
    if not isinstance(copies, Collection):
        raise TypeError(f"copies must be 'tagged', 'detect' or tensor ids, got {copies!r}")
    unknown = [tid for tid in copies if tid not in tn.tensor_map]
    if unknown:
        raise ValueError(f"copies: {unknown[0]!r} is not a tensor id of the network")
    return set(copies)


def _network_sides(tn: qtn.TensorNetwork, spec: object, name: str) -> tuple[list, list]:
    """``(left, right)`` index lists from open indices or tags (a tag: its tensors' open legs)."""
    if (
        isinstance(spec, (str, bytes, Partition))
        or not isinstance(spec, Sequence)
        or len(spec) != 2
    ):
        raise TypeError(
            f"{name} of a quimb network must be a pair (left, right) of lists of its open "
            f"indices or tags, e.g. (['k0', 'k1'], ['k2', 'k3']); got {spec!r}"
        )
    outer = list(tn.outer_inds())
    sides = []
    for side in spec:
        items = [side] if isinstance(side, str) else list(side)
        inds: list[str] = []
        for item in items:
            if not isinstance(item, str):
                raise TypeError(f"{name}: {item!r} is not an index name or tag")
            if item in tn.ind_map:
                found = [item]
            elif item in tn.tag_map:
                tids = tn.tag_map[item]
                found = [i for i in outer if any(i in tn.tensor_map[t].inds for t in tids)]
                if not found:
                    raise ValueError(f"{name}: the tensors tagged {item!r} have no open index")
            else:
                raise ValueError(
                    f"{name}: {item!r} is neither an index nor a tag of the network (its open "
                    f"indices: {outer[:8]})"
                )
            inds += [i for i in found if i not in inds]
        if not inds:
            raise ValueError(f"{name}: each side needs at least one open index or tag")
        sides.append(inds)
    return sides[0], sides[1]


__all__ = ["MAX_DRAWN_TENSORS", "build_scene", "draw", "to_tikz"]
