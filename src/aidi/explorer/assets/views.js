/* aidi explorer — the views behind the tabs (chart · table · map · over time · profile), each
 * drawn for the space it has, and what each exports (PNG, SVG, CSV). Only the visible view is
 * drawn on a change. */
'use strict';

function makeViews(ctx) {
  const { P, E, F, C, M, G, X, TL, state, ROOT } = ctx;
  const $ = id => document.getElementById(id);
  let last = null;
  const RP = P.reproduction ? makeRepro(ctx) : null;
  const gapUI = { b: null, node: ROOT, result: null };

  // ---- shared pieces ---------------------------------------------------------------------------
  const headline = () => (P.presentation.headline || [ROOT]).filter(id => E.AGG.includes(id));
  const scaleText = () => (P.spec.reference ? F.tf('scale_ref', { ref: ctx.unitName(P.spec.reference) }) : F.t('scale_own'));
  const scaleNote = () => (P.spec.reference ? F.tf('scale_note_ref', { ref: ctx.unitName(P.spec.reference) }) : F.t('scale_note_own'));
  const edLabel = k => (TL ? (TL.editions[k] === 'latest' ? F.t('latest') : TL.editions[k]) : (P.edition || ''));
  const width = () => Math.max(300, $('view').clientWidth - 2 * (window.innerWidth <= 900 ? 8 : 12));
  const finite = v => Number.isFinite(v);
  function value(r, id, u) { return r.values[u * E.NA + E.col[id]]; }
  function reason(r, u) {  // why an economy has no index: the root's children it lacks
    const root = E.TREE[E.TREE.length - 1];
    const gone = root.children.filter(c => !finite(value(r, c, u)));
    const parts = gone.map(c => {
      const node = E.TREE.find(n => n.id === c);
      const kids = node ? node.children.filter(k => !finite(value(r, k, u))).map(ctx.nodeName) : [];
      return ctx.nodeName(c) + (kids.length ? F.tf('no_children', { nodes: F.list(kids) }) : '');
    });
    return F.tf('unranked_reason', { nodes: F.list(parts.length ? parts : [ctx.nodeName(ROOT)]) });
  }
  function rankedOrder(r) {
    const idx = P.units.map((u, i) => i).filter(i => finite(r.scores[ROOT][i]));
    return idx.sort((a, b) => r.ranks[ROOT][a] - r.ranks[ROOT][b] || a - b);
  }
  const unrankedOf = r => P.units.map((u, i) => i).filter(i => !finite(r.scores[ROOT][i]));

  // ---- chart tab: ranking and quadrants ------------------------------------------------------
  function rankingView(r) {
    const series = headline();
    const bands = ctx.bands() || {};
    const order = rankedOrder(r), D = ctx.DEFAULT;
    const rows = order.map(u => {
      const iso = P.units[u], was = D.ranks ? D.ranks[ROOT][u] : NaN, now = r.ranks[ROOT][u];
      return { iso, name: ctx.unitName(iso), rank: now, move: finite(was) ? was - now : 0, sel: iso === state.sel,
        values: series.map(id => r.rel[id][u]), band: bands[iso] || null };
    });
    const unranked = unrankedOf(r).map(u => ({ iso: P.units[u], name: ctx.unitName(P.units[u]), reason: reason(r, u), sel: P.units[u] === state.sel }));
    const title = F.tf('title_ranking', { node: ctx.nodeName(ROOT) });
    const svg = C.ranking(rows, unranked, { width: width(), title, series: series.map(id => ({ label: ctx.nodeName(id) })),
      nBand: order.length, bandLabel: F.t('band_legend'), unrankedTitle: F.tf('unranked_title', { n: unranked.length }) });
    const b = P.bands;
    const note = F.sentences([b ? (ctx.FIXED ? F.t('band_fixed') : F.tf('band_note', { n: b.n, seed: b.seed })) : F.tf('bands_off', { why: P.bands_off }),
      state.sc.length ? F.t('band_scenario') : '', F.t('click_profile')]);
    const head = [F.t('col_rank'), F.t('col_code'), F.t('col_economy')].concat(series.map(ctx.nodeName), [F.t('col_band_lo'), F.t('col_band_hi'), F.t('col_ranked')]);
    const csv = rows.map(x => [x.rank, x.iso, x.name].concat(x.values, [x.band ? x.band.p05 : null, x.band ? x.band.p95 : null, F.t('yes')]))
      .concat(unranked.map(x => [null, x.iso, x.name].concat(series.map(() => null), [null, null, x.reason])));
    return { id: 'ranking', node: ROOT, title, svg, note, csv: { head, rows: csv } };
  }
  const median = a => { const v = a.filter(finite).sort((x, y) => x - y); const h = v.length >> 1; return v.length ? (v.length % 2 ? v[h] : (v[h - 1] + v[h]) / 2) : NaN; };
  function quadrantView(r) {
    const [px, py] = P.presentation.quadrant;
    const X0 = r.rel[px], Y0 = r.rel[py];
    const pts = P.units.map((iso, u) => ({ iso, name: ctx.unitName(iso), label: ctx.unitName(iso), x: X0[u], y: Y0[u],
      cls: iso === state.sel ? 'sel' : (iso === state.ref ? 'refu' : '') })).filter(p => finite(p.x) && finite(p.y));
    const title = F.tf('title_quadrant', { x: ctx.nodeName(px), y: ctx.nodeName(py) });
    const svg = pts.length ? C.quadrant(pts, { width: width(), title, xlabel: ctx.nodeName(px), ylabel: ctx.nodeName(py),
      mx: median(Array.from(X0)), my: median(Array.from(Y0)), qLead: F.t('q_lead'), qLag: F.t('q_lag') }) : '';
    const head = [F.t('col_code'), F.t('col_economy'), ctx.nodeName(px), ctx.nodeName(py)];
    return { id: 'quadrant', node: px + '-' + py, title, svg, note: F.sentences([F.t('quadrant_note'), scaleNote()]),
      csv: { head, rows: pts.map(p => [p.iso, p.name, p.x, p.y]) } };
  }

  // ---- table tab -------------------------------------------------------------------------------
  function tableView(r) {
    const cols = headline().concat(P.nodes.map(n => n.id).filter(id => !headline().includes(id) && id !== ROOT));
    const val = (id, u) => (E.NODES[id].kind === 'indicator' ? r.norm[id][u] : r.rel[id][u]);
    const key = state.sortKey, dir = state.sortDir;
    const sorted = ids => ids.sort((a, b) => {
      if (key === 'name') return dir * ctx.unitName(P.units[a]).localeCompare(ctx.unitName(P.units[b]));
      const va = val(key, a), vb = val(key, b);
      if (Number.isNaN(va) !== Number.isNaN(vb)) return Number.isNaN(va) ? 1 : -1;
      return dir * (va - vb) || a - b;
    });
    const mark = k => (k === key ? (dir > 0 ? ' ▲' : ' ▼') : '');
    let s = '<div class="scroll"><table class="nodes"><thead><tr><th data-sort="rank">' + F.esc(F.t('col_rank')) + '</th><th data-sort="name">' + F.esc(F.t('col_economy')) + mark('name') + '</th>';
    cols.forEach(id => { s += '<th data-sort="' + id + '" class="' + (E.NODES[id].kind === 'indicator' ? 'ind' : '') + '">' + F.esc(ctx.nodeName(id)) + mark(id) + '</th>'; });
    s += '</tr></thead><tbody>';
    const row = u => {
      let h = '<tr data-unit="' + P.units[u] + '"' + (P.units[u] === state.sel ? ' class="sel"' : '') + '><td class="num">' + F.rank(r.ranks[ROOT][u]) + '</td><td>' + F.esc(ctx.unitName(P.units[u])) + '</td>';
      cols.forEach(id => { h += '<td class="num">' + F.score(val(id, u)) + '</td>'; });
      return h + '</tr>';
    };
    sorted(rankedOrder(r)).forEach(u => { s += row(u); });
    const un = sorted(unrankedOf(r));
    if (un.length) {
      s += '<tr class="group"><td colspan="' + (cols.length + 2) + '">' + F.esc(F.tf('unranked_title', { n: un.length })) + '</td></tr>';
      un.forEach(u => { s += row(u); });
    }
    s += '</tbody></table></div>';
    const head = [F.t('col_rank'), F.t('col_code'), F.t('col_economy')].concat(cols.map(ctx.nodeName));
    const all = rankedOrder(r).concat(unrankedOf(r));
    const rows = all.map(u => [r.ranks[ROOT][u], P.units[u], ctx.unitName(P.units[u])].concat(cols.map(id => val(id, u))));
    const shown = headline();
    const imgRows = all.map(u => [F.rank(r.ranks[ROOT][u]), ctx.unitName(P.units[u])].concat(shown.map(id => F.score(val(id, u)))));
    const title = F.tf('title_table', { node: ctx.nodeName(ROOT) });
    return { id: 'table', node: ROOT, title, html: s, note: F.sentences([F.t('table_note'), scaleNote()]), csv: { head, rows },
      image: () => C.tableSVG([F.t('col_rank'), F.t('col_economy')].concat(shown.map(ctx.nodeName)), imgRows, { title, numFrom: 2 }) };
  }

  // ---- map tab ---------------------------------------------------------------------------------
  function editionNote() {
    const live = state.ed === ctx.CURRENT_ED;
    const custom = state.norm !== 'spec' || state.sc.length;
    return live ? '' : F.sentences([custom ? F.t('edition_fixed') : '', ctx.isDefault() ? F.t('edition_published') : F.t('edition_recomputed')]);
  }
  function mapView() {
    const r = TL ? ctx.edition(state.ed) : ctx.cur();
    const node = state.node, values = {}, status = {};
    P.units.forEach((iso, u) => { const v = r && !r.error ? r.rel[node][u] : NaN; if (finite(v)) values[iso] = v; else status[iso] = 'unranked'; });
    const title = F.tf('title_map', { node: ctx.nodeName(node), edition: edLabel(state.ed) });
    const look = { title, names: P.world.names[state.lang], sel: state.sel, noValue: F.t('map_novalue'), notBuilt: F.t('map_notbuilt') };
    const W = Math.round(width()), el = $('view').querySelector('svg.map');
    const inPlace = el && Number(el.getAttribute('width')) === W && el.dataset.lang === state.lang;
    const svg = inPlace ? null : M.svg(W, values, status, look).replace('<svg ', '<svg data-lang="' + state.lang + '" ');
    if (inPlace) M.recolor(el, values, status, look);
    const ranks = r && !r.error ? r.ranks[node] : null;
    const rows = P.units.map((iso, u) => [iso, ctx.unitName(iso), finite(values[iso]) ? values[iso] : null, ranks && finite(ranks[u]) ? ranks[u] : null]);
    return { id: 'map', node, ed: true, title, svg, keep: inPlace, image: () => M.svg(W, values, status, look), note: F.sentences([F.tf('map_note', { n: M.count }), scaleNote(), editionNote()]),
      csv: { head: [F.t('col_code'), F.t('col_economy'), ctx.nodeName(node), F.t('col_rank')], rows } };
  }

  // ---- over time tab ---------------------------------------------------------------------------
  // The comparable series (chained, fixed set) are Python's, at the spec's weights and methods,
  // for the index and the pillars; "as published" is every edition re-aggregated here.
  const NaNs = row => row.map(v => (v === null ? NaN : v));
  function comparable(node) {
    const s = state.series !== 'published' && TL.series && TL.series[state.series];
    return s && s[node] ? s[node] : null;
  }
  function eventText(ev) {
    const name = ev.name === 'weights' ? '' : ev.name.startsWith('node:') ? ctx.nodeName(ev.name.slice(5)) :
      ev.name.startsWith('default:') ? F.t('step_' + ev.name.slice(8)) : ev.name === 'calibration' ? F.t('calibration') : ctx.nodeName(ev.name);
    return F.tf(F.has('ev_' + ev.kind) ? 'ev_' + ev.kind : 'ev_other', { name });
  }
  function breaksOf() {
    return (TL.breaks || []).map(b => ({ i: TL.editions.indexOf(b.edition), edition: b.edition,
      text: F.list(b.events.map(eventText)) })).filter(b => b.i > 0);
  }
  function timeNotes(cmp, node, breaks, backcast) {
    const notes = [];
    if (cmp) notes.push(F.tf('series_note_' + state.series, { anchor: edLabel(TL.editions.indexOf(TL.anchor)), n: (TL.fixed_indicators || []).length }));
    else if (state.series !== 'published') notes.push(F.tf('series_nodeonly', { node: ctx.nodeName(node) }));
    else notes.push(F.t('series_note_published'));
    if (cmp && !ctx.isDefault()) notes.push(F.t('series_python'));
    if (breaks.length) notes.push(F.tf('breaks_list', { list: breaks.map(b => F.tf('break_item', { edition: edLabel(b.i), events: b.text })).join(state.lang === 'zh' ? '；' : '; ') }));
    const dates = Array.from(new Set(backcast.map(k => TL.backcast[TL.editions[k]].date).filter(Boolean)));
    if (backcast.length) notes.push(F.tf('backcast_note', { date: dates.join(', ') || '–' }));
    notes.push(F.t('time_note'), scaleNote());
    if (!cmp) notes.push(ctx.isDefault() ? F.t('edition_published') : F.t('edition_recomputed'));
    if (!cmp && (state.norm !== 'spec' || state.sc.length)) notes.push(F.t('edition_fixed'));
    return F.sentences(notes);
  }
  function timeView() {
    const node = state.node, n = TL.editions.length, cmp = comparable(node);
    const res = cmp ? null : TL.editions.map((e, k) => ctx.edition(k));
    const hi = [state.sel, state.ref].concat(state.pins).filter((u, i, a) => u && a.indexOf(u) === i);
    const series = P.units.map((iso, u) => ({ iso, name: ctx.unitName(iso), hi: hi.includes(iso),
      values: cmp ? NaNs(cmp.map(row => row[u])) : res.map(r => (r && !r.error ? r.rel[node][u] : NaN)) }));
    series.sort((a, b) => (a.hi ? hi.indexOf(a.iso) : -1) - (b.hi ? hi.indexOf(b.iso) : -1));
    const shown = cmp ? state.series : 'published';
    const title = F.tf('title_time', { node: ctx.nodeName(node), first: edLabel(0), last: edLabel(n - 1) }) + ' · ' + F.t('series_' + shown);
    const breaks = breaksOf();
    const backcast = TL.editions.map((e, k) => k).filter(k => TL.backcast && TL.backcast[TL.editions[k]]);
    const look = { width: width(), title, editions: TL.editions.map((e, k) => edLabel(k)), current: state.ed,
      breaks: breaks.map(b => ({ i: b.i, title: F.t('break') + ' · ' + edLabel(b.i) + ': ' + b.text })), backcast,
      legend: { brk: F.t('legend_break'), bc: F.t('legend_backcast'), now: F.t('legend_current') } };
    const svg = C.lines(series.filter(s => s.values.some(finite)), look);
    const head = [F.t('col_code'), F.t('col_economy')].concat(TL.editions.map((e, k) => edLabel(k) + (backcast.includes(k) ? '*' : '')));
    return { id: 'over-time', node, series: shown, title, svg, note: timeNotes(cmp, node, breaks, backcast),
      header: [[F.t('h_series'), F.t('series_' + shown)]].concat(breaks.map(b => [F.t('break') + ' ' + edLabel(b.i), b.text])),
      csv: { head, rows: series.map(s => [s.iso, s.name].concat(s.values)) } };
  }

  // ---- profile tab -----------------------------------------------------------------------------
  function lineageTable(r, u, v) {
    const yearText = y => {
      let m = /^(\d{4})–(\d{4}) mean$/.exec(y);
      if (m) return F.tf('year_mean', { a: m[1], b: m[2] });
      m = /^(\d{4}) \(latest earlier\)$/.exec(y);
      return m ? F.tf('year_earlier', { y: m[1] }) : y;
    };
    const unitText = x => (x && STRU(x)) || x;
    const how = (L, k) => {
      if (!L.how[k]) return '';
      if (L.how[k] === 'carried_forward') return F.t('note_carried');
      const name = F.has('m_impute_' + L.how[k]) ? F.t('m_impute_' + L.how[k]) : L.how[k];
      return F.tf('note_imputed', { method: name, value: F.raw(L.filled[k]) });
    };
    const head = ['ind', 'norm_sel', 'norm_ref', 'raw', 'value_used', 'unit', 'year', 'imputation', 'source'].map(k => '<th>' + F.esc(F.t('col_' + k)) + '</th>').join('');
    const rows = E.IND.map((id, j) => {
      const L = P.lineage[id], n = E.NODES[id];
      let used = F.raw(L.value[u]);
      if (r.inputs) {
        const nv = r.inputs[u * E.NI + j], old = L.value[u] === null ? NaN : L.value[u];
        if (!(nv === old || (Number.isNaN(nv) && Number.isNaN(old)))) used = F.raw(old) + ' → <b>' + F.raw(nv) + '</b>';
      }
      const source = /^aidi exposure model/.test(L.source[u]) ? F.t('source_exposure') : L.source[u];
      const src = F.esc(source) + (L.file[u] ? '<br><code>' + F.esc(L.file[u]) + '</code>' : '');
      return '<tr><td>' + F.esc(ctx.nodeName(id)) + '<br><small>' + F.esc(ctx.nodeName(n.parent)) + '</small></td>' +
        '<td class="num">' + F.score(r.norm[id][u]) + '</td><td class="num">' + F.score(r.norm[id][v]) + '</td>' +
        '<td class="num">' + F.raw(L.raw[u]) + '</td><td class="num">' + used + '</td><td>' + F.esc(unitText(n.unit)) + '</td>' +
        '<td>' + F.esc(yearText(L.year[u])) + '</td><td>' + F.esc(how(L, u)) + '</td><td class="src">' + src + '</td></tr>';
    }).join('');
    return '<div class="scroll"><table class="lineage"><thead><tr>' + head + '</tr></thead><tbody>' + rows + '</tbody></table></div>';
  }
  const STRU = x => { const k = 'unit:' + x; return F.has(k) ? F.t(k) : null; };
  function profileView(r) {
    const u = P.units.indexOf(state.sel), v = P.units.indexOf(state.ref);
    const nodes = [ROOT].concat(P.nodes.filter(n => n.kind === 'aggregate' && n.parent).map(n => n.id));
    const items = nodes.map(id => ({ id, label: ctx.nodeName(id), depth: E.NODES[id].depth, a: r.rel[id][u], b: r.rel[id][v] }));
    const name = ctx.unitName(state.sel), refName = ctx.unitName(state.ref);
    const title = F.tf('title_profile', { a: name, b: refName });
    const svg = C.profile(items, { width: width(), title, refLabel: refName + ' = 1', ratioLabel: F.tf('profile_ratio', { b: refName }), aLabel: name, bLabel: refName });
    const band = (ctx.bands() || {})[state.sel];
    const ranked = finite(r.scores[ROOT][u]);
    const nRanked = rankedOrder(r).length;
    let s = '<div class="profile-head"><span class="big">' + F.esc(name) + '</span>' +
      (ranked ? '<span>' + F.esc(F.tf('rank_of', { r: F.rank(r.ranks[ROOT][u]), n: nRanked })) + '</span><span>' + F.esc(ctx.nodeName(ROOT)) + ': <b>' + F.score(r.rel[ROOT][u]) + '</b></span>' +
        (band && finite(band.p05) ? '<span>' + F.esc(F.tf('band_tip', { a: F.rank(band.p05), b: F.rank(band.p95) })) + '</span>' : '')
        : '<span>' + F.esc(reason(r, u)) + '</span>') + '</div>';
    s += svg + gapBox(r, u) + '<h3>' + F.esc(F.t('lineage')) + '</h3>' + lineageTable(r, u, v);
    const head = [F.t('col_node'), F.t('col_kind'), name, refName, F.t('col_ratio')];
    const rows = items.map(it => [it.label, F.t('kind_aggregate'), it.a, it.b, it.a / it.b])
      .concat(E.IND.map(id => [ctx.nodeName(id), F.t('kind_indicator'), r.norm[id][u], r.norm[id][v], r.norm[id][u] / r.norm[id][v]]));
    return { id: 'profile', node: state.sel + (state.ref !== P.spec.reference ? '-vs-' + state.ref : ''), title, html: s, svg,
      note: F.sentences([F.t('profile_note'), scaleNote()]), csv: { head, rows } };
  }

  // ---- gap to overtake (in the profile) --------------------------------------------------------
  function gapFor(a, b, node) {
    const r = ctx.cur(), ia = P.units.indexOf(a), ib = P.units.indexOf(b);
    const rootOf = changes => {
      const x = ctx.evaluate(state, changes);
      return x.error ? [NaN, NaN] : [x.scores[ROOT][ia], x.scores[ROOT][ib]];
    };
    return G.gap(a, b, node, [r.scores[ROOT][ia], r.scores[ROOT][ib]], rootOf);
  }
  function gapMessage(g) {
    const a = ctx.unitName(g.a), b = ctx.unitName(g.b), node = ctx.nodeName(g.node);
    if (g.kind !== 'factor') return F.tf('gap_' + g.kind, { a, b, node });
    const d = G.shownDigits(g.index_a, g.index_b);
    return F.tf('gap_factor', { a, b, node, f: String(g.factor), pct: F.score((g.factor - 1) * 100, 1), below: String(g.below),
      ia: g.index_a.toFixed(d), ib: g.index_b.toFixed(d) });
  }
  function gapBox(r, u) {
    const order = rankedOrder(r), pos = order.indexOf(u);
    if (!gapUI.b || gapUI.b === state.sel) gapUI.b = P.units[order[pos > 0 ? pos - 1 : Math.min(1, order.length - 1)]] || P.units[0];
    const others = ctx.unitItems().filter(([iso]) => iso !== state.sel);
    const opts = (items, value) => items.map(([val, lab]) => '<option value="' + F.esc(val) + '"' + (val === value ? ' selected' : '') + '>' + F.esc(lab) + '</option>').join('');
    const nodes = [[ROOT, ctx.nodeName(ROOT)]].concat(ctx.nodeItems(true));
    const g = gapUI.result && gapUI.result.a === state.sel ? gapUI.result : null;
    const off = P.scenario.supported ? '' : ' disabled';
    return '<div class="gap"><h3>' + F.esc(F.t('gap')) + '</h3>' +
      '<label><span>' + F.esc(F.tf('gap_b', { a: ctx.unitName(state.sel) })) + '</span><select id="gap-b"' + off + '>' + opts(others, gapUI.b) + '</select></label>' +
      '<label><span>' + F.esc(F.t('gap_node')) + '</span><select id="gap-node"' + off + '>' + opts(nodes, gapUI.node) + '</select></label>' +
      '<div class="buttons"><button type="button" id="gap-go"' + off + '>' + F.esc(F.t('gap_go')) + '</button>' +
      '<button type="button" id="gap-apply"' + (g && g.kind === 'factor' ? '' : ' hidden') + '>' + F.esc(F.t('gap_apply')) + '</button></div>' +
      '<p id="gap-out" class="note">' + (g ? F.esc(gapMessage(g)) : F.esc(P.scenario.supported ? F.t('gap_help') : ctx.noScenario())) + '</p></div>';
  }

  // ---- controls of the views, rendering, exports -----------------------------------------------
  function controls() {
    const aggs = P.nodes.filter(n => n.kind === 'aggregate').map(n => [n.id, '\u00a0'.repeat(2 * n.depth) + ctx.nodeName(n.id)]);
    ctx.options($('node'), aggs, state.node);
    ctx.options($('sel'), ctx.unitItems(), state.sel);
    ctx.options($('ref'), ctx.unitItems(), state.ref);
    ctx.options($('pin'), [['', F.t('pin_none')]].concat(ctx.unitItems()), '');
    if (TL) { $('edition').max = String(TL.editions.length - 1); }
    document.querySelector('.tabs [data-tab=map]').hidden = !M;
    document.querySelector('.tabs [data-tab=time]').hidden = !TL;
    document.querySelector('.tabs [data-tab=repro]').hidden = !RP;
    document.querySelector('.seg [data-chart=quadrant]').hidden = !P.presentation.quadrant;
    document.querySelectorAll('#series [data-series]').forEach(b => { b.hidden = b.dataset.series !== 'published' && !(TL && TL.series && TL.series[b.dataset.series]); });
  }
  function syncBar() {
    document.querySelectorAll('.tabs button').forEach(b => { b.classList.toggle('on', b.dataset.tab === state.tab); b.setAttribute('aria-selected', String(b.dataset.tab === state.tab)); });
    document.querySelectorAll('.viewbar > *').forEach(el => { el.hidden = !el.classList.contains('for-' + state.tab); });
    document.querySelectorAll('.seg [data-chart]').forEach(b => b.classList.toggle('on', b.dataset.chart === state.chart));
    document.querySelectorAll('#series [data-series]').forEach(b => { b.classList.toggle('on', b.dataset.series === state.series); b.setAttribute('aria-pressed', String(b.dataset.series === state.series)); });
    $('node').value = state.node; $('sel').value = state.sel; $('ref').value = state.ref;
    if (TL) { $('edition').value = String(state.ed); $('edition-out').textContent = edLabel(state.ed); }
  }
  function build() {
    const r = ctx.cur();
    if (state.tab === 'table') return tableView(r);
    if (state.tab === 'map' && M) return mapView();
    if (state.tab === 'time' && TL) return timeView();
    if (state.tab === 'profile') return profileView(r);
    if (state.tab === 'repro' && RP) return RP.view(width());
    return state.chart === 'quadrant' && P.presentation.quadrant ? quadrantView(r) : rankingView(r);
  }
  function render() {
    syncBar();
    last = build();
    $('view-title').textContent = last.title;
    if (!last.keep) $('view').innerHTML = last.html || last.svg || '';
    $('view-note').textContent = last.note || '';
  }

  function stateLines() {
    const w = Object.keys(state.w).filter(k => state.w[k] !== E.NODES[k].weight).map(k => ctx.nodeName(k) + ' = ' + F.score(state.w[k], 2));
    return [[F.t('h_weights'), w.length ? F.tf('weights_changed', { list: w.join('; ') }) : F.t('weights_spec')],
      [F.t('h_normalisation'), F.t('norm_' + state.norm)], [F.t('h_aggregation'), F.t('agg_' + state.agg)],
      [F.t('h_scenario'), state.sc.length ? JSON.stringify(state.sc) : F.t('none')]];
  }
  function fileName(ext) {
    const parts = [P.spec.id, P.edition || P.spec.edition, last.id, last.node];
    if (last.ed && TL) parts.push('edition-' + TL.editions[state.ed]);
    if (last.series) parts.push(last.series);
    if (!ctx.isDefault()) parts.push('custom');
    parts.push(state.lang);
    return parts.filter(Boolean).join('_').replace(/[^\w.-]+/g, '-') + '.' + ext;
  }
  function csvText() {
    const header = [['aidi explorer', P.spec.name.en + ' (' + P.spec.id + ')'], [F.t('h_spec'), P.spec.id], [F.t('h_edition'), P.edition || P.spec.edition || ''],
      [F.t('h_view'), last.title]];
    if (last.ed && TL) header.push([F.t('h_edition_shown'), TL.editions[state.ed]]);
    if (last.header) header.push(...last.header);
    return X.csv(header.concat(stateLines(), [[F.t('h_scale'), scaleText()], [F.t('h_link'), '#' + ctx.encodeState()]]), last.csv.head, last.csv.rows);
  }
  function image() {
    const svg = last.image ? last.image() : last.svg;
    const name = P.spec.name[state.lang] || P.spec.name.en;
    const ed = P.edition || P.spec.edition;
    const sub = [name, ed ? F.tf('edition_of', { e: ed }) : '', scaleText()].filter(Boolean).join(' · ');
    return X.standalone(svg, { title: last.title, subtitle: sub, font: state.lang === 'zh',
      notes: [stateLines().map(([k, v]) => k + (state.lang === 'zh' ? '：' : ': ') + v).join(' · '), F.t('export_source')] });
  }
  function wire() {
    document.querySelectorAll('.seg [data-chart]').forEach(b => b.addEventListener('click', () => { state.chart = b.dataset.chart; ctx.update(); }));
    document.querySelectorAll('#series [data-series]').forEach(b => b.addEventListener('click', () => { state.series = b.dataset.series; ctx.update(); }));
    $('node').addEventListener('change', e => { state.node = e.target.value; ctx.update(); });
    $('edition').addEventListener('input', e => { state.ed = Number(e.target.value); ctx.update(); });
    $('pin').addEventListener('change', e => {
      const u = e.target.value;
      if (u) state.pins = state.pins.includes(u) ? state.pins.filter(x => x !== u) : state.pins.concat([u]);
      ctx.update();
    });
    $('sel').addEventListener('change', e => { state.sel = e.target.value; gapUI.result = null; ctx.update(); });
    $('ref').addEventListener('change', e => { state.ref = e.target.value; ctx.update(); });
    $('view').addEventListener('click', e => {
      const th = e.target.closest('th[data-sort]');
      if (th) {
        const k = th.dataset.sort === 'rank' ? ROOT : th.dataset.sort;
        state.sortDir = state.sortKey === k ? -state.sortDir : (k === 'name' ? 1 : -1);
        state.sortKey = k; ctx.update(); return;
      }
      if (e.target.closest('#gap-go')) {
        gapUI.b = $('gap-b').value; gapUI.node = $('gap-node').value;
        gapUI.result = gapFor(state.sel, gapUI.b, gapUI.node);
        window.aidiState.gap = Object.assign({}, gapUI.result);
        ctx.update(); return;
      }
      if (e.target.closest('#gap-apply')) {
        if (gapUI.result && gapUI.result.kind === 'factor') { state.sc = state.sc.concat(gapUI.result.changes); gapUI.result = null; ctx.update(); }
        return;
      }
      const g = e.target.closest('[data-unit]');
      if (!g) return;
      if (state.tab === 'time') {
        const u = g.dataset.unit;
        if (u !== state.sel && u !== state.ref) state.pins = state.pins.includes(u) ? state.pins.filter(x => x !== u) : state.pins.concat([u]);
      } else {
        state.sel = g.dataset.unit; state.tab = 'profile'; gapUI.result = null;
        window.scrollTo({ top: 0 });
      }
      ctx.update();
    });
    $('view').addEventListener('change', e => {
      if (e.target.id === 'gap-b') gapUI.b = e.target.value;
      if (e.target.id === 'gap-node') gapUI.node = e.target.value;
    });
    const tip = $('tip');
    $('view').addEventListener('mousemove', e => {
      const p = e.target.closest('path.c, .hov');
      if (!p) { tip.hidden = true; return; }
      tip.textContent = p.querySelector('title').textContent;
      tip.hidden = false;
      tip.style.left = Math.min(e.clientX + 12, window.innerWidth - 270) + 'px';
      tip.style.top = (e.clientY + 14) + 'px';
    });
    $('view').addEventListener('mouseleave', () => { tip.hidden = true; });
    $('dl-csv').addEventListener('click', () => X.download(new Blob([csvText()], { type: 'text/csv' }), fileName('csv')));
    $('dl-svg').addEventListener('click', () => X.download(new Blob([image().text], { type: 'image/svg+xml' }), fileName('svg')));
    $('dl-png').addEventListener('click', () => {
      X.png(image(), fileName('png'), 2).catch(err => { $('error').textContent = String(err.message || err); $('error').hidden = false; });
    });
  }

  return { render, controls, wire, gapFor, last: () => last, csvText, fileName };
}

if (typeof module !== 'undefined') module.exports = { makeViews };
