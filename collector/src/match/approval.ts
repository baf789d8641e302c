import { IDENTIFIER_LABELS } from '@devtrust/shared/identity';
import type { Endpoint } from '../domain/endpoint.js';
import type { MatchResult } from './match.js';

/** "serial number C02X held by ep_1, ep_2": what a pending endpoint claims, for reasons and findings. */
export function describeClaims(endpoint: Endpoint): string {
  const claims = endpoint.approvalClaims.map((c) => `${IDENTIFIER_LABELS[c.kind]} ${c.value} (held by ${c.heldBy.join(', ')})`);
  return claims.length > 0 ? claims.join('; ') : 'identifiers another enrolled endpoint holds';
}

/**
 * The match of an endpoint waiting for approval: never trusted, whatever inventory holds,
 * and (see EndpointsRepo.countReporting) not counted against the endpoints it copies.
 */
export function pendingApprovalMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.approval !== 'pending') return null;
  const reason = `untrusted: this endpoint awaits an administrator's approval, because it reports ${describeClaims(endpoint)}`;
  return { trusted: false, match: null, reasons: [reason], flags: [reason.replace(/^untrusted: /, '')] };
}

/**
 * The match of an endpoint an administrator denied (a copy turned away): its claims never count
 * (EndpointsRepo.countReporting counts no blocked endpoint), so the identifiers it shares are
 * not duplicates, and the endpoint holding them stays trusted through them. Matched as any
 * other, it would count itself beside that holder and read "reported by 2 enrolled endpoints;
 * not used to trust any of them" and "no record matches", both false while the holder is
 * trusted through the same record.
 */
export function deniedMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.approval !== 'denied') return null;
  const reason = `untrusted: an administrator denied this endpoint, which reported ${describeClaims(endpoint)} when it enrolled; what it reports is not used to trust it, and does not affect the endpoint holding them`;
  return { trusted: false, match: null, reasons: [reason], flags: [] };
}

/**
 * The match of an endpoint whose identifiers an administrator released: its key is retired
 * and holds nothing, so it is never trusted (and, being blocked, always denied).
 */
export function releasedMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.releasedAt === null) return null;
  const reason = `untrusted: an administrator released this endpoint's identifiers on ${new Date(endpoint.releasedAt).toISOString()}; its device key is retired`;
  return { trusted: false, match: null, reasons: [reason], flags: [] };
}
