import { IDENTIFIER_LABELS } from '@devtrust/shared/identity';
import type { Endpoint } from '../domain/endpoint.js';
import { PENDING_APPROVAL_REASON } from '../domain/verdict.js';
import type { MatchResult } from './match.js';

/** "serial number C02X held by ep_1, ep_2": what a pending endpoint claims, for reasons and findings. */
export function describeClaims(endpoint: Endpoint): string {
  const claims = endpoint.approvalClaims.map((c) => `${IDENTIFIER_LABELS[c.kind]} ${c.value} (held by ${c.heldBy.join(', ')})`);
  return claims.length > 0 ? claims.join('; ') : 'identifiers another enrolled endpoint holds';
}

/**
 * The match of an endpoint waiting for approval: never trusted, whatever inventory holds,
 * and (see EndpointsRepo.countReporting) not counted against the endpoints it copies. Its
 * first reason is in fixed words, for the device's user too (policy/disclosure.ts shows it
 * under "summary"): what to ask IT for, as the README's admin flow does it (release the old
 * endpoint of a re-imaged device rather than approve the new one). The next names the claims,
 * for admins.
 */
export function pendingApprovalMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.approval !== 'pending') return null;
  const claims = `pending approval: this endpoint reports ${describeClaims(endpoint)}`;
  return { trusted: false, match: null, reasons: [PENDING_APPROVAL_REASON, claims], flags: [claims] };
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
  // Denying blocks: said here, once, rather than as a second reason "an administrator blocked it".
  const blocked = endpoint.blocked ? '; denied, it is blocked: every sign-in from it is denied' : '';
  const reason = `untrusted: an administrator denied this endpoint, which reported ${describeClaims(endpoint)} when it enrolled; what it reports is not used to trust it, and does not affect the endpoint holding them${blocked}`;
  return { trusted: false, match: null, reasons: [reason], flags: [], explainsBlock: endpoint.blocked === true };
}

/**
 * The match of an endpoint whose identifiers an administrator released: its key is retired
 * and holds nothing, so it is never trusted (and, being blocked, always denied). The release
 * is the block's cause: one reason says both.
 */
export function releasedMatch(endpoint: Endpoint): MatchResult | null {
  if (endpoint.releasedAt === null) return null;
  const blocked = endpoint.blocked ? ', and the endpoint is blocked for good: every sign-in from it is denied' : '';
  const reason = `untrusted: an administrator released this endpoint's identifiers on ${new Date(endpoint.releasedAt).toISOString()}; its device key is retired${blocked}`;
  return { trusted: false, match: null, reasons: [reason], flags: [], explainsBlock: endpoint.blocked === true };
}
