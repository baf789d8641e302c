// One endpoint: identity, EDR, posture, what it matched and why, history; block, release and forget.
import { api, enc, get } from '../api.js';
import { badge, facts, fmtAgo, fmtTime, h, humanize, link, plain, put, table, yesNo } from '../dom.js';
import { announce, busy, confirmAction, errorBlock, messageArea, pageHead } from '../ui.js';
import { approvalBadge, approvalButtons, cautionOf, trustBadge, verdictBadge, waitsOnNote } from './endpoints.js';
import { endpointItem, endpointName, otherIdBadge, shownHostname } from '../endpoint-name.js';

const IDENTIFIERS = [
  ['hardwareUuid', 'Hardware UUID'],
  ['serialNumber', 'Serial number'],
  ['machineGuid', 'Windows MachineGuid'],
];

export async function render(root, ctx) {
  const [id] = ctx.params;
  let endpoint;
  try {
    endpoint = await get(`/admin/v1/endpoints/${enc(id)}`, { signal: ctx.signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    put(root, h('p', { class: 'crumbs' }, link('← Endpoints', 'endpoints')), h('h1', { tabindex: '-1' }, 'Endpoint'), errorBlock(error));
    return;
  }
  // The id first: the hostname is the agent's to choose (endpoint-name.js).
  const name = endpointName(endpoint);
  ctx.setTitle(name);
  const area = messageArea();
  put(
    root,
    h('p', { class: 'crumbs' }, link('← Endpoints', 'endpoints')),
    pageHead(name, null, ...approvalButtons(endpoint, ctx, area, (text) => ctx.refresh(text)), ...actions(endpoint, ctx, area)),
    h(
      'div',
      { class: 'actions' },
      trustBadge(endpoint),
      approvalBadge(endpoint),
      endpoint.releasedAt ? badge('released: key retired', 'bad') : endpoint.blocked ? badge('blocked by an administrator', 'bad') : null,
      yesNo(endpoint.connected, 'online', 'offline'),
      ctx.can('auth-log') ? h('a', { href: `#/auth-log?endpointId=${enc(endpoint.id)}` }, 'Sign-ins from this endpoint') : null,
    ),
    releaseRefused(endpoint, ctx),
    area.el,
    endpoint.approval === 'pending' ? section('Awaiting approval', claimList(endpoint, ctx, area), 'msg-warn') : null,
    endpoint.waiting?.count ? section('Waiting on its identifiers', waitingList(endpoint)) : null,
    h(
      'div',
      { class: 'grid-2' },
      section('Summary', summary(endpoint)),
      section('Identifiers', identifiers(endpoint)),
      section('Matched inventory', matched(endpoint)),
      section('Health posture', posture(endpoint.posture, endpoint.postureSources)),
    ),
    section('Match reasons', reasonList(endpoint.matchReasons, 'No match reasons recorded.')),
    endpoint.flags?.length ? section('Flags', reasonList(endpoint.flags), 'msg-warn') : null,
    section('EDR connectors', edrTable(endpoint.edr)),
    endpoint.lastVerdict ? section('Last verdict', lastVerdict(endpoint)) : null,
    section('Report history', historyTable(endpoint.history ?? [])),
  );
}

/**
 * The endpoint's last verdict. A blocked, denied or released endpoint is never allowed, so an
 * allowing verdict beside the badge that says it is blocked was given before: the collector
 * says so (`lastVerdictOutdated`), as the Endpoints list shows it.
 */
function lastVerdict(endpoint) {
  const verdict = endpoint.lastVerdict;
  const outdated = endpoint.lastVerdictOutdated;
  return [
    verdictBadge(verdict, outdated),
    outdated ? h('p', { class: 'muted' }, `Given before the endpoint was ${outdated}: every sign-in it attests is denied now.`) : null,
    reasonList(verdict.reasons),
  ];
}

function section(title, content, extraClass = '') {
  return h('section', { class: `panel ${extraClass}`.trim(), 'aria-label': title }, h('h2', {}, title), content);
}

function actions(endpoint, ctx, area) {
  if (!ctx.can('endpoints', 'write')) return [];
  const name = endpointName(endpoint);
  const forget = forgetButton(endpoint, ctx, area, name);
  // A released endpoint's key is retired for good: it cannot be unblocked, only forgotten.
  if (endpoint.releasedAt) return [forget];
  const block = h('button', { type: 'button', class: endpoint.blocked ? 'btn' : 'btn btn-danger' }, endpoint.blocked ? 'Unblock' : 'Block');
  block.addEventListener('click', async () => {
    const blocking = !endpoint.blocked;
    // A denied endpoint unblocked is approved: said first when a blocked endpoint holds what it reports.
    const approves = !blocking && endpoint.approval === 'denied';
    const warning = approves ? await cautionOf(endpoint.id, 'approveCaution') : null;
    // And when another endpoint holds what it reports now: a denied copy of a disk image,
    // unblocked, costs the real device its trust through what both report (devtrustctl asks).
    const held = approves && (endpoint.claimsNow ?? []).some((c) => c.heldBy.length > 0);
    const copy = held
      ? "It was denied: unblocking it approves it, and what it reports then counts: the endpoint holding it stops being trusted through it while both report it. If this is a copy of that device's disk image, keep it denied, or give it identifiers of its own first. "
      : '';
    const ok = await confirmAction(
      blocking
        ? {
            title: `Block ${name}?`,
            message: 'Every access attempt from this endpoint is denied, whatever it matches, until you unblock it.',
            confirmLabel: 'Block endpoint',
          }
        : {
            title: `Unblock ${name}?`,
            message: `${warning ? `${warning} ` : ''}${copy}Access from this endpoint is decided by policy again.`,
            confirmLabel: 'Unblock endpoint',
            danger: false,
          },
    );
    if (!ok) return;
    const done = await busy(block, area, () => api(blocking ? 'POST' : 'DELETE', `/admin/v1/endpoints/${enc(endpoint.id)}/block`));
    if (done) {
      const text = blocking ? `${name} is blocked.` : `${name} is unblocked.`;
      announce(text);
      await ctx.refresh(text);
    }
  });
  // A pending endpoint holds nothing to release: its Release would only retire the new key that
  // was to take over (a re-imaged laptop's). The old one is released from here: "Release ep_…".
  // A denied endpoint holds nothing to release either (409 ENDPOINT_DENIED): no Release, and
  // releaseRefused says why once (a greyed button beside "nothing to release" offered nothing).
  if (endpoint.approval === 'pending' || endpoint.approval === 'denied') return [block, forget];
  return [block, releaseButton(endpoint, ctx, area, name, undefined, () => cautionOf(endpoint.id, 'releaseCaution')), forget];
}

/**
 * Release: for a device that now runs the agent with a new key (a re-imaged laptop).
 * `caution()`, if given, is read on each click: a warning said first in the confirmation.
 */
function releaseButton(endpoint, ctx, area, name, label = 'Release identifiers', caution = async () => null) {
  const release = h('button', { type: 'button', class: 'btn btn-danger' }, label);
  release.addEventListener('click', async () => {
    const warning = await caution();
    const ok = await confirmAction({
      title: `Release the identifiers of ${name}?`,
      // The identifiers it holds, whatever their kinds (a MAC may be the only one); the re-imaged
      // laptop is named only when nothing cautions that a copy is waiting instead.
      message: `${warning ? `${warning} ` : ''}This endpoint's device key gives up the identifiers it holds and is blocked for good. An endpoint waiting for approval because of them ${warning ? '' : '(the same laptop, re-imaged, with a new key) '}holds them instead. The release is logged.`,
      confirmLabel: 'Release identifiers',
    });
    if (!ok) return;
    const done = await busy(release, area, () => api('POST', `/admin/v1/endpoints/${enc(endpoint.id)}/release`));
    if (done) {
      const freed = done.freed?.length ? ` Now holding them: ${done.freed.join(', ')}.` : '';
      const text = `The identifiers of ${name} are released.${freed}`;
      announce(text);
      await ctx.refresh(text);
    }
  });
  return release;
}

/**
 * Why a denied endpoint offers no Release (an admin who denied a copy may look for one): it
 * holds none of the identifiers it reports (its claims never count), so releasing it would free
 * nothing; the collector refuses it too.
 */
function releaseRefused(endpoint, ctx) {
  if (endpoint.approval !== 'denied' || endpoint.releasedAt || !ctx.can('endpoints', 'write')) return null;
  return h(
    'p',
    { class: 'muted', role: 'note' },
    'No Release here: a denied endpoint holds none of the identifiers it reports, so releasing it would free nothing. It stays blocked.',
  );
}

function forgetButton(endpoint, ctx, area, name) {
  const forget = h('button', { type: 'button', class: 'btn' }, 'Forget');
  // A denied endpoint keeps a clone out; forgotten, it leaves no trace: the bulk release would
  // take a later copy for a re-enrolled device (clone-seen).
  const keptOut =
    endpoint.approval === 'denied'
      ? 'It is denied: while it is kept, a later copy of the same device is not taken for a re-enrolled one, and forgetting it erases that. Keep it unless it was a mistake. '
      : '';
  forget.addEventListener('click', async () => {
    const ok = await confirmAction({
      title: `Forget ${name}?`,
      message: `${keptOut}The endpoint is removed and disconnected, and gives up the identifiers it holds. Endpoints waiting for approval on them stay pending: approve or deny each of them yourself. If the device reports again, its agent enrolls anew as a new endpoint.`,
      confirmLabel: 'Forget endpoint',
    });
    if (!ok) return;
    // The answer names the endpoints left waiting (null from a collector that answers 204).
    const done = await busy(forget, area, () => api('DELETE', `/admin/v1/endpoints/${enc(endpoint.id)}`).then((body) => body ?? {}));
    if (done) {
      const waiting = done.stillPending?.length ?? 0;
      const still = waiting
        ? ` ${waiting === 1 ? '1 endpoint waiting on it is' : `${waiting} endpoints waiting on it are`} still pending.`
        : '';
      announce(`${name} was forgotten.${still}`);
      ctx.navigate('#/endpoints');
    }
  });
  return forget;
}

const KEY_KINDS = { software: 'Software key', 'secure-enclave': 'Secure Enclave', tpm: 'TPM' };

function summary(e) {
  return facts([
    ['Endpoint ID', h('code', {}, e.id)],
    ['Platform', e.platform ?? e.identity?.platform],
    ['OS version (agent)', e.identity?.osVersion],
    ['Agent version', e.agentVersion],
    ['Enrolled', fmtTime(e.enrolledAt)],
    ['Device key', [KEY_KINDS[e.keyKind] ?? e.keyKind, h('span', { class: 'muted' }, ' as the agent reports it')]],
    e.releasedAt ? ['Released', fmtTime(e.releasedAt)] : null,
    ['Last seen', fmtAgo(e.lastSeenAt)],
    ['Last user', e.lastUser],
  ]);
}

function identifiers(e) {
  const identity = e.identity ?? {};
  const pairs = IDENTIFIERS.map(([key, label]) => [label, identity[key] ? h('code', {}, identity[key]) : plain(null)]);
  pairs.push(['MAC addresses', identity.macAddresses?.length ? h('code', {}, identity.macAddresses.join(', ')) : plain(null)]);
  const mark = otherIdBadge({ id: e.id, hostname: identity.hostname });
  // Runs of wide spaces shown as one; a hostname naming another endpoint's id marked (endpoint-name.js).
  const hostname = identity.hostname ? shownHostname(identity.hostname) : identity.hostname;
  pairs.push(['Hostname', mark ? [hostname, ' ', mark] : hostname]);
  return facts(pairs);
}

function matched(e) {
  const m = e.matched;
  if (!m) return h('p', { class: 'empty' }, 'No inventory record matched this endpoint.');
  return facts([
    ['Integration', [link(m.integrationName, 'integrations', m.integrationId), ` (${m.integrationKind})`]],
    ['Record', m.deviceName ?? m.recordId],
    ['Matched on', [m.kind === 'mdmDeviceId' ? 'MDM device ID' : humanize(m.kind), ' ', h('code', {}, m.value)]],
    // How the device was identified (docs/mdm-asserted-identity.md).
    ['Assurance', e.assurance === 'mdm_asserted' ? 'MDM-asserted' : e.assurance === 'identifiers' ? 'identifiers' : plain(null)],
  ]);
}

const claimItems = (claims) =>
  h(
    'ul',
    {},
    claims.map((c) =>
      h(
        'li',
        {},
        humanize(c.kind),
        ' ',
        h('code', {}, c.value),
        ', held by ',
        ...c.heldBy.flatMap((id, i) => [i ? ', ' : '', link(id, 'endpoints', id)]),
      ),
    ),
  );

const claimSet = (claims) => JSON.stringify((claims ?? []).map((c) => [c.kind, c.value, c.heldBy]));

/**
 * What the endpoint claimed when it enrolled, and, when that changed, what it claims now (its
 * MachineGuid reset on a copied disk image; its holder forgotten and the device enrolled again):
 * approving binds what it reports now, so the claims now are what approving makes duplicates of.
 */
/** The endpoints pending approval on this one's identifiers: what releasing it judges again, and forgetting it leaves pending. */
function waitingList(e) {
  const { count, first } = e.waiting;
  const more = count - first.length;
  return [
    h(
      'p',
      {},
      `${count === 1 ? '1 endpoint waits' : `${count} endpoints wait`} for approval because ${count === 1 ? 'it reports' : 'they report'} identifiers this endpoint holds. Releasing this endpoint approves the first of them that nobody else holds against; forgetting it leaves them pending.`,
    ),
    h(
      'ul',
      {},
      first.map((w) => h('li', {}, endpointItem(w), ', enrolled ', fmtTime(w.enrolledAt))),
    ),
    more > 0 ? h('p', { class: 'muted' }, `and ${more} more (Endpoints, approval pending)`) : null,
  ];
}

function claimsNowNote(e) {
  const now = e.claimsNow;
  if (!now || claimSet(now) === claimSet(e.approvalClaims)) return null;
  if (now.length === 0)
    return h(
      'p',
      {},
      'It reports none of these now (its identifiers were reset, or the endpoint holding them is gone): approving it binds what it reports now and makes no other endpoint a duplicate.',
    );
  return [
    h('p', {}, 'What it reports now is held by other endpoints than when it enrolled. Approving it makes these its duplicates:'),
    claimItems(now),
  ];
}

function claimList(e, ctx, area) {
  // The re-imaged laptop's case: release the old key right here, where its id is shown. The
  // holders now: a holder forgotten since it enrolled cannot be released.
  const holders = [...new Set((e.claimsNow ?? e.approvalClaims ?? []).flatMap((c) => c.heldBy))];
  const release = ctx.can('endpoints', 'write')
    ? h(
        'div',
        { class: 'actions' },
        holders.map((id) => releaseButton({ id }, ctx, area, id, `Release ${id}`, () => cautionOf(id, 'releaseCaution'))),
      )
    : null;
  return [
    h(
      'p',
      {},
      "This endpoint reports identifiers that another enrolled endpoint reported first. It is not trusted, and does not affect the other endpoint, until you approve or deny it. If it is the same device with a new agent key (re-imaged), release the endpoint that holds them instead: its key is retired and this one takes over. If that endpoint still reports, this one may be a copy of its disk image: releasing it would retire the real device's key for good.",
    ),
    // A blocked holder (a stolen laptop?): said here, not only in the Approve confirmation.
    e.approveCaution ? h('p', { class: 'msg-error', role: 'note' }, e.approveCaution.message) : null,
    claimItems(e.approvalClaims ?? []),
    claimsNowNote(e),
    // Whether each holder is still in use (a copy waits here) or went quiet (a re-imaged laptop's old key).
    waitsOnNote(e),
    release,
  ];
}

const SOURCED = [
  ['diskEncryption', 'Disk encryption'],
  ['firewall', 'Firewall'],
  ['osVersion', 'OS version'],
];

/** A posture value with who reports it: the agent's own word, or an MDM/EDR integration's. */
function sourced(fact) {
  if (!fact || fact.value === null) return plain(null);
  const show = (v) => (typeof v === 'boolean' ? yesNo(v, 'on', 'off', 'ok', 'warn') : plain(v));
  const agentDiffers = fact.source !== 'the agent' && fact.agent !== null && fact.agent !== fact.value;
  return [
    show(fact.value),
    h('span', { class: 'muted' }, ` reported by ${fact.source}`),
    agentDiffers ? h('span', { class: 'muted' }, '; the agent reports ', show(fact.agent)) : null,
  ];
}

function posture(p, sources) {
  const rest = Object.entries(p ?? {}).filter(([key]) => !SOURCED.some(([k]) => k === key));
  const known = SOURCED.filter(([key]) => sources?.[key]?.value !== null && sources?.[key]?.value !== undefined);
  if (known.length === 0 && rest.length === 0)
    return h('p', { class: 'empty' }, 'Neither the agent nor an integration reports health posture.');
  return facts([
    ...known.map(([key, label]) => [label, sourced(sources[key])]),
    ...rest.map(([key, value]) => [
      humanize(key),
      [
        typeof value === 'boolean' ? yesNo(value, 'on', 'off', 'ok', 'warn') : plain(value),
        h('span', { class: 'muted' }, ' reported by the agent'),
      ],
    ]),
  ]);
}

export function reasonList(reasons, empty = 'None.') {
  if (!reasons?.length) return h('p', { class: 'empty' }, empty);
  return h(
    'ol',
    { class: 'reasons' },
    reasons.map((r) => h('li', {}, r)),
  );
}

function edrTable(edr) {
  return table({
    label: 'EDR connectors',
    empty: 'No EDR connector reported on this device.',
    rows: edr ?? [],
    columns: [
      { label: 'Vendor', cell: (c) => c.vendor },
      { label: 'Installed', cell: (c) => plain(c.installed) },
      { label: 'Running', cell: (c) => plain(c.running) },
      { label: 'Connector ID', cell: (c) => (c.connectorId ? h('code', {}, c.connectorId) : plain(null)) },
    ],
  });
}

function historyTable(history) {
  return table({
    label: 'Report history',
    empty: 'No reports yet.',
    rows: history,
    columns: [
      { label: 'Received', cell: (r) => fmtTime(r.receivedAt) },
      { label: 'Sequence', cell: (r) => String(r.seq) },
    ],
  });
}
