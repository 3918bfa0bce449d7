"""Robustness analyses' shared machinery, one module per part (as SALib lays out its methods):

- `choices`: the alternatives a factor may offer, parsed from names or mappings;
- `config`: `UncertaintyConfig`, which choices vary and how;
- `variant_design`: `VariantDesign`, the precomputed variants and the decoding of uniform
  inputs into each sample's levels and weights (`variant_levels`);
- `design`: `build_design`, one builder per factor; `pruning`: the impossible levels removed;
- `evaluate`: the batch kernel over a chunk of samples (`ChunkResult`);
- `backends`: chunks on NumPy or Dask; `summary`: per-unit accumulators of a run;
- `oracle`: one full rebuild per sample, the reference the kernel must match.

The analyses themselves are `aidi.analysis.uncertainty` (Monte Carlo) and
`aidi.analysis.sensitivity` (Sobol, with `aidi.analysis.sobol`'s estimator); the memory plan
is `aidi.analysis.budget`.
"""
