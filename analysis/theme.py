"""The house plotnine theme: every figure in the paper and slides uses it.

Figures are drawn at the size the paper prints them: plotnine reports a figure's size to
Jupyter as its inches times the theme's dpi, and Quarto reads that at 96 px per inch.
With dpi 96 a 6.5 x 3.6 in figure is placed at 6.5 in, the width of the PDF's text area,
and 624 px in HTML; plotnine's default "retina" output still draws it at 192 dpi, so on a
1600 x 900 slide, where slides.scss scales it up to fill the slide, it stays sharp and its
text, printed at body size in the paper, reads at about 30 px.
"""

from __future__ import annotations

from plotnine import element_blank, element_line, element_text, theme, theme_minimal

#: Colours, in order, for categorical scales (colour-blind safe, Okabe-Ito).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
ACCENT = PALETTE[0]
MUTED = "#9A9A9A"
#: The PDF's text width in inches (paper.qmd sets 1 in margins on US letter paper).
TEXT_WIDTH = 6.5
#: Default figure size in inches: the full text width, a little over half as high.
FIGURE_SIZE = (TEXT_WIDTH, 3.6)
#: Points per inch of the size Jupyter reports (Quarto reads it at 96 px per inch).
DPI = 96
#: Base font size in points: the paper's body text is 11 pt.
BASE_SIZE = 11.0


def theme_house(base_size: float = BASE_SIZE, height: float = FIGURE_SIZE[1]) -> theme:
    """Minimal, high-contrast; text at about the paper's body size when printed at `TEXT_WIDTH`."""
    return theme_minimal(base_size=base_size) + theme(
        figure_size=(TEXT_WIDTH, height),
        dpi=DPI,
        panel_grid_minor=element_blank(),
        panel_grid_major=element_line(color="#E4E4E4", size=0.5),
        axis_title=element_text(color="#333333", size=base_size),
        axis_text=element_text(color="#333333", size=0.9 * base_size),
        strip_text=element_text(color="#222222", size=base_size),
        legend_text=element_text(size=0.9 * base_size),
        plot_title=element_text(weight="bold", ha="left"),
        legend_position="bottom",
    )
