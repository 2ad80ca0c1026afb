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
>>> print(render(scene, standalone=False).splitlines()[1])
\begin{tikzpicture}[x=1cm, y=1cm, inner sep=0pt, outer sep=0pt]
"""

from __future__ import annotations

from rac_tn.draw.scene import Curve, Edge, Node, Region, Scene, Text, arrow_head, arrow_size

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


def _font(size: float) -> str:
    return f"\\fontsize{{{_num(size)}}}{{{_num(1.2 * size)}}}\\selectfont"


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


class _Colors:
    """Names ``racTNc0, racTNc1, ...`` for the ``#RRGGBB`` colours a picture uses."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, color: str) -> str:
        color = color.upper()
        if color not in self.names:
            self.names[color] = f"racTNc{len(self.names)}"
        return self.names[color]

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{n}}}{{HTML}}{{{c[1:]}}}" for c, n in self.names.items()]


def picture(scene: Scene) -> str:
    r"""Return the ``tikzpicture`` environment of ``scene``.

    Parameters
    ----------
    scene
        What to draw.

    Returns
    -------
    str
        ``\begin{tikzpicture} ... \end{tikzpicture}``, with its colour definitions inside.

    Examples
    --------
    >>> from rac_tn.draw.scene import Node
    >>> scene = Scene()
    >>> _ = scene.add_node(Node("a", 0.0, 0.0, shape="dot", size=0.1))
    >>> print(picture(scene).splitlines()[4])
      \filldraw[fill=racTNc0, draw=racTNc1, line width=0.5pt] (0,0) circle[radius=0.1];
    """
    col = _Colors()
    x0, y0, x1, y1 = scene.bbox()
    body = [f"\\useasboundingbox {_pt((x0, y0))} rectangle {_pt((x1, y1))};"]
    body += [_region(region, col) for region in scene.regions]
    for edge in sorted(scene.edges, key=lambda e: e.highlight):
        body += _edge(edge, col)
    body += [
        _edge_label(edge, col) for edge in scene.edges if edge.label and edge.label_pos is not None
    ]
    body += [_curve(curve, col) for curve in scene.curves]
    for node in scene.nodes:
        body += _node(node, col)
    body += [_text(text, col) for text in scene.texts]
    lines = ["\\begin{tikzpicture}[x=1cm, y=1cm, inner sep=0pt, outer sep=0pt]"]
    lines += ["  " + d for d in col.definitions()]
    lines += ["  " + b for b in body]
    lines.append("\\end{tikzpicture}")
    return "\n".join(lines)


def _region(region: Region, col: _Colors) -> str:
    rings = " ".join(" -- ".join(_pt(p) for p in ring) + " -- cycle" for ring in region.rings)
    opacity = f", fill opacity={_num(region.alpha)}" if region.alpha < 1 else ""
    return f"\\fill[{col(region.fill)}, even odd rule{opacity}] {rings};"


def _edge(edge: Edge, col: _Colors) -> list[str]:
    """Return the polyline of ``edge`` and its arrowhead (the line stops at the head's base)."""
    pts = list(edge.points)
    head = None
    if edge.arrow and len(pts) >= 2:
        head = arrow_head(pts[-2], pts[-1], *arrow_size(edge.width))
        pts[-1] = ((head[1][0] + head[2][0]) / 2, (head[1][1] + head[2][1]) / 2)
    dash = ", dash pattern=on 3pt off 2pt" if edge.dashed else ""
    out = [
        f"\\draw[{col(edge.color)}, line width={_num(edge.width)}pt, line join=round{dash}] "
        + " -- ".join(_pt(p) for p in pts)
        + ";"
    ]
    if head is not None:
        out.append(f"\\fill[{col(edge.color)}] " + " -- ".join(_pt(p) for p in head) + " -- cycle;")
    return out


def _edge_label(edge: Edge, col: _Colors) -> str:
    return (
        f"\\node[text={col(edge.color)}, font={_font(edge.label_size)}] at "
        f"{_pt(edge.label_pos)} {{${escape_math(edge.label)}$}};"
    )


def _curve(curve: Curve, col: _Colors) -> str:
    dash = ", dash pattern=on 4pt off 2.5pt, line cap=round" if curve.dashed else ""
    return (
        f"\\draw[{col(curve.color)}, line width={_num(curve.width)}pt, line join=round{dash}] "
        + " -- ".join(_pt(p) for p in curve.points)
        + ";"
    )


def _node(node: Node, col: _Colors) -> list[str]:
    """Return the outline of ``node`` and its label."""
    if node.shape == "none":
        return []
    style = f"fill={col(node.fill)}, draw={col(node.stroke)}, line width={_num(node.linewidth)}pt"
    if node.shape in ("circle", "dot"):
        out = [f"\\filldraw[{style}] {_pt((node.x, node.y))} circle[radius={_num(node.size)}];"]
    elif node.shape == "box":
        w, h = node.size, node.half_height
        out = [
            f"\\filldraw[{style}, rounded corners={_num(0.25 * min(w, h))}cm] "
            f"{_pt((node.x - w, node.y - h))} rectangle {_pt((node.x + w, node.y + h))};"
        ]
    else:
        raise ValueError(f"unknown node shape {node.shape!r}")
    if node.label:
        out.append(
            f"\\node[text={col(node.label_color)}, font={_font(node.label_size)}] at "
            f"{_pt((node.x, node.y))} {{${escape_math(node.label)}$}};"
        )
    return out


def _text(text: Text, col: _Colors) -> str:
    content = f"${escape_math(text.text)}$" if text.math else escape_text(text.text)
    anchor = _ANCHORS.get((text.ha, text.va), "center")
    return (
        f"\\node[anchor={anchor}, text={col(text.color)}, font={_font(text.size)}] at "
        f"{_pt((text.x, text.y))} {{{content}}};"
    )


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
    pic = picture(scene)
    if not standalone:
        return "% rac_tn figure: needs \\usepackage{tikz}\n" + pic + "\n"
    return _PREAMBLE + pic + "%\n" + _CLOSING
