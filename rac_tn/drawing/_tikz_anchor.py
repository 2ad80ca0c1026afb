r"""Points of a TikZ picture written relative to named nodes, so that an author can move a node.

Only the nodes are placed at numbers. A label is written as an offset from the node it labels
(``($(x-1)+(0,-0.1)$)``, the ``calc`` library), a point near an edge from the edge's two ends
(``($(a)!0.3!(b)+(0.1,0)$)``), a point of the cut or of the shading from the node it goes
round, and a text of no node (legend, title, note) from the *frame*: the bounding box, whose
corners are offsets from the box of the node centres (``frame-sw``, ``frame-ne``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence

from rac_tn.drawing._tikz_text import num, pt
from rac_tn.drawing.scene import Point, Scene

__all__ = ["FRAME_POINTS", "RESERVED", "Anchors"]

#: The named points of the frame a free text or curve may be placed from.
FRAME_POINTS = ("frame-sw", "frame-se", "frame-nw", "frame-ne", "frame-n", "frame-s")

#: Every name the frame defines (no node may take one).
RESERVED = (*FRAME_POINTS, "centres-sw", "centres-ne")


def _offset(base: Point, p: Point) -> str:
    """``+(dx,dy)`` from ``base`` to ``p``, or nothing when they coincide at the shown precision."""
    dx, dy = num(p[0] - base[0]), num(p[1] - base[1])
    return "" if dx == dy == "0" else f"+({dx},{dy})"


class Anchors:
    """Writes the points of one scene relative to its named nodes and to its frame."""

    def __init__(self, scene: Scene, names: dict[Hashable, str]) -> None:
        self.names = names
        # the positions the picture gives the nodes (rounded as written), so offsets add up
        self.pos: dict[Hashable, Point] = {
            n.key: (float(num(n.x)), float(num(n.y))) for n in scene.nodes
        }
        x0, y0, x1, y1 = scene.bbox()
        self.box = (x0, y0, x1, y1)
        self.frame: dict[str, Point] = {
            "frame-sw": (x0, y0),
            "frame-se": (x1, y0),
            "frame-nw": (x0, y1),
            "frame-ne": (x1, y1),
            "frame-n": ((x0 + x1) / 2, y1),
            "frame-s": ((x0 + x1) / 2, y0),
        }

    def frame_lines(self) -> list[str]:
        r"""The lines that measure the box of the node centres and set the frame from it.

        They reset the bounding box, trace the centres of every node, and name the corners
        of the box they span: a node moved outward widens the frame by as much.
        """
        x0, y0, x1, y1 = self.box
        if not self.pos:  # no node to measure from: the frame is all there is
            corners = [
                f"\\coordinate (frame-sw) at {pt((x0, y0))};",
                f"\\coordinate (frame-ne) at {pt((x1, y1))};",
            ]
        else:
            xs = [p[0] for p in self.pos.values()]
            ys = [p[1] for p in self.pos.values()]
            centres = [f"({self.names[k]}.center)" for k in self.pos]
            rows = [" ".join(centres[i : i + 8]) for i in range(0, len(centres), 8)]
            sw = _offset((min(xs), min(ys)), (x0, y0))
            ne = _offset((max(xs), max(ys)), (x1, y1))
            corners = [
                "\\pgfresetboundingbox",
                "\\path " + "\n    ".join(rows) + ";",
                "\\coordinate (centres-sw) at (current bounding box.south west);",
                "\\coordinate (centres-ne) at (current bounding box.north east);",
                f"\\coordinate (frame-sw) at ($(centres-sw){sw}$);",
                f"\\coordinate (frame-ne) at ($(centres-ne){ne}$);",
            ]
        return [
            *corners,
            "\\coordinate (frame-nw) at (frame-sw |- frame-ne);",
            "\\coordinate (frame-se) at (frame-ne |- frame-sw);",
            "\\coordinate (frame-n) at ($(frame-nw)!0.5!(frame-ne)$);",
            "\\coordinate (frame-s) at ($(frame-sw)!0.5!(frame-se)$);",
        ]

    def known(self, keys: Iterable[Hashable | None]) -> list[Hashable]:
        """The keys among ``keys`` that are named nodes of the picture, without repeats."""
        out: list[Hashable] = []
        for k in keys:
            if k is not None and k in self.names and k not in out:
                out.append(k)
        return out

    def nearest(self, p: Point, keys: Sequence[Hashable] | None = None) -> Hashable | None:
        """The node among ``keys`` (default: all) nearest to ``p``, or None if there is none."""
        keys = list(self.pos) if keys is None else self.known(keys)
        if not keys:
            return None
        return min(keys, key=lambda k: math.dist(self.pos[k], p))

    def at(self, p: Point, keys: Sequence[Hashable | None] = ()) -> str:
        """The TikZ coordinate of ``p``: from one node, between two, or from the frame."""
        known = self.known(keys)
        if len(known) >= 2:
            a, b = known[0], known[1]
            (ax, ay), (bx, by) = self.pos[a], self.pos[b]
            length2 = (bx - ax) ** 2 + (by - ay) ** 2
            if length2 > 1e-9:
                s = ((p[0] - ax) * (bx - ax) + (p[1] - ay) * (by - ay)) / length2
                s = min(max(s, 0.0), 1.0)
                s = float(num(s))
                base = (ax + s * (bx - ax), ay + s * (by - ay))
                if s in (0.0, 1.0):
                    return self.at(p, [a if s == 0.0 else b])
                mid = f"({self.names[a]})!{num(s)}!({self.names[b]})"
                return f"(${mid}{_offset(base, p)}$)"
            known = known[:1]
        if known:
            key = known[0]
            return self._from(self.names[key], self.pos[key], p)
        name = min(self.frame, key=lambda n: math.dist(self.frame[n], p))
        return self._from(name, self.frame[name], p)

    def near(self, p: Point, keys: Sequence[Hashable | None] = ()) -> str:
        """The coordinate of ``p`` from the nearest of ``keys`` (or of all nodes, if none is)."""
        key = self.nearest(p, self.known(keys) or None)
        return self.at(p, [key] if key is not None else [])

    @staticmethod
    def _from(name: str, base: Point, p: Point) -> str:
        off = _offset(base, p)
        return f"($({name}){off}$)" if off else f"({name})"
