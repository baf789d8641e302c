import type { MatchResult } from '../match/match.js';
import type { Policy, TrustedEndpointsMode } from '../domain/policy.js';
import type { Assurance, Verdict } from '../domain/verdict.js';
import { denialReasons } from './denial-reasons.js';
import { healthOutcomes, type DeviceHealth } from './health.js';

/** What the EDR integrations say about the device, already judged for freshness. */
export interface EdrAssessment {
  /** "none": no EDR integration applies to this user and device, so EDR takes no part. */
  status: 'compromised' | 'clean' | 'unknown' | 'none';
  /** Which EDR said what, and how fresh it was. */
  reasons: string[];
}

export interface DecisionInputs {
  policy: Policy;
  blocked: boolean;
  match: MatchResult;
  edr: EdrAssessment | null;
  /** The agent's latest report, for the health rules; null when none. */
  device?: DeviceHealth | null;
  /** How the trusted device was identified (match/assertion.ts); absent: by identifiers. */
  assurance?: Assurance | null;
}

/** The facts the decision table reads. */
export interface DecisionFacts {
  mode: TrustedEndpointsMode;
  blocked: boolean;
  trusted: boolean;
  /** An EDR finding the policy turns into a denial: compromised (blockCompromised), unknown (edrUnknown=deny). */
  edrBlocks: 'compromised' | 'unknown' | null;
  healthy: boolean;
  /** False when requireAssurance=mdm_asserted and the device is trusted by identifiers only. */
  assuranceMet: boolean;
}

/** Which row decided, as metrics label verdicts: a few fixed words, never a name or a serial. */
export type ReasonClass =
  'trusted' | 'blocked' | 'allow_all_untrusted' | 'not_trusted' | 'assurance_not_met' | 'edr_compromised' | 'edr_unknown' | 'unhealthy';

interface Row {
  when: Partial<DecisionFacts>;
  access: Verdict['access'];
  verdict: Verdict['verdict'];
  headline: string;
  reasonClass: ReasonClass;
}

/**
 * The decision, first matching row wins. Rows 4–8 hold the Cisco Secure Endpoint table
 * (SPEC): under require-trusted a device never identified as trusted is denied whatever
 * its EDR status; a trusted device that an applicable EDR reports compromised is denied
 * when blockCompromised is on; allow-all allows everyone and records the verdict.
 * Extensions: an unknown EDR status denies only with edrUnknown=deny (default allow),
 * and a failing required health check denies under require-trusted. The verdict is
 * "trusted" only for a matched device that no enabled rule fails.
 */
export const DECISION_TABLE: readonly Row[] = [
  {
    when: { blocked: true },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: an administrator blocked this endpoint',
    reasonClass: 'blocked',
  },
  {
    when: { mode: 'allow-all', trusted: true, edrBlocks: null, healthy: true, assuranceMet: true },
    access: 'allow',
    verdict: 'trusted',
    headline: 'allowed: trusted device',
    reasonClass: 'trusted',
  },
  {
    when: { mode: 'allow-all' },
    access: 'allow',
    verdict: 'untrusted',
    headline: 'allowed: policy allow-all lets untrusted devices in (verdict recorded)',
    reasonClass: 'allow_all_untrusted',
  },
  {
    when: { mode: 'require-trusted', trusted: false },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: policy require-trusted and the device is not trusted',
    reasonClass: 'not_trusted',
  },
  {
    when: { mode: 'require-trusted', assuranceMet: false },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: the policy requires an MDM-asserted identity and this device is trusted by identifiers only',
    reasonClass: 'assurance_not_met',
  },
  {
    when: { mode: 'require-trusted', edrBlocks: 'compromised' },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: an EDR integration reports this device compromised (blockCompromised)',
    reasonClass: 'edr_compromised',
  },
  {
    when: { mode: 'require-trusted', edrBlocks: 'unknown' },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: the EDR status of this device is unknown and the policy sets edrUnknown=deny',
    reasonClass: 'edr_unknown',
  },
  {
    when: { mode: 'require-trusted', healthy: false },
    access: 'deny',
    verdict: 'untrusted',
    headline: 'denied: the device fails a required health check',
    reasonClass: 'unhealthy',
  },
  { when: { mode: 'require-trusted' }, access: 'allow', verdict: 'trusted', headline: 'allowed: trusted device', reasonClass: 'trusted' },
];

export function lookupDecision(facts: DecisionFacts): Row {
  const row = DECISION_TABLE.find((r) => Object.entries(r.when).every(([k, v]) => facts[k as keyof DecisionFacts] === v));
  if (!row) throw new Error('the decision table has no row for these facts'); // the last rows are catch-alls
  return row;
}

/** The blockCompromised / edrUnknown rules: what EDR contributes, and its reason line. */
function edrRule(policy: Policy, edr: EdrAssessment | null): { blocks: DecisionFacts['edrBlocks']; reason: string } {
  const status = edr?.status ?? 'none';
  if (!policy.blockCompromised) {
    const note = status === 'compromised' ? 'an EDR reports this device compromised, but that does not deny access' : 'EDR status not used';
    return { blocks: null, reason: `rule blockCompromised=off: ${note}` };
  }
  switch (status) {
    case 'none':
      return { blocks: null, reason: 'rule blockCompromised=on: no EDR integration applies to this user and device' };
    case 'compromised':
      return { blocks: 'compromised', reason: 'rule blockCompromised=on: EDR status compromised (fail)' };
    case 'clean':
      return { blocks: null, reason: 'rule blockCompromised=on: EDR status clean (pass)' };
    case 'unknown':
      return policy.edrUnknown === 'deny'
        ? {
            blocks: 'unknown',
            reason: 'rule blockCompromised=on: EDR status unknown, and edrUnknown=deny denies it under require-trusted (fail)',
          }
        : {
            blocks: null,
            reason: 'rule blockCompromised=on: EDR status unknown; edrUnknown=allow, so an unknown status does not deny a trusted device',
          };
  }
}

/** Turns a match, the EDR assessment and the device's health into access, pure. */
export function decide(inputs: DecisionInputs): Verdict {
  const { policy, blocked, match, edr } = inputs;
  const edrOutcome = edrRule(policy, edr);
  const health = healthOutcomes(policy, inputs.device ?? null);
  const assurance = match.trusted ? (inputs.assurance ?? 'identifiers') : null;
  const strict = policy.requireAssurance === 'mdm_asserted';
  const facts: DecisionFacts = {
    mode: policy.trustedEndpoints,
    blocked,
    trusted: match.trusted,
    edrBlocks: edrOutcome.blocks,
    healthy: health.every((h) => h.outcome !== 'fail'),
    assuranceMet: !strict || !match.trusted || assurance === 'mdm_asserted',
  };
  const row = lookupDecision(facts);
  // A blocked endpoint is not a trusted device, whatever its identifiers matched: the rule lines
  // judge it so (the verdict is the block's row either way), or its denial would list the trust
  // rule as passing beside "an administrator blocked this endpoint".
  const trustedDevice = match.trusted && !blocked;
  const device = trustedDevice ? 'trusted' : blocked ? 'not trusted: this endpoint is blocked' : 'not trusted';
  const trustRule =
    policy.trustedEndpoints === 'allow-all'
      ? `rule trustedEndpoints=allow-all: untrusted devices are allowed and recorded (device ${device})`
      : `rule trustedEndpoints=require-trusted: device ${device} (${trustedDevice ? 'pass' : 'fail'})`;
  // A denied or released endpoint's reasons already say why it is blocked: they are the cause,
  // said once, not followed by "an administrator blocked this endpoint" as a second action.
  const explained = blocked && match.explainsBlock === true;
  const blockLine = !blocked ? [] : explained ? match.reasons : ['rule endpoint block: an administrator blocked this endpoint (fail)'];
  // Said only when the stricter level is asked for, so other verdicts read as before.
  const assuranceLine =
    strict && trustedDevice
      ? [
          `rule requireAssurance=mdm_asserted: device trusted ${assurance === 'mdm_asserted' ? 'MDM-asserted (pass)' : 'by identifiers only (fail)'}`,
        ]
      : [];
  const edrLines = [edrOutcome.reason, ...(edr?.reasons ?? [])];
  // Explained, blockLine is match.reasons itself, listed once here.
  const lines = [
    ...match.reasons,
    ...(explained ? [] : blockLine),
    trustRule,
    ...assuranceLine,
    ...edrLines,
    ...health.map((h) => h.reason),
  ];
  // A denial names what denied it first; what passed follows as passing (denial-reasons.ts).
  const causes: Record<ReasonClass, string[]> = {
    // Under require-trusted the trust rule fails because of the block: a cause beside it, not a pass.
    blocked: [...blockLine, ...(policy.trustedEndpoints === 'require-trusted' ? [trustRule] : [])],
    not_trusted: [...match.reasons, trustRule],
    assurance_not_met: assuranceLine,
    edr_compromised: edrLines,
    edr_unknown: edrLines,
    unhealthy: health.filter((h) => h.outcome === 'fail').map((h) => h.reason),
    trusted: [],
    allow_all_untrusted: [],
  };
  const reasons = row.access === 'deny' ? denialReasons(row.headline, causes[row.reasonClass], lines) : [row.headline, ...lines];
  return { verdict: row.verdict, access: row.access, reasons, assurance: row.verdict === 'trusted' ? assurance : null };
}
