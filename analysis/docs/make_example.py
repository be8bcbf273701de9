"""Draw the example figure the READMEs show, from the synthetic test fixture.

    /usr/bin/python3 analysis/docs/make_example.py

writes analysis/docs/example-anchored_costs.png. The numbers are the fixture's
(made up to exercise the plots), not measurements; the figure says so. Replace
it with a figure of results/reference/ once a reference run is committed.
"""

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository root, where the analysis package is

from analysis import plots, style  # noqa: E402
from analysis.load import load_results  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--results", type=Path, default=HERE.parent / "tests" / "fixtures" / "small",
                    help="results directory to draw from (default: the synthetic fixture)")
    args = ap.parse_args()
    df = load_results(args.results)
    fig = plots.anchored_costs(df)
    if args.results.name == "small":
        fig.suptitle("synthetic fixture data (analysis/tests/fixtures/small), not a measurement",
                     fontsize=8, color="#b23a00")
    for p in style.save(fig, HERE, "example-anchored_costs"):
        if p.suffix == ".pdf":
            p.unlink()  # the README needs only the PNG
        else:
            print(p)


if __name__ == "__main__":
    main()
