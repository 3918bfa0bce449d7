/* aidi explorer — the page: state (in location.hash), controls, inline-SVG charts, tables. */
'use strict';

(function () {
  const P = JSON.parse(document.getElementById('aidi-data').textContent);
  const STR = JSON.parse(document.getElementById('aidi-strings').textContent);
  const E = makeEngine(P);
  const NU = P.units.length, REF = P.units.indexOf(P.spec.reference);
  const NORM = {};
  P.normalisations.forEach(l => { NORM[l] = E.flat(P.normalised[l]); });
  const DATA = E.flat(P.scenario.data);
  const DEFAULT_W = {};
  P.nodes.forEach(n => { if (n.parent) DEFAULT_W[n.id] = n.weight; });
  const ROOT = E.AGG[E.AGG.length - 1];
  const PILLARS = P.pillars;
  const $ = id => document.getElementById(id);
  const esc = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

  const state = { w: Object.assign({}, DEFAULT_W), norm: 'spec', agg: 'spec', sc: [],
    lang: document.documentElement.lang === 'zh' ? 'zh' : 'en', sel: P.units[Math.min(1, NU - 1)],
    ref: P.spec.reference || P.units[0], sortKey: ROOT, sortDir: -1 };
  let current = null, bandsTimer = null;
  const timings = { evaluate: [], render: [], panels: [], bands: [], url: [] };
  window.aidiTimings = timings;

  // ---- language ----
  const t = key => (STR[state.lang] && STR[state.lang][key]) || STR.en[key] || key;
  const nodeName = id => { const n = E.NODES[id]; return (n.name[state.lang] || n.name.en); };
  const unitName = u => P.names[state.lang][P.units.indexOf(u)] || u;
  const fmt = (v, d) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d === undefined ? 3 : d));
  const fmtRaw = v => (v === null || v === undefined || Number.isNaN(v) ? '–'
    : new Intl.NumberFormat(state.lang === 'zh' ? 'zh-CN' : 'en', { maximumSignificantDigits: 4 }).format(v));

  // ---- the model for a state ----
  function weightArrays(W) {
    const out = {};
    E.TREE.forEach(n => { out[n.id] = n.children.map(c => W[c]); });
    return out;
  }
  function methodsFor(agg) {
    const m = {};
    E.TREE.forEach(n => { m[n.id] = n.method; });
    if (agg !== 'spec') PILLARS.forEach(p => { m[p] = agg; });
    return m;
  }
  function evaluate(st, extra) {
    const t0 = performance.now();
    const W = weightArrays(st.w);
    for (const n of E.TREE) {
      if (!W[n.id].some(w => w > 0)) return { error: t('err_allzero').replace('{node}', nodeName(n.id)) };
    }
    const changes = extra ? st.sc.concat(extra) : st.sc;
    let x, inputs = null;
    try {
      if (changes.length) {
        if (!P.scenario.supported) return { error: t('err_noscenario') + ' (' + P.scenario.reason + ')' };
        inputs = E.applyChanges(DATA, NU, changes);
        x = E.normalise(E.impute(inputs, NU), NU, P.norm_settings[st.norm], REF);
      } else {
        x = NORM[st.norm];
      }
    } catch (err) {
      return { error: String(err.message || err) };
    }
    const res = E.aggregateTree(x, NU, REF, W, methodsFor(st.agg), 'spec');
    if (res.fail) {
      return { error: t('err_nonpositive').replace('{node}', nodeName(res.fail.node))
        .replace('{unit}', unitName(P.units[res.fail.unit])).replace('{child}', nodeName(res.fail.child)) };
    }
    const scores = {}, ranks = {}, rel = {};
    E.AGG.forEach((id, k) => {
      const s = new Float64Array(NU);
      for (let u = 0; u < NU; u++) s[u] = res.values[u * E.NA + E.NI + k];
      scores[id] = s;
      ranks[id] = E.rankVector(s);
      const r = REF >= 0 ? s[REF] : 1;
      rel[id] = s.map(v => v / r);
    });
    const norm = {};
    E.IND.forEach((id, j) => {
      const s = new Float64Array(NU);
      for (let u = 0; u < NU; u++) s[u] = x[u * E.NI + j];
      norm[id] = s;
    });
    if (!extra) timings.evaluate.push(performance.now() - t0);
    return { scores, ranks, rel, norm, values: res.values, W, inputs };
  }
  const DEFAULT = evaluate({ w: DEFAULT_W, norm: 'spec', agg: 'spec', sc: [] });
  // self-check: this page's engine against the scores Python computed for the same build
  let selfCheck = 0;
  E.AGG.forEach((id, k) => P.units.forEach((u, i) => {
    const py = P.python.scores[i][k], js = DEFAULT.scores ? DEFAULT.scores[id][i] : NaN;
    const ours = Number.isFinite(js) ? js : null;  // Python exports non-finite as null
    const d = (py === null) !== (ours === null) ? Infinity : (py === null ? 0 : Math.abs(ours - py));
    selfCheck = Math.max(selfCheck, d);
  }));

  // ---- URL state ----
  function encodeState() {
    const q = new URLSearchParams();
    const w = Object.keys(state.w).filter(k => state.w[k] !== DEFAULT_W[k]).map(k => k + ':' + state.w[k]);
    if (w.length) q.set('w', w.join(','));
    if (state.norm !== 'spec') q.set('norm', state.norm);
    if (state.agg !== 'spec') q.set('agg', state.agg);
    if (state.sc.length) q.set('sc', JSON.stringify(state.sc));
    q.set('lang', state.lang);
    q.set('sel', state.sel);
    if (state.ref !== P.spec.reference) q.set('ref', state.ref);
    return q.toString();
  }
  function decodeState(hash) {
    const q = new URLSearchParams(hash.replace(/^#/, ''));
    state.w = Object.assign({}, DEFAULT_W);
    (q.get('w') || '').split(',').filter(Boolean).forEach(kv => {
      const i = kv.lastIndexOf(':'), k = kv.slice(0, i), v = Number(kv.slice(i + 1));
      if (k in DEFAULT_W && Number.isFinite(v) && v >= 0) state.w[k] = v;
    });
    state.norm = P.normalisations.includes(q.get('norm')) ? q.get('norm') : 'spec';
    state.agg = P.aggregations.includes(q.get('agg')) ? q.get('agg') : 'spec';
    try { state.sc = q.get('sc') ? JSON.parse(q.get('sc')) : []; } catch (e) { state.sc = []; }
    if (q.get('lang') === 'zh' || q.get('lang') === 'en') state.lang = q.get('lang');
    if (P.units.includes(q.get('sel'))) state.sel = q.get('sel');
    if (P.units.includes(q.get('ref'))) state.ref = q.get('ref');
  }
  function saveState() {
    const h = '#' + encodeState();
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  // ---- controls ----
  function options(sel, items, value) {
    sel.innerHTML = items.map(([v, label]) => '<option value="' + esc(v) + '"' + (v === value ? ' selected' : '') + '>' + esc(label) + '</option>').join('');
  }
  const unitItems = () => P.units.map(u => [u, unitName(u) + ' (' + u + ')']);
  const nodeItems = (withInd) => P.nodes.filter(n => n.parent && (withInd || n.kind !== 'indicator'))
    .map(n => [n.id, '\u00a0'.repeat(2 * (n.depth - 1)) + nodeName(n.id)]);
  const normLabel = l => t('norm_' + l);
  const aggLabel = l => t('agg_' + l);

  function buildWeights() {
    const box = $('weights');
    box.innerHTML = P.nodes.filter(n => n.parent).map(n => {
      const max = Math.max(3, 3 * n.weight);
      return '<div class="wrow d' + n.depth + (n.kind === 'indicator' ? ' ind' : '') + '">' +
        '<label for="w-' + n.id + '" title="' + esc(n.id) + '">' + esc(nodeName(n.id)) + '</label>' +
        '<input type="range" id="w-' + n.id + '" data-node="' + n.id + '" min="0" max="' + max + '" step="any" value="' + state.w[n.id] + '">' +
        '<output id="wv-' + n.id + '">' + fmt(state.w[n.id], 2) + '</output></div>';
    }).join('');
    box.querySelectorAll('input[type=range]').forEach(el => {
      el.addEventListener('input', () => {
        state.w[el.dataset.node] = Number(el.value);
        $('wv-' + el.dataset.node).textContent = fmt(state.w[el.dataset.node], 2);
        update();
      });
    });
  }
  function syncWeights() {
    Object.keys(state.w).forEach(k => {
      const el = $('w-' + k);
      if (el && Number(el.value) !== state.w[k]) el.value = state.w[k];
      const o = $('wv-' + k);
      if (o) o.textContent = fmt(state.w[k], 2);
    });
  }

  function buildControls() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = t(el.dataset.i18n); });
    if ($('selfcheck')) $('selfcheck').textContent = t('selfcheck').replace('{d}', selfCheck.toExponential(1));
    document.title = (P.spec.name[state.lang] || P.spec.name.en) + ' — ' + t('explorer');
    $('title').textContent = (P.spec.name[state.lang] || P.spec.name.en) + ' · ' + t('explorer');
    $('subtitle').textContent = t('subtitle').replace('{n}', NU).replace('{ref}', unitName(P.spec.reference))
      .replace('{edition}', P.spec.edition || P.edition || '');
    options($('norm'), P.normalisations.map(l => [l, normLabel(l)]), state.norm);
    options($('agg'), P.aggregations.map(l => [l, aggLabel(l)]), state.agg);
    options($('sel'), unitItems(), state.sel);
    options($('ref'), unitItems(), state.ref);
    options($('sc-unit'), unitItems(), $('sc-unit').value || state.sel);
    options($('sc-node'), nodeItems(true), $('sc-node').value || PILLARS.length && E.NODES[PILLARS[0]].children[0]);
    options($('sc-op'), [['match', t('op_match')], ['close', t('op_close')], ['multiply', t('op_multiply')]], $('sc-op').value || 'match');
    options($('sc-to'), unitItems(), $('sc-to').value || P.spec.reference);
    options($('gap-a'), unitItems(), $('gap-a').value || state.sel);
    options($('gap-b'), unitItems(), $('gap-b').value || P.units[0]);
    options($('gap-node'), nodeItems(true), $('gap-node').value || (PILLARS.length && E.NODES[PILLARS[0]].children[0]));
    $('presets').innerHTML = P.presets.map((p, i) => '<button type="button" data-preset="' + i + '">' + esc(p.name[state.lang] || p.name.en) + '</button>').join('');
    $('presets').querySelectorAll('button').forEach(b => b.addEventListener('click', () => {
      state.sc = state.sc.concat(JSON.parse(JSON.stringify(P.presets[Number(b.dataset.preset)].changes)));
      update();
    }));
    $('scenario-box').classList.toggle('off', !P.scenario.supported);
    $('sc-off').textContent = P.scenario.supported ? '' : t('err_noscenario') + ' (' + P.scenario.reason + ')';
    document.querySelectorAll('#lang button').forEach(b => b.classList.toggle('on', b.dataset.lang === state.lang));
    buildWeights();
  }

  function scenarioChange() {
    const unit = $('sc-unit').value, id = $('sc-node').value, op = $('sc-op').value;
    const ch = { units: [unit] };
    if (E.NODES[id].kind === 'indicator') ch.indicators = [id]; else ch.nodes = [id];
    const p = Number($('sc-param').value);
    if (op === 'match') ch.close_gap = { to: $('sc-to').value, fraction: 1.0 };
    else if (op === 'close') ch.close_gap = { to: $('sc-to').value, fraction: Math.min(1, Math.max(0, p)) };
    else ch.multiply = Math.max(0, p);
    return ch;
  }
  function describeChange(ch) {
    const what = (ch.nodes || []).concat(ch.indicators || []).map(nodeName).join(', ');
    let how;
    if (ch.close_gap && ch.close_gap.fraction === 1) how = t('op_match') + ' ' + unitName(ch.close_gap.to);
    else if (ch.close_gap) how = t('op_close') + ' ' + unitName(ch.close_gap.to) + ': ' + ch.close_gap.fraction;
    else if (ch.multiply !== undefined) how = '× ' + ch.multiply;
    else how = '= ' + ch.set;
    return ch.units.map(unitName).join(', ') + ' · ' + what + ' · ' + how;
  }

  // ---- gap to overtake: the smallest factor on A's indicators under `node` that puts A above B
  function gapToOvertake(a, b, node) {
    const ia = P.units.indexOf(a), ib = P.units.indexOf(b);
    const key = E.NODES[node].kind === 'indicator' ? 'indicators' : 'nodes';
    const diff = m => {
      const ch = { units: [a], multiply: m };
      ch[key] = [node];
      const r = evaluate(state, [ch]);
      if (r.error) return NaN;
      return r.scores[ROOT][ia] - r.scores[ROOT][ib];
    };
    if (a === b) return { kind: 'same' };
    const d1 = diff(1);
    if (Number.isNaN(d1)) return { kind: 'undefined' };
    if (d1 > 0) return { kind: 'ahead' };
    let lo = 1, hi = 2;
    while (!(diff(hi) > 0)) {
      lo = hi; hi *= 2;
      if (hi > 1e6) return { kind: 'unreachable' };
    }
    for (let i = 0; i < 200 && (hi - lo) > 1e-12 * hi; i++) {
      const mid = 0.5 * (lo + hi);
      if (diff(mid) > 0) hi = mid; else lo = mid;
    }
    return { kind: 'factor', factor: hi, lower: lo };
  }

  // ---- charts ----
  function order(r) {
    const idx = P.units.map((u, i) => i);
    const s = r.rel[ROOT];
    return idx.sort((a, b) => (Number.isNaN(s[a]) ? 1 : 0) - (Number.isNaN(s[b]) ? 1 : 0) || s[b] - s[a] || a - b);
  }
  function arrow(u, r) {
    const now = r.ranks[ROOT][u], was = DEFAULT.ranks ? DEFAULT.ranks[ROOT][u] : now;
    if (Number.isNaN(now) || Number.isNaN(was) || now === was) return '<tspan class="same">–</tspan>';
    return now < was ? '<tspan class="up">▲' + (was - now) + '</tspan>' : '<tspan class="down">▼' + (now - was) + '</tspan>';
  }
  function rankingSVG(r, bands) {
    const ord = order(r), rowH = 22, top = 34, W = 860;
    const x0 = { rank: 4, arrow: 34, name: 74, bar: 240, band: 680 };
    const barW = 400, bandW = 170;
    const series = [ROOT].concat(PILLARS);
    let max = 0;
    series.forEach(id => r.rel[id].forEach(v => { if (Number.isFinite(v) && v > max) max = v; }));
    max = max || 1;
    const H = top + rowH * ord.length + 8;
    const nb = P.bands.units.length;
    const bx = v => x0.band + (v - 1) / Math.max(1, nb - 1) * bandW;
    const cls = ['bi', 'bt', 'bm'];
    let s = '<svg viewBox="0 0 ' + W + ' ' + H + '" width="100%" role="img" aria-label="' + esc(t('ranking')) + '">';
    s += '<g class="legend">' + series.map((id, i) => '<rect x="' + (x0.bar + i * 150) + '" y="6" width="12" height="10" class="' + cls[i] + '"/><text x="' + (x0.bar + 16 + i * 150) + '" y="15">' + esc(nodeName(id)) + '</text>').join('') +
      '<text x="' + x0.band + '" y="15">' + esc(t('band_legend')) + '</text></g>';
    s += '<text class="axis" x="' + x0.band + '" y="30">1</text><text class="axis" x="' + (x0.band + bandW) + '" y="30" text-anchor="end">' + nb + '</text>';
    ord.forEach((u, i) => {
      const y = top + i * rowH, iso = P.units[u], selc = iso === state.sel ? ' sel' : '';
      s += '<g class="row' + selc + '" data-unit="' + iso + '"><rect class="hit" x="0" y="' + y + '" width="' + W + '" height="' + rowH + '"/>';
      s += '<text x="' + x0.rank + '" y="' + (y + 15) + '">' + fmt(r.ranks[ROOT][u], 0) + '</text>';
      s += '<text x="' + x0.arrow + '" y="' + (y + 15) + '">' + arrow(u, r) + '</text>';
      s += '<text x="' + x0.name + '" y="' + (y + 15) + '">' + esc(unitName(iso)) + '</text>';
      let yy = y + 2;
      series.forEach((id, k) => {
        const v = r.rel[id][u], h = k === 0 ? 9 : 4;
        const w = Number.isFinite(v) ? Math.max(0, v) / max * barW : 0;
        s += '<rect class="' + cls[k] + '" x="' + x0.bar + '" y="' + yy + '" width="' + w.toFixed(1) + '" height="' + h + '"><title>' + esc(nodeName(id)) + ': ' + fmt(v) + '</title></rect>';
        if (k === 0) s += '<text class="val" x="' + (x0.bar + w + 4) + '" y="' + (yy + 8) + '">' + fmt(v) + '</text>';
        yy += h + 1;
      });
      const b = bands && bands[iso];
      s += '<line class="bandaxis" x1="' + x0.band + '" x2="' + (x0.band + bandW) + '" y1="' + (y + 11) + '" y2="' + (y + 11) + '"/>';
      if (b && !Number.isNaN(b.p05)) {
        s += '<line class="band" x1="' + bx(b.p05) + '" x2="' + bx(b.p95) + '" y1="' + (y + 11) + '" y2="' + (y + 11) + '"><title>' + esc(t('band_tip').replace('{a}', fmt(b.p05, 1)).replace('{b}', fmt(b.p95, 1))) + '</title></line>';
      }
      const rk = r.ranks[ROOT][u];
      if (!Number.isNaN(rk)) s += '<circle class="dot" cx="' + bx(Math.min(rk, nb)) + '" cy="' + (y + 11) + '" r="3.5"/>';
      s += '</g>';
    });
    return s + '</svg>';
  }

  function median(v) {
    const a = v.filter(Number.isFinite).sort((p, q) => p - q), n = a.length;
    return n ? (n % 2 ? a[n >> 1] : (a[n / 2 - 1] + a[n / 2]) / 2) : NaN;
  }
  function quadrantSVG(r) {
    if (PILLARS.length < 2) return '';
    const [px, py] = PILLARS, X = r.rel[px], Y = r.rel[py];
    const W = 520, H = 400, m = { l: 50, r: 16, t: 16, b: 44 };
    const fin = v => Array.from(v).filter(Number.isFinite);
    const xmax = Math.max(1, ...fin(X)) * 1.08, ymax = Math.max(1, ...fin(Y)) * 1.08;
    const xmin = Math.min(0, ...fin(X)), ymin = Math.min(0, ...fin(Y));
    const sx = v => m.l + (v - xmin) / (xmax - xmin) * (W - m.l - m.r);
    const sy = v => H - m.b - (v - ymin) / (ymax - ymin) * (H - m.t - m.b);
    let s = '<svg viewBox="0 0 ' + W + ' ' + H + '" width="100%" role="img" aria-label="' + esc(t('quadrant')) + '">';
    s += '<rect class="plot" x="' + m.l + '" y="' + m.t + '" width="' + (W - m.l - m.r) + '" height="' + (H - m.t - m.b) + '"/>';
    for (let k = 0; k <= 4; k++) {
      const vx = xmin + (xmax - xmin) * k / 4, vy = ymin + (ymax - ymin) * k / 4;
      s += '<text class="axis" x="' + sx(vx) + '" y="' + (H - m.b + 14) + '" text-anchor="middle">' + vx.toFixed(2) + '</text>';
      s += '<text class="axis" x="' + (m.l - 4) + '" y="' + (sy(vy) + 4) + '" text-anchor="end">' + vy.toFixed(2) + '</text>';
    }
    const mx = median(Array.from(X)), my = median(Array.from(Y));
    s += '<line class="med" x1="' + sx(mx) + '" x2="' + sx(mx) + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/>';
    s += '<line class="med" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + sy(my) + '" y2="' + sy(my) + '"/>';
    s += '<text class="axt" x="' + ((W + m.l) / 2) + '" y="' + (H - 8) + '" text-anchor="middle">' + esc(nodeName(px)) + '</text>';
    s += '<text class="axt" transform="translate(12,' + ((H - m.b + m.t) / 2) + ') rotate(-90)" text-anchor="middle">' + esc(nodeName(py)) + '</text>';
    s += '<text class="qlab" x="' + (sx(mx) + 6) + '" y="' + (m.t + 14) + '">' + esc(t('q_lead')) + '</text>';
    s += '<text class="qlab" x="' + (m.l + 6) + '" y="' + (H - m.b - 6) + '">' + esc(t('q_lag')) + '</text>';
    P.units.forEach((iso, u) => {
      if (!Number.isFinite(X[u]) || !Number.isFinite(Y[u])) return;
      const c = iso === state.sel ? ' sel' : (iso === state.ref ? ' ref' : '');
      s += '<g class="pt' + c + '" data-unit="' + iso + '"><circle cx="' + sx(X[u]) + '" cy="' + sy(Y[u]) + '" r="4.5"><title>' + esc(unitName(iso)) + ': ' + fmt(X[u]) + ', ' + fmt(Y[u]) + '</title></circle>' +
        '<text x="' + (sx(X[u]) + 6) + '" y="' + (sy(Y[u]) - 5) + '">' + iso + '</text></g>';
    });
    return s + '</svg>';
  }

  function profileSVG(r) {
    const u = P.units.indexOf(state.sel), v = P.units.indexOf(state.ref);
    const nodes = P.nodes.filter(n => n.kind === 'aggregate' && n.parent);
    const rowH = 30, W = 520, top = 26, x0 = 170, barW = 230;
    let max = 0;
    nodes.forEach(n => [r.scores[n.id][u], r.scores[n.id][v]].forEach(a => { if (Number.isFinite(a) && a > max) max = a; }));
    max = max || 1;
    const H = top + rowH * nodes.length + 6;
    let s = '<svg viewBox="0 0 ' + W + ' ' + H + '" width="100%" role="img" aria-label="' + esc(t('profile')) + '">';
    s += '<rect class="bs" x="' + x0 + '" y="6" width="12" height="10"/><text x="' + (x0 + 16) + '" y="15">' + esc(unitName(state.sel)) + '</text>';
    s += '<rect class="br" x="' + (x0 + 170) + '" y="6" width="12" height="10"/><text x="' + (x0 + 186) + '" y="15">' + esc(unitName(state.ref)) + '</text>';
    nodes.forEach((n, i) => {
      const y = top + i * rowH, a = r.scores[n.id][u], b = r.scores[n.id][v];
      const wa = Number.isFinite(a) ? Math.max(0, a) / max * barW : 0, wb = Number.isFinite(b) ? Math.max(0, b) / max * barW : 0;
      s += '<text class="' + (n.depth === 1 ? 'pill' : '') + '" x="' + (4 + 10 * (n.depth - 1)) + '" y="' + (y + 16) + '">' + esc(nodeName(n.id)) + '</text>';
      s += '<rect class="bs" x="' + x0 + '" y="' + (y + 3) + '" width="' + wa.toFixed(1) + '" height="10"/>';
      s += '<rect class="br" x="' + x0 + '" y="' + (y + 15) + '" width="' + wb.toFixed(1) + '" height="10"/>';
      const ratio = Number.isFinite(a / b) ? (a / b).toFixed(2) : '–';
      s += '<text class="val" x="' + (x0 + Math.max(wa, wb) + 6) + '" y="' + (y + 18) + '">' + fmt(a) + ' / ' + fmt(b) + ' (' + ratio + '×)</text>';
    });
    return s + '</svg>';
  }

  function contribution(r, u, id) {  // as aidi.engine.aggregate.contributions, for the parent
    const parent = E.TREE.find(n => n.children.includes(id));
    const i = parent.children.indexOf(id), w = r.W[parent.id];
    const method = methodsFor(state.agg)[parent.id];
    const xs = parent.cols.map(cc => r.values[u * E.NA + cc]);
    let wsum = 0, total = 0;
    xs.forEach((x, k) => { total += w[k]; if (!Number.isNaN(x)) wsum += w[k]; });
    const x = xs[i];
    let c;
    if (Number.isNaN(x) || !(w[i] > 0)) c = 0;
    else if (method === 'arithmetic') c = w[i] * x / wsum;
    else if (method === 'geometric') c = w[i] * Math.log(x > 0 ? x : NaN) / wsum;
    else {
      let inv = 0;
      xs.forEach((xx, k) => { if (!Number.isNaN(xx) && w[k] > 0) inv += w[k] / xx; });
      c = (w[i] / x) / inv * (wsum / inv);
    }
    return { weight: total > 0 ? w[i] / total : w[i], contribution: c, method };
  }

  function lineageTable(r) {
    const u = P.units.indexOf(state.sel), v = P.units.indexOf(state.ref);
    const head = ['ind', 'norm_sel', 'norm_ref', 'raw', 'value_used', 'unit', 'year', 'transform', 'imputation', 'weight', 'contribution', 'source']
      .map(k => '<th>' + esc(t('col_' + k)) + '</th>').join('');
    const rows = E.IND.map((id, j) => {
      const L = P.lineage[id], n = E.NODES[id], c = contribution(r, u, id);
      let used = fmtRaw(L.value[u]);
      if (r.inputs) {
        const nv = r.inputs[u * E.NI + j], old = L.value[u] === null ? NaN : L.value[u];
        if (!(nv === old || (Number.isNaN(nv) && Number.isNaN(old)))) used = fmtRaw(old) + ' → <b>' + fmtRaw(nv) + '</b>';
      }
      const imp = L.imputed[u] ? (t('imputed') + (L.note[u] ? ': ' + L.note[u] : '')) : (L.note[u] || '');
      const src = esc(L.source[u]) + (L.file[u] ? '<br><code>' + esc(L.file[u]) + '</code>' : '');
      return '<tr><td title="' + esc(id) + '">' + esc(nodeName(id)) + '<br><small>' + esc(nodeName(n.parent)) + '</small></td>' +
        '<td class="num">' + fmt(r.norm[id][u]) + '</td><td class="num">' + fmt(r.norm[id][v]) + '</td>' +
        '<td class="num">' + fmtRaw(L.raw[u]) + '</td><td class="num">' + used + '</td>' +
        '<td>' + esc(n.unit) + '</td><td>' + esc(L.year[u]) + '</td><td>' + esc(n.transform[state.lang] || n.transform.en) + '</td>' +
        '<td>' + esc(imp) + '</td><td class="num">' + fmt(c.weight) + '</td><td class="num">' + fmt(c.contribution) + '</td><td class="src">' + src + '</td></tr>';
    }).join('');
    return '<table class="lineage"><thead><tr>' + head + '</tr></thead><tbody>' + rows + '</tbody></table>';
  }

  function nodesTable(r) {
    const cols = P.nodes.map(n => n.id);
    const val = (id, u) => (E.NODES[id].kind === 'indicator' ? r.norm[id][u] : r.rel[id][u]);
    const idx = P.units.map((x, i) => i);
    const key = state.sortKey, dir = state.sortDir;
    idx.sort((a, b) => {
      if (key === 'name') return dir * unitName(P.units[a]).localeCompare(unitName(P.units[b]));
      const va = val(key, a), vb = val(key, b);
      if (Number.isNaN(va) !== Number.isNaN(vb)) return Number.isNaN(va) ? 1 : -1;
      return dir * (va - vb) || a - b;
    });
    const mark = k => (k === key ? (dir > 0 ? ' ▲' : ' ▼') : '');
    let s = '<table class="nodes"><thead><tr><th data-sort="rank">' + esc(t('col_rank')) + '</th><th data-sort="name">' + esc(t('col_economy')) + mark('name') + '</th>';
    cols.forEach(id => { s += '<th data-sort="' + id + '" class="d' + E.NODES[id].depth + (E.NODES[id].kind === 'indicator' ? ' ind' : '') + '">' + esc(nodeName(id)) + mark(id) + '</th>'; });
    s += '</tr></thead><tbody>';
    idx.forEach(u => {
      s += '<tr data-unit="' + P.units[u] + '"' + (P.units[u] === state.sel ? ' class="sel"' : '') + '><td class="num">' + fmt(r.ranks[ROOT][u], 0) + '</td><td>' + esc(unitName(P.units[u])) + '</td>';
      cols.forEach(id => { s += '<td class="num">' + fmt(val(id, u)) + '</td>'; });
      s += '</tr>';
    });
    return s + '</tbody></table>';
  }

  // ---- CSV of the current scores ----
  function csvText() {
    const r = current;
    if (!r || r.error) return '';
    const b = window.aidiState.bands || {};
    const head = ['iso3', 'name', 'rank'].concat(E.AGG.slice().reverse()).concat(['rank_p05', 'rank_p95']);
    const lines = [head.join(',')];
    P.units.forEach((iso, u) => {
      const row = [iso, '"' + unitName(iso).replace(/"/g, '""') + '"', r.ranks[ROOT][u]];
      E.AGG.slice().reverse().forEach(id => row.push(Number.isNaN(r.rel[id][u]) ? '' : r.rel[id][u]));
      row.push(b[iso] ? b[iso].p05 : '', b[iso] ? b[iso].p95 : '');
      lines.push(row.join(','));
    });
    return lines.join('\n') + '\n';
  }

  // ---- state hook for tests and benchmarks ----
  function publish(r) {
    const s = { units: P.units, error: r.error || null, selfCheck, state: JSON.parse(JSON.stringify(state)), hash: encodeState(),
      bands: window.aidiState ? window.aidiState.bands : null, bandsPending: true };
    if (!r.error) {
      s.scores = {}; s.ranks = {}; s.relative = {};
      E.AGG.forEach(id => {
        s.scores[id] = Array.from(r.scores[id], x => (Number.isNaN(x) ? null : x));
        s.ranks[id] = Array.from(r.ranks[id], x => (Number.isNaN(x) ? null : x));
        s.relative[id] = Array.from(r.rel[id], x => (Number.isNaN(x) ? null : x));
      });
    }
    window.aidiState = s;
  }

  function renderPanels(r) {
    const t0 = performance.now();
    $('quadrant').innerHTML = quadrantSVG(r);
    $('profile').innerHTML = profileSVG(r);
    $('lineage').innerHTML = lineageTable(r);
    $('table').innerHTML = nodesTable(r);
    timings.panels.push(performance.now() - t0);
  }

  function computeBands() {
    bandsTimer = null;
    const t0 = performance.now();
    saveState();  // the link: once per burst of moves, not on every slider tick
    timings.url.push(performance.now() - t0);
    if (!current || current.error) { window.aidiState.bandsPending = false; return; }
    renderPanels(current);
    const t1 = performance.now();
    const res = E.bands(weightArrays(state.w), methodsFor(state.agg));
    timings.bands.push(performance.now() - t1);
    window.aidiState.bands = res.bands;
    window.aidiState.bandsDistinct = res.distinct;
    window.aidiState.bandsPending = false;
    $('ranking').innerHTML = rankingSVG(current, res.bands);
    $('band-note').textContent = t('band_note').replace('{n}', P.bands.n).replace('{seed}', P.bands.seed)
      .replace('{k}', res.distinct) + (state.sc.length ? ' ' + t('band_scenario') : '');
  }

  // ---- render ----
  function update() {
    current = evaluate(state);
    const t0 = performance.now();
    publish(current);
    syncWeights();
    $('error').textContent = current.error || '';
    $('error').hidden = !current.error;
    // the ranking now; the other panels and the bands right after (one coalesced step)
    if (!current.error) $('ranking').innerHTML = rankingSVG(current, window.aidiState.bands);
    $('sc-list').innerHTML = state.sc.map((ch, i) => '<li>' + esc(describeChange(ch)) + ' <button type="button" data-rm="' + i + '" aria-label="remove">×</button></li>').join('') || '<li class="none">' + esc(t('sc_none')) + '</li>';
    $('sc-list').querySelectorAll('button').forEach(b => b.addEventListener('click', () => { state.sc.splice(Number(b.dataset.rm), 1); update(); }));
    $('sel').value = state.sel; $('ref').value = state.ref; $('norm').value = state.norm; $('agg').value = state.agg;
    timings.render.push(performance.now() - t0);
    window.aidiState.renderedAt = performance.now();
    if (bandsTimer === null) bandsTimer = setTimeout(computeBands, 0);
  }

  // ---- events ----
  function wire() {
    $('norm').addEventListener('change', e => { state.norm = e.target.value; update(); });
    $('agg').addEventListener('change', e => { state.agg = e.target.value; update(); });
    $('sel').addEventListener('change', e => { state.sel = e.target.value; update(); });
    $('ref').addEventListener('change', e => { state.ref = e.target.value; update(); });
    $('reset').addEventListener('click', () => { state.w = Object.assign({}, DEFAULT_W); state.norm = 'spec'; state.agg = 'spec'; update(); });
    $('equal').addEventListener('click', () => { Object.keys(state.w).forEach(k => { state.w[k] = 1; }); update(); });
    $('sc-add').addEventListener('click', () => { state.sc.push(scenarioChange()); update(); });
    $('sc-clear').addEventListener('click', () => { state.sc = []; update(); });
    $('sc-op').addEventListener('change', () => {
      const op = $('sc-op').value;
      $('sc-param').value = op === 'multiply' ? 2 : 0.5;
      $('sc-param').disabled = op === 'match';
      $('sc-to').disabled = op === 'multiply';
    });
    $('gap-go').addEventListener('click', () => {
      const a = $('gap-a').value, b = $('gap-b').value, node = $('gap-node').value;
      const g = gapToOvertake(a, b, node);
      window.aidiState.gap = Object.assign({ a, b, node }, g);
      const msg = g.kind === 'factor' ? t('gap_factor').replace('{a}', unitName(a)).replace('{b}', unitName(b))
        .replace('{node}', nodeName(node)).replace('{f}', g.factor.toPrecision(6)).replace('{pct}', ((g.factor - 1) * 100).toFixed(1))
        : t('gap_' + g.kind).replace('{a}', unitName(a)).replace('{b}', unitName(b));
      $('gap-out').textContent = msg;
      $('gap-apply').hidden = g.kind !== 'factor';
    });
    $('gap-apply').addEventListener('click', () => {
      const g = window.aidiState.gap;
      if (!g || g.kind !== 'factor') return;
      const ch = { units: [g.a], multiply: g.factor };
      ch[E.NODES[g.node].kind === 'indicator' ? 'indicators' : 'nodes'] = [g.node];
      state.sc.push(ch); update();
    });
    document.querySelectorAll('#lang button').forEach(b => b.addEventListener('click', () => { state.lang = b.dataset.lang; buildControls(); update(); }));
    $('csv').addEventListener('click', () => {
      const a = $('csv');
      if (a.href && a.href.startsWith('blob:')) URL.revokeObjectURL(a.href);
      a.href = URL.createObjectURL(new Blob([csvText()], { type: 'text/csv' }));
    });
    $('link').addEventListener('click', () => {
      $('link-out').value = location.href;
      $('link-out').hidden = false;
      $('link-out').select();
    });
    const pick = e => {
      const g = e.target.closest('[data-unit]');
      if (g) { state.sel = g.dataset.unit; update(); $('profile-box').scrollIntoView({ block: 'nearest' }); }
    };
    $('ranking').addEventListener('click', pick);
    $('quadrant').addEventListener('click', pick);
    $('table').addEventListener('click', e => {
      const th = e.target.closest('th[data-sort]');
      if (th) {
        const k = th.dataset.sort === 'rank' ? ROOT : th.dataset.sort;
        state.sortDir = state.sortKey === k ? -state.sortDir : (k === 'name' ? 1 : -1);
        state.sortKey = k; update(); return;
      }
      pick(e);
    });
    window.addEventListener('hashchange', () => { decodeState(location.hash); buildControls(); update(); });
  }

  decodeState(location.hash);
  buildControls();
  wire();
  update();
  window.aidiExplorer = { evaluate: st => evaluate(Object.assign({}, state, st)), state, update, gapToOvertake, csvText, engine: E };
})();
