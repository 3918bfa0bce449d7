/* aidi explorer — gap to overtake: a line-by-line port of aidi.analysis.gap (Python is the
 * reference; the browser tests compare the two). The smallest factor f on a grid of four
 * significant digits (1.000 … 9.999, 10.00 … up to 10^6) such that improving A's indicators
 * under a node by f (×f where higher is better, ×1/f where lower is better) puts A's index
 * strictly above B's; bisection over the grid positions, the same evaluations as Python. */
'use strict';

function makeGap(NODES, IND) {
  const DIGITS = 4, PER_DECADE = 9 * Math.pow(10, DIGITS - 1), DECADES = 6;
  const GRID_SIZE = DECADES * PER_DECADE + 1;

  function gridFactor(k) {  // aidi.analysis.gap.grid_factor
    const decade = Math.floor(k / PER_DECADE), m = k % PER_DECADE;
    const mantissa = Math.pow(10, DIGITS - 1) + m, shift = decade - (DIGITS - 1);
    return shift < 0 ? mantissa / Math.pow(10, -shift) : mantissa * Math.pow(10, shift);
  }

  function indicatorsUnder(node) {
    const n = NODES[node];
    return n.kind === 'indicator' ? [node] : n.indicators;
  }

  // the scenario changes of aidi.analysis.gap.improvement
  function improvement(a, node, f) {
    const ids = indicatorsUnder(node);
    const up = ids.filter(i => NODES[i].direction > 0), down = ids.filter(i => NODES[i].direction < 0);
    const out = [];
    if (up.length) out.push({ units: [a], indicators: up, multiply: f });
    if (down.length) out.push({ units: [a], indicators: down, multiply: 1.0 / f });
    return out;
  }

  // the fewest decimals (≥ 3) that print a and b apart (aidi.analysis.gap.shown_digits)
  function shownDigits(a, b) {
    for (let d = 3; d <= 12; d++) if (a.toFixed(d) !== b.toFixed(d)) return d;
    return 12;
  }

  // rootOf(changes) → [index of A, index of B] after the changes (NaN when undefined)
  function gap(a, b, node, base, rootOf) {
    const fin = v => (Number.isFinite(v) ? v : null);
    const [ia, ib] = base;
    if (a === b) return { kind: 'same', a, b, node, index_a: fin(ia), index_b: fin(ib) };
    if (!(Number.isFinite(ia) && Number.isFinite(ib))) return { kind: 'undefined', a, b, node, index_a: fin(ia), index_b: fin(ib) };
    if (ia > ib) return { kind: 'ahead', a, b, node, index_a: ia, index_b: ib };
    let calls = 0;
    const score = f => { calls++; return rootOf(improvement(a, node, f)); };
    const passes = s => Number.isFinite(s[0]) && Number.isFinite(s[1]) && s[0] > s[1];
    const top = score(gridFactor(GRID_SIZE - 1));
    if (!passes(top)) return { kind: 'unreachable', a, b, node, index_a: ia, index_b: ib, evaluations: calls };
    let lo = 0, hi = GRID_SIZE - 1, atHi = top;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2), s = score(gridFactor(mid));
      if (passes(s)) { hi = mid; atHi = s; } else lo = mid;
    }
    return { kind: 'factor', a, b, node, factor: gridFactor(hi), below: gridFactor(lo),
      index_a: atHi[0], index_b: atHi[1], evaluations: calls, changes: improvement(a, node, gridFactor(hi)) };
  }

  return { gap, gridFactor, improvement, shownDigits, GRID_SIZE };
}

if (typeof module !== 'undefined') module.exports = { makeGap };
