import { isoInstant, readInstant } from '../domain/instant.js';
import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { UsageError } from './ctl-commands.js';
import { fitCell, renderTable, utcTime } from './ctl-render.js';

/**
 * `devtrustctl endpoint release-reenrolled`: the bulk release of re-enrolled devices
 * (docs/enrollment-and-posture.md). It prints the whole preview, then, only with --yes,
 * releases exactly the predecessors it printed, a batch of ids per call: the server refuses
 * (409 REENROLLMENTS_CHANGED) any that stopped qualifying, so nothing unseen is released.
 */

/** Candidates per preview page (the server's limit). */
const PAGE = 1_000;
/**
 * Predecessors per release call: each is its own transaction, 10–20 ms each with 10,000
 * endpoints pending (1,000 took 10 s on SQLite, 18 s on PostgreSQL on a loaded 2-core machine),
 * so a call stays well inside the timeout and progress is printed as it goes. The server stops
 * a call after 5 s anyway and answers the rest as `unreached`, sent again in the next call.
 */
const BATCH = 250;

interface Side {
  id: string;
  hostname: string | null;
  platform: string | null;
  enrolledAt: number;
  lastSeenAt: number;
}
interface Candidate {
  newcomer: Side;
  predecessor: Side;
  identifiers: { kind: string; value: string }[];
}
interface Skipped {
  newcomer: Side;
  heldBy: string[];
  /** What it reports that others hold (absent from a collector before this field). */
  claims?: { kind: string; value: string }[];
  reason: string;
  detail: string;
}
/** A preview page; the counts and `skipped` come with the first page only (null and [] on later ones). */
interface Preview {
  candidates: Candidate[];
  candidateCount: number;
  skipped: Skipped[];
  skippedCount: number;
  skippedByReason: Record<string, number>;
  nextCursor: string | null;
}

interface Window {
  enrolledAfter?: string;
  enrolledBefore?: string;
}

/**
 * An instant read as the admin API reads it (domain/instant.ts), checked here so a typo, or a
 * date and time without its zone, is a usage error: devtrustctl's own zone would otherwise
 * pick the window, and the same command would release other devices on another machine.
 */
function instant(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const read = readInstant(value);
  if ('ms' in read) return isoInstant(read.ms);
  if (read.error === 'no-zone')
    throw new UsageError(`--${flag} ${value} has no time zone: add Z (UTC) or +hh:mm, e.g. --${flag} ${value}Z`);
  throw new UsageError(
    `--${flag} must be an ISO date (2026-12-01, midnight UTC), an ISO date and time with its zone (2026-12-01T09:00:00Z, 2026-12-01T09:00:00+01:00) or milliseconds since the epoch`,
  );
}

function windowOf(input: CtlInput): Window {
  const enrolledAfter = instant(input.flags['enrolled-after'], 'enrolled-after');
  const enrolledBefore = instant(input.flags['enrolled-before'], 'enrolled-before');
  return { ...(enrolledAfter ? { enrolledAfter } : {}), ...(enrolledBefore ? { enrolledBefore } : {}) };
}

/** The window as the preview's header says it, in UTC: what was actually asked for. */
function windowText(window: Window): string {
  const parts = [
    ...(window.enrolledAfter ? [`after ${window.enrolledAfter}`] : []),
    ...(window.enrolledBefore ? [`before ${window.enrolledBefore}`] : []),
  ];
  return parts.length > 0 ? `new endpoints enrolled ${parts.join(' and ')}` : 'new endpoints enrolled at any time';
}

const errorLine = (status: number, body: unknown): string => {
  const error = (body as { error?: { code?: string; message?: string } } | null)?.error;
  return `${status} ${error?.code ?? 'ERROR'}: ${error?.message ?? 'the collector refused'}`;
};

async function run(call: CtlCall, input: CtlInput, io: CtlIo): Promise<number> {
  const window = windowOf(input);
  const release = input.flags.yes === 'true' && input.flags['dry-run'] !== 'true';
  // The whole preview first: what is printed is what may be released.
  const candidates: Candidate[] = [];
  let first: Preview | null = null;
  for (let cursor: string | null = null; ;) {
    const params = new URLSearchParams({ ...window, limit: String(PAGE), ...(cursor ? { cursor } : {}) });
    const answer = await call('GET', `/admin/v1/reenrollments?${params}`);
    if (answer.status !== 200) {
      io.err.write(`devtrustctl: ${errorLine(answer.status, answer.body)}\n`);
      return 1;
    }
    const page = answer.body as Preview;
    first ??= page;
    candidates.push(...page.candidates);
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  const preview = first as Preview;
  // --json prints one document: the preview, and what was released when --yes was given.
  const previewJson = { ...preview, candidates, nextCursor: null };
  if (!io.json) printPreview(io, candidates, preview, window);
  else if (!release) io.out.write(`${JSON.stringify(previewJson, null, 2)}\n`);
  if (!release) {
    if (candidates.length > 0)
      io.err.write(
        `devtrustctl: nothing released${input.flags['dry-run'] === 'true' ? ' (--dry-run)' : ''}: run again with --yes to release ${candidates.length === 1 ? 'this one' : `these ${candidates.length}`}\n`,
      );
    return 0;
  }
  const done: Done = { released: [], notReleased: [] };
  // Each pair as printed: the server refuses a predecessor whose newcomer is no longer the one shown.
  const newcomerOf = new Map(candidates.map((c) => [c.predecessor.id, c.newcomer.id]));
  const queue = candidates.map((c) => c.predecessor.id);
  while (queue.length > 0) {
    const predecessorIds = queue.splice(0, BATCH);
    const newcomerIds = predecessorIds.map((id) => newcomerOf.get(id) as string);
    const answer = await call('POST', '/admin/v1/reenrollments/release', { ...window, predecessorIds, newcomerIds });
    if (answer.status !== 200) {
      io.err.write(`devtrustctl: ${errorLine(answer.status, answer.body)}\n`);
      if (done.released.length > 0) {
        // What was released before the refusal stays released: say which, so nobody has to guess.
        if (!io.json) printReleased(io, candidates, done);
        io.err.write(`devtrustctl: ${done.released.length} released before this (they stay released); run again to preview the rest\n`);
      }
      return 1;
    }
    const body = answer.body as { released: Released[]; notReleased: NotReleased[]; unreached?: string[] };
    done.released.push(...body.released);
    done.notReleased.push(...body.notReleased);
    // The call ran out of time before these: they go first in the next one.
    queue.unshift(...(body.unreached ?? []));
    if (candidates.length > BATCH || queue.length > 0)
      io.err.write(`devtrustctl: released ${done.released.length} of ${candidates.length}\n`);
  }
  if (io.json) {
    const freed = done.released.flatMap((r) => r.freed);
    io.out.write(
      `${JSON.stringify({ ...previewJson, release: { released: done.released.length, freed, notReleased: done.notReleased, releases: done.released } }, null, 2)}\n`,
    );
  } else printReleased(io, candidates, done);
  return done.notReleased.length > 0 ? 1 : 0;
}

interface Released {
  predecessorId: string;
  newcomerId: string;
  identifiers: { kind: string; value: string }[];
  freed: string[];
  stillPending: string[];
}
interface NotReleased {
  predecessorId: string;
  reason: string;
  detail: string;
}
interface Done {
  released: Released[];
  notReleased: NotReleased[];
}

/** Each release, by name: the old endpoint retired, the endpoint that holds its identifiers now, and any left alone. */
function printReleased(io: CtlIo, candidates: Candidate[], done: Done): void {
  const byPredecessor = new Map(candidates.map((c) => [c.predecessor.id, c]));
  const hostname = (id: string): string | null => {
    const c = byPredecessor.get(id);
    return c ? (c.newcomer.hostname ?? c.predecessor.hostname) : null;
  };
  const freed = done.released.reduce((n, r) => n + r.freed.length, 0);
  io.out.write(`\nreleased: ${done.released.length}\nfreed: ${freed}\n`);
  if (done.released.length > 0)
    io.out.write(
      `${renderTable(
        done.released.map((r) => ({
          hostname: hostname(r.predecessorId),
          released: r.predecessorId,
          // The newcomer is judged again once freed: normally it alone holds the identifiers now.
          nowHeldBy: r.freed.length > 0 ? r.freed.join(' ') : null,
          stillPending: r.stillPending.length > 0 ? r.stillPending.join(' ') : null,
        })),
        ['hostname', 'released', 'nowHeldBy', 'stillPending'],
      )}\n`,
    );
  if (done.notReleased.length === 0) return;
  io.out.write(`\nnot released (changed during the release; left alone): ${done.notReleased.length}\n`);
  io.out.write(
    `${renderTable(
      done.notReleased.map((n) => ({ hostname: hostname(n.predecessorId), old: n.predecessorId, reason: n.reason, detail: n.detail })),
      ['hostname', 'old', 'reason', 'detail'],
    )}\n`,
  );
}

/**
 * What to do about each skip reason, said once per reason beside the table (a detail, cut to fit
 * the table, says what was seen for each row). The API's `detail` stays the facts: the console
 * says the same advice (console/assets/js/reenrolled-release.js, SKIP_ADVICE).
 */
const CLONED =
  'a disk image copied without resetting its MachineGuid (or a device cloned): reset it on the copies (Windows: sysprep /generalize, or a new MachineGuid), let them report, then approve each copy that now reports identifiers of its own';
const SKIP_ADVICE: Record<string, string> = {
  'several-newcomers': CLONED,
  'several-holders': CLONED,
  'clone-seen': 'a clone of this device was turned away before, so this may be another: deny it unless you can place it',
  'too-recent':
    'wait until the time its detail gives (DEVTRUST_REENROLLMENT_QUIET_MINUTES after the new key enrolled, default 30), then run this again',
  // Releasing a blocked endpoint hands its identifiers to the new one: a thief's re-image, often.
  'predecessor-blocked': 'the old endpoint is blocked (a stolen device?): deny the new one unless you know the device was recovered',
  'predecessor-gone': 'the old endpoint was forgotten: approve or deny the new one',
  'predecessor-still-reporting': 'the old key still reports: check which machine is which before releasing',
};
const CHECK_ONE = 'check it, then release the old endpoint (endpoint release OLD), approve or deny the new one, one at a time';

/** The advice for these reasons, each advice once with the reasons it answers, in the order first given. */
function adviceFor(reasons: string[]): Map<string, string[]> {
  const grouped = new Map<string, string[]>();
  for (const reason of reasons) {
    const advice = SKIP_ADVICE[reason] ?? CHECK_ONE;
    grouped.set(advice, [...(grouped.get(advice) ?? []), reason]);
  }
  return grouped;
}

function printPreview(io: CtlIo, candidates: Candidate[], preview: Preview, window: Window): void {
  const scope = windowText(window);
  if (candidates.length === 0) {
    const skipped =
      preview.skippedCount === 0
        ? ''
        : ` ${preview.skippedCount} ${preview.skippedCount === 1 ? 'was' : 'were'} skipped, listed below with why.`;
    io.out.write(
      preview.skippedCount === 0
        ? `No re-enrolled devices to release (${scope}).\n`
        : `None of the re-enrolled devices can be released in bulk yet (${scope}).${skipped}\n`,
    );
  } else io.out.write(`${candidates.length} re-enrolled ${candidates.length === 1 ? 'device' : 'devices'} to release (${scope}):\n`);
  if (candidates.length > 0)
    io.out.write(
      `${renderTable(
        candidates.map((c) => ({
          hostname: c.newcomer.hostname ?? c.predecessor.hostname,
          platform: c.newcomer.platform,
          old: c.predecessor.id,
          oldLastSeen: utcTime(c.predecessor.lastSeenAt),
          new: c.newcomer.id,
          newEnrolled: utcTime(c.newcomer.enrolledAt),
          identifiers: c.identifiers.map((x) => `${x.kind} ${x.value}`).join(', '),
        })),
        ['hostname', 'platform', 'old', 'oldLastSeen', 'new', 'newEnrolled', 'identifiers'],
      )}\n`,
    );
  if (preview.skippedCount === 0) return;
  const counts = Object.entries(preview.skippedByReason).map(([reason, n]) => `${reason} ${n}`);
  io.out.write(`\n${preview.skippedCount} skipped by reason: ${counts.join(', ')}\nwhat to do:\n`);
  for (const [advice, reasons] of adviceFor(Object.keys(preview.skippedByReason))) io.out.write(`  ${reasons.join(', ')}: ${advice}\n`);
  io.out.write(
    `${renderTable(
      preview.skipped.map((s) => ({
        hostname: s.newcomer.hostname,
        new: s.newcomer.id,
        heldBy: s.heldBy.join(' '),
        claims: (s.claims ?? []).map((x) => `${x.kind} ${x.value}`).join(', '),
        reason: s.reason,
        detail: s.detail,
      })),
      ['hostname', 'new', 'heldBy', 'claims', 'reason', 'detail'],
    )}\n`,
  );
  if (preview.skipped.length < preview.skippedCount) io.out.write(`(the first ${preview.skipped.length} shown)\n`);
  if (preview.skipped.some((s) => fitCell(s.detail) !== s.detail.replace(/\s+/g, ' ').trim()))
    io.out.write('(a detail ending in … is cut to fit: --json prints it whole)\n');
}

export const releaseReenrolledCommand: CtlCommand = {
  name: 'endpoint release-reenrolled',
  usage: '[--enrolled-after DATE] [--enrolled-before DATE] [--yes | --dry-run]',
  about:
    'preview the re-enrolled devices whose old endpoint can be released in bulk (one silent predecessor, every hardware UUID, serial number and MachineGuid shared, same platform), with the skipped ones and why; --yes releases exactly the ones printed and names each. DATE: 2026-12-01 (midnight UTC), or a date and time with its zone, 2026-12-01T09:00:00Z or 2026-12-01T09:00:00+01:00 (without a zone it is refused). A device is listed only once its new endpoint enrolled at least DEVTRUST_REENROLLMENT_QUIET_MINUTES ago (a collector setting, default 30), in case the old key reports again',
  flags: ['enrolled-after', 'enrolled-before'],
  switches: ['yes', 'dry-run'],
  request: (i) => {
    if (i.flags.yes === 'true' && i.flags['dry-run'] === 'true') throw new UsageError('--yes and --dry-run contradict each other');
    windowOf(i);
    return { method: 'GET', path: '/admin/v1/reenrollments' };
  },
  run,
  // Per call: the first preview page judges every pending endpoint (a later one only its page); a release batch is BATCH transactions.
  timeoutMs: 600_000,
};
