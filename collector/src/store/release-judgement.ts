import type { IdentifierClaim } from '../domain/endpoint.js';
import type { SingleIdentifierKind } from '../domain/identifiers.js';

/**
 * Judging again, in memory, the endpoints that waited on a released (or forgotten) holder:
 * what EndpointsRepo.checkClaims would find for each, one after the other in enrollment order,
 * with the ones freed before it holding what they claim. The store reads the facts in a few
 * statements and writes the verdicts in a few more (store/repos/release-waiters.ts); a release
 * with thousands of waiters no longer costs several round trips per waiter under the releases' lock.
 */

/** At most this many holders per claim, as holdersOf and macClaims answer. */
export const HOLDERS_PER_CLAIM = 20;

/** One endpoint waiting on the holder, as stored. */
export interface ReleaseWaiter {
  id: string;
  enrolledAt: number;
  /** The single-valued identifiers it reports, in match order (hardware UUID, serial, MachineGuid). */
  identifiers: readonly (readonly [SingleIdentifierKind, string])[];
  /** Every MAC it reports: freed, it holds them for a later waiter's MAC claims. */
  macs: readonly string[];
  /** Its MACs that can be claims (a MAC-matching inventory holds them and none knows it by its own identifiers), in its order. */
  claimableMacs: readonly string[];
}

/** A binding of a value: who and when (holders are ordered by when, then by id). */
export interface HeldValue {
  endpointId: string;
  boundAt: number;
}

/** An endpoint not pending and not released that reports a MAC. */
export interface MacHolder {
  id: string;
  enrolledAt: number;
}

export interface ReleaseFacts {
  /** In enrollment order (then id): the order they are judged in. */
  waiters: readonly ReleaseWaiter[];
  /**
   * Per `bindingKey(kind, value)`, the value's first bindings (at least HOLDERS_PER_CLAIM + 1 when
   * there are that many, so that leaving out the waiter itself still leaves enough), after the
   * released holder's bindings ended. A value with no entry has no binding.
   */
  bindings: ReadonlyMap<string, readonly HeldValue[]>;
  /** Per claimable MAC, its first holders by enrollment (HOLDERS_PER_CLAIM at most); waiters (pending) are none of them. */
  macHolders: ReadonlyMap<string, readonly MacHolder[]>;
  /** The release's time: a freed waiter's new bindings are bound at it. */
  at: number;
}

export interface WaiterVerdict {
  id: string;
  /** Empty: freed (approved, binds what it reports). Otherwise it stays pending with these claims. */
  claims: IdentifierClaim[];
}

export const bindingKey = (kind: string, value: string): string => `${kind}\u0000${value}`;

const byBinding = (a: HeldValue, b: HeldValue): number =>
  a.boundAt - b.boundAt || (a.endpointId < b.endpointId ? -1 : a.endpointId > b.endpointId ? 1 : 0);
const byEnrollment = (a: MacHolder, b: MacHolder): number => a.enrolledAt - b.enrolledAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Each waiter's verdict, in the waiters' order. Pure: the facts are not changed. */
export function judgeWaiters(facts: ReleaseFacts): WaiterVerdict[] {
  // Copies, to which each freed waiter is added as it is freed.
  const bindings = new Map<string, HeldValue[]>();
  const heldAt = (key: string): HeldValue[] => {
    let held = bindings.get(key);
    if (!held) bindings.set(key, (held = [...(facts.bindings.get(key) ?? [])].sort(byBinding)));
    return held;
  };
  const freedMacs = new Map<string, MacHolder[]>();
  const verdicts: WaiterVerdict[] = [];
  for (const waiter of facts.waiters) {
    const claims: IdentifierClaim[] = [];
    for (const [kind, value] of waiter.identifiers) {
      const heldBy = heldAt(bindingKey(kind, value))
        .filter((h) => h.endpointId !== waiter.id)
        .slice(0, HOLDERS_PER_CLAIM)
        .map((h) => h.endpointId);
      if (heldBy.length > 0) claims.push({ kind, value, heldBy });
    }
    for (const mac of waiter.claimableMacs) {
      const holders = [...(facts.macHolders.get(mac) ?? []), ...(freedMacs.get(mac) ?? [])]
        .filter((h) => h.id !== waiter.id)
        .sort(byEnrollment)
        .slice(0, HOLDERS_PER_CLAIM)
        .map((h) => h.id);
      if (holders.length > 0) claims.push({ kind: 'macAddress', value: mac, heldBy: holders });
    }
    verdicts.push({ id: waiter.id, claims });
    if (claims.length > 0) continue;
    // Freed: approved, it binds what it reports (a binding it has already keeps its time) and
    // reports its MACs as an endpoint that is no longer pending.
    for (const [kind, value] of waiter.identifiers) {
      const held = heldAt(bindingKey(kind, value));
      if (held.some((h) => h.endpointId === waiter.id)) continue;
      held.push({ endpointId: waiter.id, boundAt: facts.at });
      held.sort(byBinding);
    }
    for (const mac of new Set(waiter.macs)) {
      const list = freedMacs.get(mac);
      if (list) list.push({ id: waiter.id, enrolledAt: waiter.enrolledAt });
      else freedMacs.set(mac, [{ id: waiter.id, enrolledAt: waiter.enrolledAt }]);
    }
  }
  return verdicts;
}
