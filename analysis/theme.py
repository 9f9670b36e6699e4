"""The house plotnine theme: every figure in the paper and slides uses it."""
from __future__ import annotations

from plotnine import element_blank, element_line, element_text, theme, theme_minimal

#: Colours, in order, for categorical scales (colour-blind safe, Okabe-Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = PALETTE[0]
MUTED = "#9A9A9A"
#: Figure size in inches: a 16:9 slide body holds 10 x 5 comfortably.
FIGURE_SIZE = (10.0, 5.0)


def theme_house(base_size: float = 15) -> theme:
    """Minimal, high-contrast, large enough to read on a projected slide."""
    return theme_minimal(base_size=base_size) + theme(
        figure_size=FIGURE_SIZE,
        dpi=150,
        panel_grid_minor=element_blank(),
        panel_grid_major=element_line(color="#E4E4E4", size=0.5),
        axis_title=element_text(color="#333333"),
        axis_text=element_text(color="#333333"),
        plot_title=element_text(weight="bold", ha="left"),
        legend_position="bottom",
    )
