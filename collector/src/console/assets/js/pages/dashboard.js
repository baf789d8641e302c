/* global Node */
// Dashboard: the fleet at a glance — counts, sign-ins over time, integration health, findings.
import { get, withQuery } from '../api.js';
import { badge, field, fmtTime, h, link, plural, put, select, table, zoneLabel } from '../dom.js';
import { lastSyncCell, latestAttemptCell } from '../sync-status.js';
import { errorBlock, keepQueryInUrl, pageHead } from '../ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const SERIES = [
  ['trusted', 'Trusted'],
  ['untrusted', 'Untrusted, allowed'],
  ['denied', 'Denied'],
];
const HEALTH = { ok: ['ok', 'ok'], failing: ['failing', 'bad'], running: ['syncing', 'info'], 'never-synced': ['never synced', 'warn'] };

/** An SVG element from attributes only (no markup parsing, no style attributes). */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  for (const child of children) if (child) el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return el;
}

export async function render(root, ctx) {
  const range = select(
    [
      ['24h', 'Last 24 hours'],
      ['7d', 'Last 7 days'],
      ['30d', 'Last 30 days'],
    ],
    { name: 'range', value: ctx.query.get('range') ?? '7d' },
  );
  const body = h('div', { 'aria-live': 'polite' });
  async function load() {
    // Day bars start at this browser's midnight.
    const params = { range: range.value, utcOffsetMinutes: -new Date().getTimezoneOffset() };
    // Left this page (a debounced search firing late): its URL must not replace the new page's.
    if (ctx.signal.aborted) return;
    keepQueryInUrl('#/dashboard', { range: range.value === '7d' ? '' : range.value }, ctx.signal);
    try {
      const data = await get(withQuery('/admin/v1/dashboard', params), { signal: ctx.signal });
      body.replaceChildren(...view(data, ctx));
    } catch (error) {
      if (error.name === 'AbortError') throw error;
      body.replaceChildren(errorBlock(error));
    }
  }
  range.addEventListener('change', () => void load().catch(() => undefined));
  put(root, pageHead('Dashboard', 'Enrolled endpoints, sign-ins and what needs your attention.', field('Range', range)), body);
  await load();
}

/** A count and what it counts; `href` (an in-app hash) opens the listing behind it; `note` says what it leaves out. */
function stat(value, label, href, note = null) {
  const text = href ? h('a', { href }, label) : h('span', { class: 'stat-label' }, label);
  return h(
    'div',
    { class: 'stat' },
    h('span', { class: 'stat-value' }, value.toLocaleString()),
    text,
    note ? h('span', { class: 'stat-note' }, note) : null,
  );
}

/**
 * What "Blocked" counts: endpoints blocked or denied by an administrator. A released endpoint
 * is blocked too, for good, but it is a retired key whose device enrolled again, not a device
 * held back: said, as it is the one thing the number leaves out.
 */
function blockedNote(released) {
  return `Blocked or denied by an administrator. Released keys (${(released ?? 0).toLocaleString()}) are not counted.`;
}

function view(data, ctx) {
  const { endpoints, signIns, integrations, findings } = data;
  const total = signIns.totals.trusted + signIns.totals.untrusted + signIns.totals.denied;
  const zone = zoneLabel();
  return [
    h('p', { class: 'muted' }, 'As of ', fmtTime(data.generatedAt), '.'),
    h(
      'section',
      { class: 'stats', 'aria-label': 'Counts' },
      stat(endpoints.total, 'Enrolled endpoints', ctx.can('endpoints') ? '#/endpoints' : null),
      stat(endpoints.seenSince, 'Seen in the last 24 hours'),
      stat(endpoints.blocked, 'Blocked', null, blockedNote(endpoints.released)),
      stat(endpoints.pendingApproval, 'Pending approval', ctx.can('endpoints') ? '#/endpoints?approval=pending' : null),
      stat(findings.total, 'Open findings', ctx.can('findings') ? '#/findings' : null),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'chart-title' },
      h('h2', { id: 'chart-title' }, `Sign-ins: ${total.toLocaleString()}`),
      h(
        'p',
        { class: 'muted' },
        `${signIns.totals.trusted.toLocaleString()} trusted, ${signIns.totals.untrusted.toLocaleString()} untrusted but allowed, ${signIns.totals.denied.toLocaleString()} denied (${noAgentText(signIns.totals.deniedNoAgent)}). Each bar is ${describeBucket(signIns.bucketMs)}; times in ${zone}.`,
      ),
      // Scrolls sideways on a phone rather than shrinking its labels past reading.
      h('div', { class: 'chart-wrap', role: 'region', 'aria-label': 'Sign-ins chart', tabindex: '0' }, chart(signIns)),
      h(
        'ul',
        { class: 'legend' },
        SERIES.map(([key, label]) => h('li', {}, h('span', { class: `legend-${key}`, 'aria-hidden': 'true' }), label)),
      ),
      h('details', {}, h('summary', {}, 'Show the numbers'), bucketTable(signIns)),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'integrations-title' },
      h('h2', { id: 'integrations-title' }, 'Integrations'),
      table({
        label: 'Integration health',
        empty: 'No integration yet: add an MDM, an EDR or a CSV inventory.',
        rows: integrations,
        columns: [
          { label: 'Name', cell: (i) => (ctx.can('integrations') ? link(i.name, 'integrations', i.id) : i.name) },
          { label: 'Kind', cell: (i) => i.kind },
          { label: 'Health', cell: (i) => badge(...(HEALTH[i.health] ?? [i.health, ''])) },
          { label: 'Devices', cell: (i) => i.devices.toLocaleString() },
          { label: 'Last sync', cell: lastSyncCell },
          { label: 'Latest attempt', cell: (i) => latestAttemptCell(i.lastSync) },
          { label: 'Activation', cell: (i) => i.activationMode },
        ],
      }),
    ),
    h(
      'section',
      { class: 'panel', 'aria-labelledby': 'findings-title' },
      h('h2', { id: 'findings-title' }, 'Open findings'),
      findings.total === 0
        ? h('p', {}, 'Nothing needs your attention.')
        : h(
            'p',
            {},
            badge(plural(findings.error, 'error', 'errors'), findings.error ? 'bad' : ''),
            ' ',
            badge(plural(findings.warning, 'warning', 'warnings'), findings.warning ? 'warn' : ''),
            ' ',
            badge(plural(findings.info, 'note', 'notes'), 'info'),
            ' ',
            ctx.can('findings') ? link('Review findings', 'findings') : null,
          ),
    ),
  ];
}

/** How many of the denials were for lack of an agent: after a rollout, the devices still without one. */
const noAgentText = (n) => `${(n ?? 0).toLocaleString()} because no DevTrust agent answered`;

const describeBucket = (ms) => (ms >= 86_400_000 ? 'one day' : ms === 3_600_000 ? 'one hour' : `${ms / 3_600_000} hours`);

function bucketLabel(start, bucketMs) {
  const date = new Date(start);
  if (bucketMs >= 86_400_000) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (bucketMs > 3_600_000) return date.toLocaleString(undefined, { weekday: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** Axis labels where people look for them: each local midnight for 6-hour bars, every third hour, about 8 days. */
function isTick(start, bucketMs, index, count) {
  const date = new Date(start);
  if (bucketMs === 3_600_000) return date.getHours() % 3 === 0;
  if (bucketMs < 86_400_000) return date.getHours() === 0;
  return index % Math.ceil(count / 8) === 0;
}

function tickLabel(start, bucketMs) {
  const date = new Date(start);
  if (bucketMs === 3_600_000) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  if (bucketMs < 86_400_000) return date.toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' });
  return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

/**
 * The most a label's character can take at the chart's 11px (CSS px are the viewBox's units):
 * a full-width glyph. Over-estimating only moves a label inward sooner; under-estimating cut
 * the last label off at the right edge, where the SVG clips it.
 */
const LABEL_CHAR_MAX = 11;

/**
 * Where a tick's label goes: centred under its bar, or, when that would run past an edge of
 * the chart, aligned with the outer side of the bar's slot, which lies inside the plot.
 */
function tickPlacement(text, center, slotLeft, slotRight, width) {
  const half = (text.length * LABEL_CHAR_MAX) / 2;
  if (center + half > width) return { x: slotRight, anchor: 'end' };
  if (center - half < 0) return { x: slotLeft, anchor: 'start' };
  return { x: center, anchor: 'middle' };
}

/** Stacked bars, one per bucket, drawn with SVG elements; each bar's title gives its numbers. */
function chart(signIns) {
  const width = 720;
  const height = 220;
  const pad = { left: 40, right: 8, top: 10, bottom: 28 };
  const buckets = signIns.buckets;
  const peak = Math.max(1, ...buckets.map((b) => b.trusted + b.untrusted + b.denied));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const slot = plotW / Math.max(1, buckets.length);
  const barW = Math.max(1, slot * 0.75);
  const y = (n) => pad.top + plotH - (n / peak) * plotH;
  const root = svg('svg', {
    class: 'chart',
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Sign-ins per ${describeBucket(signIns.bucketMs)}, at most ${peak.toLocaleString()} in one bar`,
  });
  root.append(
    svg('line', { class: 'axis', x1: pad.left, y1: pad.top + plotH, x2: width - pad.right, y2: pad.top + plotH }),
    svg('line', { class: 'axis', x1: pad.left, y1: pad.top, x2: pad.left, y2: pad.top + plotH }),
    svg('text', { x: pad.left - 6, y: pad.top + 4, 'text-anchor': 'end' }, peak.toLocaleString()),
    svg('text', { x: pad.left - 6, y: pad.top + plotH, 'text-anchor': 'end' }, '0'),
  );
  buckets.forEach((b, i) => {
    const x = pad.left + i * slot + (slot - barW) / 2;
    const group = svg(
      'g',
      {},
      svg(
        'title',
        {},
        `${bucketLabel(b.start, signIns.bucketMs)}: ${b.trusted} trusted, ${b.untrusted} untrusted, ${b.denied} denied (${noAgentText(b.deniedNoAgent)})`,
      ),
    );
    let base = 0;
    for (const [key] of SERIES) {
      const n = b[key];
      if (n === 0) continue;
      group.append(
        svg('rect', {
          class: `bar-${key}`,
          x: x.toFixed(1),
          y: y(base + n).toFixed(1),
          width: barW.toFixed(1),
          height: (y(base) - y(base + n)).toFixed(1),
        }),
      );
      base += n;
    }
    root.append(group);
    if (isTick(b.start, signIns.bucketMs, i, buckets.length)) {
      const label = tickLabel(b.start, signIns.bucketMs);
      const at = tickPlacement(label, x + barW / 2, pad.left + i * slot, pad.left + (i + 1) * slot, width);
      root.append(svg('text', { x: at.x.toFixed(1), y: height - 8, 'text-anchor': at.anchor }, label));
    }
  });
  return root;
}

function bucketTable(signIns) {
  return table({
    label: 'Sign-ins per period',
    rows: [...signIns.buckets].reverse(),
    columns: [
      { label: 'From', cell: (b) => fmtTime(b.start) },
      { label: 'Trusted', cell: (b) => String(b.trusted) },
      { label: 'Untrusted, allowed', cell: (b) => String(b.untrusted) },
      { label: 'Denied', cell: (b) => String(b.denied) },
      { label: 'Denied: no agent', cell: (b) => String(b.deniedNoAgent ?? 0) },
    ],
  });
}
