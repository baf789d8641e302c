import type { ReasonDetail } from '../domain/application.js';
import { policySchema } from '../domain/policy.js';
import { NO_AGENT_REASON, NOT_REPORTED_REASON, PENDING_APPROVAL_REASON, type Verdict } from '../domain/verdict.js';
import { ENDPOINT_ID } from '../domain/endpoint-id-skeleton.js';
import { DECISION_TABLE } from './decide.js';

/** A verdict as an application and its users see it; `reference` finds the whole of it in the auth log. */
export interface DisclosedVerdict extends Verdict {
  reference: string;
}

/** The headlines decide() can put first: fixed text that names no integration, device or identifier. */
const HEADLINES = new Set(DECISION_TABLE.map((row) => row.headline));
const HEALTH_HEADLINE = DECISION_TABLE.find((row) => row.when.healthy === false)?.headline;
/** Policy rule names (the only words taken from the other reasons): fixed by the schema, never data. */
const RULES = new Set(Object.keys(policySchema.shape));

/**
 * The one short reason: the decision's headline, and for a failed health check which rules
 * failed (`requireDiskEncryption`). Built only from the decision table and the policy's rule
 * names, so nothing an inventory or an agent reported can reach it.
 */
export function shortReason(verdict: Verdict): string {
  const headline = verdict.reasons[0];
  if (headline === undefined || !HEADLINES.has(headline)) return verdict.access === 'allow' ? 'allowed by policy' : 'denied by policy';
  if (headline !== HEALTH_HEADLINE) return headline;
  const failed = verdict.reasons
    .map((reason) => /^rule ([A-Za-z]+)\b.*\(fail\)$/.exec(reason)?.[1])
    .filter((rule): rule is string => rule !== undefined && RULES.has(rule));
  return failed.length > 0 ? `${headline} (${[...new Set(failed)].join(', ')})` : headline;
}

/**
 * Reasons in fixed words that the user can act on: why the device was not checked at all
 * (start the agent), or that it waits for IT (what to ask them for).
 */
const FIXED_REASONS = new Set([NO_AGENT_REASON, NOT_REPORTED_REASON, PENDING_APPROVAL_REASON]);

/**
 * What an application (ID token, transaction API) and its users (the denial page) are told:
 * with "summary" the short reason (and a fixed reason the user can act on, FIXED_REASONS), with
 * "full" every reason as admins see them; with both, the reference (the transaction id) under
 * which the auth log keeps every reason.
 */
export function discloseVerdict(detail: ReasonDetail, verdict: Verdict, reference: string): DisclosedVerdict {
  const reasons = detail === 'full' ? verdict.reasons : [shortReason(verdict), ...verdict.reasons.filter((r) => FIXED_REASONS.has(r))];
  // The assurance level is a fixed word, not a detail: applications may require it.
  return { verdict: verdict.verdict, access: verdict.access, reasons, reference, assurance: verdict.assurance ?? null };
}

/**
 * The reasons a device's own agent is told when it asks where it stands (`check`): every reason,
 * as its tray and `devtrust-agent --once` explain them to its user, but no other endpoint named.
 * A pending copy's claims name the endpoint holding what it copied; its agent learning that id is
 * a first step towards posing as it (a hostname that reads as it), and its user needs only what
 * to ask IT for.
 */
export function reasonsForDevice(reasons: readonly string[], ownId: string): string[] {
  return reasons.map((reason) => reason.replace(ENDPOINT_ID, (id) => (id === ownId ? id : 'another endpoint')));
}
