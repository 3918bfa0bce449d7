/* aidi explorer — the world map: Natural Earth 1:110m boundaries (world-atlas 2.0.2 TopoJSON,
 * embedded; see assets/vendor/world-atlas/PROVENANCE.md) decoded and projected here, one
 * <path> per economy, coloured by the selected node in five classes of equal count. The
 * projection is Natural Earth I (Šavrič, Jenny, Patterson, Petrovič & Hurni 2011), whose
 * polynomial is written out below. No library, no request. */
'use strict';

function makeMap(WORLD, F) {
  const esc = F.esc;
  const BLUES = ['#deebf7', '#9ecae1', '#6baed6', '#3182bd', '#08519c'];
  const [kx, ky] = WORLD.transform.scale, [tx, ty] = WORLD.transform.translate;
  const RAD = Math.PI / 180;

  // decoded arcs in projected units (x right, y up)
  function naturalEarth(lon, lat) {
    const l = lon * RAD, p = lat * RAD, p2 = p * p, p4 = p2 * p2;
    const x = l * (0.8707 - 0.131979 * p2 + p4 * (-0.013791 + p4 * (0.003971 * p2 - 0.001529 * p4)));
    const y = p * (1.007226 + p2 * (0.015085 + p4 * (-0.044475 + 0.028874 * p2 - 0.005916 * p4)));
    return [x, y];
  }
  // arcs in degrees; a ring that crosses the antimeridian is unwrapped (its longitudes kept
  // continuous, past ±180°) and the part beyond the map's edge is clipped by the drawing
  const ARCS = WORLD.arcs.map(arc => {
    let qx = 0, qy = 0;
    return arc.map(([dx, dy]) => { qx += dx; qy += dy; return [qx * kx + tx, qy * ky + ty]; });
  });
  let latMin = Infinity, latMax = -Infinity;
  WORLD.shapes.forEach(sh => sh.polygons.forEach(poly => poly.forEach(ring => ring.forEach(a => {
    (a >= 0 ? ARCS[a] : ARCS[~a]).forEach(p => { if (p[1] < latMin) latMin = p[1]; if (p[1] > latMax) latMax = p[1]; });
  }))));
  const bx1 = naturalEarth(180, 0)[0], bx0 = -bx1;
  const by0 = naturalEarth(0, latMin)[1], by1 = naturalEarth(0, latMax)[1];
  const ASPECT = (by1 - by0) / (bx1 - bx0);
  const cache = new Map();

  function ringPoints(ring) {
    const pts = [];
    let shift = 0, prev = null;
    ring.forEach(a => {
      const arc = a >= 0 ? ARCS[a] : ARCS[~a].slice().reverse();
      arc.forEach((p, i) => {
        if (i === 0 && pts.length) return;
        if (prev !== null) {
          const d = p[0] + shift - prev;
          if (d > 180) shift -= 360; else if (d < -180) shift += 360;
        }
        prev = p[0] + shift;
        pts.push(naturalEarth(prev, p[1]));
      });
    });
    return pts;
  }
  // path strings of every shape at a width (cached: the geometry never changes)
  function paths(W) {
    if (cache.has(W)) return cache.get(W);
    const s = W / (bx1 - bx0), H = Math.round(W * ASPECT);
    const out = WORLD.shapes.map(sh => {
      let d = '';
      sh.polygons.forEach(poly => poly.forEach(ring => {
        let lastX = NaN, lastY = NaN, n = 0, part = '';
        ringPoints(ring).forEach(([x, y]) => {
          const px = (x - bx0) * s, py = (by1 - y) * s;
          if (Math.abs(px - lastX) + Math.abs(py - lastY) < 0.6) return;
          part += (n ? 'L' : 'M') + px.toFixed(1) + ' ' + py.toFixed(1);
          lastX = px; lastY = py; n++;
        });
        if (n > 2) d += part + 'Z';
      }));
      return { iso3: sh.iso3, d };
    });
    const res = { W, H, shapes: out };
    cache.set(W, res);
    return res;
  }

  // five classes of (about) equal count, edges rounded to two significant digits
  function classes(values) {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) return [];
    const q = p => v[Math.min(v.length - 1, Math.floor(p * v.length))];
    const round = x => (x === 0 ? 0 : Number(x.toPrecision(2)));
    const edges = [];
    [0.2, 0.4, 0.6, 0.8].forEach(p => { const e = round(q(p)); if (!edges.length || e > edges[edges.length - 1]) edges.push(e); });
    return edges;
  }
  const classOf = (v, edges) => { let k = 0; while (k < edges.length && v >= edges[k]) k++; return k; };
  function colour(v, edges) {
    const k = classOf(v, edges), n = edges.length + 1;
    return BLUES[Math.round(k * (BLUES.length - 1) / Math.max(1, n - 1))];
  }

  function look(iso3, values, status, edges, o) {
    const v = values[iso3], built = iso3 in status || Number.isFinite(v);
    const fill = Number.isFinite(v) ? colour(v, edges) : (built ? 'url(#hatch)' : '#e9ecef');
    const name = o.names[iso3] || iso3;
    const tip = Number.isFinite(v) ? name + ': ' + F.score(v) : name + ': ' + (built ? o.noValue : o.notBuilt);
    return { fill, tip, cls: 'c' + (built ? ' built' : '') + (o.sel === iso3 ? ' sel' : '') };
  }
  function legend(P, edges, o) {
    let s = '', x = 8;
    const y = P.H + 14, labels = [];
    for (let k = 0; k <= edges.length; k++) {
      labels.push(k === 0 ? '< ' + F.tick(edges[0]) : k === edges.length ? '≥ ' + F.tick(edges[k - 1]) : F.tick(edges[k - 1]) + '–' + F.tick(edges[k]));
    }
    if (!edges.length) labels.length = 0;
    const sw = Math.min((P.W - 16) / Math.max(1, labels.length) - 2, Math.max(44, ...labels.map(l => F.textWidth(l, 10.5) + 8)));
    labels.forEach((lab, k) => {
      s += '<rect x="' + x + '" y="' + y + '" width="' + sw + '" height="10" fill="' + colour(k === 0 ? -Infinity : edges[k - 1], edges) + '"/>' +
        '<text class="axis" x="' + (x + sw / 2) + '" y="' + (y + 23) + '" text-anchor="middle">' + esc(lab) + '</text>';
      x += sw + 2;
    });
    x = 8;
    [['url(#hatch)', o.noValue], ['#e9ecef', o.notBuilt]].forEach(([f, lab]) => {
      s += '<rect x="' + x + '" y="' + (y + 34) + '" width="12" height="10" fill="' + f + '" stroke="#ccc"/><text class="axis" x="' + (x + 16) + '" y="' + (y + 43) + '">' + esc(lab) + '</text>';
      x += 30 + F.textWidth(lab, 10);
    });
    return s;
  }

  // values: {iso3: number}, status: {iso3: 'unranked'} for economies built without a value
  function svg(W, values, status, o) {
    const P = paths(Math.round(W)), edges = classes(Object.values(values));
    const H = P.H + 64;
    let s = '<svg xmlns="http://www.w3.org/2000/svg" class="chart map" viewBox="0 0 ' + P.W + ' ' + H + '" width="' + P.W + '" height="' + H + '" role="img" aria-label="' + esc(o.title) + '">' +
      '<defs><pattern id="hatch" width="5" height="5" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="5" height="5" fill="#f2f2f2"/><line x1="0" y1="0" x2="0" y2="5" stroke="#b5b5b5" stroke-width="1.6"/></pattern></defs>';
    P.shapes.forEach(sh => {
      const L = look(sh.iso3, values, status, edges, o);
      s += '<path class="' + L.cls + '" data-unit="' + sh.iso3 + '" d="' + sh.d + '" fill="' + L.fill + '"><title>' + esc(L.tip) + '</title></path>';
    });
    return s + '<g class="legend">' + legend(P, edges, o) + '</g></svg>';
  }
  // the same map with new values: colours, tips and legend changed in place (no re-parse)
  function recolor(el, values, status, o) {
    const P = paths(Number(el.getAttribute('width'))), edges = classes(Object.values(values));
    el.querySelectorAll('path.c').forEach(p => {
      const L = look(p.dataset.unit, values, status, edges, o);
      if (p.getAttribute('fill') !== L.fill) p.setAttribute('fill', L.fill);
      if (p.getAttribute('class') !== L.cls) p.setAttribute('class', L.cls);
      const t = p.firstChild;
      if (t && t.textContent !== L.tip) t.textContent = L.tip;
    });
    el.setAttribute('aria-label', o.title);
    el.querySelector('g.legend').innerHTML = legend(P, edges, o);
  }

  return { svg, recolor, paths, classes, naturalEarth, count: WORLD.shapes.length };
}

if (typeof module !== 'undefined') module.exports = { makeMap };
