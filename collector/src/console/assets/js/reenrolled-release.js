// "Release re-enrolled devices…" on the Endpoints page: many devices came back with new device
// keys (re-imaged, or every agent after the collector's URL changed) and wait for approval on
// their old endpoints. The preview (GET /admin/v1/reenrollments) is the confirm step: what will
// be released, and what is skipped and why; the release then names exactly the predecessors the
// admin saw (POST …/release, 1,000 a call), so a set that changed meanwhile is refused (409).
import { api, get, withQuery } from './api.js';
import { badge, field, fmtAgo, fmtTime, h, link, plural, table } from './dom.js';
import { endpointLead, LISTED, quotedHostname } from './endpoint-name.js';
import { identifierList } from './identifier-kinds.js';
import { PLATFORMS } from './integration-kinds.js';
import { announce, busy, confirmAction } from './ui.js';

const PAGE = 1000;
/** Predecessors per release call: short calls, each release its own transaction. */
const BATCH = 250;
/** Rows of each list the preview shows; the counts cover the rest. */
const SHOWN = 5;

const REASONS = {
  'several-holders': 'claims identifiers of several endpoints',
  'several-newcomers': 'several new endpoints claim the same device',
  'predecessor-still-reporting': 'the old endpoint still reports',
  'partial-overlap': 'shares only some of the identifiers',
  'no-strong-identifier': 'only MAC addresses in common',
  'platform-mismatch': 'another platform',
  'predecessor-blocked': 'the old endpoint is blocked',
  'predecessor-pending': 'the old endpoint is pending approval itself',
  'predecessor-gone': 'the old endpoint is gone',
  'newcomer-blocked': 'the new endpoint is blocked',
  'too-recent': 'enrolled too recently (the old key may still report)',
  'clone-seen': 'a clone of the device was blocked or denied before',
};

/**
 * What to do about each skip reason, said once per reason above the skipped table (each row's
 * detail says what was seen); devtrustctl says the same (cli/ctl-release-reenrolled.ts).
 */
const CLONED =
  'a disk image copied without resetting its MachineGuid (or a device cloned): reset it on the copies (Windows: sysprep /generalize, or a new MachineGuid), let them report, then approve each copy that now reports identifiers of its own.';
const SKIP_ADVICE = {
  'several-newcomers': CLONED,
  'several-holders': CLONED,
  'clone-seen': 'a clone of this device was turned away before, so this may be another: deny it unless you can place it.',
  'too-recent':
    'wait until the time given under Why (DEVTRUST_REENROLLMENT_QUIET_MINUTES after the new key enrolled, default 30), then preview again.',
  // Its label already says the old key still reports.
  'predecessor-still-reporting': 'check which machine is which before releasing.',
  // Releasing a blocked endpoint hands its identifiers to the new one: a thief's re-image, often.
  'predecessor-blocked': 'deny the new one unless you know the blocked device was recovered (a stolen device?).',
  'predecessor-gone': 'approve or deny the new one.',
};
const CHECK_ONE = 'check it on its page, then release the old endpoint there, or approve or deny the new one.';

/** One item per advice, led by the reasons (as shown under Why) it answers. */
function adviceList(reasons) {
  const grouped = new Map();
  for (const reason of reasons) {
    const advice = SKIP_ADVICE[reason] ?? CHECK_ONE;
    grouped.set(advice, [...(grouped.get(advice) ?? []), REASONS[reason] ?? reason]);
  }
  return h(
    'ul',
    { class: 'skip-advice', 'aria-label': 'What to do' },
    [...grouped].map(([advice, labels]) => h('li', {}, h('strong', {}, labels.join('; ')), ': ', advice)),
  );
}

/** Every candidate of the preview (page after page) and the first page's skipped list and counts (later pages carry none). */
async function loadPreview(range) {
  const candidates = [];
  let first = null;
  let cursor;
  do {
    const page = await get(withQuery('/admin/v1/reenrollments', { ...range, limit: PAGE, cursor }));
    first ??= page;
    candidates.push(...page.candidates);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { ...first, candidates };
}

const PLATFORM_NAMES = Object.fromEntries(PLATFORMS);

/**
 * The device: its new endpoint's id, whole, then its hostname quoted and a hostname naming another
 * id marked (the agent chooses it: `ep_…victim…` was the row's link text), and its platform.
 */
const device = (e) => [endpointLead(e), e.platform ? h('div', { class: 'muted' }, PLATFORM_NAMES[e.platform] ?? e.platform) : null];

const endpointId = (id) => h('div', { class: 'key-id' }, link(h('code', { title: id }, id), 'endpoints', id));

/**
 * One endpoint of a pair: its id, then when its key enrolled and was last seen. A device and its
 * clone (or two laptops imaged alike) share a hostname and every column but these; the id is cut
 * to fit as the administrator actions page cuts ids (.key-id), whole in its tooltip and link.
 */
function endpointCell(e) {
  return h(
    'div',
    { class: 'endpoint-times' },
    endpointId(e.id),
    h('div', {}, h('span', { class: 'muted' }, 'enrolled '), fmtTime(e.enrolledAt)),
    h('div', {}, h('span', { class: 'muted' }, 'last seen '), fmtAgo(e.lastSeenAt)),
  );
}

/** The window field: a local date and time (datetime-local) as the instant the API takes, and back. */
const toIso = (local) => (local ? new Date(local).toISOString() : undefined);
function toLocal(iso) {
  if (!iso) return '';
  const ms = Date.parse(iso);
  return new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function previewPanel(preview, range, { onRelease, onCancel, onWindow }) {
  const { candidates, skipped, skippedCount, skippedByReason } = preview;
  const after = h('input', { type: 'datetime-local', name: 'enrolledAfter', value: toLocal(range.enrolledAfter) });
  const narrow = h(
    'form',
    {
      class: 'inline',
      'aria-label': 'Enrollment window',
      on: { submit: (e) => (e.preventDefault(), onWindow({ enrolledAfter: toIso(after.value) })) },
    },
    field(
      'Only new endpoints enrolled after',
      after,
      'in your browser’s time zone, e.g. when the collector’s URL changed; empty: any time',
    ),
    h('button', { type: 'submit', class: 'btn' }, 'Preview again'),
  );
  const release = h('button', { type: 'button', class: 'btn btn-danger' }, `Release ${plural(candidates.length, 'device', 'devices')}…`);
  // Nothing to release: no "Release 0 devices…" to puzzle over, only a way to close the preview.
  const cancel = h('button', { type: 'button', class: 'btn' }, candidates.length === 0 ? 'Close' : 'Cancel');
  release.addEventListener('click', () => onRelease(release));
  cancel.addEventListener('click', onCancel);
  const reasons = Object.entries(skippedByReason).map(([reason, n]) => `${REASONS[reason] ?? reason}: ${n.toLocaleString()}`);
  return h(
    'section',
    { class: 'panel stack', 'aria-label': 'Re-enrolled devices' },
    h('h2', {}, 'Release re-enrolled devices'),
    narrow,
    h(
      'p',
      {},
      candidates.length === 0
        ? `No pending endpoint is a safe re-enrollment to release in bulk.${skippedCount > 0 ? ` ${plural(skippedCount, 'endpoint was', 'endpoints were')} skipped, listed below with why.` : ''}`
        : `${plural(candidates.length, 'device', 'devices')} came back with a new device key while the old key went silent, on the same platform and with every hardware UUID, serial number and MachineGuid the old key holds. Releasing retires each old key for good and the new one takes over its identifiers.`,
    ),
    candidates.length > 0
      ? table({
          label: 'Devices to release',
          rows: candidates.slice(0, SHOWN),
          columns: [
            { label: 'Device', cell: (c) => device(c.newcomer) },
            { label: 'New endpoint', cell: (c) => endpointCell(c.newcomer) },
            { label: 'Old endpoint', cell: (c) => endpointCell(c.predecessor) },
            { label: 'Identifiers', cell: (c) => identifierList(c.identifiers) },
          ],
        })
      : null,
    candidates.length > SHOWN ? h('p', { class: 'muted' }, `and ${plural(candidates.length - SHOWN, 'more', 'more')}.`) : null,
    skippedCount > 0
      ? [
          h('h3', {}, `Skipped: ${plural(skippedCount, 'endpoint', 'endpoints')}`),
          h('p', { class: 'muted' }, reasons.join(' · ')),
          h('p', {}, 'What to do:'),
          adviceList(Object.keys(skippedByReason)),
          table({
            label: 'Skipped endpoints',
            rows: skipped.slice(0, SHOWN),
            columns: [
              { label: 'Device', cell: (s) => device(s.newcomer) },
              { label: 'New endpoint', cell: (s) => endpointCell(s.newcomer) },
              // What it claims, each with its kind (an older collector sent only who holds them).
              {
                label: 'Claims, held by',
                cell: (s) =>
                  h(
                    'div',
                    { class: 'skip-claims' },
                    identifierList(s.claims ?? []),
                    h('div', { class: 'muted endpoint-times' }, 'held by'),
                    s.heldBy.map(endpointId),
                  ),
              },
              {
                label: 'Why',
                cell: (s) =>
                  h(
                    'div',
                    { class: 'skip-why' },
                    badge(REASONS[s.reason] ?? s.reason, 'warn'),
                    ' ',
                    h('span', { class: 'muted' }, s.detail),
                  ),
              },
            ],
          }),
        ]
      : null,
    h('div', { class: 'actions' }, candidates.length > 0 ? [release, ' '] : null, cancel),
  );
}

/** Releases the previewed predecessors, a page of ids per call: every release and every one left alone. */
async function releaseAll(candidates, range) {
  const released = [];
  const notReleased = [];
  // Each pair as the admin saw it: the server refuses a predecessor whose newcomer changed since.
  const newcomerOf = new Map(candidates.map((c) => [c.predecessor.id, c.newcomer.id]));
  const queue = candidates.map((c) => c.predecessor.id);
  while (queue.length > 0) {
    const predecessorIds = queue.splice(0, BATCH);
    const newcomerIds = predecessorIds.map((id) => newcomerOf.get(id));
    const answer = await api('POST', '/admin/v1/reenrollments/release', { body: { ...range, predecessorIds, newcomerIds } });
    released.push(...answer.released);
    notReleased.push(...answer.notReleased);
    // The call ran out of time before these: they go first in the next one.
    queue.unshift(...(answer.unreached ?? []));
  }
  return { released, notReleased };
}

/** The first few names, then how many more: "a, b and c", "a, b, c and 4 more". */
function names(items, shown = 3) {
  if (items.length <= shown + 1)
    return items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}` : (items[0] ?? '');
  return `${items.slice(0, shown).join(', ')} and ${(items.length - shown).toLocaleString()} more`;
}

/**
 * What the release did, naming the devices: the old endpoints retired, who holds their
 * identifiers now, any left alone. Each old endpoint goes by its id, then the device's hostname
 * quoted (endpoint-name.js): the agent chooses the hostname, which may imitate another's id, and
 * two listed devices may share one (a device and its clone, laptops imaged alike).
 */
function releasedText(candidates, { released, notReleased }) {
  const byPredecessor = new Map(candidates.map((c) => [c.predecessor.id, c]));
  const host = (id) => {
    const pair = byPredecessor.get(id);
    return `${id}${quotedHostname({ hostname: pair?.newcomer.hostname ?? pair?.predecessor.hostname ?? null }, LISTED)}`;
  };
  const parts = [];
  if (released.length === 1) {
    const [r] = released;
    parts.push(
      `Released the old endpoint ${host(r.predecessorId)}; ${
        r.freed.length > 0
          ? r.freed.length === 1
            ? `its new endpoint ${r.freed[0]} now holds its identifiers.`
            : `${names(r.freed)} now hold its identifiers.`
          : `its new endpoint ${r.newcomerId} is still pending approval.`
      }`,
    );
  } else if (released.length > 1) {
    parts.push(
      `Released the old endpoints ${names(released.map((r) => host(r.predecessorId)))}; their new endpoints now hold their identifiers.`,
    );
    const waiting = released.filter((r) => r.freed.length === 0).map((r) => r.newcomerId);
    if (waiting.length > 0) parts.push(`Still pending approval: ${names(waiting)}.`);
  } else parts.push('Released nothing.');
  if (notReleased.length > 0)
    parts.push(
      `${names(notReleased.map((n) => host(n.predecessorId)))} changed during the release and ${notReleased.length === 1 ? 'was' : 'were'} left alone.`,
    );
  return parts.join(' ');
}

/**
 * The action and its preview, for owners and admins while some endpoint waits for approval:
 * null otherwise. `after(text)` reloads the list once something was released.
 */
export function reenrolledRelease(ctx, area, after) {
  if (!ctx.can('endpoints', 'write')) return null;
  const slot = h('div', {});
  const open = h('button', { type: 'button', class: 'btn' }, 'Release re-enrolled devices…');
  /** Shows the preview of the enrollment window `range`; a release then uses that same window and the ids it listed. */
  async function show(button, range) {
    const preview = await busy(button, area, () => loadPreview(range));
    if (!preview) return;
    const panel = previewPanel(preview, range, {
      onWindow: (next) => show(panel.querySelector('form button'), next),
      onCancel: () => slot.replaceChildren(),
      onRelease: async (releaseButton) => {
        const n = preview.candidates.length;
        const count = plural(n, 're-enrolled device', 're-enrolled devices');
        const only = n === 1 ? 'Only the re-enrolled device listed is released' : `Only the ${count} listed are released`;
        const confirmed = await confirmAction({
          title: `Release ${count}?`,
          message: `The old endpoint of each is blocked for good and gives up its identifiers; the new one takes them over and is judged again. ${only}: if anything changed since this preview, nothing is released and you preview again. Each release is logged.`,
          confirmLabel: `Release ${count}`,
        });
        if (!confirmed) return;
        const done = await busy(releaseButton, area, () => releaseAll(preview.candidates, range));
        // Refused (the set changed since this preview): the error stays, the stale preview goes.
        if (!done) {
          slot.replaceChildren();
          return;
        }
        const text = releasedText(preview.candidates, done);
        slot.replaceChildren();
        area.show('ok', text);
        announce(text);
        await after(text);
      },
    });
    slot.replaceChildren(panel);
    const heading = panel.querySelector('h2');
    heading.setAttribute('tabindex', '-1');
    heading.focus();
  }
  open.addEventListener('click', () => show(open, {}));
  return { button: open, slot };
}
