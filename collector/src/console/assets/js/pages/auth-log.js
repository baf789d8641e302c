// Auth log: every verdict with its reasons — the "why was I blocked?" page.
import { get, saveDownload, withQuery } from '../api.js';
import { badge, field, fmtTime, h, put, select, table, zoneLabel } from '../dom.js';
import { endpointCell } from '../endpoint-name.js';
import { countText, pager } from '../pager.js';
import { busy, errorBlock, keepQueryInUrl, messageArea, pageHead } from '../ui.js';
import { reasonList } from './endpoint-detail.js';

const PAGE_SIZE = 50;
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
  // Applications by name where this role may list them; the id of one named in the URL is kept either way.
  const wantedApp = ctx.query.get('applicationId') ?? '';
  const apps = ctx.can('applications')
    ? ((await get('/admin/v1/applications', { signal: ctx.signal }).catch(() => null))?.applications ?? [])
    : [];
  const appOptions = [['', 'Any'], ...apps.map((a) => [a.id, a.name])];
  if (wantedApp && !apps.some((a) => a.id === wantedApp)) appOptions.push([wantedApp, wantedApp]);
  const application = select(appOptions, { name: 'applicationId', value: wantedApp });
  const endpoint = h('input', {
    type: 'search',
    name: 'endpointId',
    value: ctx.query.get('endpointId') ?? '',
    placeholder: 'ep_…',
    autocomplete: 'off',
    spellcheck: false,
  });
  const since = h('input', { type: 'datetime-local', name: 'since', value: toLocal(ctx.query.get('since') ?? '') });
  const until = h('input', { type: 'datetime-local', name: 'until', value: toLocal(ctx.query.get('until') ?? '') });
  const zone = zoneLabel();
  const area = messageArea();
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
  const pages = pager({ label: 'Auth log', pageSize: PAGE_SIZE, onChange: () => load({ keepPage: true }) });
  let inflight = null;

  const filters = () => ({
    user: user.value.trim(),
    verdict: verdict.value,
    outcome: outcome.value,
    applicationId: application.value,
    endpointId: endpoint.value.trim(),
    since: toIso(since.value),
    until: toIso(until.value),
    reference: reference.value.trim(),
  });

  async function load({ keepPage = false } = {}) {
    inflight?.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([ctx.signal, inflight.signal]);
    if (!keepPage) pages.reset();
    const params = filters();
    // Left this page (a debounced search firing late): its URL must not replace the new page's.
    if (ctx.signal.aborted) return;
    keepQueryInUrl('#/auth-log', params, ctx.signal);
    try {
      const answer = await get(withQuery('/admin/v1/auth-log', { ...params, limit: PAGE_SIZE, cursor: pages.cursor() }), { signal });
      pages.update(answer, answer.entries.length);
      results.replaceChildren(
        h(
          'p',
          { class: 'muted' },
          `${countText(answer.total, 'entry', 'entries')} ${answer.total.count === 1 ? 'matches' : 'match'}, newest first. Times in ${zone}.`,
        ),
        logTable(answer.entries),
        pages.el,
      );
    } catch (error) {
      if (error.name !== 'AbortError') results.replaceChildren(errorBlock(error));
    }
  }

  // The same filters as the table, every matching entry, as a CSV file.
  const exportButton = h('button', { type: 'button', class: 'btn' }, 'Export CSV');
  exportButton.addEventListener('click', async () => {
    const name = await busy(exportButton, area, () =>
      saveDownload(withQuery('/admin/v1/auth-log/export', filters()), { signal: ctx.signal }),
    );
    if (!name) return;
    area.show('ok', `Exported ${name}.`);
  });

  const form = h(
    'form',
    { class: 'inline panel', role: 'search', 'aria-label': 'Filter the auth log', on: { submit: (e) => (e.preventDefault(), load()) } },
    field('User', user),
    field('Application', application),
    field('Endpoint ID', endpoint),
    field('Verdict', verdict),
    field('Outcome', outcome),
    field('From', since, zone),
    field('Until', until, zone),
    field('Reference', reference),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Filter'),
  );
  for (const control of [verdict, outcome, application]) control.addEventListener('change', () => load());
  put(
    root,
    pageHead(
      'Auth log',
      'Every access decision with the reasons behind it. Open a row to see why a device was trusted or denied.',
      exportButton,
    ),
    form,
    area.el,
    results,
  );
  await load();
}

function logTable(entries) {
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
            ? // The id under the hostname: a hostname may imitate another endpoint's.
              endpointCell({ id: e.endpointId, hostname: e.endpointHostname ?? null })
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
