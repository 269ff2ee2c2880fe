"""The accumulator core: numpy in, numpy out.

Layers, each importing only those above it: ``decay``, ``times``, ``rules`` (every
one-sample formula, written once), ``checks``, ``merges`` -> ``kernels`` (the scans
generated from the rules) -> ``blocked`` (the parallel scan of long columns) ->
``accumulator`` / ``accumulators`` (the public classes) -> ``batch`` (the functions).
The core imports no front.
"""
