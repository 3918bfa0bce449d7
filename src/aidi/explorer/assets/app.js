/* aidi explorer — the page: state (kept in location.hash, so every view is a link), the model
 * for a state (the engine's aggregation of Python's matrices), controls, and the render loop.
 * The views themselves are in views.js. */
'use strict';

(function () {
  // the spec shown: the page's own, or another behind the spec switch (`#spec=<id>`)
  const MAIN = JSON.parse(document.getElementById('aidi-data').textContent);
  const MORE = JSON.parse(document.getElementById('aidi-more').textContent);
  const specIn = hash => new URLSearchParams(hash.replace(/^#/, '')).get('spec');
  const P = MORE[specIn(location.hash)] ? Object.assign({}, MORE[specIn(location.hash)], { world: MAIN.world }) : MAIN;
  const SPECS = [MAIN].concat(Object.values(MORE)).map(p => p.spec.id);
  const STR = JSON.parse(document.getElementById('aidi-strings').textContent);
  const E = makeEngine(P);
  const NU = P.units.length, REF = P.units.indexOf(P.spec.reference);
  const ROOT = E.AGG[E.AGG.length - 1], PILLARS = P.pillars, FIXED = P.fixed.on;
  const NORM = {};
  P.normalisations.forEach(l => { NORM[l] = E.flat(P.normalised[l]); });
  const DATA = E.flat(P.scenario.data);
  const DEFAULT_W = {};
  P.nodes.forEach(n => { if (n.parent) DEFAULT_W[n.id] = n.weight; });
  const TL = P.timeline && P.timeline.editions.length ? P.timeline : null;
  const TLX = TL ? TL.editions.map(e => E.flat(TL.data[e].normalised)) : [];
  const CURRENT_ED = TL ? Math.max(0, TL.editions.indexOf(TL.current)) : 0;
  const PRES = P.presentation || {};
  const DEFAULT_SERIES = TL && TL.series && TL.series.chained ? 'chained' : 'published';
  const $ = id => document.getElementById(id);

  const state = { w: Object.assign({}, DEFAULT_W), norm: 'spec', agg: 'spec', sc: [],
    lang: document.documentElement.lang === 'zh' ? 'zh' : 'en', tab: 'chart', chart: 'ranking',
    sel: PRES.focus || P.units[0], ref: PRES.reference || P.spec.reference || P.units[0],
    node: ROOT, ed: CURRENT_ED, pins: [], sortKey: ROOT, sortDir: -1, series: DEFAULT_SERIES };
  const F = makeFormat(STR, () => state.lang);
  const C = makeCharts(F), X = makeExport(F), G = makeGap(E.NODES, E.IND);
  const M = P.world ? makeMap(P.world, F) : null;
  const timings = { evaluate: [], render: [], panels: [], bands: [], url: [] };
  window.aidiTimings = timings;
  let current = null, bandsNow = null, bandsTimer = null, playing = null, bandsKey = '', bandsDistinct = 0;

  // why the page cannot run scenarios for this spec, in the reader's language
  function noScenario() {
    const why = P.scenario.why || {};
    const method = why.method ? (F.has('m_' + why.code + '_' + why.method) ? F.t('m_' + why.code + '_' + why.method) : why.method) : '';
    return F.tf('sc_why_' + (why.code || 'fixed'), { indicator: why.indicator ? nodeName(why.indicator) : '', method });
  }
  const nodeName = id => { const n = E.NODES[id]; return n ? (n.name[state.lang] || n.name.en) : id; };
  const unitName = u => P.names[state.lang][P.units.indexOf(u)] || u;

  // ---- the model for a state -----------------------------------------------------------------
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
  function summarise(values, x, W, inputs, nu, ref) {
    const scores = {}, ranks = {}, rel = {}, norm = {};
    E.AGG.forEach((id, k) => {
      const s = new Float64Array(nu);
      for (let u = 0; u < nu; u++) s[u] = values[u * E.NA + E.NI + k];
      scores[id] = s;
      ranks[id] = E.rankVector(s);
      const r = ref >= 0 ? s[ref] : 1;
      rel[id] = s.map(v => v / r);
    });
    E.IND.forEach((id, j) => {
      const s = new Float64Array(nu);
      for (let u = 0; u < nu; u++) s[u] = x[u * E.NI + j];
      norm[id] = s;
    });
    return { scores, ranks, rel, norm, values, W, inputs };
  }
  function fixedResult() {  // the page cannot aggregate this spec: Python's numbers, as built
    const values = new Float64Array(NU * E.NA), x = NORM.spec;
    for (let u = 0; u < NU; u++) {
      for (let j = 0; j < E.NI; j++) values[u * E.NA + j] = x[u * E.NI + j];
      E.AGG.forEach((id, k) => { const v = P.python.scores[u][k]; values[u * E.NA + E.NI + k] = v === null ? NaN : v; });
    }
    return summarise(values, x, weightArrays(DEFAULT_W), null, NU, REF);
  }
  function evaluate(st, extra) {
    const t0 = performance.now();
    if (FIXED) return extra && extra.length ? { error: noScenario() } : fixedResult();
    const W = weightArrays(st.w);
    for (const n of E.TREE) {
      if (!W[n.id].some(w => w > 0)) return { error: F.tf('err_allzero', { node: nodeName(n.id) }) };
    }
    const changes = extra ? st.sc.concat(extra) : st.sc;
    let x, inputs = null;
    try {
      if (changes.length) {
        if (!P.scenario.supported) return { error: noScenario() };
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
      return { error: F.tf('err_nonpositive', { node: nodeName(res.fail.node), unit: unitName(P.units[res.fail.unit]), child: nodeName(res.fail.child) }) };
    }
    if (!extra) timings.evaluate.push(performance.now() - t0);
    return summarise(res.values, x, W, inputs, NU, REF);
  }
  const DEFAULT = evaluate({ w: DEFAULT_W, norm: 'spec', agg: 'spec', sc: [] });

  // every edition with the reader's weights and aggregation (the spec's normalisation)
  const edCache = new Map();
  function edition(k) {
    if (!TL) return null;
    if (k === CURRENT_ED && current && !current.error) return current;
    const key = k + '|' + JSON.stringify(state.w) + '|' + state.agg;
    if (edCache.has(key)) return edCache.get(key);
    let out;
    const ref = P.units.indexOf(TL.reference);
    if (FIXED) {
      const values = new Float64Array(NU * E.NA);
      const rel = TL.data[TL.editions[k]].relative;
      for (let u = 0; u < NU; u++) E.AGG.forEach((id, j) => { const v = rel[u][j]; values[u * E.NA + E.NI + j] = v === null ? NaN : v; });
      out = summarise(values, TLX[k], null, null, NU, -1);
    } else {
      const W = weightArrays(state.w);
      const res = E.aggregateTree(TLX[k], NU, ref, W, methodsFor(state.agg), 'spec');
      out = res.fail ? { error: 'fail' } : summarise(res.values, TLX[k], W, null, NU, ref);
    }
    if (edCache.size > 200) edCache.clear();
    edCache.set(key, out);
    return out;
  }

  // self-check: the page's engine against Python, for this build and every edition
  function maxDiff(js, py) {
    let d = 0;
    py.forEach((row, u) => row.forEach((v, k) => {
      const ours = Number.isFinite(js(u, k)) ? js(u, k) : null;
      d = Math.max(d, (v === null) !== (ours === null) ? Infinity : (v === null ? 0 : Math.abs(ours - v)));
    }));
    return d;
  }
  let selfCheck = DEFAULT.error ? Infinity : maxDiff((u, k) => DEFAULT.scores[E.AGG[k]][u], P.python.scores);
  let selfCheckTimeline = 0;
  if (TL && !FIXED) {
    const save = current;
    current = null;
    TL.editions.forEach((e, k) => {
      const r = edition(k);
      if (r && !r.error) selfCheckTimeline = Math.max(selfCheckTimeline, maxDiff((u, j) => r.rel[E.AGG[j]][u], TL.data[e].relative));
    });
    current = save;
    edCache.clear();
  }

  // ---- state in the link ---------------------------------------------------------------------
  function isDefault() {
    return state.norm === 'spec' && state.agg === 'spec' && !state.sc.length &&
      Object.keys(DEFAULT_W).every(k => state.w[k] === DEFAULT_W[k]);
  }
  function encodeState() {
    const q = new URLSearchParams();
    if (state.tab !== 'profile') q.set('tab', state.tab);
    if (state.tab === 'chart' && state.chart !== 'ranking') q.set('chart', state.chart);
    q.set('economy', state.sel);
    if (state.ref !== (PRES.reference || P.spec.reference || P.units[0])) q.set('vs', state.ref);
    if (state.node !== ROOT) q.set('node', state.node);
    if (TL && state.ed !== CURRENT_ED) q.set('edition', TL.editions[state.ed]);
    if (state.pins.length) q.set('pin', state.pins.join(','));
    if (TL && state.series !== DEFAULT_SERIES) q.set('series', state.series);
    if (P !== MAIN) q.set('spec', P.spec.id);
    const w = Object.keys(state.w).filter(k => state.w[k] !== DEFAULT_W[k]).map(k => k + ':' + state.w[k]);
    if (w.length) q.set('w', w.join(','));
    if (state.norm !== 'spec') q.set('norm', state.norm);
    if (state.agg !== 'spec') q.set('agg', state.agg);
    if (state.sc.length) q.set('sc', JSON.stringify(state.sc));
    q.set('lang', state.lang);
    return q.toString();
  }
  function decodeState(hash) {
    const q = new URLSearchParams(hash.replace(/^#/, ''));
    const tabs = ['chart', 'table', 'map', 'time', 'profile', 'repro'];
    state.tab = tabs.includes(q.get('tab')) ? q.get('tab') : (q.has('economy') ? 'profile' : 'chart');
    if (state.tab === 'map' && !M) state.tab = 'chart';
    if (state.tab === 'time' && !TL) state.tab = 'chart';
    if (state.tab === 'repro' && !P.reproduction) state.tab = 'chart';
    const series = TL && TL.series ? ['published'].concat(Object.keys(TL.series)) : ['published'];
    state.series = series.includes(q.get('series')) ? q.get('series') : DEFAULT_SERIES;
    state.chart = q.get('chart') === 'quadrant' && PRES.quadrant ? 'quadrant' : 'ranking';
    state.w = Object.assign({}, DEFAULT_W);
    (q.get('w') || '').split(',').filter(Boolean).forEach(kv => {
      const i = kv.lastIndexOf(':'), k = kv.slice(0, i), v = Number(kv.slice(i + 1));
      if (k in DEFAULT_W && Number.isFinite(v) && v >= 0 && !FIXED) state.w[k] = v;
    });
    state.norm = P.normalisations.includes(q.get('norm')) ? q.get('norm') : 'spec';
    state.agg = P.aggregations.includes(q.get('agg')) ? q.get('agg') : 'spec';
    try { state.sc = q.get('sc') && P.scenario.supported ? JSON.parse(q.get('sc')) : []; } catch (e) { state.sc = []; }
    if (!Array.isArray(state.sc)) state.sc = [];
    if (q.get('lang') === 'zh' || q.get('lang') === 'en') state.lang = q.get('lang');
    const unit = v => (v && P.units.includes(v.toUpperCase()) ? v.toUpperCase() : null);
    state.sel = unit(q.get('economy')) || state.sel;
    state.ref = unit(q.get('vs')) || state.ref;
    state.node = E.AGG.includes(q.get('node')) ? q.get('node') : ROOT;
    state.ed = TL && TL.editions.includes(q.get('edition')) ? TL.editions.indexOf(q.get('edition')) : CURRENT_ED;
    state.pins = (q.get('pin') || '').split(',').map(unit).filter(Boolean);
  }
  function saveState() {
    const h = '#' + encodeState();
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  // ---- the context the views draw from ---------------------------------------------------------
  const ctx = { P, E, F, C, M, G, X, TL, state, ROOT, PILLARS, FIXED, REF, NU, DEFAULT, CURRENT_ED,
    nodeName, unitName, evaluate, edition, isDefault, encodeState, weightArrays, methodsFor,
    cur: () => current, noScenario: () => noScenario(), bands: () => bandsNow, update: () => update(), setTab: t => { state.tab = t; update(); } };
  const V = makeViews(ctx);

  // ---- controls ------------------------------------------------------------------------------
  function options(sel, items, value) {
    sel.innerHTML = items.map(([v, label]) => '<option value="' + F.esc(v) + '"' + (v === value ? ' selected' : '') + '>' + F.esc(label) + '</option>').join('');
  }
  const unitItems = () => P.units.map(u => [u, unitName(u) + ' (' + u + ')']);
  const nodeItems = withInd => P.nodes.filter(n => n.parent && (withInd || n.kind !== 'indicator'))
    .map(n => [n.id, '\u00a0'.repeat(2 * (n.depth - 1)) + nodeName(n.id)]);
  ctx.options = options; ctx.unitItems = unitItems; ctx.nodeItems = nodeItems;

  function buildWeights() {
    $('weights').innerHTML = P.nodes.filter(n => n.parent).map(n => {
      const max = Math.max(3, 3 * n.weight);
      return '<div class="wrow d' + n.depth + (n.kind === 'indicator' ? ' ind' : '') + '">' +
        '<label for="w-' + n.id + '" title="' + F.esc(nodeName(n.id)) + '">' + F.esc(nodeName(n.id)) + '</label>' +
        '<input type="range" id="w-' + n.id + '" data-node="' + n.id + '" min="0" max="' + max + '" step="any" value="' + state.w[n.id] + '"' + (FIXED ? ' disabled' : '') + '>' +
        '<output id="wv-' + n.id + '">' + F.score(state.w[n.id], 2) + '</output></div>';
    }).join('');
    $('weights').classList.toggle('off', FIXED);
  }
  function syncWeights() {
    Object.keys(state.w).forEach(k => {
      const el = $('w-' + k), o = $('wv-' + k);
      if (el && Number(el.value) !== state.w[k]) el.value = state.w[k];
      const text = F.score(state.w[k], 2);
      if (o && o.textContent !== text) o.textContent = text;
    });
  }
  function methodLine(m) {
    const name = F.has('m_' + m.step + '_' + m.method) ? F.t('m_' + m.step + '_' + m.method) : m.method;
    const n = m.step === 'screen' ? F.pct(m.count * 100) : m.count;
    const line = m.step === 'screen' ? 'm_line_screen' : (m.step === 'aggregate' ? 'm_line_node' : 'm_line_ind') + (m.count === 1 ? '1' : '');
    return '<li class="' + (m.changeable ? '' : 'fixed') + '">' + F.esc(F.tf(line, { step: F.t('step_' + m.step), method: name, n })) +
      ' · ' + F.esc(F.t(m.changeable ? 'm_changeable' : 'm_fixed')) + '</li>';
  }
  function buildControls() {
    document.documentElement.lang = state.lang;
    document.querySelectorAll('[data-i18n]').forEach(el => { el.textContent = F.t(el.dataset.i18n); });
    document.querySelectorAll('[data-i18n-label]').forEach(el => { el.setAttribute('aria-label', F.t(el.dataset.i18nLabel)); });
    const name = P.spec.name[state.lang] || P.spec.name.en;
    document.title = name + ' — ' + F.t('explorer');
    $('title').textContent = name + ' · ' + F.t('explorer');
    const scale = P.spec.reference ? F.tf('scale_ref', { ref: unitName(P.spec.reference) }) : F.t('scale_own');
    const ed = P.edition || P.spec.edition;
    $('subtitle').textContent = F.tf(ed ? 'subtitle' : 'subtitle_noed', { n: NU, scale, edition: ed });
    options($('norm'), P.normalisations.map(l => [l, F.t('norm_' + l)]), state.norm);
    options($('agg'), P.aggregations.map(l => [l, F.t('agg_' + l)]), state.agg);
    $('norm').disabled = FIXED || P.normalisations.length < 2;
    $('agg').disabled = FIXED || P.aggregations.length < 2;
    $('methods').innerHTML = P.methods.map(methodLine).join('') +
      (FIXED ? '<li class="fixed">' + F.esc(F.tf('fixed_note', { nodes: F.list(P.fixed.nodes.map(n => nodeName(n.node) + ' (' + n.method + ')')) })) + '</li>' : '');
    $('weights-off').hidden = !FIXED;
    $('weights-off').textContent = FIXED ? F.t('weights_fixed') : '';
    options($('sc-unit'), unitItems(), $('sc-unit').value || state.sel);
    options($('sc-node'), nodeItems(true), $('sc-node').value || (PILLARS.length && E.NODES[PILLARS[0]].children[0]));
    options($('sc-op'), [['match', F.t('op_match')], ['close', F.t('op_close')], ['multiply', F.t('op_multiply')]], $('sc-op').value || 'match');
    options($('sc-to'), unitItems(), $('sc-to').value || P.spec.reference || P.units[0]);
    $('presets').innerHTML = P.presets.map((p, i) => '<button type="button" data-preset="' + i + '">' + F.esc(p.name[state.lang] || p.name.en) + '</button>').join('') || F.esc(F.t('none'));
    $('scenario-box').classList.toggle('off', !P.scenario.supported);
    $('sc-off').textContent = P.scenario.supported ? '' : noScenario();
    document.querySelectorAll('#lang button').forEach(b => b.classList.toggle('on', b.dataset.lang === state.lang));
    buildSpecSwitch();
    if ($('selfcheck')) $('selfcheck').textContent = F.tf('selfcheck', { d: selfCheck.toExponential(1) });
    buildWeights();
    V.controls();
  }

  // the spec switch: one button per spec the page carries (the source as published first)
  function specLabel(id) {
    const R = P.reproduction;
    if (R && (id === R.a || id === R.b)) return F.t(id === R.a ? 'spec_role_a' : 'spec_role_b');
    const p = id === MAIN.spec.id ? MAIN : MORE[id];
    return p.spec.name[state.lang] || p.spec.name.en;
  }
  function buildSpecSwitch() {
    const R = P.reproduction;
    const order = R ? [R.a, R.b].filter(id => SPECS.includes(id)).concat(SPECS.filter(id => id !== R.a && id !== R.b)) : SPECS;
    $('spec-switch').hidden = SPECS.length < 2;
    $('spec-buttons').innerHTML = order.map(id => '<button type="button" data-spec="' + F.esc(id) + '" class="' + (id === P.spec.id ? 'on' : '') +
      '" aria-pressed="' + (id === P.spec.id) + '" title="' + F.esc(id) + '">' + F.esc(specLabel(id)) + ' <small>' + F.esc(id) + '</small></button>').join('');
  }
  function switchSpec(id) {  // the other spec's page: the same view, economy, edition and language
    if (id === P.spec.id) return;
    const q = new URLSearchParams(encodeState());
    ['w', 'norm', 'agg', 'sc', 'spec'].forEach(k => q.delete(k));
    if (id !== MAIN.spec.id) q.set('spec', id);
    history.replaceState(null, '', '#' + q.toString());
    location.reload();
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
    const what = F.list((ch.nodes || []).concat(ch.indicators || []).map(nodeName));
    let how;
    if (ch.close_gap && ch.close_gap.fraction === 1) how = F.t('op_match') + ' ' + unitName(ch.close_gap.to);
    else if (ch.close_gap) how = F.t('op_close') + ' ' + unitName(ch.close_gap.to) + ': ' + ch.close_gap.fraction;
    else if (ch.multiply !== undefined) how = '× ' + F.score(ch.multiply);
    else how = '= ' + ch.set;
    return F.list(ch.units.map(unitName)) + ' · ' + what + ' · ' + how;
  }

  // ---- state hook for tests and benchmarks ---------------------------------------------------
  function publish(r) {
    const s = { units: P.units, error: r.error || null, selfCheck, selfCheckTimeline,
      state: JSON.parse(JSON.stringify(state)), hash: encodeState(), fixed: FIXED,
      bands: bandsNow, bandsPending: true, editions: TL ? TL.editions : [], gap: window.aidiState ? window.aidiState.gap : null,
      spec: P.spec.id, specs: SPECS };
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

  function computeBands() {
    bandsTimer = null;
    const t0 = performance.now();
    saveState();  // the link: once per burst of moves, not on every slider tick
    timings.url.push(performance.now() - t0);
    if (!current || current.error) { window.aidiState.bandsPending = false; return; }
    const key = JSON.stringify(state.w) + '|' + state.agg;
    if (key !== bandsKey) {  // the bands depend on the weights and the aggregation only
      const t1 = performance.now();
      const res = E.bands(weightArrays(state.w), methodsFor(state.agg));
      timings.bands.push(performance.now() - t1);
      bandsNow = res.bands;
      bandsDistinct = res.distinct;
      bandsKey = key;
    }
    const res = { bands: bandsNow, distinct: bandsDistinct };
    window.aidiState.bands = res.bands;
    window.aidiState.bandsDistinct = res.distinct;
    if (state.tab === 'chart' || state.tab === 'profile') {
      const t2 = performance.now();
      V.render();
      timings.panels.push(performance.now() - t2);
    }
    window.aidiState.bandsPending = false;
  }

  // ---- render --------------------------------------------------------------------------------
  function update() {
    current = evaluate(state);
    const t0 = performance.now();
    publish(current);
    syncWeights();
    $('error').textContent = current.error || '';
    $('error').hidden = !current.error;
    if (!current.error) V.render();
    $('sc-list').innerHTML = state.sc.map((ch, i) => '<li>' + F.esc(describeChange(ch)) + ' <button type="button" data-rm="' + i + '" aria-label="' + F.esc(F.t('remove')) + '">×</button></li>').join('') || '<li class="none">' + F.esc(F.t('sc_none')) + '</li>';
    $('norm').value = state.norm; $('agg').value = state.agg;
    timings.render.push(performance.now() - t0);
    window.aidiState.renderedAt = performance.now();
    if (bandsTimer === null) bandsTimer = setTimeout(computeBands, 0);
  }

  // ---- events --------------------------------------------------------------------------------
  function drawer(open) {
    document.body.classList.toggle('drawer-open', open);
    $('scrim').hidden = !open;
    $('menu').setAttribute('aria-expanded', String(open));
  }
  function wire() {
    $('norm').addEventListener('change', e => { state.norm = e.target.value; update(); });
    $('agg').addEventListener('change', e => { state.agg = e.target.value; update(); });
    $('weights').addEventListener('input', e => {
      const el = e.target;
      if (!el.dataset.node) return;
      state.w[el.dataset.node] = Number(el.value);
      update();
    });
    $('reset').addEventListener('click', () => { state.w = Object.assign({}, DEFAULT_W); state.norm = 'spec'; state.agg = 'spec'; update(); });
    $('equal').addEventListener('click', () => { Object.keys(state.w).forEach(k => { state.w[k] = 1; }); update(); });
    $('sc-add').addEventListener('click', () => { state.sc.push(scenarioChange()); update(); });
    $('sc-clear').addEventListener('click', () => { state.sc = []; update(); });
    $('sc-list').addEventListener('click', e => { const b = e.target.closest('button[data-rm]'); if (b) { state.sc.splice(Number(b.dataset.rm), 1); update(); } });
    $('presets').addEventListener('click', e => {
      const b = e.target.closest('button[data-preset]');
      if (b) { state.sc = state.sc.concat(JSON.parse(JSON.stringify(P.presets[Number(b.dataset.preset)].changes))); update(); }
    });
    $('sc-op').addEventListener('change', () => {
      const op = $('sc-op').value;
      $('sc-param').value = op === 'multiply' ? 2 : 0.5;
      $('sc-param').disabled = op === 'match';
      $('sc-to').disabled = op === 'multiply';
    });
    document.querySelectorAll('#lang button').forEach(b => b.addEventListener('click', () => { state.lang = b.dataset.lang; buildControls(); update(); }));
    $('link').addEventListener('click', () => {
      saveState();
      $('link-out').value = location.href;
      $('link-out').hidden = false;
      $('link-out').select();
    });
    $('spec-buttons').addEventListener('click', e => { const b = e.target.closest('button[data-spec]'); if (b) switchSpec(b.dataset.spec); });
    $('menu').addEventListener('click', () => drawer(!document.body.classList.contains('drawer-open')));
    $('drawer-close').addEventListener('click', () => drawer(false));
    $('scrim').addEventListener('click', () => drawer(false));
    document.querySelectorAll('.tabs button').forEach(b => b.addEventListener('click', () => { state.tab = b.dataset.tab; update(); }));
    $('play').addEventListener('click', () => {
      if (playing) { clearInterval(playing); playing = null; $('play').textContent = '▶'; return; }
      $('play').textContent = '❚❚';
      if (state.ed >= TL.editions.length - 1) state.ed = 0;
      playing = setInterval(() => {
        if (state.ed >= TL.editions.length - 1) { clearInterval(playing); playing = null; $('play').textContent = '▶'; return; }
        state.ed += 1; update();
      }, 900);
    });
    V.wire();
    let raf = 0;
    window.addEventListener('resize', () => { cancelAnimationFrame(raf); raf = requestAnimationFrame(() => { if (current && !current.error) V.render(); }); });
    window.addEventListener('hashchange', () => {
      if ((MORE[specIn(location.hash)] ? specIn(location.hash) : MAIN.spec.id) !== P.spec.id) { location.reload(); return; }
      decodeState(location.hash); buildControls(); update();
    });
  }

  decodeState(location.hash);
  buildControls();
  wire();
  update();
  window.aidiExplorer = { evaluate: st => evaluate(Object.assign({}, state, st)), state, update, engine: E,
    gap: (a, b, node) => V.gapFor(a, b, node), view: () => V.last(), edition, csv: () => V.csvText() };
})();
