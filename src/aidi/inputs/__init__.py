"""What a build reads, gathered in one place below the analyses: the spec and tidy
observations of an edition on a vintage, the model series computed from them, and the checks
a user's data must pass.

- `build_inputs`: `Inputs` (what one build was made from) and `load_inputs`, the one path from
  the arguments of `aidi.build` to them;
- `editions`: `edition_inputs` — an edition's spec, data and model series, and `backcast`;
- `vintages`: states of the data (`load_vintage`: snapshot, store vintages and pins, never
  creating a store; `vintage_date`);
- `observations`: the tidy-observations contract (`tidy`, `without_models`);
- `model_series`: the AI-exposure model run on the data, its outputs as `model.exposure.*`
  series (`with_model_series`), and `exposure_model`, the model itself.
"""
