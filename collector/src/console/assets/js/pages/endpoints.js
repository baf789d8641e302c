/* global history */
// Endpoints ("Device Insight"): every enrolled agent, searchable, with trust at a glance.
import { get, withQuery } from '../api.js';
import { badge, field, fmtAgo, h, link, put, select, table, yesNo } from '../dom.js';
import { errorBlock, pageHead } from '../ui.js';

export function verdictBadge(verdict) {
  if (!verdict) return h('span', { class: 'muted' }, 'none yet');
  const tone = verdict.access === 'deny' ? 'bad' : verdict.verdict === 'trusted' ? 'ok' : 'warn';
  return h('span', {}, badge(`${verdict.verdict} · ${verdict.access}`, tone), ' ', fmtAgo(verdict.at));
}

export const trustBadge = (endpoint) => (endpoint.trusted ? badge('trusted', 'ok') : badge('not trusted', 'warn'));

export async function render(root, ctx) {
  const search = h('input', { type: 'search', name: 'q', value: ctx.query.get('q') ?? '', placeholder: 'Hostname, serial, UUID, user…' });
  const filter = select(
    [
      ['', 'All'],
      ['true', 'Trusted'],
      ['false', 'Not trusted'],
    ],
    { name: 'trusted', value: ctx.query.get('trusted') ?? '' },
  );
  const results = h('div', { 'aria-live': 'polite', 'aria-busy': 'false' });
  let debounce;
  let inflight = null;
  /** Refreshes the results only, so the search box keeps focus and caret while typing. */
  async function load() {
    clearTimeout(debounce);
    inflight?.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([ctx.signal, inflight.signal]);
    const params = { q: search.value.trim(), trusted: filter.value };
    // Filters live in the URL so a filtered view can be shared, reloaded and bookmarked.
    history.replaceState(null, '', withQuery('#/endpoints', params));
    results.setAttribute('aria-busy', 'true');
    try {
      const { endpoints } = await get(withQuery('/admin/v1/endpoints', params), { signal });
      results.replaceChildren(...endpointTable(endpoints, Boolean(params.q || params.trusted)));
    } catch (error) {
      if (error.name === 'AbortError') return;
      results.replaceChildren(errorBlock(error));
    } finally {
      if (!signal.aborted) results.setAttribute('aria-busy', 'false');
    }
  }
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(load, 300);
  });
  filter.addEventListener('change', load);
  const form = h(
    'form',
    { class: 'inline panel', role: 'search', 'aria-label': 'Filter endpoints', on: { submit: (e) => (e.preventDefault(), load()) } },
    field('Search', search),
    field('Trust', filter),
    h('button', { type: 'submit', class: 'btn' }, 'Search'),
  );
  put(root, pageHead('Endpoints', 'Every enrolled device, what it matched and its latest verdict.'), form, results);
  await load();
}

function endpointTable(endpoints, filtered) {
  return [
    h('p', { class: 'muted' }, `${endpoints.length} endpoint${endpoints.length === 1 ? '' : 's'}${filtered ? ' match the filter' : ''}.`),
    table({
      label: 'Endpoints',
      empty: filtered ? 'No endpoint matches this search.' : 'No endpoint has enrolled yet. Deploy the agent with the enrollment key.',
      rows: endpoints,
      columns: [
        { label: 'Hostname', cell: (e) => link(e.hostname ?? e.id, 'endpoints', e.id) },
        {
          label: 'Platform',
          cell: (e) => [e.platform ?? '—', e.identity?.osVersion ? h('span', { class: 'muted' }, ` ${e.identity.osVersion}`) : null],
        },
        { label: 'Trusted', cell: trustBadge },
        { label: 'Blocked', cell: (e) => yesNo(e.blocked, 'blocked', 'no', 'bad') },
        { label: 'Connected', cell: (e) => yesNo(e.connected, 'online', 'offline') },
        { label: 'Last seen', cell: (e) => fmtAgo(e.lastSeenAt) },
        { label: 'Last user', cell: (e) => e.lastUser ?? h('span', { class: 'muted' }, '—') },
        { label: 'Last verdict', cell: (e) => verdictBadge(e.lastVerdict) },
      ],
    }),
  ];
}
