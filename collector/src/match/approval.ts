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
 * The match of an endpoint whose identifiers an administrator released: its key is retired
 * and holds nothing, so it is never trusted (and, being blocked, always denied).
 */
export function releasedMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.releasedAt === null) return null;
  const reason = `untrusted: an administrator released this endpoint's identifiers on ${new Date(endpoint.releasedAt).toISOString()}; its device key is retired`;
  return { trusted: false, match: null, reasons: [reason], flags: [] };
}
