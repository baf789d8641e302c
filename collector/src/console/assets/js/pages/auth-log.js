/* global history */
// Auth log: every verdict with its reasons — the "why was I blocked?" page.
import { get, withQuery } from '../api.js';
import { badge, field, fmtTime, h, link, put, select, table, zoneLabel } from '../dom.js';
import { errorBlock, pageHead } from '../ui.js';
import { reasonList } from './endpoint-detail.js';

/** datetime-local values are local times without a zone; the API wants an instant. */
const toIso = (local) => (local ? new Date(local).toISOString() : '');
function toLocal(iso) {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

export async function render(root, ctx) {
  const user = h('input', { type: 'search', name: 'user', value: ctx.query.get('user') ?? '', autocomplete: 'off', spellcheck: false });
  const verdict = select(
    [
      ['', 'Any'],
      ['trusted', 'Trusted'],
      ['untrusted', 'Untrusted'],
    ],
    { name: 'verdict', value: ctx.query.get('verdict') ?? '' },
  );
  // Prompts no agent answered (anyone can open one under any name) are kept apart by default.
  const outcome = select(
    [
      ['', 'Sign-ins'],
      ['attested', 'Attested by an agent'],
      ['unattested', 'Completed without an agent'],
      ['abandoned', 'Abandoned prompts'],
      ['all', 'Everything'],
    ],
    { name: 'outcome', value: ctx.query.get('outcome') ?? '' },
  );
  const since = h('input', { type: 'datetime-local', name: 'since', value: toLocal(ctx.query.get('since') ?? '') });
  // What a denial page, an ID token or the transaction API gave the user or the application.
  const reference = h('input', {
    type: 'search',
    name: 'reference',
    value: ctx.query.get('reference') ?? '',
    placeholder: 'tx_…',
    autocomplete: 'off',
    spellcheck: false,
  });
  const results = h('div', { 'aria-live': 'polite' });
  let inflight = null;
  // Hostnames read better than endpoint IDs; a role that cannot list endpoints sees the IDs.
  const hostnames = new Map();
  if (ctx.can('endpoints')) {
    const listed = await get('/admin/v1/endpoints?limit=1000', { signal: ctx.signal }).catch(() => ({ endpoints: [] }));
    for (const e of listed.endpoints) if (e.hostname) hostnames.set(e.id, e.hostname);
  }

  async function load() {
    inflight?.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([ctx.signal, inflight.signal]);
    const params = {
      user: user.value.trim(),
      verdict: verdict.value,
      outcome: outcome.value,
      since: toIso(since.value),
      reference: reference.value.trim(),
    };
    history.replaceState(null, '', withQuery('#/auth-log', params));
    try {
      const { entries } = await get(withQuery('/admin/v1/auth-log', params), { signal });
      results.replaceChildren(
        h('p', { class: 'muted' }, `${entries.length} verdict${entries.length === 1 ? '' : 's'}, newest first.`),
        logTable(entries, hostnames),
      );
    } catch (error) {
      if (error.name !== 'AbortError') results.replaceChildren(errorBlock(error));
    }
  }
  const form = h(
    'form',
    { class: 'inline panel', role: 'search', 'aria-label': 'Filter the auth log', on: { submit: (e) => (e.preventDefault(), load()) } },
    field('User', user),
    field('Verdict', verdict),
    field('Outcome', outcome),
    field(`Since (your time, ${zoneLabel()})`, since),
    field('Reference', reference),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Filter'),
  );
  verdict.addEventListener('change', load);
  outcome.addEventListener('change', load);
  put(
    root,
    pageHead('Auth log', 'Every access decision with the reasons behind it. Open a row to see why a device was trusted or denied.'),
    form,
    results,
  );
  await load();
}

function logTable(entries, hostnames) {
  return table({
    label: 'Auth log',
    empty: 'No verdict matches these filters.',
    rows: entries,
    columns: [
      { label: 'Time', cell: (e) => fmtTime(e.at) },
      { label: 'User', cell: (e) => e.username ?? h('span', { class: 'muted' }, '—') },
      { label: 'Application', cell: (e) => e.applicationName ?? h('span', { class: 'muted' }, '—') },
      {
        label: 'Endpoint',
        cell: (e) =>
          e.endpointId
            ? link(hostnames.get(e.endpointId) ?? e.endpointId, 'endpoints', e.endpointId)
            : // Without an agent: a sign-in the application completed, or a prompt nobody finished.
              h('span', { class: 'muted' }, e.outcome === 'abandoned' ? 'no agent (abandoned prompt)' : 'no agent'),
      },
      {
        label: 'Verdict',
        cell: (e) => [badge(e.verdict, e.verdict === 'trusted' ? 'ok' : 'warn'), ' ', badge(e.access, e.access === 'allow' ? 'ok' : 'bad')],
      },
      {
        label: 'Why',
        cell: (e) =>
          h(
            'details',
            {},
            h(
              'summary',
              {},
              e.reasons[0] ?? 'no reason recorded',
              h('span', { class: 'visually-hidden' }, ` — show all ${e.reasons.length} reasons`),
            ),
            reasonList(e.reasons),
            // The reference applications and users are given (reasonDetail "summary" shows them no more).
            e.transactionId ? h('p', { class: 'muted' }, 'Reference ', h('code', {}, e.transactionId)) : null,
          ),
      },
    ],
  });
}
