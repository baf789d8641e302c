/* global Node */
// DOM building without innerHTML: every string from the API becomes a text node or a
// property value, so a hostname like `<img onerror=…>` can only ever show as text.

/** Properties set as DOM properties (not attributes) so their state is live. */
const PROPS = new Set([
  'value',
  'checked',
  'disabled',
  'hidden',
  'required',
  'selected',
  'multiple',
  'open',
  'readOnly',
  'tabIndex',
  'type',
  'name',
  'id',
  'placeholder',
  'min',
  'max',
  'step',
  'accept',
  'autocomplete',
  'spellcheck',
  'title',
  'htmlFor',
  'rows',
]);

/**
 * `h('button', {class: 'btn', on: {click}}, 'Save')`. Children may be strings, numbers,
 * nodes, arrays or null/false (skipped).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || (value === false && !PROPS.has(key))) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = String(value);
    else if (key === 'for') el.htmlFor = value;
    else if (key === 'on') for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    else if (key === 'href') el.setAttribute('href', safeHref(value));
    else if (PROPS.has(key)) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** `parent.append` that skips null/false children (DOM append would print "null"). */
export function put(parent, ...children) {
  append(parent, children);
  return parent;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Links are in-app hashes; anything else (never expected) is neutralised. */
function safeHref(value) {
  const text = String(value);
  return text.startsWith('#') ? text : '#/';
}

/** Builds an in-app link with each dynamic part URL-encoded. */
export function link(text, ...parts) {
  return h('a', { href: `#/${parts.map((p) => encodeURIComponent(p)).join('/')}` }, text);
}

/** Date and time with its time zone ("30 Nov 2026, 09:15:51 CET"): consoles are read from several zones. */
const TIME_FORMAT = {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  timeZoneName: 'short',
};
export const localTime = (ms) => new Date(ms).toLocaleString(undefined, TIME_FORMAT);

/** "1 device", "2 devices": a count with its noun. */
export const plural = (n, one, many) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

export function fmtTime(ms) {
  if (ms === null || ms === undefined) return h('span', { class: 'muted' }, '—');
  const date = new Date(ms);
  return h('time', { datetime: date.toISOString(), title: date.toISOString() }, localTime(ms));
}

/** The viewer's time zone, as people read it: "Europe/Paris (UTC+01:00)". */
export function zoneLabel(at = Date.now()) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'local time';
  const offset = -new Date(at).getTimezoneOffset();
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${zone} (UTC${offset < 0 ? '-' : '+'}${hhmm})`;
}

/** "3 minutes ago": for last-seen columns, with the exact time as a tooltip. */
export function fmtAgo(ms) {
  if (ms === null || ms === undefined) return h('span', { class: 'muted' }, 'never');
  const seconds = Math.round((Date.now() - ms) / 1000);
  const units = [
    ['day', 86400],
    ['hour', 3600],
    ['minute', 60],
  ];
  const [unit, size] = units.find(([, s]) => Math.abs(seconds) >= s) ?? ['second', 1];
  const text = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' }).format(-Math.round(seconds / size), unit);
  const date = new Date(ms);
  return h('time', { datetime: date.toISOString(), title: localTime(ms) }, text);
}

export function badge(text, tone = '') {
  return h('span', { class: tone ? `badge badge-${tone}` : 'badge' }, text);
}

export const yesNo = (value, yes = 'yes', no = 'no', toneYes = 'ok', toneNo = '') => (value ? badge(yes, toneYes) : badge(no, toneNo));

/** A value of unknown shape (from a generic API field) as text. */
export function plain(value) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'muted' }, '—');
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (Array.isArray(value))
    return value.length === 0
      ? h('span', { class: 'muted' }, 'none')
      : value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ');
  if (typeof value === 'object') return h('code', {}, JSON.stringify(value));
  return String(value);
}

/** `[label, value]` pairs as a definition list; value may be a node or anything `plain` takes. */
export function facts(pairs) {
  // Arrays holding nodes are composed content (a link and a note); other values are data.
  const content = (value) =>
    value instanceof Node || (Array.isArray(value) && value.some((v) => v instanceof Node)) ? value : plain(value);
  return h(
    'dl',
    { class: 'facts' },
    pairs.filter(Boolean).map(([label, value]) => [h('dt', {}, label), h('dd', {}, content(value))]),
  );
}

/**
 * A table in a focusable scrolling region. columns: [{label, cell: row => node|string}].
 */
export function table({ caption, columns, rows, empty = 'Nothing to show.', label }) {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty);
  const grid = h(
    'table',
    {},
    caption ? h('caption', {}, caption) : null,
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        columns.map((c) => h('th', { scope: 'col' }, c.label)),
      ),
    ),
    // data-label lets narrow screens show each row as a labelled card (see console.css).
    h(
      'tbody',
      {},
      rows.map((row) =>
        h(
          'tr',
          {},
          columns.map((c, i) => h(i === 0 ? 'th' : 'td', { scope: i === 0 ? 'row' : null, 'data-label': c.label }, c.cell(row))),
        ),
      ),
    ),
  );
  return h('div', { class: 'table-wrap', role: 'region', 'aria-label': label ?? caption ?? 'Table', tabindex: '0' }, grid);
}

/** camelCase API keys as labels: "blockCompromised" → "Block compromised". */
export function humanize(key) {
  const words = String(key)
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[-_]/g, ' ')
    .toLowerCase()
    .split(' ')
    .map((w) => ACRONYMS[w] ?? w)
    .join(' ');
  // "macOS" and "iOS" keep their own capitals even at the start.
  return /^(macOS|iOS)/.test(words) ? words : words.charAt(0).toUpperCase() + words.slice(1);
}
const ACRONYMS = {
  edr: 'EDR',
  os: 'OS',
  macos: 'macOS',
  ios: 'iOS',
  uuid: 'UUID',
  id: 'ID',
  url: 'URL',
  mac: 'MAC',
  guid: 'GUID',
  api: 'API',
  mdm: 'MDM',
};

let ids = 0;
export const uid = (prefix = 'f') => `${prefix}-${++ids}`;

/** A labelled form control; `control` gets an id and the label points at it. */
export function field(label, control, hint) {
  control.id ||= uid();
  const hintEl = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}

export function checkbox(label, props = {}) {
  const input = h('input', { type: 'checkbox', ...props });
  return h('label', { class: 'check' }, input, label);
}

export function select(options, props = {}) {
  return h(
    'select',
    props,
    options.map(([value, text]) => h('option', { value, selected: String(props.value ?? '') === String(value) }, text)),
  );
}
