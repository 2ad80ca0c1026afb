"""Shared helpers of the TikZ tests (not tests): reading the emitted picture back, written
independently of the emitter, and measuring where pdflatex put its named nodes."""

from __future__ import annotations

import re

NUM = r"-?\d+(?:\.\d+)?"
#: A bare point ``(x,y)``.
BARE = re.compile(rf"\(\s*{NUM}\s*,\s*{NUM}\s*\)")
#: An offset ``+(dx,dy)`` inside a calc expression.
OFFSET = re.compile(rf"\+\(\s*{NUM}\s*,\s*{NUM}\s*\)")
#: A ``\node`` line: options, name, position, text.
NODE = re.compile(r"^\\node\[(?P<opts>[^\]]*)\] \((?P<name>[^)]+)\) at (?P<at>.+?) \{")
COORD = re.compile(r"^\\coordinate \((?P<name>[^)]+)\) at (?P<at>.+);$")
#: The styles of text nodes (everything else drawn by a \node is a tensor or a dot).
TEXT_STYLES = ("rac/label", "rac/degree", "rac/legend", "rac/dim label")


def picture_lines(tex: str) -> list[str]:
    """The drawing commands of the picture (after its styles), stripped, continuations joined."""
    body = tex.split("\\begin{tikzpicture}", 1)[1].split("\\end{tikzpicture}", 1)[0]
    body = body.split("\n  }\n", 1)[1]  # the end of the \tikzset of styles
    lines: list[str] = []
    for raw in body.splitlines():
        line = raw.strip()
        if not line or line.startswith("%"):
            continue
        if lines and not lines[-1].endswith((";", "}")) or line.startswith("plot["):
            lines[-1] += " " + line
        else:
            lines.append(line)
    return lines


def names_in(expr: str) -> list[str]:
    """The node or coordinate names a TikZ coordinate expression refers to."""
    expr = OFFSET.sub("", expr)
    out = []
    for inner in re.findall(r"\(([^()$]+)\)", expr):
        for part in re.split(r"\s*\|-\s*|\s*-\|\s*", inner):
            part = part.strip()
            if re.fullmatch(rf"{NUM}\s*,\s*{NUM}", part) or part.startswith("current bounding"):
                continue
            out.append(part.split(".")[0])
    return out


def check_relative(tex: str) -> dict:
    """Check that only node positions are numbers, and that every name is defined before use.

    Returns what was read: ``positions`` (node name -> the ``(x,y)`` text), ``texts`` (text node
    name -> its ``at`` expression) and ``coords`` (coordinate name -> its ``at`` expression).
    """
    defined: set[str] = set()
    positions: dict[str, str] = {}
    texts: dict[str, str] = {}
    coords: dict[str, str] = {}
    for line in picture_lines(tex):
        node, coord = NODE.match(line), COORD.match(line)
        if node:
            name, at = node["name"], node["at"]
            if any(node["opts"].startswith(s) for s in TEXT_STYLES):
                texts[name] = at
                refs = names_in(at)
                assert refs, f"text placed at bare numbers: {line}"
                assert not BARE.search(OFFSET.sub("", at)), line
            else:
                assert BARE.fullmatch(at), f"a node not placed at numbers: {line}"
                positions[name] = at
                refs = []
        elif coord:
            name, at = coord["name"], coord["at"]
            refs = names_in(at)
            if BARE.fullmatch(at):  # a node drawn as a bare coordinate (an open leg's end)
                positions[name] = at
                refs = []
            else:
                coords[name] = at
                assert not BARE.search(OFFSET.sub("", at)), line
        else:
            name = None
            code = re.sub(r"\[[^\]]*\]", "", line)  # options hold no points
            code = re.sub(r"\{\$.*", "", code)  # nor does text
            assert not BARE.search(OFFSET.sub("", code)), f"a bare point: {line}"
            refs = names_in(code)
        undefined = [r for r in refs if r not in defined]
        assert not undefined, f"{undefined} used before it is defined: {line}"
        if name is not None:
            assert name not in defined, f"{name} defined twice"
            defined.add(name)
    return {"positions": positions, "texts": texts, "coords": coords}


def measuring(tex: str, names: list[str]) -> str:
    r"""``tex`` with lines that make pdflatex log the centre of each of ``names`` (in pt)."""
    probe = (
        f"\\foreach \\racn in {{{','.join(names)}}} {{\\path let \\p1=(\\racn.center) in "
        "\\pgfextra{\\typeout{RACPOS \\racn\\space\\x1\\space\\y1}};}\n"
    )
    return tex.replace("\\end{tikzpicture}", probe + "\\end{tikzpicture}")


def measured(log: str) -> dict[str, tuple[float, float]]:
    """The centres pdflatex logged (see :func:`measuring`), in pt."""
    return {
        m[1]: (float(m[2]), float(m[3]))
        for m in re.finditer(rf"RACPOS (\S+) ({NUM})pt ({NUM})pt", log)
    }
