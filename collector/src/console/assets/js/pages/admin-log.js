// Administrator actions: who changed what, when and from where (GET /admin/v1/admin-log).
import { get, withQuery } from '../api.js';
import { badge, field, fmtTime, h, put, select, table } from '../dom.js';
import { endpointLead } from '../endpoint-name.js';
import { errorBlock, keepQueryInUrl, pageHead } from '../ui.js';

/**
 * Every resource type the log can hold: the collector's ADMIN_RESOURCE_TYPES
 * (collector/src/domain/admin-log.ts), which test/e2e/console/admin-log-resource-types.test.ts
 * holds this list to, so a type added there cannot go missing from the filter.
 */
const RESOURCE_TYPES = [
  ['', 'Any'],
  ['integration', 'Integrations'],
  ['application', 'Applications'],
  ['policy', 'Global policy'],
  ['user', 'Users & groups'],
  ['api-key', 'API keys'],
  ['enrollment-key', 'Enrollment key'],
  ['endpoint', 'Endpoints'],
  ['oidc-key', 'OIDC signing keys'],
  ['trusted-endpoints-key', 'Trusted endpoints keys'],
  ['backup', 'Backups'],
];
const PAGE_SIZE = 50;

/** Where a resource of this type is shown in the console, if it has a page. */
const PAGES = { integration: 'integrations', application: 'applications', endpoint: 'endpoints' };

/** datetime-local values are local times without a zone; the API wants an instant. */
const toIso = (local) => (local ? new Date(local).toISOString() : '');
function toLocal(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export async function render(root, ctx) {
  const q = (name) => ctx.query.get(name) ?? '';
  const resourceType = select(RESOURCE_TYPES, { name: 'resourceType', value: q('resourceType') });
  const text = (name, value) => h('input', { type: 'search', name, value, autocomplete: 'off', spellcheck: false });
  const resourceId = text('resourceId', q('resourceId'));
  const action = text('action', q('action'));
  const actorKeyId = text('actorKeyId', q('actorKeyId'));
  const since = h('input', { type: 'datetime-local', name: 'since', value: toLocal(q('since')) });
  const until = h('input', { type: 'datetime-local', name: 'until', value: toLocal(q('until')) });
  const results = h('div', { 'aria-live': 'polite' });
  // Cursors of the pages before this one: "Newer" goes back through them.
  let cursors = [];
  let inflight = null;

  const filters = () => ({
    resourceType: resourceType.value,
    resourceId: resourceId.value.trim(),
    action: action.value.trim(),
    actorKeyId: actorKeyId.value.trim(),
    since: toIso(since.value),
    until: toIso(until.value),
  });

  async function load(cursor = null) {
    inflight?.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([ctx.signal, inflight.signal]);
    const params = filters();
    // Left this page (a debounced search firing late): its URL must not replace the new page's.
    if (ctx.signal.aborted) return;
    keepQueryInUrl('#/admin-log', params, ctx.signal);
    try {
      const page = await get(withQuery('/admin/v1/admin-log', { ...params, limit: PAGE_SIZE, cursor }), { signal });
      const first = cursors.length * PAGE_SIZE + 1;
      const shown =
        page.entries.length === 0
          ? `No entry matches these filters.`
          : `${page.total} matching ${page.total === 1 ? 'entry' : 'entries'}; showing ${first}–${first + page.entries.length - 1}, newest first.`;
      const newer = h('button', { type: 'button', class: 'btn', disabled: cursors.length === 0 }, '← Newer');
      const older = h('button', { type: 'button', class: 'btn', disabled: page.nextCursor === null }, 'Older →');
      newer.addEventListener('click', () => load(cursors.pop() ?? null));
      older.addEventListener('click', () => {
        cursors.push(cursor);
        void load(page.nextCursor);
      });
      results.replaceChildren(
        h('p', { class: 'muted' }, shown),
        logTable(page.entries),
        h('nav', { class: 'pager', 'aria-label': 'Pages of the log' }, newer, ' ', older),
      );
    } catch (error) {
      if (error.name !== 'AbortError') results.replaceChildren(errorBlock(error));
    }
  }
  const restart = () => {
    cursors = [];
    return load();
  };
  const form = h(
    'form',
    {
      class: 'inline panel',
      role: 'search',
      'aria-label': 'Filter the administrator actions',
      on: { submit: (e) => (e.preventDefault(), restart()) },
    },
    field('Resource', resourceType),
    field('Resource ID', resourceId),
    field('Action', action),
    field('API key ID', actorKeyId),
    field('Since', since),
    field('Until', until),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Filter'),
  );
  resourceType.addEventListener('change', restart);
  put(
    root,
    pageHead(
      'Administrator actions',
      'Every change made through the console, devtrustctl or the admin API: who made it, from where, and what it changed. Secrets are never recorded.',
    ),
    form,
    results,
  );
  await load();
}

const ACTOR_KINDS = { 'api-key': 'API', console: 'console', bootstrap: 'start-up', system: 'collector' };

function who(actor) {
  return [
    actor.keyName ?? 'the collector',
    ' ',
    badge(ACTOR_KINDS[actor.kind] ?? actor.kind, actor.kind === 'console' ? 'info' : ''),
    // The key's id filters the log to everything it did.
    actor.keyId
      ? h(
          'div',
          { class: 'key-id' },
          h(
            'a',
            { href: withQuery('#/admin-log', { actorKeyId: actor.keyId }), title: 'Every change made with this key' },
            h('code', { title: actor.keyId }, actor.keyId),
          ),
        )
      : null,
  ];
}

/** The resource's name as the entry recorded it (integrations, applications, keys have one), else null. */
function recordedName(entry) {
  // An endpoint goes by its hostname: the one thing that still names it once it is forgotten.
  const key = entry.resourceType === 'endpoint' ? 'hostname' : 'name';
  const name = entry.after?.[key] ?? entry.before?.[key];
  return typeof name === 'string' && name !== '' ? name : null;
}

function resource(entry) {
  const page = PAGES[entry.resourceType];
  const id = entry.resourceId;
  const name = recordedName(entry);
  // A deleted resource has no page left to link to.
  const linked = page && entry.action !== 'delete' && entry.action !== 'forget';
  // An endpoint's hostname is its agent's choice: it may be another endpoint's id. The id leads, whole.
  if (entry.resourceType === 'endpoint' && id) return [entry.resourceType, h('div', {}, endpointLead({ id, hostname: name }, { linked }))];
  const label = name ?? id;
  return [
    entry.resourceType,
    id
      ? h(
          'div',
          {},
          linked
            ? h('a', { class: 'resource-name', href: `#/${page}/${encodeURIComponent(id)}` }, label)
            : name
              ? h('span', { class: 'resource-name' }, name)
              : h('code', {}, id),
          // The id stays beside the name: it is what the Resource ID filter takes.
          name ? h('div', { class: 'key-id' }, h('code', { title: id }, id)) : null,
        )
      : null,
  ];
}

/** `n thing` or `n things`. */
const plural = (n, word) => `${n} ${n === 1 ? word : `${word}s`}`;

/** A value of a recorded resource, short enough for a cell. */
const show = (value) => (value === undefined ? '—' : JSON.stringify(value));

/**
 * One line for an entry: what was done, as it was recorded. An upload is a file put into an
 * integration (its rows, allowEmpty, the run's outcome), not the integration created; only
 * a creation, deletion or change of a resource reads as one.
 */
export function changeSummary(entry) {
  const after = entry.after ?? {};
  if (entry.resourceType === 'integration' && entry.action === 'upload' && typeof after.rows === 'number') {
    const rows = `${after.rows} ${after.rows === 1 ? 'row' : 'rows'}`;
    const devices = `${after.devices} ${after.devices === 1 ? 'device' : 'devices'}`;
    return `uploaded ${rows}${after.allowEmpty ? ' (allowEmpty)' : ''}: ${after.status}, ${devices}`;
  }
  // Entries recorded before uploads kept their rows, and the runs a sync or a cancel recorded.
  const run = { upload: 'upload', sync: 'sync started', 'cancel-sync': 'cancel asked' }[entry.action];
  if (entry.resourceType === 'integration' && run) return after.status ? `${run}: ${after.status}` : run;
  // A release and a forget record what they did beside the fields: say that, not the field names.
  const released = after.release;
  if (entry.action === 'release' && released)
    return `released${released.bulk ? ' (bulk)' : ''}: ${plural(released.identifierCount, 'identifier')}, ${released.freedCount} freed, ${released.stillPendingCount} still pending`;
  const forgot = after.forget;
  if (entry.action === 'forget' && forgot)
    return `deleted: ${plural(forgot.identifierCount, 'identifier')} given up, ${forgot.stillPendingCount} waiting on it left pending`;
  if (entry.before === null && entry.after !== null && /create$/.test(entry.action)) return 'created';
  if (entry.after === null && entry.before !== null) return 'deleted';
  return entry.changed.join(', ');
}

function changes(entry) {
  if (entry.changed.length === 0) return h('span', { class: 'muted' }, 'nothing recorded');
  const rows = entry.changed.map((key) => ({ key, before: entry.before?.[key], after: entry.after?.[key] }));
  return h(
    'details',
    {},
    // A creation, deletion or upload records every field: say what it was, the details list them.
    h('summary', {}, changeSummary(entry)),
    h(
      'table',
      { class: 'changes' },
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After')),
      ),
      h(
        'tbody',
        {},
        rows.map((r) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, r.key),
            h('td', { 'data-label': 'Before' }, h('code', {}, show(r.before))),
            h('td', { 'data-label': 'After' }, h('code', {}, show(r.after))),
          ),
        ),
      ),
    ),
  );
}

function logTable(entries) {
  return table({
    label: 'Administrator actions',
    empty: 'No entry matches these filters.',
    rows: entries,
    columns: [
      { label: 'Time', cell: (e) => fmtTime(e.at) },
      { label: 'Who', cell: (e) => who(e.actor) },
      {
        label: 'From',
        cell: (e) =>
          e.actor.address ? h('span', { title: e.actor.userAgent ?? '' }, e.actor.address) : h('span', { class: 'muted' }, '—'),
      },
      { label: 'Resource', cell: resource },
      {
        label: 'Action',
        cell: (e) => badge(e.action, e.action === 'delete' || e.action === 'forget' || e.action === 'revoke' ? 'bad' : ''),
      },
      { label: 'Changes', cell: changes },
    ],
  });
}
