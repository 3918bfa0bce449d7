/* Unit tests of the explorer's engine (src/aidi/explorer/assets/engine.js) under node's own
 * test runner — no dependencies: `node --test tests/js/`. The fixtures are exported from Python
 * by tests/test_engine_js.py (AIDI_ENGINE_FIXTURES names the JSON file): payloads of real
 * builds, page states (weights, normalisation, aggregation, scenario changes) and what the
 * Python API gives for each — scores, ranks, normalised values and rank bands. */
'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');

const ENGINE = path.join(__dirname, '..', '..', 'src', 'aidi', 'explorer', 'assets', 'engine.js');
const { makeEngine } = require(ENGINE);
const FIXTURES = process.env.AIDI_ENGINE_FIXTURES;
const ATOL = 1e-9;

function close(got, want, what) {
  assert.equal(got.length, want.length, what + ': length');
  for (let i = 0; i < want.length; i++) {
    const g = got[i], w = want[i] === null ? NaN : want[i];
    if (Number.isNaN(w)) { assert.ok(Number.isNaN(g), `${what}[${i}]: ${g}, expected missing`); continue; }
    assert.ok(Math.abs(g - w) <= ATOL, `${what}[${i}]: ${g}, expected ${w}`);
  }
}

// the page's model for a state (app.js `evaluate`): weights per node, methods per node
function evaluate(E, P, state) {
  const NU = P.units.length, REF = P.units.indexOf(P.spec.reference);
  const W = {};
  P.nodes.forEach(n => { if (n.parent) W[n.id] = n.weight; });
  Object.assign(W, state.w || {});
  const weights = {}, methods = {};
  E.TREE.forEach(n => { weights[n.id] = n.children.map(c => W[c]); methods[n.id] = n.method; });
  if (state.agg && state.agg !== 'spec') P.pillars.forEach(p => { methods[p] = state.agg; });
  const norm = state.norm || 'spec';
  let x;
  if (state.sc && state.sc.length) {
    const inputs = E.applyChanges(E.flat(P.scenario.data), NU, state.sc);
    x = E.normalise(E.impute(inputs, NU), NU, P.norm_settings[norm], REF);
  } else {
    x = E.flat(P.normalised[norm]);
  }
  return { x, weights, methods, res: E.aggregateTree(x, NU, REF, weights, methods, 'spec') };
}

function column(values, NU, NA, j) {
  const out = new Float64Array(NU);
  for (let u = 0; u < NU; u++) out[u] = values[u * NA + j];
  return out;
}

if (!FIXTURES) {
  test('fixtures', () => assert.fail('AIDI_ENGINE_FIXTURES is not set: run tests/test_engine_js.py'));
} else {
  const cases = JSON.parse(fs.readFileSync(FIXTURES, 'utf8'));
  for (const [name, fx] of Object.entries(cases)) {
    const P = fx.payload, E = makeEngine(P), NU = P.units.length;

    test(`${name}: flat reads null as missing, row-major`, () => {
      close(E.flat([[1, null], [3, 4]]), [1, NaN, 3, 4], 'flat');
    });

    test(`${name}: ranks — 1 is best, ties share the better rank, missing stays missing`, () => {
      close(E.rankVector(Float64Array.from([2, NaN, 5, 2])), [2, NaN, 1, 2], 'ranks');
    });

    for (const c of fx.states) {
      test(`${name}: ${c.label}`, () => {
        const { x, res } = evaluate(E, P, c.state);
        assert.equal(res.fail, null, JSON.stringify(res.fail));
        if (c.normalised) close(x, c.normalised.flat(), 'normalised');
        E.AGG.forEach((id, k) => {
          const s = column(res.values, NU, E.NA, E.NI + k);
          close(s, c.scores[id], `score ${id}`);
          close(E.rankVector(s), c.ranks[id], `rank ${id}`);
        });
      });
    }

    if (fx.bands) {
      test(`${name}: rank bands are aidi.explorer.rank_bands`, () => {
        const { weights, methods } = evaluate(E, P, fx.bands.state);
        const got = E.bands(weights, methods).bands;
        for (const [unit, want] of Object.entries(fx.bands.expected)) {
          close([got[unit].p05, got[unit].p50, got[unit].p95, got[unit].n_valid],
            [want.p05_rank, want.median_rank, want.p95_rank, want.n_valid], `bands ${unit}`);
        }
      });
    }

    if (fx.nonpositive) {
      test(`${name}: a geometric mean of a negative child fails, naming it`, () => {
        const { res } = evaluate(E, P, fx.nonpositive.state);
        assert.ok(res.fail, 'expected a failure');
        assert.equal(res.fail.node, fx.nonpositive.node);
      });
    }
  }
}
