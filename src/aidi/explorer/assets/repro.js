/* aidi explorer — the reproduction tab: the source's printed figures beside the source's index
 * as we reproduce it (spec A) and the validity-driven index (spec B), their mean absolute
 * difference from the print, and "why we differ" for one economy: the exact Shapley split of
 * B − A over the specs' differences, and the reasons for what remains between A and the print.
 * Every number is Python's (`aidi.analysis.why_differ`, in the payload's `reproduction`); the
 * page only lays them out. */
'use strict';

function makeRepro(ctx) {
  const { P, F, state } = ctx;
  const esc = F.esc;
  const R = P.reproduction;

  const specName = id => {
    const n = R.names && R.names[id];
    return n ? (n[state.lang] || n.en) : id;
  };
  const role = id => F.t(id === R.a ? 'spec_role_a' : 'spec_role_b');
  const player = id => (F.has('player_' + id) ? F.t('player_' + id) : ctx.nodeName(id));
  const nodeLabel = id => ctx.nodeName(id);

  // ---- the waterfall: A's value, each difference's part, B's value ---------------------------
  function waterfall(steps, o) {
    const W = Math.max(300, Math.round(o.width)), narrow = W < 560;
    const rowH = 24, top = 8, labW = Math.min(narrow ? 130 : 220, Math.round(W * 0.38));
    const valW = 52, x0 = labW + 8, x1 = W - valW - 4;
    let lo = 0, hi = 0, run = 0;
    steps.forEach(s => {
      const a = s.total ? 0 : run, b = s.total ? s.value : run + s.value;
      lo = Math.min(lo, a, b); hi = Math.max(hi, a, b);
      run = s.total ? s.value : run + s.value;
    });
    hi = hi * 1.04 || 1;
    const sx = v => x0 + (v - lo) / ((hi - lo) || 1) * (x1 - x0);
    const H = top + rowH * steps.length + 8;
    let s = '<svg xmlns="http://www.w3.org/2000/svg" class="chart waterfall" viewBox="0 0 ' + W + ' ' + H + '" width="' + W + '" height="' + H + '" role="img" aria-label="' + esc(o.title) + '">';
    s += '<line class="grid" x1="' + sx(0) + '" x2="' + sx(0) + '" y1="' + top + '" y2="' + (H - 8) + '"/>';
    run = 0;
    steps.forEach((st, i) => {
      const y = top + i * rowH, a = st.total ? 0 : run, b = st.total ? st.value : run + st.value;
      const cls = st.total ? 'wf-total' : st.value >= 0 ? 'wf-up' : 'wf-down';
      const xa = Math.min(sx(a), sx(b)), w = Math.max(1, Math.abs(sx(b) - sx(a)));
      s += '<text x="' + labW + '" y="' + (y + 16) + '" text-anchor="end"' + (st.total ? ' class="b"' : '') + '>' + esc(F.clip(st.label, 11, labW - 4)) + '<title>' + esc(st.label) + '</title></text>';
      s += '<rect class="' + cls + '" x="' + xa.toFixed(1) + '" y="' + (y + 5) + '" width="' + w.toFixed(1) + '" height="' + (rowH - 10) + '"><title>' + esc(st.label + ': ' + (st.total ? F.score(st.value) : signed(st.value))) + '</title></rect>';
      if (!st.total && i + 1 < steps.length) s += '<line class="wf-link" x1="' + sx(b).toFixed(1) + '" x2="' + sx(b).toFixed(1) + '" y1="' + (y + rowH - 5) + '" y2="' + (y + rowH + 5) + '"/>';
      s += '<text class="num" x="' + (W - 4) + '" y="' + (y + 16) + '" text-anchor="end">' + esc(st.total ? F.score(st.value) : signed(st.value)) + '</text>';
      run = b;
    });
    return s + '</svg>';
  }
  const signed = v => (v > 0 ? '+' : v < 0 ? '−' : '±') + F.score(Math.abs(v));

  // ---- the tab -------------------------------------------------------------------------------
  function economy() {
    const focus = (P.presentation && P.presentation.focus) || R.iso3[0];
    return R.split.iso3.includes(state.sel) ? state.sel : focus;
  }
  function printedTable() {
    const head = ['col_economy', 'col_measure', 'col_printed'].map(k => '<th>' + esc(F.t(k)) + '</th>').join('') +
      '<th title="' + esc(specName(R.a)) + '">' + esc(role(R.a)) + '<br><small>' + esc(R.a) + '</small></th>' +
      '<th title="' + esc(specName(R.b)) + '">' + esc(role(R.b)) + '<br><small>' + esc(R.b) + '</small></th>' +
      '<th>' + esc(F.tf('col_a_minus_printed', { a: R.a })) + '</th>';
    const rows = R.iso3.map((u, k) => {
      const implied = R.kind[k] === 'implied';
      return '<tr' + (u === economy() ? ' class="sel"' : '') + '><td>' + esc(ctx.unitName(u)) + '</td><td>' + esc(nodeLabel(R.node[k])) + '</td>' +
        '<td class="num' + (implied ? ' implied' : '') + '">' + F.score(R.printed[k]) + (implied ? '†' : '') + '</td>' +
        '<td class="num">' + F.score(R.value_a[k]) + '</td><td class="num">' + F.score(R.value_b[k]) + '</td>' +
        '<td class="num">' + signed(R.value_a[k] - R.printed[k]) + '</td></tr>';
    }).join('');
    return '<div class="scroll"><table class="repro"><thead><tr>' + head + '</tr></thead><tbody>' + rows + '</tbody></table></div>';
  }
  function splitRows(u) {
    const S = R.split, out = [];
    S.iso3.forEach((x, k) => { if (x === u) out.push(k); });
    return out;
  }
  function splitTable(u) {
    const ks = splitRows(u);
    const head = '<th>' + esc(F.tf('col_split', { a: R.a, b: R.b })) + '</th>' + ks.map(k => '<th>' + esc(nodeLabel(R.split.node[k])) + '</th>').join('');
    const line = (label, vals, cls) => '<tr' + (cls ? ' class="' + cls + '"' : '') + '><td>' + esc(label) + '</td>' + vals.map(v => '<td class="num">' + v + '</td>').join('') + '</tr>';
    let body = line(role(R.a) + ' (' + R.a + ')', ks.map(k => F.score(R.split.a[k])), 'tot');
    R.players.forEach(p => { body += line(player(p), ks.map(k => signed(R.split.parts[p][k]))); });
    body += line(role(R.b) + ' (' + R.b + ')', ks.map(k => F.score(R.split.b[k])), 'tot');
    return '<div class="scroll"><table class="repro split"><thead><tr>' + head + '</tr></thead><tbody>' + body + '</tbody></table></div>';
  }
  function reasons(u) {
    const seen = new Map();
    R.iso3.forEach((x, k) => {
      const text = (R.reason[state.lang] || R.reason.en)[k] || R.reason.en[k];
      if (x !== u || !text) return;
      if (!seen.has(text)) seen.set(text, []);
      seen.get(text).push(nodeLabel(R.node[k]));
    });
    if (!seen.size) return '<p class="note">' + esc(F.tf('repro_no_print', { economy: ctx.unitName(u) })) + '</p>';
    return '<ul class="reasons">' + Array.from(seen).map(([text, nodes]) => '<li><b>' + esc(F.list(nodes)) + '</b>' + (state.lang === 'zh' ? '：' : ': ') + esc(text) + '</li>').join('') + '</ul>';
  }
  function view(width) {
    const u = economy(), root = R.split.node.find(n => n === ctx.ROOT) || R.split.node[0];
    const k = splitRows(u).find(i => R.split.node[i] === root);
    const steps = [{ label: role(R.a), value: R.split.a[k], total: true }]
      .concat(R.players.map(p => ({ label: player(p), value: R.split.parts[p][k] })))
      .concat([{ label: role(R.b), value: R.split.b[k], total: true }]);
    const title = F.tf('title_repro', { a: R.a, b: R.b });
    const wfTitle = F.tf('title_why', { economy: ctx.unitName(u), node: nodeLabel(root), a: R.a, b: R.b });
    const svg = waterfall(steps, { width, title: wfTitle });
    const mad = F.tf('repro_mad', { n: R.mad.n, a: R.a, b: R.b, ma: F.score(R.mad.a), mb: F.score(R.mad.b) });
    const html = '<p class="lead">' + esc(F.tf('repro_lead', { a: R.a, b: R.b })) + '</p>' +
      '<h3>' + esc(F.t('repro_printed')) + '</h3><p class="mad">' + esc(mad) + '</p>' + printedTable() +
      '<p class="note">' + esc(F.t('repro_implied')) + '</p>' +
      '<h3>' + esc(wfTitle) + '</h3><p class="note">' + esc(F.t('repro_why_note')) + '</p>' + svg + splitTable(u) +
      '<h3>' + esc(F.tf('repro_remains', { a: R.a })) + '</h3>' + reasons(u);
    const csvHead = [F.t('col_code'), F.t('col_economy'), F.t('col_measure'), F.t('col_kind'), F.t('col_printed'), R.a, R.b]
      .concat(R.players.map(player)).concat([F.tf('col_a_minus_printed', { a: R.a })]);
    const rows = R.iso3.map((x, i) => [x, ctx.unitName(x), nodeLabel(R.node[i]), F.t('kind_' + R.kind[i]), R.printed[i], R.value_a[i], R.value_b[i]]
      .concat(R.players.map(p => R.parts[p][i])).concat([R.value_a[i] - R.printed[i]]));
    return { id: 'reproduction', node: u, title, html, image: () => svg, note: F.sentences([mad, F.t('repro_note')]),
      csv: { head: csvHead, rows } };
  }

  return { view, waterfall, economy };
}

if (typeof module !== 'undefined') module.exports = { makeRepro };
