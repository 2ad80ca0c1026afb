r"""The TikZ emitter: one line of TikZ per scene primitive, with the styles they share."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable

from rac_tn.drawing._curves import TENSION
from rac_tn.drawing._tikz_anchor import RESERVED, Anchors
from rac_tn.drawing._tikz_text import escape_inline, escape_math, escape_text, font_command, num, pt
from rac_tn.drawing.scene import Curve, Edge, Node, Point, Region, Scene, Text
from rac_tn.drawing.style import (
    CUT_COLOR,
    END_COLOR,
    GREY,
    INK,
    LIGHT,
    START_COLOR,
    WHITE,
    Style,
)

__all__ = ["Picture", "node_kind"]


_ANCHORS = {
    ("center", "center"): "center",
    ("left", "center"): "west",
    ("right", "center"): "east",
    ("center", "top"): "north",
    ("center", "bottom"): "south",
    ("left", "top"): "north west",
    ("right", "top"): "north east",
    ("left", "bottom"): "south west",
    ("right", "bottom"): "south east",
}

#: What the scene's colours are called in the picture (see ``scene.meta['colors']``).
_DEFAULT_COLORS = {
    "racInk": INK,
    "racGrey": GREY,
    "racLight": LIGHT,
    "racStart": START_COLOR,
    "racEnd": END_COLOR,
    "racCut": CUT_COLOR,
}


class _Colors:
    """Names for the ``#RRGGBB`` colours a picture uses: semantic ones, then ``racColor1``..."""

    def __init__(self, named: dict[str, str]) -> None:
        self.names: dict[str, str] = {}
        self.used: dict[str, str] = {}
        for name, color in named.items():
            self.names.setdefault(color.upper(), name)

    def __call__(self, color: str) -> str:
        color = color.upper()
        if color == "#FFFFFF":
            return "white"
        if color not in self.names:
            self.names[color] = f"racColor{len(self.names) + 1}"
        name = self.names[color]
        self.used[name] = color
        return name

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{n}}}{{HTML}}{{{c[1:]}}}" for n, c in self.used.items()]


def _most_common(values: list[float], default: float) -> float:
    return Counter(round(v, 3) for v in values).most_common(1)[0][0] if values else default


#: The name of a text's TikZ node is this prefix (by the text's role), then the node it labels.
_TEXT_PREFIX = {"degree": "degree", "cut factor": "factor", "index": "index"}


class Picture:
    """Builds the TikZ source of one scene: styles, named nodes, edges between them.

    Every point but a node's position is written relative to named nodes (see ``Anchors``).
    """

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.col = _Colors({**_DEFAULT_COLORS, **scene.meta.get("colors", {})})
        self.names: dict[Hashable, str] = {}
        self.used: set[str] = set(RESERVED)
        for i, node in enumerate(scene.nodes):
            self.names[node.key] = self.fresh(node.name or f"n{i}")
        self.anchors = Anchors(scene, self.names)
        # the usual size of each kind of node goes in its style; others are set per node
        self.sizes = {
            kind: _most_common([self._size(n) for n in scene.nodes if node_kind(n) == kind], 0.1)
            for kind in ("tensor", "box", "copy", "input", "state", "diamond")
        }
        self.box_height = _most_common(
            [2 * n.half_height for n in scene.nodes if node_kind(n) == "box"], 0.38
        )
        self.font = scene.meta.get("font_size", 7.0)

    def fresh(self, name: str) -> str:
        """``name``, or ``name`` with ``x`` appended until no node or coordinate has it."""
        while name in self.used:
            name += "x"
        self.used.add(name)
        return name

    @staticmethod
    def _size(node: Node) -> float:
        # a diamond is a square turned by 45 degrees: its side is sqrt(2) x its half-diagonal
        return math.sqrt(2) * node.size if node.shape == "diamond" else 2 * node.size

    def styles(self) -> list[str]:
        c, sz, f = self.col, self.sizes, font_command(self.font)
        ink, grey, light = c(INK), c(GREY), c(LIGHT)
        start, end, cut = (
            c(self.scene.meta.get("colors", {}).get(k, d))
            for k, d in (("racStart", START_COLOR), ("racEnd", END_COLOR), ("racCut", CUT_COLOR))
        )
        shades = self.scene.meta.get("shades", {})
        start_shade = c(shades.get("start", Style().side_shade("start")))
        end_shade = c(shades.get("end", Style().side_shade("end")))
        dims = sorted({e.width for e in self.scene.edges if not e.highlight})
        lines = [
            "rac/font/.style={font=" + f + "},",
            f"rac/tensor/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0.5pt, minimum size={num(sz['tensor'])}cm, rac/font}},",
            f"rac/box/.style={{rectangle, rounded corners=0.05cm, draw={ink}, fill=white, "
            f"line width=0.5pt, inner sep=1pt, minimum width={num(sz['box'])}cm, "
            f"minimum height={num(self.box_height)}cm, rac/font}},",
            f"rac/output/.style={{rac/box, fill={light}}},",
            f"rac/copy/.style={{circle, fill={ink}, inner sep=0pt, "
            f"minimum size={num(sz['copy'])}cm}},",
            f"rac/state/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0pt, minimum size={num(sz['state'])}cm}},",
            f"rac/input/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0pt, minimum size={num(sz['input'])}cm}},",
            f"rac/start/.style={{fill={start}, draw={start}}},",
            f"rac/end/.style={{fill={end}, draw={end}}},",
            f"rac/bond/.style={{draw={ink}, line width=0.45pt, line join=round}},",
            "rac/arrow/.style={-stealth},",
            f"rac/label/.style={{rac/font, inner sep=0pt, text={ink}}},",
            "rac/dim label/.style={rac/label},",
            f"rac/degree/.style={{rac/label, text={grey}}},",
            f"rac/cut bond/.style={{draw={cut}, line width=1.4pt}},",
            f"rac/cut node/.style={{draw={cut}, line width=1.1pt}},",
            f"rac/cut copy/.style={{fill={cut}, minimum size={num(sz['copy'] * 1.5)}cm}},",
            f"rac/cut/.style={{draw={cut}, line width=1pt, dash pattern=on 4pt off 2.5pt, "
            "line cap=round},",
            f"rac/legend/.style={{font={font_command(self.font + 1)}, inner sep=0pt, text={cut}}},",
            f"rac/start side/.style={{fill={start_shade}}},",
            f"rac/end side/.style={{fill={end_shade}}},",
            f"rac/outline/.style={{smooth cycle, tension={num(TENSION)}}},",
        ]
        if any(node_kind(n) == "diamond" for n in self.scene.nodes):  # a model family's CP core
            lines += [
                f"rac/diamond/.style={{rectangle, rotate=45, fill={ink}, inner sep=0pt, "
                f"minimum size={num(sz['diamond'])}cm}},",
                f"rac/cut diamond/.style={{fill={cut}, "
                f"minimum size={num(sz['diamond'] * 1.5)}cm}},",
            ]
        for w in dims:
            lines.append(f"rac/width {num(w)}/.style={{line width={num(w)}pt}},")
        return ["\\tikzset{", *("  " + line for line in lines), "}"]

    # -- nodes --------------------------------------------------------------------------------

    def node(self, node: Node) -> str:
        name = self.names[node.key]
        if node.shape == "none":
            return f"\\coordinate ({name}) at {pt((node.x, node.y))};"
        kind = node_kind(node)
        opts = [_STYLE_OF_KIND[kind]]
        if kind == "box" and node.fill.upper() == LIGHT:
            opts = ["rac/output"]
        if abs(self._size(node) - self.sizes[kind]) > 1e-3:
            key = "minimum width" if kind == "box" else "minimum size"
            opts.append(f"{key}={num(self._size(node))}cm")
        if kind == "box" and abs(2 * node.half_height - self.box_height) > 1e-3:
            opts.append(f"minimum height={num(2 * node.half_height)}cm")
        opts += self._paint(node, kind)
        label = f"${escape_math(node.label)}$" if node.label else ""
        if node.label and abs(node.label_size - self.font) > 0.01:
            opts.append(f"font={font_command(node.label_size)}")
        return f"\\node[{', '.join(opts)}] ({name}) at {pt((node.x, node.y))} {{{label}}};"

    def _paint(self, node: Node, kind: str) -> list[str]:
        c = self.col
        colors = self.scene.meta.get("colors", {})
        start = colors.get("racStart", START_COLOR).upper()
        end = colors.get("racEnd", END_COLOR).upper()
        out = []
        fill, stroke = node.fill.upper(), node.stroke.upper()
        if node.highlight and kind in ("copy", "diamond"):
            return [f"rac/cut {kind}"]
        if fill == stroke == start:
            out.append("rac/start")
        elif fill == stroke == end:
            out.append("rac/end")
        else:
            default_fill = (
                INK if kind in ("copy", "diamond") else (LIGHT if "rac/output" in out else WHITE)
            )
            if fill not in (default_fill.upper(), LIGHT.upper()):
                out.append(f"fill={c(fill)}")
            if node.highlight:
                out.append("rac/cut node")
            elif kind not in ("copy", "diamond") and stroke != INK.upper():
                out.append(f"draw={c(stroke)}")
        if node.highlight and kind not in ("copy", "diamond") and "rac/cut node" not in out:
            out.append("rac/cut node")
        return out

    # -- edges --------------------------------------------------------------------------------

    def edge(self, edge: Edge) -> str:
        opts = ["rac/cut bond" if edge.highlight else "rac/bond"]
        if not edge.highlight:
            opts.append(f"rac/width {num(edge.width)}")
            if edge.color.upper() != INK.upper():
                opts.append(f"draw={self.col(edge.color)}")
        if edge.arrow:
            opts.append("rac/arrow")
        if edge.dashed:
            opts.append("dashed")
        # bends and free ends go with the nearer end (or the nearest node)
        pts = [self.anchors.near(p, edge.ends) for p in edge.points]
        for i, key in ((0, edge.ends[0]), (-1, edge.ends[1])):
            if key is not None and key in self.names:
                pts[i] = f"({self.names[key]})"
        return f"\\draw[{', '.join(opts)}] " + " -- ".join(pts) + ";"

    def edge_label(self, edge: Edge) -> str:
        assert edge.label is not None and edge.label_pos is not None  # only placed labels
        opts = ["rac/dim label"]
        if edge.color.upper() != INK.upper():
            opts.append(f"text={self.col(edge.color)}")
        at = self.anchors.at(edge.label_pos, edge.ends)  # between the edge's two ends
        return f"\\node[{', '.join(opts)}] at {at} {{${escape_math(edge.label)}$}};"

    # -- regions, curves, texts ---------------------------------------------------------------

    def region(self, region: Region, index: int) -> list[str]:
        r"""The ``\coordinate`` lines of a shaded region's outline, then its ``\fill``."""
        opts = [f"rac/{region.side} side"] if region.side else [f"fill={self.col(region.fill)}"]
        if len(region.rings) > 1:
            opts.append("even odd rule")
        if region.alpha < 1:
            opts.append(f"fill opacity={num(region.alpha)}")
        prefix = region.side or f"shade{index}"
        lines, rings = [], []
        for k, ring in enumerate(region.rings, 1):
            keys = region.anchors[k - 1] if region.anchors else None
            coords, names = self._points(f"{prefix}-{k}", ring, keys)
            lines += coords
            rings.append(names)
        return [*lines, f"\\fill[{', '.join(opts)}]" + self._rings(rings, region.smooth) + ";"]

    def _points(
        self, prefix: str, points: list[Point], keys: list[Hashable] | None
    ) -> tuple[list[str], list[str]]:
        """Named coordinates of ``points``, each from its node: their lines and their names."""
        lines, names = [], []
        for i, p in enumerate(points, 1):
            name = self.fresh(f"{prefix}-{i}")
            at = self.anchors.at(p, [keys[i - 1]]) if keys else self.anchors.near(p)
            lines.append(f"\\coordinate ({name}) at {at};")
            names.append(f"({name})")
        return lines, names

    def _rings(self, rings: list[list[str]], smooth: bool) -> str:
        out = []
        for ring in rings:
            if smooth:
                out.append(f"\n    plot[rac/outline] coordinates {{{' '.join(ring)}}}")
            else:
                out.append("\n    " + " -- ".join(ring) + " -- cycle")
        return "".join(out)

    def curve(self, curve: Curve, index: int) -> list[str]:
        """A closed curve's coordinates (each from the node it goes round), then the curve."""
        opts = ["rac/cut"]
        if curve.color.upper() != self.col.used.get("racCut", CUT_COLOR).upper():
            opts.append(f"draw={self.col(curve.color)}")
        if not curve.dashed:
            opts.append("solid")
        if curve.closed:
            lines, names = self._points(f"cut-{index}", curve.points, curve.anchors)
            return [*lines, f"\\draw[{', '.join(opts)}]" + self._rings([names], curve.smooth) + ";"]
        if curve.anchors:
            pts = [
                self.anchors.at(p, [k]) for p, k in zip(curve.points, curve.anchors, strict=True)
            ]
        else:
            pts = [self.anchors.at(p) for p in curve.points]
        return [f"\\draw[{', '.join(opts)}] " + " -- ".join(pts) + ";"]

    def text(self, text: Text) -> str:
        if text.math == "inline":
            content = escape_inline(text.text)
        elif text.math:
            content = f"${escape_math(text.text)}$"
        else:
            content = escape_text(text.text)
        style = {"degree": "rac/degree", "legend": "rac/legend"}.get(text.role, "rac/label")
        opts = [style]
        anchor = _ANCHORS.get((text.ha, text.va), "center")
        if anchor != "center":
            opts.append(f"anchor={anchor}")
        default = {"rac/degree": GREY, "rac/legend": None}.get(style, INK)
        if default is not None and text.color.upper() != default.upper():
            opts.append(f"text={self.col(text.color)}")
        expected = self.font + 1 if style == "rac/legend" else self.font
        if abs(text.size - expected) > 0.01:
            opts.append(f"font={font_command(text.size)}")
        keys = text.anchors or (text.owner,)
        anchor_key = next(iter(self.anchors.known(keys)), None)
        if anchor_key is not None:
            base = self.names[anchor_key]
            name = self.fresh(f"{_TEXT_PREFIX.get(text.role, 'label')}-{base}")
        else:
            name = self.fresh(text.role or "text")
        at = self.anchors.at((text.x, text.y), keys)
        return f"\\node[{', '.join(opts)}] ({name}) at {at} {{{content}}};"


#: The style of each kind of node.
_STYLE_OF_KIND = {
    "tensor": "rac/tensor",
    "box": "rac/box",
    "copy": "rac/copy",
    "input": "rac/input",
    "state": "rac/state",
    "diamond": "rac/diamond",
}


def node_kind(node: Node) -> str:
    """The style a node takes: tensor circle, box, COPY dot or diamond, input dot or state."""
    if node.shape == "box":
        return "box"
    if node.shape == "diamond":
        return "diamond"
    if node.shape == "dot":
        return "copy" if node.role in ("DELTA", "fanout") else "input"
    if node.role == "H0":
        return "state"
    if node.role == "input":
        return "input"
    return "tensor"
