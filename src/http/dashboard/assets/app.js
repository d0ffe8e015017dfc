// The live dashboard. It reads only the public HTTP API, so it doubles as an example client:
// every call goes through api(), which adds the key and turns failures into states the page
// shows (never into uncaught errors or console noise). Three views by the URL's hash: #/ the
// overview, #/item/<id> an item, #/user/<id> a shopper. Each view is built from its <template>
// so that only its own panels are in the document, and polls on timers that end with it.

const KEY_STORE = 'aisle.apiKey';
/** The overview's live figures refresh faster than the rest. */
const NOW_MS = 2000;
const REST_MS = 5000;
/** Chart step per funnel window: a few dozen points each. */
const STEPS = { '15m': '1m', '1h': '5m', '1d': '1h', '7d': '6h' };

// ---------------------------------------------------------------- the API key

/** The key when localStorage cannot hold it. */
let memoryKey = '';

function readKey() {
  try {
    return localStorage.getItem(KEY_STORE) ?? '';
  } catch {
    // Storage can be off (private mode, a policy): the key then lasts as long as the page.
    return memoryKey;
  }
}

function saveKey(key) {
  memoryKey = key;
  try {
    if (key === '') localStorage.removeItem(KEY_STORE);
    else localStorage.setItem(KEY_STORE, key);
  } catch {
    // Kept in memory only; see readKey.
  }
}

// ---------------------------------------------------------------- talking to the API

/** A failed call: `kind` is 'auth' (401/403), 'missing' (404), 'http' (other) or 'network'. */
class ApiError extends Error {
  constructor(kind, status, message) {
    super(message);
    this.kind = kind;
    this.status = status;
  }
}

const conn = { state: 'connecting' };

function setConn(state, text) {
  const el = document.getElementById('conn');
  if (el === null) return;
  if (conn.state !== state || el.textContent !== text) {
    el.dataset.conn = state;
    el.textContent = text;
  }
  conn.state = state;
  const banner = document.getElementById('banner');
  if (banner === null) return;
  if (state === 'auth') {
    banner.hidden = false;
    banner.dataset.kind = 'auth';
    banner.textContent =
      readKey() === ''
        ? 'This server needs an API key: enter one in the API key field above.'
        : 'The API key was refused (unknown, or lacking the read scope): enter another above.';
  } else if (state === 'reconnecting') {
    banner.hidden = false;
    banner.dataset.kind = 'net';
    banner.textContent = 'The engine is not answering; retrying every few seconds.';
  } else {
    banner.hidden = true;
  }
}

/**
 * GET a JSON route (a path relative to the page, e.g. 'v1/stats'). Resolves with the body;
 * rejects with an ApiError, or with the AbortError of a view that was left.
 */
async function api(path, signal) {
  const headers = { accept: 'application/json' };
  const key = readKey();
  if (key !== '') headers.authorization = `Bearer ${key}`;
  let res;
  try {
    res = await fetch(path, { headers, signal, cache: 'no-store' });
  } catch (err) {
    if (signal !== undefined && signal.aborted) throw err;
    setConn('reconnecting', 'reconnecting…');
    throw new ApiError('network', 0, 'the engine is not answering');
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (res.status === 401 || res.status === 403) {
    setConn('auth', 'API key needed');
    throw new ApiError('auth', res.status, (body && body.message) || 'an API key is needed');
  }
  if (res.status >= 500 || res.status === 429) {
    setConn('reconnecting', 'reconnecting…');
    throw new ApiError('http', res.status, (body && body.message) || `HTTP ${res.status}`);
  }
  setConn('live', 'live');
  if (res.status === 404) throw new ApiError('missing', 404, (body && body.message) || 'not found');
  if (!res.ok)
    throw new ApiError('http', res.status, (body && body.message) || `HTTP ${res.status}`);
  return body;
}

const enc = encodeURIComponent;

// ---------------------------------------------------------------- formatting

const fmtInt = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

function num(v, digits = 2) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  if (!Number.isFinite(v)) return '∞';
  return v.toFixed(digits);
}

function pct(v) {
  return v === null || v === undefined ? '–' : `${(v * 100).toFixed(1)}%`;
}

function mib(bytes) {
  return (bytes / 1048576).toFixed(1);
}

function when(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return '–';
  const d = new Date(ms);
  const pad = (n) => String(n).padStart(2, '0');
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
  );
}

function duration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  const s = Math.abs(ms) / 1000;
  if (s < 1) return `${Math.round(Math.abs(ms))} ms`;
  if (s < 90) return `${s.toFixed(1)} s`;
  if (s < 5400) return `${(s / 60).toFixed(0)} min`;
  if (s < 172800) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

// ---------------------------------------------------------------- DOM helpers

/** An element with attributes (`text` sets its text) and children. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') el.textContent = String(v);
    else if (k === 'className') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

function itemLink(item) {
  return h('a', { href: `#/item/${enc(item)}`, 'data-item': item, text: item });
}

/** Replaces a container's children in one step (no flicker between polls). */
function fill(el, children) {
  if (el !== null) el.replaceChildren(...children);
}

function emptyRow(cols, text) {
  return h('tr', {}, h('td', { colspan: cols, className: 'empty', text }));
}

function $(root, selector) {
  return root.querySelector(selector);
}

function setText(root, selector, text) {
  const el = $(root, selector);
  if (el !== null && el.textContent !== text) el.textContent = text;
}

/**
 * A panel's state: `ready` once filled, `error` while its data cannot be had (the figures of
 * the last fill stay on screen), back to `ready` when it can.
 */
function markReady(section) {
  section.dataset.state = 'ready';
  setText(section, '[data-note]', '');
}

function markFailed(section, err) {
  if (err && err.name === 'AbortError') return;
  section.dataset.state = 'error';
  const why =
    err instanceof ApiError
      ? err.kind === 'auth'
        ? 'needs an API key'
        : err.kind === 'network'
          ? 'reconnecting…'
          : err.message
      : 'could not be shown';
  setText(section, '[data-note]', why);
}

// ---------------------------------------------------------------- charts

/** A uPlot chart sized to its container, resized with the window. */
function chart(view, container, opts, data) {
  if (typeof window.uPlot !== 'function' || container === null) return null;
  const width = () => Math.max(200, container.clientWidth);
  const plot = new window.uPlot(
    { ...opts, width: width(), height: opts.height ?? 220 },
    data,
    container,
  );
  const resize = () => plot.setSize({ width: width(), height: opts.height ?? 220 });
  window.addEventListener('resize', resize);
  view.cleanups.push(() => {
    window.removeEventListener('resize', resize);
    plot.destroy();
  });
  return plot;
}

function updateChart(view, slot, container, opts, data) {
  if (view[slot] === undefined || view[slot] === null) {
    view[slot] = chart(view, container, opts, data);
  } else {
    view[slot].setData(data);
  }
}

// ---------------------------------------------------------------- views and polling

let current = null;

/** Runs `fn` now and every `ms` after it settles, until the view ends; skipped while hidden. */
function poll(view, ms, fn) {
  const tick = async () => {
    if (view.ended) return;
    if (!document.hidden || !view.polled) {
      view.polled = true;
      try {
        await fn();
      } catch {
        // Each loader shows its own failure; nothing may escape to the console.
      }
    }
    if (!view.ended) view.timers.push(setTimeout(tick, ms));
  };
  view.timers.push(setTimeout(tick, 0));
  view.refreshers.push(fn);
}

function endView(view) {
  view.ended = true;
  view.abort.abort();
  for (const t of view.timers) clearTimeout(t);
  for (const c of view.cleanups) {
    try {
      c();
    } catch {
      // A chart already gone.
    }
  }
}

function route() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [kind, ...rest] = hash.split('/');
  const id = rest.join('/');
  let decoded = id;
  try {
    decoded = decodeURIComponent(id);
  } catch {
    decoded = id;
  }
  if ((kind === 'item' || kind === 'user') && decoded !== '') return { kind, id: decoded };
  return { kind: 'overview', id: '' };
}

function show() {
  if (current !== null) endView(current);
  const r = route();
  const main = document.getElementById('view');
  const template = document.getElementById(r.kind === 'user' ? 'shopper' : r.kind);
  const view = {
    ended: false,
    polled: false,
    abort: new AbortController(),
    timers: [],
    cleanups: [],
    refreshers: [],
    root: main,
  };
  current = view;
  main.replaceChildren(template.content.cloneNode(true));
  if (r.kind === 'item') startItem(view, r.id);
  else if (r.kind === 'user') startShopper(view, r.id);
  else startOverview(view);
  window.scrollTo(0, 0);
}

/** Ask again now (a new key, the page shown again). */
function refreshAll() {
  if (current === null) return;
  for (const fn of current.refreshers) fn().catch(() => {});
}

// ---------------------------------------------------------------- overview: Now

/** The previous totals, for rates; kept across views so returning shows rates at once. */
let previous = null;
/** The stream time of the latest /v1/stats, ms; null before the first. */
let streamNow = null;

function startOverview(view) {
  const root = view.root;
  const now = $(root, 'section[data-panel="now"]');
  const trending = $(root, 'section[data-panel="trending"]');
  const funnel = $(root, 'section[data-panel="funnel"]');
  const alerts = $(root, 'section[data-panel="alerts"]');

  poll(view, NOW_MS, () => loadNow(view, now));
  poll(view, REST_MS, () => loadModel(view, now));
  poll(view, REST_MS, () => loadTrending(view, trending));
  poll(view, REST_MS, () => loadFunnel(view, funnel));
  poll(view, REST_MS, () => loadAlerts(view, alerts));

  const windowSelect = $(funnel, 'select[name="funnel-window"]');
  windowSelect.addEventListener('change', () => {
    loadFunnel(view, funnel).catch(() => {});
  });
  const typeSelect = $(alerts, 'select[name="alert-type"]');
  typeSelect.addEventListener('change', () => {
    renderAlerts(view, alerts);
    loadAlerts(view, alerts).catch(() => {});
  });
}

async function loadNow(view, section) {
  let stats;
  try {
    stats = await api('v1/stats', view.abort.signal);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  if (view.ended) return;
  const at = performance.now();
  const types = Object.entries(stats.events).filter(([t]) => t !== 'total');
  const dt = previous === null ? 0 : (at - previous.at) / 1000;
  const rate = (t, v) =>
    dt > 0 && previous.events[t] !== undefined ? Math.max(0, (v - previous.events[t]) / dt) : null;

  setText(section, '[data-metric="events-total"]', String(stats.events.total));
  const total = rate('total', stats.events.total);
  setText(section, '[data-metric="events-rate"]', total === null ? '–' : num(total, 1));
  setText(section, '[data-metric="stream-time"]', when(stats.streamTime));
  setText(
    section,
    '[data-metric="lag"]',
    stats.stream === undefined
      ? 'no stream'
      : stats.stream.lagMs === null
        ? 'no messages yet'
        : duration(stats.stream.lagMs),
  );
  // Where the totals stand: the stream's message id per partition, or the local log's place.
  const where = [];
  if (stats.stream !== undefined) {
    where.push(`${fmtInt.format(stats.stream.messages)} messages`);
    for (const [part, id] of Object.entries(stats.stream.position)) where.push(`${part} @ ${id}`);
  } else if (stats.localLog !== undefined) {
    const p = stats.localLog.position;
    where.push(`local log segment ${p.segment}, offset ${fmtInt.format(p.offset)}`);
  }
  setText(section, '[data-body="position"]', where.join(' · '));
  setText(section, '[data-metric="dead-letters"]', String(stats.deadLetters));
  setText(
    section,
    '[data-metric="rejected"]',
    `${stats.rejected}${stats.unknownSkuEvents > 0 ? ` · ${stats.unknownSkuEvents} unknown SKU` : ''}`,
  );
  fill(
    $(section, '[data-body="types"]'),
    types.map(([t, v]) => {
      const r = rate(t, v);
      return h(
        'tr',
        { 'data-type': t },
        h('td', { text: t }),
        h('td', { className: 'n', text: fmtInt.format(v) }),
        h('td', { className: 'n', text: r === null ? '–' : num(r, 1) }),
      );
    }),
  );
  previous = { at, events: stats.events };
  streamNow = stats.streamTime;

  const routes = ((stats.http && stats.http.routes) || [])
    .slice()
    .sort((a, b) => b.count - a.count);
  fill(
    $(section, '[data-body="routes"]'),
    routes.length === 0
      ? [emptyRow(4, 'no requests yet')]
      : routes.map((r) =>
          h(
            'tr',
            { 'data-route': `${r.method} ${r.route}` },
            h('td', { text: `${r.method} ${r.route}` }),
            h('td', { className: 'n', text: fmtInt.format(r.count) }),
            h('td', { className: 'n', text: num(r.p50Ms, 2) }),
            h('td', { className: 'n', text: num(r.p99Ms, 2) }),
          ),
        ),
  );

  const mem = stats.memory;
  const parts = Object.entries(mem.parts).sort((a, b) => b[1] - a[1]);
  fill(
    $(section, '[data-body="parts"]'),
    parts.map(([name, bytes]) =>
      h(
        'tr',
        { 'data-part': name },
        h('td', { text: name }),
        h('td', { className: 'n', text: mib(bytes) }),
        h(
          'td',
          {},
          h(
            'div',
            { className: 'meter' },
            h('span', {
              style: `width:${mem.total > 0 ? ((100 * bytes) / mem.total).toFixed(1) : 0}%`,
            }),
          ),
        ),
      ),
    ),
  );
  const budget = mem.budget;
  setText(
    section,
    '[data-body="memory-total"]',
    budget === null
      ? `${mib(mem.total)} MiB, no budget`
      : `${mib(mem.total)} of ${mib(budget)} MiB (${pct(mem.total / budget)})`,
  );
  const bar = $(section, '[data-body="memory-bar"]');
  if (bar !== null) {
    bar.style.width = budget === null ? '0' : `${Math.min(100, (100 * mem.total) / budget)}%`;
  }
  markReady(section);
}

/**
 * How long before the newest event `ts` was: the engine's clock is its stream's (a replayed or
 * simulated stream runs far from the wall clock), so ages are measured on it.
 */
function age(ts) {
  if (streamNow === null) return '';
  return streamNow > ts
    ? ` (${duration(streamNow - ts)} before the newest event)`
    : ' (up to date)';
}

async function loadModel(view, section) {
  const el = $(section, '[data-body="model"]');
  let text;
  try {
    const m = await api('v1/models/factors', view.abort.signal);
    const f = m.factors;
    text =
      f === null || f === undefined
        ? 'not trained yet'
        : `trained ${when(f.trainedAt)}${age(f.trainedAt)}: ` +
          `${fmtInt.format(f.users)} users × ${fmtInt.format(f.items)} items, ${f.factors} factors`;
    if (m.training && m.training.state === 'running') {
      text += ` · training: iteration ${m.training.iteration} of ${m.training.iterations}`;
    }
  } catch (err) {
    if (err && err.name === 'AbortError') return;
    text = err instanceof ApiError && err.kind === 'missing' ? 'no factor model' : 'unknown';
  }
  if (!view.ended && el !== null) el.textContent = text;
}

// ---------------------------------------------------------------- overview: Trending

function lift(v) {
  return v === null || v === undefined ? '–' : `×${num(v, 1)}`;
}

async function loadTrending(view, section) {
  let t;
  try {
    t = await api('v1/analytics/trending?k=10', view.abort.signal);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  if (view.ended) return;
  setText(
    section,
    '[data-body="trend-rule"]',
    `Recent (half-life ${t.shortHalfLife}) against expected (half-life ${t.longHalfLife}); ` +
      `listed from ${t.minSupport} recent events and z ≥ ${t.minZ}.`,
  );
  fill(
    $(section, '[data-body="items"]'),
    t.items.length === 0
      ? [emptyRow(6, 'No item stands out right now.')]
      : t.items.map((i) =>
          h(
            'tr',
            { title: i.reason },
            h('td', {}, itemLink(i.item)),
            h('td', { text: i.category ?? '' }),
            h('td', { className: 'n', 'data-score': '', text: num(i.score, 2) }),
            h('td', { className: 'n', text: num(i.recent, 1) }),
            h('td', { className: 'n', text: num(i.expected, 1) }),
            h('td', { className: 'n', text: lift(i.lift) }),
          ),
        ),
  );
  fill(
    $(section, '[data-body="categories"]'),
    t.categories.length === 0
      ? [emptyRow(5, 'No category stands out right now.')]
      : t.categories.map((c) =>
          h(
            'tr',
            { title: c.reason, 'data-category': c.category },
            h('td', { text: c.category }),
            h('td', { className: 'n', text: num(c.score, 2) }),
            h('td', { className: 'n', text: num(c.recent, 1) }),
            h('td', { className: 'n', text: num(c.expected, 1) }),
            h('td', { className: 'n', text: lift(c.lift) }),
          ),
        ),
  );
  markReady(section);
}

// ---------------------------------------------------------------- overview: Funnel

function anomalyItem(a, active) {
  const where = a.category === null ? 'whole shop' : `category ${a.category}`;
  return h(
    'li',
    { 'data-anomaly': a.kind },
    h('span', { className: `tag ${active ? 'bad' : ''}`, text: active ? 'active' : 'recent' }),
    ` ${a.kind.replace('_', ' ')} · ${where} · observed ${num(a.observed, 1)}, expected ` +
      `${num(a.expected, 1)} (z ${num(a.z, 1)})`,
    h('small', { text: `${when(a.ts)} · ${a.reason}` }),
  );
}

/**
 * Anomaly episodes as spans of time for the chart: an active one from its alert to the present,
 * a recent one as the interval its alert judged (five minutes by default, hence the width).
 */
function anomalyBands(a) {
  const bands = [];
  for (const x of a.active) bands.push({ from: x.ts, to: Infinity, active: true });
  for (const x of a.recent) bands.push({ from: x.ts - 300_000, to: x.ts, active: false });
  return bands;
}

/** Draws `view.anomalyBands` behind the series: red for open episodes, amber for past ones. */
function anomalyPlugin(view) {
  return {
    hooks: {
      drawClear: [
        (u) => {
          const bands = view.anomalyBands ?? [];
          if (bands.length === 0) return;
          const { left, top, width, height } = u.bbox;
          const ctx = u.ctx;
          ctx.save();
          for (const b of bands) {
            const x0 = Math.max(left, u.valToPos(b.from / 1000, 'x', true));
            const x1 = Math.min(
              left + width,
              b.to === Infinity ? left + width : u.valToPos(b.to / 1000, 'x', true),
            );
            if (!(x1 > x0)) continue;
            ctx.fillStyle = b.active ? 'rgba(220,38,38,0.16)' : 'rgba(217,119,6,0.14)';
            ctx.fillRect(x0, top, Math.max(2, x1 - x0), height);
          }
          ctx.restore();
        },
      ],
    },
  };
}

async function loadFunnel(view, section) {
  const select = $(section, 'select[name="funnel-window"]');
  const w = select === null ? '1h' : select.value;
  const signal = view.abort.signal;
  let f;
  try {
    f = await api(`v1/analytics/funnel?window=${enc(w)}`, signal);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  if (view.ended) return;
  const users = f.users;
  const step = (label, count, rate, rateLabel, distinct) =>
    h(
      'div',
      {},
      h('span', { className: 'label', text: label }),
      h('b', { 'data-metric': `funnel-${label}`, text: fmtInt.format(count) }),
      h('small', {
        text: `${rate === undefined ? '' : `${pct(rate)} ${rateLabel}`}${
          distinct === undefined ? '' : ` · ${fmtInt.format(distinct)} shoppers`
        }`,
      }),
    );
  fill($(section, '[data-body="steps"]'), [
    step('views', f.views, undefined, '', users ? users.views : undefined),
    step('carts', f.carts, f.viewToCart, 'of views', users ? users.carts : undefined),
    step(
      'purchases',
      f.purchases,
      f.cartToPurchase,
      'of carts',
      users ? users.purchases : undefined,
    ),
  ]);
  markReady(section);

  // The charts and the anomalies are extras: their failure leaves the counts shown.
  const stepQ = enc(STEPS[w] ?? '5m');
  const [series, revenue, anomalies] = await Promise.allSettled([
    api(`v1/analytics/funnel?window=${enc(w)}&step=${stepQ}`, signal),
    api(`v1/analytics/revenue?window=${enc(w)}&step=${stepQ}`, signal),
    api('v1/analytics/anomalies', signal),
  ]);
  if (view.ended) return;
  if (anomalies.status === 'fulfilled') view.anomalyBands = anomalyBands(anomalies.value);
  if (series.status === 'fulfilled' && Array.isArray(series.value.points)) {
    const pts = series.value.points;
    const data = [
      pts.map((p) => p.to / 1000),
      pts.map((p) => p.views),
      pts.map((p) => p.carts),
      pts.map((p) => p.purchases),
    ];
    updateChart(
      view,
      'funnelChart',
      $(section, '[data-chart="funnel"]'),
      {
        height: 200,
        series: [
          {},
          { label: 'views', stroke: '#2563eb', fill: 'rgba(37,99,235,0.08)', scale: 'views' },
          { label: 'carts', stroke: '#b45309', scale: 'steps' },
          { label: 'purchases', stroke: '#15803d', scale: 'steps' },
        ],
        axes: [
          {},
          { scale: 'views', size: 60 },
          { scale: 'steps', side: 1, grid: { show: false } },
        ],
        scales: { x: { time: true } },
        plugins: [anomalyPlugin(view)],
      },
      data,
    );
    if (view.funnelChart) view.funnelChart.redraw(false, false);
  }
  if (revenue.status === 'fulfilled' && Array.isArray(revenue.value.points)) {
    const pts = revenue.value.points;
    const data = [pts.map((p) => p.to / 1000), pts.map((p) => p.revenue), pts.map((p) => p.orders)];
    updateChart(
      view,
      'revenueChart',
      $(section, '[data-chart="revenue"]'),
      {
        height: 200,
        series: [
          {},
          { label: 'revenue', stroke: '#2563eb', fill: 'rgba(37,99,235,0.08)', scale: 'rev' },
          { label: 'orders', stroke: '#15803d', scale: 'orders' },
        ],
        axes: [{}, { scale: 'rev', size: 60 }, { scale: 'orders', side: 1, grid: { show: false } }],
        scales: { x: { time: true } },
      },
      data,
    );
  }
  if (anomalies.status === 'fulfilled') {
    const a = anomalies.value;
    const items = [
      ...a.active.map((x) => anomalyItem(x, true)),
      ...a.recent
        .slice(-10)
        .reverse()
        .map((x) => anomalyItem(x, false)),
    ];
    fill(
      $(section, '[data-body="anomalies"]'),
      items.length === 0 ? [h('li', { className: 'hint', text: 'none open or recent' })] : items,
    );
    view.anomalies = a;
  }
}

// ---------------------------------------------------------------- overview: Alerts

async function loadAlerts(view, section) {
  const signal = view.abort.signal;
  // An inventory type is asked of the API, so that the list holds the newest of that type and
  // not only those among the newest of all; anomaly kinds are few and filtered here.
  const chosen = $(section, 'select[name="alert-type"]').value;
  const kinds = view.anomalyKinds ?? new Set();
  const type = chosen !== 'all' && !kinds.has(chosen) ? `&type=${enc(chosen)}` : '';
  let inv;
  try {
    inv = await api(`v1/inventory/alerts?limit=200${type}`, signal);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  let anomalies = { active: [], recent: [] };
  try {
    anomalies = await api('v1/analytics/anomalies', signal);
  } catch (err) {
    if (err && err.name === 'AbortError') return;
  }
  if (view.ended) return;
  view.anomalyKinds = new Set([...kinds, ...anomalies.active.map((a) => a.kind)]);
  const rows = [
    ...anomalies.active.map((a) => ({
      type: a.kind,
      what: a.category === null ? 'whole shop' : `category ${a.category}`,
      ts: a.ts,
      reason: a.reason,
    })),
    ...inv.alerts
      .slice()
      .reverse()
      .map((a) => ({ type: a.type, item: a.item, ts: a.ts, reason: a.reason })),
  ];
  view.alerts = { rows, byType: inv.byType, total: inv.total, anomalies: anomalies.active.length };
  renderAlerts(view, section);
  markReady(section);
}

function renderAlerts(view, section) {
  const data = view.alerts;
  if (data === undefined) return;
  const select = $(section, 'select[name="alert-type"]');
  const chosen = select.value;
  const types = new Set(Object.keys(data.byType).filter((t) => data.byType[t] > 0));
  for (const r of data.rows) types.add(r.type);
  if (chosen !== 'all') types.add(chosen);
  const wanted = ['all', ...[...types].sort()];
  const have = [...select.options].map((o) => o.value);
  if (wanted.join('\n') !== have.join('\n')) {
    select.replaceChildren(
      ...wanted.map((t) =>
        h('option', {
          value: t,
          text: t === 'all' ? 'all' : t.replace(/_/g, ' '),
          selected: t === chosen,
        }),
      ),
    );
    select.value = chosen;
  }
  const shown = data.rows.filter((r) => chosen === 'all' || r.type === chosen);
  const counts = Object.entries(data.byType)
    .map(([t, n]) => `${n} ${t.replace(/_/g, ' ')}`)
    .join(' · ');
  const open = Object.values(data.byType).reduce((a, n) => a + n, 0);
  // `total` counts the alerts of the type asked for, all of them when none was.
  const listedOf =
    chosen === 'all' ? data.total + data.anomalies : (data.byType[chosen] ?? shown.length);
  setText(
    section,
    '[data-body="alert-counts"]',
    `${open} inventory alerts open (${counts}); ${data.anomalies} active anomalies` +
      (shown.length < listedOf ? `; the newest ${shown.length} listed` : ''),
  );
  fill(
    $(section, '[data-body="alerts"]'),
    shown.length === 0
      ? [emptyRow(4, 'No open alerts.')]
      : shown.map((r) =>
          h(
            'tr',
            { 'data-alert-type': r.type },
            h('td', {}, h('span', { className: 'tag', text: r.type.replace(/_/g, ' ') })),
            h('td', {}, r.item === undefined ? r.what : itemLink(r.item)),
            h('td', { text: when(r.ts) }),
            h('td', { className: 'why', text: r.reason }),
          ),
        ),
  );
}

// ---------------------------------------------------------------- item page

function recItem(r, extra) {
  const bits = [r.category, r.price === undefined ? undefined : num(r.price, 2), extra]
    .filter((b) => b !== undefined && b !== '')
    .join(' · ');
  return h(
    'li',
    {},
    itemLink(r.item),
    bits === '' ? null : ` ${bits}`,
    h('small', { text: r.reason }),
  );
}

function startItem(view, id) {
  const section = $(view.root, 'section[data-panel="item"]');
  setText(section, '[data-body="title"]', id);
  poll(view, REST_MS, () => loadItem(view, section, id));
}

async function loadItem(view, section, id) {
  const signal = view.abort.signal;
  let similar;
  let together;
  try {
    [similar, together] = await Promise.all([
      api(`v1/items/${enc(id)}/similar?k=10`, signal),
      api(`v1/items/${enc(id)}/bought-together?k=10`, signal),
    ]);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  if (view.ended) return;
  fill(
    $(section, '[data-list="similar"]'),
    similar.items.map((r) => recItem(r)),
  );
  setText(section, '[data-body="orders"]', `in ${together.orders} orders`);
  fill(
    $(section, '[data-list="bought-together"]'),
    together.items.map((r) =>
      recItem(r, r.lift === undefined ? undefined : `lift ${num(r.lift, 1)}`),
    ),
  );
  // The recommendation routes answer an unknown item with popular items and say so in a note;
  // the item routes would answer 404, which a browser logs as an error, so they are not asked.
  const unknown = similar.notes.includes(`unknown item ${id}`);
  const hint = $(section, '[data-body="unknown"]');
  if (hint !== null) hint.hidden = !unknown;
  if (unknown) {
    setText(section, '[data-metric="stock"]', '0');
    markReady(section);
    return;
  }
  const [inv, price, stats, rec] = await Promise.allSettled([
    api(`v1/inventory/${enc(id)}`, signal),
    api(`v1/items/${enc(id)}/price?targetDays=30`, signal),
    // The stream's present, where the price chart ends.
    api('v1/stats', signal),
    api(`v1/items/${enc(id)}/price/recommendation`, signal),
  ]);
  if (view.ended) return;
  if (stats.status === 'fulfilled') streamNow = stats.value.streamTime;
  if (inv.status === 'fulfilled') {
    const r = inv.value;
    setText(section, '[data-metric="stock"]', String(r.level ?? 0));
    setText(
      section,
      '[data-metric="days-of-cover"]',
      r.daysOfCover === undefined ? '–' : r.daysOfCover === null ? '∞' : num(r.daysOfCover, 1),
    );
    setText(section, '[data-metric="stockout-risk"]', pct(r.stockoutRisk));
    setText(section, '[data-metric="velocity"]', num(r.velocityPerDay, 2));
    setText(
      section,
      '[data-metric="reorder-point"]',
      `${num(r.reorderPoint, 0)}${r.orderQuantity === undefined ? '' : ` (order ${num(r.orderQuantity, 0)})`}`,
    );
    const locations = r.byLocation ?? [];
    fill(
      $(section, '[data-body="locations"]'),
      locations.length === 0
        ? [emptyRow(2, r.level === undefined ? 'no stock recorded' : 'no locations recorded')]
        : locations.map((l) =>
            h(
              'tr',
              { 'data-location': l.location ?? '' },
              h('td', { text: l.location ?? '(no location)' }),
              h('td', { className: 'n', text: String(l.level) }),
            ),
          ),
    );
  } else {
    setText(section, '[data-metric="stock"]', '0');
    fill($(section, '[data-body="locations"]'), [emptyRow(2, 'no stock recorded')]);
  }
  if (price.status === 'fulfilled') renderPrice(view, section, price.value);
  if (rec.status === 'fulfilled') {
    const r = rec.value;
    if (r.refused !== undefined) {
      setText(section, '[data-metric="price-recommended"]', 'none');
      setText(section, '[data-body="recommendation-reason"]', r.refused);
    } else {
      setText(section, '[data-metric="price-recommended"]', num(r.recommended.price, 2));
      const borrowed =
        r.pooled === undefined
          ? ''
          : ` (elasticity borrowed from ${r.pooled.group === '*' ? 'the shop' : r.pooled.group})`;
      setText(section, '[data-body="recommendation-reason"]', `${r.reason}${borrowed}`);
    }
  }
  markReady(section);
}

function renderPrice(view, section, p) {
  setText(
    section,
    '[data-metric="price"]',
    p.currentPrice === undefined ? '–' : num(p.currentPrice, 2),
  );
  const e = p.elasticity;
  setText(
    section,
    '[data-body="elasticity"]',
    e.refused !== undefined
      ? `Elasticity: none (${e.refused}).`
      : `Elasticity ${num(e.elasticity, 2)} (95% interval ${num(e.ci95[0], 2)} to ` +
          `${num(e.ci95[1], 2)}; R² ${num(e.r2, 2)}, ${e.periods} periods, ${num(e.n, 0)} units).`,
  );
  const m = p.markdown;
  setText(
    section,
    '[data-body="markdown"]',
    m === undefined
      ? ''
      : m.refused !== undefined
        ? `Markdown to clear in 30 days: none (${m.refused}).`
        : `Suggested price ${num(m.price, 2)} (${pct(m.discount)} off): ${m.reason}`,
  );
  // List prices hold until the next change (a step line); sale prices are observations (dots).
  const byTs = new Map();
  for (const c of p.changes) {
    const row = byTs.get(c.ts) ?? { list: null, sale: null };
    row[c.source] = c.price;
    byTs.set(c.ts, row);
  }
  const ts = [...byTs.keys()].sort((a, b) => a - b);
  if (ts.length === 0) return;
  // The last list price holds until the stream's present: the line runs on to it.
  const last = ts[ts.length - 1];
  if (streamNow !== null && streamNow > last) {
    let list = null;
    for (const t of ts) list = byTs.get(t).list ?? list;
    byTs.set(streamNow, { list, sale: null });
    ts.push(streamNow);
  }
  const data = [
    ts.map((t) => t / 1000),
    ts.map((t) => byTs.get(t).list),
    ts.map((t) => byTs.get(t).sale),
  ];
  updateChart(
    view,
    'priceChart',
    $(section, '[data-chart="price"]'),
    {
      height: 200,
      series: [
        {},
        {
          label: 'list',
          stroke: '#2563eb',
          spanGaps: true,
          paths: window.uPlot.paths.stepped({ align: 1 }),
        },
        { label: 'sale', stroke: '#b45309', width: 0, points: { show: true, size: 6 } },
      ],
      // A single point gets a day either side rather than uPlot's years.
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => (min === max ? [min - 86400, max + 86400] : [min, max]),
        },
      },
    },
    data,
  );
}

// ---------------------------------------------------------------- shopper page

function startShopper(view, id) {
  const section = $(view.root, 'section[data-panel="shopper"]');
  setText(section, '[data-body="title"]', id);
  poll(view, REST_MS, () => loadShopper(view, section, id));
}

async function loadShopper(view, section, id) {
  const signal = view.abort.signal;
  const user = enc(id);
  let history;
  let again;
  let recs;
  try {
    [history, again, recs] = await Promise.all([
      api(`v1/users/${user}/history?limit=200`, signal),
      api(`v1/users/${user}/buy-again?k=10`, signal),
      api(`v1/users/${user}/recommendations?k=10`, signal),
    ]);
  } catch (err) {
    if (!view.ended) markFailed(section, err);
    return;
  }
  if (view.ended) return;
  fill(
    $(section, '[data-list="history"]'),
    history.items.length === 0
      ? [h('li', { className: 'hint', text: 'no history' })]
      : history.items
          .slice(0, 20)
          .map((i) =>
            h(
              'li',
              {},
              itemLink(i.item),
              i.bought ? h('span', { className: 'tag good', text: 'bought' }) : null,
              h('small', { text: `${when(i.lastSeen)} · strength ${num(i.strength, 0)}` }),
            ),
          ),
  );
  const rec = (r) => recItem(r);
  fill($(section, '[data-list="buy-again"]'), again.items.map(rec));
  fill($(section, '[data-list="recommendations"]'), recs.items.map(rec));
  // The segment route answers 404 for a shopper who never bought, which a browser logs as an
  // error: ask it only when the history (its newest 200 items) holds a purchase.
  if (history.items.some((i) => i.bought)) {
    try {
      const s = await api(`v1/users/${user}/segment`, signal);
      if (view.ended) return;
      setText(section, '[data-metric="segment"]', s.segment);
      setText(section, '[data-metric="orders"]', String(s.orders));
      setText(section, '[data-metric="monetary"]', num(s.monetary, 2));
      setText(section, '[data-metric="recency"]', `${num(s.recencyDays, 1)} days ago`);
    } catch (err) {
      if (err && err.name === 'AbortError') return;
      setText(section, '[data-metric="segment"]', 'unknown');
    }
  } else {
    setText(section, '[data-metric="segment"]', 'no purchases');
    setText(section, '[data-metric="orders"]', '0');
  }
  if (!view.ended) markReady(section);
}

// ---------------------------------------------------------------- start

function start() {
  const keyForm = document.querySelector('form.key');
  const keyInput = document.querySelector('input[name="api-key"]');
  keyInput.value = readKey();
  keyForm.addEventListener('submit', (e) => {
    e.preventDefault();
    saveKey(keyInput.value.trim());
    refreshAll();
  });
  keyInput.addEventListener('change', () => {
    saveKey(keyInput.value.trim());
    refreshAll();
  });
  for (const form of document.querySelectorAll('form[data-open]')) {
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const input = form.querySelector('input');
      const id = input.value.trim();
      if (id === '') return;
      location.hash = `#/${form.dataset.open}/${enc(id)}`;
      input.value = '';
    });
  }
  window.addEventListener('hashchange', show);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshAll();
  });
  // A failure nothing else caught (a browser extension, a chart edge case) must not leave the
  // console red nor the page stuck: the next poll tries again.
  window.addEventListener('unhandledrejection', (e) => e.preventDefault());
  show();
}

start();
