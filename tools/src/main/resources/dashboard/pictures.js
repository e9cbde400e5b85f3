// flashcopy dashboard, pictures: the relationship graph (SVG) and the grain maps (canvas). Loaded before
// dashboard.js, whose helpers (el, bytes) these functions use when called. Names reach the SVG through
// textContent only.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const STATE_COLORS = { copying: '#2563eb', copied: '#0d9488', nocopy: '#64748b', cleaning: '#7c3aed' };

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text != null) e.textContent = text;
  return e;
}
/** A tidy tree per root: leaves take consecutive rows, a parent sits at the middle of its children. */
function renderGraph(volumes, rels) {
  const g = $('graph');
  const size = Object.fromEntries(volumes.map((v) => [v.name, v]));
  const children = {};
  const parent = {};
  for (const r of rels) {
    (children[r.source] = children[r.source] || []).push(r);
    parent[r.target] = r.source;
  }
  const names = [...new Set(rels.flatMap((r) => [r.source, r.target]))];
  $('graph-empty').classList.toggle('hidden', names.length > 0);
  g.classList.toggle('hidden', names.length === 0);
  const roots = names.filter((n) => !(n in parent) || !names.includes(parent[n])).sort();
  const pos = {};
  let nextRow = 0;
  const place = (n, depth, seen) => {
    if (seen.has(n) || depth > 64) return pos[n] ? pos[n].row : nextRow++; // cycles are refused; stay safe
    seen.add(n);
    const kids = (children[n] || []).map((r) => place(r.target, depth + 1, seen));
    const row = kids.length ? (kids[0] + kids[kids.length - 1]) / 2 : nextRow++;
    pos[n] = { row, depth };
    return row;
  };
  roots.forEach((r) => place(r, 0, new Set()));
  const W = 168, H = 48, COL = 290, ROW = 70, PAD = 12;
  const depthMax = Math.max(0, ...Object.values(pos).map((p) => p.depth));
  const width = PAD * 2 + depthMax * COL + W + 40, height = PAD * 2 + Math.max(1, nextRow) * ROW - (ROW - H);
  g.setAttribute('width', width);
  g.setAttribute('height', height);
  g.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
  g.replaceChildren();
  const defs = svg('defs');
  for (const [state, color] of Object.entries(STATE_COLORS)) {
    const m = svg('marker', { id: 'arrow-' + state, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7,
      markerHeight: 7, orient: 'auto-start-reverse' });
    m.append(svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: color }));
    defs.append(m);
  }
  g.append(defs);
  const at = (n) => ({ x: PAD + pos[n].depth * COL, y: PAD + pos[n].row * ROW });
  for (const r of rels) {
    if (!pos[r.source] || !pos[r.target]) continue;
    const a = at(r.source), b = at(r.target);
    const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x - 2, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
    const color = STATE_COLORS[r.state] || '#dc2626';
    g.append(svg('path', { class: 'edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`, stroke: color,
      'marker-end': 'url(#arrow-' + (STATE_COLORS[r.state] ? r.state : 'nocopy') + ')' }));
    // The label sits above the edge's flat end, next to the target, where no other edge passes.
    const label = r.state === 'copying' ? Math.floor(r.copiedPercent) + ' %' : r.state;
    g.append(svg('text', { class: 'edge-label', x: x2 - 10, y: y2 - 7, 'text-anchor': 'end', fill: color }, label));
  }
  for (const n of Object.keys(pos)) {
    const p = at(n);
    const node = svg('g', { class: 'node' + (children[n] ? ' source' : ''), transform: `translate(${p.x},${p.y})` });
    node.dataset.volume = n;
    node.append(svg('rect', { width: W, height: H, rx: 8 }));
    node.append(svg('text', { class: 'name', x: 12, y: 20 }, n.length > 20 ? n.slice(0, 19) + '…' : n));
    const v = size[n];
    node.append(svg('text', { class: 'meta', x: 12, y: 36 }, v ? bytes(v.size) + ' · ' + bytes(v.allocated)
      + ' used' : 'missing'));
    g.append(node);
  }
}

/** One cell per bucket, 64 to a row: teal as far as copied, amber corner as far as changed since T0. */
function drawGrainMap(canvas, m) {
  const cols = Math.min(64, m.buckets), rows = Math.ceil(m.buckets / cols);
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600;
  const cell = Math.max(4, w / cols), h = Math.round(rows * cell);
  canvas.style.height = h + 'px';
  canvas.width = w * dpr;
  canvas.height = h * dpr;
  const ctx = canvas.getContext('2d');
  ctx.scale(dpr, dpr);
  const styles = getComputedStyle(document.documentElement);
  const copied = hexRgb(styles.getPropertyValue('--copied')), left = hexRgb(styles.getPropertyValue('--tocopy'));
  for (let i = 0; i < m.buckets; i++) {
    const grains = Math.floor((i + 1) * m.totalGrains / m.buckets) - Math.floor(i * m.totalGrains / m.buckets);
    const done = 1 - (m.toCopy[i] + m.borrowed[i]) / Math.max(1, grains);
    const changed = Math.max(m.sourceChanged[i], m.targetChanged[i]) / Math.max(1, grains);
    const x = (i % cols) * cell, y = Math.floor(i / cols) * cell;
    const mix = left.map((l, k) => Math.round(l + (copied[k] - l) * done));
    ctx.fillStyle = `rgb(${mix[0]},${mix[1]},${mix[2]})`;
    ctx.fillRect(x + 0.5, y + 0.5, cell - 1, cell - 1);
    if (changed > 0) {
      const s = Math.max(3, (cell - 1) * Math.sqrt(changed) * 0.7);
      ctx.fillStyle = '#f59e0b';
      ctx.fillRect(x + cell - 0.5 - s, y + 0.5, s, s);
    }
  }
}
function hexRgb(hex) {
  const h = hex.trim().replace('#', '');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
}
