// rollout-guard dashboard: a browser module served by the collector, no build step.
// Everything shown comes from the collector's API (/api/v1/...), read with the token the user gives
// (sessionStorage, sent as `Authorization: Bearer`). The DOM is built with textContent only, so names,
// reasons and messages from the API are never parsed as HTML.
import uPlot from './uplot.js';

const TOKEN_KEY = 'rollout-guard.token';
const refreshSeconds = Math.max(1, Number(new URLSearchParams(location.search).get('refresh')) || 5);
const REFRESH_MS = refreshSeconds * 1000;

// ---------------------------------------------------------------------------------------------- DOM

/** An element with attributes (`class`, `href`, `data-*`, `on:click`…) and children (strings become text). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on:')) el.addEventListener(key.slice(3), value);
    else if (key === 'class') el.className = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

const $ = (id) => document.getElementById(id);

// ----------------------------------------------------------------------------------------- formatting

function number(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (value === 0) return '0';
  const abs = Math.abs(value);
  if (abs >= 1e6 || abs < 1e-4) return value.toExponential(3);
  return String(Number(value.toPrecision(4)));
}

function percent(fraction) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  const p = Number((fraction * 100).toPrecision(3));
  return `${p > 0 ? '+' : ''}${p}%`;
}

/** A bound as written in the spec (0.03, "+5%") in the units the check compares in (fractions for %). */
function boundValue(bound) {
  if (typeof bound === 'number') return bound;
  if (typeof bound === 'string' && bound.endsWith('%')) return Number(bound.slice(0, -1)) / 100;
  return null;
}

/** Which difference a relative check compares: "+5%" bounds the relative one, bare numbers the absolute one. */
function comparedKind(check) {
  if (check.compare === 'absolute') return 'absolute';
  const bounds = [check.allowed.min, check.allowed.max].filter((b) => b !== undefined);
  return bounds.some((b) => typeof b === 'number') || bounds.length === 0 ? 'absolute' : 'relative';
}

function format(check, value) {
  return comparedKind(check) === 'relative' && check.compare !== 'absolute' ? percent(value) : number(value);
}

function allowedText(allowed) {
  const parts = [];
  if (allowed.min !== undefined) parts.push(`min ${allowed.min}`);
  if (allowed.max !== undefined) parts.push(`max ${allowed.max}`);
  return parts.join(', ') || 'any';
}

function duration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const hours = Math.floor(m / 60);
  if (hours < 48) return `${hours}h ${m % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

const time = (ms) => (ms === null || ms === undefined ? '—' : new Date(ms).toLocaleString());
const clock = (ms) => new Date(ms).toLocaleTimeString();
const ago = (ms) => `${duration(Date.now() - ms)} ago`;

const STATE_CLASS = {
  breached: 'bad',
  fail: 'bad',
  'no-go': 'bad',
  rollback: 'bad',
  'rolled-back': 'bad',
  'gave-up': 'bad',
  stopped: 'bad',
  aborted: 'bad',
  ok: 'good',
  pass: 'good',
  go: 'good',
  delivered: 'good',
  completed: 'good',
  inconclusive: 'warn',
  insufficient: 'warn',
  'awaiting-approval': 'warn',
  paused: 'warn',
  retrying: 'warn',
  wave: 'info',
  checkpoint: 'info',
  baseline: 'info',
  pending: 'info',
  advance: 'info',
};

const badge = (text) => h('span', { class: `badge ${STATE_CLASS[text] ?? ''}`, 'data-state': text }, text);

// ------------------------------------------------------------------------------------------------ API

class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const token = () => sessionStorage.getItem(TOKEN_KEY);

async function api(path, { method = 'GET', accept = 'application/json', body } = {}) {
  const headers = { accept };
  const t = token();
  if (t) headers.authorization = `Bearer ${t}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body, cache: 'no-store' });
  } catch (error) {
    throw new ApiError(0, `cannot reach the collector at ${location.host} (${error.message})`);
  }
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const answer = await res.json();
      if (typeof answer.message === 'string') message = answer.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(res.status, message);
  }
  return accept === 'text/html' ? res.text() : res.json();
}

const rolloutPath = (name) => `/api/v1/rollouts/${encodeURIComponent(name)}`;

// ------------------------------------------------------------------------------------ status and auth

let lastGood = null;
let failingSince = null;

function showStatus(kind, text) {
  const el = $('status');
  el.className = `status ${kind}`;
  el.dataset.kind = kind;
  el.textContent = text;
}

function showAuth(message) {
  $('auth').hidden = false;
  $('auth-message').textContent = message;
}

/** Says what is wrong with the API in words a user can act on; returns true when the view cannot show data. */
function reportFailure(error) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 401) {
    const message = token()
      ? `The token was refused: ${error.message}. Enter a token with the read scope.`
      : 'This collector needs a token with the read scope: enter it below.';
    showStatus('auth', token() ? 'Token refused' : 'Token needed');
    showAuth(message);
    return true;
  }
  if (error.status === 403) {
    showStatus('auth', 'Token lacks the read scope');
    showAuth(`${error.message}. Enter a token with the read scope.`);
    return true;
  }
  if (error.status === 0 || error.status >= 500 || error.status === 429) {
    failingSince ??= Date.now();
    const stale = lastGood === null ? 'no data yet' : `showing data from ${clock(lastGood)}`;
    showStatus(
      'error',
      `API unreachable since ${clock(failingSince)}: ${error.message}; retrying every ${refreshSeconds} s, ${stale}`,
    );
    return false;
  }
  return false;
}

function reportSuccess() {
  lastGood = Date.now();
  failingSince = null;
  $('auth').hidden = true;
  showStatus('ok', `Updated ${clock(lastGood)} · refreshes every ${refreshSeconds} s`);
}

// --------------------------------------------------------------------------------------- the list view

function bake(view, now = Date.now()) {
  if (view.phase === 'awaiting-approval') return h('span', {}, 'baked: checkpoint passed');
  if (view.waveStartedAt === null || view.checkpointAt === null) return h('span', { class: 'muted' }, '—');
  const total = Math.max(1, view.checkpointAt - view.waveStartedAt);
  const done = Math.min(total, Math.max(0, now - view.waveStartedAt));
  return h(
    'div',
    { class: 'bake' },
    h('progress', { max: total, value: done, 'aria-label': 'bake progress' }),
    h(
      'span',
      { class: 'muted num' },
      `${duration(done)} of ${duration(total)} · checkpoint ${view.checkpointAt > now ? `in ${duration(view.checkpointAt - now)}` : 'due'}`,
    ),
  );
}

function waveText(view) {
  if (view.wave.index === 0) return `not started (${view.wave.of} waves)`;
  return `${view.wave.index} of ${view.wave.of} · ${view.wave.percent ?? '—'}%`;
}

function nextWave(view) {
  return view.wave.index < view.wave.of ? `wave ${view.wave.index + 1}` : 'completion';
}

/** What a human must do about a rollout, or null. */
function attention(view) {
  if (view.phase === 'awaiting-approval') {
    return {
      level: 'warn',
      text: `awaiting approval: wave ${view.wave.index} passed its checkpoint; approve to go on to ${nextWave(view)}`,
    };
  }
  if (view.phase === 'paused' && view.paused?.cause === 'no-go') {
    return {
      level: 'bad',
      text: `no-go at the wave ${view.wave.index} checkpoint: holding at ${view.wave.percent}% — resume re-bakes, rollback turns the flag off`,
    };
  }
  if (view.phase === 'paused') {
    return {
      level: 'warn',
      text: `paused (${view.paused?.cause ?? 'operator'}) since ${time(view.paused?.at)}`,
    };
  }
  const breached = view.checks.filter((c) => c.state === 'breached').map((c) => c.name);
  if (breached.length > 0 && !['rolled-back', 'aborted', 'completed'].includes(view.phase)) {
    return { level: 'bad', text: `breached: ${breached.join(', ')}` };
  }
  return null;
}

function checkValue(check) {
  const interval = check.interval
    ? ` [${format(check, check.interval[0])}, ${format(check, check.interval[1])}]`
    : '';
  return `${format(check, check.value)}${interval}`;
}

function checksMini(view) {
  return h(
    'ul',
    { class: 'checks-mini' },
    view.checks.map((check) =>
      h(
        'li',
        { 'data-check': check.name },
        badge(check.state),
        h('strong', {}, check.name),
        h('span', { class: 'num', 'data-role': 'value' }, checkValue(check)),
        h('span', { class: 'muted' }, `allowed ${allowedText(check.allowed)} · ${check.window}`),
      ),
    ),
  );
}

async function renderList() {
  const { rollouts } = await api('/api/v1/rollouts');
  const views = await Promise.all(rollouts.map((r) => api(rolloutPath(r.name))));
  const needs = views.map((v) => ({ view: v, why: attention(v) })).filter((x) => x.why !== null);
  const main = h('div', { id: 'rollout-list' });
  main.append(h('h1', {}, 'Rollouts'));
  if (needs.length > 0) {
    main.append(
      h('h2', {}, 'Needs a human'),
      h(
        'ul',
        { class: 'attention-list', id: 'attention' },
        needs.map(({ view, why }) =>
          h(
            'li',
            { class: why.level, 'data-rollout': view.name },
            h('a', { href: `#/rollouts/${encodeURIComponent(view.name)}` }, view.name),
            ' — ',
            why.text,
          ),
        ),
      ),
    );
  }
  if (views.length === 0) {
    main.append(
      h(
        'p',
        { class: 'message' },
        'No rollouts yet. Declare one with PUT /api/v1/rollouts/{name} (see the API reference) or `rollout-guard apply`.',
      ),
    );
    return main;
  }
  main.append(
    h(
      'table',
      { id: 'rollouts' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Rollout', 'Phase', 'Wave', 'Bake', 'Checks: latest value [interval]'].map((t) => h('th', {}, t)),
        ),
      ),
      h(
        'tbody',
        {},
        views.map((view) => {
          const why = attention(view);
          return h(
            'tr',
            {
              'data-rollout': view.name,
              class: why === null ? '' : why.level === 'bad' ? 'breached' : 'attention',
            },
            h(
              'td',
              {},
              h('a', { href: `#/rollouts/${encodeURIComponent(view.name)}` }, h('strong', {}, view.name)),
              h('div', { class: 'muted' }, `flag ${view.flag} · spec v${view.specVersion}`),
            ),
            h(
              'td',
              {},
              badge(view.phase),
              view.paused ? h('div', { class: 'muted' }, view.paused.cause) : null,
            ),
            h('td', { class: 'num' }, waveText(view)),
            h('td', {}, bake(view)),
            h('td', {}, checksMini(view)),
          );
        }),
      ),
    ),
  );
  return main;
}

// ------------------------------------------------------------------------------------- the rollout view

/** The compared quantity of a series point, as the check judges it. */
function pointOf(check, point) {
  if (check.compare === 'absolute') return point.cohorts.treatment ?? null;
  return point.difference?.[comparedKind(check)] ?? null;
}

const charts = new Map();

function chartData(check, series) {
  const xs = [];
  const values = [];
  const lower = [];
  const upper = [];
  for (const point of series.points) {
    const p = pointOf(check, point);
    xs.push(point.t / 1000);
    values.push(p?.value ?? null);
    lower.push(p?.interval?.[0] ?? null);
    upper.push(p?.interval?.[1] ?? null);
  }
  const data = [xs, values, lower, upper];
  const limits = [];
  for (const side of ['max', 'min']) {
    const bound = boundValue(check.allowed[side]);
    if (bound === null) continue;
    limits.push({ side, text: String(check.allowed[side]) });
    data.push(xs.map(() => bound));
  }
  return { data, limits };
}

function chartOptions(check, limits, width) {
  const relative = check.compare !== 'absolute' && comparedKind(check) === 'relative';
  const show = (v) => (relative ? percent(v) : number(v));
  return {
    width,
    height: 220,
    legend: { show: true, live: true },
    cursor: { drag: { x: true, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { size: 70, values: (_u, ticks) => ticks.map(show) }],
    series: [
      {},
      {
        label: check.compare === 'absolute' ? 'value' : 'difference',
        stroke: '#1d4fa3',
        width: 2,
        value: (_u, v) => show(v),
      },
      { label: 'lower', stroke: 'rgba(29,79,163,0.35)', value: (_u, v) => show(v) },
      { label: 'upper', stroke: 'rgba(29,79,163,0.35)', value: (_u, v) => show(v) },
      ...limits.map((l) => ({
        label: `allowed ${l.side} ${l.text}`,
        stroke: '#b3261e',
        dash: [6, 4],
        width: 1.5,
        value: (_u, v) => show(v),
      })),
    ],
    bands: [{ series: [3, 2], fill: 'rgba(29,79,163,0.12)' }],
  };
}

async function renderCharts(name, view, container) {
  const wanted = new Set(view.checks.map((c) => c.name));
  for (const [key, entry] of charts) {
    if (!wanted.has(key)) {
      entry.plot?.destroy();
      entry.figure.remove();
      charts.delete(key);
    }
  }
  await Promise.all(
    view.checks.map(async (check) => {
      let entry = charts.get(check.name);
      if (entry === undefined) {
        const box = h('div', { class: 'chart' });
        const caption = h('figcaption', {});
        const figure = h('figure', { 'data-check': check.name }, caption, box);
        entry = { figure, caption, box, plot: null, shape: '' };
        const sized = entry;
        // The chart follows its column's width (window resized, grid reflowed).
        new ResizeObserver(() => {
          if (sized.plot && sized.box.clientWidth > 0 && sized.box.clientWidth !== sized.plot.width) {
            sized.plot.setSize({ width: sized.box.clientWidth, height: 220 });
          }
        }).observe(box);
        charts.set(check.name, entry);
      }
      entry.caption.replaceChildren(
        h('span', {}, check.name),
        badge(check.state),
        h(
          'span',
          { class: 'muted' },
          `${check.role} · ${check.compare} · allowed ${allowedText(check.allowed)}`,
        ),
      );
      container.append(entry.figure);
      if (check.metric.startsWith('promql:')) {
        entry.box.replaceChildren(
          h('p', { class: 'muted' }, 'Reads PromQL: its history is in that Prometheus.'),
        );
        return;
      }
      let series;
      try {
        series = await api(`${rolloutPath(name)}/series?check=${encodeURIComponent(check.name)}`);
      } catch (error) {
        if (
          !(error instanceof ApiError) ||
          error.status === 0 ||
          error.status === 401 ||
          error.status === 403
        ) {
          throw error;
        }
        entry.plot?.destroy();
        entry.plot = null;
        entry.box.replaceChildren(h('p', { class: 'muted' }, `No chart: ${error.message}`));
        return;
      }
      const { data, limits } = chartData(check, series);
      const shape = JSON.stringify([check.allowed, check.compare]);
      const width = Math.max(300, entry.box.clientWidth || container.clientWidth / 2 || 480);
      if (entry.plot === null || entry.shape !== shape) {
        entry.plot?.destroy();
        entry.box.replaceChildren();
        entry.plot = new uPlot(chartOptions(check, limits, width), data, entry.box);
        entry.shape = shape;
      } else {
        entry.plot.setData(data);
      }
      entry.figure.dataset.points = String(series.points.length);
    }),
  );
}

function checksTable(view) {
  return h(
    'table',
    { id: 'checks' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        [
          'Check',
          'State',
          'Value [interval]',
          'Allowed',
          'Samples (treatment / reference)',
          'Window',
          'Why',
        ].map((t) => h('th', {}, t)),
      ),
    ),
    h(
      'tbody',
      {},
      view.checks.map((check) =>
        h(
          'tr',
          { 'data-check': check.name, class: STATE_CLASS[check.state] === 'bad' ? 'breached' : '' },
          h(
            'td',
            {},
            h('strong', {}, check.name),
            h('div', { class: 'muted' }, `${check.role} · ${check.metric}`),
          ),
          h(
            'td',
            {},
            badge(check.state),
            check.consecutive
              ? h(
                  'div',
                  { class: 'muted' },
                  `${check.consecutive.count} of ${check.consecutive.required} in a row`,
                )
              : null,
          ),
          h('td', { class: 'num', 'data-role': 'value' }, checkValue(check)),
          h(
            'td',
            {},
            allowedText(check.allowed),
            h('div', { class: 'muted' }, `${check.compare} · ${check.limitSource}`),
          ),
          h('td', { class: 'num' }, `${check.samples.treatment} / ${check.samples.reference}`),
          h('td', {}, check.window),
          h('td', { class: 'muted' }, check.explanation ?? ''),
        ),
      ),
    ),
  );
}

function decisionClass(d) {
  return STATE_CLASS[d.outcome] ?? STATE_CLASS[d.kind] ?? '';
}

function timeline(name, decisions) {
  if (decisions.length === 0) return h('p', { class: 'muted' }, 'No decisions yet.');
  return h(
    'ol',
    { class: 'timeline', id: 'decisions' },
    decisions.map((d) =>
      h(
        'li',
        { class: decisionClass(d), 'data-decision': d.id },
        h('span', { class: 'num' }, time(d.at)),
        ' ',
        badge(d.outcome),
        ' ',
        h('strong', {}, d.kind),
        d.wave ? ` · wave ${d.wave.index} (${d.wave.percent}%)` : '',
        ` · ${d.actor.type === 'operator' ? d.actor.name : 'rollout-guard'} · `,
        h(
          'a',
          { href: `#/rollouts/${encodeURIComponent(name)}/decisions/${encodeURIComponent(d.id)}` },
          'report',
        ),
        h('div', {}, d.reason),
      ),
    ),
  );
}

function deliveriesTable(deliveries) {
  if (deliveries.length === 0) return h('p', { class: 'muted' }, 'No webhook deliveries yet.');
  return h(
    'table',
    { id: 'deliveries' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Created', 'Webhook', 'Target', 'Status', 'Attempts', 'Last attempt', 'Next attempt', 'Note'].map(
          (t) => h('th', {}, t),
        ),
      ),
    ),
    h(
      'tbody',
      {},
      deliveries.map((d) =>
        h(
          'tr',
          { 'data-delivery': d.id },
          h('td', { class: 'num' }, time(d.createdAt)),
          h('td', {}, d.webhook),
          h('td', {}, `${d.format} → ${d.destination}`),
          h('td', {}, badge(d.status)),
          h(
            'td',
            { class: 'num' },
            `${d.attempts}${d.redeliveries > 0 ? ` (redelivered ${d.redeliveries}×)` : ''}`,
          ),
          h('td', { class: 'num' }, d.lastAttemptAt ? ago(d.lastAttemptAt) : '—'),
          h('td', { class: 'num' }, d.nextAttemptAt ? time(d.nextAttemptAt) : '—'),
          h('td', { class: 'muted' }, d.note ?? ''),
        ),
      ),
    ),
  );
}

/** The approve button asks for a second click, then calls the API with the same token (it needs operate). */
function approveButton(view) {
  const result = h('span', { class: 'muted', role: 'status' });
  let armed = false;
  const button = h(
    'button',
    {
      type: 'button',
      class: 'primary',
      id: 'approve',
      'on:click': async () => {
        if (!armed) {
          armed = true;
          button.textContent = `Click again to approve ${nextWave(view)}`;
          setTimeout(() => {
            armed = false;
            button.textContent = `Approve ${nextWave(view)}`;
          }, 5000);
          return;
        }
        button.disabled = true;
        try {
          const answer = await api(`${rolloutPath(view.name)}/approve`, {
            method: 'POST',
            body: JSON.stringify({ reason: 'approved from the dashboard' }),
          });
          result.textContent = `Approved: now ${answer.phase}, wave ${answer.wave}`;
          schedule(0);
        } catch (error) {
          result.textContent = `Not approved: ${error.message}`;
          button.disabled = false;
        }
      },
    },
    `Approve ${nextWave(view)}`,
  );
  return h('div', { class: 'actions' }, button, result);
}

let detailShell = null;

async function renderRollout(name, isCurrent) {
  const [view, { decisions }, { deliveries }] = await Promise.all([
    api(rolloutPath(name)),
    api(`${rolloutPath(name)}/decisions?limit=50`),
    api(`/api/v1/deliveries?rollout=${encodeURIComponent(name)}&limit=25`),
  ]);
  if (!isCurrent()) return;
  if (detailShell?.name !== name) {
    for (const entry of charts.values()) entry.plot?.destroy();
    charts.clear();
    detailShell = {
      name,
      root: h('div', { id: 'rollout', 'data-rollout': name }),
      summary: h('section', { class: 'card' }),
      checks: h('section', {}),
      charts: h('div', { class: 'charts', id: 'charts' }),
      decisions: h('section', {}),
      deliveries: h('section', {}),
    };
    detailShell.root.append(
      h('p', {}, h('a', { href: '#/' }, '← all rollouts')),
      detailShell.summary,
      h('h2', {}, 'Checks'),
      detailShell.checks,
      h('h2', {}, 'Over time (value, confidence interval, allowed limit)'),
      detailShell.charts,
      h('h2', {}, 'Decisions'),
      detailShell.decisions,
      h('h2', {}, 'Webhook deliveries'),
      detailShell.deliveries,
    );
  }
  const why = attention(view);
  const summary = [
    h('h1', {}, view.name, ' ', badge(view.phase)),
    why
      ? h('ul', { class: 'attention-list' }, h('li', { class: why.level, id: 'attention' }, why.text))
      : null,
    h(
      'dl',
      { class: 'facts' },
      [
        ['Flag', view.flag],
        ['Wave', waveText(view)],
        ['Bake', bake(view)],
        ['Approval', view.approval],
        [
          'Spec',
          `v${view.specVersion}${view.latestVersion !== view.specVersion ? ` (v${view.latestVersion} stored)` : ''}`,
        ],
        ['Updated', time(view.updatedAt)],
      ].map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))),
    ),
    view.phase === 'awaiting-approval' ? approveButton(view) : null,
  ];
  // Keep a pending approval click (the button and its message) across refreshes of the same phase.
  if (!(view.phase === 'awaiting-approval' && detailShell.summary.dataset.phase === 'awaiting-approval')) {
    detailShell.summary.replaceChildren(...summary.filter(Boolean));
    detailShell.summary.dataset.phase = view.phase;
  }
  detailShell.checks.replaceChildren(checksTable(view));
  detailShell.decisions.replaceChildren(timeline(name, decisions));
  detailShell.deliveries.replaceChildren(deliveriesTable(deliveries));
  if (!detailShell.root.isConnected) $('view').replaceChildren(detailShell.root);
  await renderCharts(name, view, detailShell.charts);
  return detailShell.root;
}

async function renderReport(name, id) {
  const text = await api(`${rolloutPath(name)}/decisions/${encodeURIComponent(id)}`, { accept: 'text/html' });
  const frame = h('iframe', { class: 'report-frame', title: `decision ${id}`, sandbox: '' });
  frame.srcdoc = text;
  return h(
    'div',
    { id: 'report', 'data-decision': id },
    h('p', {}, h('a', { href: `#/rollouts/${encodeURIComponent(name)}` }, `← ${name}`)),
    frame,
  );
}

// ------------------------------------------------------------------------------------------ the loop

function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'rollouts' && parts[1] && parts[2] === 'decisions' && parts[3]) {
    return { kind: 'report', name: parts[1], id: parts[3] };
  }
  if (parts[0] === 'rollouts' && parts[1]) return { kind: 'rollout', name: parts[1] };
  return { kind: 'list' };
}

let timer = null;
let generation = 0;
let shownReport = null;

async function refresh() {
  const mine = ++generation;
  const where = route();
  try {
    if (where.kind === 'report') {
      // A report does not change: fetch it once per visit.
      const key = `${where.name}/${where.id}`;
      if (shownReport !== key) {
        const el = await renderReport(where.name, where.id);
        if (mine !== generation) return;
        $('view').replaceChildren(el);
        shownReport = key;
        detailShell = null;
      }
    } else if (where.kind === 'rollout') {
      shownReport = null;
      await renderRollout(where.name, () => mine === generation);
    } else {
      shownReport = null;
      detailShell = null;
      const el = await renderList();
      if (mine !== generation) return;
      $('view').replaceChildren(el);
    }
    if (mine === generation) reportSuccess();
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof ApiError && error.status === 404) {
      detailShell = null;
      $('view').replaceChildren(
        h('p', { class: 'message' }, error.message, ' ', h('a', { href: '#/' }, 'All rollouts')),
      );
      reportSuccess();
    } else if (reportFailure(error)) {
      detailShell = null;
      shownReport = null;
      $('view').replaceChildren(
        h('p', { class: 'message muted' }, 'Nothing to show without a token that may read.'),
      );
    }
  } finally {
    if (mine === generation) schedule(REFRESH_MS);
  }
}

function schedule(ms) {
  clearTimeout(timer);
  timer = setTimeout(refresh, ms);
}

function start() {
  $('auth-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const value = $('token-input').value.trim();
    if (value === '') return;
    sessionStorage.setItem(TOKEN_KEY, value);
    $('token-input').value = '';
    $('auth').hidden = true;
    showStatus('ok', 'Loading…');
    schedule(0);
  });
  $('token-forget').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    schedule(0);
  });
  $('token-button').addEventListener('click', () => {
    $('auth').hidden = !$('auth').hidden;
    if (!$('auth').hidden) $('token-input').focus();
  });
  window.addEventListener('hashchange', () => schedule(0));
  schedule(0);
}

start();
