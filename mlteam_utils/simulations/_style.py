"""Colours and small plotting helpers shared by the simulations.

The palette is Okabe and Ito's, which stays distinguishable for the common forms
of colour blindness and reads on both light and dark backgrounds. Nothing here
imports matplotlib.

>>> OKABE_ITO[:2]
('#E69F00', '#56B4E9')
"""

from __future__ import annotations

from typing import Any

# Okabe & Ito (2008), "Color Universal Design"; black is left out so lines stay
# visible on a dark background.
OKABE_ITO: tuple[str, ...] = (
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#F0E442",  # yellow
)

# Reference lines use a mid grey that is visible on white and on black.
REFERENCE_GREY = "#888888"

# Line styles back up colour, so a series can be told apart in greyscale too.
LINE_STYLES: tuple[str, ...] = ("-", "--", "-.", ":")


def colour(index: int) -> str:
    """The ``index``-th palette colour, cycling.

    >>> colour(0) == colour(len(OKABE_ITO))
    True
    """
    return OKABE_ITO[index % len(OKABE_ITO)]


def new_axes(ax: Any = None, figsize: tuple[float, float] = (7.0, 4.0)) -> Any:
    """Return ``ax``, or the axes of a new pyplot figure when ``ax`` is None."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax
