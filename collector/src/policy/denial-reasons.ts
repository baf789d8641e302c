/**
 * A denial's reasons say what denied it. The checks that passed (the device was identified,
 * its EDR is clean) are not why, so after the causes they read as passing, never as a reason:
 * a blocked laptop whose MAC address matched its record must not seem denied for the match.
 */

/** How the identifier matcher words a match that trusts the device (match/match.ts). */
const MATCHED = 'trusted: ';

/** A reason line shown under a verdict it did not decide: an identifier match is recast as a passing check. */
export function asPassingCheck(reason: string): string {
  return reason.startsWith(MATCHED) ? `identifier match: ${reason.slice(MATCHED.length)} (pass)` : reason;
}

/** The headline, then what caused the denial, then every other line with the passing match recast. */
export function denialReasons(headline: string, causes: readonly string[], all: readonly string[]): string[] {
  const caused = new Set(causes);
  return [headline, ...causes, ...all.filter((line) => !caused.has(line)).map(asPassingCheck)];
}
