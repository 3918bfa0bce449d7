"""The COINr steps file (`kind: coinr-steps`): COINr's building functions in order, with their
settings in aidi's vocabulary, validated with their location (see `aidi.sources.coinr`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
from pydantic import ValidationError

from aidi.engine import registry
from aidi.rawdata import find_raw_dir
from aidi.sources.coinr_tables import _ID, CoinTableError
from aidi.specs.schema import (
    Aggregate,
    Impute,
    Label,
    Normalise,
    PublishedValue,
    Screen,
    Treat,
)

STEP_ORDER = ("denominate", "impute", "treat", "normalise", "aggregate")
STEP_KINDS = (*STEP_ORDER, "screen")

# ============================================================================ the steps file

class _Alias(NamedTuple):
    value: str
    extra: dict[str, Any]


#: COINr function names accepted as methods, where aidi's method has the same semantics.
METHOD_ALIASES: dict[str, dict[str, _Alias]] = {
    "impute": {"i_mean": _Alias("mean", {}), "i_median": _Alias("median", {}),
               "i_mean_grp": _Alias("mean", {}), "i_median_grp": _Alias("median", {})},
    "treat": {"winsorise": _Alias("winsorise", {})},
    "normalise": {"n_minmax": _Alias("minmax", {}), "n_zscore": _Alias("zscore", {}),
                  "n_dist2max": _Alias("minmax", {"low": 0.0, "high": 1.0})},
    "aggregate": {"a_amean": _Alias("arithmetic", {}), "a_gmean": _Alias("geometric", {}),
                  "a_hmean": _Alias("harmonic", {})},
}
#: COINr parameter names accepted as aliases of aidi's.
PARAM_ALIASES = {"use_group": "group", "dat_thresh": "min_availability"}


def _translate(kind: str, raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A step's (or override's) settings in COINr or aidi words → aidi schema fields.

    COINr's call syntax (`f_n`/`f_n_para`, `f_ag`, `f_i`/`use_group`, `f1_para`/`f2`) is
    rewritten first by `aidi.engine.registry`, with COINr's defaults, so overrides merge key by
    key in aidi's vocabulary.
    """
    translate = _COINR_SYNTAX.get(kind)
    if translate is not None:
        try:
            raw = translate(raw)
        except ValueError as exc:
            raise CoinTableError(f"{where}: {exc}") from None
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if kind == "aggregate" and key == "dat_thresh":
            out[key] = value  # COINr's threshold by count of children, exactly
            continue
        key = PARAM_ALIASES.get(key, key)
        if kind == "aggregate" and key == "min_availability":
            key = "min_coverage"  # COINr's Aggregate(dat_thresh = …)
        if key == "l_u":
            if not (isinstance(value, list | tuple) and len(value) == 2):
                raise CoinTableError(f"{where}: l_u must be [low, high], got {value!r}")
            out["low"], out["high"] = float(value[0]), float(value[1])
            continue
        if key == "m_sd":
            if not (isinstance(value, list | tuple) and len(value) == 2):
                raise CoinTableError(f"{where}: m_sd must be [mean, sd], got {value!r}")
            out["mean"], out["sd"] = float(value[0]), float(value[1])
            continue
        out[key] = value
    method = out.get("method")
    alias = METHOD_ALIASES.get(kind, {}).get(method) if isinstance(method, str) else None
    if alias is not None:
        out["method"] = alias.value
        for k, v in alias.extra.items():
            out.setdefault(k, v)
    return out


_COINR_SYNTAX = {"impute": registry.coinr_impute, "treat": registry.coinr_treat,
                 "normalise": registry.coinr_normalise, "aggregate": registry.coinr_aggregate}
_MODELS = {"impute": Impute, "treat": Treat, "normalise": Normalise, "aggregate": Aggregate,
           "screen": Screen}
_OVERRIDE_KEYS = {"impute": ("indicators",), "treat": ("indicators",),
                  "normalise": ("indicators",), "aggregate": ("levels", "nodes"),
                  "denominate": ("indicators",), "screen": ()}


def _model(kind: str, settings: Mapping[str, Any], where: str) -> Any:
    try:
        return _MODELS[kind].model_validate(dict(settings))
    except ValidationError as exc:
        reasons = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or kind}: {e['msg']}"
                            for e in exc.errors())
        raise CoinTableError(f"{where}: {reasons}") from None


class CoinSteps(NamedTuple):
    """The steps file, resolved: global settings per step, overrides, and the file's metadata."""

    id: str
    name: Label
    description: str
    files: dict[str, Path | None]      # data, meta (None: not given)
    time: int | None
    order: tuple[str, ...]             # the steps as listed
    settings: dict[str, dict[str, Any]]   # kind → translated global settings
    overrides: dict[str, dict[str, Any]]  # kind → {indicators|levels|nodes: {...}}
    published: tuple[PublishedValue, ...]
    origin: str


def default_steps(meta: pd.DataFrame) -> list[dict[str, Any]]:
    """The build without a steps file: COINr's function defaults — denominate when iMeta has
    denominators, min–max onto 0–100 (`n_minmax`), weighted arithmetic mean (`a_amean`); no
    imputation, screening or treatment (COINr runs those only when asked)."""
    steps: list[dict[str, Any]] = []
    if "Denominator" in meta.columns and meta["Denominator"].notna().any():
        steps.append({"denominate": {}})
    steps += [{"normalise": {"method": "minmax", "low": 0, "high": 100}},
              {"aggregate": {"method": "arithmetic"}}]
    return steps


def parse_steps(raw: Mapping[str, Any] | None, origin: str = "<steps>",
                base: Path | None = None) -> CoinSteps:
    """Validate a steps mapping (the parsed YAML); `base` resolves relative file paths."""
    raw = dict(raw or {})
    _check_header(raw, origin)
    sid = str(raw.get("id", "coin"))
    if not _ID.match(sid):
        raise CoinTableError(f"{origin}: id {sid!r} must start with a letter")
    name = raw.get("name") or sid
    try:
        label = Label(en=name) if isinstance(name, str) else Label.model_validate(name)
    except ValidationError as exc:
        raise CoinTableError(f"{origin}: name: {exc.errors()[0]['msg']}") from None
    files, time = _coin_files(raw.get("coin") or {}, origin, base)
    steps = raw.get("steps")
    if steps is None:
        steps = []
    if not isinstance(steps, list):
        raise CoinTableError(f"{origin}: steps must be a list of single-key mappings")
    order: list[str] = []
    settings: dict[str, dict[str, Any]] = {}
    overrides: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(steps):
        step, setting, over = _parse_step(item, f"{origin}: steps[{i}]", order)
        if setting is not None:
            settings[step] = setting
        overrides[step] = over
        order.append(step)
    _check_order(order, origin)
    published = []
    for i, pub in enumerate(raw.get("published") or []):
        try:
            published.append(PublishedValue.model_validate(pub))
        except ValidationError as exc:
            raise CoinTableError(f"{origin}: published[{i}]: {exc.errors()[0]['msg']}") from None
    return CoinSteps(sid, label, str(raw.get("description", "")), files,
                     time, tuple(order), settings, overrides,
                     tuple(published), origin)


def _check_header(raw: dict[str, Any], origin: str) -> None:
    """A steps file, not an index spec; `kind` right (removed from `raw`); no unknown key."""
    if "root" in raw and "kind" not in raw:
        raise CoinTableError(f"{origin}: this is an aidi index spec (it has a `root`), not a "
                             "COINr steps file; with --coin-data/--coin-meta the tree comes from "
                             "iMeta and the YAML holds only `steps` (see the shipped 'asem')")
    kind = raw.pop("kind", "coinr-steps")
    if kind != "coinr-steps":
        raise CoinTableError(f"{origin}: kind must be 'coinr-steps', got {kind!r}")
    known = {"id", "name", "description", "coin", "steps", "published", "edition"}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise CoinTableError(f"{origin}: unknown key(s) {unknown}; expected {sorted(known)}")


def _coin_files(coin: Any, origin: str, base: Path | None
                ) -> tuple[dict[str, Path | None], int | None]:
    """The `coin:` block: the iData/iMeta files (relative to `base`) and the year."""
    if not isinstance(coin, Mapping) or set(coin) - {"data", "meta", "time"}:
        raise CoinTableError(f"{origin}: coin must be a mapping with data, meta and optionally "
                             "time")
    files = {k: (Path(str(coin[k])) if coin.get(k) else None) for k in ("data", "meta")}
    if base is not None:
        files = {k: (v if v is None or v.is_absolute() else base / v) for k, v in files.items()}
    time = coin.get("time")
    if time is not None and not (isinstance(time, int) and not isinstance(time, bool)):
        raise CoinTableError(f"{origin}: coin.time must be a year (an integer), got {time!r}")
    return files, time


def _parse_step(item: Any, where: str, order: list[str]
                ) -> tuple[str, dict[str, Any] | None, dict[str, Any]]:
    """One entry of `steps`: (step, its translated settings — None for denominate —, its
    per-indicator overrides)."""
    if not (isinstance(item, Mapping) and len(item) == 1):
        raise CoinTableError(f"{where}: each step is a mapping with one key, one of "
                             f"{list(STEP_KINDS)}")
    (step, body), = item.items()
    if step not in STEP_KINDS:
        raise CoinTableError(f"{where}: unknown step {step!r}; steps are {list(STEP_KINDS)}")
    if step in order:
        raise CoinTableError(f"{where}: step {step!r} is listed twice")
    body = dict(body or {})
    over = {k: body.pop(k) for k in _OVERRIDE_KEYS[step] if k in body}
    where = f"{where}.{step}"
    if step == "aggregate":
        _levels_from_vectors(body, over, where)
    translated = None
    if step == "denominate":
        if "denomby" in body:
            over["denomby"] = _denomby(body.pop("denomby"), where)
        if body:
            raise CoinTableError(f"{where}: unknown setting(s) {sorted(body)}; denominate "
                                 "takes `denomby: [{iCode, Denominator, ScaleFactor}, …]` "
                                 "and `indicators: {{iCode: denominator or null}}`")
    else:
        translated = _step_settings(step, body, where)
    for key, value in over.items():
        if not isinstance(value, Mapping):
            raise CoinTableError(f"{where}.{key}: must be a mapping")
    return step, translated, over


def _step_settings(step: str, body: dict[str, Any], where: str) -> dict[str, Any]:
    """A step's global settings in aidi's vocabulary, validated with the step's location."""
    if step == "screen":
        if "on" in body:
            raise CoinTableError(f"{where}: no `on` here — the step's place in the list "
                                 "says it: before impute = raw data, after = imputed")
        _screen_body(body, where)
    if step == "treat":
        body.setdefault("method", "winsorise")
        body.setdefault("fallback", "log_ct")  # COINr's default f2 = "log_CT"
    translated = _translate(step, body, where)
    _model(step, translated, where)  # validate now, with the step's location
    return translated


#: Aggregate arguments COINr takes as one value or one per level (levels 2 … max)
_PER_LEVEL = ("f_ag", "f_ag_para", "dat_thresh")


def _levels_from_vectors(body: dict[str, Any], over: dict[str, Any], where: str) -> None:
    """COINr's per-level vectors (`f_ag = c("a_amean", "a_gmean")`, `f_ag_para = list(list(p =
    2), …)`, `dat_thresh = c(…)`): entry i is level i + 2. Moved into `levels:` overrides
    (under any the file gives itself); the length is checked against the tree later."""
    levels = dict(over.get("levels") or {})
    for key in _PER_LEVEL:
        value = body.get(key)
        if not isinstance(value, list) or (key == "f_ag_para" and len(value) == 1
                                           and isinstance(value[0], Mapping)):
            if key == "f_ag_para" and isinstance(value, list):
                body[key] = value[0]
            continue
        body.pop(key)
        for i, item in enumerate(value):
            entry = dict(levels.get(i + 2) or {})
            entry.setdefault(key, item)
            if key == "f_ag_para" and item is None:
                entry.pop(key)
            levels[i + 2] = entry
        levels.setdefault("_vector_length", len(value))
    if levels:
        over["levels"] = levels


def _denomby(table: Any, where: str) -> dict[str, tuple[str, float]]:
    """COINr's `Denominate(denomby = …)` table as records `{iCode, Denominator, ScaleFactor}`
    (ScaleFactor optional, default 1): iCode → (denominator, scale factor). It replaces iMeta's
    Denominator column, as in COINr; x / (denominator / ScaleFactor) is computed."""
    if not isinstance(table, list) or not all(isinstance(r, Mapping) for r in table):
        raise CoinTableError(f"{where}.denomby: a list of {{iCode, Denominator, ScaleFactor}} "
                             "records (COINr's data frame)")
    out: dict[str, tuple[str, float]] = {}
    for i, rec in enumerate(table):
        extra = set(rec) - {"iCode", "Denominator", "ScaleFactor"}
        if extra or not isinstance(rec.get("iCode"), str) or not isinstance(
                rec.get("Denominator"), str):
            raise CoinTableError(f"{where}.denomby[{i}]: needs iCode and Denominator (text) and "
                                 f"optionally ScaleFactor{'; unknown ' + str(sorted(extra)) if extra else ''}")
        sf = rec.get("ScaleFactor", 1)
        if isinstance(sf, bool) or not isinstance(sf, int | float) or not sf > 0:
            raise CoinTableError(f"{where}.denomby[{i}]: ScaleFactor must be a number > 0, got "
                                 f"{sf!r}")
        out[rec["iCode"]] = (rec["Denominator"], float(sf))
    return out


def _screen_body(body: dict[str, Any], where: str) -> None:
    """COINr's `Screen` arguments: `unit_screen` (byNA, byzeros, byNAandzeros), `dat_thresh`
    (COINr's default 2/3 when left out), `nonzero_thresh` (default 0.05) and `Force` — a table
    `{uCode: [...], Include: [true/false, ...]}` — into aidi's `Screen` fields."""
    if "dat_thresh" not in body and "min_availability" not in body:
        body["dat_thresh"] = 2 / 3
    force = body.pop("Force", None)
    if force is None:
        return
    if not (isinstance(force, Mapping) and set(force) == {"uCode", "Include"}
            and isinstance(force["uCode"], list) and isinstance(force["Include"], list)
            and len(force["uCode"]) == len(force["Include"])
            and all(isinstance(v, bool) for v in force["Include"])):
        raise CoinTableError(f"{where}: Force must be {{uCode: [codes], Include: [true/false, "
                             "…]}} of equal lengths (COINr's data frame)")
    pairs = list(zip((str(u).upper() for u in force["uCode"]), force["Include"], strict=True))
    body["force_include"] = [u for u, inc in pairs if inc]
    body["force_exclude"] = [u for u, inc in pairs if not inc]


def _check_order(order: list[str], origin: str) -> None:
    """aidi's pipeline runs denominate → impute → treat → normalise → aggregate, with screen
    either before or after impute (never after treat); a steps list in another order is refused
    rather than silently reordered."""
    rest = [s for s in order if s != "screen"]
    ranks = [STEP_ORDER.index(s) for s in rest]
    if ranks != sorted(ranks):
        raise CoinTableError(f"{origin}: steps in order {order}; aidi runs them in the order "
                             f"{list(STEP_ORDER)} (screen before or after impute)")
    if "screen" in order:
        pos = order.index("screen")
        later = [s for s in order[:pos] if s in ("treat", "normalise", "aggregate")]
        if later:
            raise CoinTableError(f"{origin}: screen comes after {later[0]}; aidi screens units "
                                 "before or after imputation, before treatment")
        if "denominate" in order and order.index("denominate") > pos:
            raise CoinTableError(f"{origin}: denominate must come before screen")


def raw_roots() -> list[Path]:
    """Where a relative `coin: data:` path may live: the raw-data folder of
    `aidi.rawdata.find_raw_dir` (the one resolver of library, CLI and tests)."""
    found = find_raw_dir()
    return [found] if found is not None else []


def _resolve(path: Path, base: Path) -> Path:
    if path.is_absolute():
        return path
    for root in (base, *raw_roots()):
        if (root / path).is_file():
            return root / path
    return base / path


def load_steps(path: Path) -> CoinSteps:
    """Read a steps YAML file (relative data paths resolve against its folder, then the
    raw-data root)."""
    path = Path(path)
    if not path.is_file():
        raise CoinTableError(f"{path}: no such steps file")
    from aidi.specs.loader import SpecError, read_yaml

    try:
        raw = read_yaml(path, what="steps file")
    except SpecError as exc:
        raise CoinTableError(str(exc)) from None
    if raw is not None and not isinstance(raw, Mapping):
        raise CoinTableError(f"{path}: a steps file is a YAML mapping (kind, id, coin, steps)")
    steps = parse_steps(raw, origin=str(path))
    files = {k: (None if v is None else _resolve(v, path.parent)) for k, v in steps.files.items()}
    return steps._replace(files=files)


