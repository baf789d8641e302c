import type { Endpoint, WaitingOn } from '../domain/endpoint.js';

/**
 * What releasing an endpoint risks, said before it is done. Releasing frees the endpoint's
 * identifiers for good and approves the first endpoint waiting on them: right for a re-imaged
 * laptop's old key (it stopped reporting before the new key enrolled), wrong for two holders
 * that look the same from the endpoint list:
 * - one blocked as lost or stolen: what waits on it may be the thief's reinstall of the agent;
 * - one still reporting after the first endpoint waiting on it enrolled: likely the real device
 *   still in use, and what waits on it copies of its disk image.
 * devtrustctl asks for --yes and the console's confirmation says it first (the API releases as
 * asked: a script that means it is not stopped).
 */
export type ReleaseCautionReason = 'holder-blocked' | 'holder-still-reporting';

export interface ReleaseCaution {
  reason: ReleaseCautionReason;
  message: string;
}

type Holder = Pick<Endpoint, 'id' | 'hostname' | 'blocked' | 'releasedAt' | 'lastSeenAt'>;

const named = (e: { id: string; hostname: string | null }): string => (e.hostname ? `${e.id} (${e.hostname})` : e.id);
const when = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Null when nothing waits on the endpoint, it is released already, or it went quiet before the first waiter enrolled. */
export function releaseCaution(holder: Holder, waiting: WaitingOn): ReleaseCaution | null {
  const first = waiting.first[0];
  if (first === undefined || holder.releasedAt !== null) return null;
  const others = waiting.count > 1 ? ` and ${waiting.count - 1} more` : '';
  if (holder.blocked) {
    const them = waiting.count > 1 ? 'them' : first.id;
    return {
      reason: 'holder-blocked',
      message:
        `${named(holder)} is blocked, and ${named(first)}${others} ${waiting.count > 1 ? 'wait' : 'waits'} on its identifiers: ` +
        `releasing it frees them, and ${first.id} is approved and trusted. If it was blocked because the device was lost or stolen, ` +
        `deny ${them} instead; release it only if the device was recovered and re-imaged.`,
    };
  }
  if (holder.lastSeenAt > first.enrolledAt) {
    return {
      reason: 'holder-still-reporting',
      message:
        `${named(holder)} has reported since ${named(first)} enrolled on its identifiers (last seen ${when(holder.lastSeenAt)}, ` +
        `${first.id} enrolled ${when(first.enrolledAt)}): it may be the real device, still in use, and ${first.id}${others} ` +
        `a copy of its disk image. Releasing it retires its key for good. For a copy, reset its MachineGuid and approve it, or deny it; ` +
        `release it only if ${holder.id} is the same device under a new key.`,
    };
  }
  return null;
}
