"""Draw the anchored_costs figures the READMEs show.

    /usr/bin/python3 -m analysis.docs.make_example            # analysis/docs/example-anchored_costs.png
    /usr/bin/python3 -m analysis.docs.make_example --readme   # docs/anchored_costs.png

The first is drawn from the synthetic test fixture (analysis/tests/fixtures/
small: numbers made up to exercise the plots, and the figure says so); the
second, the top-level README's, from the committed run results/reference/.
``--results DIR --out FILE`` draws any results directory into any file.
Run from the repository root.
"""

import argparse
from pathlib import Path

from analysis import plots, style
from analysis.load import load_dir
from analysis.stats import summarize

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FIXTURE = HERE.parent / "tests" / "fixtures" / "small"


def draw(results, out, note=None):
    """anchored_costs of ``results`` into ``out`` (a .png path); returns it."""
    res = load_dir(results)
    fig = plots.anchored_costs(res.samples, summarize(res.samples))
    if note:
        fig.suptitle(note, fontsize=8, color="#b23a00")
    for p in style.save(fig, out.parent, out.stem):
        if p.suffix == ".pdf":
            p.unlink()  # the READMEs need only the PNG
    return out.with_suffix(".png")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--readme", action="store_true",
                    help="the top-level README's figure: results/reference -> docs/anchored_costs.png")
    ap.add_argument("--results", type=Path, help="results directory to draw from")
    ap.add_argument("--out", type=Path, help="PNG file to write")
    args = ap.parse_args(argv)
    if args.readme:
        results = args.results or REPO / "results" / "reference"
        out = args.out or REPO / "docs" / "anchored_costs.png"
    else:
        results = args.results or FIXTURE
        out = args.out or HERE / "example-anchored_costs.png"
    note = ("synthetic fixture data (analysis/tests/fixtures/small), not a measurement"
            if Path(results).resolve() == FIXTURE.resolve() else None)
    print(draw(results, out, note))


if __name__ == "__main__":
    main()
