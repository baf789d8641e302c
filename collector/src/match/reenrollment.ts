import type { SingleIdentifierKind } from '../domain/identifiers.js';
import type {
  HoldingEndpoint,
  PendingClaimant,
  Reenrollment,
  ReenrollmentEndpoint,
  ReenrollmentJudgement,
  ReenrollmentQuiet,
  ReenrollmentWindow,
  SkipReason,
} from '../domain/reenrollment.js';

/**
 * Which endpoints pending approval are re-enrollments a bulk release may free: the same
 * device come back with a new device key (re-imaged, agent reinstalled, or every agent after
 * the collector's URL changed) while its identifiers stay bound to the old key, the
 * predecessor. Pure: the storage reads are the repository's, the releases the service's.
 *
 * A bulk release must not hand a real device's identifiers to a clone because nobody looked,
 * so a pair is a candidate only when every rule below holds (docs/enrollment-and-posture.md,
 * "Releasing re-enrolled devices in bulk"); any other pending endpoint is skipped with its
 * reason, for the admin to judge one at a time.
 */

const STRONG_LABELS: Record<SingleIdentifierKind, string> = {
  hardwareUuid: 'hardware UUID',
  serialNumber: 'serial number',
  machineGuid: 'MachineGuid',
};

const iso = (ms: number): string => new Date(ms).toISOString();

function summary(e: ReenrollmentEndpoint): ReenrollmentEndpoint {
  const { id, hostname, platform, enrolledAt, lastSeenAt, blocked, releasedAt, approval } = e;
  return { id, hostname, platform, enrolledAt, lastSeenAt, blocked, releasedAt, approval };
}

/** The endpoints a claimant's claims name, in the order first named. */
export function holdersOf(claimant: Pick<PendingClaimant, 'claims'>): string[] {
  // Loops, not flatMap and a Set: the first preview page calls this for every pending
  // endpoint several times, and a claimant names one or two endpoints.
  const holders: string[] = [];
  for (const claim of claimant.claims) for (const id of claim.heldBy) if (!holders.includes(id)) holders.push(id);
  return holders;
}

const inWindow = (enrolledAt: number, window: ReenrollmentWindow): boolean =>
  (window.enrolledAfter === undefined || enrolledAt >= window.enrolledAfter) &&
  (window.enrolledBefore === undefined || enrolledAt < window.enrolledBefore);

/**
 * Judges one pending endpoint against the one endpoint its claims name. `rivals`: how many
 * pending endpoints (this one included) name that predecessor in any claim. Returns the
 * identifiers a release frees, or why it is skipped.
 */
export function judgeReenrollment(
  newcomer: PendingClaimant,
  predecessor: HoldingEndpoint | undefined,
  rivals: number,
  quiet?: ReenrollmentQuiet,
): { identifiers: Reenrollment['identifiers'] } | { reason: SkipReason; detail: string } {
  const holders = holdersOf(newcomer);
  if (newcomer.approval !== 'pending' || newcomer.blocked || newcomer.releasedAt !== null)
    return { reason: 'newcomer-blocked', detail: 'the newcomer is blocked or no longer pending approval' };
  if (holders.length === 0) return { reason: 'predecessor-gone', detail: 'its claims name no endpoint that holds them now' };
  if (holders.length !== 1)
    return {
      reason: 'several-holders',
      detail: `its claims name ${holders.length} endpoints (${holders.join(', ')}), not one predecessor`,
    };
  if (!predecessor || predecessor.id !== holders[0])
    return { reason: 'predecessor-gone', detail: `${holders[0] ?? 'the holder'} is no longer enrolled` };
  // Releasing the predecessor judges every endpoint waiting on it again; with two waiting, the
  // older would win, and nothing says it is the device rather than a clone.
  if (rivals > 1) return { reason: 'several-newcomers', detail: `${rivals} pending endpoints claim identifiers ${predecessor.id} holds` };
  // A blocked holder may be a stolen device (a thief re-imaging it) or one an admin retired.
  if (predecessor.releasedAt !== null)
    return { reason: 'predecessor-blocked', detail: `${predecessor.id} was released ${iso(predecessor.releasedAt)}: its key is retired` };
  if (predecessor.blocked)
    return { reason: 'predecessor-blocked', detail: `${predecessor.id} is blocked: an administrator decides this one` };
  if (predecessor.approval === 'pending') return { reason: 'predecessor-pending', detail: `${predecessor.id} is itself pending approval` };
  if (newcomer.platform === null || newcomer.platform !== predecessor.platform)
    return {
      reason: 'platform-mismatch',
      detail: `the newcomer reports ${newcomer.platform ?? 'no platform'}, ${predecessor.id} ${predecessor.platform ?? 'none'}`,
    };
  // The device's old key went silent when the new one enrolled; a key still in use is a second device.
  if (predecessor.lastSeenAt >= newcomer.enrolledAt || predecessor.enrolledAt >= newcomer.enrolledAt)
    return {
      reason: 'predecessor-still-reporting',
      detail: `${predecessor.id} was last seen ${iso(predecessor.lastSeenAt)}, after the newcomer enrolled (${iso(newcomer.enrolledAt)})`,
    };
  // MAC addresses are seen by anyone on the same network: never enough for a bulk release.
  if (predecessor.holds.length === 0)
    return {
      reason: 'no-strong-identifier',
      detail: `${predecessor.id} holds no hardware UUID, serial number or MachineGuid (MAC addresses only)`,
    };
  const missing = predecessor.holds.filter((h) => newcomer.identifiers[h.kind] !== h.value);
  if (missing.length > 0)
    return {
      reason: 'partial-overlap',
      detail: `the newcomer does not report the ${missing.map((m) => `${STRONG_LABELS[m.kind]} ${m.value}`).join(', ')} that ${predecessor.id} holds`,
    };
  // A clone of this device was blocked or denied before: the device is a target, and a second
  // clone waiting while the device sleeps looks exactly like a re-enrollment.
  const twins = predecessor.blockedTwins.filter((id) => id !== newcomer.id);
  if (twins.length > 0)
    return {
      reason: 'clone-seen',
      detail: `${twins.slice(0, 3).join(', ')}${twins.length > 3 ? ` and ${twins.length - 3} more` : ''}, blocked or denied, also reported identifiers ${predecessor.id} holds`,
    };
  // Silent since the newcomer enrolled proves nothing the moment a clone enrolls: the device it
  // copied reported just before and has not had its next report yet (every 15 minutes while
  // awake). The old key must have stayed silent for a while after the newcomer enrolled.
  if (quiet && newcomer.enrolledAt > quiet.now - quiet.ms)
    return {
      reason: 'too-recent',
      detail: `the newcomer enrolled ${iso(newcomer.enrolledAt)}: a bulk release waits until ${iso(newcomer.enrolledAt + quiet.ms)} in case ${predecessor.id} reports again (DEVTRUST_REENROLLMENT_QUIET_MINUTES)`,
    };
  return { identifiers: predecessor.holds };
}

/**
 * How many endpoints in `pending` name each endpoint in their claims: a predecessor's rivals
 * (judgeReenrollment's `rivals`) when `pending` holds every pending endpoint naming it.
 */
export function rivalCounts(pending: Iterable<PendingClaimant>): Map<string, number> {
  const rivals = new Map<string, number>();
  for (const claimant of pending) for (const id of holdersOf(claimant)) rivals.set(id, (rivals.get(id) ?? 0) + 1);
  return rivals;
}

/**
 * These newcomers, those enrolled inside the window, as candidates or skipped with their
 * reasons, oldest enrollment first; `rivals` counted among every pending endpoint naming their
 * predecessors (rivalCounts), so a subset of the pending set is judged as the whole set judges it.
 */
export function judgeEach(
  newcomers: readonly PendingClaimant[],
  holders: ReadonlyMap<string, HoldingEndpoint>,
  rivals: ReadonlyMap<string, number>,
  window: ReenrollmentWindow = {},
  quiet?: ReenrollmentQuiet,
): ReenrollmentJudgement {
  const judged: ReenrollmentJudgement = { candidates: [], skipped: [] };
  const ordered = newcomers
    .filter((p) => inWindow(p.enrolledAt, window))
    .sort((a, b) => a.enrolledAt - b.enrolledAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const newcomer of ordered) {
    const heldBy = holdersOf(newcomer);
    const predecessor = heldBy.length === 1 ? holders.get(heldBy[0] as string) : undefined;
    const verdict = judgeReenrollment(newcomer, predecessor, rivals.get(heldBy[0] as string) ?? 0, quiet);
    if ('reason' in verdict) judged.skipped.push({ newcomer: summary(newcomer), heldBy, claims: newcomer.claims, ...verdict });
    else judged.candidates.push({ newcomer: summary(newcomer), predecessor: summary(predecessor as HoldingEndpoint), ...verdict });
  }
  return judged;
}

/**
 * Every pending endpoint enrolled inside the window, as a candidate or skipped with its
 * reason, oldest enrollment first. `pending` must hold every pending endpoint, inside the
 * window or not: a rival outside it still makes its predecessor ambiguous.
 */
export function judgeReenrollments(
  pending: PendingClaimant[],
  holders: ReadonlyMap<string, HoldingEndpoint>,
  window: ReenrollmentWindow = {},
  quiet?: ReenrollmentQuiet,
): ReenrollmentJudgement {
  return judgeEach(pending, holders, rivalCounts(pending), window, quiet);
}
