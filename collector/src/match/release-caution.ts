import { IDENTIFIER_LABELS } from '@devtrust/shared/identity';
import type { Endpoint, IdentifierClaim, WaitingOn } from '../domain/endpoint.js';
import { endpointLabel } from '../domain/endpoint-label.js';

/**
 * What releasing or approving an endpoint risks, said before it is done. devtrustctl asks for
 * --yes and the console's confirmation says it first; the API does as asked (a script that
 * means it is not stopped).
 *
 * Releasing frees an endpoint's identifiers for good and approves the first endpoint waiting on
 * them: right for a re-imaged laptop's old key (it stopped reporting before the new key
 * enrolled), wrong for two holders that look the same from the endpoint list:
 * - one blocked as lost or stolen: what waits on it may be the thief's reinstall of the agent;
 * - one that reported after the first endpoint waiting on it enrolled: likely the real device
 *   still in use, and what waits on it copies of its disk image.
 * And releasing an endpoint that is itself pending (the new key, not the old) retires the very
 * key that was to take over.
 * Approving an endpoint whose identifiers a blocked endpoint holds trusts it through them (a
 * blocked endpoint is nobody's duplicate): the same thief's reinstall, approved.
 */
export type CautionReason = 'holder-blocked' | 'holder-still-reporting' | 'endpoint-pending';

export interface Caution {
  reason: CautionReason;
  message: string;
}

type Holder = Pick<Endpoint, 'id' | 'hostname' | 'blocked' | 'releasedAt' | 'lastSeenAt'> & Partial<Pick<Endpoint, 'approval'>>;

/** What the caller knows besides the endpoint and who waits on it. */
export interface ReleaseContext {
  /** Whom the release would approve (EndpointsRepo.freedByRelease); undefined: not worked out (too many waiting). */
  approves?: readonly string[];
  /** For a pending endpoint: the endpoints holding what it claims now. */
  waitsOn?: readonly string[];
  /**
   * Whether the holder's agent is connected now: in use, though agents report every 15 minutes
   * and a copy may have enrolled since its last report.
   */
  connected?: boolean;
}

const named = (e: { id: string; hostname: string | null }): string => endpointLabel(e);
/** To the millisecond: a report and an enrollment in the same second must not read as the same time. */
/** Read by people beside the console's times: date and time to the second, in UTC (no ISO T and Z). */
const when = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

function approving(approves: readonly string[] | undefined): string {
  if (approves === undefined) return 'approves the first of them to enroll that nobody else holds against';
  if (approves.length === 0) return 'approves none of them (each still waits on another endpoint, or on one forgotten)';
  return `approves ${approves[0]}${approves.length > 1 ? ` and ${approves.length - 1} more` : ''}`;
}

/**
 * Null when releasing the endpoint is what it looks like: nothing waits on it, or it went quiet
 * before the first waiter enrolled (a re-imaged laptop's old key), or it is released already.
 * A report in the very millisecond the first waiter enrolled counts as after it, as the bulk
 * release's `predecessor-still-reporting` counts it.
 */
export function releaseCaution(holder: Holder, waiting: WaitingOn, context: ReleaseContext = {}): Caution | null {
  if (holder.releasedAt !== null) return null;
  if (holder.approval === 'pending') {
    const waitsOn = context.waitsOn ?? [];
    return {
      reason: 'endpoint-pending',
      message:
        `${named(holder)} is itself waiting for approval: it holds no identifiers, and releasing it only retires its own key for good. ` +
        (waitsOn.length > 0
          ? `If it is a re-imaged or reinstalled device's new key, release the endpoint it waits on instead (${waitsOn.join(', ')}); to refuse it, deny it.`
          : 'To refuse it, deny it.'),
    };
  }
  const first = waiting.first[0];
  if (first === undefined) return null;
  const others = waiting.count > 1 ? ` and ${waiting.count - 1} more` : '';
  if (holder.blocked) {
    const them = waiting.count > 1 ? 'them' : first.id;
    return {
      reason: 'holder-blocked',
      message:
        `${named(holder)} is blocked, and ${named(first)}${others} ${waiting.count > 1 ? 'wait' : 'waits'} on its identifiers: ` +
        `releasing it frees them and ${approving(context.approves)}. If it was blocked because the device was lost or stolen, deny ${them} instead; ` +
        'release it only if the device was recovered and re-imaged.',
    };
  }
  const reported = holder.lastSeenAt >= first.enrolledAt;
  if (reported || context.connected === true) {
    const since = reported
      ? `has reported since ${named(first)} enrolled on its identifiers`
      : `is connected now (its agent reports every 15 minutes; its last report came before ${named(first)} enrolled on its identifiers)`;
    return {
      reason: 'holder-still-reporting',
      message:
        `${named(holder)} ${since} (last seen ${when(holder.lastSeenAt)}, ` +
        `${first.id} enrolled ${when(first.enrolledAt)}): it may be the real device, still in use, and ${first.id}${others} ` +
        `a copy of its disk image. Releasing it retires its key for good and ${approving(context.approves)}. A copy: give it identifiers ` +
        'of its own (a new MachineGuid; for a virtual machine a new serial number and hardware UUID too) and approve it, or deny it. ' +
        'Release it only if it is the old key of a device re-imaged or reinstalled, after denying any copy waiting on it.',
    };
  }
  return null;
}

/**
 * Null unless an endpoint holding what the pending endpoint reports now is blocked (and not
 * released): approving binds those identifiers to it, and a blocked holder makes it no duplicate.
 */
export function approveCaution(claimsNow: readonly IdentifierClaim[], holders: ReadonlyMap<string, Holder>): Caution | null {
  const blocked = [...new Set(claimsNow.flatMap((c) => c.heldBy))]
    .map((id) => holders.get(id))
    .filter((h): h is Holder => h !== undefined && h.blocked && h.releasedAt === null);
  const first = blocked[0];
  if (first === undefined) return null;
  const held = claimsNow
    .filter((c) => c.heldBy.includes(first.id))
    .map((c) => `${IDENTIFIER_LABELS[c.kind]} ${c.value}`)
    .join(', ');
  return {
    reason: 'holder-blocked',
    message:
      `${named(first)} holds ${held} and is blocked: approving this endpoint trusts it through them. If ${first.id} was blocked ` +
      'because the device was lost or stolen, this may be the thief reinstalling the agent: deny it. Approve it only if the device was recovered.',
  };
}
