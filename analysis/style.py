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

RC = {
    "font.size": 10,
    "axes.titlesize": 10,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "legend.frameon": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#dddddd",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "lines.linewidth": 1.5,
    "lines.markersize": 5,
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


def per_unit_label(what, unit, platform=None, mode=None, scale=1000):
    """A rate label, e.g. "messages per 1000 instructions (QEMU icount)" or "M messages/s"."""
    if unit == "ns":
        return f"{what} [M/s]"
    return f"{what}\n[per {scale} {unit_label(unit, platform, mode)}]"


def colour(k):
    return PALETTE[k % len(PALETTE)]


def marker(k):
    return MARKERS[k % len(MARKERS)]


def dash(k):
    """Solid for the first round of colours, then dashed, dash-dotted, dotted."""
    return DASHES[(k // len(PALETTE)) % len(DASHES)]


def figure(ncols=1, nrows=1, width=None, height=3.0, **kw):
    """A figure sized for a paper column per panel (3.4 in wide each)."""
    apply()
    width = width or 3.6 * ncols + 0.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(width, height * nrows), squeeze=False,
                             layout="constrained", **kw)
    return fig, axes.ravel()


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
