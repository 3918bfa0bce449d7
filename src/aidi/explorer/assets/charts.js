/* aidi explorer — the charts, as SVG strings sized to the space they get (text stays 11–12 px
 * on a phone and on a desktop). One scale per chart; labels placed so that none overlaps
 * another (or it is left to the hover title and the table). */
'use strict';

function makeCharts(F) {
  const esc = F.esc;
  const COLORS = ['#1f4e79', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];
  const HI = ['#c0392b', '#1f4e79', '#d55e00', '#009e73', '#8e44ad', '#e69f00', '#2c7fb8', '#7f7f7f'];
  const r1 = v => (Math.round(v * 10) / 10).toString();

  function svgOpen(W, H, label, cls) {
    return '<svg xmlns="http://www.w3.org/2000/svg" class="chart ' + (cls || '') + '" viewBox="0 0 ' + W + ' ' + H +
      '" width="' + W + '" height="' + H + '" role="img" aria-label="' + esc(label) + '">';
  }

  // ---- labels without overlaps ------------------------------------------------------------
  // points: [{x, y, label, size, prio}] → [{i, x, y, anchor, lead}] for the labels that fit
  function placeLabels(points, bounds, taken) {
    const boxes = points.map(p => ({ x0: p.x - 4, y0: p.y - 4, x1: p.x + 4, y1: p.y + 4 })).concat(taken || []);
    const hit = (b) => boxes.some(o => b.x0 < o.x1 && o.x0 < b.x1 && b.y0 < o.y1 && o.y0 < b.y1);
    const inside = b => b.x0 >= bounds.x0 && b.x1 <= bounds.x1 && b.y0 >= bounds.y0 && b.y1 <= bounds.y1;
    const dirs = [[1, -0.7], [1, 0.7], [-1, -0.7], [-1, 0.7], [0, -1], [0, 1], [1, 0], [-1, 0]];
    const order = points.map((p, i) => i).sort((a, b) => (points[b].prio || 0) - (points[a].prio || 0));
    const out = [];
    order.forEach(i => {
      const p = points[i], w = F.textWidth(p.label, p.size), h = p.size * 1.15;
      const radii = p.prio > 0 ? [6, 14, 26, 40] : [6, 14, 24];
      for (const r of radii) {
        for (const [dx, dy] of dirs) {
          const ax = p.x + dx * r, ay = p.y + dy * r;
          const x0 = dx > 0 ? ax : dx < 0 ? ax - w : ax - w / 2;
          const y0 = dy > 0 ? ay : dy < 0 ? ay - h : ay - h / 2;
          const b = { x0, y0, x1: x0 + w, y1: y0 + h };
          if (inside(b) && !hit(b)) {
            boxes.push(b);
            out.push({ i, x: x0, y: y0 + h * 0.82, lead: r > 14, px: p.x, py: p.y, bx: dx > 0 ? x0 : dx < 0 ? x0 + w : x0 + w / 2, by: dy > 0 ? y0 : dy < 0 ? y0 + h : y0 + h / 2 });
            return;
          }
        }
      }
    });
    return out;
  }

  // ---- ranking ------------------------------------------------------------------------------
  // rows: [{iso, name, rank, move, values:[...], band:{p05,p95}|null, sel}], series: [{label}]
  function ranking(rows, unranked, o) {
    const W = Math.max(300, Math.round(o.width)), narrow = W < 640;
    const rowH = narrow ? 26 : 24, top = 40;
    const bandW = narrow ? 64 : Math.min(180, Math.round(W * 0.2));
    const nameW = narrow ? Math.min(104, Math.round(W * 0.27)) : Math.min(170, Math.round(W * 0.2));
    const xRank = 4, xName = narrow ? 30 : 62, xBar = xName + nameW + 6;
    const xBand = W - bandW - 6, barW = Math.max(60, xBand - xBar - 52);
    let max = 0;
    rows.forEach(r => r.values.forEach(v => { if (Number.isFinite(v) && v > max) max = v; }));
    max = max || 1;
    const nb = Math.max(2, o.nBand || rows.length);
    const bx = v => xBand + (v - 1) / (nb - 1) * bandW;
    // the unranked, apart: grouped by why, their names flowing across the width (no bands)
    const groups = [];
    unranked.forEach(u => {
      let g = groups.find(x => x.reason === u.reason);
      if (!g) { g = { reason: u.reason, items: [] }; groups.push(g); }
      g.items.push(u);
    });
    const flow = [];
    let fy = top + rowH * rows.length + 22;
    if (unranked.length) fy += 20;
    groups.forEach(g => {
      fy += 16;
      flow.push({ kind: 'reason', text: g.reason, x: xRank, y: fy });
      let fx = xRank;
      fy += 17;
      g.items.forEach(u => {
        const w = F.textWidth(u.name, 12) + 14;
        if (fx + w > W && fx > xRank) { fx = xRank; fy += 19; }
        flow.push({ kind: 'unit', u, x: fx, y: fy });
        fx += w;
      });
      fy += 4;
    });
    const H = (unranked.length ? fy + 8 : top + rowH * rows.length + 8);
    let s = svgOpen(W, H, o.title, 'ranking');
    // legend: one line, wraps to two on a phone
    let lx = xName, ly = 12;
    o.series.forEach((ser, k) => {
      const w = F.textWidth(ser.label, 11) + 26;
      if (lx + w > W) { lx = xName; ly += 14; }
      s += '<rect x="' + lx + '" y="' + (ly - 8) + '" width="12" height="' + (k ? 5 : 9) + '" fill="' + COLORS[k] + '"/>' +
        '<text x="' + (lx + 16) + '" y="' + ly + '">' + esc(ser.label) + '</text>';
      lx += w;
    });
    s += '<text class="axis" x="' + (W - 2) + '" y="' + (top - 6) + '" text-anchor="end">' + esc(o.bandLabel) + '</text>';
    s += '<line class="ref" x1="' + (xBar + barW / max) + '" x2="' + (xBar + barW / max) + '" y1="' + (top - 2) + '" y2="' + (top + rowH * rows.length) + '"/>';
    // bars, bands and dots of every row as one path per series (a few elements, not hundreds:
    // the redraw on a slider move stays a few milliseconds at a hundred economies)
    const bars = o.series.map(() => ''), tips = [];
    let bands = '', dots = '';
    rows.forEach((r, i) => {
      const y = top + i * rowH;
      s += '<g class="row' + (r.sel ? ' sel' : '') + '" data-unit="' + r.iso + '"><rect class="hit" x="0" y="' + y + '" width="' + W + '" height="' + rowH + '"/>';
      s += '<text class="rk" x="' + xRank + '" y="' + (y + 16) + '">' + F.rank(r.rank) + '</text>';
      if (!narrow && r.move) s += '<text class="' + (r.move > 0 ? 'up' : 'down') + '" x="' + (xRank + 26) + '" y="' + (y + 16) + '">' + (r.move > 0 ? '▲' : '▼') + Math.abs(r.move) + '</text>';
      const tip = r.name + ': ' + r.values.map((v, k) => o.series[k].label + ' ' + F.score(v)).join(' · ') +
        (r.band && Number.isFinite(r.band.p05) ? ' · ' + F.tf('band_tip', { a: F.rank(r.band.p05), b: F.rank(r.band.p95) }) : '');
      s += '<title>' + esc(tip) + '</title><text x="' + xName + '" y="' + (y + 16) + '">' + esc(F.clip(r.name, 12, nameW)) + '</text>';
      let yy = y + 4;
      r.values.forEach((v, k) => {
        const h = k ? 4 : 9, w = Number.isFinite(v) ? Math.max(0, v) / max * barW : 0;
        if (w > 0) bars[k] += 'M' + xBar + ' ' + yy + 'h' + w.toFixed(1) + 'v' + h + 'h' + (-w).toFixed(1) + 'Z';
        if (!k) s += '<text class="val" x="' + (xBar + w + 4).toFixed(1) + '" y="' + (yy + 8) + '">' + F.score(v) + '</text>';
        yy += h + 1;
      });
      s += '</g>';
      bands += 'M' + xBand + ' ' + (y + 12) + 'h' + bandW;
      if (r.band && Number.isFinite(r.band.p05)) {
        const b0 = bx(r.band.p05), b1 = Math.max(bx(r.band.p95), b0 + 0.5);
        tips.push('M' + b0.toFixed(1) + ' ' + (y + 12) + 'H' + b1.toFixed(1));
      }
      if (Number.isFinite(r.rank)) { const cx = bx(Math.min(r.rank, nb)); dots += 'M' + (cx - 3).toFixed(1) + ' ' + (y + 12) + 'a3 3 0 1 0 6 0a3 3 0 1 0 -6 0Z'; }
    });
    s += '<path class="bandaxis" d="' + bands + '"/><path class="band" d="' + tips.join('') + '"/><path class="dot" d="' + dots + '"/>';
    bars.forEach((d, k) => { s += '<path d="' + d + '" fill="' + COLORS[k] + '" pointer-events="none"/>'; });
    if (unranked.length) {
      s += '<text class="axt" x="' + xRank + '" y="' + (top + rowH * rows.length + 30) + '">' + esc(o.unrankedTitle) + '</text>';
      flow.forEach(f => {
        if (f.kind === 'reason') { s += '<text class="val" x="' + f.x + '" y="' + f.y + '">' + esc(F.clip(f.text, 10.5, W - 8)) + '<title>' + esc(f.text) + '</title></text>'; return; }
        s += '<g class="row unranked' + (f.u.sel ? ' sel' : '') + '" data-unit="' + f.u.iso + '"><text x="' + f.x + '" y="' + f.y + '">' + esc(f.u.name) + '</text></g>';
      });
    }
    return s + '</svg>';
  }

  // ---- quadrants ----------------------------------------------------------------------------
  function niceTicks(lo, hi, n) {
    const span = hi - lo, step0 = span / Math.max(1, n);
    const mag = Math.pow(10, Math.floor(Math.log10(step0))), f = step0 / mag;
    const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(12)));
    return out;
  }
  // points: [{iso, label, x, y, cls}] (finite only)
  function quadrant(points, o) {
    const W = Math.max(300, Math.round(o.width)), H = Math.round(Math.min(560, Math.max(320, W * 0.72)));
    const m = { l: 52, r: 14, t: 16, b: 46 };
    const xs = points.map(p => p.x), ys = points.map(p => p.y);
    const pad = (a, b) => { const d = (b - a) || Math.abs(a) || 1; return [a - d * 0.06, b + d * 0.06]; };
    const [x0, x1] = pad(Math.min(...xs), Math.max(...xs)), [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
    const sx = v => m.l + (v - x0) / (x1 - x0) * (W - m.l - m.r), sy = v => H - m.b - (v - y0) / (y1 - y0) * (H - m.t - m.b);
    let s = svgOpen(W, H, o.title, 'quadrant');
    s += '<rect class="plot" x="' + m.l + '" y="' + m.t + '" width="' + (W - m.l - m.r) + '" height="' + (H - m.t - m.b) + '"/>';
    niceTicks(x0, x1, W < 500 ? 4 : 6).forEach(v => { s += '<line class="grid" x1="' + sx(v) + '" x2="' + sx(v) + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/><text class="axis" x="' + sx(v) + '" y="' + (H - m.b + 14) + '" text-anchor="middle">' + F.tick(v) + '</text>'; });
    niceTicks(y0, y1, 5).forEach(v => { s += '<line class="grid" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + sy(v) + '" y2="' + sy(v) + '"/><text class="axis" x="' + (m.l - 4) + '" y="' + (sy(v) + 4) + '" text-anchor="end">' + F.tick(v) + '</text>'; });
    s += '<line class="med" x1="' + sx(o.mx) + '" x2="' + sx(o.mx) + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/>';
    s += '<line class="med" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + sy(o.my) + '" y2="' + sy(o.my) + '"/>';
    s += '<text class="axt" x="' + ((W + m.l - m.r) / 2) + '" y="' + (H - 10) + '" text-anchor="middle">' + esc(o.xlabel) + '</text>';
    s += '<text class="axt" transform="translate(13,' + ((H - m.b + m.t) / 2) + ') rotate(-90)" text-anchor="middle">' + esc(o.ylabel) + '</text>';
    const qw = t => F.textWidth(t, 11), qx = Math.min(sx(o.mx) + 6, W - m.r - 6 - qw(o.qLead));
    s += '<text class="qlab" x="' + qx + '" y="' + (m.t + 14) + '">' + esc(o.qLead) + '</text>';
    s += '<text class="qlab" x="' + (m.l + 6) + '" y="' + (H - m.b - 6) + '">' + esc(o.qLag) + '</text>';
    const taken = [{ x0: qx, y0: m.t + 2, x1: qx + qw(o.qLead), y1: m.t + 18 },
      { x0: m.l + 6, y0: H - m.b - 18, x1: m.l + 6 + qw(o.qLag), y1: H - m.b - 2 }];
    const pts = points.map(p => ({ x: sx(p.x), y: sy(p.y), label: p.label, size: 11, prio: p.cls ? 2 : 0 }));
    points.forEach((p, i) => {
      s += '<g class="pt ' + (p.cls || '') + '" data-unit="' + p.iso + '"><circle cx="' + pts[i].x.toFixed(1) + '" cy="' + pts[i].y.toFixed(1) + '" r="' + (p.cls ? 5.5 : 4.5) + '"><title>' +
        esc(p.name + ': ' + o.xlabel + ' ' + F.score(p.x) + ', ' + o.ylabel + ' ' + F.score(p.y)) + '</title></circle></g>';
    });
    placeLabels(pts, { x0: m.l + 2, y0: m.t + 2, x1: W - m.r - 2, y1: H - m.b - 2 }, taken).forEach(L => {
      const p = points[L.i];
      if (L.lead) s += '<line class="lead" x1="' + L.px.toFixed(1) + '" y1="' + L.py.toFixed(1) + '" x2="' + L.bx.toFixed(1) + '" y2="' + L.by.toFixed(1) + '"/>';
      s += '<text class="plab ' + (p.cls || '') + '" data-unit="' + p.iso + '" x="' + L.x.toFixed(1) + '" y="' + L.y.toFixed(1) + '">' + esc(p.label) + '</text>';
    });
    return s + '</svg>';
  }

  // ---- profile: one economy against another, every node on one scale ----------------------
  // items: [{label, depth, a, b}]; ratio mode (all > 0): log axis of a / b around 1
  function profile(items, o) {
    const W = Math.max(300, Math.round(o.width)), narrow = W < 560;
    const labelW = Math.min(narrow ? 130 : 220, Math.round(W * 0.36));
    const rowH = 26, top = 34, x0 = labelW + 10, x1 = W - 56;
    const ratio = items.every(it => it.a > 0 && it.b > 0);
    const H = top + rowH * items.length + 30;
    let s = svgOpen(W, H, o.title, 'profile');
    if (ratio) {
      const r = items.map(it => it.a / it.b);
      const lo = Math.min(0.5, ...r) / 1.15, hi = Math.max(2, ...r) * 1.15;
      const lx = v => x0 + (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) * (x1 - x0);
      [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50].filter(v => v >= lo && v <= hi).forEach(v => {
        s += '<line class="grid" x1="' + lx(v) + '" x2="' + lx(v) + '" y1="' + (top - 4) + '" y2="' + (top + rowH * items.length) + '"/>' +
          '<text class="axis" x="' + lx(v) + '" y="' + (top + rowH * items.length + 14) + '" text-anchor="middle">' + (v < 1 ? v : v + '×') + '</text>';
      });
      s += '<line class="ref" x1="' + lx(1) + '" x2="' + lx(1) + '" y1="' + (top - 10) + '" y2="' + (top + rowH * items.length) + '"/>';
      s += '<text class="axis" x="' + lx(1) + '" y="' + (top - 14) + '" text-anchor="middle">' + esc(o.refLabel) + '</text>';
      items.forEach((it, i) => {
        const y = top + i * rowH + rowH / 2, v = r[i], xa = lx(1), xb = lx(v);
        s += '<text class="' + (it.depth <= 1 ? 'pill' : '') + '" x="' + (4 + 8 * Math.max(0, it.depth - 1)) + '" y="' + (y + 4) + '">' + esc(F.clip(it.label, 12, labelW - 8 * Math.max(0, it.depth - 1))) + '<title>' + esc(it.label) + '</title></text>';
        s += '<rect class="' + (v >= 1 ? 'bup' : 'bdown') + '" x="' + Math.min(xa, xb).toFixed(1) + '" y="' + (y - 6) + '" width="' + Math.abs(xb - xa).toFixed(1) + '" height="12"><title>' +
          esc(it.label + ': ' + F.score(it.a) + ' / ' + F.score(it.b)) + '</title></rect>';
        // the value beside the bar's end; if that would run into the labels, beside the 1 line
        const lab = F.score(v) + '×', left = v < 1 && xb - 4 - F.textWidth(lab, 10.5) < x0;
        const tx = v >= 1 ? xb + 4 : (left ? xa + 4 : xb - 4);
        s += '<text class="val" x="' + tx.toFixed(1) + '" y="' + (y + 4) + '" text-anchor="' + (v >= 1 || left ? 'start' : 'end') + '">' + lab + '</text>';
      });
      s += '<text class="axt" x="' + ((x0 + x1) / 2) + '" y="' + (H - 2) + '" text-anchor="middle">' + esc(o.ratioLabel) + '</text>';
    } else {
      const vals = items.flatMap(it => [it.a, it.b]).filter(Number.isFinite);
      const lo = Math.min(0, ...vals), hi = Math.max(...vals, 0) || 1;
      const lx = v => x0 + (v - lo) / (hi - lo) * (x1 - x0);
      niceTicks(lo, hi, 4).forEach(v => { s += '<line class="grid" x1="' + lx(v) + '" x2="' + lx(v) + '" y1="' + (top - 4) + '" y2="' + (top + rowH * items.length) + '"/><text class="axis" x="' + lx(v) + '" y="' + (top + rowH * items.length + 14) + '" text-anchor="middle">' + F.tick(v) + '</text>'; });
      s += '<rect class="bs" x="' + x0 + '" y="6" width="10" height="10"/><text x="' + (x0 + 14) + '" y="15">' + esc(o.aLabel) + '</text>' +
        '<rect class="br" x="' + (x0 + 24 + F.textWidth(o.aLabel, 11)) + '" y="6" width="10" height="10"/><text x="' + (x0 + 38 + F.textWidth(o.aLabel, 11)) + '" y="15">' + esc(o.bLabel) + '</text>';
      items.forEach((it, i) => {
        const y = top + i * rowH;
        s += '<text class="' + (it.depth <= 1 ? 'pill' : '') + '" x="' + (4 + 8 * Math.max(0, it.depth - 1)) + '" y="' + (y + 16) + '">' + esc(F.clip(it.label, 12, labelW)) + '</text>';
        [[it.a, 'bs', 3], [it.b, 'br', 13]].forEach(([v, c, dy]) => {
          if (!Number.isFinite(v)) return;
          s += '<rect class="' + c + '" x="' + Math.min(lx(0), lx(v)).toFixed(1) + '" y="' + (y + dy) + '" width="' + Math.abs(lx(v) - lx(0)).toFixed(1) + '" height="9"/>';
        });
        s += '<text class="val" x="' + (x1 + 4) + '" y="' + (y + 16) + '">' + F.score(it.a) + '</text>';
      });
    }
    return s + '</svg>';
  }

  // ---- over time: one line per economy, the highlighted ones in colour and labelled --------
  // series: [{iso, name, values:[per edition], hi}], o: {editions:[labels], current (index),
  // breaks:[{i, title}] (a methodology break into edition i), backcast:[indices],
  // legend:{brk, bc, now} (the key drawn under the axis, so an exported image carries it)}
  function lines(series, o) {
    const W = Math.max(300, Math.round(o.width)), H = Math.round(Math.min(460, Math.max(280, W * 0.6)));
    const hiS = series.filter(s => s.hi), bc = new Set(o.backcast || []), breaks = o.breaks || [];
    const labW = Math.min(140, Math.max(60, ...hiS.map(s => F.textWidth(s.name, 11) + 10)));
    const key = o.legend ? legendKey(o.legend, W, breaks.length > 0, bc.size > 0, o.current >= 0) : { h: 0, svg: () => '' };
    const m = { l: 46, r: labW + 8, t: breaks.length ? 22 : 14, b: 34 + key.h };
    const n = o.editions.length, vals = series.flatMap(s => s.values).filter(Number.isFinite);
    const lo = Math.min(0, ...vals), hi = vals.length ? Math.max(...vals) * 1.05 : 1;
    const sx = i => m.l + (n > 1 ? i / (n - 1) : 0.5) * (W - m.l - m.r);
    const sy = v => H - m.b - (v - lo) / ((hi - lo) || 1) * (H - m.t - m.b);
    let s = svgOpen(W, H, o.title, 'lines');
    niceTicks(lo, hi, 5).forEach(v => { s += '<line class="grid" x1="' + m.l + '" x2="' + (W - m.r) + '" y1="' + sy(v) + '" y2="' + sy(v) + '"/><text class="axis" x="' + (m.l - 4) + '" y="' + (sy(v) + 4) + '" text-anchor="end">' + F.tick(v) + '</text>'; });
    const every = Math.max(1, Math.ceil(n / Math.floor((W - m.l - m.r) / 44)));
    o.editions.forEach((e, i) => { if (i % every === 0 || i === n - 1) s += '<text class="axis' + (bc.has(i) ? ' bc' : '') + '" x="' + sx(i) + '" y="' + (H - m.b + 15) + '" text-anchor="middle">' + esc(e + (bc.has(i) ? '*' : '')) + '</text>'; });
    if (o.current >= 0) s += '<line class="now" x1="' + sx(o.current) + '" x2="' + sx(o.current) + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/>';
    breaks.forEach(b => {
      const x = sx(b.i - 0.5).toFixed(1);
      s += '<g class="hov brkg" data-break="' + b.i + '"><title>' + esc(b.title || '') + '</title><line class="brk" x1="' + x + '" x2="' + x + '" y1="' + m.t + '" y2="' + (H - m.b) + '"/>' +
        '<line class="hit" x1="' + x + '" x2="' + x + '" y1="' + (m.t - 12) + '" y2="' + (H - m.b) + '"/>' +
        '<path class="brkm" d="M' + x + ' ' + (m.t - 1) + 'l-6 -10h12z"/></g>';
    });
    s += key.svg(H - key.h - 4);
    const path = vs => {
      let d = '', pen = false;
      vs.forEach((v, i) => { if (Number.isFinite(v)) { d += (pen ? 'L' : 'M') + sx(i).toFixed(1) + ' ' + sy(v).toFixed(1); pen = true; } else pen = false; });
      return d;
    };
    series.filter(x => !x.hi).forEach(x => { s += '<path class="ln" data-unit="' + x.iso + '" d="' + path(x.values) + '"><title>' + esc(x.name) + '</title></path>'; });
    const ends = [];
    hiS.forEach((x, k) => {
      const c = HI[k % HI.length];
      s += '<path class="ln hi" data-unit="' + x.iso + '" style="stroke:' + c + '" d="' + path(x.values) + '"><title>' + esc(x.name) + '</title></path>';
      x.values.forEach((v, i) => {
        if (!Number.isFinite(v)) return;
        const fill = bc.has(i) ? '#fff" stroke="' + c + '" stroke-width="1.4' : c;  // hollow: a backcast edition
        s += '<circle cx="' + sx(i).toFixed(1) + '" cy="' + sy(v).toFixed(1) + '" r="' + (bc.has(i) ? 3 : 2.6) + '" fill="' + fill + '"><title>' + esc(x.name + ' · ' + o.editions[i] + (bc.has(i) ? '*' : '') + ': ' + F.score(v)) + '</title></circle>';
      });
      let last = -1;
      x.values.forEach((v, i) => { if (Number.isFinite(v)) last = i; });
      if (last >= 0) ends.push({ y: sy(x.values[last]), x: sx(last), name: x.name, c });
    });
    // end labels: sorted by height, pushed apart so none overlaps, with a leader when moved
    ends.sort((a, b) => a.y - b.y);
    const gap = 13;
    ends.forEach((e, i) => { e.ly = i ? Math.max(e.y, ends[i - 1].ly + gap) : Math.max(e.y, m.t + 4); });
    for (let i = ends.length - 1; i >= 0; i--) {
      const limit = i === ends.length - 1 ? H - m.b : ends[i + 1].ly - gap;
      if (ends[i].ly > limit) ends[i].ly = limit;
    }
    ends.forEach(e => {
      const lx = W - m.r + 6;
      if (Math.abs(e.ly - e.y) > 1 || e.x < W - m.r - 1) s += '<line class="lead" x1="' + e.x.toFixed(1) + '" y1="' + e.y.toFixed(1) + '" x2="' + (lx - 2) + '" y2="' + e.ly.toFixed(1) + '" style="stroke:' + e.c + '"/>';
      s += '<text x="' + lx + '" y="' + (e.ly + 4).toFixed(1) + '" style="fill:' + e.c + '">' + esc(F.clip(e.name, 11, labW)) + '</text>';
    });
    return s + '</svg>';
  }

  // the over-time key (break, backcast, current edition — only those the chart draws), in as
  // many rows as the width needs: {svg(yTop), h}
  function legendKey(L, W, brk, bc, now) {
    const items = [];
    if (brk) items.push([x => '<line class="brk" x1="' + (x + 7) + '" x2="' + (x + 7) + '" y1="-7" y2="7"/>', L.brk]);
    if (bc) items.push([x => '<circle cx="' + (x + 7) + '" cy="0" r="3" fill="#fff" stroke="#1d2733" stroke-width="1.4"/>', '* ' + L.bc]);
    if (now) items.push([x => '<line class="now" x1="' + (x + 7) + '" x2="' + (x + 7) + '" y1="-7" y2="7"/>', L.now]);
    const placed = [];
    let x = 8, row = 0;
    items.forEach(([mark, text]) => {
      const w = 30 + F.textWidth(text, 11);
      if (x > 8 && x + w > W) { x = 8; row += 1; }
      placed.push({ x, row, mark, text });
      x += w;
    });
    const h = items.length ? (row + 1) * 17 : 0;
    const svg = y0 => '<g class="key">' + placed.map(p => '<g transform="translate(0 ' + (y0 + 8 + p.row * 17) + ')">' + p.mark(p.x) +
      '<text x="' + (p.x + 18) + '" y="4">' + esc(p.text) + '</text></g>').join('') + '</g>';
    return { svg, h };
  }

  // ---- a table as an image (the table view's PNG / SVG) -------------------------------------
  function tableSVG(head, rows, o) {
    const size = 11, pad = 8;
    const widths = head.map((h, j) => Math.min(220, Math.max(F.textWidth(h, size), ...rows.map(r => F.textWidth(r[j], size))) + 2 * pad));
    const W = widths.reduce((a, b) => a + b, 0), rowH = 18, H = rowH * (rows.length + 1) + 4;
    let s = svgOpen(W, H, o.title, 'tablesvg');
    let x = 0;
    head.forEach((h, j) => { s += '<rect class="th" x="' + x + '" y="0" width="' + widths[j] + '" height="' + rowH + '"/><text class="axt" x="' + (x + pad) + '" y="13">' + esc(F.clip(h, size, widths[j] - 2 * pad)) + '</text>'; x += widths[j]; });
    rows.forEach((r, i) => {
      x = 0;
      const y = rowH * (i + 1);
      if (i % 2) s += '<rect class="stripe" x="0" y="' + y + '" width="' + W + '" height="' + rowH + '"/>';
      r.forEach((c, j) => {
        const num = j >= o.numFrom;
        s += '<text x="' + (num ? x + widths[j] - pad : x + pad) + '" y="' + (y + 13) + '"' + (num ? ' text-anchor="end"' : '') + '>' + esc(F.clip(c, size, widths[j] - 2 * pad)) + '</text>';
        x += widths[j];
      });
    });
    return s + '</svg>';
  }

  return { ranking, quadrant, profile, lines, tableSVG, placeLabels, niceTicks, COLORS, HI, r1 };
}

if (typeof module !== 'undefined') module.exports = { makeCharts };
