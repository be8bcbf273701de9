"""ipclab analysis: results directories -> statistics, comparisons, plots, report.

Modules (each command-line entry point runs as ``/usr/bin/python3 -m analysis.<name>``):

- ``load``     results directory (or several) -> one tidy DataFrame, one row per sample
- ``stats``    per-configuration statistics and the bootstrap of the median
- ``summary``  summary.csv and summary.md of a results directory
- ``compare``  run-to-run comparison of two results directories
- ``ratios``   ratios to a base configuration within each round of one run
- ``style``    the one plot style, axis labels with units
- ``anchors``  seL4 reference figures drawn on the plots
- ``data``     selection, reshaping and ordering of the data the figures show
- ``plots``    the figures (PDF and PNG), one function each
- ``report``   one self-contained HTML page per results directory
"""
