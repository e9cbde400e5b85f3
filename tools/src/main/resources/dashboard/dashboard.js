// flashcopy dashboard: polls the admin API once a second and draws volumes, relationships, grain maps
// and request rates. No framework, no build step. Every API call carries the bearer token, which comes
// from the URL fragment (#token=..., never sent to the server) or the token dialog, and is kept only in
// this tab's sessionStorage. Untrusted strings reach the page through textContent only.
'use strict';

const POLL_MS = 1000;
const $ = (id) => document.getElementById(id);
const app = { token: null, server: null, exports: {}, prevExports: null, relSpeed: {}, cards: new Map(), timer: null };

// ---- formatting ----
function bytes(n) {
  if (n == null) return '–';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(n >= 100 ? 0 : 1)) + ' ' + units[i];
}
const mibps = (bps) => (bps / 1048576).toFixed(bps >= 100 * 1048576 ? 0 : 1) + ' MiB/s';
const count = (n) => n >= 10000 ? (n / 1000).toFixed(n >= 100000 ? 0 : 1) + 'k' : String(Math.round(n));
function duration(s) {
  if (!isFinite(s) || s < 0) return '–';
  if (s < 60) return Math.ceil(s) + ' s';
  if (s < 3600) return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  return Math.floor(s / 3600) + ' h ' + Math.round((s % 3600) / 60) + ' min';
}
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}
function toast(message, error) {
  const t = $('toast');
  t.textContent = message;
  t.className = 'toast show' + (error ? ' error' : '');
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.className = 'toast'; }, 4000);
}

// ---- API ----
function readToken() {
  const m = location.hash.match(/token=([^&]+)/);
  if (m) {
    sessionStorage.setItem('flashcopy-token', decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname); // keep the token out of the address bar and history
  }
  return sessionStorage.getItem('flashcopy-token');
}
function askToken() {
  if (!$('token-dialog').open) $('token-dialog').showModal();
}
async function api(method, path, body) {
  const headers = { Authorization: 'Bearer ' + app.token };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) { askToken(); throw new Error('the server refused the token'); }
  const text = await res.text();
  const json = (res.headers.get('Content-Type') || '').includes('json') && text ? JSON.parse(text) : text;
  if (!res.ok) throw new Error(json && json.error ? json.error : res.status + ' ' + res.statusText);
  return json;
}

/**
 * Prometheus text → { exports: { name: { ops, read, written } }, copied: { 'src:tgt': bytes } } from the
 * request counters and the background copy counters.
 */
function parseMetrics(text) {
  const out = {};
  const copied = {};
  const line = /^(flashcopy_nbd_(?:requests_total|read_bytes_total|written_bytes_total)|flashcopy_background_copy_bytes_total)\{([^}]*)\} (\S+)$/;
  for (const l of text.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (m[1] === 'flashcopy_background_copy_bytes_total') {
      copied[labels.source + ':' + labels.target] = Number(m[3]);
      continue;
    }
    const e = out[labels.export] || (out[labels.export] = { ops: 0, read: 0, written: 0 });
    const v = Number(m[3]);
    if (m[1] === 'flashcopy_nbd_requests_total') e.ops += v;
    else if (m[1] === 'flashcopy_nbd_read_bytes_total') e.read = v;
    else e.written = v;
  }
  return { exports: out, copied };
}

// ---- polling ----
async function refresh() {
  if (app.polling) return; // a slow server must not pile up polls; the next tick catches up
  app.polling = true;
  try {
    if (!app.server) {
      app.server = await api('GET', '/v1/server');
      $('server').textContent = 'v' + app.server.version + '  ·  NBD ' + app.server.nbd + '  ·  ' + app.server.dataDir;
    }
    const [vols, rels, metrics, ended] = await Promise.all([api('GET', '/v1/volumes'),
      api('GET', '/v1/relationships'), api('GET', '/metrics'), api('GET', '/v1/endings').catch(() => null)]);
    const live = rels.relationships.filter((r) => r.state !== 'inactive');
    const maps = await Promise.all(live.map((r) => api('GET', '/v1/relationships/' + r.source + ':' + r.target
      + '/grainmap').catch(() => null)));
    updateRates(parseMetrics(metrics));
    render(vols.volumes, rels.relationships, maps.filter(Boolean));
    renderEndings(ended ? ended.endings : []);
    setStatus('ok', 'live · ' + new Date().toLocaleTimeString());
  } catch (e) {
    setStatus('bad', e.message);
  } finally {
    app.polling = false;
  }
}
function setStatus(kind, text) {
  $('status-dot').className = 'dot ' + kind;
  $('status-text').textContent = text;
}
function updateRates(sample) {
  const t = performance.now();
  const prev = app.prevExports;
  const now = sample.exports;
  app.exports = {};
  app.copyRates = {};
  for (const [pair, bytes] of Object.entries(sample.copied)) {
    const p = prev && prev.copied[pair];
    app.copyRates[pair] = p != null && bytes >= p ? (bytes - p) / ((t - prev.t) / 1000) : 0;
  }
  for (const [name, c] of Object.entries(now)) {
    const p = prev && prev.counters[name];
    const dt = prev ? (t - prev.t) / 1000 : 0;
    app.exports[name] = p && dt > 0
      ? { iops: (c.ops - p.ops) / dt, read: (c.read - p.read) / dt, write: (c.written - p.written) / dt }
      : { iops: 0, read: 0, write: 0 };
  }
  app.prevExports = { t, counters: now, copied: sample.copied };
}
/** Grains per second the relationship's out-of-sync count falls, smoothed; for the ETA. */
function copySpeed(r) {
  const key = r.source + ':' + r.target;
  const t = performance.now();
  const s = app.relSpeed[key];
  let speed = s ? s.speed : 0;
  if (s && t > s.t && r.outOfSyncGrains <= s.left) {
    const instant = (s.left - r.outOfSyncGrains) / ((t - s.t) / 1000);
    speed = s.speed ? 0.6 * s.speed + 0.4 * instant : instant;
  }
  app.relSpeed[key] = { t, left: r.outOfSyncGrains, speed };
  return speed;
}

// ---- rendering ----
function render(volumes, rels, maps) {
  const totals = Object.values(app.exports).reduce((a, e) => ({ iops: a.iops + e.iops, read: a.read + e.read,
    write: a.write + e.write }), { iops: 0, read: 0, write: 0 });
  $('t-volumes').textContent = volumes.length;
  $('t-rels').textContent = rels.length;
  $('t-copying').textContent = rels.filter((r) => r.state === 'copying').length;
  $('t-iops').textContent = count(totals.iops);
  $('t-read').textContent = mibps(totals.read);
  $('t-write').textContent = mibps(totals.write);
  renderVolumes(volumes);
  renderGraph(volumes, rels);
  renderCards(rels, maps);
  fillSources(volumes);
}

function renderVolumes(volumes) {
  const body = $('volumes');
  body.replaceChildren();
  for (const v of volumes) {
    const tr = el('tr');
    tr.dataset.volume = v.name;
    const name = el('td');
    name.append(el('div', 'vol-name', v.name));
    const role = v.targetOf ? 'target of ' + v.targetOf : (v.sourceOf && v.sourceOf.length ? 'source of '
      + v.sourceOf.join(', ') : (v.problem || ''));
    if (role) name.append(el('div', 'role', role));
    // On a store several servers share (--store rbd:POOL), which server serves the volume from its engine.
    if (v.owner) name.append(el('div', 'role', 'owner: ' + v.owner));
    const alloc = el('td');
    const wrap = el('div', 'alloc');
    const meter = el('div', 'meter');
    const fill = el('span');
    fill.style.width = (v.allocated == null ? 0 : Math.min(100, 100 * v.allocated / Math.max(1, v.size))) + '%';
    meter.append(fill);
    wrap.append(meter, el('span', 'alloc-text', bytes(v.allocated)));
    alloc.append(wrap);
    const rate = app.exports[v.name] || { iops: 0, read: 0, write: 0 };
    tr.append(name, el('td', 'num', bytes(v.size)), alloc, el('td', 'num', count(rate.iops)),
      el('td', 'num', mibps(rate.read)), el('td', 'num', mibps(rate.write)));
    body.append(tr);
  }
}

// How recent relationships ended, newest first: a withdrawn or failed copy is not a full target, and a card that
// simply vanished would not say so.
function renderEndings(endings) {
  const recent = endings.slice(-10).reverse();
  $('endings-card').classList.toggle('hidden', recent.length === 0);
  const body = $('endings');
  body.replaceChildren(...recent.map((e) => {
    const row = el('tr');
    row.append(el('td', null, e.source + ':' + e.target), el('td', 'ending-' + e.ending, e.ending),
      el('td', null, e.reason), el('td', null, new Date(e.at).toLocaleString()));
    return row;
  }));
}

function renderCards(rels, maps) {
  const box = $('relationships');
  const byPair = Object.fromEntries(maps.map((m) => [m.source + ':' + m.target, m]));
  const keep = new Set();
  for (const r of rels) {
    const key = r.source + ':' + r.target;
    keep.add(key);
    let card = app.cards.get(key);
    if (!card) {
      card = makeCard(r);
      app.cards.set(key, card);
      box.append(card.root);
    }
    updateCard(card, r, byPair[key]);
  }
  for (const [key, card] of app.cards) {
    if (!keep.has(key)) { card.root.remove(); app.cards.delete(key); delete app.relSpeed[key]; }
  }
}

function makeCard(r) {
  const c = { root: el('section', 'card rel') };
  c.root.dataset.pair = r.source + ':' + r.target;
  const head = el('div', 'rel-head');
  const title = el('div', 'rel-title');
  title.append(el('span', null, r.source), el('span', 'arrow', '→'), el('span', null, r.target));
  c.state = el('span', 'badge');
  c.flags = el('div', 'rel-flags');
  const titleRow = el('div', 'rel-title-row');
  titleRow.append(title, c.state);
  const id = el('div', 'rel-id');
  id.append(titleRow, c.flags);
  const actions = el('div', 'rel-actions');
  c.resync = button('Resync', () => confirmResync(r));
  c.reverse = button('Reverse', () => confirmReverse(r));
  c.withdraw = button('Withdraw', () => confirmWithdraw(c.last));
  actions.append(c.resync, c.reverse, c.withdraw);
  head.append(id, actions);
  c.bar = el('span');
  const progress = el('div', 'progress');
  progress.append(c.bar);
  c.stats = el('div', 'rel-stats');
  c.canvas = el('canvas', 'grainmap');
  const legend = el('div', 'legend');
  for (const [cls, text] of [['copied', 'copied to target'], ['tocopy', 'still on source'],
    ['changed', 'changed since T0']]) {
    const item = el('span');
    item.append(el('span', 'swatch ' + cls), document.createTextNode(text));
    legend.append(item);
  }
  c.root.append(head, progress, c.stats, c.canvas, legend);
  return c;
}
function button(text, onClick) {
  const b = el('button', 'small', text);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

function updateCard(c, r, map) {
  c.last = r;
  c.root.dataset.copied = r.copiedPercent;
  c.root.dataset.state = r.state;
  c.state.textContent = r.state;
  c.state.className = 'badge ' + r.state;
  c.flags.textContent = [r.mode, r.persistent && 'persistent', r.recording && 'recording',
    r.tgtinhibit && 'tgtinhibit', bytes(r.grainSize) + ' grains'].filter(Boolean).join(' · ');
  c.root.dataset.changed = r.changedSourceGrains + r.changedTargetGrains;
  c.resync.disabled = c.reverse.disabled = !r.recording || r.state === 'inactive';
  c.bar.style.width = r.copiedPercent + '%';
  const speed = copySpeed(r);
  const copying = r.state === 'copying';
  const dataRate = (app.copyRates || {})[r.source + ':' + r.target] || 0;
  const stats = [['Copied', r.copiedPercent.toFixed(2) + ' %'],
    ['Remaining', bytes(r.outOfSyncGrains * r.grainSize)],
    ['Copy rate', copying ? mibps(dataRate) : '–'],
    ['ETA', copying && speed > 0 ? duration(r.outOfSyncGrains / speed) : (r.outOfSyncGrains ? '–' : 'done')],
    ['T0', new Date(r.dateSynced).toLocaleTimeString()]];
  if (r.recording) stats.splice(4, 0, ['Changed', count(r.changedSourceGrains) + ' src · '
    + count(r.changedTargetGrains) + ' tgt']);
  c.stats.replaceChildren(...stats.map(([k, v]) => {
    const s = el('div', 'stat');
    s.append(el('div', 'stat-label', k), el('div', 'stat-value', v));
    return s;
  }));
  if (map) drawGrainMap(c.canvas, map);
}

// ---- actions ----
function confirmAction(title, text, label) {
  return new Promise((resolve) => {
    const d = $('confirm-dialog');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = label;
    d.returnValue = '';
    d.addEventListener('close', () => resolve(d.returnValue === 'ok'), { once: true });
    d.showModal();
  });
}
async function act(description, call) {
  try {
    await call();
    toast(description);
    refresh();
  } catch (e) {
    toast(e.message, true);
  }
}
async function confirmWithdraw(r) {
  const incomplete = r.outOfSyncGrains > 0;
  const ok = await confirmAction('Withdraw ' + r.source + ':' + r.target + '?', incomplete
    ? r.target + ' still reads ' + bytes(r.outOfSyncGrains * r.grainSize) + ' through ' + r.source + ' ('
      + r.copiedPercent.toFixed(1) + ' % copied). After the withdraw it keeps only what was copied and will NOT be'
      + ' a full copy of ' + r.source + '.'
    : r.target + ' is a full copy; the relationship ends and both volumes go their own way.', 'Withdraw');
  if (ok) {
    act('withdrew ' + r.source + ':' + r.target, () => api('POST', '/v1/relationships/' + r.source + ':' + r.target
      + '/withdraw', { force: incomplete }));
  }
}
async function confirmResync(r) {
  const ok = await confirmAction('Resync ' + r.source + ':' + r.target + '?', r.target + ' gets a new point in time'
    + ' (now). Writes made to ' + r.target + ' since its last T0 are backed out.', 'Resync');
  if (ok) {
    act('resynced ' + r.source + ':' + r.target, () => api('POST', '/v1/relationships/' + r.source + ':' + r.target
      + '/resync', { record: true, persistent: true }));
  }
}
async function confirmReverse(r) {
  const fast = r.outOfSyncGrains > 0; // an incomplete copy can only be restored at once (fast reverse)
  const ok = await confirmAction('Restore ' + r.source + ' from ' + r.target + '?', r.source + ' is overwritten with '
    + r.target + "'s point in time; the relationship then runs " + r.target + ':' + r.source + '.'
    + (fast ? ' The copy is not complete, so this is a fast reverse: ' + r.source + ' reads the restored data at'
      + ' once while the grains are copied back.' : ''), 'Reverse');
  if (ok) {
    act('reversed ' + r.source + ':' + r.target, () => api('POST', '/v1/relationships/' + r.source + ':' + r.target
      + '/reverse', { record: true, persistent: true, fast }));
  }
}
function fillSources(volumes) {
  const select = $('mk-source');
  const names = volumes.map((v) => v.name);
  if (select.dataset.names === names.join('\n')) return;
  const chosen = select.value;
  select.replaceChildren(...names.map((n) => { const o = el('option', null, n); o.value = n; return o; }));
  if (names.includes(chosen)) select.value = chosen;
  select.dataset.names = names.join('\n');
}
function setUp() {
  $('token-form').addEventListener('submit', () => {
    app.token = $('token-input').value.trim();
    sessionStorage.setItem('flashcopy-token', app.token);
    app.server = null;
    refresh();
  });
  $('new-flash').addEventListener('click', () => { $('mk-error').textContent = ''; $('mkflash-dialog').showModal(); });
  $('mkflash-form').addEventListener('submit', (ev) => {
    if (ev.submitter && ev.submitter.value !== 'ok') return;
    ev.preventDefault();
    const pair = $('mk-source').value + ':' + $('mk-target').value.trim();
    api('POST', '/v1/relationships', { pairs: [pair], persistent: $('mk-persist').checked,
      mode: document.querySelector('input[name=mk-mode]:checked').value, record: $('mk-record').checked })
      .then(() => { $('mkflash-dialog').close(); toast('established ' + pair); refresh(); })
      .catch((e) => { $('mk-error').textContent = e.message; });
  });
  app.token = readToken();
  if (!app.token) askToken();
  else refresh();
  app.timer = setInterval(() => { if (app.token) refresh(); }, POLL_MS);
}
document.addEventListener('DOMContentLoaded', setUp);
