import { collectorAddress, sameCollector } from '../config/collector-url.js';
import type { AgentState } from './state.js';

/**
 * What the agent does at start with the enrollment it stored, given the collector it is
 * configured for:
 * - `keep`: no enrollment yet, or one with this collector (compared by origin, so a URL spelt
 *   another way, `http://Host:80/` for `http://host`, is the same collector);
 * - `move`: the enrollment was made under a URL the admin declared an earlier address of this
 *   collector (previousCollectorUrls), or it was moved here from the URL now configured (a
 *   move rolled back: the old settings pushed again, which name no earlier URL): endpoint id,
 *   device key and sequence are kept. That URL is one this collector was reached at with
 *   this very enrollment, so going back shows the identity to no collector new to it;
 * - `reenroll`: it belongs to another collector. The agent never shows one collector the
 *   identity it holds with another (another organisation's, for all it knows), so it enrolls
 *   anew with a new key.
 */
export type EnrollmentPlan = { kind: 'keep' } | { kind: 'move'; from: string } | { kind: 'reenroll'; from: string | null };

export function planEnrollment(state: AgentState, collectorUrl: string, previousCollectorUrls: readonly string[]): EnrollmentPlan {
  if (state.endpointId === null) return { kind: 'keep' };
  // An enrollment that does not say whose it is goes nowhere.
  if (state.collectorUrl === null) return { kind: 'reenroll', from: null };
  if (sameCollector(state.collectorUrl, collectorUrl)) return { kind: 'keep' };
  const from = collectorAddress(state.collectorUrl);
  if (from !== null && previousCollectorUrls.some((previous) => collectorAddress(previous) === from))
    return { kind: 'move', from: state.collectorUrl };
  if (from !== null && state.movedFrom && sameCollector(state.movedFrom.collectorUrl, collectorUrl))
    return { kind: 'move', from: state.collectorUrl };
  return { kind: 'reenroll', from: state.collectorUrl };
}

/** The state after the plan: a moved enrollment says where it came from and when (doctor and the tray show it). */
export function stateAfter(plan: EnrollmentPlan, state: AgentState, collectorUrl: string, now: Date): AgentState {
  switch (plan.kind) {
    case 'keep':
      return state.endpointId === null ? { collectorUrl, endpointId: null, lastSeq: 0 } : { ...state, collectorUrl };
    case 'move':
      return { ...state, collectorUrl, movedFrom: { collectorUrl: plan.from, at: now.toISOString() } };
    case 'reenroll':
      return { collectorUrl, endpointId: null, lastSeq: 0 };
  }
}
