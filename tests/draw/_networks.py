"""Networks for the drawing tests of any quimb network, a brute-force minimum cut, and overlap
measurements on the rendered figure (not tests).

The brute force tries every assignment of the tensors to the two sides (a COPY tensor may also
be cut: it then costs its dimension once, and its legs nothing); an index costs its dimension
when its tensors (and, for an index listed on a side, that side) are not all on one side.
"""

from __future__ import annotations

import itertools
import math

import matplotlib

matplotlib.use("Agg")

import numpy as np
import quimb.tensor as qtn
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.patches import Circle, FancyBboxPatch, Polygon


def binary_tree(leaves: int = 8, bond: int = 3, phys: int = 2, seed: int = 0) -> qtn.TensorNetwork:
    """A binary tree tensor network: the bottom tensors hold two open legs k0, k1, ... each."""
    rng = np.random.default_rng(seed)
    tensors = []
    level = [f"k{i}" for i in range(leaves)]
    depth = 0
    while len(level) > 1:
        nxt = []
        for j in range(0, len(level), 2):
            up = f"u{depth}_{j // 2}" if len(level) > 2 else None
            inds = (level[j], level[j + 1]) + ((up,) if up else ())
            shape = tuple(phys if i.startswith("k") else bond for i in inds)
            tag = f"{'ABCDEFGH'[depth]}{j // 2}"
            tensors.append(qtn.Tensor(rng.normal(size=shape), inds=inds, tags={tag}))
            nxt.append(up)
        level = nxt
        depth += 1
    return qtn.TensorNetwork(tensors)


def copy_network(seed: int = 0) -> qtn.TensorNetwork:
    """Four tensors A, B, C, D on one COPY tensor of dimension 3; A and B also share a bond."""
    rng = np.random.default_rng(seed)
    tensors = [
        qtn.Tensor(rng.normal(size=(4, 3, 2)), inds=("p0", "b0", "e"), tags={"A"}),
        qtn.Tensor(rng.normal(size=(4, 3, 2)), inds=("p1", "b1", "e"), tags={"B"}),
        qtn.Tensor(rng.normal(size=(4, 3)), inds=("p2", "b2"), tags={"C"}),
        qtn.Tensor(rng.normal(size=(4, 3)), inds=("p3", "b3"), tags={"D"}),
        qtn.COPY_tensor(3, inds=("b0", "b1", "b2", "b3")),
    ]
    return qtn.TensorNetwork(tensors)


def hyper_network(seed: int = 0) -> qtn.TensorNetwork:
    """Three tensors sharing one index h (a hyperedge of dimension 2), a fourth on a bond."""
    rng = np.random.default_rng(seed)
    tensors = [
        qtn.Tensor(rng.normal(size=(3, 2)), inds=("a", "h"), tags={"P"}),
        qtn.Tensor(rng.normal(size=(3, 2, 4)), inds=("b", "h", "x"), tags={"Q"}),
        qtn.Tensor(rng.normal(size=(3, 2)), inds=("c", "h"), tags={"R"}),
        qtn.Tensor(rng.normal(size=(3, 4)), inds=("d", "x"), tags={"S"}),
    ]
    return qtn.TensorNetwork(tensors)


def ring(n: int = 5, bond: int = 3, phys: int = 2, seed: int = 0) -> qtn.TensorNetwork:
    """A loop of ``n`` tensors built by hand (no site tags), each with an open leg."""
    rng = np.random.default_rng(seed)
    tensors = [
        qtn.Tensor(
            rng.normal(size=(bond, bond, phys)),
            inds=(f"r{i}", f"r{(i + 1) % n}", f"p{i}"),
            tags={f"T{i}"},
        )
        for i in range(n)
    ]
    return qtn.TensorNetwork(tensors)


def random_network(n: int, extra: int, seed: int) -> qtn.TensorNetwork:
    """A random connected network: a random tree of ``n`` tensors plus ``extra`` bonds, bond
    dimensions 2-4, an open leg of dimension 2 on about half the tensors (at least two)."""
    rng = np.random.default_rng(seed)
    edges = [(int(rng.integers(0, i)), i) for i in range(1, n)]
    pairs = [(a, b) for a in range(n) for b in range(a + 1, n) if (a, b) not in edges]
    for k in rng.permutation(len(pairs))[:extra]:
        edges.append(pairs[int(k)])
    inds: dict[int, list[tuple[str, int]]] = {i: [] for i in range(n)}
    for k, (a, b) in enumerate(edges):
        dim = int(rng.integers(2, 5))
        inds[a].append((f"e{k}", dim))
        inds[b].append((f"e{k}", dim))
    legs = sorted(set(rng.permutation(n)[: max(2, n // 2)].tolist()))
    for i in legs:
        inds[i].append((f"k{i}", 2))
    tensors = [
        qtn.Tensor(
            rng.normal(size=[d for _, d in inds[i]]),
            inds=[name for name, _ in inds[i]],
            tags={f"N{i}"},
        )
        for i in range(n)
    ]
    return qtn.TensorNetwork(tensors)


def brute_force_cut(tn: qtn.TensorNetwork, left, right, copies=()) -> int:
    """The least cut between ``left`` and ``right`` over every bipartition of the tensors."""
    tids = list(tn.tensor_map)
    dims = {ind: tn.ind_size(ind) for ind in tn.ind_map}
    listed = {**dict.fromkeys(left, "L"), **dict.fromkeys(right, "R")}
    choices = [("L", "R", "C") if tid in copies else ("L", "R") for tid in tids]
    best = math.inf
    for states in itertools.product(*choices):
        side = dict(zip(tids, states, strict=True))
        cost = math.prod(min(tn.tensor_map[t].shape) for t in tids if side[t] == "C")
        for ind, holders in tn.ind_map.items():
            sides = {side[t] for t in holders} - {"C"}
            if ind in listed:
                sides.add(listed[ind])
            elif len(holders) == 1:
                continue  # a free leg
            if sides == {"L", "R"}:
                cost *= dims[ind]
            if cost >= best:
                break
        best = min(best, cost)
    return int(best)


# -- overlaps measured on the rendered figure ---------------------------------------------------


def rendered_overlaps(fig, tolerance_px: float = 0.5) -> list[str]:
    """Pairs of nodes or labels that overlap in the figure as matplotlib renders it.

    Nodes are the circles, boxes and polygons the backend draws; labels are every text, with
    the extents the renderer gives. A node's own label (a text anchored at its centre) is not
    compared with that node.
    """
    fig.set_dpi(200)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    to_px = ax.transData.transform
    circles, boxes = [], []
    for p in ax.patches:
        if isinstance(p, Circle):
            (cx, cy), (ex, _) = to_px([p.center, (p.center[0] + p.radius, p.center[1])])
            circles.append(((cx, cy), ex - cx))
        elif isinstance(p, (FancyBboxPatch, Polygon)):
            bb = p.get_window_extent(renderer)
            boxes.append((bb.x0, bb.y0, bb.x1, bb.y1))
    texts = []
    for t in ax.texts:
        if not t.get_text():
            continue
        bb = t.get_window_extent(renderer)
        anchor = to_px(t.get_position())
        texts.append((t.get_text(), (bb.x0, bb.y0, bb.x1, bb.y1), anchor))
    tol = tolerance_px
    found = []

    def box_hit(a, b):
        return not (
            a[2] - tol <= b[0] or b[2] - tol <= a[0] or a[3] - tol <= b[1] or b[3] - tol <= a[1]
        )

    def circle_box_gap(c, r, b):
        dx = max(b[0] - c[0], 0.0, c[0] - b[2])
        dy = max(b[1] - c[1], 0.0, c[1] - b[3])
        return math.hypot(dx, dy) - r

    for (c1, r1), (c2, r2) in itertools.combinations(circles, 2):
        if math.dist(c1, c2) < r1 + r2 - tol:
            found.append(f"circles at {c1} and {c2}")
    for b1, b2 in itertools.combinations(boxes, 2):
        if box_hit(b1, b2):
            found.append(f"boxes {b1} and {b2}")
    for c, r in circles:
        for b in boxes:
            if circle_box_gap(c, r, b) < -tol:
                found.append(f"circle at {c} and box {b}")
    for (s1, b1, _), (s2, b2, _) in itertools.combinations(texts, 2):
        if box_hit(b1, b2):
            found.append(f"labels {s1!r} and {s2!r}")
    for s, b, anchor in texts:
        for c, r in circles:
            own = math.dist(anchor, c) < 1.0
            if not own and circle_box_gap(c, r, b) < -tol:
                found.append(f"label {s!r} and the node at {c}")
        for box in boxes:
            own = box[0] <= anchor[0] <= box[2] and box[1] <= anchor[1] <= box[3]
            if not own and box_hit(b, box):
                found.append(f"label {s!r} and the box {box}")
    return found
