r"""A quimb network read for drawing: tensors, bonds, hyperedges, open legs, lattice sites, names.

Nothing here computes a cut: this is the structure the layout and the view draw from. quimb's
site tags (``site_tag_id``, e.g. ``'I{},{}'``) give lattice coordinates where they exist; a
plain :class:`~quimb.tensor.TensorNetwork` whose tensors carry quimb's usual tags (``I3``,
``I1,2``) is read the same way.

Examples
--------
>>> import quimb.tensor as qtn
>>> graph = read_network(qtn.MPS_rand_state(4, bond_dim=3, phys_dim=2, seed=0))
>>> len(graph.tids), len(graph.bonds), graph.lattice, graph.site_of(0)
(4, 3, 1, (0,))
>>> tensor_names(qtn.MPS_rand_state(3, bond_dim=2, seed=0), graph=None)
{0: 'I_{0}', 1: 'I_{1}', 2: 'I_{2}'}
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import quimb.tensor as qtn

__all__ = [
    "Bond",
    "NetworkGraph",
    "Vertex",
    "index_text",
    "read_network",
    "tag_text",
    "tensor_names",
]

#: A vertex of the drawn graph: a tensor id, or ``('hyper', index)`` for a hyperedge.
#: A vertex of the drawing: a tensor id, or ``("hyper", index)`` for a hyperedge's dot.
Vertex = int | tuple[str, str]

#: quimb's site tag formats, tried (3-D first) on a network that does not say its own.
_DEFAULT_SITE_TAGS = ("I{},{},{}", "I{},{}", "I{}")
#: Tags that only place a tensor (rows, columns, sites): never a tensor's name.
_STRUCTURE_ATTRS = ("site_tag_id", "x_tag_id", "y_tag_id", "z_tag_id", "row_tag_id", "col_tag_id")
_DEFAULT_STRUCTURE = ("I{}", "I{},{}", "I{},{},{}", "X{}", "Y{}", "Z{}")
#: quimb's private tags with a usual letter: a MERA's disentanglers and isometries.
_PRIVATE_NAMES = {"_UNI": "u", "_ISO": "w"}


@dataclass(frozen=True)
class Bond:
    """An index shared by exactly two tensors (``a < b`` in the network's order)."""

    ind: str
    a: int
    b: int
    dim: int


@dataclass
class NetworkGraph:
    """What is drawn of a network: tensors, bonds, hyperedges, open legs and lattice sites.

    ``hypers`` maps an index on three or more tensors (or on two and listed as open) to its
    tensors and dimension; ``legs`` maps a tensor to its open indices (held by it alone) with
    their dimensions; ``sites`` a tensor to the coordinates of its site tags (``lattice`` is
    their number of axes, 0 without sites); ``cyclic`` says which lattice axes wrap around.
    """

    tids: list[int]
    bonds: list[Bond]
    hypers: dict[str, tuple[tuple[int, ...], int]]
    legs: dict[int, list[tuple[str, int]]]
    open_hypers: set[str] = field(default_factory=set)
    sites: dict[int, list[tuple[int, ...]]] = field(default_factory=dict)
    lattice: int = 0
    cyclic: tuple[bool, ...] = ()
    copies: frozenset[int] = frozenset()
    leg_dirs: dict[str, str] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)

    def vertices(self) -> list[Vertex]:
        """Every tensor id, then every hyperedge ``('hyper', ind)``."""
        return [*self.tids, *(("hyper", ind) for ind in self.hypers)]

    def adjacency(self) -> dict[Vertex, list[tuple[Vertex, object]]]:
        """Each vertex's neighbours with the edge joining them (a bond, or ``(ind, tid)``)."""
        adj: dict[Vertex, list[tuple[Vertex, object]]] = {v: [] for v in self.vertices()}
        for bond in self.bonds:
            adj[bond.a].append((bond.b, bond))
            adj[bond.b].append((bond.a, bond))
        for ind, (tids, _) in self.hypers.items():
            for tid in tids:
                adj[tid].append((("hyper", ind), (ind, tid)))
                adj[("hyper", ind)].append((tid, (ind, tid)))
        return adj

    def site_of(self, tid: int) -> tuple[int, ...] | None:
        """The one lattice site of tensor ``tid`` (None without one, or with several)."""
        found = self.sites.get(tid, [])
        return found[0] if len(found) == 1 else None

    def lattice_site(self, tid: int) -> tuple[int, ...]:
        """The one lattice site of tensor ``tid`` (a lattice layout has checked there is one)."""
        site = self.site_of(tid)
        if site is None:
            raise ValueError(f"tensor {tid} has no single lattice site")
        return site

    def has_legs(self, v: Vertex) -> bool:
        """Whether vertex ``v`` holds an open leg."""
        if isinstance(v, tuple):
            return v[1] in self.open_hypers
        return bool(self.legs.get(v))

    def key(self, v: Vertex) -> tuple[float, float, float]:
        """A deterministic order of vertices: by site, then by open index, then by id."""
        if isinstance(v, tuple):
            return min((self.key(t) for t in self.hypers[v[1]][0]), default=(0.0, 0.0, 0.0))
        sites = self.sites.get(v)
        site = min(s[0] for s in sites) if sites else float("inf")
        first = min((self.order.get(ind, 1 << 30) for ind, _ in self.legs.get(v, [])), default=0)
        return (site, float(first if self.legs.get(v) else 1 << 30), float(v))


def read_network(
    tn: qtn.TensorNetwork, *, open_inds: Iterable[str] = (), copies: Collection[int] = ()
) -> NetworkGraph:
    """The :class:`NetworkGraph` of ``tn``; ``open_inds`` are shared indices drawn as open."""
    open_set = set(open_inds)
    tids = list(tn.tensor_map)
    position = {tid: i for i, tid in enumerate(tids)}
    bonds: list[Bond] = []
    hypers: dict[str, tuple[tuple[int, ...], int]] = {}
    legs: dict[int, list[tuple[str, int]]] = {tid: [] for tid in tids}
    order: dict[str, int] = {}
    for tid in tids:
        tensor = tn.tensor_map[tid]
        for ind, dim in zip(tensor.inds, tensor.shape, strict=True):
            holders = sorted(tn.ind_map[ind], key=position.__getitem__)
            order.setdefault(ind, len(order))
            if holders[0] != tid:
                continue  # each shared index once, from its first tensor
            if len(holders) == 1:
                legs[tid].append((ind, int(dim)))
            elif len(holders) == 2 and ind not in open_set:
                bonds.append(Bond(ind, holders[0], holders[1], int(dim)))
            else:
                hypers[ind] = (tuple(holders), int(dim))
    graph = NetworkGraph(
        tids,
        bonds,
        hypers,
        legs,
        open_hypers={ind for ind in hypers if ind in open_set},
        copies=frozenset(copies),
        order=order,
    )
    _read_sites(tn, graph)
    graph.leg_dirs = _leg_directions(tn, legs)
    return graph


def _pattern(fmt: object) -> re.Pattern[str] | None:
    """A regex reading the integers of a tag format such as ``'I{},{}'``."""
    if not isinstance(fmt, str) or "{}" not in fmt:
        return None
    return re.compile("^" + r"(-?\d+)".join(re.escape(p) for p in fmt.split("{}")) + "$")


def _read_sites(tn: qtn.TensorNetwork, graph: NetworkGraph) -> None:
    """Fill ``graph.sites``, ``lattice`` and ``cyclic`` from the network's site tags."""
    fmt = getattr(tn, "site_tag_id", None)
    formats = [fmt] if isinstance(fmt, str) else list(_DEFAULT_SITE_TAGS)
    for candidate in formats:
        pattern = _pattern(candidate)
        if pattern is None:
            continue
        sites = {
            tid: [tuple(int(g) for g in m.groups()) for m in map(pattern.match, t.tags) if m]
            for tid, t in tn.tensor_map.items()
        }
        sites = {tid: sorted(found) for tid, found in sites.items() if found}
        # a guessed format must place every tensor; a declared one may place some
        if sites and (isinstance(fmt, str) or len(sites) == len(graph.tids)):
            graph.sites = sites
            graph.lattice = candidate.count("{}")
            break
    if not graph.lattice:
        return
    if graph.lattice == 1:
        graph.cyclic = (bool(getattr(tn, "cyclic", False)),)
        return
    flags = []
    for axis in "xyz"[: graph.lattice]:
        test = getattr(tn, f"is_cyclic_{axis}", None)
        try:
            flags.append(bool(test()) if callable(test) else False)
        except Exception:  # noqa: BLE001 - a foreign network: no wrap-around drawn
            flags.append(False)
    graph.cyclic = tuple(flags)


def _leg_directions(tn: qtn.TensorNetwork, legs: dict[int, list]) -> dict[str, str]:
    """``'up'`` / ``'down'`` for the open legs of an operator (upper / lower indices)."""
    out: dict[str, str] = {}
    for attr, where in (("upper_ind_id", "up"), ("lower_ind_id", "down")):
        pattern = _pattern(getattr(tn, attr, None))
        if pattern is None:
            continue
        for held in legs.values():
            for ind, _ in held:
                if pattern.match(ind):
                    out[ind] = where
    return out


_NAME = re.compile(r"^([A-Za-z]+)_?(\d+(?:,\d+)*)$")


def tag_text(tag: str) -> str:
    r"""A tag or index name as math: ``'A3'`` -> ``A_{3}``, ``'I1,2'`` -> ``I_{1,2}``.

    Examples
    --------
    >>> tag_text("k1,2"), tag_text("W"), tag_text("_x!")
    ('k_{1,2}', 'W', '\\mathrm{\\_x!}')
    """
    m = _NAME.match(tag)
    if m:
        return f"{m.group(1)}_{{{m.group(2)}}}"
    if re.fullmatch(r"[A-Za-z]", tag):
        return tag
    safe = "".join(c if c in _PLAIN else ("\\_" if c == "_" else "?") for c in tag)
    return f"\\mathrm{{{safe.replace(' ', '~')}}}"


#: Characters a label keeps as they are inside ``\mathrm{...}``.
_PLAIN = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,.;:!?()[]+-*/=<> ")


def index_text(ind: str) -> str:
    """An open index's label (as :func:`tag_text`)."""
    return tag_text(ind)


def _patterns(tn: qtn.TensorNetwork) -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    """The site tag patterns of ``tn``, and every tag pattern that only places a tensor."""
    fmt = getattr(tn, "site_tag_id", None)
    sites = [_pattern(f) for f in ([fmt] if isinstance(fmt, str) else _DEFAULT_SITE_TAGS)]
    fmts = [getattr(tn, attr, None) for attr in _STRUCTURE_ATTRS]
    structure = [p for p in map(_pattern, [*fmts, *_DEFAULT_STRUCTURE]) if p is not None]
    return [p for p in sites if p is not None], structure


def tensor_names(
    tn: qtn.TensorNetwork, graph: NetworkGraph | None, mode: str = "auto"
) -> dict[int, str | None]:
    """Each tensor's label (math): its first own tag, else its site tag; COPY tensors none.

    ``mode``: ``'auto'`` / ``'full'`` (that name), ``'short'`` (without its subscript) or
    ``'none'``. A tag that only places a tensor (``I3``, ``X0``) names it only when it has no
    other; quimb's MERA tags ``_UNI`` and ``_ISO`` read ``u`` and ``w``.
    """
    copies = graph.copies if graph is not None else frozenset()
    site_patterns, structure = _patterns(tn)
    out: dict[int, str | None] = {}
    for tid, tensor in tn.tensor_map.items():
        if mode == "none" or tid in copies:
            out[tid] = None
            continue
        tags = list(tensor.tags)
        own = [t for t in tags if not t.startswith("_") and not any(p.match(t) for p in structure)]
        private = [_PRIVATE_NAMES[t] for t in tags if t in _PRIVATE_NAMES]
        sites = [t for t in tags if any(p.match(t) for p in site_patterns)]
        if own:
            name = tag_text(own[0])
        elif private:
            name = private[0]
        elif len(sites) == 1:
            name = tag_text(sites[0])
        else:
            name = None
        if name is not None and mode == "short":
            name = name.split("_{", 1)[0]
        out[tid] = name
    return out
