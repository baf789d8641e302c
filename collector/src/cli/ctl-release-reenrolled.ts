import type { CtlCall, CtlCommand, CtlInput, CtlIo } from './ctl-commands.js';
import { UsageError } from './ctl-commands.js';
import { renderTable, utcTime } from './ctl-render.js';

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
  reason: string;
  detail: string;
}
interface Preview {
  candidates: Candidate[];
  candidateCount: number;
  skipped: Skipped[];
  skippedCount: number;
  skippedByReason: Record<string, number>;
  nextCursor: string | null;
}

/** An instant as the admin API takes it (ISO date or ms), checked here so a typo is a usage error. */
function instant(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new UsageError(`--${flag} must be an ISO date (2026-12-01T09:00:00Z) or milliseconds since the epoch`);
  return new Date(ms).toISOString();
}

function windowOf(input: CtlInput): { enrolledAfter?: string; enrolledBefore?: string } {
  const enrolledAfter = instant(input.flags['enrolled-after'], 'enrolled-after');
  const enrolledBefore = instant(input.flags['enrolled-before'], 'enrolled-before');
  return { ...(enrolledAfter ? { enrolledAfter } : {}), ...(enrolledBefore ? { enrolledBefore } : {}) };
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
  if (!io.json) printPreview(io, candidates, preview);
  else if (!release) io.out.write(`${JSON.stringify(previewJson, null, 2)}\n`);
  if (!release) {
    if (candidates.length > 0)
      io.err.write(
        `devtrustctl: nothing released${input.flags['dry-run'] === 'true' ? ' (--dry-run)' : ''}: run again with --yes to release these ${candidates.length}\n`,
      );
    return 0;
  }
  let released = 0;
  const freed: string[] = [];
  const notReleased: unknown[] = [];
  // Each pair as printed: the server refuses a predecessor whose newcomer is no longer the one shown.
  const newcomerOf = new Map(candidates.map((c) => [c.predecessor.id, c.newcomer.id]));
  const queue = candidates.map((c) => c.predecessor.id);
  while (queue.length > 0) {
    const predecessorIds = queue.splice(0, BATCH);
    const newcomerIds = predecessorIds.map((id) => newcomerOf.get(id) as string);
    const answer = await call('POST', '/admin/v1/reenrollments/release', { ...window, predecessorIds, newcomerIds });
    if (answer.status !== 200) {
      io.err.write(`devtrustctl: ${errorLine(answer.status, answer.body)}\n`);
      if (released > 0) io.err.write(`devtrustctl: ${released} released before this (they stay released); run again to preview the rest\n`);
      return 1;
    }
    const body = answer.body as { released: { freed: string[] }[]; notReleased: unknown[]; unreached?: string[] };
    released += body.released.length;
    for (const r of body.released) freed.push(...r.freed);
    notReleased.push(...body.notReleased);
    // The call ran out of time before these: they go first in the next one.
    queue.unshift(...(body.unreached ?? []));
    if (candidates.length > BATCH || queue.length > 0) io.err.write(`devtrustctl: released ${released} of ${candidates.length}\n`);
  }
  if (io.json) io.out.write(`${JSON.stringify({ ...previewJson, release: { released, freed, notReleased } }, null, 2)}\n`);
  else {
    io.out.write(`\nreleased: ${released}\nfreed: ${freed.length}\n`);
    if (notReleased.length > 0) io.out.write(`not released (changed during the release): ${JSON.stringify(notReleased)}\n`);
  }
  return notReleased.length > 0 ? 1 : 0;
}

function printPreview(io: CtlIo, candidates: Candidate[], preview: Preview): void {
  io.out.write(`${candidates.length} re-enrolled ${candidates.length === 1 ? 'device' : 'devices'} to release:\n`);
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
  io.out.write(`\n${preview.skippedCount} skipped (release them one at a time once checked): ${counts.join(', ')}\n`);
  io.out.write(
    `${renderTable(
      preview.skipped.map((s) => ({
        hostname: s.newcomer.hostname,
        new: s.newcomer.id,
        heldBy: s.heldBy.join(' '),
        reason: s.reason,
        detail: s.detail,
      })),
      ['hostname', 'new', 'heldBy', 'reason', 'detail'],
    )}\n`,
  );
  if (preview.skipped.length < preview.skippedCount) io.out.write(`(the first ${preview.skipped.length} shown)\n`);
}

export const releaseReenrolledCommand: CtlCommand = {
  name: 'endpoint release-reenrolled',
  usage: '[--enrolled-after DATE] [--enrolled-before DATE] [--yes | --dry-run]',
  about:
    'preview the re-enrolled devices whose old endpoint can be released in bulk (one silent predecessor, every hardware UUID, serial number and MachineGuid shared, same platform), with the skipped ones and why; --yes releases exactly the ones printed',
  flags: ['enrolled-after', 'enrolled-before'],
  switches: ['yes', 'dry-run'],
  request: (i) => {
    if (i.flags.yes === 'true' && i.flags['dry-run'] === 'true') throw new UsageError('--yes and --dry-run contradict each other');
    windowOf(i);
    return { method: 'GET', path: '/admin/v1/reenrollments' };
  },
  run,
  // Per call: a preview reads every pending endpoint; a release batch is BATCH transactions.
  timeoutMs: 600_000,
};
