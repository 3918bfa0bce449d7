"""What a build reads, gathered in one place: the spec and tidy observations of an edition on a
vintage, the model series computed from them, and the checks a user's data must pass.

- `aidi.inputs.build_inputs`: `Inputs` (what one build was made from) and `load_inputs`, the
  one path from the arguments of `aidi.build` to them;
- `aidi.inputs.observations`: the tidy-observations contract (`tidy`) and the model series
  (`with_model_series`).
"""
