r"""The node of each tensor of a compiled network, by role: its shape, size and label.

A CP core is drawn as the second-order RNN paper draws it: factors ``A``, ``B``, ``C`` as
circles around a small filled diamond (the COPY tensor of dimension K).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from rac_tn.drawing._geometry import TreeGeometry
from rac_tn.drawing.scene import Node, Point, text_size
from rac_tn.drawing.style import INK, LIGHT, Style

if TYPE_CHECKING:
    from rac_tn.network.compiled import RacNetwork, TensorPlace

__all__ = ["TensorShapes", "drawn_as_chain", "tensor_name"]

#: TikZ names of the tensor roles.
_ROLE_NAMES = {
    "WH": "WH",
    "WI": "WI",
    "DELTA": "copy",
    "H0": "h0",
    "WO": "WO",
    "CORE": "G",
    "A": "A",
    "B": "B",
    "C": "C",
    "CORE3": "core",
}

#: Space between a label and the circle around it, in cm.
_LABEL_PAD = 0.03


def drawn_as_chain(net: RacNetwork) -> bool:
    """Whether ``net`` is drawn as a RAC's tensor train (else as a copy tree)."""
    return net.kind == "mps" and net.family == "rac"


def tensor_name(place: TensorPlace, L: int) -> str:
    """The TikZ name of a tensor: role, layer, time and copy route."""
    role = _ROLE_NAMES.get(place.role, place.role)
    if place.role == "WO":
        return "WO"
    if place.role == "CORE":
        return f"G-{place.time}"
    route = f"-{place.route}" if place.route else ""
    return f"{role}-{place.layer}-{place.time}{route}"


class TensorShapes:
    """The node of each tensor, by role, for one network, geometry, style and label mode."""

    def __init__(self, net: RacNetwork, g: TreeGeometry, style: Style, mode: str) -> None:
        self.g = g
        self.is_mps = drawn_as_chain(net)
        self.deep = net.L > 1
        self.T = net.T
        self.mode = mode
        self.fs = style.font_size
        self.family = net.family != "rac"
        self.builders: dict[str, Callable[[int, Point, TensorPlace], Node]] = {
            "WH": self.weight,
            "WI": self.weight,
            "DELTA": self.delta,
            "H0": self.initial,
            "CORE": self.core,
            "WO": self.output,
            "A": self.factor,
            "B": self.factor,
            "C": self.factor,
            "CORE3": self.dense_core,
        }

    def node(self, tid: int, at: Point, p: TensorPlace) -> Node:
        """The node of tensor ``tid`` of place ``p`` at ``at``; its role and ref set."""
        build = self.builders.get(p.role)
        if build is None:
            raise ValueError(f"unexpected tensor role {p.role!r}")
        node = build(tid, at, p)
        node.role, node.ref = p.role, tid
        return node

    def weight(self, tid: int, at: Point, p: TensorPlace) -> Node:
        letter = "H" if p.role == "WH" else "I"
        sup = f"{letter}{{,}}{p.layer}" if self.deep else letter
        label = {"full": f"W^{{{sup}}}", "short": f"\\mathrm{{{letter}}}"}.get(self.mode)
        r = self.g.w_radius
        if self.mode == "full":  # W^{H,l} is wider than tall: a box
            h = self.g.w_half_height
            return Node(tid, *at, "box", r, height=h, label=label, label_size=self.fs)
        return Node(tid, *at, "circle", r, label=label, label_size=self.fs)

    def delta(self, tid: int, at: Point, p: TensorPlace) -> Node:
        if self.family:  # a CP core's COPY tensor of dimension K: the paper's diamond
            return Node(tid, *at, "diamond", self.g.diamond, fill=INK, linewidth=0.0)
        return Node(tid, *at, "dot", self.g.delta_radius, fill=INK, linewidth=0.0)

    def initial(self, tid: int, at: Point, p: TensorPlace) -> Node:
        return Node(tid, *at, "circle", self.g.h0_radius * (1.3 if self.is_mps else 1.0))

    def core(self, tid: int, at: Point, p: TensorPlace) -> Node:
        label = f"G_{{{p.time}}}" if self.mode != "none" else None
        r = self.g.core_radius
        if label:  # room for the widest label, G_T, in every core
            w, h = text_size(f"G_{{{self.T}}}", self.fs)
            r = max(r, math.hypot(w / 2, h / 2) + 0.03)
        return Node(tid, *at, "circle", r, label=label, label_size=self.fs)

    def _layer_label(self, letter: str, layer: int) -> str | None:
        """``A``, or ``A^{(l)}`` with full labels in a deep network (each layer its weights)."""
        if self.mode == "none":
            return None
        return f"{letter}^{{({layer})}}" if self.mode == "full" and self.deep else letter

    def _fitted(self, label: str | None, least: float) -> float:
        """A circle's radius: ``least``, or more where the label needs it."""
        if not label:
            return least
        w, h = text_size(label, self.fs)
        return max(least, math.hypot(w / 2, h / 2) + _LABEL_PAD)

    def factor(self, tid: int, at: Point, p: TensorPlace) -> Node:
        """A CP factor matrix ``A``, ``B`` or ``C``: a circle no larger than the layout allows."""
        least = min(self.g.w_radius, 0.15 * self._scale)
        fits = max(self._fitted(self._layer_label(c, p.layer), least) for c in "ABC")
        r = min(fits, self.g.w_radius)
        label = self._layer_label(p.role, p.layer)
        return Node(tid, *at, "circle", r, label=label, label_size=self.fs)

    def dense_core(self, tid: int, at: Point, p: TensorPlace) -> Node:
        r"""A second-order RNN's core: one order-3 tensor ``\mathcal{A}`` per cell copy."""
        label = self._layer_label("\\mathcal{A}", p.layer)
        room = self.g.column / 2 - 0.04 * self._scale  # a visible bond to the next column
        least = min(self.g.w_radius, 0.15 * self._scale)
        r = min(self._fitted(label, least), max(room, least))
        return Node(tid, *at, "circle", r, label=label, label_size=self.fs)

    @property
    def _scale(self) -> float:
        return self.g.mps_leg / TreeGeometry.mps_leg

    def output(self, tid: int, at: Point, p: TensorPlace) -> Node:
        half = self.g.core_radius if self.is_mps else self.g.wo_size
        label = "W^{O}" if self.mode != "none" else None
        size = max(half, text_size(label, self.fs)[0] / 2 + 0.06) if label else half
        return Node(tid, *at, "box", size, height=half, label=label, label_size=self.fs, fill=LIGHT)
