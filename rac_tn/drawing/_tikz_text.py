r"""Text and numbers in TikZ source: escaping labels, coordinates, LaTeX size commands."""

from __future__ import annotations

from rac_tn.drawing.scene import math_parts

__all__ = ["escape_inline", "escape_math", "escape_text", "font_command", "num", "pt"]


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
    r"""Plain text escaped for LaTeX; a non-ASCII character without a LaTeX form becomes ``?``."""
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
    r"""A math label made safe inside ``$...$``: no ``$``, ``%`` or ``#``, braces balanced."""
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


def escape_inline(text: str) -> str:
    r"""Text with ``$...$`` math (as matplotlib reads it) for LaTeX: math kept, the rest escaped.

    Examples
    --------
    >>> escape_inline("Start-End at $T=4$ & more")
    'Start-End at $T=4$ \\& more'
    >>> escape_inline("one $ sign")
    'one \\$ sign'
    """
    parts = math_parts(text)
    if parts is None:  # an unpaired $ is a dollar sign
        return escape_text(text.replace(r"\$", "$"))
    return "".join(
        f"${escape_math(part)}$" if i % 2 else escape_text(part.replace(r"\$", "$"))
        for i, part in enumerate(parts)
    )


def num(value: float) -> str:
    """A coordinate or length in TikZ: at most 3 decimals, no trailing zeros, no ``-0``."""
    s = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def pt(p: tuple[float, float]) -> str:
    """A point as a TikZ coordinate ``(x,y)`` (in cm)."""
    return f"({num(p[0])},{num(p[1])})"


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
    r"""The LaTeX size command nearest to ``size`` pt (in a 10 pt document)."""
    return min(_SIZES, key=lambda s: abs(s[0] - size))[1]
