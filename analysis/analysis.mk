# analysis/: statistics, comparisons, plots and the report of a results directory.
# Python 3 with Debian's pandas, matplotlib and scipy, run by $(PYTHON) (/usr/bin/python3).

# chromium renders the report in the tests; pdflatex (texlive-latex-base, with booktabs
# from texlive-latex-recommended: 16 packages, about 35 MB, a table compiles in 0.3 s)
# compiles the exported LaTeX tables in the tests.
DEPS_PKGS += chromium texlive-latex-base texlive-latex-recommended
TEST_TARGETS += test-analysis
.PHONY: summary plots cross report tables compare ratios test-analysis

# RESULTS defaults to the newest results directory (by name); the Python side finds it.
RESULTS ?=
ANALYSIS_RUN = $(PYTHON) -m

## summary: summary.csv and summary.md of a results directory (RESULTS=dir, default the newest under results/)
summary: | deps
	$(ANALYSIS_RUN) analysis.summary $(RESULTS)

## plots: PDF and PNG figures into <results>/plots/ (RESULTS=dir, default the newest under results/)
plots: | deps
	$(ANALYSIS_RUN) analysis.plots $(RESULTS)

## cross: the cross-system figure of several results directories together, DIRS="dir dir ..." OUT=dir (e.g. the default sweep and a linux-virt one)
cross: | deps
	@test -n "$(DIRS)" -a -n "$(OUT)" || { echo "usage: make cross DIRS=\"<results dir> <results dir> ...\" OUT=<dir>"; exit 2; }
	$(ANALYSIS_RUN) analysis.plots --together $(DIRS) --out $(OUT)

## report: <results>/report.html, one page with figures, exports, summary, metadata and failed runs (RESULTS=dir [AGAINST=dir]: with the comparison against AGAINST)
report: | deps
	$(ANALYSIS_RUN) analysis.report $(RESULTS) $(if $(AGAINST),--against $(AGAINST))

## tables: <results>/exports/: LaTeX tables (booktabs), bencher.json (Bencher Metric Format), sel4bench.json (IPC rows) (RESULTS=dir)
tables: | deps
	$(ANALYSIS_RUN) analysis.exports $(RESULTS)

## compare: compare two runs, A=dir B=dir [OUT=dir] [THRESHOLD=0.02]: ratios, tests, table and plot
compare: | deps
	@test -n "$(A)" -a -n "$(B)" || { echo "usage: make compare A=<results dir> B=<results dir> [OUT=dir] [THRESHOLD=0.02]"; exit 2; }
	$(ANALYSIS_RUN) analysis.compare $(A) $(B) $(if $(OUT),--out $(OUT)) $(if $(THRESHOLD),--threshold $(THRESHOLD))

## ratios: ratios to a base within each round, BASE=selector [RESULTS=dir] [OF=selector] [RATE=1] [NAME=n]: table and ratios[-n].csv
ratios: | deps
	@test -n "$(BASE)" || { echo "usage: make ratios BASE=<key=value,...> [RESULTS=<results dir>] [OF=<key=value,...>] [RATE=1] [NAME=n]"; exit 2; }
	$(ANALYSIS_RUN) analysis.ratios $(RESULTS) --base '$(BASE)' $(if $(OF),--of '$(OF)') $(if $(RATE),--rate) $(if $(NAME),--name $(NAME))

## test-analysis: the analysis tests (pytest on small fixture directories; renders the report in headless chromium)
test-analysis: | deps
	$(call test_limit,600,$(ANALYSIS_RUN) pytest -q -p no:cacheprovider analysis/tests)
