/* aidi explorer — the engine: a line-by-line port of aidi.engine.tree / aggregate (weighted
 * arithmetic, geometric and harmonic means, missing children skipped and weights renormalised,
 * `standardise: ratio` nodes divided by the reference), of the scenario steps of
 * Build.with_changes (override → impute → normalise) and of the rank bands of
 * aidi.explorer.export.rank_bands. Python is the reference; the browser tests compare. */
'use strict';

function makeEngine(P) {
  const IND = P.indicator_ids, NI = IND.length, AGG = P.aggregate_ids;
  const ALL = IND.concat(AGG), NA = ALL.length, ROOT = NA - 1;
  const NODES = {};
  P.nodes.forEach(n => { NODES[n.id] = n; });
  const col = {};
  ALL.forEach((id, j) => { col[id] = j; });
  const TREE = AGG.map(id => {
    const n = NODES[id];
    return { id, children: n.children, cols: n.children.map(c => col[c]), method: n.method,
      nonpositive: n.nonpositive, offset: n.offset, min_coverage: n.min_coverage,
      dat_thresh: n.dat_thresh, standardise: n.standardise };
  });

  function flat(m) {  // nested JSON rows (null = missing) → Float64Array, row-major
    const rows = m.length, cols = rows ? m[0].length : 0, out = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const r = m[i];
      for (let j = 0; j < cols; j++) out[i * cols + j] = r[j] === null ? NaN : r[j];
    }
    return out;
  }

  // ---- one weighted mean over the children present (aidi.engine.aggregate) ----
  function mean(c, w, k, method, policy, offset) {
    let wsum = 0;
    for (let i = 0; i < k; i++) if (!Number.isNaN(c[i])) wsum += w[i];
    if (!(wsum > 0)) return NaN;
    if (method === 'arithmetic') {
      let num = 0;
      for (let i = 0; i < k; i++) if (!Number.isNaN(c[i]) && w[i] > 0) num += w[i] * c[i];
      return num / wsum;
    }
    const off = policy === 'offset' ? offset : 0;
    let acc = 0, zero = false;
    for (let i = 0; i < k; i++) {
      if (Number.isNaN(c[i]) || !(w[i] > 0)) continue;
      const x = c[i] + off;
      if (x === 0) { zero = true; continue; }
      const xp = x > 0 ? x : 1.0;
      acc += method === 'geometric' ? w[i] * Math.log(xp) : w[i] / xp;
    }
    let out = method === 'geometric' ? Math.exp(acc / wsum) : wsum / acc;
    if (zero) out = 0;
    return out - off;
  }

  // ---- the tree, bottom-up (aidi.engine.tree._aggregate_tree) ----
  // x: Float64Array(nu*NI); weights: {node: [w per child]}; methods: {node: method}
  // returns {values: Float64Array(nu*NA), fail: null | {node, unit, child, value}}
  function aggregateTree(x, nu, ref, weights, methods, zeros) {
    const v = new Float64Array(nu * NA);
    for (let u = 0; u < nu; u++) {
      for (let j = 0; j < NI; j++) v[u * NA + j] = x[u * NI + j];
      for (let j = NI; j < NA; j++) v[u * NA + j] = NaN;
    }
    let fail = null;
    const c = new Float64Array(64), score = new Float64Array(nu);
    for (let k = 0; k < TREE.length; k++) {
      const node = TREE[k], kc = node.cols.length;
      const w = weights[node.id], method = methods[node.id] || node.method;
      const policy = (zeros === 'zero' && node.nonpositive === 'error') ? 'zero' : node.nonpositive;
      let total = 0;
      for (let i = 0; i < kc; i++) total += w[i];
      for (let u = 0; u < nu; u++) {
        for (let i = 0; i < kc; i++) c[i] = v[u * NA + node.cols[i]];
        if (method === 'geometric' || method === 'harmonic') {
          for (let i = 0; i < kc; i++) {
            if (!(w[i] > 0) || Number.isNaN(c[i])) continue;
            const t = policy === 'offset' ? c[i] + node.offset : c[i];
            if (t < 0 || (t === 0 && policy === 'error')) {
              if (!fail) fail = { node: node.id, unit: u, child: node.children[i], value: c[i] };
              c[i] = 1.0;
            }
          }
        }
        let s = mean(c, w, kc, method, policy, node.offset);
        if (node.dat_thresh !== null && node.dat_thresh !== undefined) {
          let n = 0;
          for (let i = 0; i < kc; i++) if (!Number.isNaN(c[i])) n++;
          if (n / kc < node.dat_thresh) s = NaN;
        }
        if (node.min_coverage > 0) {
          let wp = 0;
          for (let i = 0; i < kc; i++) if (!Number.isNaN(c[i])) wp += w[i];
          const cov = total > 0 ? wp / total : 0;
          if (!(cov + 1e-12 >= node.min_coverage)) s = NaN;
        }
        score[u] = s;
      }
      if (node.standardise === 'ratio') {
        if (ref === null || ref < 0) throw new Error('node ' + node.id + ' needs a reference unit');
        const r = score[ref];
        for (let u = 0; u < nu; u++) score[u] = score[u] / r;
      }
      for (let u = 0; u < nu; u++) v[u * NA + NI + k] = score[u];
    }
    return { values: v, fail };
  }

  // 1 = best; ties share the better rank; NaN stays NaN (aidi.engine.tree.ranks)
  function rankVector(s) {
    const n = s.length, out = new Float64Array(n);
    const idx = [];
    for (let i = 0; i < n; i++) if (!Number.isNaN(s[i])) idx.push(i);
    idx.sort((a, b) => s[b] - s[a]);
    let start = 0;
    for (let p = 0; p < idx.length; p++) {
      if (p > 0 && s[idx[p]] !== s[idx[p - 1]]) start = p;
      out[idx[p]] = 1 + start;
    }
    for (let i = 0; i < n; i++) if (Number.isNaN(s[i])) out[i] = NaN;
    return out;
  }

  // ---- scenario steps (Build.with_changes): override → impute → normalise ----
  function indicatorsOf(change) {
    const ids = new Set(change.indicators || []);
    (change.nodes || []).forEach(id => {
      const n = NODES[id];
      if (!n) throw new Error('unknown node ' + id);
      if (n.kind === 'indicator') ids.add(id); else n.indicators.forEach(i => ids.add(i));
    });
    return IND.map((id, j) => ids.has(id) ? j : -1).filter(j => j >= 0);
  }

  function applyChanges(data, nu, changes) {  // aidi.analysis.scenarios.scenario_override
    const ov = new Float64Array(nu * NI).fill(NaN);
    changes.forEach(ch => {
      const cols = indicatorsOf(ch);
      ch.units.forEach(unit => {
        const u = P.units.indexOf(unit);
        if (u < 0) throw new Error('scenario unit ' + unit + ' is not among the units built');
        const to = ch.close_gap ? P.units.indexOf(ch.close_gap.to) : -1;
        cols.forEach(j => {
          const o = ov[u * NI + j], base = Number.isNaN(o) ? data[u * NI + j] : o;
          let nv;
          if (ch.close_gap) nv = base + ch.close_gap.fraction * (data[to * NI + j] - base);
          else if (ch.multiply !== undefined && ch.multiply !== null) nv = base * ch.multiply;
          else nv = ch.set;
          ov[u * NI + j] = nv;
        });
      });
    });
    const out = new Float64Array(nu * NI);
    for (let i = 0; i < nu * NI; i++) out[i] = Number.isNaN(ov[i]) ? data[i] : ov[i];
    return out;
  }

  function column(x, nu, j) {
    const v = [];
    for (let u = 0; u < nu; u++) { const a = x[u * NI + j]; if (!Number.isNaN(a)) v.push(a); }
    return v;
  }

  function siblingHasData(x, nu, id, u) {  // aidi.engine.pipeline.sibling_has_data
    const parent = NODES[id].parent;
    return IND.some((k, i) => k !== id && NODES[k].parent === parent && !Number.isNaN(x[u * NI + i]));
  }

  function impute(x, nu) {  // aidi.engine.impute: none / min / mean / median, no groups
    const out = Float64Array.from(x);
    IND.forEach((id, j) => {
      const m = NODES[id].impute;
      if (m === 'none') return;
      const scoped = NODES[id].impute_scope === 'dimension_with_data';
      const v = column(x, nu, j);
      if (v.length === nu) return;  // nothing missing
      let fill = NaN;
      if (v.length) {
        if (m === 'min') fill = Math.min.apply(null, v);
        else if (m === 'mean') fill = v.reduce((a, b) => a + b, 0) / v.length;
        else if (m === 'median') {
          v.sort((a, b) => a - b);
          const h = v.length >> 1;
          fill = v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2;
        } else throw new Error('imputation ' + m + ' is not available in the page');
      }
      for (let u = 0; u < nu; u++) {
        if (Number.isNaN(out[u * NI + j]) && (!scoped || siblingHasData(x, nu, id, u))) out[u * NI + j] = fill;
      }
    });
    return out;
  }

  function normalise(x, nu, settings, ref) {  // aidi.engine.normalise, per indicator
    const out = new Float64Array(nu * NI);
    IND.forEach((id, j) => {
      const s = settings[j], d = NODES[id].direction;
      const get = u => x[u * NI + j], put = (u, val) => { out[u * NI + j] = val; };
      const fin = val => (Number.isFinite(val) ? val : NaN);
      if (s.method === 'frontier' || s.method === 'ratio') {
        let best;
        if (s.method === 'ratio') {
          const v = column(x, nu, j);
          if (v.length && Math.min.apply(null, v) < 0) {
            throw new Error('ratio normalisation needs non-negative values; ' + id + ' has negative ones');
          }
          best = get(P.units.indexOf(s.reference));
        } else {
          const v = column(x, nu, j);
          best = v.length ? (d > 0 ? Math.max.apply(null, v) : Math.min.apply(null, v)) : NaN;
        }
        for (let u = 0; u < nu; u++) put(u, fin(d > 0 ? get(u) / best : best / get(u)));
      } else if (s.method === 'minmax') {
        const v = column(x, nu, j).map(a => a * d);
        const lo = v.length ? Math.min.apply(null, v) : NaN, hi = v.length ? Math.max.apply(null, v) : NaN;
        const span = hi - lo;
        for (let u = 0; u < nu; u++) {
          const o = get(u) * d;
          const sc = Number.isNaN(o) ? NaN : (span > 0 ? (o - lo) / span : 0.5);
          put(u, s.low + sc * (s.high - s.low));
        }
      } else if (s.method === 'zscore') {
        const v = column(x, nu, j).map(a => a * d);
        const mu = v.reduce((a, b) => a + b, 0) / v.length;
        const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mu) * (b - mu), 0) / (v.length - 1)) : NaN;
        for (let u = 0; u < nu; u++) {
          const o = get(u) * d;
          const z = Number.isNaN(o) ? NaN : (sd > 0 ? (o - mu) / sd : 0);
          put(u, s.mean + s.sd * z);
        }
      } else if (s.method === 'none') {
        for (let u = 0; u < nu; u++) put(u, get(u) * d);
      } else {
        throw new Error('normalisation ' + s.method + ' is not available in the page');
      }
      const power = s.power === undefined ? 1 : s.power, ceil = s.ceiling;
      if (power !== 1 || (ceil !== undefined && ceil !== null)) {  // aidi.engine.normalise.shape_scores
        for (let u = 0; u < nu; u++) {
          let v = out[u * NI + j];
          if (Number.isNaN(v)) continue;
          if (power !== 1) v = Math.pow(v, power);
          if (ceil !== undefined && ceil !== null) v = Math.min(v, ceil);
          out[u * NI + j] = v;
        }
      }
    });
    return out;
  }

  // ---- rank bands (aidi.explorer.export.rank_bands) ----
  // (no band block, or Python's fixed bands: the page draws those as they are)
  const B = P.bands && P.bands.matrices ? P.bands : null;
  const NB = B ? B.units.length : 0, BREF = B ? B.units.indexOf(P.spec.reference) : -1;
  const BMAT = B ? B.matrices.map(row => row.map(flat)) : [];
  const NEX = IND.length + 1;

  function quantile(sorted, p) {  // NumPy's 'linear' (type 7), with its two-sided lerp
    const n = sorted.length;
    if (!n) return NaN;
    const h = (n - 1) * p, lo = Math.floor(h), t = h - lo;
    const a = sorted[lo], b = sorted[Math.min(lo + 1, n - 1)];
    return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
  }

  function bands(weights, methods) {
    if (!B) return { bands: (P.bands && P.bands.fixed) || {}, distinct: 0 };
    const cache = new Map(), nv = B.prep.length;
    const ranksOf = new Array(nv);
    for (let s = 0; s < nv; s++) {
      const ex = B.exclude[s], key = (B.prep[s] * BMAT[0].length + B.norm[s]) * NEX + (ex + 1);
      let r = cache.get(key);
      if (r === undefined) {
        const w = {};
        TREE.forEach(node => {
          w[node.id] = node.cols.map((cc, i) => (cc === ex ? 0 : weights[node.id][i]));
        });
        const res = aggregateTree(BMAT[B.prep[s]][B.norm[s]], NB, BREF, w, methods, B.zeros);
        const idx = new Float64Array(NB);
        for (let u = 0; u < NB; u++) {
          const val = res.fail ? NaN : res.values[u * NA + ROOT];
          idx[u] = Number.isFinite(val) ? val : NaN;
        }
        r = rankVector(idx);
        cache.set(key, r);
      }
      ranksOf[s] = r;
    }
    const out = {};
    for (let u = 0; u < NB; u++) {
      const v = [];
      for (let s = 0; s < nv; s++) if (!Number.isNaN(ranksOf[s][u])) v.push(ranksOf[s][u]);
      v.sort((a, b) => a - b);
      out[B.units[u]] = { p05: quantile(v, 0.05), p50: quantile(v, 0.5), p95: quantile(v, 0.95),
        n_valid: v.length };
    }
    return { bands: out, distinct: cache.size };
  }

  return { IND, NI, AGG, ALL, NA, ROOT, NODES, TREE, col, flat, aggregateTree, rankVector,
    applyChanges, impute, normalise, bands, indicatorsOf };
}

if (typeof module !== 'undefined') module.exports = { makeEngine };
