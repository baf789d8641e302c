// Endpoints ("Device Insight"): every enrolled agent, searchable, with trust at a glance.
import { api, enc, get, withQuery } from '../api.js';
import { badge, field, fmtAgo, fmtTime, h, put, select, table, yesNo } from '../dom.js';
import { countText, pager } from '../pager.js';
import { announce, busy, confirmAction, errorBlock, keepQueryInUrl, messageArea, pageHead } from '../ui.js';
import { reenrolledRelease } from '../reenrolled-release.js';
import { identifierKind } from '../identifier-kinds.js';
import { endpointCell, endpointItem, endpointName, LISTED, quotedHostname } from '../endpoint-name.js';

const PAGE_SIZE = 50;

/**
 * The last verdict. `outdated` (the endpoint's `lastVerdictOutdated`): it allowed, and the
 * endpoint was released, denied or blocked since; shown without the colour of a good verdict
 * and said to come before, so a released endpoint never reads as last "trusted" in a list.
 */
export function verdictBadge(verdict, outdated = null) {
  if (!verdict) return h('span', { class: 'muted' }, 'none yet');
  const tone = outdated ? '' : verdict.access === 'deny' ? 'bad' : verdict.verdict === 'trusted' ? 'ok' : 'warn';
  const before = outdated ? h('span', { class: 'muted' }, ` before it was ${outdated}`) : null;
  return h('span', {}, badge(`${verdict.verdict} · ${verdict.access}`, tone), ' ', fmtAgo(verdict.at), before);
}

export const trustBadge = (endpoint) => (endpoint.trusted ? badge('trusted', 'ok') : badge('not trusted', 'warn'));

/** Approval of an endpoint claiming identifiers another endpoint held first; nothing when never needed. */
export function approvalBadge(endpoint) {
  if (endpoint.approval === 'pending') return badge('pending approval', 'warn');
  if (endpoint.approval === 'denied') return badge('denied', 'bad');
  if (endpoint.approval === 'approved') return badge('approved', 'ok');
  return null;
}

/**
 * Approve / Deny buttons for a pending endpoint. Approving makes its identifiers count (it and
 * the endpoint it copies become duplicates, neither trusted until one is blocked), so a re-imaged
 * device's new key is released into, not approved; denying blocks it.
 */
/**
 * What releasing (`releaseCaution`) or approving (`approveCaution`) endpoint `id` would risk, as
 * the collector judges it (match/release-caution.ts): a blocked holder (a thief's reinstall?), a
 * holder still reporting beside copies of its disk image, an endpoint that is itself pending.
 * Read when asked, so it is as current as the click; unreadable, the confirmation says it could
 * not check rather than nothing.
 */
export async function cautionOf(id, key) {
  try {
    return (await get(`/admin/v1/endpoints/${enc(id)}`))[key]?.message ?? null;
  } catch (error) {
    return `Could not check what this risks (${error.message}): cancel and try again unless you are sure.`;
  }
}

export function approvalButtons(endpoint, ctx, area, after) {
  if (endpoint.approval !== 'pending' || !ctx.can('endpoints', 'write')) return [];
  // The id first: the hostname is the agent's to choose (endpoint-name.js).
  const name = endpointName(endpoint);
  const approve = h('button', { type: 'button', class: 'btn' }, 'Approve');
  const deny = h('button', { type: 'button', class: 'btn btn-danger' }, 'Deny');
  const decide =
    (button, action, confirm, caution = async () => null) =>
    async () => {
      const warning = await caution();
      if (!(await confirmAction(warning ? { ...confirm, message: `${warning} ${confirm.message}` } : confirm))) return;
      const done = await busy(button, area, () => api('POST', `/admin/v1/endpoints/${enc(endpoint.id)}/${action}`));
      if (!done) return;
      const text = `${name} is ${action === 'approve' ? 'approved' : 'denied and blocked'}.`;
      announce(text);
      await after(text);
    };
  approve.addEventListener(
    'click',
    decide(
      approve,
      'approve',
      {
        title: `Approve ${name}?`,
        message:
          "Its identifiers then count: the endpoint already holding them stops being trusted through them while both report them (the two are duplicates until you block one). Approve only a different device that legitimately shares them. The same device re-imaged or with its agent reinstalled: cancel, and release the old endpoint on this endpoint's page instead. A copy of that device's disk image (the device still reports): cancel, give the copy identifiers of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too) and approve it once its page shows it reports them, or deny it.",
        confirmLabel: 'Approve endpoint',
        danger: false,
      },
      () => cautionOf(endpoint.id, 'approveCaution'),
    ),
  );
  deny.addEventListener(
    'click',
    decide(deny, 'deny', {
      title: `Deny ${name}?`,
      message:
        'The endpoint is blocked: every access attempt from it is denied. The endpoint already holding its identifiers is not affected.',
      confirmLabel: 'Deny endpoint',
    }),
  );
  return [approve, deny];
}

export async function render(root, ctx) {
  const search = h('input', {
    type: 'search',
    name: 'q',
    value: ctx.query.get('q') ?? '',
    placeholder: 'Hostname, serial, UUID, MAC, user, endpoint ID…',
  });
  const filter = select(
    [
      ['', 'All'],
      ['true', 'Trusted'],
      ['false', 'Not trusted'],
    ],
    { name: 'trusted', value: ctx.query.get('trusted') ?? '' },
  );
  const approval = select(
    [
      ['', 'Any'],
      ['pending', 'Pending approval'],
      ['approved', 'Approved'],
      ['denied', 'Denied'],
    ],
    { name: 'approval', value: ctx.query.get('approval') ?? '' },
  );
  // Newest enrolled first stays put while agents report; last seen moves as they do, by the
  // hour (within an hour the order is the endpoint id's: docs/admin-api.md).
  const sort = select(
    [
      ['', 'Last seen (by hour)'],
      ['enrolled', 'Enrolled'],
    ],
    { name: 'sort', value: ctx.query.get('sort') ?? '' },
  );
  const area = messageArea();
  const results = h('div', { 'aria-live': 'polite', 'aria-busy': 'false' });
  const pages = pager({ label: 'Endpoints', pageSize: PAGE_SIZE, onChange: () => load({ keepPage: true }) });
  let debounce;
  let inflight = null;
  /** Refreshes the results only, so the search box keeps focus and caret while typing. */
  async function load({ keepPage = false } = {}) {
    clearTimeout(debounce);
    inflight?.abort();
    inflight = new AbortController();
    const signal = AbortSignal.any([ctx.signal, inflight.signal]);
    if (!keepPage) pages.reset();
    const params = { q: search.value.trim(), trusted: filter.value, approval: approval.value, sort: sort.value };
    // Filters live in the URL so a filtered view can be shared, reloaded and bookmarked.
    // Left this page (a debounced search firing late): its URL must not replace the new page's.
    if (ctx.signal.aborted) return;
    keepQueryInUrl('#/endpoints', params, ctx.signal);
    results.setAttribute('aria-busy', 'true');
    try {
      const answer = await get(withQuery('/admin/v1/endpoints', { ...params, limit: PAGE_SIZE, cursor: pages.cursor() }), { signal });
      pages.update(answer, answer.endpoints.length);
      const filtered = Boolean(params.q || params.trusted || params.approval);
      results.replaceChildren(
        h('p', { class: 'muted' }, summary(answer, filtered)),
        ...endpointTable(answer.endpoints, filtered, ctx, area, () => load({ keepPage: true }), answer.nextCursor),
        pages.el,
      );
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
  for (const control of [filter, approval, sort]) control.addEventListener('change', () => load());
  const form = h(
    'form',
    { class: 'inline panel', role: 'search', 'aria-label': 'Filter endpoints', on: { submit: (e) => (e.preventDefault(), load()) } },
    field('Search', search),
    field('Trust', filter),
    field('Approval', approval),
    field('Sort by', sort),
    h('button', { type: 'submit', class: 'btn' }, 'Search'),
  );
  // Re-enrolled devices wait for approval on their old endpoints: offered while any endpoint waits.
  const bulk = reenrolledRelease(ctx, area, () => Promise.all([load({ keepPage: true }), offerBulk()]));
  const bulkBar = h('div', { class: 'stack' });
  async function offerBulk() {
    if (!bulk) return;
    const waiting = await get(withQuery('/admin/v1/endpoints', { approval: 'pending', limit: 1 }), { signal: ctx.signal }).catch(
      () => null,
    );
    bulkBar.replaceChildren(...(waiting?.endpoints.length ? [h('div', { class: 'actions' }, bulk.button), bulk.slot] : []));
  }
  put(root, pageHead('Endpoints', 'Every enrolled device, what it matched and its latest verdict.'), form, bulkBar, area.el, results);
  await Promise.all([load(), offerBulk()]);
}

const STANDING = { blocked: 'blocked', released: 'released', forgotten: 'forgotten' };

/**
 * Where a holder stands: blocked (a stolen device?), released or forgotten; or, holding them,
 * whether it is in use (connected, or reported since this endpoint enrolled: the real device, and
 * this one may be a copy of its disk image) or when it last reported (a re-imaged laptop's old
 * key reported last before its new key enrolled).
 */
function holderState(w) {
  if (STANDING[w.standing]) return STANDING[w.standing];
  if (w.reportedSince) return 'still reporting';
  return w.lastSeenAt ? ['last report ', fmtTime(w.lastSeenAt)] : '';
}

/**
 * What a pending endpoint waits on, from the listing's `waitsOn` (its claims and its holders'
 * names, read for the whole page at once): 'MachineGuid held by ep_… "LAPTOP-12"', each holder's
 * id linked, so the admin sees which device it copies, or which old key to release, without
 * opening every pending endpoint. The id comes first and the hostname is quoted: the agent
 * chooses its hostname, which may itself read like "LAPTOP-12 (ep_…another…)". A blocked,
 * released or forgotten holder says so; past the first five, how many more.
 */
export function waitsOnNote(endpoint) {
  if (!endpoint.waitsOn?.length) return null;
  const more = (endpoint.waitsOnCount ?? 0) - endpoint.waitsOn.length;
  return h(
    'div',
    { class: 'waits-on' },
    'Waits on: ',
    endpoint.waitsOn.map((w, i) => [
      i ? '; ' : '',
      `${w.kinds.map(identifierKind).join(', ')} held by `,
      w.standing === 'forgotten' ? [h('code', {}, w.id), quotedHostname(w, LISTED)] : endpointItem(w),
      h('span', { class: 'muted' }, ' ', holderState(w)),
    ]),
    more > 0 ? h('span', { class: 'muted' }, ` and ${more} more (open the endpoint)`) : null,
    endpoint.waitsOnOutdated ? h('span', { class: 'muted' }, ' (what it reports changed: open the endpoint)') : null,
  );
}

/** How many endpoints the listing holds; a trust filter is judged per page, so it has no total. */
function summary(answer, filtered) {
  const counted = countText(answer.total, 'endpoint', 'endpoints');
  if (counted) return `${counted}${filtered ? (answer.total.count === 1 ? ' matches the filter' : ' match the filter') : ''}.`;
  return 'Trust is judged as each page loads, so matching endpoints are not counted in advance.';
}

function endpointTable(endpoints, filtered, ctx, area, reload, more) {
  return [
    table({
      label: 'Endpoints',
      // A trust filter judges a bounded number of endpoints per page: none here may still mean some further on.
      empty: more
        ? 'No endpoint on this page matches; Next looks further.'
        : filtered
          ? 'No endpoint matches this search.'
          : 'No endpoint has enrolled yet. Deploy the agent with the enrollment key.',
      rows: endpoints,
      columns: [
        // The id under the hostname: a hostname may imitate another endpoint's.
        { label: 'Hostname', cell: endpointCell },
        {
          label: 'Platform',
          cell: (e) => [e.platform ?? '—', e.identity?.osVersion ? h('span', { class: 'muted' }, ` ${e.identity.osVersion}`) : null],
        },
        {
          label: 'Trusted',
          cell: (e) => [
            trustBadge(e),
            ' ',
            approvalBadge(e),
            ...approvalButtons(e, ctx, area, reload).flatMap((b) => [' ', b]),
            waitsOnNote(e),
          ],
        },
        { label: 'Blocked', cell: (e) => (e.releasedAt ? badge('released', 'bad') : yesNo(e.blocked, 'blocked', 'no', 'bad')) },
        { label: 'Connected', cell: (e) => yesNo(e.connected, 'online', 'offline') },
        { label: 'Last seen', cell: (e) => fmtAgo(e.lastSeenAt) },
        { label: 'Last user', cell: (e) => e.lastUser ?? h('span', { class: 'muted' }, '—') },
        { label: 'Last verdict', cell: (e) => verdictBadge(e.lastVerdict, e.lastVerdictOutdated) },
      ],
    }),
  ];
}
