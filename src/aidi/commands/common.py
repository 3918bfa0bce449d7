"""One way for every command to get its nominal `Build`: `nominal_build`, the public API's
`aidi.build`, so every command accepts every spec (shipped AIDI, the COINr ASEM steps file, or
COINr tables given directly). The options commands share are in `aidi.commands.options`.
"""

from __future__ import annotations

from pathlib import Path

from aidi.errors import UsageError
from aidi.progress import LOADING, Progress, report


def nominal_build(spec: str | None = None, edition: str | None = None,
                  countries: str | None = None, coin_data: Path | None = None,
                  coin_meta: Path | None = None, min_availability: float | None = None,
                  vintage: str | None = None, progress: Progress | None = None):
    """The build a command starts from (an `aidi.Build`), exactly as `aidi.build` makes it;
    `progress` (from `aidi.commands.progress.show_progress`) hears its phases."""
    from aidi.api import build, read_coin
    from aidi.specs.loader import is_coin_steps, resolve_spec_path

    if (coin_data is None) != (coin_meta is None):
        raise UsageError("--coin-data and --coin-meta go together")
    if coin_data is not None:
        steps = resolve_spec_path(spec) if spec and is_coin_steps(spec) else None
        report(progress, LOADING)
        data = read_coin(coin_data, coin_meta, steps)
        return build(None if steps or spec is None else spec, countries=countries, data=data,
                     min_availability=min_availability, progress=progress)
    return build(spec, edition=edition, countries=countries, min_availability=min_availability,
                 vintage=vintage, progress=progress)
