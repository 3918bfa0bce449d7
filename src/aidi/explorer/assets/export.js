/* aidi explorer — downloads of the current view: PNG and SVG (a standalone image with its
 * title, the state it shows and the source), and CSV whose header records the spec, the
 * edition, the weights, the methods and the scenario. Everything is made in the page (canvas,
 * Blob, object URL): no request. */
'use strict';

function makeExport(F) {
  const css = () => {
    const all = document.getElementById('page-css').textContent;
    const a = all.indexOf('/* chart-css-start */'), b = all.indexOf('/* chart-css-end */');
    return a >= 0 && b > a ? all.slice(a, b) : '';
  };
  const fontCSS = () => {
    const el = document.getElementById('font-css');
    return el ? el.textContent : '';
  };

  // the chart inside a frame: title and subtitle above, notes below (like a published figure)
  function standalone(svgText, meta) {
    const m = /viewBox="0 0 ([\d.]+) ([\d.]+)"/.exec(svgText);
    const w = m ? Number(m[1]) : 800, h = m ? Number(m[2]) : 600;
    const W = Math.max(w + 32, 360), size = 11;
    const wrap = (text, width) => {  // greedy line breaks by estimated width
      const words = /[\u4e00-\u9fff]/.test(text) ? Array.from(text) : text.split(' ');
      const joiner = /[\u4e00-\u9fff]/.test(text) ? '' : ' ';
      const lines = [];
      let line = '';
      words.forEach(word => {
        const next = line ? line + joiner + word : word;
        if (F.textWidth(next, size) > width && line) { lines.push(line); line = word; } else line = next;
      });
      if (line) lines.push(line);
      return lines;
    };
    const sub = wrap(meta.subtitle, W - 32), notes = meta.notes.flatMap(n => wrap(n, W - 32));
    const top = 30 + 15 * sub.length + 8, H = top + h + 10 + 14 * notes.length + 8;
    let s = '<svg xmlns="http://www.w3.org/2000/svg" width="' + W + '" height="' + H + '" viewBox="0 0 ' + W + ' ' + H + '">' +
      '<style>' + (meta.font ? fontCSS() : '') + css() + '</style>' +
      '<rect width="100%" height="100%" fill="#ffffff"/>' +
      '<text class="xtitle" x="16" y="24">' + F.esc(meta.title) + '</text>';
    sub.forEach((l, i) => { s += '<text class="xsub" x="16" y="' + (42 + 15 * i) + '">' + F.esc(l) + '</text>'; });
    s += '<g transform="translate(16,' + top + ')">' + svgText.replace(/^<svg /, '<svg x="0" y="0" ') + '</g>';
    notes.forEach((l, i) => { s += '<text class="xnote" x="16" y="' + (top + h + 20 + 14 * i) + '">' + F.esc(l) + '</text>'; });
    return { text: s + '</svg>', width: W, height: H };
  }

  function download(blob, name) {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
  }

  function png(image, name, scale) {
    return new Promise((resolve, reject) => {
      const img = new Image();
      img.onload = () => {
        const c = document.createElement('canvas');
        c.width = Math.round(image.width * scale);
        c.height = Math.round(image.height * scale);
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, c.width, c.height);
        ctx.drawImage(img, 0, 0, c.width, c.height);
        c.toBlob(b => { if (b) { download(b, name); resolve(b.size); } else reject(new Error('PNG encoding failed')); }, 'image/png');
      };
      img.onerror = () => reject(new Error('the SVG could not be drawn'));
      img.src = 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(image.text);
    });
  }

  const cell = v => {
    if (v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v))) return '';
    const s = String(v);
    return /[",\n#]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  };
  // "# key: value" lines (pandas: read_csv(comment='#')), then the table
  function csv(header, head, rows) {
    const lines = header.map(([k, v]) => '# ' + k + ': ' + String(v).replace(/\n/g, ' '));
    lines.push(head.map(cell).join(','));
    rows.forEach(r => lines.push(r.map(cell).join(',')));
    return lines.join('\n') + '\n';
  }

  return { standalone, download, png, csv };
}

if (typeof module !== 'undefined') module.exports = { makeExport };
