r"""Render a :class:`~rac_tn.drawing.scene.Scene` as TikZ.

The standalone document needs only ``article``, ``tikz`` (with its ``backgrounds`` and ``calc``
libraries, which ship with it) and ``amsmath`` and is cropped to the picture, so
``pdflatex fig.tex`` gives a PDF of exactly the figure, the size of the matplotlib output. With
``standalone=False`` the bare ``tikzpicture`` is returned for ``\input`` into a paper whose
preamble has ``\usepackage{tikz}`` and ``\usetikzlibrary{backgrounds,calc}`` (its first lines
say so, and stop with that message when the libraries are missing).

Only the nodes are placed at numbers: labels, dimension numbers, the cut's outline and the
shaded sides are written relative to the nodes they go with, so an author who moves a node in
the ``.tex`` moves all of them with it.

Examples
--------
>>> from rac_tn.drawing.scene import Node, Scene
>>> scene = Scene()
>>> _ = scene.add_node(Node("a", 0.0, 0.0, label="W^{O}"))
>>> print("\n".join(render(scene, standalone=False).splitlines()[:2]))
% Needs \usepackage{tikz} and \usetikzlibrary{backgrounds,calc} in the preamble
% (both libraries ship with tikz); \input it into a figure.
"""

from __future__ import annotations

import re

from rac_tn.drawing._tikz_picture import Picture
from rac_tn.drawing._tikz_text import escape_math, escape_text, font_command
from rac_tn.drawing.scene import Node, Scene

__all__ = ["describe", "escape_math", "escape_text", "font_command", "picture", "render"]

#: How the blocks of nodes are introduced, by role.
_ROLE_COMMENTS = {
    "WH": "W^H tensors (recurrent weights)",
    "WI": "W^I tensors (input weights)",
    "DELTA": "COPY tensors (the products of Multiplicative Integration), as dots",
    "H0": "initial states h^{l,0}",
    "WO": "the output weights W^O",
    "CORE": "MPS cores G_t",
    "A": "CP factors A (read the previous state)",
    "B": "CP factors B (read the input or the layer below)",
    "C": "CP factors C (write the new state)",
    "CORE3": "second-order cores (order-3 tensors: previous state, input, new state)",
    "hyperedge": "input hyperedges (every copy of x_t joined to one dot)",
    "terminal": "open input legs and the class leg",
    "input": "inputs x_t",
    "cell": "cells h^{l,t} of the computation grid",
    "fanout": "fan-out points (a hidden state feeding two cells)",
    "output": "the output y",
}

#: The same for the drawing of any tensor network (``meta['view'] == 'tn'``).
_TN_COMMENTS = {
    "tensor": "tensors, named by their tags",
    "DELTA": "COPY tensors, as dots",
    "hyperedge": "hyperedges (an index on three or more tensors, or an open shared one), as dots",
    "terminal": "ends of the open legs",
    "wrap": "ends of the bonds around a cyclic axis (each leaves one side, enters the other)",
}


def picture(scene: Scene) -> str:
    r"""The ``tikzpicture`` environment of ``scene``.

    The picture defines its colours and, in one ``\tikzset``, a style per kind of element
    (``rac/tensor``, ``rac/copy``, ``rac/input``, ``rac/bond``, ``rac/cut``, ...): edit a style
    to restyle the whole figure. Nodes are named (``h-2-3``, ``WH-1-2``, ``x-3``) and edges drawn
    between the names; node sizes are minimum sizes that LaTeX enlarges to fit its labels.

    Examples
    --------
    >>> from rac_tn.drawing.scene import Node
    >>> from rac_tn.drawing.style import INK
    >>> scene = Scene()
    >>> _ = scene.add_node(Node("a", 0.0, 0.0, "dot", 0.1, role="DELTA", name="c", fill=INK))
    >>> [line.strip() for line in picture(scene).splitlines() if "(c)" in line]
    ['\\node[rac/copy] (c) at (0,0) {};']
    """
    pic = Picture(scene)
    body: list[str] = []

    def block(comment: str, lines: list[str]) -> None:
        if lines:
            body.extend(f"% {line}" for line in comment.splitlines())
            body.extend(lines)

    roles: dict[str, list[Node]] = {}
    for node in scene.nodes:
        roles.setdefault(node.role, []).append(node)
    comments = _TN_COMMENTS if scene.meta.get("view") == "tn" else _ROLE_COMMENTS
    for role, nodes in roles.items():
        comment = comments.get(role, f"{role} nodes")
        if role == "DELTA" and nodes[0].shape == "diamond":
            comment = "COPY tensors of dimension K of the CP cores, as diamonds"
        block(comment, [pic.node(n) for n in nodes])
    block(
        "The frame (the picture's bounding box): the box of the node centres, with margins",
        pic.anchors.frame_lines(),
    )
    block(
        "Bonds, legs and wires (between node names; width grows with log dim)",
        [pic.edge(e) for e in scene.edges if not e.highlight],
    )
    block("Bonds the cut crosses", [pic.edge(e) for e in scene.edges if e.highlight])
    block(
        "Dimension labels",
        [pic.edge_label(e) for e in scene.edges if e.label and e.label_pos is not None],
    )
    shading = [line for i, r in enumerate(scene.regions, 1) for line in pic.region(r, i)]
    block(
        "Shaded sides of the cut, on the background layer: outlines through coordinates\n"
        "tied to the nodes they go round",
        ["\\begin{pgfonlayer}{background}", *("  " + s for s in shading), "\\end{pgfonlayer}"]
        if shading
        else [],
    )
    closed = [c for c in scene.curves if c.closed]
    block(
        "The cut: a closed curve around each piece of its upstream side, through coordinates\n"
        "tied to the nodes it goes round",
        [line for i, c in enumerate(closed, 1) for line in pic.curve(c, i)],
    )
    labels = [t for t in scene.texts if t.role not in ("legend", "title")]
    block(
        "Labels (each from the node it labels; a note from the frame)",
        [pic.text(t) for t in labels],
    )
    legend = [line for c in scene.curves if not c.closed for line in pic.curve(c, 0)]
    legend += [pic.text(t) for t in scene.texts if t.role in ("legend", "title")]
    block("Legend and title (from the frame)", legend)
    body.append("\\pgfresetboundingbox")
    body.append("\\useasboundingbox (frame-sw) rectangle (frame-ne);")
    # LaTeX can set a legend or title wider than matplotlib measured it: the page grows to
    # hold it rather than clip it
    body += [f"\\path ({n}.south west) rectangle ({n}.north east);" for n in _named(legend)]
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
\usetikzlibrary{backgrounds,calc}
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


#: The first lines of a bare picture: what the paper's preamble needs, checked.
_BARE_HEADER = r"""% Needs \usepackage{tikz} and \usetikzlibrary{backgrounds,calc} in the preamble
% (both libraries ship with tikz); \input it into a figure.
\ifcsname pgf@layerbox@background\endcsname\ifcsname tikz@library@calc@loaded\endcsname\else
  \errmessage{rac_tn: this picture needs \string\usetikzlibrary{backgrounds,calc}}\fi\else
  \errmessage{rac_tn: this picture needs \string\usetikzlibrary{backgrounds,calc}}\fi
"""


def _named(lines: list[str]) -> list[str]:
    r"""The names of the text nodes among TikZ ``lines`` (``\node[...] (name) at ...``)."""
    return re.findall(r"^\\node\[[^\]]*\] \(([^)]+)\) at ", "\n".join(lines), flags=re.M)


def render(scene: Scene, *, standalone: bool = True) -> str:
    """The TikZ source of ``scene``: a document for ``pdflatex`` (``standalone``), or the picture.

    Examples
    --------
    >>> tex = render(scene)                      # doctest: +SKIP
    >>> Path("fig.tex").write_text(tex)          # then: pdflatex fig.tex   # doctest: +SKIP
    """
    pic = describe(scene) + picture(scene)
    if not standalone:
        return _BARE_HEADER + pic + "\n"
    return _PREAMBLE + pic + "%\n" + _CLOSING


def describe(scene: Scene) -> str:
    r"""Comment lines saying what the figure shows (view, depth, T, cut).

    Examples
    --------
    >>> print(describe(Scene(meta={"view": "grid", "L": 2, "T": 4})))
    % rac_tn figure: the computation grid of a depth-2 RAC over T = 4 steps.
    <BLANKLINE>
    """
    meta = scene.meta
    if "view" not in meta:
        return "% rac_tn figure.\n"
    if meta["view"] == "tn":
        return _describe_network(meta)
    what = "the computation grid" if meta["view"] == "grid" else "the tensor network"
    model = meta.get("model", "RAC")  # a model family's class name
    if meta.get("kind") == "mps":
        what = "the tensor network (an MPS)"
        if model != "RAC":
            what = "the tensor network (the chain of its cells)"
    elif meta.get("kind") == "tree":
        what = "the tensor network (the copy tree)"
    depth, T = meta.get("L"), meta.get("T")
    line = f"% rac_tn figure: {what} of a depth-{depth} {model} over T = {T} steps"
    cut = meta.get("cut")
    if cut is not None:
        line += f",\n% with the {cut.method} bound on the {cut.quantity}: {cut.value}"
    return line + ".\n"


def _describe_network(meta: dict) -> str:
    """The comment of a drawing of any tensor network."""
    line = (
        f"% rac_tn figure: a {meta.get('network', 'TensorNetwork')} of {meta.get('tensors')} "
        f"tensors ({meta.get('kind')} layout)"
    )
    cut = meta.get("cut")
    if cut is not None:
        left, right = cut.index_sides
        line += (
            f",\n% with the minimum cut between its open indices {_names(left)} and "
            f"{_names(right)}: rank <= {cut.value}"
        )
    return line + ".\n"


def _names(inds: tuple[str, ...]) -> str:
    shown = ", ".join(map(str, inds[:6])) + (", ..." if len(inds) > 6 else "")
    return "{" + shown.replace("\n", " ") + "}"
