/* aidi explorer — words and numbers for people: translations, number formats, text widths.
 * Numbers read like a person writes them: 31,631 or 31.6 k (never 3.163e+04), scores to three
 * significant figures, ranks as whole numbers; Chinese uses 万/亿 for large values. */
'use strict';

function makeFormat(STR, getLang) {
  const t = key => {
    const lang = getLang();
    return (STR[lang] && STR[lang][key]) || STR.en[key] || key;
  };
  const has = key => Boolean(STR.en[key]);
  const fill = (text, vals) => text.replace(/\{(\w+)\}/g, (m, k) => (k in vals ? String(vals[k]) : m));
  const tf = (key, vals) => fill(t(key), vals || {});
  const missing = v => v === null || v === undefined || Number.isNaN(v);
  const locale = () => (getLang() === 'zh' ? 'zh-CN' : 'en-GB');

  // a score (0.734, 1.52, 12.3): three significant figures, at most 3 decimals
  function score(v, digits) {
    if (missing(v)) return '–';
    if (digits !== undefined) return Number(v).toFixed(digits);
    const a = Math.abs(v);
    if (a > 0 && a < 0.01) return String(Number(Number(v).toPrecision(2)));  // 0.0031, not 0.003
    const d = a >= 100 ? 0 : a >= 10 ? 1 : a >= 1 ? 2 : 3;
    return Number(v).toFixed(d);
  }
  // a raw value of any size: grouped digits, or k / M / bn (万 / 亿 in Chinese)
  function raw(v) {
    if (missing(v)) return '–';
    const a = Math.abs(v), zh = getLang() === 'zh';
    const nf = (x, d) => new Intl.NumberFormat(locale(), { maximumFractionDigits: d, minimumFractionDigits: 0 }).format(x);
    if (zh) {
      if (a >= 1e8) return nf(v / 1e8, 2) + '亿';
      if (a >= 1e5) return nf(v / 1e4, 1) + '万';
    } else {
      if (a >= 1e9) return nf(v / 1e9, 2) + ' bn';
      if (a >= 1e6) return nf(v / 1e6, 2) + ' M';
      if (a >= 1e5) return nf(v / 1e3, 1) + ' k';
    }
    if (a >= 1000) return nf(v, 0);
    if (a >= 1) return nf(v, a >= 100 ? 1 : 2);
    if (a === 0) return '0';
    return nf(v, Math.min(6, 2 - Math.floor(Math.log10(a)) + 1));
  }
  // an axis tick: as few digits as the tick needs (0.2, 0.25, 1, 1,000)
  const tick = v => (missing(v) ? '' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 4 }).format(Number(v.toPrecision(6))));
  const rank = v => (missing(v) ? '–' : (Number.isInteger(v) ? String(v) : Number(v).toFixed(1)));
  const pct = v => (missing(v) ? '–' : new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 }).format(v) + (getLang() === 'zh' ? '%' : ' %'));
  // the width of a text in px at a font size (CJK glyphs are square, Latin about 0.56 em)
  function textWidth(text, size) {
    let w = 0;
    for (const ch of String(text)) w += ch.charCodeAt(0) > 0x2e7f ? 1.0 : (/[A-Z]/.test(ch) ? 0.66 : 0.56);
    return w * size;
  }
  function clip(text, size, max) {  // shorten to fit `max` px, with an ellipsis
    const s = String(text);
    if (textWidth(s, size) <= max) return s;
    let out = '';
    for (const ch of s) {
      if (textWidth(out + ch + '…', size) > max) break;
      out += ch;
    }
    return out + '…';
  }
  // sentences one after another: a space in English, none in Chinese
  const sentences = parts => parts.filter(Boolean).join(getLang() === 'zh' ? '' : ' ');
  const list = items => items.join(getLang() === 'zh' ? '、' : ', ');
  const esc = s => String(s).replace(/[&<>"']/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  return { t, tf, has, fill, score, raw, tick, rank, pct, textWidth, clip, list, sentences, esc, missing };
}

if (typeof module !== 'undefined') module.exports = { makeFormat };
