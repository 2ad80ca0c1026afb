"""Drawing options and the palette shared by every view and backend.

Examples
--------
>>> style = Style.from_kwargs(dims="symbolic", input_label="x")
>>> style.input_text(3, "d")
'x_{3}'
>>> shade_of("#000000", 0.5)
'#808080'
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from rac_tn.partition import Partition

#: What the figure shows: the compiled tensor network, or the computation grid.
View = Literal["network", "grid"]
VIEWS: tuple[View, ...] = ("network", "grid")

# Palette: colour-blind safe (Okabe-Ito blue, orange and vermillion, darkened so that 7 pt
# text in any of them, and the grey of the degree labels, keeps a contrast of at least 4.5:1
# (WCAG AA) on both shaded sides). The two sides print apart in greyscale: the Start side's
# shade is a clearly darker grey than the End side's (relative luminance 0.74 against 0.89).
INK = "#1A1A1A"
GREY = "#5C5C5C"
LIGHT = "#F2F2F2"
WHITE = "#FFFFFF"
START_COLOR = "#005F9E"
END_COLOR = "#8C5000"
CUT_COLOR = "#A82D1E"
#: How much of its side's colour each shaded side takes (the rest white): see :func:`shade_of`.
SHADE_AMOUNTS = {"start": 0.18, "end": 0.08}

#: The text width of a page (A4 or letter with the usual margins), in cm: the default
#: ``width`` a figure must fit.
PAGE_WIDTH = 16.0

_BOOL_OPTIONS = ("degrees", "hyperedges", "arrows", "shade", "annotate")
_COLOR_OPTIONS = ("start_color", "end_color", "cut_color")


@dataclass
class Style:
    r"""Drawing options, passed as keyword arguments to ``draw`` / ``to_tikz``.

    Attributes
    ----------
    font_size
        Node labels in pt (default 7, the smallest size readable in print).
    labels
        ``'auto'`` (full ``W^{H,l}`` labels whenever the figure with them fits ``width``,
        else the short ``H`` / ``I``, explained in a key below the figure, as are a tensor
        train's cores ``G_t``),
        ``'full'``, ``'short'`` or ``'none'``. A quimb network's tensors are named by their
        tags: ``'auto'`` / ``'full'`` (``A_{3}`` for a tag ``A3``), ``'short'`` (``A``),
        ``'none'``.
    dims
        Dimension labels on bonds: ``False``, ``True`` (numbers) or ``'symbolic'`` (M, R, Y;
        a model family's d, n, K, with d+1 and n+1 for the augmented vectors of affine terms;
        a quimb network's index names).
    degrees
        Grid view: label every node with its number of paths to the output (its degree).
    hyperedges
        Network view of a deep RAC or model family: ``False`` (default, the paper's
        convention) gives every copy of input ``t`` its own open leg labelled ``x_t``; ``True``
        merges the copies into one hyperedge dot per input (the grid-tensor reading, legible
        for small T only).
    input_label
        A letter (default ``'x'``, giving ``x_t`` in every view) or a format string with
        ``{t}``.
    arrows
        Grid view: arrowheads toward the output.
    shade
        Shade both sides of a cut.
    annotate
        Write the cut's value in a legend that says which rank it bounds
        (``separation rank <= 16``, ``grid-tensor rank <= 8``).
    title
        Optional title above the figure: text whose ``$...$`` parts are math
        (``title="Start-End cut at $T=4$"``), as matplotlib reads text and in the TikZ
        output alike; ``\$`` is a dollar sign.
    scale
        Multiplies every distance (not the fonts).
    width
        The widest the figure may be, in cm (default :data:`PAGE_WIDTH`, a page's text
        width). A figure that cannot be drawn legibly (7 pt labels, no overlaps) within it is
        refused with a message saying what to do.
    start_color, end_color, cut_color
        Colours (``#RRGGBB``) of Start inputs, End inputs and the cut.

    Examples
    --------
    >>> Style.from_kwargs(font_size=9).font_size
    9
    """

    font_size: float = 7.0
    labels: str = "auto"
    dims: bool | str = False
    degrees: bool = False
    hyperedges: bool = False
    input_label: str | None = None
    arrows: bool = True
    shade: bool = True
    annotate: bool = True
    title: str | None = None
    scale: float = 1.0
    width: float = PAGE_WIDTH
    start_color: str = START_COLOR
    end_color: str = END_COLOR
    cut_color: str = CUT_COLOR

    @classmethod
    def from_kwargs(cls, **style: object) -> Style:
        """A validated style from keyword options (an unknown name: a TypeError listing the known).

        Examples
        --------
        >>> Style.from_kwargs(colour="red")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        TypeError: unknown style option(s) colour; expected some of annotate, arrows, ...
        """
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(style) - names)
        if unknown:
            raise TypeError(
                f"unknown style option(s) {', '.join(unknown)}; expected some of "
                f"{', '.join(sorted(names))}"
            )
        out = cls(**style)  # type: ignore[arg-type]
        out._validate()
        return out

    def _validate(self) -> None:
        _check_number(self.font_size, "font_size", 4, 30, " pt")
        if self.labels not in ("auto", "full", "short", "none"):
            raise ValueError(
                f"labels must be 'auto', 'full', 'short' or 'none', got {self.labels!r}"
            )
        if self.dims not in (True, False, "symbolic"):
            raise ValueError(f"dims must be True, False or 'symbolic', got {self.dims!r}")
        for name in _BOOL_OPTIONS:
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"{name} must be True or False, got {getattr(self, name)!r}")
        if self.input_label is not None and (
            not isinstance(self.input_label, str) or not self.input_label
        ):
            raise TypeError(f"input_label must be a non-empty string, got {self.input_label!r}")
        if self.title is not None and not isinstance(self.title, str):
            raise TypeError(f"title must be a string, got {type(self.title).__name__}")
        _check_number(self.scale, "scale", 0.1, 10, "")
        _check_number(self.width, "width", 3, 100, " cm")
        for name in _COLOR_OPTIONS:
            value = getattr(self, name)
            if not isinstance(value, str) or not re.fullmatch(r"#[0-9A-Fa-f]{6}", value):
                raise ValueError(f"{name} must be a colour '#RRGGBB', got {value!r}")

    def input_text(self, t: int, default: str = "x") -> str:
        """The math label of input ``t`` (``default`` subscripted, or ``input_label`` filled in).

        Examples
        --------
        >>> Style(input_label="f({t})").input_text(2, "d")
        'f(2)'
        """
        spec = self.input_label or default
        if "{t}" in spec:
            return spec.replace("{t}", str(t))
        return f"{spec}_{{{t}}}"

    def side_shade(self, side: str) -> str:
        """The fill of the shaded ``side`` (``'start'`` or ``'end'``) of a cut.

        Examples
        --------
        >>> Style().side_shade("start"), Style().side_shade("end")
        ('#D1E2EE', '#F6F1EB')
        """
        color = self.start_color if side == "start" else self.end_color
        return shade_of(color, SHADE_AMOUNTS[side])

    def side_color(self, partition: Partition | None, t: int) -> str:
        """The colour of input ``t`` by its side of ``partition`` (ink without one).

        Examples
        --------
        >>> from rac_tn.partition import start_end
        >>> Style().side_color(start_end(4), 3) == END_COLOR
        True
        """
        if partition is None:
            return INK
        return self.start_color if partition.side_of(t) == "start" else self.end_color


def _check_number(value: object, name: str, low: float, high: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be in {low}..{high}{unit}, got {value}")


def shade_of(color: str, amount: float = 0.18) -> str:
    """``color`` (``#RRGGBB``) mixed with white: ``amount`` 0 is white, 1 the colour itself.

    Examples
    --------
    >>> shade_of("#FF0000", 0.0)
    '#FFFFFF'
    """
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    mix = [round(255 - (255 - c) * amount) for c in (r, g, b)]
    return "#{:02X}{:02X}{:02X}".format(*mix)


__all__ = [
    "CUT_COLOR",
    "END_COLOR",
    "GREY",
    "INK",
    "LIGHT",
    "PAGE_WIDTH",
    "SHADE_AMOUNTS",
    "START_COLOR",
    "VIEWS",
    "WHITE",
    "Style",
    "View",
    "shade_of",
]
