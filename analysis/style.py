"""The one plot style of ipclab figures, and axis labels that always carry their unit.

Colours are the Okabe-Ito palette (distinguishable with the common colour
vision deficiencies); lines also differ in marker and dash so figures
survive black-and-white printing. PDFs embed TrueType fonts (editable, as
publishers ask).
"""

import matplotlib

matplotlib.use("Agg")  # files only, never a display

import matplotlib.pyplot as plt  # noqa: E402
from cycler import cycler  # noqa: E402

# Okabe & Ito (2008); the yellow is last because it is faint on white.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9",
           "#000000", "#F0E442"]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
DASHES = ["-", "--", "-.", ":"]
ANCHOR_COLOUR = "#444444"

# Paper sizes: a figure of one panel is one column of a two-column paper
# (3.3 in); more panels span the page (7 in, at most three panels a row).
# Fonts are sized for that print size, so no figure needs scaling.
COLUMN = 3.3
FULL = 7.0
MAX_COLS = 3

RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.frameon": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "lines.linewidth": 1.2,
    "lines.markersize": 4,
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "pdf.fonttype": 42,
    "ps.fonttype": 42,
    "svg.fonttype": "none",
}

# What one count of each unit is; QEMU figures are never "hardware cycles".
_UNITS = {
    "instructions": "instructions (QEMU icount)",
    "ns": "ns",
    "us": "µs",
}


def apply():
    """Make the style current (idempotent)."""
    plt.rcParams.update(RC)


def unit_label(unit, platform=None, mode=None):
    """The unit as an axis shows it: "instructions (QEMU icount)", "ns", "cycles (emulated, QEMU)"."""
    if unit == "cycles":
        return "cycles (emulated, QEMU)" if platform == "virt" else "cycles"
    return _UNITS.get(unit, unit)


def axis_label(quantity, unit, platform=None, mode=None):
    """An axis label with its unit, e.g. "cost per operation [ns]" (long ones on two lines)."""
    text = f"{quantity} [{unit_label(unit, platform, mode)}]"
    return text if len(text) <= 30 else f"{quantity}\n[{unit_label(unit, platform, mode)}]"


def wrap(text, width=28):
    """A tick label or legend entry broken at spaces into lines of at most ``width`` characters.

    Long configuration names ("ring_pingpong placement=cross size=56
    variant=cached wake=poll") would otherwise take half a column and push
    the panel off the page.
    """
    import textwrap
    return "\n".join(textwrap.wrap(str(text), width, break_long_words=False)) or str(text)


def colour(k):
    return PALETTE[k % len(PALETTE)]


def marker(k):
    return MARKERS[k % len(MARKERS)]


def dash(k):
    """Solid for the first round of colours, then dashed, dash-dotted, dotted."""
    return DASHES[(k // len(PALETTE)) % len(DASHES)]


def figure(ncols=1, nrows=1, width=None, height=2.4, max_cols=MAX_COLS, **kw):
    """A figure at print size: one panel is a column (COLUMN), more span the page (FULL).

    ``ncols`` is the number of panels; more than ``max_cols`` (MAX_COLS; 2
    for panels with long row labels) wrap onto further rows.  ``height`` is per row of panels, in
    inches.  Panels left over in the last row are removed.
    """
    apply()
    panels = ncols * nrows
    ncols = min(panels, max_cols)
    nrows = -(-panels // ncols)
    width = width or (COLUMN if panels == 1 else FULL)
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False,
                             layout="constrained", **kw)
    axes = axes.ravel()
    for ax in axes[panels:]:
        ax.remove()
    return fig, axes[:panels]


def save(fig, outdir, name):
    """Write ``name``.pdf and ``name``.png into outdir; return both paths; close the figure."""
    outdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext, meta in (("pdf", {"CreationDate": None, "Creator": "ipclab analysis"}),
                      ("png", {"Software": "ipclab analysis"})):
        p = outdir / f"{name}.{ext}"
        fig.savefig(p, format=ext, metadata=meta)
        paths.append(p)
    plt.close(fig)
    return paths
