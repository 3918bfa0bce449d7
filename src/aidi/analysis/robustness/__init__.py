"""How the robustness analyses run at scale: chunked evaluation on NumPy or Dask (`backends`)
and per-unit summaries accumulated chunk by chunk (`summary`). The choices, the design and
the kernel are in `aidi.analysis.variants`; the memory plan in `aidi.analysis.budget`."""
