r"""Render a :class:`~rac_tn.draw.scene.Scene` as TikZ.

The standalone document uses only the ``article`` class and the packages ``tikz`` and
``amsmath`` (Debian's texlive-latex-base and texlive-pictures), and crops the page to the
picture itself, so ``pdflatex fig.tex`` gives a PDF of exactly the figure, the same size as
the matplotlib output. With ``standalone=False`` the bare ``tikzpicture`` is returned for
``\input`` into a paper (which must load ``tikz``; ``amsmath`` is not needed by the picture).

Examples
--------
>>> from rac_tn.draw.scene import Node, Scene
>>> scene = Scene()
>>> _ = scene.add_node(Node("a", 0.0, 0.0, label="W^{O}"))
>>> print(render(scene, standalone=False).splitlines()[2])
\begin{tikzpicture}[x=1cm, y=1cm]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable

from rac_tn.draw._curves import TENSION
from rac_tn.draw.scene import Curve, Edge, Node, Point, Region, Scene, Text
from rac_tn.draw.style import CUT_COLOR, END_COLOR, GREY, INK, LIGHT, START_COLOR, WHITE

# Characters LaTeX treats specially in text, and a few non-ASCII characters our labels use.
_TEXT_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "&": r"\&",
    "#": r"\#",
    "%": r"\%",
    "_": r"\_",
    "^": r"\^{}",
    "~": r"\textasciitilde{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "≤": r"$\leq$",
    "≥": r"$\geq$",
    "×": r"$\times$",
    "·": r"$\cdot$",
    "–": "--",
    "—": "---",
    "…": r"\dots{}",
    "→": r"$\to$",
}


def escape_text(text: str) -> str:
    r"""Escape plain text for LaTeX; other non-ASCII characters become ``?``.

    Parameters
    ----------
    text
        Plain text (a title).

    Returns
    -------
    str
        The text with LaTeX's special characters escaped.

    Examples
    --------
    >>> print(escape_text("50% of {a_b} ≤ $3"))
    50\% of \{a\_b\} $\leq$ \$3
    """
    out = []
    for ch in text:
        if ch in _TEXT_ESCAPES:
            out.append(_TEXT_ESCAPES[ch])
        elif ord(ch) < 128 and (ch.isprintable() or ch == " "):
            out.append(ch)
        elif ch in "\n\t":
            out.append(" ")
        else:
            out.append("?")
    return "".join(out)


def escape_math(text: str) -> str:
    r"""Make a math label safe inside ``$...$``.

    No ``$``, no comment or parameter characters, and balanced braces (an unbalanced label would
    break the whole document).

    Parameters
    ----------
    text
        A math label (without the ``$``).

    Returns
    -------
    str
        The label, escaped where needed.

    Examples
    --------
    >>> print(escape_math("W^{H,1}"), escape_math("a}{b"), escape_math("50%"))
    W^{H,1} a\}\{b 50\%
    """
    text = text.replace("$", r"\$").replace("%", r"\%").replace("#", r"\#")
    text = text.replace("\\text{", "\\textrm{")  # \text needs amsmath; \textrm does not
    text = text.replace("\n", " ")
    depth = 0
    for ch in text:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            break
    if depth != 0:
        text = text.replace("{", r"\{").replace("}", r"\}")
    return text


def _num(value: float) -> str:
    s = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _pt(p: tuple[float, float]) -> str:
    return f"({_num(p[0])},{_num(p[1])})"


#: LaTeX's relative size commands and the size each has in a 10 pt document: labels take the
#: document's own font at the size nearest to the one they were laid out for.
_SIZES = (
    (5.0, r"\tiny"),
    (7.0, r"\scriptsize"),
    (8.0, r"\footnotesize"),
    (9.0, r"\small"),
    (10.0, r"\normalsize"),
    (12.0, r"\large"),
    (14.4, r"\Large"),
    (17.28, r"\LARGE"),
)


def font_command(size: float) -> str:
    r"""Return the LaTeX size command nearest to ``size`` pt (in a 10 pt document).

    Examples
    --------
    >>> font_command(7), font_command(8)
    ('\\scriptsize', '\\footnotesize')
    """
    return min(_SIZES, key=lambda s: abs(s[0] - size))[1]


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


class _Picture:
    """Builds the TikZ source of one scene: styles, named nodes, edges between them."""

    def __init__(self, scene: Scene) -> None:
        self.scene = scene
        self.col = _Colors({**_DEFAULT_COLORS, **scene.meta.get("colors", {})})
        self.names: dict[Hashable, str] = {}
        used: set[str] = set()
        for i, node in enumerate(scene.nodes):
            name = node.name or f"n{i}"
            while name in used:
                name += "x"
            used.add(name)
            self.names[node.key] = name
        # the usual size of each kind of node goes in its style; others are set per node
        self.sizes = {
            kind: _most_common([self._size(n) for n in scene.nodes if _kind(n) == kind], 0.1)
            for kind in ("tensor", "box", "copy", "input", "state")
        }
        self.box_height = _most_common(
            [2 * n.half_height for n in scene.nodes if _kind(n) == "box"], 0.38
        )
        self.font = scene.meta.get("font_size", 7.0)

    @staticmethod
    def _size(node: Node) -> float:
        return 2 * node.size

    def styles(self) -> list[str]:
        c, sz, f = self.col, self.sizes, font_command(self.font)
        ink, grey, light = c(INK), c(GREY), c(LIGHT)
        start, end, cut = (
            c(self.scene.meta.get("colors", {}).get(k, d))
            for k, d in (("racStart", START_COLOR), ("racEnd", END_COLOR), ("racCut", CUT_COLOR))
        )
        shades = self.scene.meta.get("shades", {})
        start_shade = c(shades.get("start", "#D9E5F1"))
        end_shade = c(shades.get("end", "#F7E8D1"))
        dims = sorted({e.width for e in self.scene.edges if not e.highlight})
        lines = [
            "rac/font/.style={font=" + f + "},",
            f"rac/tensor/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0.5pt, minimum size={_num(sz['tensor'])}cm, rac/font}},",
            f"rac/box/.style={{rectangle, rounded corners=0.05cm, draw={ink}, fill=white, "
            f"line width=0.5pt, inner sep=1pt, minimum width={_num(sz['box'])}cm, "
            f"minimum height={_num(self.box_height)}cm, rac/font}},",
            f"rac/output/.style={{rac/box, fill={light}}},",
            f"rac/copy/.style={{circle, fill={ink}, inner sep=0pt, "
            f"minimum size={_num(sz['copy'])}cm}},",
            f"rac/state/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0pt, minimum size={_num(sz['state'])}cm}},",
            f"rac/input/.style={{circle, draw={ink}, fill=white, line width=0.5pt, "
            f"inner sep=0pt, minimum size={_num(sz['input'])}cm}},",
            f"rac/start/.style={{fill={start}, draw={start}}},",
            f"rac/end/.style={{fill={end}, draw={end}}},",
            f"rac/bond/.style={{draw={ink}, line width=0.45pt, line join=round}},",
            "rac/arrow/.style={-stealth},",
            f"rac/label/.style={{rac/font, inner sep=0pt, text={ink}}},",
            "rac/dim label/.style={rac/label},",
            f"rac/degree/.style={{rac/label, text={grey}}},",
            f"rac/cut bond/.style={{draw={cut}, line width=1.4pt}},",
            f"rac/cut node/.style={{draw={cut}, line width=1.1pt}},",
            f"rac/cut copy/.style={{fill={cut}, minimum size={_num(sz['copy'] * 1.5)}cm}},",
            f"rac/cut/.style={{draw={cut}, line width=1pt, dash pattern=on 4pt off 2.5pt, "
            "line cap=round},",
            f"rac/legend/.style={{font={font_command(self.font + 1)}, inner sep=0pt, text={cut}}},",
            f"rac/start side/.style={{fill={start_shade}}},",
            f"rac/end side/.style={{fill={end_shade}}},",
            f"rac/outline/.style={{smooth cycle, tension={_num(TENSION)}}},",
        ]
        for w in dims:
            lines.append(f"rac/width {_num(w)}/.style={{line width={_num(w)}pt}},")
        return ["\\tikzset{", *("  " + line for line in lines), "}"]

    # -- nodes --------------------------------------------------------------------------------

    def node(self, node: Node) -> str:
        name = self.names[node.key]
        if node.shape == "none":
            return f"\\coordinate ({name}) at {_pt((node.x, node.y))};"
        kind = _kind(node)
        opts = [_STYLE_OF_KIND[kind]]
        if kind == "box" and node.fill.upper() == LIGHT:
            opts = ["rac/output"]
        if abs(self._size(node) - self.sizes[kind]) > 1e-3:
            key = "minimum width" if kind == "box" else "minimum size"
            opts.append(f"{key}={_num(self._size(node))}cm")
        if kind == "box" and abs(2 * node.half_height - self.box_height) > 1e-3:
            opts.append(f"minimum height={_num(2 * node.half_height)}cm")
        opts += self._paint(node, kind)
        label = f"${escape_math(node.label)}$" if node.label else ""
        if node.label and abs(node.label_size - self.font) > 0.01:
            opts.append(f"font={font_command(node.label_size)}")
        return f"\\node[{', '.join(opts)}] ({name}) at {_pt((node.x, node.y))} {{{label}}};"

    def _paint(self, node: Node, kind: str) -> list[str]:
        c = self.col
        colors = self.scene.meta.get("colors", {})
        start = colors.get("racStart", START_COLOR).upper()
        end = colors.get("racEnd", END_COLOR).upper()
        out = []
        fill, stroke = node.fill.upper(), node.stroke.upper()
        if node.highlight and kind == "copy":
            return ["rac/cut copy"]
        if fill == stroke == start:
            out.append("rac/start")
        elif fill == stroke == end:
            out.append("rac/end")
        else:
            default_fill = INK if kind == "copy" else (LIGHT if "rac/output" in out else WHITE)
            if fill not in (default_fill.upper(), LIGHT.upper()):
                out.append(f"fill={c(fill)}")
            if node.highlight:
                out.append("rac/cut node")
            elif kind != "copy" and stroke != INK.upper():
                out.append(f"draw={c(stroke)}")
        if node.highlight and kind != "copy" and "rac/cut node" not in out:
            out.append("rac/cut node")
        return out

    # -- edges --------------------------------------------------------------------------------

    def edge(self, edge: Edge) -> str:
        opts = ["rac/cut bond" if edge.highlight else "rac/bond"]
        if not edge.highlight:
            opts.append(f"rac/width {_num(edge.width)}")
            if edge.color.upper() != INK.upper():
                opts.append(f"draw={self.col(edge.color)}")
        if edge.arrow:
            opts.append("rac/arrow")
        if edge.dashed:
            opts.append("dashed")
        pts = [_pt(p) for p in edge.points]
        for i, key in ((0, edge.ends[0]), (-1, edge.ends[1])):
            if key is not None and key in self.names:
                pts[i] = f"({self.names[key]})"
        return f"\\draw[{', '.join(opts)}] " + " -- ".join(pts) + ";"

    def edge_label(self, edge: Edge) -> str:
        opts = ["rac/dim label"]
        if edge.color.upper() != INK.upper():
            opts.append(f"text={self.col(edge.color)}")
        return (
            f"\\node[{', '.join(opts)}] at {_pt(edge.label_pos)} {{${escape_math(edge.label)}$}};"
        )

    # -- regions, curves, texts ---------------------------------------------------------------

    def region(self, region: Region) -> str:
        opts = [f"rac/{region.side} side"] if region.side else [f"fill={self.col(region.fill)}"]
        if len(region.rings) > 1:
            opts.append("even odd rule")
        if region.alpha < 1:
            opts.append(f"fill opacity={_num(region.alpha)}")
        return f"\\fill[{', '.join(opts)}]" + self._rings(region.rings, region.smooth) + ";"

    def _rings(self, rings: list[list[Point]], smooth: bool) -> str:
        out = []
        for ring in rings:
            coords = " ".join(_pt(p) for p in ring)
            if smooth:
                out.append(f"\n    plot[rac/outline] coordinates {{{coords}}}")
            else:
                out.append("\n    " + " -- ".join(_pt(p) for p in ring) + " -- cycle")
        return "".join(out)

    def curve(self, curve: Curve) -> str:
        opts = ["rac/cut"]
        if curve.color.upper() != self.col.used.get("racCut", CUT_COLOR).upper():
            opts.append(f"draw={self.col(curve.color)}")
        if not curve.dashed:
            opts.append("solid")
        if curve.closed:
            return f"\\draw[{', '.join(opts)}]" + self._rings([curve.points], curve.smooth) + ";"
        return f"\\draw[{', '.join(opts)}] " + " -- ".join(_pt(p) for p in curve.points) + ";"

    def text(self, text: Text) -> str:
        content = f"${escape_math(text.text)}$" if text.math else escape_text(text.text)
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
        return f"\\node[{', '.join(opts)}] at {_pt((text.x, text.y))} {{{content}}};"


#: The style of each kind of node.
_STYLE_OF_KIND = {
    "tensor": "rac/tensor",
    "box": "rac/box",
    "copy": "rac/copy",
    "input": "rac/input",
    "state": "rac/state",
}

#: How the blocks of nodes are introduced, by role.
_ROLE_COMMENTS = {
    "WH": "W^H tensors (recurrent weights)",
    "WI": "W^I tensors (input weights)",
    "DELTA": "COPY tensors (the products of Multiplicative Integration), as dots",
    "H0": "initial states h^{l,0}",
    "WO": "the output weights W^O",
    "CORE": "MPS cores G_t",
    "hyperedge": "input hyperedges (every copy of x_t joined to one dot)",
    "terminal": "open input legs and the class leg",
    "input": "inputs x_t",
    "cell": "cells h^{l,t} of the computation grid",
    "fanout": "fan-out points (a hidden state feeding two cells)",
    "output": "the output y",
}


def _kind(node: Node) -> str:
    """The style a node takes: tensor circle, box, COPY dot, input dot or state circle."""
    if node.shape == "box":
        return "box"
    if node.shape == "dot":
        return "copy" if node.role in ("DELTA", "fanout") else "input"
    if node.role == "H0":
        return "state"
    if node.role == "input":
        return "input"
    return "tensor"


def picture(scene: Scene) -> str:
    r"""Return the ``tikzpicture`` environment of ``scene``.

    The picture defines its colours and, in one ``\tikzset``, a style for every kind of
    element (``rac/tensor``, ``rac/copy``, ``rac/input``, ``rac/bond``, ``rac/cut``,
    ``rac/start side``, ...): edit a style to restyle the whole figure. Nodes are named
    (``h-2-3``, ``WH-1-2``, ``x-3``) and edges drawn between the names; shaded sides and the
    cut are smooth closed curves through a few points; node sizes are minimum sizes that
    LaTeX enlarges to fit its own typesetting of the labels, in the document's font.

    Parameters
    ----------
    scene
        What to draw.

    Returns
    -------
    str
        ``\begin{tikzpicture} ... \end{tikzpicture}``.

    Examples
    --------
    >>> from rac_tn.draw.scene import Node
    >>> scene = Scene()
    >>> _ = scene.add_node(Node("a", 0.0, 0.0, "dot", 0.1, role="DELTA", name="c", fill=INK))
    >>> [line.strip() for line in picture(scene).splitlines() if "(c)" in line]
    ['\\node[rac/copy] (c) at (0,0) {};']
    """
    pic = _Picture(scene)
    x0, y0, x1, y1 = scene.bbox()
    body: list[str] = []

    def block(comment: str, lines: list[str]) -> None:
        if lines:
            body.append(f"% {comment}")
            body.extend(lines)

    body.append(f"\\useasboundingbox {_pt((x0, y0))} rectangle {_pt((x1, y1))};")
    block("Shaded sides of the cut (under everything)", [pic.region(r) for r in scene.regions])
    roles: dict[str, list[Node]] = {}
    for node in scene.nodes:
        roles.setdefault(node.role, []).append(node)
    for role, nodes in roles.items():
        block(_ROLE_COMMENTS.get(role, f"{role} nodes"), [pic.node(n) for n in nodes])
    block(
        "Bonds, legs and wires (between node names; width grows with log dim)",
        [pic.edge(e) for e in scene.edges if not e.highlight],
    )
    block("Bonds the cut crosses", [pic.edge(e) for e in scene.edges if e.highlight])
    block(
        "Dimension labels",
        [pic.edge_label(e) for e in scene.edges if e.label and e.label_pos is not None],
    )
    closed = [c for c in scene.curves if c.closed]
    block(
        "The cut: a closed curve around each piece of its upstream side",
        [pic.curve(c) for c in closed],
    )
    labels = [t for t in scene.texts if t.role not in ("legend", "title")]
    block("Labels", [pic.text(t) for t in labels])
    legend = [pic.curve(c) for c in scene.curves if not c.closed]
    legend += [pic.text(t) for t in scene.texts if t.role in ("legend", "title")]
    block("Legend and title", legend)
    styles = pic.styles()  # (names the colours the styles use)
    lines = ["\\begin{tikzpicture}[x=1cm, y=1cm]"]
    lines += ["  % Colours (change them here)"]
    lines += ["  " + d for d in pic.col.definitions()]
    lines += ["  % Styles of every kind of element (edit one to restyle the whole figure)"]
    lines += ["  " + s for s in styles]
    lines += ["  " + b for b in body]
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)


_PREAMBLE = r"""\documentclass{article}
% Written by rac_tn. Needs only tikz and amsmath (texlive-latex-base, texlive-pictures);
% the page is cropped to the picture, so `pdflatex` gives the figure itself.
\usepackage{tikz}
\usepackage{amsmath}
\pagestyle{empty}
\begin{document}
\newsavebox{\racTNbox}%
\sbox{\racTNbox}{%
"""

_CLOSING = r"""}%
\ifdefined\pdfpagewidth
  \pdfpagewidth=\wd\racTNbox
  \pdfpageheight=\dimexpr\ht\racTNbox+\dp\racTNbox\relax
\else
  \pagewidth=\wd\racTNbox
  \pageheight=\dimexpr\ht\racTNbox+\dp\racTNbox\relax
\fi
\ifdefined\pdfhorigin
  \pdfhorigin=0pt \pdfvorigin=0pt \hoffset=0pt \voffset=0pt
\else
  \hoffset=-1in \voffset=-1in
\fi
\shipout\box\racTNbox
\end{document}
"""


def render(scene: Scene, *, standalone: bool = True) -> str:
    """Return the TikZ source of ``scene``: a compilable document, or the bare picture.

    Parameters
    ----------
    scene
        What to draw.
    standalone
        True: a document that ``pdflatex`` compiles into a PDF cropped to the figure; False:
        the bare ``tikzpicture`` (after a comment saying it needs tikz).

    Returns
    -------
    str
        The LaTeX source.

    Examples
    --------
    >>> tex = render(scene)                      # doctest: +SKIP
    >>> Path("fig.tex").write_text(tex)          # then: pdflatex fig.tex   # doctest: +SKIP
    """
    pic = describe(scene) + picture(scene)
    if not standalone:
        return (
            "% Needs \\usepackage{tikz} (and nothing else); \\input it into a figure.\n"
            + pic
            + "\n"
        )
    return _PREAMBLE + pic + "%\n" + _CLOSING


def describe(scene: Scene) -> str:
    r"""Return comment lines saying what the figure shows (view, depth, T, cut).

    Examples
    --------
    >>> print(describe(Scene(meta={"view": "grid", "L": 2, "T": 4})))
    % rac_tn figure: the computation grid of a depth-2 RAC over T = 4 steps.
    <BLANKLINE>
    """
    meta = scene.meta
    if "view" not in meta:
        return "% rac_tn figure.\n"
    what = "the computation grid" if meta["view"] == "grid" else "the tensor network"
    if meta.get("kind") == "mps":
        what = "the tensor network (an MPS)"
    elif meta.get("kind") == "tree":
        what = "the tensor network (the copy tree)"
    line = f"% rac_tn figure: {what} of a depth-{meta.get('L')} RAC over T = {meta.get('T')} steps"
    cut = meta.get("cut")
    if cut is not None:
        line += f",\n% with the {cut.method} bound on the {cut.quantity}: {cut.value}"
    return line + ".\n"
